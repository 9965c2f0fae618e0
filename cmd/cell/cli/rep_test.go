package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const repExample = "../../../reputation/replayfile/testdata/example1.json"

// TestRepReplayJSON checks that `cell rep replay --output json` prints
// exactly the golden output of the replay library.
func TestRepReplayJSON(t *testing.T) {
	out, errOut, code := cell(t, "rep", "replay", repExample, "--output", "json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	want, err := os.ReadFile("../../../reputation/replayfile/testdata/example1.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	// The library's output, with the schema of --output json in front.
	if !bytes.Equal([]byte(out), append([]byte("{\n  \"schema\": \"cell/v1/reputation-replay\",\n"), want[2:]...)) {
		t.Fatalf("output differs from example1.golden.json:\n%s", out)
	}
}

func TestRepReplayText(t *testing.T) {
	out, errOut, code := cell(t, "rep", "replay", repExample)
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	for _, want := range []string{"cycle 0", "root     0x", "nLeaves  9", "jrh      0x", "(colony-wide)", "1900"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
}

func TestRepReplayErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	src := `{"colony": "0x0000000000000000000000000000000000000001", "skills": [{"id": 1}],
	  "cycles": [{"log": [{"user": "0x0000000000000000000000000000000000000002", "amount": "abc", "skill": 1}]}]}`
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := cell(t, "rep", "replay", bad)
	if code != 1 || !strings.Contains(errOut, `cycles[0].log[0].amount: "abc" is not a decimal integer`) {
		t.Fatalf("bad amount: code %d, %q", code, errOut)
	}
	if _, errOut, code := cell(t, "rep", "replay", filepath.Join(t.TempDir(), "missing.json")); code != 1 || !strings.Contains(errOut, "missing.json") {
		t.Fatalf("missing file: code %d, %q", code, errOut)
	}
	if _, _, code := cell(t, "rep", "replay"); code != 2 {
		t.Fatalf("no FILE: code %d, want 2", code)
	}
}

package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// hash32 returns the 32 bytes whose hex is the two digits b repeated.
func hash32(t *testing.T, b string) Hash {
	t.Helper()
	h, err := ParseHash(strings.Repeat(b, 32))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestJobFilesOfEarlierNodes: a node restarted on the state directory of
// a node that kept hashes as hex strings (testdata/jobs-v1, written by
// that node) loads every job with its typed ids and hashes, resumes the
// running one, and writes them back in the same form.
func TestJobFilesOfEarlierNodes(t *testing.T) {
	dir := t.TempDir()
	ents, err := os.ReadDir("testdata/jobs-v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata/jobs-v1", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := openJobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.all()); got != 3 {
		t.Fatalf("%d jobs loaded, want 3", got)
	}
	pkg := spec.ID(hash32(t, "a1"))
	delivered, _ := s.get(41, nodeapi.RoleProvider)
	running, _ := s.get(42, nodeapi.RoleProvider)
	verifier, _ := s.get(41, nodeapi.RoleVerifier)
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"package id", delivered.PackageID, pkg},
		{"input root", delivered.InputRoot, hash32(t, "b2")},
		{"uploaded", delivered.Uploaded["genome"], InputFile{Name: "genome", Size: 12, SHA256: hash32(t, "d4")}},
		{"inputs", delivered.Inputs[0].SHA256, hash32(t, "d4")},
		{"completion code", delivered.CompletionCode, Secret(hash32(t, "e5"))},
		{"rating salt", delivered.RatingSalt, Secret(hash32(t, "f6"))},
		{"output root", delivered.OutputRoot, hash32(t, "17")},
		{"delivered root", delivered.DeliveredRoot, hash32(t, "17")},
		{"output file", delivered.Files[0], OutputFile{Path: "fragments.json", Size: 99, SHA256: hash32(t, "28")}},
		{"tx hash (upper-case hex)", delivered.TxHash, hash32(t, "39")},
		{"input receipt", delivered.InputReceipt, strings.Repeat("c3", 64)},
		{"running state", running.State, nodeapi.StateRunning},
		{"running runs", running.Runs, 1},
		{"running output root", running.OutputRoot, Hash{}},
		{"running tx", running.TxHash, Hash{}},
		{"verifier salt", verifier.Salt, Secret(hash32(t, "4a"))},
		{"verifier root", verifier.OutputRoot, hash32(t, "17")},
		{"verifier round", verifier.Round, uint32(1)},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if got := delivered.status(); got.OutputRoot != strings.Repeat("17", 32) || got.DeliveryTx != strings.Repeat("39", 32) {
		t.Errorf("status %+v", got)
	}
	// Written back, a job keeps the form: an earlier node could load it.
	if _, err := s.update(42, nodeapi.RoleProvider, func(j *Job) error { j.Runs = 2; return nil }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "42-provider.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"package_id": "` + strings.Repeat("a1", 32) + `"`, `"sha256": "` + strings.Repeat("d4", 32) + `"`,
		`"completion_code": "` + strings.Repeat("e6", 32) + `"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("rewritten job lacks %s:\n%s", want, b)
		}
	}
	for _, absent := range []string{"output_root", "tx_hash", "salt\""} {
		if strings.Contains(string(b), `"`+absent) {
			t.Errorf("rewritten job holds a zero %s:\n%s", absent, b)
		}
	}
}

// TestJobFileErrors: a job file whose hash is not 64 hex digits is
// refused when the node opens its state, naming the file and the rule,
// rather than loaded with a zero hash.
func TestJobFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, field, want string }{
		{"short hash", `"input_root": "abcd"`, "must be 64 hex digits"},
		{"not hex", `"output_root": "` + strings.Repeat("zz", 32) + `"`, "not hex"},
		{"bad package id", `"package_id": "12"`, "must be 32 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			body := `{"order_id": 5, "role": "provider", "state": "running", "package_id": "` + strings.Repeat("a1", 32) + `", ` + tc.field + `}`
			if strings.Contains(tc.field, "package_id") {
				body = `{"order_id": 5, "role": "provider", "state": "running", ` + tc.field + `}`
			}
			os.WriteFile(filepath.Join(dir, "5-provider.json"), []byte(body), 0o600)
			_, err := openJobs(dir)
			if err == nil || !strings.Contains(err.Error(), "5-provider.json") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want the file and %q", err, tc.want)
			}
		})
	}
}

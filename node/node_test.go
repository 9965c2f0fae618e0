package node

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/nodeapi"
)

func TestNodeKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node_key.json")
	if _, err := LoadNodeKey(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	k, err := LoadOrCreateNodeKey(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateNodeKey(path)
	if err != nil || !bytes.Equal(k, again) {
		t.Fatalf("reload: %v", err)
	}
	if _, err := CreateNodeKey(path); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("overwrite: %v", err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
	for name, text := range map[string]string{
		"type":       `{"type":"rsa","public_key":"","seed":""}`,
		"seed":       `{"type":"ed25519","public_key":"","seed":"zz"}`,
		"public_key": `{"type":"ed25519","public_key":"00","seed":"` + strings.Repeat("01", 32) + `"}`,
	} {
		p := filepath.Join(t.TempDir(), "k.json")
		os.WriteFile(p, []byte(text), 0o600)
		if _, err := LoadNodeKey(p); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v does not name the field", name, err)
		}
	}
}

func TestJobStorePersists(t *testing.T) {
	dir := t.TempDir()
	s, err := openJobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	j := Job{OrderID: 7, Role: nodeapi.RoleProvider, State: nodeapi.StateAwaitingInputs, Params: map[string]string{"A": "1"}}
	if err := s.create(j); err != nil {
		t.Fatal(err)
	}
	if err := s.create(j); !errors.Is(err, errExists) {
		t.Fatalf("second create: %v", err)
	}
	// A failing update changes nothing, in memory or on disk.
	if _, err := s.update(7, nodeapi.RoleProvider, func(j *Job) error {
		j.State = nodeapi.StateRunning
		return errNoChange
	}); !errors.Is(err, errNoChange) {
		t.Fatal(err)
	}
	if got, _ := s.get(7, nodeapi.RoleProvider); got.State != nodeapi.StateAwaitingInputs {
		t.Fatalf("state %s after a failed update", got.State)
	}
	if _, err := s.update(7, nodeapi.RoleProvider, func(j *Job) error { j.State, j.Runs = nodeapi.StateRunning, 1; return nil }); err != nil {
		t.Fatal(err)
	}
	// A copy handed out does not alias the store.
	got, _ := s.get(7, nodeapi.RoleProvider)
	got.Params["A"] = "changed"
	// A leftover temporary file from a crash is removed on open.
	os.WriteFile(filepath.Join(dir, "9-provider.json.tmp"), []byte("{"), 0o600)
	s2, err := openJobs(dir)
	if err != nil {
		t.Fatal(err)
	}
	back, ok := s2.get(7, nodeapi.RoleProvider)
	if !ok || back.State != nodeapi.StateRunning || back.Runs != 1 || back.Params["A"] != "1" {
		t.Fatalf("reloaded %+v", back)
	}
	if _, err := os.Stat(filepath.Join(dir, "9-provider.json.tmp")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("temporary file left")
	}
}

func TestParseInputs(t *testing.T) {
	good := `{"inputs":[{"name":"genome","size":3,"sha256":"` + strings.Repeat("ab", 32) + `"}]}`
	if _, _, err := parseInputs([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, want string }{
		{`{"inputs":[{"name":"a","size":1,"sha256":"xyz"}]}`, "inputs[0].sha256"},
		{`{"inputs":[{"name":"a/b","size":1,"sha256":"` + strings.Repeat("ab", 32) + `"}]}`, "invalid input name"},
		{`{"inputs":[],"extra":1}`, "unknown field"},
		{`[`, "inputs"},
	} {
		if _, _, err := parseInputs([]byte(tc.body)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.body, err, tc.want)
		}
	}
}

func FuzzParseInputs(f *testing.F) {
	f.Add([]byte(`{"inputs":[{"name":"genome","size":3,"sha256":"` + strings.Repeat("ab", 32) + `"}]}`))
	f.Add([]byte(`{"inputs":[{"name":"","size":0,"sha256":""}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		inputs, root, err := parseInputs(body)
		if err != nil {
			return
		}
		// Whatever parses has a root that the same inputs reproduce.
		again, _ := jsonRoundTrip(t, nodeapi.InputsRequest{Inputs: wireInputs(inputs)})
		if _, r2, err := parseInputs(again); err != nil || r2 != root {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func TestParseFault(t *testing.T) {
	for _, s := range []string{"", "wrong-output", "no-delivery", "silent-verifier", "false-missing-inputs"} {
		if f, err := ParseFault(s); err != nil || string(f) != s {
			t.Errorf("%q: %v", s, err)
		}
	}
	if _, err := ParseFault("crash"); err == nil || !strings.Contains(err.Error(), "wrong-output") || !strings.Contains(err.Error(), "false-missing-inputs") {
		t.Errorf("bad fault: %v", err)
	}
}

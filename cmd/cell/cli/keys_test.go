package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/term"
)

// cellAt runs the command line in-process with --home home and returns
// stdout, stderr and the exit code.
func cellAt(t *testing.T, home string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"--home", home}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// skipIfTerminal skips checks of what happens without a terminal when the
// tests run with one on stdin.
func skipIfTerminal(t *testing.T) {
	t.Helper()
	if term.IsTerminal(int(os.Stdin.Fd())) {
		t.Skip("stdin is a terminal")
	}
}

func TestKeysAddListShowDelete(t *testing.T) {
	home := t.TempDir()
	t.Setenv(envPassphrase, "alice's passphrase")

	out, errOut, code := cellAt(t, home, "--output", "json", "keys", "add", "alice")
	if code != 0 {
		t.Fatalf("keys add: %s", errOut)
	}
	var alice keyJSON
	if err := json.Unmarshal([]byte(out), &alice); err != nil || !strings.HasPrefix(alice.Address, "cell1") || !alice.Encrypted || len(alice.PublicKey) != 64 {
		t.Fatalf("keys add --output json: %q (%v)", out, err)
	}
	if strings.Contains(errOut, "WARNING") || !strings.Contains(errOut, "back it up") {
		t.Errorf("keys add (encrypted) stderr: %q", errOut)
	}

	_, errOut, code = cellAt(t, home, "keys", "add", "dev", "--dev")
	path := filepath.Join(home, "keys", "dev.json")
	if code != 0 || !strings.Contains(errOut, "WARNING: key dev is stored unencrypted in "+path+"; use it only for local development") {
		t.Fatalf("keys add --dev: code %d, stderr %q", code, errOut)
	}

	out, _, code = cellAt(t, home, "--output", "json", "keys", "list")
	var listed struct {
		Schema string           `json:"schema"`
		Items  []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &listed); code != 0 || err != nil || len(listed.Items) != 2 || listed.Schema != "cell/v1/key-list" {
		t.Fatalf("keys list --output json: code %d, %q", code, out)
	}
	for _, k := range listed.Items {
		if len(k) != 4 || k["name"] == nil || k["address"] == nil || k["public_key"] == nil || k["encrypted"] == nil {
			t.Errorf("keys list object %v: want exactly name, address, public_key, encrypted", k)
		}
	}
	if list := listed.Items; list[0]["name"] != "alice" || list[0]["encrypted"] != true || list[1]["name"] != "dev" || list[1]["encrypted"] != false {
		t.Errorf("keys list: %v", list)
	}

	out, _, _ = cellAt(t, home, "keys", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 || !strings.Contains(lines[1], alice.Address) || !strings.Contains(lines[2], "NO (development key)") {
		t.Errorf("keys list:\n%s", out)
	}

	out, _, code = cellAt(t, home, "keys", "show", "alice", "--address")
	if code != 0 || out != alice.Address+"\n" {
		t.Errorf("keys show --address = %q, want %q", out, alice.Address)
	}
	out, _, _ = cellAt(t, home, "--output", "json", "keys", "show", "alice")
	var shown keyJSON
	if err := json.Unmarshal([]byte(out), &shown); err != nil || shown != alice {
		t.Errorf("keys show --output json = %q, want %+v", out, alice)
	}
	out, _, _ = cellAt(t, home, "keys", "show", "dev")
	if !strings.Contains(out, "encrypted   NO (development key)") {
		t.Errorf("keys show of a dev key:\n%s", out)
	}

	_, errOut, code = cellAt(t, home, "keys", "delete", "alice", "--yes")
	if code != 0 || !strings.Contains(errOut, "deleted key alice") {
		t.Fatalf("keys delete: code %d, %q", code, errOut)
	}
	if _, errOut, code := cellAt(t, home, "keys", "show", "alice"); code != 1 || !strings.Contains(errOut, "no such key") {
		t.Errorf("keys show after delete: code %d, %q", code, errOut)
	}
	if _, errOut, code := cellAt(t, home, "keys", "delete", "alice", "--yes"); code != 1 || !strings.Contains(errOut, "no such key") {
		t.Errorf("second keys delete: code %d, %q", code, errOut)
	}
}

func TestKeysExportImport(t *testing.T) {
	home1, home2 := t.TempDir(), t.TempDir()
	t.Setenv(envPassphrase, "moving day")
	_, _, code := cellAt(t, home1, "keys", "add", "alice")
	if code != 0 {
		t.Fatal("keys add failed")
	}
	addr, _, _ := cellAt(t, home1, "keys", "show", "alice", "--address")

	file := filepath.Join(t.TempDir(), "alice.key")
	_, errOut, code := cellAt(t, home1, "keys", "export", "alice", "--out", file)
	if code != 0 || strings.Contains(errOut, "WARNING") {
		t.Fatalf("keys export: code %d, %q", code, errOut)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("export file: %v, mode %v", err, st.Mode())
	}
	if _, errOut, code := cellAt(t, home1, "keys", "export", "alice", "--out", file); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("keys export over an existing file: code %d, %q", code, errOut)
	}
	if _, errOut, code := cellAt(t, home2, "keys", "import", "alice", file, "--dev"); code != 2 || !strings.Contains(errOut, "encrypted key") {
		t.Errorf("keys import --dev of an encrypted export: code %d, %q", code, errOut)
	}

	out, errOut, code := cellAt(t, home2, "--output", "json", "keys", "import", "bob", file)
	var bob keyJSON
	if code != 0 || json.Unmarshal([]byte(out), &bob) != nil || bob.Address+"\n" != addr || !bob.Encrypted || bob.Name != "bob" {
		t.Fatalf("keys import: code %d, %q, %q", code, out, errOut)
	}
	if _, errOut, code := cellAt(t, home2, "keys", "import", "bob", file); code != 1 || !strings.Contains(errOut, "--overwrite") {
		t.Errorf("keys import over an existing key: code %d, %q", code, errOut)
	}

	// A development key exports in plain text, with warnings, and imports
	// as a development key only when asked.
	cellAt(t, home1, "keys", "add", "dev", "--dev")
	armor, errOut, code := cellAt(t, home1, "keys", "export", "dev")
	if code != 0 || !strings.HasPrefix(armor, "-----BEGIN CELL PRIVATE KEY-----") ||
		!strings.Contains(errOut, "WARNING: key dev is stored unencrypted") || !strings.Contains(errOut, "WARNING: the export of key dev is not encrypted") {
		t.Fatalf("keys export of a dev key: code %d, stderr %q", code, errOut)
	}
	plain := filepath.Join(t.TempDir(), "dev.key")
	os.WriteFile(plain, []byte(armor), 0o600)
	out, errOut, code = cellAt(t, home2, "--output", "json", "keys", "import", "dev", plain, "--dev")
	if code != 0 || !strings.Contains(errOut, "WARNING: key dev is stored unencrypted") || !strings.Contains(out, `"encrypted": false`) {
		t.Fatalf("keys import --dev: code %d, %q, %q", code, out, errOut)
	}
	out, errOut, code = cellAt(t, home2, "--output", "json", "keys", "import", "dev-sealed", plain)
	if code != 0 || strings.Contains(errOut, "WARNING") || !strings.Contains(out, `"encrypted": true`) {
		t.Fatalf("keys import of a plain export without --dev: code %d, %q, %q", code, out, errOut)
	}
}

func TestKeysPassphrases(t *testing.T) {
	home := t.TempDir()
	pf := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pf, []byte("from a file\nignored second line\n"), 0o600)
	t.Setenv(envPassphrase, "")
	if _, errOut, code := cellAt(t, home, "keys", "add", "alice", "--passphrase-file", pf); code != 0 {
		t.Fatalf("keys add --passphrase-file: %s", errOut)
	}

	t.Setenv(envPassphrase, "not it")
	_, errOut, code := cellAt(t, home, "keys", "export", "alice")
	if code != 1 || !strings.Contains(errOut, "wrong passphrase") || !strings.Contains(errOut, `"alice"`) {
		t.Fatalf("keys export with a wrong passphrase: code %d, %q", code, errOut)
	}
	// The file comes before the environment.
	if out, errOut, code := cellAt(t, home, "keys", "export", "alice", "--passphrase-file", pf); code != 0 || !strings.Contains(out, "BEGIN CELL PRIVATE KEY") {
		t.Fatalf("keys export --passphrase-file: code %d, %q", code, errOut)
	}

	// A name already taken is reported before a passphrase is asked for.
	t.Setenv(envPassphrase, "")
	if _, errOut, code := cellAt(t, home, "keys", "add", "alice"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("keys add of an existing name: code %d, %q", code, errOut)
	}
	if _, errOut, code := cellAt(t, home, "keys", "add", "Bad/Name", "--dev"); code != 2 || !strings.Contains(errOut, "invalid key name") {
		t.Errorf("keys add of a bad name: code %d, %q", code, errOut)
	}

	skipIfTerminal(t)
	if _, errOut, code := cellAt(t, home, "keys", "add", "bob"); code != 2 || !strings.Contains(errOut, envPassphrase) {
		t.Errorf("keys add with no passphrase source: code %d, %q", code, errOut)
	}
	if _, errOut, code := cellAt(t, home, "keys", "delete", "alice"); code != 2 || !strings.Contains(errOut, "--yes") {
		t.Errorf("keys delete without --yes off a terminal: code %d, %q", code, errOut)
	}
}

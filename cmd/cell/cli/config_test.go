package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/config"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
)

// userHome gives the test a user home directory of its own (HOME) and
// returns it; the configuration file is in userHome/.cell.
func userHome(t *testing.T) string {
	t.Helper()
	h := t.TempDir()
	t.Setenv("HOME", h)
	return h
}

// cellNoHome runs the command line in-process as given, without --home.
func cellNoHome(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// showConfig runs `cell config show --output json` with args.
func showConfig(t *testing.T, args ...string) configShowJSON {
	t.Helper()
	out, errOut, code := cellNoHome(t, append([]string{"config", "show", "--output", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("config show %v: code %d: %s", args, code, errOut)
	}
	var v configShowJSON
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("config show: %v\n%s", err, out)
	}
	return v
}

func TestConfigShowSetUse(t *testing.T) {
	h := userHome(t)
	base := filepath.Join(h, ".cell")

	v := showConfig(t)
	if v.Profile != (config.Value{Value: "default", Source: "default"}) || v.Home != (config.Value{Value: base, Source: "default"}) ||
		v.Node != (config.Value{Value: config.DefaultNode, Source: "default"}) || v.Active != "default" {
		t.Fatalf("show without a file = %+v", v)
	}
	if _, err := os.Stat(base); err == nil {
		t.Fatalf("config show created %s", base)
	}

	wd, _ := os.Getwd()
	for _, args := range [][]string{
		{"node", "http://10.0.0.5:26657/"},
		{"key", "alice"},
		{"home", "lab-home"},
		{"miner", "http://10.0.0.5:26690"},
	} {
		if _, errOut, code := cellNoHome(t, "config", "set", args[0], args[1], "--profile", "lab"); code != 0 {
			t.Fatalf("config set %v: %s", args, errOut)
		}
	}
	if _, errOut, code := cellNoHome(t, "config", "use", "lab"); code != 0 || !strings.Contains(errOut, "profile lab is active") {
		t.Fatalf("config use lab: code %d: %s", code, errOut)
	}
	v = showConfig(t)
	lab := config.Value{Value: "lab", Source: "file"}
	from := "profile lab"
	if v.Profile != lab || v.Home != (config.Value{Value: filepath.Join(wd, "lab-home"), Source: from}) ||
		v.Node != (config.Value{Value: "http://10.0.0.5:26657", Source: from}) || v.Key != (config.Value{Value: "alice", Source: from}) ||
		v.Miner != (config.Value{Value: "http://10.0.0.5:26690", Source: from}) {
		t.Errorf("show after set and use = %+v", v)
	}
	if st, err := os.Stat(config.Path(base)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("config file: %v, %v", st, err)
	}

	// The environment over the profile, a flag over the environment.
	t.Setenv(config.EnvNode, "http://10.0.0.6:26657")
	if v = showConfig(t); v.Node != (config.Value{Value: "http://10.0.0.6:26657", Source: "env CELL_NODE"}) {
		t.Errorf("node with CELL_NODE = %+v", v.Node)
	}
	t.Setenv(config.EnvNode, "")
	other := t.TempDir()
	v = showConfig(t, "--home", other)
	if v.Home != (config.Value{Value: other, Source: "flag --home"}) || v.Key.Value != "" || v.SetAside == "" {
		t.Errorf("show --home OTHER = %+v; want profile lab set aside", v)
	}
	text, _, _ := cellNoHome(t, "config", "show", "--home", other)
	if !strings.Contains(text, "profile lab is set aside: --home names another home") {
		t.Errorf("config show --home OTHER:\n%s", text)
	}
	if v = showConfig(t, "--profile", "default"); v.Profile.Source != "flag --profile" || v.Node.Source != "default" {
		t.Errorf("show --profile default = %+v", v)
	}

	// An empty value removes a key; JSON output of set and use.
	out, _, code := cellNoHome(t, "config", "set", "key", "", "--output", "json")
	var set configProfileJSON
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || set.Profile != "lab" || set.Settings.Key != "" || set.Settings.Node == "" {
		t.Errorf("config set key '' = %d %s", code, out)
	}
	out, _, code = cellNoHome(t, "config", "use", "default", "--output", "json")
	if code != 0 || json.Unmarshal([]byte(out), &set) != nil || set.Active != "default" {
		t.Errorf("config use default = %d %s", code, out)
	}

	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"config", "use", "nope"}, 1, `no profile "nope"`},
		{[]string{"config", "set", "nodes", "http://x"}, 2, `unknown key "nodes"`},
		{[]string{"config", "set", "node", "10.0.0.5:26657"}, 2, "must be an http(s) URL"},
		{[]string{"config", "set", "key", "Alice"}, 2, "invalid key name"},
		{[]string{"config", "set", "key", "alice", "--profile", "a.b"}, 1, `profile name "a.b"`},
		{[]string{"config", "show", "--profile", "nope"}, 1, `profile "nope" (flag --profile) is not in`},
		{[]string{"status", "--profile", "nope"}, 1, `profile "nope" (flag --profile) is not in`},
	} {
		if _, errOut, code := cellNoHome(t, tt.args...); code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("cell %v: code %d, %q; want code %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
	}
}

// TestConfigReachesCommands: a profile gives commands their home, node
// and signing key; flags still win.
func TestConfigReachesCommands(t *testing.T) {
	userHome(t)
	t.Setenv(envPassphrase, "")
	labHome := t.TempDir()
	dead := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	for _, args := range [][]string{{"home", labHome}, {"node", dead}, {"key", "alice"}} {
		if _, errOut, code := cellNoHome(t, "config", "set", args[0], args[1], "--profile", "lab"); code != 0 {
			t.Fatal(errOut)
		}
	}
	if _, errOut, code := cellNoHome(t, "config", "use", "lab"); code != 0 {
		t.Fatal(errOut)
	}
	// The profile's home receives the key.
	if _, errOut, code := cellNoHome(t, "keys", "add", "alice", "--dev"); code != 0 {
		t.Fatal(errOut)
	}
	if _, err := os.Stat(filepath.Join(labHome, "keys", "alice.json")); err != nil {
		t.Fatalf("keys add did not write into the profile's home: %v", err)
	}
	// The profile's key signs and the profile's node is asked: the send
	// fails at the node, not for want of the default key "validator".
	_, errOut, code := cellNoHome(t, "tx", "bank", "send", "alice", "5")
	if code != 1 || !strings.Contains(errOut, strings.TrimPrefix(dead, "http://")) || strings.Contains(errOut, "validator") {
		t.Errorf("tx bank send with the profile: code %d, %q; want a failure reaching %s", code, errOut, dead)
	}
	// --from over the profile's key.
	_, errOut, _ = cellNoHome(t, "tx", "bank", "send", "alice", "5", "--from", "bob")
	if !strings.Contains(errOut, "key bob") {
		t.Errorf("tx bank send --from bob: %q", errOut)
	}
	// --node over the profile's node.
	dead2 := "http://127.0.0.1:" + strconv.Itoa(closedPort(t))
	_, errOut, _ = cellNoHome(t, "status", "--node", dead2)
	if !strings.Contains(errOut, strings.TrimPrefix(dead2, "http://")) {
		t.Errorf("status --node: %q", errOut)
	}
}

// closedPort returns a port nothing listens on.
func closedPort(t *testing.T) int { return freeport.Port(t) }

// TestReadOnlyCommandsCreateNothing runs commands that only read, most
// of them failing, against an empty user home and an empty --home, and
// checks that neither gained a file or directory.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	h := userHome(t)
	t.Setenv(config.EnvNode, "http://127.0.0.1:"+strconv.Itoa(closedPort(t)))
	t.Setenv(envPassphrase, "")
	addr, err := address.FromPubKey(make(ed25519.PublicKey, ed25519.PublicKeySize))
	if err != nil {
		t.Fatal(err)
	}
	explicit := filepath.Join(t.TempDir(), "no-such-home")
	commands := [][]string{
		{"version"},
		{"config", "show"},
		{"keys", "list"},
		{"keys", "show", "alice"},
		{"keys", "export", "alice"},
		{"keys", "delete", "alice", "--yes"},
		{"status"},
		{"query", "bank", "balance", "alice"},
		{"query", "bank", "balance", addr.String()},
		{"query", "staking", "validators"},
		{"query", "registry", "nodes"},
		{"tx", "bank", "send", "alice", "5"},
		{"order", "list"},
		{"order", "show", "1"},
		{"order", "close", "1"},
		{"rep", "show", addr.String()},
		{"package", "inspect", filepath.Join(h, "none.cellpkg")},
		{"node", "start"},
		{"start"},
	}
	for _, args := range commands {
		cellNoHome(t, args...)
		cellNoHome(t, append([]string{"--home", explicit}, args...)...)
	}
	var made []string
	filepath.WalkDir(h, func(path string, d fs.DirEntry, err error) error {
		if path != h {
			made = append(made, path)
		}
		return nil
	})
	if len(made) > 0 {
		t.Errorf("read-only commands created %v", made)
	}
	if _, err := os.Stat(explicit); err == nil {
		t.Errorf("read-only commands created --home %s", explicit)
	}
}

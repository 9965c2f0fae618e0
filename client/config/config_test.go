package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestResolveOrder: each setting comes from its flag, else its variable,
// else the selected profile, else the built-in default.
func TestResolveOrder(t *testing.T) {
	const base = "/u/.cell"
	file := &File{Profile: "devnet", Profiles: map[string]Settings{
		"devnet": {Home: "/u/.cell/devnet", Node: "http://127.0.0.1:36657", Key: "buyer", Miner: "http://127.0.0.1:36690"},
		"remote": {Node: "https://rpc.example.org", Key: "alice"},
		"tilde":  {Home: "~/nets/a"},
	}}
	homeNode := func(home string) (string, error) {
		if home == "/srv/node0" {
			return "http://127.0.0.1:46657", nil
		}
		return "", os.ErrNotExist
	}
	tests := []struct {
		name    string
		file    *File
		profile string // --profile
		flags   Settings
		env     map[string]string
		want    [4]Value // home, node, key, miner
		prof    Value
		aside   bool
	}{
		{
			name: "no file: built-in defaults",
			file: &File{},
			want: [4]Value{{base, SourceDefault}, {DefaultNode, SourceDefault}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof: Value{DefaultProfile, SourceDefault},
		},
		{
			name: "active profile",
			want: [4]Value{{"/u/.cell/devnet", "profile devnet"}, {"http://127.0.0.1:36657", "profile devnet"}, {"buyer", "profile devnet"}, {"http://127.0.0.1:36690", "profile devnet"}},
			prof: Value{"devnet", SourceFile},
		},
		{
			name: "environment over profile",
			env:  map[string]string{EnvNode: "http://10.0.0.1:26657", EnvKey: "carol", EnvMiner: "http://10.0.0.1:26690", EnvHome: "/u/.cell/devnet"},
			want: [4]Value{{"/u/.cell/devnet", "env CELL_HOME"}, {"http://10.0.0.1:26657", "env CELL_NODE"}, {"carol", "env CELL_KEY"}, {"http://10.0.0.1:26690", "env CELL_MINER"}},
			prof: Value{"devnet", SourceFile},
		},
		{
			name:  "flags over environment",
			flags: Settings{Home: "/u/.cell/devnet", Node: "http://h:1", Key: "dave", Miner: "http://h:2"},
			env:   map[string]string{EnvNode: "http://10.0.0.1:26657", EnvKey: "carol", EnvMiner: "http://10.0.0.1:26690", EnvHome: "/elsewhere"},
			want:  [4]Value{{"/u/.cell/devnet", "flag --home"}, {"http://h:1", "flag --node"}, {"dave", "flag --from"}, {"http://h:2", "flag --miner"}},
			prof:  Value{"devnet", SourceFile},
		},
		{
			name:    "--profile over CELL_PROFILE over the file",
			profile: "remote",
			env:     map[string]string{EnvProfile: "tilde"},
			want:    [4]Value{{base, SourceDefault}, {"https://rpc.example.org", "profile remote"}, {"alice", "profile remote"}, {"http://127.0.0.1:26690", SourceDefault}},
			prof:    Value{"remote", "flag --profile"},
		},
		{
			name: "CELL_PROFILE over the file; ~ is the user's home",
			env:  map[string]string{EnvProfile: "tilde"},
			want: [4]Value{{"/u/nets/a", "profile tilde"}, {DefaultNode, SourceDefault}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof: Value{"tilde", "env CELL_PROFILE"},
		},
		{
			name:  "--home naming another home sets the active profile aside",
			flags: Settings{Home: "/srv/node0"},
			want:  [4]Value{{"/srv/node0", "flag --home"}, {"http://127.0.0.1:46657", SourceHomeConfig}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof:  Value{"devnet", SourceFile},
			aside: true,
		},
		{
			name:  "CELL_HOME naming another home sets the active profile aside",
			env:   map[string]string{EnvHome: "/srv/other"},
			want:  [4]Value{{"/srv/other", "env CELL_HOME"}, {DefaultNode, SourceDefault}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof:  Value{"devnet", SourceFile},
			aside: true,
		},
		{
			name:    "a profile chosen by --profile is used with any --home",
			profile: "devnet",
			flags:   Settings{Home: "/srv/node0"},
			want:    [4]Value{{"/srv/node0", "flag --home"}, {"http://127.0.0.1:36657", "profile devnet"}, {"buyer", "profile devnet"}, {"http://127.0.0.1:36690", "profile devnet"}},
			prof:    Value{"devnet", "flag --profile"},
		},
		{
			name:  "the node of the home's CometBFT config before the last default",
			file:  &File{},
			flags: Settings{Home: "/srv/node0"},
			want:  [4]Value{{"/srv/node0", "flag --home"}, {"http://127.0.0.1:46657", SourceHomeConfig}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof:  Value{DefaultProfile, SourceDefault},
		},
		{
			name:  "the profile's node before the home's CometBFT config",
			file:  &File{Profiles: map[string]Settings{"default": {Home: "/srv/node0", Node: "http://127.0.0.1:1234"}}},
			flags: Settings{Home: "/srv/node0"},
			want:  [4]Value{{"/srv/node0", "flag --home"}, {"http://127.0.0.1:1234", "profile default"}, {"validator", SourceDefault}, {"http://127.0.0.1:26690", SourceDefault}},
			prof:  Value{DefaultProfile, SourceDefault},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.file
			if f == nil {
				f = file
			}
			r, err := Resolve(f, Path(base), Input{Base: base, UserHome: "/u", Profile: tt.profile, Flags: tt.flags,
				Getenv: func(k string) string { return tt.env[k] }, HomeNode: homeNode,
				Defaults: Settings{Key: "validator", Miner: "http://127.0.0.1:26690"}})
			if err != nil {
				t.Fatal(err)
			}
			got := [4]Value{r.Home, r.Node, r.Key, r.Miner}
			for i, k := range Keys()[:4] {
				if got[i] != tt.want[i] {
					t.Errorf("%s = %+v, want %+v", k, got[i], tt.want[i])
				}
				if r.Get(k) != got[i] {
					t.Errorf("Get(%s) = %+v", k, r.Get(k))
				}
			}
			if r.Profile != tt.prof {
				t.Errorf("profile = %+v, want %+v", r.Profile, tt.prof)
			}
			if (r.SetAside != "") != tt.aside {
				t.Errorf("set aside = %q, want %v", r.SetAside, tt.aside)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	f := &File{Profiles: map[string]Settings{"a": {}}}
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		want    string
	}{
		{"--profile not in the file", "nope", nil, `profile "nope" (flag --profile) is not in /b/config.toml`},
		{"CELL_PROFILE not in the file", "", map[string]string{EnvProfile: "gone"}, `profile "gone" (env CELL_PROFILE)`},
		{"CELL_NODE not a URL", "", map[string]string{EnvNode: "127.0.0.1:26657"}, `CELL_NODE "127.0.0.1:26657": must be an http(s) URL`},
		{"CELL_KEY not a key name", "", map[string]string{EnvKey: "Bob"}, `CELL_KEY "Bob": invalid key name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve(f, "/b/config.toml", Input{Base: "/b", Profile: tt.profile, Getenv: func(k string) string { return tt.env[k] }})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Resolve = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestFileRoundTrip: Save writes what Load reads back, in a fixed form,
// and creates the base directory only when writing.
func TestFileRoundTrip(t *testing.T) {
	base := filepath.Join(t.TempDir(), ".cell")
	path := Path(base)
	f, err := Load(path)
	if err != nil || f.Active() != DefaultProfile || len(f.Names()) != 0 {
		t.Fatalf("Load of a missing file = %+v, %v", f, err)
	}
	if _, err := os.Stat(base); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load created %s", base)
	}
	if err := f.Set("devnet", Node, "http://127.0.0.1:26657"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("devnet", Key, "buyer"); err != nil {
		t.Fatal(err)
	}
	if err := f.Set("a-1", Home, "~/x"); err != nil {
		t.Fatal(err)
	}
	if err := f.Use("devnet"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("saved file: %v, %v", st, err)
	}
	text, _ := os.ReadFile(path)
	want := `
profile = "devnet"

[profiles.a-1]
home = "~/x"

[profiles.devnet]
node = "http://127.0.0.1:26657"
key = "buyer"
`
	if !strings.HasSuffix(string(text), want) {
		t.Errorf("file =\n%s\nwant it to end with\n%s", text, want)
	}
	g, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if g.Active() != "devnet" || g.Profiles["devnet"] != f.Profiles["devnet"] || g.Profiles["a-1"].Home != "~/x" {
		t.Errorf("loaded %+v, saved %+v", g, f)
	}
	// An empty value removes the key; "default" is always there to use.
	if err := g.Set("devnet", Key, ""); err != nil || g.Profiles["devnet"].Key != "" {
		t.Errorf("Set key \"\": %v, %+v", err, g.Profiles["devnet"])
	}
	if err := g.Use(DefaultProfile); err != nil || g.Active() != DefaultProfile {
		t.Errorf("Use default: %v, active %s", err, g.Active())
	}
	if err := g.Use("nope"); err == nil || !strings.Contains(err.Error(), `no profile "nope"`) {
		t.Errorf("Use nope: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"not TOML", "profile = ", "config.toml"},
		{"unknown key", "[profiles.a]\nnodes = \"http://x\"\n", "unknown keys profiles.a.nodes"},
		{"unknown top-level key", "home = \"/x\"\n", "unknown keys home"},
		{"active profile missing", "profile = \"b\"\n[profiles.a]\n", `profile "b": no [profiles.b] table`},
		{"bad profile name", "[profiles.\"a b\"]\n", `profile name "a b"`},
		{"relative home", "[profiles.a]\nhome = \"x\"\n", `profiles.a.home "x": must be an absolute path`},
		{"node not a URL", "[profiles.a]\nnode = \"localhost:26657\"\n", `profiles.a.node "localhost:26657": must be an http(s) URL`},
		{"miner without a host", "[profiles.a]\nminer = \"http://:1\"\n", "must name a host"},
		{"bad port", "[profiles.a]\nnode = \"http://h:70000\"\n", `port "70000"`},
		{"bad key name", "[profiles.a]\nkey = \"-x\"\n", "invalid key name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tt.text), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := Load(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	wd, _ := os.Getwd()
	tests := []struct{ key, in, want, err string }{
		{Home, "rel/dir", filepath.Join(wd, "rel/dir"), ""},
		{Home, "/abs/./x/", "/abs/x", ""},
		{Home, "~/x", "~/x", ""},
		{Node, "http://127.0.0.1:26657/", "http://127.0.0.1:26657", ""},
		{Node, "tcp://127.0.0.1:26657", "", "must be an http(s) URL"},
		{Miner, "https://m.example.org", "https://m.example.org", ""},
		{Key, "buyer", "buyer", ""},
		{Key, "Buyer", "", "invalid key name"},
		{"nodes", "x", "", `unknown key "nodes"`},
		{Node, "", "", ""},
	}
	for _, tt := range tests {
		got, err := Normalize(tt.key, tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Normalize(%s, %q) = %q, %v; want an error containing %q", tt.key, tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%s, %q) = %q, %v; want %q", tt.key, tt.in, got, err, tt.want)
		}
	}
}

// TestResolveTrust: a profile's trust root goes with the profile's node
// only; CELL_TRUST and --trust go with any node; a malformed one is an
// error naming the variable.
func TestResolveTrust(t *testing.T) {
	root := "1:" + strings.Repeat("AB", 32)
	f := &File{Profile: "devnet", Profiles: map[string]Settings{"devnet": {Node: "http://127.0.0.1:36657", Trust: root}}}
	resolve := func(flags Settings, env map[string]string) (Resolved, error) {
		return Resolve(f, "config.toml", Input{Base: "/u/.cell", Flags: flags, Getenv: func(k string) string { return env[k] }})
	}
	r, err := resolve(Settings{}, nil)
	if err != nil || r.Trust != (Value{root, "profile devnet"}) {
		t.Fatalf("profile: %+v, %v", r.Trust, err)
	}
	r, err = resolve(Settings{Node: "http://10.0.0.1:26657"}, nil)
	if err != nil || r.Trust != (Value{"", SourceDefault}) {
		t.Fatalf("another node: trust %+v, %v; want none", r.Trust, err)
	}
	other := "7:" + strings.Repeat("cd", 32)
	r, err = resolve(Settings{Node: "http://10.0.0.1:26657"}, map[string]string{EnvTrust: other})
	if err != nil || r.Trust != (Value{other, "env CELL_TRUST"}) {
		t.Fatalf("CELL_TRUST: %+v, %v", r.Trust, err)
	}
	if _, err := resolve(Settings{}, map[string]string{EnvTrust: "0:abc"}); err == nil || !strings.Contains(err.Error(), EnvTrust) {
		t.Fatalf("a malformed CELL_TRUST: %v", err)
	}
	if _, err := Normalize(Trust, "12:"+strings.Repeat("0", 63)); err == nil {
		t.Fatal("a short hash accepted")
	}
}

package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/registry"
)

var update = flag.Bool("update", false, "rewrite testdata/default.toml")

const home = "/srv/cell"

func TestDefaultGolden(t *testing.T) {
	got, err := Marshal(home, Default(home))
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "default.toml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("default node.toml differs from %s (run with -update):\n%s", golden, got)
	}
	// The golden file parses back to the defaults.
	c, err := Parse(home, string(want))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default(home)) {
		t.Errorf("Parse(golden) = %+v, want %+v", c, Default(home))
	}
}

func TestEmptyFileIsDefault(t *testing.T) {
	c, err := Parse(home, "")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default(home)) {
		t.Errorf("Parse(\"\") = %+v, want %+v", c, Default(home))
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cfg := Default(dir)
	cfg.Capacity = 8
	cfg.Architectures = []string{"wasm32-wasip1"}
	cfg.Pricing = Pricing{
		PerPackage: map[string]uint64{
			strings.Repeat("ff", 32): 7000,
			strings.Repeat("0a", 32): 5000,
		},
		PerInputMiB:         3,
		Base:                2000,
		Minimum:             1500,
		Floor:               1200,
		StakeRatioMarginBps: 500,
	}
	cfg.Verifier = Verifier{Enabled: true, Stake: 10_000}
	cfg.DataDir = "/var/lib/cell" // outside the home: stays absolute
	if err := Write(dir, cfg); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Errorf("Load = %+v, want %+v", got, cfg)
	}
	// Deterministic: writing again gives the same bytes.
	if err := Write(dir, got); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, FileName))
	if !bytes.Equal(first, second) {
		t.Errorf("second Write differs:\n%s\n---\n%s", first, second)
	}
	if !strings.Contains(string(first), `node_key_file = "node_key.json"`) {
		t.Errorf("node_key_file not stored relative to the home:\n%s", first)
	}
	if strings.Index(string(first), "0a0a") > strings.Index(string(first), "ffff") {
		t.Errorf("per_package keys not sorted:\n%s", first)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(t.TempDir())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(empty home) = %v, want fs.ErrNotExist", err)
	}
}

func TestRelativePathsJoinHome(t *testing.T) {
	c, err := Parse(home, "node_key_file = \"keys/k.json\"\ndata_dir = \"/abs/data\"\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.NodeKeyFile != "/srv/cell/keys/k.json" || c.DataDir != "/abs/data" {
		t.Errorf("paths = %q, %q", c.NodeKeyFile, c.DataDir)
	}
}

func TestArchitecturesReplaceDefault(t *testing.T) {
	c, err := Parse(home, `architectures = ["wasm32-wasip1"]`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Architectures) != 1 {
		t.Errorf("architectures = %q, want one entry", c.Architectures)
	}
}

// TestPriceList: the published price list is the [pricing] table, its
// per-package prices sorted by package id, and it passes the ledger's
// rules.
func TestPriceList(t *testing.T) {
	p := Pricing{PerPackage: map[string]uint64{strings.Repeat("ff", 32): 7000, strings.Repeat("0a", 32): 6000},
		PerInputMiB: 3, Base: 5000, Minimum: 4000}
	l := p.PriceList()
	if l.Base != 5000 || l.PerInputMib != 3 || l.Minimum != 4000 || len(l.Packages) != 2 ||
		l.Packages[0].PackageId[0] != 0x0a || l.Packages[0].Base != 6000 || l.Packages[1].PackageId[0] != 0xff || l.Packages[1].Base != 7000 {
		t.Fatalf("PriceList = %v", l)
	}
	if err := registry.ValidatePriceList("prices", l); err != nil {
		t.Fatal(err)
	}
	if err := registry.ValidatePriceList("prices", Default("h").Pricing.PriceList()); err != nil {
		t.Fatalf("default price list: %v", err)
	}
}

// perPackage returns a [pricing.per_package] table of n prices.
func perPackage(n int) string {
	var b strings.Builder
	b.WriteString("[pricing.per_package]\n")
	for i := range n {
		fmt.Fprintf(&b, "%064x = %d\n", i+1, 1000+i)
	}
	return b.String()
}

func TestParseErrors(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tooMany := perPackage(65)
	tests := []struct {
		name, text, want string
	}{
		{"unknown top-level key", "capacty = 3", "unknown keys: capacty"},
		{"unknown pricing key", "[pricing]\nflor = 3", "unknown keys: pricing.flor"},
		{"unknown table", "[lab]\nx = 1", "unknown keys: lab"},
		{"not toml", "capacity = = 3", "node.toml: "},
		{"wrong type", `capacity = "two"`, "node.toml: "},
		{"negative base", "[pricing]\nbase = -1", "pricing.base -1: must be between 0 and 9223372036854775807"},
		{"negative per_input_mib", "[pricing]\nper_input_mib = -2", "pricing.per_input_mib -2: must be between 0"},
		{"negative floor", "[pricing]\nfloor = -1", "pricing.floor -1: must be between 0"},
		{"floor above minimum", "[pricing]\nminimum = 1000\nfloor = 1001", "pricing.floor 1001: must be at most pricing.minimum 1000"},
		{"negative verifier stake", "[verifier]\nstake = -5", "verifier.stake -5: must be between 0"},
		{"peer replicas 3", "[peer]\nreplicas = 3", "peer.replicas 3: must be 1 or 2"},
		{"peer max_children 0", "[peer]\nmax_children = 0", "peer.max_children 0: must be 1 to 1024"},
		{"peer per node above all", "[peer]\nmax_children = 2\nmax_children_per_node = 3", "peer.max_children_per_node 3: must be 1 to peer.max_children 2"},
		{"peer negative per_call", "[peer]\nper_call = -1", "peer.per_call -1: must be between 0"},
		{"exclude_packages not an id", `exclude_packages = ["abc"]`, `exclude_packages[0] "abc": must be a package id of 64 lowercase hex digits`},
		{"exclude_packages twice", "exclude_packages = [\"" + id + "\", \"" + id + "\"]", `exclude_packages[1] "` + id + `": listed twice`},
		{"negative per_package price", "[pricing.per_package]\n" + id + " = -1", "pricing.per_package." + id + " -1: must be between 0"},
		{"margin out of uint32", "[pricing]\nstake_ratio_margin_bps = -1", "node.toml: "},
		{"node_key_file empty", `node_key_file = ""`, `node_key_file "": must be set`},
		{"operator_key empty", `operator_key = ""`, `operator_key "": must be set`},
		{"chain_rpc not a url", `chain_rpc = "127.0.0.1:26657"`, `chain_rpc "127.0.0.1:26657": must be an http(s) URL`},
		{"chain_rpc websocket", `chain_rpc = "ws://127.0.0.1:26657"`, "chain_rpc \"ws://127.0.0.1:26657\": must be an http(s) URL"},
		{"chain_rpc no host", `chain_rpc = "http://:26657"`, "chain_rpc \"http://:26657\": must name a host"},
		{"chain_rpc bad port", `chain_rpc = "http://h:70000"`, "chain_rpc \"http://h:70000\": port must be 1 to 65535"},
		{"chain_trust malformed", `chain_trust = "1:abc"`, `chain_trust "1:abc": must be HEIGHT:HASH`},
		{"listen no port", `listen = "127.0.0.1"`, `listen "127.0.0.1": must be host:port`},
		{"listen port zero", `listen = "127.0.0.1:0"`, `listen "127.0.0.1:0": port must be 1 to 65535`},
		{"listen port name", `listen = "127.0.0.1:http"`, `listen "127.0.0.1:http": port must be 1 to 65535`},
		{"endpoint empty", `endpoint = ""`, `endpoint "": must be an http(s) URL`},
		{"endpoint query", `endpoint = "https://n.example/?a=b"`, `endpoint "https://n.example/?a=b": must have no user, query or fragment`},
		{"endpoint user", `endpoint = "https://u@n.example"`, `must have no user, query or fragment`},
		{"architectures empty", `architectures = []`, "architectures []: must name at least one architecture"},
		{"architecture unknown", `architectures = ["x86_64"]`, `architectures "x86_64": unknown architecture (known: wasm32-wasip1, autoprotocol/1)`},
		{"architecture twice", `architectures = ["wasm32-wasip1", "wasm32-wasip1"]`, `architectures "wasm32-wasip1": listed twice`},
		{"capacity zero", "capacity = 0", "capacity 0: must be at least 1"},
		{"capacity negative", "capacity = -1", "capacity -1: must be at least 1"},
		{"data_dir empty", `data_dir = ""`, `data_dir "": must be set`},
		{"per_package short id", "[pricing.per_package]\nabcd = 5", `pricing.per_package "abcd": must be a package id of 64 lowercase hex digits`},
		{"per_package upper case", "[pricing.per_package]\n" + strings.ToUpper(id) + " = 5", "must be a package id of 64 lowercase hex digits"},
		{"minimum zero", "[pricing]\nminimum = 0", "pricing.minimum 0: must be at least 1"},
		{"too many per_package prices", tooMany, "pricing.per_package (65 entries): must have at most 64 entries"},
		{"margin too big", "[pricing]\nstake_ratio_margin_bps = 10001", "pricing.stake_ratio_margin_bps 10001: must be at most 10000"},
		{"verifier without stake", "[verifier]\nenabled = true", "verifier.stake 0: must be positive when verifier.enabled"},
		{"max_input_bytes zero", "max_input_bytes = 0", "max_input_bytes 0: must be at least 1"},
		{"order inputs under one input", "max_input_bytes = 100\nmax_order_input_bytes = 99", "max_order_input_bytes 99: must be at least max_input_bytes 100"},
		{"no uploads", "max_concurrent_uploads = 0", "max_concurrent_uploads 0: must be at least 1"},
		{"few connections", "max_connections = 15", "max_connections 15: must be at least 16"},
		{"no transfer rate", "min_transfer_bytes_per_second = 0", "min_transfer_bytes_per_second 0: must be at least 1"},
		{"no package size", "max_package_bytes = 0", "max_package_bytes 0: must be at least 1"},
		{"no fetch workers", "fetch_workers = 0", "fetch_workers 0: must be 1 to 64"},
		{"too many fetch workers", "fetch_workers = 65", "fetch_workers 65: must be 1 to 64"},
		{"package cache under a package", "max_package_bytes = 100\npackage_cache_bytes = 99", "package_cache_bytes 99: must be at least max_package_bytes 100"},
		{"quota under an order", "blob_quota_bytes = 1000", "blob_quota_bytes 1000: must be at least max_order_input_bytes 1073741824"},
		{"quota under the package cache", "blob_quota_bytes = 1073741824\npackage_cache_bytes = 1073741825", "blob_quota_bytes 1073741824: must be at least package_cache_bytes 1073741825"},
		{"no retention", "retention_blocks = 0", "retention_blocks 0: must be at least 1"},
		{"bot without botspec", "[[bots]]\ndriver = \"labsim\"", `bots[0].botspec "": must name a BotSpec file`},
		{"bot unknown driver", "[[bots]]\nbotspec = \"a.json\"\ndriver = \"opentrons\"", `bots[0].driver "opentrons": must be one of labsim`},
		{"bot without driver", "[[bots]]\nbotspec = \"a.json\"", `bots[0].driver "": must be one of labsim`},
		{"bot twice", "[[bots]]\nbotspec = \"a.json\"\ndriver = \"labsim\"\n[[bots]]\nbotspec = \"a.json\"\ndriver = \"labsim\"", `bots[1].botspec "/srv/cell/a.json": listed twice`},
		{"bot unknown key", "[[bots]]\nbotspec = \"a.json\"\ndriver = \"labsim\"\nspeed = 2", "unknown keys: bots.speed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(home, tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) = %v, want an error containing %q", tt.text, err, tt.want)
			}
		})
	}
}

func TestParseBoundariesAccepted(t *testing.T) {
	id := strings.Repeat("ab", 32)
	tests := []struct{ name, text string }{
		{"capacity 1", "capacity = 1"},
		{"minimum 1", "[pricing]\nminimum = 1"},
		{"floor equal to minimum", "[pricing]\nminimum = 5\nfloor = 5"},
		{"64 per_package prices", perPackage(64)},
		{"margin 10000", "[pricing]\nstake_ratio_margin_bps = 10000"},
		{"per_package", "[pricing.per_package]\n" + id + " = 5"},
		{"https endpoint with path", `endpoint = "https://node.example.org:8443/cell"`},
		{"ipv6 listen", `listen = "[::1]:65535"`},
		{"verifier with stake", "[verifier]\nenabled = true\nstake = 1"},
		{"private fetch", "allow_private_fetch = true"},
		{"smallest limits", "max_input_bytes = 1\nmax_order_input_bytes = 1\nmax_concurrent_uploads = 1\nmax_connections = 16\n" +
			"min_transfer_bytes_per_second = 1\nmax_package_bytes = 1\nfetch_workers = 1\nblob_quota_bytes = 1\npackage_cache_bytes = 1\nretention_blocks = 1"},
		{"64 fetch workers", "fetch_workers = 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse(home, tt.text); err != nil {
				t.Errorf("Parse(%q) = %v", tt.text, err)
			}
		})
	}
}

func TestWriteRefusesInvalid(t *testing.T) {
	dir := t.TempDir()
	c := Default(dir)
	c.Capacity = 0
	if err := Write(dir, c); err == nil || !strings.Contains(err.Error(), "capacity 0") {
		t.Errorf("Write = %v, want a capacity error", err)
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an invalid config was written: %v", err)
	}
}

func TestBotsRoundTrip(t *testing.T) {
	home := t.TempDir()
	c, err := Parse(home, "[[bots]]\nbotspec = \"botspecs/simlab.json\"\ndriver = \"labsim\"\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Bot{{BotSpec: filepath.Join(home, "botspecs", "simlab.json"), Driver: "labsim"}}
	if !reflect.DeepEqual(c.Bots, want) {
		t.Fatalf("Bots = %+v, want %+v", c.Bots, want)
	}
	text, err := Marshal(home, c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "[[bots]]") || !strings.Contains(string(text), `botspec = "botspecs/simlab.json"`) {
		t.Errorf("Marshal keeps the bot's path inside the home relative:\n%s", text)
	}
	if c.Bots[0].BotSpec != want[0].BotSpec {
		t.Errorf("Marshal changed the config it was given: %q", c.Bots[0].BotSpec)
	}
	back, err := Parse(home, string(text))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("Parse(Marshal(c)) = %+v, want %+v", back, c)
	}
}

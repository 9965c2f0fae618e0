package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchScale runs `cell bench scale` at two tiny sizes: the table has
// a row per kind of block and columns per size (median, minimum, store
// operations) plus the ratios; a second storage configuration prints a
// table of its own; --state keeps the seeded states and a second run
// reuses them; --output json carries the same figures.
func TestBenchScale(t *testing.T) {
	dir := t.TempDir()
	out, errOut, code := cell(t, "bench", "scale", "--scale", "0.0002", "--scale", "0.0001", "--work", "10", "--repeat", "1",
		"--state", dir, "--leveldb-compression", "snappy,none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"scale 0.0002", "scale 0.0001", "ratio", "(min)", "paired", "cpu", "store ops", "empty", "10 transfers", "10 awards", "10 deadlines",
		"200 accounts, 20 open orders, 2 nodes", "leveldb_compression snappy", "leveldb_compression none", "IAVL tree height"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = cell(t, "bench", "scale", "--scale", "0.0002", "--work", "5", "--repeat", "1", "--state", dir, "--output", "json")
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var res struct {
		Work   int `json:"work"`
		States []struct {
			Accounts int `json:"accounts"`
		} `json:"states"`
		Variants []struct {
			Sizes []struct {
				Awards struct {
					Ms  float64 `json:"ms"`
					Ops struct {
						Sets int `json:"sets"`
					} `json:"store_ops"`
				} `json:"awards"`
			} `json:"sizes"`
			Ratios struct {
				Awards struct {
					Ms float64 `json:"ms"`
				} `json:"awards"`
			} `json:"ratios"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Work != 5 || len(res.States) != 1 || res.States[0].Accounts != 200 || len(res.Variants) != 1 || len(res.Variants[0].Sizes) != 1 ||
		res.Variants[0].Sizes[0].Awards.Ms <= 0 || res.Variants[0].Sizes[0].Awards.Ops.Sets == 0 || res.Variants[0].Ratios.Awards.Ms != 1 {
		t.Fatalf("json %s", out)
	}
	if !strings.Contains(errOut, "the state seeded in") {
		t.Errorf("second run did not reuse the kept state: %s", errOut)
	}

	// scale-home writes a chain home over the kept state (devnet/bench's
	// TestScaleHome starts one).
	home := filepath.Join(t.TempDir(), "chain")
	out, errOut, code = cell(t, "--home", home, "bench", "scale-home", "--state", dir, "--scale", "0.0002")
	if code != 0 {
		t.Fatalf("scale-home: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"chain     bench-scale, first block", `(key "funder")`, "cell start --home " + home} {
		if !strings.Contains(out, want) {
			t.Errorf("scale-home output lacks %q:\n%s", want, out)
		}
	}
	for _, f := range []string{"config/genesis.json", "config/priv_validator_key.json", "data/ledger.db/CURRENT", "data/state.db", "keys/funder.json"} {
		if _, err := os.Stat(filepath.Join(home, f)); err != nil {
			t.Errorf("scale-home: %v", err)
		}
	}
	if _, errOut, code = cell(t, "--home", t.TempDir(), "bench", "scale-home", "--state", dir, "--scale", "0.5"); code == 0 || !strings.Contains(errOut, "no kept state of scale 0.5") {
		t.Errorf("scale-home of a scale not kept: exit %d: %s", code, errOut)
	}
}

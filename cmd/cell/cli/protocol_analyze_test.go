package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestProtocolAnalyze: `cell protocol analyze` prints the requirements,
// consumables and reagents of a protocol package and, with a BotSpec, its
// warp plan, makespan and price; a bot that does not cover it is named
// with the first unmet requirement (exit 1).
func TestProtocolAnalyze(t *testing.T) {
	simlab, _ := filepath.Abs("../../../examples/botspecs/simlab.json")
	tmpl, _ := filepath.Abs("../../../protocol/testdata/lambda-digest.json")
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout, or stderr when code is not 0 or 1
	}{
		{"plan", []string{protocolPkgDir, "--param", "ENZYME=EcoRI", "--botspec", simlab}, 0, []string{
			"9 instructions", "consumables:     1 × 96-pcr", "reagents:        EcoRI 1000 nL, EcoRI-buffer 2000 nL, ladder-1kb 1 use",
			"44s       1h0m0s (protocol)  5 incubate", "incubator.hold", "inc1", "duration_ms=3600000",
			"program=1x(65000@1200000)", "makespan:", "price estimate:", "EcoRI         1000 nL"}},
		{"template file", []string{tmpl, "--param", "ENZYME=BamHI", "--botspec", simlab}, 0, []string{"BamHI-buffer", "gel_imager.analyze"}},
		{"no botspec", []string{protocolPkgDir, "--param", "ENZYME=HindIII"}, 0, []string{"HindIII 1000 nL", "give a bot with --botspec FILE"}},
		{"not covered", []string{protocolPkgDir, "--param", "ENZYME=NotI", "--botspec", simlab}, 1, []string{"resource NotI: not in the bot's inventory"}},
		{"missing parameter", []string{protocolPkgDir, "--botspec", simlab}, 1, []string{"params.ENZYME: required"}},
		{"unknown parameter", []string{protocolPkgDir, "-p", "ENZYME=EcoRI", "-p", "ENZYMES=BamHI"}, 1, []string{"params.ENZYMES: not a parameter of lambda-digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cellNoHome(t, append([]string{"protocol", "analyze"}, tt.args...)...)
			for _, w := range tt.want {
				if code != tt.code || !strings.Contains(out+errOut, w) {
					t.Fatalf("exit %d, want %d; want %q in:\n%s%s", code, tt.code, w, out, errOut)
				}
			}
		})
	}

	out, _, code := cellNoHome(t, "protocol", "analyze", protocolPkgDir, "-p", "ENZYME=EcoRI", "--botspec", simlab, "--output", "json")
	var v protocolAnalysis
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || !strings.Contains(out, `"schema": "cell/v1/protocol-analysis"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	var sum int64
	for i, w := range v.Plan {
		if w.StartMs != sum {
			t.Fatalf("warp %d starts at %d ms, want %d", i, w.StartMs, sum)
		}
		sum += w.DurationMs
	}
	hold := v.Plan[6]
	if len(v.Plan) != 16 || sum != v.MakespanMs || hold.Warp != "incubator.hold" || !hold.Fixed || hold.DurationMs != 3_600_000 ||
		hold.Params["where"] != "warm_37" || v.Plan[15].Dataset != "gel.json" {
		t.Fatalf("plan: %d warps, makespan %d ms (sum %d), hold %+v", len(v.Plan), v.MakespanMs, sum, hold)
	}
	var lines int64
	for _, l := range v.Price.Lines {
		lines += l.PriceUcell
	}
	if v.Price == nil || v.Price.TotalUcell == 0 || lines != v.Price.TotalUcell || v.Params["ENZYME"] != "EcoRI" || len(v.ProtocolSHA256) != 64 {
		t.Fatalf("price or header: %+v", v)
	}
}

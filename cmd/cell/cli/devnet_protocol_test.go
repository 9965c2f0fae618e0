package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/order"
)

// TestDevnetProtocolOrderCLI: `cell devnet` names its bot node, and from
// another "terminal" `cell order run examples/protocols/lambda-pcr
// --param FORWARD=… --param REVERSE=…` orders the PCR of λ from it: the
// order closes, the delivered run conforms, and the gel shows the
// 1,013 bp product between the example primers' sites (λ 20,001–21,013).
func TestDevnetProtocolOrderCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	userHome(t)
	out, _ := runDevnetCLI(t)
	if !strings.Contains(out.String(), "runs the bot simlab") || !strings.Contains(out.String(), "cell order run examples/protocols/lambda-pcr") {
		t.Errorf("cell devnet does not name its bot node or show a protocol order:\n%s", out.String())
	}
	pcr, _ := filepath.Abs("../../../examples/protocols/lambda-pcr")
	args := []string{"order", "run", pcr, "--param", "FORWARD=" + examplePrimers[0], "--param", "REVERSE=" + examplePrimers[1],
		"--max-price", "5000", "--bid-window", "10", "--no-wait-final", "--out", t.TempDir()}
	stdout, errOut, code := cellNoHome(t, append(args, "--output", "json")...)
	// The steps, one JSON line each, then the result.
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var last struct {
		Schema string       `json:"schema"`
		Result order.Result `json:"result"`
	}
	if code != 0 || json.Unmarshal([]byte(lines[len(lines)-1]), &last) != nil || last.Schema != "cell/v1/order-result" {
		t.Fatalf("order run lambda-pcr: %d %s\n%s", code, errOut, stdout)
	}
	res := last.Result
	p := res.Protocol
	if res.State != "closed" || p == nil || !p.Conforms || !p.Simulated || len(p.Gels) != 1 || len(p.Gels[0].Lanes) != 2 {
		t.Fatalf("order run lambda-pcr: state %s, report %+v", res.State, p)
	}
	var bp []int
	for _, s := range p.Gels[0].Lanes[1].Species {
		bp = append(bp, s.BP)
	}
	if !slices.Contains(bp, 1013) {
		t.Errorf("the PCR lane's species %v lack the 1013 bp product", bp)
	}
	if p.LabelFile == "" || len(p.Timeline) != p.Instructions {
		t.Errorf("label %q, timeline %+v of %d instructions", p.LabelFile, p.Timeline, p.Instructions)
	}

	// The same command for people: the timeline, the check and the gel.
	stdout, errOut, code = cellNoHome(t, args...)
	if code != 0 || !strings.Contains(stdout, "oligosynthesize") || !strings.Contains(stdout, "conformance check: conforms") ||
		!strings.Contains(stdout, "lane 1") {
		t.Fatalf("order run lambda-pcr (text): %d %s\n%s", code, errOut, stdout)
	}
}

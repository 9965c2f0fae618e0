package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/client/service/servicetest"
	"github.com/celltonomy/celltonomy/examples/data"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// exampleService lays out the example service examples/NAME as `make
// examples` does (its reactor and the copy of lambda.fa), in a temporary
// directory, and returns it.
func exampleService(t *testing.T, name string) string {
	t.Helper()
	src := filepath.Join("../../../examples", name)
	manifest, err := os.ReadFile(filepath.Join(src, "cell.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), name)
	os.MkdirAll(dir, 0o755)
	for file, b := range map[string][]byte{"cell.toml": manifest, name + ".wasm": wasmbuild.BuildReactor(t, src), "lambda.fa": data.LambdaFASTA} {
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestServicePrimerDesignOnChain: the README's "Example: primer design"
// on a real chain and node, through the CLI. seq-index and primer-design
// are registered; `cell service start --param SEQ_INDEX=ID` orders primer-design, `cell
// service call` designs primers for a λ region — the node starts the
// seq-index child by its id, fetched through the registry — and the pairs
// bind λ once each; `cell service list` shows the instance; `cell service
// stop` ends it, and the buyer pays the price pro rata of the blocks
// served. A third call is refused: the child calls of the first two
// spent the order's price, the tree's budget.
func TestServicePrimerDesignOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	n := servicetest.StartWith(t, exampleService(t, "seq-index"), exampleService(t, "primer-design"))
	design, index := n.Packages["primer-design"], n.Packages["seq-index"]
	// The order's price is the tree's budget: each call of a child is
	// billed peer.per_call from it; at half the price, two design calls
	// (one child call each) fit and a third is refused.
	n.StopNode()
	n.Cfg.Peer.PerCall = servicetest.Price / 2
	n.StartNode()
	cell := serviceCLI(t, n)
	before := n.Balance("buyer")
	stdout, stderr, code := cell("", "service", "start", design.String(), "--blocks", "300", "--max-price", strconv.Itoa(2*servicetest.Price),
		"--bid-window", "10", "--delivery-window", "20", "--confirm-window", "3", "--param", "SEQ_INDEX="+index.String(), "--output", "json")
	if code != 0 {
		t.Fatalf("service start: %d\n%s\n%s", code, stdout, stderr)
	}
	var started struct {
		OrderID uint64 `json:"order_id"`
		State   string `json:"state"`
	}
	if err := json.Unmarshal([]byte(stdout), &started); err != nil || started.State != "running" {
		t.Fatalf("service start printed %s (%v)", stdout, err)
	}
	id := strconv.FormatUint(started.OrderID, 10)
	req := `{"start": 20200, "end": 20800, "pairs": 3}` // the child: the order's SEQ_INDEX
	stdout, stderr, code = cell(req, "service", "call", id, "--port", "1", "--data", "-")
	if code != 0 {
		t.Fatalf("service call: %d %s", code, stderr)
	}
	var r struct {
		Pairs []struct {
			Forward, Reverse struct{ Sequence string }
			AmpliconBP       int    `json:"amplicon_bp"`
			Params           string `json:"params"`
		} `json:"pairs"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || len(r.Pairs) != 3 {
		t.Fatalf("service call answered %s (%v)", stdout, err)
	}
	seq := string(data.LambdaFASTA[bytes.IndexByte(data.LambdaFASTA, '\n')+1:])
	seq = strings.ReplaceAll(seq, "\n", "")
	for _, p := range r.Pairs {
		f, rv := p.Forward.Sequence, restriction.ReverseComplement(p.Reverse.Sequence)
		if strings.Count(seq, f)+strings.Count(seq, restriction.ReverseComplement(f)) != 1 ||
			strings.Count(seq, rv)+strings.Count(seq, p.Reverse.Sequence) != 1 {
			t.Errorf("pair %+v does not bind λ once each", p)
		}
		if want := strings.Index(seq, rv) + len(rv) - strings.Index(seq, f); p.AmpliconBP != want {
			t.Errorf("pair %+v: amplicon %d, the sites are %d bp apart", p, p.AmpliconBP, want)
		}
		if !strings.HasPrefix(p.Params, "FORWARD="+f+" REVERSE=") {
			t.Errorf("params %q", p.Params)
		}
	}
	// a second call: the child, kept, answers again
	if stdout2, stderr, code := cell(req, "service", "call", id, "--port", "1", "--data", "-"); code != 0 || stdout2 != stdout {
		t.Fatalf("second call: %d %s", code, stderr)
	}
	if _, stderr, code := cell(req, "service", "call", id, "--port", "1", "--data", "-"); code == 0 || !strings.Contains(stderr, "budget") {
		t.Fatalf("a third call, beyond the order's budget for child calls: exit %d %s", code, stderr)
	}
	listThenStop(t, cell, id, n.Cfg.Endpoint)
	o := n.Settle(started.OrderID, before, 2)
	if o.GetDelivery().GetCalls() < 2 || o.GetDelivery().GetServedBlocks() == 0 || o.GetDelivery().GetServedBlocks() >= 300 {
		t.Fatalf("receipt: %d calls, %d of 300 blocks served", o.GetDelivery().GetCalls(), o.GetDelivery().GetServedBlocks())
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/client/service/servicetest"
)

// cellRunner runs cell with stdin and args and returns its stdout,
// stderr and exit code.
type cellRunner func(stdin string, args ...string) (string, string, int)

// serviceCLI returns a runner of cell against the chain of n, with a
// home whose keyring holds the buyer's key as buyerKey: given its stdin
// and arguments, it returns its stdout, stderr and exit code.
func serviceCLI(t *testing.T, n *servicetest.Net) cellRunner {
	t.Helper()
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.AddFromSeed(buyerKey, servicetest.Seed("buyer"), nil); err != nil {
		t.Fatal(err)
	}
	return func(stdin string, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runIO(t.Context(), append([]string{"--home", home}, append(args, "--node", n.Chain.RPC)...), strings.NewReader(stdin), &out, &errb)
		return out.String(), errb.String(), code
	}
}

// listThenStop checks that `cell service list` shows order id awarded
// to the node at endpoint, then stops it with `cell service stop`.
func listThenStop(t *testing.T, cell cellRunner, id, endpoint string) {
	t.Helper()
	stdout, stderr, code := cell("", "service", "list")
	if code != 0 || !strings.HasPrefix(stdout, id+"\tawarded\t"+endpoint) {
		t.Fatalf("service list: %d %q %s", code, stdout, stderr)
	}
	if stdout, stderr, code := cell("", "service", "stop", id); code != 0 || !strings.Contains(stdout, "stopped at height") {
		t.Fatalf("service stop: %d %q %s", code, stdout, stderr)
	}
}

// TestServiceCommandsOnChain drives a service order through the CLI on a
// real chain and node: start, call (the counter keeps its state across
// calls; --data from a file and from stdin), list, stop, and the
// settlement for the blocks served.
func TestServiceCommandsOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	n := servicetest.Start(t)
	cell := serviceCLI(t, n)
	before := n.Balance("buyer")
	stdout, stderr, code := cell("", "service", "start", n.Pkg.String(), "--blocks", "300", "--max-price", strconv.Itoa(2*servicetest.Price),
		"--bid-window", "10", "--delivery-window", "20", "--confirm-window", "3", "--output", "json")
	if code != 0 {
		t.Fatalf("service start: %d\n%s\n%s", code, stdout, stderr)
	}
	var started struct {
		OrderID uint64 `json:"order_id"`
		Node    string `json:"node"`
		State   string `json:"state"`
	}
	if err := json.Unmarshal([]byte(stdout), &started); err != nil || started.OrderID == 0 || started.State != "running" ||
		!strings.HasPrefix(started.Node, n.Cfg.Endpoint) {
		t.Fatalf("service start printed %s (%v)", stdout, err)
	}
	id := strconv.FormatUint(started.OrderID, 10)
	for i := 1; i <= 2; i++ {
		if stdout, stderr, code := cell("", "service", "call", id, "--port", "2"); code != 0 || stdout != strconv.Itoa(i) {
			t.Fatalf("service call %d: %d %q %s", i, code, stdout, stderr)
		}
	}
	req := filepath.Join(t.TempDir(), "req")
	os.WriteFile(req, []byte("from a file"), 0o644)
	if stdout, stderr, code := cell("", "service", "call", id, "--port", "1", "--data", req); code != 0 || stdout != "from a file" {
		t.Fatalf("service call --data FILE: %d %q %s", code, stdout, stderr)
	}
	if stdout, stderr, code := cell("from stdin", "service", "call", id, "--port", "1", "--data", "-"); code != 0 || stdout != "from stdin" {
		t.Fatalf("service call --data -: %d %q %s", code, stdout, stderr)
	}
	if _, stderr, code := cell("", "service", "call", id, "--port", "9"); code == 0 || !strings.Contains(stderr, "400") {
		t.Fatalf("service call of an undeclared port: %d %s", code, stderr)
	}
	listThenStop(t, cell, id, n.Cfg.Endpoint)
	if _, stderr, code := cell("", "service", "stop", id); code == 0 || !strings.Contains(stderr, "stopped already") {
		t.Fatalf("service stop twice: %d %s", code, stderr)
	}
	o := n.Settle(started.OrderID, before, 2)
	if o.GetDelivery().GetCalls() != 4 {
		t.Fatalf("receipt: %d calls, want 4", o.GetDelivery().GetCalls())
	}
	stdout, _, code = cell("", "service", "list", "--output", "json")
	if code != 0 || !strings.Contains(stdout, `"state": "closed"`) || !strings.Contains(stdout, `"calls": 4`) {
		t.Fatalf("service list --output json: %s", stdout)
	}
}

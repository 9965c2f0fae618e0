package cli

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/privval"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/client/order/ordertest"
)

func TestOrderRunFlags(t *testing.T) {
	tests := []struct {
		name  string
		flags orderRunFlags
		want  string // a part of the usage error, or "" for success
	}{
		{"ok", orderRunFlags{inputs: []string{"genome=a.fa"}, params: []string{"ENZYMES=EcoRI"}, maxPrice: "500000ucell", replicas: 1, stars: 4, starsSet: true}, ""},
		{"max price missing", orderRunFlags{replicas: 1, stars: 5}, "--max-price: required"},
		{"max price zero", orderRunFlags{maxPrice: "0", replicas: 1, stars: 5}, "--max-price: must be positive"},
		{"max price not a number", orderRunFlags{maxPrice: "lots", replicas: 1, stars: 5}, "--max-price"},
		{"input without file", orderRunFlags{inputs: []string{"genome"}, maxPrice: "1", replicas: 1, stars: 5}, "--input"},
		{"input twice", orderRunFlags{inputs: []string{"genome=a", "genome=b"}, maxPrice: "1", replicas: 1, stars: 5}, "given twice"},
		{"bad param", orderRunFlags{params: []string{"=x"}, maxPrice: "1", replicas: 1, stars: 5}, "--param"},
		{"bad stake", orderRunFlags{maxPrice: "1", stake: "-3", replicas: 1, stars: 5}, "--stake"},
		{"stars above 5", orderRunFlags{maxPrice: "1", replicas: 1, stars: 6}, "--stars 6"},
		{"no replicas", orderRunFlags{maxPrice: "1", stars: 5}, "--replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := tt.flags.request("pkg")
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if req.MaxPrice != 500_000 || req.Inputs["genome"] != "a.fa" || req.Params["ENZYMES"] != "EcoRI" || req.Stars == nil || *req.Stars != 4 {
					t.Fatalf("request %+v", req)
				}
				// Without --stars the rating depends on how the run ended.
				tt.flags.starsSet = false
				if req, err := tt.flags.request("pkg"); err != nil || req.Stars != nil {
					t.Fatalf("without --stars: %+v, %v", req, err)
				}
				return
			}
			var ue *usageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a usage error containing %q", err, tt.want)
			}
		})
	}
}

func TestOrderProgress(t *testing.T) {
	steps := []order.Step{
		{Kind: order.StepCreated, OrderID: 4, Height: 10, InputRoot: "ab"},
		{Kind: order.StepAwarded, OrderID: 4, Height: 13, Provider: "cell1x", NodeKey: "00ff", Endpoint: "http://n", Price: 7},
	}
	res := &order.Result{OrderID: 4, State: "closed", Stdout: "hello\n", OutputDir: "out/4",
		Cost:       &order.Cost{Price: 7, MaxPrice: 9, Payment: 7, Txs: 3, TxFees: 3000, Total: 3007},
		Reputation: []order.ReputationEntry{{Role: "provider", User: "cell1x", Amount: "11", Skill: 6}},
		Heights:    order.Heights{Created: 10, Awarded: 13, Closed: 15}}

	var text bytes.Buffer
	g := &globals{output: outputText, stdout: &text, stderr: &text}
	p := newProgress(g)
	for _, s := range steps {
		p.step(s)
	}
	p.done()
	if err := p.result(res, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"created order 4 at height 10", "awarded at height 13 to cell1x for 7 ucell", "--- stdout\nhello\n---",
		"results in out/4", "total 3007 ucell", "reputation: provider cell1x 11 in skill 6", "heights: created 10, awarded 13, closed 15"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}

	var js bytes.Buffer
	g = &globals{output: outputJSON, stdout: &js, stderr: &js}
	p = newProgress(g)
	for _, s := range steps {
		p.step(s)
	}
	p.done()
	if err := p.result(res, errors.New("boom")); err == nil {
		t.Fatal("the error was lost")
	}
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d JSON lines, want 3:\n%s", len(lines), js.String())
	}
	var first order.Step
	var last orderResultJSON
	if json.Unmarshal([]byte(lines[0]), &first) != nil || first.Kind != order.StepCreated || first.OrderID != 4 {
		t.Errorf("first line %s", lines[0])
	}
	if json.Unmarshal([]byte(lines[2]), &last) != nil || last.Step != "result" || last.Result.State != "closed" || last.Error != "boom" {
		t.Errorf("last line %s", lines[2])
	}
	for i, want := range []string{"cell/v1/order-step", "cell/v1/order-step", "cell/v1/order-result"} {
		if !strings.HasPrefix(lines[i], `{"schema":"`+want+`",`) {
			t.Errorf("line %d does not start with schema %s: %s", i, want, lines[i])
		}
	}

	// A request refused before any funds moved is a usage error.
	err := p.result(nil, &order.FieldError{Field: "inputs.x", Rule: "not declared"})
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Errorf("FieldError: %v, want a usage error", err)
	}
}

// TestOrderCommandsOnChain runs `cell order …` against the test network
// of client/order/ordertest: a real chain and real nodes.
func TestOrderCommandsOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	n, err := ordertest.Start(t, "cli-buyer")
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kr.AddFromSeed(buyerKey, ordertest.Seed("cli-buyer"), nil); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(data, []byte("acgt\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cellAt := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	out := t.TempDir()

	stdout, stderr, code := cellAt("order", "run", n.PackageID.String(), "-i", "data="+data, "--max-price", "300000", "--bid-window", "10",
		"--delivery-window", "40", "--confirm-window", "40", "--out", out, "--stars", "4", "--node", n.RPC, "--output", "json")
	if code != 0 {
		t.Fatalf("order run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var last orderResultJSON
	kinds := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var line struct {
			Schema string `json:"schema"`
			Step   string `json:"step"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || !strings.HasPrefix(line.Schema, "cell/v1/order-") {
			t.Fatalf("not a JSON line of an order schema: %q", sc.Text())
		}
		kinds[line.Step] = true
		if line.Step == "result" {
			json.Unmarshal(sc.Bytes(), &last)
		}
	}
	for _, k := range []string{"created", "awarded", "uploaded", "delivered", "closed", "revealed", "final", "result"} {
		if !kinds[k] {
			t.Errorf("no %s line in\n%s", k, stdout)
		}
	}
	r := last.Result
	if r == nil || r.State != "closed" || r.Stars != 4 || r.Cost == nil || len(r.Reputation) != 2 {
		t.Fatalf("result %+v", r)
	}
	id := strconv.FormatUint(r.OrderID, 10)
	if got, err := os.ReadFile(filepath.Join(out, id, "outputs", "result.txt")); err != nil || string(got) != "ACGT\n" {
		t.Errorf("result.txt %q, %v", got, err)
	}

	stdout, _, code = cellAt("order", "show", id, "--node", n.RPC)
	if code != 0 || !strings.Contains(stdout, "order "+id+"  closed") || !strings.Contains(stdout, "job delivered") {
		t.Errorf("order show: exit %d\n%s", code, stdout)
	}
	stdout, _, code = cellAt("order", "list", "--state", "closed", "--node", n.RPC, "--output", "json")
	var list list[orderJSON]
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || len(list.Items) != 1 || list.Items[0].ID != r.OrderID {
		t.Errorf("order list: exit %d\n%s", code, stdout)
	}

	// Text mode, an order that expires: exit 1, with the nodes' reasons.
	stdout, stderr, code = cellAt("order", "run", n.PackageID.String(), "-i", "data="+data, "--max-price", "1000", "--bid-window", "4", "--node", n.RPC)
	if code != 1 || !strings.Contains(stderr, "expired") || !strings.Contains(stdout, "above-max-price") || !strings.Contains(stdout, "created order") {
		t.Errorf("expiring order: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	// A bad input: exit 2 before any funds move, naming the input.
	_, stderr, code = cellAt("order", "run", n.PackageID.String(), "-i", "reads="+data, "--max-price", "1000", "--node", n.RPC)
	if code != 2 || !strings.Contains(stderr, "inputs.reads") {
		t.Errorf("bad input: exit %d\n%s", code, stderr)
	}

	// A protocol package in text mode: the bot's progress, then the
	// timeline, the conformance check, the gel's lanes, and where the
	// event log and label went; cell order get checks and writes it again.
	stdout, stderr, code = cellAt("order", "run", ordertest.ProtocolTemplate(), "-p", "ENZYME=EcoRI", "--max-price", "300000", "--bid-window", "10",
		"--delivery-window", "40", "--confirm-window", "40", "--no-wait-final", "--out", out, "--node", n.RPC)
	for _, want := range []string{"bot: instruction", "conformance check: conforms", " 5 incubate", "lane 1 digest/A1", "event log in ", "label.png"} {
		if code != 0 || !strings.Contains(stdout+stderr, want) {
			t.Errorf("protocol order: exit %d, no %q in\n%s\n%s", code, want, stdout, stderr)
		}
	}
	if i := strings.Index(stdout, "\norder "); i >= 0 {
		pid := strings.Fields(stdout[i+7:])[0]
		pid = strings.TrimSuffix(pid, ":")
		getOut := t.TempDir()
		stdout, stderr, code = cellAt("order", "get", pid, "--out", getOut, "--node", n.RPC)
		if _, err := os.Stat(filepath.Join(getOut, pid, "label.png")); code != 0 || err != nil || !strings.Contains(stdout, "conformance check: conforms") {
			t.Errorf("order get of protocol order %s: exit %d, label %v\n%s\n%s", pid, code, err, stdout, stderr)
		}
	}

	// The provider's offering, bought without bids.
	provider := ordertest.Address("provider").String()
	stdout, stderr, code = cellAt("order", "run", n.PackageID.String(), "-i", "data="+data, "--offering", provider, "--max-price", "200000",
		"--confirm-window", "40", "--no-wait-final", "--out", out, "--node", n.RPC, "--output", "json")
	if code != 0 {
		t.Fatalf("order run --offering: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if r := lastResult(t, stdout); r.Offering != provider || r.Price != ordertest.OfferingPrice || r.State != "closed" {
		t.Errorf("result of the purchase: %+v", r)
	}

	// A run that trapped: delivered as an outcome and verified against the
	// outcome root; --no-close leaves it delivered, to be closed or
	// disputed by hand.
	stdout, stderr, code = cellAt("order", "run", n.PackageID.String(), "-i", "data="+data, "-p", "MODE=trap", "--max-price", "100000",
		"--bid-window", "10", "--delivery-window", "40", "--confirm-window", "60", "--no-close", "--out", out, "--node", n.RPC, "--output", "json")
	trap := lastResult(t, stdout)
	if code != 0 || trap.State != "delivered" || trap.RunResult != "trap" || !trap.Verified {
		t.Fatalf("trapped run: exit %d, result %+v\n%s", code, trap, stderr)
	}
	id = strconv.FormatUint(trap.OrderID, 10)
	// Wired commands the chain refuses here exit 1 with the rule, refused
	// by the simulation before any broadcast: no fee.
	for _, args := range [][]string{
		{"tx", "market", "post-input-receipt", id, strings.Repeat("00", 64)},
		{"tx", "market", "report-missing-inputs", id},
	} {
		stdout, stderr, code = cellAt(append(args, "--from", buyerKey, "--node", n.RPC)...)
		if code != 1 || !strings.Contains(stdout, "refused: code") || !strings.Contains(stdout, "no fee paid") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, stdout, stderr)
		}
	}
	// Disputed by hand: the seed chain is saved with the order, the seed
	// of round 1 revealed with reveal-dispute-seed draws the verifier,
	// and cell order dispute follows it to the verdict.
	stdout, stderr, code = cellAt("tx", "market", "open-dispute", id, "wrong-result", "refund", "100000", "--from", buyerKey, "--node", n.RPC)
	if code != 0 || !strings.Contains(stdout, "dispute_opened") {
		t.Fatalf("open-dispute: exit %d\n%s\n%s", code, stdout, stderr)
	}
	i := strings.Index(stderr, "reveal-dispute-seed "+id+" ")
	st, err := order.LoadState(filepath.Join(home, "orders"), trap.OrderID)
	if i < 0 || err != nil || len(st.Seeds) < 2 {
		t.Fatalf("open-dispute saved %+v, %v; said\n%s", st, err, stderr)
	}
	seed := strings.Fields(stderr[i:])[2]
	if seed != hex.EncodeToString(st.Seeds[1]) {
		t.Errorf("printed seed %s, saved %x", seed, st.Seeds[1])
	}
	stdout, stderr, code = cellAt("tx", "market", "reveal-dispute-seed", id, seed, "--from", buyerKey, "--node", n.RPC)
	if code != 0 || !strings.Contains(stdout, "dispute_drawn") {
		t.Fatalf("reveal-dispute-seed: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The verifier re-runs the package, which traps there too: the
	// delivered outcome stands and the buyer loses the dispute.
	stdout, stderr, code = cellAt("order", "dispute", id, "-i", "data="+data, "--wait", "--node", n.RPC, "--output", "json")
	if r := lastResult(t, stdout); code == 0 || r.Dispute == nil || r.Dispute.Verdict != "provider_won" {
		t.Errorf("order dispute --wait: exit %d, result %+v\n%s", code, r, stderr)
	}

	// A node announced with its key file: the key signs its proof.
	nodeKeyFile := filepath.Join(t.TempDir(), "node_key.json")
	if err := os.WriteFile(nodeKeyFile, []byte(testNodeKeyJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = cellAt("tx", "registry", "announce-node", "http://127.0.0.1:1", "--node-key-file", nodeKeyFile, "--from", buyerKey, "--node", n.RPC)
	if code != 0 || !strings.Contains(stdout, "node_announced") {
		t.Errorf("announce-node: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// A validator whose consensus key, in the home, signs its proof.
	if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
		t.Fatal(err)
	}
	pv, err := privval.GenFilePV(chain.ConsensusKeyFile(home), filepath.Join(t.TempDir(), "state.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	pv.Save()
	stdout, stderr, code = cellAt("tx", "staking", "create-validator", "1000000", "--moniker", "cli", "--from", buyerKey, "--node", n.RPC)
	if code != 0 || !strings.Contains(stdout, "create_validator") {
		t.Errorf("create-validator: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// lastResult decodes the result line of `cell order … --output json`:
// the last line, or the one before the error object of a failed command.
func lastResult(t *testing.T, stdout string) *order.Result {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-2; i-- {
		var last struct {
			Schema string `json:"schema"`
			orderResultJSON
		}
		if err := json.Unmarshal([]byte(lines[i]), &last); err == nil && last.Schema == "cell/v1/order-result" && last.Result != nil {
			return last.Result
		}
	}
	t.Fatalf("no result line in\n%s", stdout)
	return nil
}

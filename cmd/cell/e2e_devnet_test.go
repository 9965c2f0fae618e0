package main_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// devnetProc is a running `cell devnet`.
type devnetProc struct {
	t    *testing.T
	home string
	args []string
	cmd  *exec.Cmd
	log  *os.File
}

func startDevnetProc(t *testing.T, home string, args ...string) *devnetProc {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(home+".out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cellBin, append([]string{"devnet", "--home", home}, args...)...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &devnetProc{t: t, home: home, args: args, cmd: cmd, log: log}
	t.Cleanup(func() { p.signal(syscall.SIGKILL) })
	return p
}

// signal sends sig and waits for the process to exit.
func (p *devnetProc) signal(sig syscall.Signal) error {
	if p.cmd.ProcessState != nil {
		return nil
	}
	_ = p.cmd.Process.Signal(sig)
	err := p.cmd.Wait()
	p.log.Close()
	return err
}

func (p *devnetProc) output() string {
	b, _ := os.ReadFile(p.home + ".out")
	if len(b) > 6000 {
		b = b[len(b)-6000:]
	}
	return string(b)
}

// devnetState is the part of HOME/devnet.json the tests read: the ports a
// devnet started with --…-port -1 picked (and holds until it binds them).
type devnetState struct {
	ChainID string `json:"chain_id"`
	RPC     int    `json:"rpc_port"`
	Nodes   []int  `json:"node_ports"`
	Miners  []int  `json:"miner_ports"`
}

// devnetPorts waits for the devnet at home to write its ports.
func devnetPorts(t *testing.T, home string) devnetState {
	t.Helper()
	var st devnetState
	retry(t, 60*time.Second, func() error {
		b, err := os.ReadFile(filepath.Join(home, "devnet.json"))
		if err != nil {
			return err
		}
		return json.Unmarshal(b, &st)
	})
	return st
}

// slowPackage writes the package directory of testdata/slow.
func slowPackage(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slow.wasm"), wasmbuild.Build(t, "testdata/slow"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile("testdata/slow/cell.toml.in")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// orderState reads an order; nil while the chain does not answer.
func orderState(t *testing.T, c *client.Client, id uint64) *ledgerpb.Order {
	t.Helper()
	r, err := c.Order(context.Background(), id)
	if err != nil {
		return nil
	}
	return r.GetOrder()
}

// TestDevnetCrashDuringJob kills the devnet process with SIGKILL while a
// node executes a job, restarts it, and checks that the node resumes the
// job, delivers once, the buyer closes, and the ledger's books balance.
func TestDevnetCrashDuringJob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	pkgDir := slowPackage(t)
	home := filepath.Join(t.TempDir(), "devnet")
	args := []string{"--nodes", "1", "--block-time", "200ms", "--package", pkgDir,
		"--rpc-port", "-1", "--p2p-port", "-1", "--node-port", "-1", "--miner-port", "-1"}
	p := startDevnetProc(t, home, args...)
	ports := devnetPorts(t, home)
	c, err := client.New(fmt.Sprintf("http://127.0.0.1:%d", ports.RPC))
	if err != nil {
		t.Fatal(err)
	}
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", ports.Nodes[0])
	ctx := context.Background()

	// Wait for the devnet to register the slow package.
	pkg, err := packer.Build(pkgDir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	id := pkg.ID()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if _, err := c.Package(ctx, id[:]); err == nil {
			if _, err := (&nodeapi.Client{Endpoint: endpoint}).Job(ctx, 0); nodeapi.IsStatus(err, 404) {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("devnet not ready:\n%s", p.output())
		}
		time.Sleep(200 * time.Millisecond)
	}

	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	buyer, err := kr.PrivateKey("buyer", nil)
	if err != nil {
		t.Fatal(err)
	}
	dataPath := filepath.Join(t.TempDir(), "data")
	os.WriteFile(dataPath, []byte("celltonomy crash test\n"), 0o644)
	in, _ := inputroot.HashFile("data", dataPath)
	root, _ := inputroot.Compute([]inputroot.Input{in})
	st, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chainID := st.NodeInfo.Network
	res, err := c.Send(ctx, buyer, chainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
		PackageId: id[:], InputRoot: root[:], Params: []*ledgerpb.OrderParam{{Key: "ROUNDS", Value: "4000000"}},
		MaxPrice: 5000, PoStake: params.Default().MinPoStake, BidWindow: 3, DeliveryWindow: 400, ConfirmWindow: 100, Replication: 1,
	}}})
	if err != nil || res.Code != 0 {
		t.Fatalf("create order: %v %s", err, res.Log)
	}
	orderID := uint64(1)
	waitOrder(t, c, orderID, 30*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)

	gc := &nodeapi.Client{Endpoint: endpoint, Key: buyer}
	files := []nodeapi.InputFile{{Name: "data", Size: in.Size, SHA256: hex.EncodeToString(in.SHA256[:])}}
	retry(t, 15*time.Second, func() error {
		if err := gc.UploadInput(ctx, orderID, "data", dataPath); err != nil {
			return err
		}
		_, err := gc.CommitInputs(ctx, orderID, files)
		return err
	})
	// Kill the devnet while the job runs.
	retry(t, 30*time.Second, func() error {
		j, err := gc.Job(ctx, orderID)
		if err != nil {
			return err
		}
		if j.State != nodeapi.StateRunning {
			return fmt.Errorf("job is %s", j.State)
		}
		return nil
	})
	time.Sleep(500 * time.Millisecond)
	if j, err := gc.Job(ctx, orderID); err != nil || j.State != nodeapi.StateRunning {
		t.Fatalf("the job is not running when the devnet is killed: %+v %v", j, err)
	}
	p.signal(syscall.SIGKILL)

	p = startDevnetProc(t, home, args...)
	o := waitOrder(t, c, orderID, 120*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	j, err := gc.Job(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != nodeapi.StateDelivered || j.OutputRoot != hex.EncodeToString(o.GetDelivery().GetOutputRoot()) {
		t.Fatalf("job after restart: %+v; delivered root %x", j, o.GetDelivery().GetOutputRoot())
	}
	out, err := gc.Outputs(ctx, orderID)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := hex.DecodeString(out.CompletionCode)
	salt := make([]byte, 32)
	rc := market.RatingCommitment(orderID, 4, salt)
	if res, err := c.Send(ctx, buyer, chainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: &ledgerpb.MsgClose{
		OrderId: orderID, CompletionCode: code, BuyerRatingCommitment: rc[:]}}}); err != nil || res.Code != 0 {
		t.Fatalf("close: %v %s", err, res.Log)
	}
	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet did not stop cleanly: %v\n%s", err, p.output())
	}
	if err := chain.CheckInvariants(home); err != nil {
		t.Fatalf("ledger invariants after the crash: %v", err)
	}
	// The node ran the job a second time after the restart, and its event
	// log records both starts and one delivery.
	b, err := os.ReadFile(filepath.Join(home, "nodes", "node-1", "data", "jobs", "1-provider.json"))
	if err != nil {
		t.Fatal(err)
	}
	var job struct{ Runs int }
	if err := json.Unmarshal(b, &job); err != nil || job.Runs != 2 {
		t.Fatalf("job record %s: runs %d, want 2 (%v)", b, job.Runs, err)
	}
	lb, err := os.ReadFile(filepath.Join(home, "nodes", "node-1", "data", "jobs", "1-provider.log"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Read(bytes.NewReader(lb))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range l.Events {
		counts[e.Kind]++
	}
	if counts["run-started"] != 2 || counts["delivery-tx"] != 1 || counts["outputs-hashed"] != 1 {
		t.Fatalf("event log kinds %v: want 2 run-started, 1 outputs-hashed, 1 delivery-tx", counts)
	}
}

func waitOrder(t *testing.T, c *client.Client, id uint64, timeout time.Duration, want ledgerpb.OrderState) *ledgerpb.Order {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		o := orderState(t, c, id)
		if o != nil && o.GetState() == want {
			return o
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d: %s after %s, want %s", id, market.StateName(o.GetState()), timeout, market.StateName(want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func retry(t *testing.T, timeout time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startDigestDevnet runs `cell devnet` with nodes nodes (200 ms blocks,
// free ports) serving the example digest until it is up, and returns the
// digest's directory, the λ genome, the devnet's home, its process and
// its ports.
func startDigestDevnet(t *testing.T, nodes int) (pkgDir, genome, home string, p *devnetProc, ports devnetState) {
	t.Helper()
	pkgDir, _ = filepath.Abs("../../examples/digest")
	if _, err := os.Stat(filepath.Join(pkgDir, "digest.wasm")); err != nil {
		t.Fatalf("run make examples first: %v", err)
	}
	genome, _ = filepath.Abs("../../examples/data/lambda.fa")
	home = filepath.Join(t.TempDir(), "devnet")
	p = startDevnetProc(t, home, "--nodes", strconv.Itoa(nodes), "--block-time", "200ms", "--package", pkgDir,
		"--rpc-port", "-1", "--p2p-port", "-1", "--node-port", "-1", "--miner-port", "-1")
	ports = devnetPorts(t, home)
	retry(t, 90*time.Second, func() error {
		if !strings.Contains(p.output(), "stop with Ctrl-C") {
			return fmt.Errorf("devnet not ready:\n%s", p.output())
		}
		return nil
	})
	return pkgDir, genome, home, p, ports
}

// TestDevnetAndOrderRun is the newcomer's path with two terminals: `cell
// devnet` in one, `cell order run` in the other, ordering the λ digest with
// an enzyme of their choice; then the bad inputs a buyer may give.
func TestDevnetAndOrderRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	pkgDir, genome, home, p, ports := startDigestDevnet(t, 2)
	run := func(args ...string) (string, string, int) {
		cmd := exec.Command(cellBin, append([]string{"order", "run", pkgDir, "--home", home}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), code
	}
	// Without --out the results go to ~/.cell/results/CHAIN_ID/ORDER_ID.
	stdout, stderr, code := run("--input", "genome="+genome, "--param", "ENZYMES=BamHI", "--max-price", "5000", "--no-wait-final")
	if code != 0 {
		t.Fatalf("order run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"BamHI", "fragments", "closed"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("order run output lacks %q:\n%s\n%s", want, stdout, stderr)
		}
	}
	if !strings.HasPrefix(ports.ChainID, "cell-devnet-") {
		t.Errorf("devnet chain id %q, want cell-devnet-HEX", ports.ChainID)
	}
	results := filepath.Join(os.Getenv("HOME"), ".cell", "results", ports.ChainID, "1")
	if _, err := os.Stat(filepath.Join(results, "outputs", "fragments.json")); err != nil || !strings.Contains(stdout, "results in "+results) {
		t.Errorf("results not written to %s: %v\n%s", results, err, stdout)
	}

	c, err := client.New(fmt.Sprintf("http://127.0.0.1:%d", ports.RPC))
	if err != nil {
		t.Fatal(err)
	}
	kr, _ := keyring.Open(keyring.Dir(home))
	buyerInfo, _ := kr.Show("buyer")
	balance := func() uint64 {
		b, err := c.Balance(context.Background(), buyerInfo.Address)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := balance()
	// Bad inputs: refused before any funds move, naming the field.
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing input file", []string{"--input", "genome=" + filepath.Join(t.TempDir(), "nope.fa"), "--param", "ENZYMES=EcoRI", "--max-price", "5000"}, "genome"},
		{"undeclared input", []string{"--input", "reads=" + genome, "--param", "ENZYMES=EcoRI", "--max-price", "5000"}, "reads"},
		{"missing parameter", []string{"--input", "genome=" + genome, "--max-price", "5000"}, "ENZYMES"},
	} {
		stdout, stderr, code := run(tc.args...)
		if code == 0 || !strings.Contains(stdout+stderr, tc.want) {
			t.Errorf("%s: exit %d, output lacks %q:\n%s\n%s", tc.name, code, tc.want, stdout, stderr)
		}
	}
	// A package id nobody registered.
	cmd := exec.Command(cellBin, "order", "run", strings.Repeat("ab", 32), "--home", home, "--input", "genome="+genome, "--param", "ENZYMES=EcoRI", "--max-price", "5000")
	if b, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(b), "not registered") {
		t.Errorf("unknown package id: %v\n%s", err, b)
	}
	if got := balance(); got != before {
		t.Errorf("bad requests moved funds: balance %d, was %d", got, before)
	}
	// A max price below every node's asking price: the order expires, the
	// buyer sees why, and loses only the fee of the order.
	stdout, stderr, code = run("--input", "genome="+genome, "--param", "ENZYMES=EcoRI", "--max-price", "1000", "--bid-window", "2")
	if code == 0 || !strings.Contains(stdout+stderr, "above-max-price") {
		t.Errorf("price below the asking prices: exit %d, no reason shown:\n%s\n%s", code, stdout, stderr)
	}
	if got, want := balance(), before-params.Default().MinFee; got != want {
		t.Errorf("after the expiry: balance %d, want %d (only the fee)", got, want)
	}
	// The first order's ratings reach the reputation log; the devnet's
	// miners mine the cycle, the chain accepts their root, and cell rep show
	// proves the provider's reputation against it.
	miner := fmt.Sprintf("http://127.0.0.1:%d", ports.Miners[0])
	var vendors []string
	for _, name := range []string{"vendor-1", "vendor-2"} {
		info, err := kr.Show(name)
		if err != nil {
			t.Fatal(err)
		}
		vendors = append(vendors, info.Address.String())
	}
	retry(t, 120*time.Second, func() error {
		for _, v := range vendors {
			cmd := exec.Command(cellBin, "rep", "show", v, "--skill", "compute/genomics/digest", "--miner", miner, "--home", home)
			b, err := cmd.CombinedOutput()
			if err == nil && strings.Contains(string(b), "proof ok") {
				return nil
			}
		}
		return fmt.Errorf("no provider reputation proven yet")
	})
	if err := p.signal(syscall.SIGINT); err != nil {
		t.Fatalf("devnet did not stop cleanly: %v\n%s", err, p.output())
	}
	if err := chain.CheckInvariants(home); err != nil {
		t.Fatalf("ledger invariants: %v", err)
	}
}

// TestNodeInitAndStart is a vendor's path outside the devnet: cell init and
// cell start for a validator, cell node init for a fulfillment node, a
// transfer to its operator, cell node start; the node announces itself in
// the registry and answers /healthz.
func TestNodeInitAndStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a validator and a node")
	}
	home := t.TempDir()
	base := initSolo(t, home, "vendor-test", 2)
	v := start(t, home)
	c := nodeClient(t, home)
	waitHeight(t, c, 2, v)

	nodeHome := filepath.Join(t.TempDir(), "node")
	endpoint := fmt.Sprintf("http://127.0.0.1:%d", base+10)
	cell(t, "node", "init", "--home", nodeHome, "--chain-rpc", fmt.Sprintf("http://127.0.0.1:%d", base+1),
		"--listen", fmt.Sprintf("127.0.0.1:%d", base+10), "--endpoint", endpoint, "--dev")
	kr, err := keyring.Open(keyring.Dir(nodeHome))
	if err != nil {
		t.Fatal(err)
	}
	op, err := kr.Show("operator")
	if err != nil {
		t.Fatalf("cell node init made no operator key: %v", err)
	}
	if res, err := c.Send(context.Background(), operatorKey(t, home), "vendor-test", params.Default().MinFee, send(op.Address, 10_000_000)); err != nil || res.Code != 0 {
		t.Fatalf("fund the operator: %v %s", err, res.Log)
	}
	logf, _ := os.Create(filepath.Join(nodeHome, "node.log"))
	cmd := exec.Command(cellBin, "node", "start", "--home", nodeHome)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		logf.Close()
	}()
	retry(t, 60*time.Second, func() error {
		resp, err := http.Get(endpoint + "/healthz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("healthz: %d", resp.StatusCode)
		}
		return nil
	})
	out := cell(t, "query", "registry", "nodes", "--home", home, "--output", "json")
	if !strings.Contains(out, endpoint) {
		b, _ := os.ReadFile(filepath.Join(nodeHome, "node.log"))
		t.Fatalf("the node is not in the registry:\n%s\nnode log:\n%s", out, b)
	}
}

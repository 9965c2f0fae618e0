package main_test

// End-to-end tests of the node: they build the cell binary, run `cell
// start` as separate processes on 127.0.0.1, and talk to them through the
// client SDK like any user would.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/internal/testhome"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/staking"
)

var cellBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cell-e2e-")
	if err != nil {
		panic(err)
	}
	cellBin = filepath.Join(dir, "cell")
	out, err := exec.Command("go", "build", "-o", cellBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build cell: %v\n%s", err, out)
		os.Exit(1)
	}
	// No test reads or writes the user's ~/.cell: cell devnet writes
	// its profile into the configuration file of HOME.
	cleanup, err := testhome.Setup()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	cleanup()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cell runs the binary to completion and fails the test on error.
func cell(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(cellBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cell %v: %v\n%s", args, err, stderr.String())
	}
	return string(out)
}

// initSolo runs `cell init` for the single validator of chainID in home,
// with 200 ms blocks, its P2P and RPC ports at base and base+1 of
// freeport.Base(t, n, 10): the ports base+10·i and base+10·i+1 for
// 0 < i < n stay free for the test's other processes. It returns base.
func initSolo(t *testing.T, home, chainID string, n int) int {
	t.Helper()
	cell(t, "init", "--home", home, "--chain-id", chainID, "--moniker", "solo", "--dev", "--block-time", "200ms")
	base := freeport.Base(t, n, 10)
	if _, err := chain.InitHome(home, chain.NodeConfig{Moniker: "solo", Ports: chain.Ports{P2P: base, RPC: base + 1}, BlockTime: 200 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	return base
}

// process is a running `cell start`.
type process struct {
	home string
	cmd  *exec.Cmd
	log  *os.File
}

func start(t *testing.T, home string) *process {
	t.Helper()
	log, err := os.OpenFile(filepath.Join(home, "node.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(cellBin, "start", "--home", home)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{home: home, cmd: cmd, log: log}
	t.Cleanup(func() { p.kill() })
	return p
}

// kill ends the process with SIGKILL: no clean shutdown.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
	p.log.Close()
}

func (p *process) tail() string {
	b, _ := os.ReadFile(filepath.Join(p.home, "node.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func nodeClient(t *testing.T, home string) *client.Client {
	t.Helper()
	addr, err := chain.RPCAddress(home)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitHeight waits until the node has committed height h.
func waitHeight(t *testing.T, c *client.Client, h int64, p *process) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		st, err := c.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return st.SyncInfo.LatestBlockHeight
		}
		select {
		case <-ctx.Done():
			msg := ""
			if p != nil {
				msg = p.tail()
			}
			t.Fatalf("height %d not reached: %v %v\n%s", h, err, ctx.Err(), msg)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func appHash(t *testing.T, c *client.Client, h int64) string {
	t.Helper()
	r, err := c.RPC().Commit(context.Background(), &h)
	if err != nil {
		t.Fatalf("commit %d: %v", h, err)
	}
	return r.SignedHeader.Header.AppHash.String()
}

func operatorKey(t *testing.T, home string) ed25519.PrivateKey {
	t.Helper()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := kr.PrivateKey("validator", nil)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func send(to address.Address, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to[:], Amount: amount}}}
}

// TestCrashAndRestart kills a single validator with SIGKILL after
// transactions commit, restarts it, and checks that nothing committed was
// lost, the app hashes agree, and the chain goes on.
func TestCrashAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	home := t.TempDir()
	initSolo(t, home, "crash-test", 1)
	p := start(t, home)
	c := nodeClient(t, home)
	waitHeight(t, c, 2, p)

	ctx := context.Background()
	priv := operatorKey(t, home)
	var to address.Address
	to[0] = 7
	type sent struct {
		hash   []byte
		height int64
	}
	var txs []sent
	for i := 0; i < 5; i++ {
		r, err := c.Send(ctx, priv, "crash-test", 1000, send(to, 100))
		if err != nil || r.Code != 0 {
			t.Fatalf("send %d: %v %+v\n%s", i, err, r, p.tail())
		}
		txs = append(txs, sent{r.Hash, r.Height})
	}
	last := waitHeight(t, c, txs[len(txs)-1].height+1, p)
	hashes := map[int64]string{}
	for h := int64(1); h <= last; h++ {
		hashes[h] = appHash(t, c, h)
	}

	p.kill()
	p = start(t, home)
	c = nodeClient(t, home)
	waitHeight(t, c, last+2, p)

	for _, tx := range txs {
		r, err := c.Tx(ctx, tx.hash)
		if err != nil || r.Code != 0 || r.Height != tx.height {
			t.Fatalf("tx %X after restart: %v %+v (was at height %d)", tx.hash, err, r, tx.height)
		}
	}
	for h, want := range hashes {
		if got := appHash(t, c, h); got != want {
			t.Fatalf("app hash of block %d: %s after restart, %s before", h, got, want)
		}
	}
	bal, _, err := c.ProvenBalance(ctx, to)
	if err != nil || bal != 500 {
		t.Fatalf("balance after restart = %d, %v; want 500", bal, err)
	}
	if r, err := c.Send(ctx, priv, "crash-test", 1000, send(to, 1)); err != nil || r.Code != 0 || r.Height <= last {
		t.Fatalf("the chain did not go on: %v %+v", err, r)
	}
}

// TestMultiValidator runs a 4-validator testnet as 4 processes, kills one
// and shows blocks still commit, restarts it and shows it catches up to the
// same app hash, then has a fifth node join by create-validator and shows
// that it signs blocks.
func TestMultiValidator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts five nodes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	base := freeport.Base(t, 5, 10)
	const chainID = "multi-test"
	cell(t, "testnet", "init", "--validators", "4", "--out", dir, "--base-port", fmt.Sprint(base),
		"--block-time", "200ms", "--chain-id", chainID)
	var procs []*process
	var clients []*client.Client
	for i := 0; i < 4; i++ {
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		procs = append(procs, start(t, home))
		clients = append(clients, nodeClient(t, home))
	}
	c0 := clients[0]
	waitHeight(t, c0, 3, procs[0])

	// One of four down: the other three hold 3/4 > 2/3 of the power.
	procs[3].kill()
	h := waitHeight(t, c0, 0, nil)
	waitHeight(t, c0, h+3, procs[0])

	procs[3] = start(t, procs[3].home)
	h = waitHeight(t, c0, 0, nil)
	waitHeight(t, clients[3], h, procs[3])
	if a, b := appHash(t, clients[3], h), appHash(t, c0, h); a != b {
		t.Fatalf("node3 app hash at %d = %s, node0 = %s", h, a, b)
	}

	// A fifth node joins as a full node, then becomes a validator.
	home4 := filepath.Join(dir, "node4")
	peers := ""
	for i := 0; i < 4; i++ {
		st, err := clients[i].Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			peers += ","
		}
		peers += fmt.Sprintf("%s@127.0.0.1:%d", st.NodeInfo.DefaultNodeID, base+10*i)
	}
	keys4, err := chain.InitHome(home4, chain.NodeConfig{Moniker: "node4", Ports: chain.Ports{P2P: base + 40, RPC: base + 41},
		PersistentPeers: peers, BlockTime: 200 * time.Millisecond, Local: true})
	if err != nil {
		t.Fatal(err)
	}
	genesis, err := os.ReadFile(filepath.Join(dir, "node0", "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home4, "config", "genesis.json"), genesis, 0o600); err != nil {
		t.Fatal(err)
	}
	kr4, err := keyring.Open(keyring.Dir(home4))
	if err != nil {
		t.Fatal(err)
	}
	op4, err := kr4.AddFromSeed("validator", bytes.Repeat([]byte{4}, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	p4 := start(t, home4)
	c4 := nodeClient(t, home4)
	h = waitHeight(t, c0, 0, nil)
	waitHeight(t, c4, h, p4)

	const bond = 100_000_000_000
	if r, err := c0.Send(ctx, operatorKey(t, procs[0].home), chainID, 1000, send(op4.Address, bond+1_000_000)); err != nil || r.Code != 0 {
		t.Fatalf("fund node4: %v %+v", err, r)
	}
	priv4, err := kr4.PrivateKey("validator", nil)
	if err != nil {
		t.Fatal(err)
	}
	cons4, err := chain.LoadConsensusKey(chain.ConsensusKeyFile(home4))
	if err != nil {
		t.Fatal(err)
	}
	create := &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateValidator{CreateValidator: &ledgerpb.MsgCreateValidator{
		ConsensusPubkey: keys4.ConsensusPubKey, SelfBond: bond, Moniker: "node4",
		ConsensusSignature: staking.SignConsensusKeyProof(cons4, chainID, op4.Address)}}}
	// Broadcast through node0: node4 may still be replaying the blocks that
	// funded it, and would check the transaction against its older state.
	r, err := c0.Send(ctx, priv4, chainID, 1000, create)
	if err != nil || r.Code != 0 {
		t.Fatalf("create-validator: %v %+v\n%s", err, r, p4.tail())
	}

	// The update takes effect two blocks later; then node4 signs.
	consAddr, _ := address.FromPubKey(keys4.ConsensusPubKey)
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := c0.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		height := st.SyncInfo.LatestBlockHeight
		commit, err := c0.RPC().Commit(ctx, &height)
		if err != nil {
			t.Fatal(err)
		}
		for _, sig := range commit.SignedHeader.Commit.Signatures {
			if bytes.Equal(sig.ValidatorAddress, consAddr[:]) && len(sig.Signature) > 0 {
				return // node4 signed block `height`
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node4 (%X) never signed; last commit at %d has %d signatures\n%s",
				consAddr[:], height, len(commit.SignedHeader.Commit.Signatures), p4.tail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

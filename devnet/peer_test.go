package devnet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// svcManifest is the runtime's test service (runtime/wasm/testdata/svc)
// as a service package serving echo (1), child (3), clock (12) and relay
// (14).
const svcManifest = `
name = %q
version = "1.0.0"
kind = "compute"
skill = "compute/genomics/digest"
prose = "The runtime's test service."
architecture = "wasm32-wasip1"
files = %s

[entry]
path = "svc.wasm"

[[slot]]
port = 1
transport = "http"
protocol = "echo/1"

[[slot]]
port = 3
transport = "http"
protocol = "child/1"

[[slot]]
port = 12
transport = "http"
protocol = "clock/1"

[[slot]]
port = 14
transport = "http"
protocol = "relay/1"
`

// svcPackages writes the child (the test service) and the parent (the
// same module, whose /child names the child) as package directories.
func svcPackages(t *testing.T) (childDir, parentDir string, child *spec.Package) {
	t.Helper()
	module := wasmbuild.BuildReactor(t, filepath.Join("..", "runtime", "wasm", "testdata", "svc"))
	write := func(dir, name, files string) {
		os.MkdirAll(dir, 0o755)
		for file, b := range map[string][]byte{"svc.wasm": module, "cell.toml": []byte(fmt.Sprintf(svcManifest, name, files))} {
			if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	childDir, parentDir = filepath.Join(t.TempDir(), "child"), filepath.Join(t.TempDir(), "parent")
	write(childDir, "svc-child", `["svc.wasm"]`)
	child, err := packer.Build(childDir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	write(parentDir, "svc-parent", `["svc.wasm", "child"]`)
	if err := os.WriteFile(filepath.Join(parentDir, "child"), []byte(child.ID().String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return childDir, parentDir, child
}

// TestPeerDelegationOnDevnet: a devnet of three nodes where node 1 hosts
// the parent service but excludes its child, and nodes 2 and 3 run the
// child, node 2 cheaper. The child is delegated to node 2, the buyer's
// answers are those of a local run of the same tree, node 2's operator
// is paid its quote, and the ledger's invariants hold at the end.
func TestPeerDelegationOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	childDir, parentDir, child := svcPackages(t)
	const price, start2, perCall2, start3, perCall3 = 60_000, 1_000, 10, 5_000, 20
	parent, err := packer.Build(parentDir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// The module is compiled once, here; every node starts with that
	// compilation cache (a node compiling under a loaded machine would
	// spend the parent's call wall time on it).
	cache := t.TempDir()
	warm, err := wasm.NewExecutor(context.Background(), wasm.NewConfig().WithCacheDir(cache).WithLimits(wasm.Limits{WallTime: node.MaxRunWallTime}))
	if err != nil {
		t.Fatal(err)
	}
	wj, err := gateway.JobFor(child)
	if err != nil {
		t.Fatal(err)
	}
	wi, err := warm.StartService(context.Background(), wj)
	if err != nil {
		t.Fatal(err)
	}
	wi.Stop(context.Background())
	warm.Close(context.Background())
	warmed := func(c *config.Config) {
		if err := os.CopyFS(filepath.Join(c.DataDir, "wasm-cache"), os.DirFS(cache)); err != nil {
			t.Error(err)
		}
	}
	excludeParent := func(start, perCall uint64) func(*config.Config) {
		return func(c *config.Config) {
			warmed(c)
			c.ExcludePackages = []string{parent.ID().String()}
			c.Pricing.PerPackage = map[string]uint64{child.ID().String(): start}
			c.Peer.PerCall = perCall
		}
	}
	configs := map[int]func(*config.Config){
		1: func(c *config.Config) {
			warmed(c)
			c.ExcludePackages = []string{child.ID().String()}
			c.Peer.Delegate = true
		},
		2: excludeParent(start2, perCall2),
		3: excludeParent(start3, perCall3),
	}
	o := Options{Home: t.TempDir(), Nodes: 3, BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1,
		Node: []NodeOptions{{Price: price}, {}, {}}, Packages: []string{childDir, parentDir},
		NodeConfig: func(i int, c *config.Config) { configs[i](c) }}
	if testing.Verbose() {
		o.Log = os.Stderr
	}
	d, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Log("stop:", err)
		}
		// The books balance after the payments between operators.
		if err := chain.CheckInvariants(d.Home); err != nil {
			t.Errorf("ledger invariants: %v", err)
		}
	})
	ctx := context.Background()
	buyerKey, err := d.Key(KeyBuyer)
	if err != nil {
		t.Fatal(err)
	}
	b := &service.Buyer{Client: d.Client, Key: buyerKey, ChainID: d.ChainID}
	id, err := b.Start(ctx, service.Order{Package: parent.ID(), Blocks: 2000, MaxPrice: price, BidWindow: 10, DeliveryWindow: 30, ConfirmWindow: 3})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	a, err := b.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if a.Address != d.Nodes[0].Endpoint+nodeapi.ServicePath(id) {
		t.Fatalf("order %d runs at %s, not on node 1", id, a.Address)
	}

	// The reference: the same tree run here, every child local.
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(cache))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	j, err := gateway.JobFor(parent)
	if err != nil {
		t.Fatal(err)
	}
	j.Seed = batch.OrderSeed(id, parent.ID(), [32]byte{})
	tree, err := gateway.NewTree(gateway.Config{Fetcher: fetchMap{child.ID(): child, parent.ID(): parent}, Runner: gateway.LocalRunner{Executor: e},
		Memory: j.Limits.Memory, Seed: j.Seed})
	if err != nil {
		t.Fatal(err)
	}
	j.Pool, j.Gateway = tree.Pool(), tree.Root(parent.ID(), parent.Spec())
	local, err := e.StartService(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	defer local.Stop(ctx)

	for _, call := range []struct {
		port int32
		req  string
	}{{14, child.ID().String() + " 12 x"}, {3, "hi"}, {14, child.ID().String() + " 12 y"}} {
		got, err := b.Call(ctx, a, call.port, []byte(call.req))
		if err != nil {
			t.Fatalf("port %d: %v", call.port, err)
		}
		want, err := local.Call(ctx, call.port, []byte(call.req))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("port %d %q: node 1 answers %q, a local run %q", call.port, call.req, got, want)
		}
	}
	// Three children on node 2, each paid by node 1's operator its start
	// and one call, in one transfer; none on node 3.
	paid := func(to address.Address, amount uint64, wait time.Duration) int {
		wctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		for {
			txs, err := d.Client.WaitEvents(wctx, client.Match(bank.EventTransfer{From: d.Nodes[0].Operator, To: to, Amount: amount}))
			if err != nil || len(txs) >= 3 {
				return len(txs)
			}
			select {
			case <-wctx.Done():
				return len(txs)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	if n := paid(d.Nodes[1].Operator, start2+perCall2, 30*time.Second); n != 3 {
		t.Fatalf("node 2's operator got %d payments of %d ucell from node 1's, want 3", n, start2+perCall2)
	}
	if n := paid(d.Nodes[2].Operator, start3+perCall3, 2*time.Second); n != 0 {
		t.Fatalf("node 3's operator got %d payments", n)
	}
}

type fetchMap map[spec.ID]*spec.Package

func (m fetchMap) Fetch(_ context.Context, id spec.ID) (*spec.Package, error) {
	if p := m[id]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("package %s: %w", id, abi.ErrUnknownService)
}

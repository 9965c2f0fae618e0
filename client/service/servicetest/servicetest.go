// Package servicetest starts a test network for service orders: one
// real validator (internal/testchain, 100 ms blocks) and one real
// fulfillment node (node.New) that hosts the test service package — the
// reactor runtime/wasm/testdata/svc (built with internal/wasmbuild),
// serving its echo (1) and counter (2) slots, registered by the account
// "author" and priced Price by the node. The accounts "buyer",
// "provider" (the node's operator) and "author" are funded; their keys
// are testchain.Key(name). It is for tests only.
package servicetest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// svcDir is runtime/wasm/testdata/svc, found from this file.
func svcDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "runtime", "wasm", "testdata", "svc")
}

// Seed returns the ed25519 seed of testchain.Key(name), for a keyring.
func Seed(name string) []byte {
	s := sha256.Sum256([]byte("testchain " + name))
	return s[:]
}

// manifest is the manifest of the test service: runtime/wasm's test
// reactor, serving its echo (1) and counter (2) slots.
const manifest = `
name = "svc-test"
version = "1.0.0"
kind = "compute"
skill = "compute/genomics/digest"
prose = "The runtime's test service."
architecture = "wasm32-wasip1"
files = ["svc.wasm"]

[entry]
path = "svc.wasm"

[[slot]]
port = 1
transport = "http"
protocol = "echo/1"

[[slot]]
port = 2
transport = "http"
protocol = "counter/1"
`

// Price is the node's price of the service, for the whole duration,
// in ucell.
const Price = 60_000

// Net is one real validator (internal/testchain) and one real node
// (node.New) that hosts the test service package.
type Net struct {
	t testing.TB
	// Chain is the validator.
	Chain *testchain.Chain
	// Pkg is the id of the registered test service package.
	Pkg spec.ID
	// Packages are the ids of the packages of StartWith's directories,
	// by package name.
	Packages map[string]spec.ID
	blob     []byte
	// Buyer orders and calls services as the account "buyer".
	Buyer *service.Buyer
	// Cfg is the node's configuration (Cfg.Endpoint its HTTP API).
	Cfg    *config.Config
	nodeOp ed25519.PrivateKey
	nodeK  ed25519.PrivateKey
	ln     string
	run    *Running
	// Node is the running node (a new one after each StartNode).
	Node *node.Node
}

// Start starts the network; the test's cleanup stops the node and the
// chain. It fails t on an error.
func Start(t testing.TB) *Net {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with the packages of the directories dirs (built
// as `cell package build` does, signed by "author") registered too, their
// bytes served by the node; Net.Packages has their ids by name. A child
// service started through the gateway is fetched by the node like any
// registered package. The example services (examples/seq-index,
// examples/primer-design) need `make examples` first.
func StartWith(t testing.TB, dirs ...string) *Net {
	t.Helper()
	p := params.Default()
	p.RevealWindowBlocks = 3
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range []string{"buyer", "provider", "author"} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: testchain.Address(testchain.Key(name)).String(), Balance: 10_000_000_000})
	}
	ch := testchain.Start(t, testchain.Options{ChainID: "svc-test", Genesis: g})
	s := &Net{t: t, Chain: ch, nodeOp: testchain.Key("provider"), nodeK: testchain.Key("node provider")}
	s.Buyer = &service.Buyer{Client: ch.Client, Key: testchain.Key("buyer"), ChainID: ch.ChainID}

	dir := t.TempDir()
	pdir := filepath.Join(dir, "pkg")
	os.MkdirAll(pdir, 0o755)
	if err := os.WriteFile(filepath.Join(pdir, "svc.wasm"), wasmbuild.BuildReactor(t, svcDir()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "cell.toml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg, err := packer.BuildSigned(pdir, spec.DefaultLimits(), testchain.Key("author"))
	if err != nil {
		t.Fatal(err)
	}
	s.Pkg, s.blob = pkg.ID(), pkg.Encode()
	l := FreeListen(t)
	s.ln = l
	ctx := context.Background()
	pkgs := []*spec.Package{pkg}
	s.Packages = map[string]spec.ID{}
	for _, d := range dirs {
		x, err := packer.BuildSigned(d, spec.DefaultLimits(), testchain.Key("author"))
		if err != nil {
			t.Fatalf("package %s: %v (make examples builds the example services)", d, err)
		}
		pkgs = append(pkgs, x)
		s.Packages[x.Envelope().GetName()] = x.ID()
	}
	for _, x := range pkgs {
		pub, sig := x.Signature()
		res, err := ch.Client.Send(ctx, testchain.Key("author"), ch.ChainID, p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
			Envelope: x.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(x.Spec().Bytes())),
			BlobLocations: []string{"http://" + l + nodeapi.BlobPath(sha256.Sum256(x.Encode()))}}}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Code != 0 {
			t.Fatalf("register %s: code %d: %s", x.Envelope().GetName(), res.Code, res.Log)
		}
	}
	cfg := config.Default(filepath.Join(dir, "node"))
	cfg.ChainRPC, cfg.Listen, cfg.Endpoint = ch.RPC, l, "http://"+l
	cfg.AllowPrivateFetch = true
	cfg.Pricing = config.Pricing{Base: Price, Minimum: Price, Floor: Price}
	s.Cfg = cfg
	bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range pkgs {
		if _, _, err := bs.Put(bytes.NewReader(x.Encode())); err != nil {
			t.Fatal(err)
		}
	}
	s.StartNode()
	t.Cleanup(s.StopNode)
	return s
}

// FreeListen returns a free loopback address (host:port).
func FreeListen(t testing.TB) string {
	l := freeport.Listen(t)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Running is a node started by RunNode.
type Running struct {
	// Node is the node.
	Node     *node.Node
	t        testing.TB
	endpoint string
	stop     context.CancelFunc
	done     chan error
}

// RunNode starts a node with cfg, its node key nodeKey and its
// operator's key op (whose account signs its transactions), following
// ch every 100 ms, and waits up to a minute until it follows the chain.
// node.New is retried for 5 s (a restarted node's address may take a
// moment to be free). It fails t on an error; Running.Stop stops the
// node.
func RunNode(t testing.TB, ch *testchain.Chain, cfg *config.Config, nodeKey, op ed25519.PrivateKey) *Running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fcfg := follow.NewConfig().WithPollInterval(100*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	sender, err := client.NewSender(ch.Client, op, ch.ChainID, ch.Params.MinFee)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var nd *node.Node
	for i := 0; ; i++ {
		nd, err = node.New(ctx, cfg, node.Options{NodeKey: nodeKey, OperatorKey: op, Follow: &fcfg, Sender: sender})
		if err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	r := &Running{Node: nd, t: t, endpoint: cfg.Endpoint, stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- nd.Run(ctx) }()
	deadline := time.Now().Add(time.Minute)
	for !nd.Healthy() {
		if time.Now().After(deadline) {
			t.Fatalf("the node at %s does not follow the chain", cfg.Endpoint)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r
}

// Stop stops the node and waits for it (it stops its instances and
// delivers what they served); an error of the node fails the test. A
// second Stop does nothing.
func (r *Running) Stop() {
	if r.stop == nil {
		return
	}
	r.stop()
	if err := <-r.done; err != nil {
		r.t.Errorf("node %s: %v", r.endpoint, err)
	}
	r.stop = nil
}

// StartNode starts the node (again, after StopNode: a restart on the
// same data directory).
func (s *Net) StartNode() {
	s.t.Helper()
	s.run = RunNode(s.t, s.Chain, s.Cfg, s.nodeK, s.nodeOp)
	s.Node = s.run.Node
}

// StopNode stops the node and waits for it: it stops its instances and
// delivers what they served.
func (s *Net) StopNode() {
	if s.run != nil {
		s.run.Stop()
	}
}

// Order reads order id from the chain.
func (s *Net) Order(id uint64) *ledgerpb.Order {
	s.t.Helper()
	r, err := s.Chain.Client.Order(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return r.GetOrder()
}

// WaitState waits until order id is in state (or, for DELIVERED, closed
// already: a closed order keeps its delivery).
func (s *Net) WaitState(id uint64, state ledgerpb.OrderState) *ledgerpb.Order {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		o := s.Order(id)
		// A delivered order may close (its confirm window is short in
		// these tests) before a poll sees it delivered; it keeps its
		// delivery.
		if o.GetState() == state || state == ledgerpb.OrderState_ORDER_STATE_DELIVERED && o.GetState() == ledgerpb.OrderState_ORDER_STATE_CLOSED {
			return o
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order %d is %s, not %s, after 90 s", id, market.StateName(o.GetState()), market.StateName(state))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Balance returns the balance of the account name, ucell.
func (s *Net) Balance(name string) uint64 {
	s.t.Helper()
	b, err := s.Chain.Client.Balance(context.Background(), testchain.Address(testchain.Key(name)))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// Settle waits for order id to close and checks that the buyer paid
// exactly ServiceCharge(price, served, blocks) of it, with fees the
// buyer's txs transactions cost.
func (s *Net) Settle(id uint64, buyerBefore uint64, txs int) *ledgerpb.Order {
	s.t.Helper()
	o := s.WaitState(id, ledgerpb.OrderState_ORDER_STATE_CLOSED)
	charged := market.ServiceCharge(o.GetContract().GetPrice(), o.GetDelivery().GetServedBlocks(), o.GetServiceBlocks())
	want := buyerBefore - uint64(txs)*s.Chain.Params.MinFee - charged
	if got := s.Balance("buyer"); got != want {
		s.t.Fatalf("buyer balance %d, want %d: %d before, %d in fees, %d charged for %d of %d blocks at %d ucell",
			got, want, buyerBefore, uint64(txs)*s.Chain.Params.MinFee, charged, o.GetDelivery().GetServedBlocks(), o.GetServiceBlocks(), o.GetContract().GetPrice())
	}
	return o
}

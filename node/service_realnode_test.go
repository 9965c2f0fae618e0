package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
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

// svcManifest is the manifest of the test service: runtime/wasm's test
// reactor, serving its echo (1) and counter (2) slots.
const svcManifest = `
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

// svcPrice is the node's price of the service, for the whole duration,
// in ucell.
const svcPrice = 60_000

// svcNet is one real validator (internal/testchain) and one real node
// (node.New) that hosts the test service package.
type svcNet struct {
	t      testing.TB
	chain  *testchain.Chain
	pkg    spec.ID
	blob   []byte
	buyer  *service.Buyer
	cfg    *config.Config
	nodeOp ed25519.PrivateKey
	nodeK  ed25519.PrivateKey
	ln     string
	stop   context.CancelFunc
	done   chan error
	nd     *node.Node
}

func startSvcNet(t testing.TB) *svcNet {
	t.Helper()
	p := params.Default()
	p.RevealWindowBlocks = 3
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range []string{"buyer", "provider", "author"} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: testchain.Address(testchain.Key(name)).String(), Balance: 10_000_000_000})
	}
	ch := testchain.Start(t, testchain.Options{ChainID: "svc-test", Genesis: g})
	s := &svcNet{t: t, chain: ch, nodeOp: testchain.Key("provider"), nodeK: testchain.Key("node provider")}
	s.buyer = &service.Buyer{Client: ch.Client, Key: testchain.Key("buyer"), ChainID: ch.ChainID}

	dir := t.TempDir()
	pdir := filepath.Join(dir, "pkg")
	os.MkdirAll(pdir, 0o755)
	if err := os.WriteFile(filepath.Join(pdir, "svc.wasm"), wasmbuild.BuildReactor(t, "../runtime/wasm/testdata/svc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pdir, "cell.toml"), []byte(svcManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	pkg, err := packer.BuildSigned(pdir, spec.DefaultLimits(), testchain.Key("author"))
	if err != nil {
		t.Fatal(err)
	}
	s.pkg, s.blob = pkg.ID(), pkg.Encode()
	l := freeListen(t)
	s.ln = l
	ctx := context.Background()
	pub, sig := pkg.Signature()
	if _, err := ch.Client.Send(ctx, testchain.Key("author"), ch.ChainID, p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
		Envelope: pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(pkg.Spec().Bytes())),
		BlobLocations: []string{"http://" + l + nodeapi.BlobPath(sha256.Sum256(s.blob))}}}}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default(filepath.Join(dir, "node"))
	cfg.ChainRPC, cfg.Listen, cfg.Endpoint = ch.RPC, l, "http://"+l
	cfg.AllowPrivateFetch = true
	cfg.Pricing = config.Pricing{Base: svcPrice, Minimum: svcPrice, Floor: svcPrice}
	s.cfg = cfg
	bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := bs.Put(bytes.NewReader(s.blob)); err != nil {
		t.Fatal(err)
	}
	s.startNode()
	t.Cleanup(s.stopNode)
	return s
}

// freeListen returns a free loopback address.
func freeListen(t testing.TB) string {
	l := freeport.Listen(t)
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startNode starts the node (again, after stopNode: a restart on the
// same data directory).
func (s *svcNet) startNode() {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fcfg := follow.NewConfig().WithPollInterval(100*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	sender, err := client.NewSender(s.chain.Client, s.nodeOp, s.chain.ChainID, s.chain.Params.MinFee)
	if err != nil {
		s.t.Fatal(err)
	}
	var nd *node.Node
	for i := 0; ; i++ { // the restarted node's address may take a moment to be free
		nd, err = node.New(ctx, s.cfg, node.Options{NodeKey: s.nodeK, OperatorKey: s.nodeOp, Follow: &fcfg, Sender: sender})
		if err == nil || i == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.nd, s.stop, s.done = nd, cancel, make(chan error, 1)
	go func() { s.done <- nd.Run(ctx) }()
	deadline := time.Now().Add(time.Minute)
	for !nd.Healthy() {
		if time.Now().After(deadline) {
			s.t.Fatal("the node does not follow the chain")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stopNode stops the node and waits for it: it stops its instances and
// delivers what they served.
func (s *svcNet) stopNode() {
	if s.stop == nil {
		return
	}
	s.stop()
	if err := <-s.done; err != nil {
		s.t.Errorf("node: %v", err)
	}
	s.stop = nil
}

func (s *svcNet) order(id uint64) *ledgerpb.Order {
	s.t.Helper()
	r, err := s.chain.Client.Order(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return r.GetOrder()
}

// waitState waits until order id is in state.
func (s *svcNet) waitState(id uint64, state ledgerpb.OrderState) *ledgerpb.Order {
	s.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		o := s.order(id)
		if o.GetState() == state {
			return o
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("order %d is %s, not %s, after 90 s", id, market.StateName(o.GetState()), market.StateName(state))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *svcNet) balance(name string) uint64 {
	s.t.Helper()
	b, err := s.chain.Client.Balance(context.Background(), testchain.Address(testchain.Key(name)))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// settle waits for order id to close and checks that the buyer paid
// exactly ServiceCharge(price, served, blocks) of it, with fees the
// buyer's txs transactions cost.
func (s *svcNet) settle(id uint64, buyerBefore uint64, txs int) *ledgerpb.Order {
	s.t.Helper()
	o := s.waitState(id, ledgerpb.OrderState_ORDER_STATE_CLOSED)
	charged := market.ServiceCharge(o.GetContract().GetPrice(), o.GetDelivery().GetServedBlocks(), o.GetServiceBlocks())
	want := buyerBefore - uint64(txs)*s.chain.Params.MinFee - charged
	if got := s.balance("buyer"); got != want {
		s.t.Fatalf("buyer balance %d, want %d: %d before, %d in fees, %d charged for %d of %d blocks at %d ucell",
			got, want, buyerBefore, uint64(txs)*s.chain.Params.MinFee, charged, o.GetDelivery().GetServedBlocks(), o.GetServiceBlocks(), o.GetContract().GetPrice())
	}
	return o
}

// TestServiceOrderOnRealNode: a buyer orders the test service for 200
// blocks, calls its counter through the node (its memory lives across
// calls), stops it early, and pays for the blocks served only.
func TestServiceOrderOnRealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	s := startSvcNet(t)
	ctx := context.Background()
	before := s.balance("buyer")
	id, err := s.buyer.Start(ctx, service.Order{Package: s.pkg, Blocks: 200, MaxPrice: 2 * svcPrice, BidWindow: 10, DeliveryWindow: 20, ConfirmWindow: 3})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := s.buyer.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Ports, []int32{1, 2}) || a.State != nodeapi.ServiceRunning || a.EndHeight != a.AwardHeight+200 {
		t.Fatalf("access %+v", a)
	}
	for i := 1; i <= 3; i++ {
		got, err := s.buyer.Call(ctx, a, 2, nil)
		if err != nil || string(got) != strconv.Itoa(i) {
			t.Fatalf("counter call %d = %q, %v", i, got, err)
		}
	}
	if got, err := s.buyer.Call(ctx, a, 1, []byte("hello")); err != nil || string(got) != "hello" {
		t.Fatalf("echo = %q, %v", got, err)
	}
	// A forged token, an undeclared port, an oversized request: refused,
	// and the instance keeps serving.
	forged := *a
	forged.Token = strings.Repeat("ab", nodeapi.TokenSize)
	if _, err := s.buyer.Call(ctx, &forged, 2, nil); !nodeapi.IsStatus(err, 401) {
		t.Fatalf("forged token: %v", err)
	}
	if _, err := s.buyer.Call(ctx, a, 3, nil); !nodeapi.IsStatus(err, 400) {
		t.Fatalf("undeclared port: %v", err)
	}
	if got, err := s.buyer.Call(ctx, a, 2, nil); err != nil || string(got) != "4" {
		t.Fatalf("counter after the refusals = %q, %v", got, err)
	}
	// Someone else's signature gets no token.
	other := &service.Buyer{Client: s.chain.Client, Key: testchain.Key("author"), ChainID: s.chain.ChainID}
	if _, err := other.Access(ctx, id); !nodeapi.IsStatus(err, 403) {
		t.Fatalf("a token for a non-buyer: %v", err)
	}
	stopAt, err := s.buyer.Stop(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	o := s.waitState(id, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	d := o.GetDelivery()
	if want := uint64(stopAt - o.GetContract().GetAwardHeight()); d.GetServedBlocks() != want || d.GetCalls() != 5 {
		t.Fatalf("receipt: %d blocks, %d calls; want %d blocks (stopped at %d, awarded at %d), 5 calls",
			d.GetServedBlocks(), d.GetCalls(), want, stopAt, o.GetContract().GetAwardHeight())
	}
	if _, err := s.buyer.Call(ctx, a, 2, nil); !nodeapi.IsStatus(err, 401) && !nodeapi.IsStatus(err, 410) {
		t.Fatalf("a call after the stop: %v", err)
	}
	o = s.settle(id, before, 2)
	t.Logf("served %d of 200 blocks: paid %d of %d ucell", d.GetServedBlocks(), market.ServiceCharge(o.GetContract().GetPrice(), d.GetServedBlocks(), 200), o.GetContract().GetPrice())
	for deadline := time.Now().Add(30 * time.Second); !s.order(id).GetRatings().GetProviderRevealed(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the node did not reveal its rating of the buyer")
		}
	}
	list, err := s.buyer.List(ctx)
	if err != nil || len(list) != 1 || list[0].OrderID != id || list[0].Served != d.GetServedBlocks() || list[0].Node != s.cfg.Endpoint {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

// TestServiceNodeRestartBillsServedBlocks: the node stops while an
// instance runs; it stops the instance at its current height and
// delivers what it served, and after a restart the buyer is billed
// exactly those blocks.
func TestServiceNodeRestartBillsServedBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	s := startSvcNet(t)
	ctx := context.Background()
	before := s.balance("buyer")
	id, err := s.buyer.Start(ctx, service.Order{Package: s.pkg, Blocks: 500, MaxPrice: 2 * svcPrice, BidWindow: 10, DeliveryWindow: 30, ConfirmWindow: 3})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := s.buyer.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		dec, derr := (&nodeapi.Client{Endpoint: s.cfg.Endpoint}).Decision(ctx, id)
		t.Fatalf("%v (the node's decision: %+v, %v)", err, dec, derr)
	}
	if _, err := s.buyer.Call(ctx, a, 2, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	s.stopNode()
	usage := s.nd.Services()
	if len(usage) != 1 || usage[0].StopHeight == 0 {
		t.Fatalf("services after the stop: %+v", usage)
	}
	served := usage[0].ServedBlocks
	s.startNode()
	if _, err := s.buyer.Access(ctx, id); !nodeapi.IsStatus(err, 410) && !nodeapi.IsStatus(err, 404) {
		t.Fatalf("the restarted node serves the stopped instance: %v", err)
	}
	o := s.waitState(id, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	if got := o.GetDelivery().GetServedBlocks(); got != served || got == 0 || got >= 500 || o.GetDelivery().GetCalls() != 1 {
		t.Fatalf("delivered %d blocks, %d calls; the node served %d blocks", got, o.GetDelivery().GetCalls(), served)
	}
	s.settle(id, before, 1)
}

// BenchmarkServiceCall measures a call round trip to a warm service
// instance through the node's HTTP API on loopback (the counter slot:
// the module's own work is a few instructions): p50 and p95 in µs and
// calls/s.
func BenchmarkServiceCall(b *testing.B) {
	s := startSvcNet(b)
	ctx := context.Background()
	id, err := s.buyer.Start(ctx, service.Order{Package: s.pkg, Blocks: 10_000, MaxPrice: 2 * svcPrice, BidWindow: 10, DeliveryWindow: 20, ConfirmWindow: 3})
	if err != nil {
		b.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := s.buyer.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		b.Fatal(err)
	}
	for range 100 { // warm the connection and the instance
		if _, err := s.buyer.Call(ctx, a, 2, nil); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.buyer.Call(ctx, a, 1, []byte("ACGTACGTACGTACGT")); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
}

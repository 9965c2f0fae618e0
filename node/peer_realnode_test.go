package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/client/service/servicetest"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// The peer network of these tests: one validator and three nodes.
// Node 1 hosts the parent service but excludes the child; nodes 2 and 3
// exclude the parent and run the child, node 2 cheaper than node 3.
const (
	parentPrice = 60_000 // node 1's price of the parent, whole duration, ucell
	start2      = 1_000  // node 2's start price of the child
	start3      = 5_000  // node 3's
	perCall2    = 1_000
	perCall3    = 2_000
)

// peerManifest is the runtime's test service with the slots these tests
// call: 1 echo, 3 child, 5 net, 11 spend, 12 clock, 14 relay.
const peerManifest = `
name = "svc-peer"
version = "1.0.0"
kind = "compute"
skill = "compute/genomics/digest"
prose = "The runtime's test service."
architecture = "wasm32-wasip1"
files = %s

[entry]
path = "svc.wasm"
`

var peerPorts = []int32{1, 3, 5, 11, 12, 14}

type peerNode struct {
	cfg      *config.Config
	key, op  ed25519.PrivateKey
	run      *servicetest.Running
	operator string // account name
}

type peerNet struct {
	t             *testing.T
	ch            *testchain.Chain
	child, parent *spec.Package
	// netter is the svc module declaring the NET of the parent's
	// instances.
	netter *spec.Package
	nodes  [3]*peerNode
	buyer  *service.Buyer
	// cache is the compilation cache of the svc module.
	cache string
}

func svcSource() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "runtime", "wasm", "testdata", "svc")
}

// buildSvc packs the svc module with /child (if child != "") and the
// network tags, signed by the author.
func buildSvc(t *testing.T, module []byte, child string, networks ...string) *spec.Package {
	t.Helper()
	dir := t.TempDir()
	files := `["svc.wasm"]`
	if child != "" {
		files = `["svc.wasm", "child"]`
		os.WriteFile(filepath.Join(dir, "child"), []byte(child), 0o644)
	}
	os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(fmt.Sprintf(peerManifest, files)), 0o644)
	os.WriteFile(filepath.Join(dir, "svc.wasm"), module, 0o644)
	p, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	svc := proto.Clone(p.Spec().Service()).(*specpb.Service)
	svc.Api = &specpb.Api{}
	for _, port := range peerPorts {
		svc.Api.Slot = append(svc.Api.Slot, &specpb.Slot{Port: port})
	}
	for _, tag := range networks {
		svc.Network = append(svc.Network, &specpb.Network{Tags: []string{tag}})
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(svc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.DecodeSpec(raw, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	env := proto.Clone(p.Envelope()).(*specpb.Envelope)
	id := s.ID()
	env.PackageId = id[:]
	env.ServicePorts = peerPorts
	author := testchain.Address(testchain.Key("author"))
	env.Author = author[:]
	envRaw, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	out, err := spec.NewPackage(s, envRaw)
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Sign(testchain.Key("author")); err != nil {
		t.Fatal(err)
	}
	return out
}

// startPeerNet starts the network; tweak, if given, changes node i's
// configuration (0 is node 1) before it starts.
func startPeerNet(t *testing.T, tweak ...func(i int, cfg *config.Config)) *peerNet {
	t.Helper()
	p := params.Default()
	p.RevealWindowBlocks = 3
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range []string{"buyer", "author", "op1", "op2", "op3", "evil", "flooder"} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: testchain.Address(testchain.Key(name)).String(), Balance: 10_000_000_000})
	}
	ch := testchain.Start(t, testchain.Options{ChainID: "peer-test", Genesis: g})
	s := &peerNet{t: t, ch: ch, buyer: &service.Buyer{Client: ch.Client, Key: testchain.Key("buyer"), ChainID: ch.ChainID}}
	module := wasmbuild.BuildReactor(t, svcSource())
	s.child = buildSvc(t, module, "")
	s.parent = buildSvc(t, module, s.child.ID().String(), gateway.NetworkServicePrefix+s.child.ID().String())
	s.netter = buildSvc(t, module, "", gateway.NetworkServicePrefix+s.parent.ID().String())
	// The module is compiled once, here, and every node and local run
	// starts with that compilation cache: a node compiling under a loaded
	// machine would spend a parent's call wall time on it.
	s.cache = t.TempDir()
	warm, err := wasm.NewExecutor(context.Background(), wasm.NewConfig().WithCacheDir(s.cache).WithLimits(wasm.Limits{WallTime: node.MaxRunWallTime}))
	if err != nil {
		t.Fatal(err)
	}
	j, err := gateway.JobFor(s.child)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := warm.StartService(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	inst.Stop(context.Background())
	warm.Close(context.Background())
	listens := [3]string{}
	for i := range listens {
		listens[i] = servicetest.FreeListen(t)
	}
	ctx := context.Background()
	for _, pkg := range []*spec.Package{s.child, s.parent, s.netter} {
		pub, sig := pkg.Signature()
		blob := pkg.Encode()
		if _, err := ch.Client.Send(ctx, testchain.Key("author"), ch.ChainID, p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
			Envelope: pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(pkg.Spec().Bytes())),
			BlobLocations: []string{"http://" + listens[0] + nodeapi.BlobPath(sha256.Sum256(blob))}}}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range s.nodes {
		cfg := config.Default(filepath.Join(t.TempDir(), "node"))
		cfg.ChainRPC, cfg.Listen, cfg.Endpoint = ch.RPC, listens[i], "http://"+listens[i]
		cfg.AllowPrivateFetch = true
		cfg.Capacity = 4
		cfg.Pricing = config.Pricing{Base: parentPrice, Minimum: parentPrice, Floor: parentPrice, PerPackage: map[string]uint64{}}
		switch i {
		case 0:
			cfg.ExcludePackages = []string{s.child.ID().String()}
			cfg.Peer.Delegate = true
		case 1:
			cfg.ExcludePackages = []string{s.parent.ID().String(), s.netter.ID().String()}
			cfg.Pricing.PerPackage[s.child.ID().String()] = start2
			cfg.Peer.PerCall = perCall2
			cfg.Peer.MaxChildrenPerNode = 2
		case 2:
			cfg.ExcludePackages = []string{s.parent.ID().String(), s.netter.ID().String()}
			cfg.Pricing.PerPackage[s.child.ID().String()] = start3
			cfg.Peer.PerCall = perCall3
		}
		for _, f := range tweak {
			f(i, cfg)
		}
		if err := os.CopyFS(filepath.Join(cfg.DataDir, "wasm-cache"), os.DirFS(s.cache)); err != nil {
			t.Fatal(err)
		}
		bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range []*spec.Package{s.child, s.parent, s.netter} {
			if _, _, err := bs.Put(bytes.NewReader(pkg.Encode())); err != nil {
				t.Fatal(err)
			}
		}
		name := fmt.Sprintf("op%d", i+1)
		s.nodes[i] = &peerNode{cfg: cfg, key: testchain.Key("node " + name), op: testchain.Key(name), operator: name}
		s.startNode(i)
		t.Cleanup(func() { s.stopNode(i) })
	}
	// Every node is in the registry before the tests start.
	deadline := time.Now().Add(time.Minute)
	for i := range s.nodes {
		for {
			if _, err := ch.Client.Node(ctx, s.nodes[i].key.Public().(ed25519.PublicKey), 0); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d is not announced", i+1)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return s
}

func (s *peerNet) startNode(i int) {
	s.t.Helper()
	pn := s.nodes[i]
	pn.run = servicetest.RunNode(s.t, s.ch, pn.cfg, pn.key, pn.op)
}

func (s *peerNet) stopNode(i int) {
	if pn := s.nodes[i]; pn.run != nil {
		pn.run.Stop()
	}
}

func (s *peerNet) balance(name string) uint64 {
	s.t.Helper()
	b, err := s.ch.Client.Balance(context.Background(), testchain.Address(testchain.Key(name)))
	if err != nil {
		s.t.Fatal(err)
	}
	return b
}

// waitBalance waits until account name holds want.
func (s *peerNet) waitBalance(name string, want uint64) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := s.balance(name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s holds %d ucell, want %d (a difference of %d)", name, got, want, int64(got)-int64(want))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// order starts a service order of the parent and waits for its access.
func (s *peerNet) order() (uint64, *nodeapi.ServiceAccess) { return s.orderOf(s.parent) }

// orderOf starts a service order of pkg and waits for its access.
func (s *peerNet) orderOf(pkg *spec.Package) (uint64, *nodeapi.ServiceAccess) {
	s.t.Helper()
	ctx := context.Background()
	id, err := s.buyer.Start(ctx, service.Order{Package: pkg.ID(), Blocks: 2000, MaxPrice: parentPrice, BidWindow: 10, DeliveryWindow: 30, ConfirmWindow: 3})
	if err != nil {
		s.t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	a, err := s.buyer.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		s.t.Fatal(err)
	}
	if a.Address != s.nodes[0].cfg.Endpoint+nodeapi.ServicePath(id) {
		s.t.Fatalf("order %d runs at %s, not on node 1", id, a.Address)
	}
	return id, a
}

// localRun starts the parent as node 1 starts it for order id, but in
// this process with every child run here: the reference answers.
func (s *peerNet) localRun(id uint64) *wasm.Instance {
	s.t.Helper()
	ctx := context.Background()
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(s.cache))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { e.Close(ctx) })
	j, err := gateway.JobFor(s.parent)
	if err != nil {
		s.t.Fatal(err)
	}
	j.Seed = batch.OrderSeed(id, s.parent.ID(), [32]byte{})
	j.MaxRequest, j.MaxResponse = nodeapi.MaxServiceRequest, nodeapi.MaxServiceResponse
	tree, err := gateway.NewTree(gateway.Config{Fetcher: pkgMap{s.child.ID(): s.child, s.parent.ID(): s.parent},
		Runner: gateway.LocalRunner{Executor: e}, Memory: j.Limits.Memory, Seed: j.Seed})
	if err != nil {
		s.t.Fatal(err)
	}
	j.Pool, j.Gateway = tree.Pool(), tree.Root(s.parent.ID(), s.parent.Spec())
	inst, err := e.StartService(ctx, j)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { inst.Stop(ctx) })
	return inst
}

type pkgMap map[spec.ID]*spec.Package

func (m pkgMap) Fetch(_ context.Context, id spec.ID) (*spec.Package, error) {
	if p := m[id]; p != nil {
		return p, nil
	}
	return nil, fmt.Errorf("package %s: %w", id, abi.ErrUnknownService)
}

// TestPeerDelegationThreeNodes: node 1 cannot run the parent's child; it
// is delegated to node 2 (cheaper than node 3), the answers are those of
// a local run, and node 2's operator is paid its quote for each child.
// Then node 2 stops: it is dropped and node 3 takes over, with the same
// answers.
func TestPeerDelegationThreeNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	ctx := context.Background()
	id, a := s.order()
	local := s.localRun(id)
	relay := []byte(s.child.ID().String() + " 12 x") // the child's clock and random bytes: its seed's

	op2, op3 := s.balance("op2"), s.balance("op3")
	var answers []string
	for i := range 2 {
		got, err := s.buyer.Call(ctx, a, 14, relay)
		if err != nil {
			t.Fatalf("relay call %d: %v", i, err)
		}
		want, err := local.Call(ctx, 14, relay)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("relay call %d through node 2 = %q, a local run answers %q", i, got, want)
		}
		answers = append(answers, string(got))
	}
	if answers[0] == answers[1] {
		t.Fatalf("two children answered the same random bytes: %q", answers[0])
	}
	if got, err := s.buyer.Call(ctx, a, 3, []byte("hi")); err != nil || string(got) != "child: hi" {
		t.Fatalf("child call = %q, %v", got, err)
	}
	if _, err := local.Call(ctx, 3, []byte("hi")); err != nil {
		t.Fatal(err)
	}
	// Three children on node 2, each paid its start and one call; node 3
	// nothing.
	s.waitBalance("op2", op2+3*(start2+perCall2))
	if got := s.balance("op3"); got != op3 {
		t.Fatalf("node 3's operator went from %d to %d ucell", op3, got)
	}

	// Node 2 goes away (still in the registry): it is dropped, node 3
	// takes over.
	s.stopNode(1)
	op2 = s.balance("op2")
	got, err := s.buyer.Call(ctx, a, 14, relay)
	if err != nil {
		t.Fatal(err)
	}
	want, err := local.Call(ctx, 14, relay)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("relay call through node 3 = %q, a local run answers %q", got, want)
	}
	s.waitBalance("op3", op3+start3+perCall3)
	if got := s.balance("op2"); got != op2 {
		t.Fatalf("the stopped node 2's operator went from %d to %d ucell", op2, got)
	}
}

// evilPeer is a registered node that does not run what it is asked: it
// answers the peer routes itself, as its mode says.
type evilPeer struct {
	srv  *httptest.Server
	mode atomic.Value // string
	// quotes, starts, calls and stops count its requests.
	quotes, starts, calls, stops atomic.Int64
}

// The modes of an evil peer.
const (
	evilWrongAnswer = "wrong answer, overcharge at stop" // quotes cheapest, answers "forged", claims 1,000,000 ucell at stop
	evilOvercharge  = "overcharge at start"              // quotes cheapest, starts at 1,000,000 ucell
	evilSilent      = "never answers"                    // quotes after a minute
	evilFlaky       = "fails mid-way"                    // quotes cheapest per call, echoes 20 calls, then fails (502)
)

// flakyCalls is the number of calls a flaky peer answers.
const flakyCalls = 20

// startEvil serves an evil peer and announces it in the registry as the
// node of the account "evil".
func (s *peerNet) startEvil(mode string) *evilPeer {
	s.t.Helper()
	e := &evilPeer{}
	e.mode.Store(mode)
	mux := http.NewServeMux()
	mux.HandleFunc(nodeapi.RoutePeerQuote, func(w http.ResponseWriter, r *http.Request) {
		e.quotes.Add(1)
		var q nodeapi.PeerQuoteRequest
		json.NewDecoder(r.Body).Decode(&q)
		if e.mode.Load() == evilSilent {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		if e.mode.Load() == evilFlaky {
			json.NewEncoder(w).Encode(nodeapi.PeerQuote{ServiceID: q.ServiceID, Start: 1, PerCall: 900})
			return
		}
		json.NewEncoder(w).Encode(nodeapi.PeerQuote{ServiceID: q.ServiceID, Start: 1, PerCall: 1})
	})
	mux.HandleFunc(nodeapi.RoutePeerStart, func(w http.ResponseWriter, r *http.Request) {
		e.starts.Add(1)
		c := nodeapi.PeerChild{Child: strings.Repeat("ee", nodeapi.ChildIDSize), Start: 1, PerCall: 1}
		switch e.mode.Load() {
		case evilOvercharge:
			c.Start = 1_000_000
		case evilFlaky:
			c.PerCall = 900
		}
		json.NewEncoder(w).Encode(c)
	})
	mux.HandleFunc(nodeapi.RoutePeerCall, func(w http.ResponseWriter, r *http.Request) {
		n := e.calls.Add(1)
		if e.mode.Load() != evilFlaky {
			w.Write([]byte("forged"))
			return
		}
		if n > flakyCalls {
			http.Error(w, "gone", http.StatusBadGateway)
			return
		}
		b, _ := io.ReadAll(r.Body) // the echo slot's answer
		w.Write(b)
	})
	mux.HandleFunc(nodeapi.RoutePeerStop, func(w http.ResponseWriter, r *http.Request) {
		e.stops.Add(1)
		json.NewEncoder(w).Encode(nodeapi.PeerUsage{Child: r.PathValue(nodeapi.PathChild), Calls: 1000, Owed: 1_000_000})
	})
	e.srv = httptest.NewServer(mux)
	s.t.Cleanup(e.srv.Close)
	s.announce("evil", e.srv.URL)
	return e
}

// announce registers the node key "node NAME" of account name at
// endpoint.
func (s *peerNet) announce(name, endpoint string) {
	s.t.Helper()
	key, op := testchain.Key("node "+name), testchain.Key(name)
	if _, err := s.ch.Client.Send(context.Background(), op, s.ch.ChainID, s.ch.Params.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: &ledgerpb.MsgAnnounceNode{
		NodePubkey: key.Public().(ed25519.PublicKey), Endpoint: endpoint, Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 1,
		NodeSignature: registry.SignNodeKeyProof(key, s.ch.ChainID, testchain.Address(op)),
	}}}); err != nil {
		s.t.Fatal(err)
	}
}

// relayTwice calls the relay port on node 1 and on a local run and
// returns both answers.
func (s *peerNet) relayOnce(a *nodeapi.ServiceAccess, local *wasm.Instance) (got, want string) {
	s.t.Helper()
	ctx := context.Background()
	relay := []byte(s.child.ID().String() + " 12 x")
	g, err := s.buyer.Call(ctx, a, 14, relay)
	if err != nil {
		s.t.Fatal(err)
	}
	w, err := local.Call(ctx, 14, relay)
	if err != nil {
		s.t.Fatal(err)
	}
	return string(g), string(w)
}

// TestPeerAttackWrongAnswerAndOverchargeAtStop: the cheapest peer answers
// a forged response and claims 1,000,000 ucell at stop. The delegating
// node cannot tell a wrong answer (it relays it, as a buyer gets a
// service's answers: see the trust model), but it pays the peer exactly
// its quote for the call it counted: 2 ucell.
func TestPeerAttackWrongAnswerAndOverchargeAtStop(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	e := s.startEvil(evilWrongAnswer)
	_, a := s.order()
	evil, op2 := s.balance("evil"), s.balance("op2")
	got, err := s.buyer.Call(context.Background(), a, 14, []byte(s.child.ID().String()+" 12 x"))
	if err != nil || string(got) != "forged" {
		t.Fatalf("relay call = %q, %v: want the evil peer's answer", got, err)
	}
	s.waitBalance("evil", evil+1+1)
	time.Sleep(time.Second) // no second payment comes
	if got := s.balance("evil"); got != evil+2 {
		t.Fatalf("the evil peer holds %d, want %d", got, evil+2)
	}
	if got := s.balance("op2"); got != op2 {
		t.Fatalf("node 2's operator went from %d to %d", op2, got)
	}
	if e.stops.Load() != 1 {
		t.Fatalf("the child was stopped %d times on the evil peer", e.stops.Load())
	}
}

// TestPeerAttackOverchargeAtStart: the cheapest peer's start answers a
// price above its quote: the node stops it there, drops it unpaid, and
// the child runs on node 2, answering as a local run.
func TestPeerAttackOverchargeAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	e := s.startEvil(evilOvercharge)
	id, a := s.order()
	local := s.localRun(id)
	evil, op2 := s.balance("evil"), s.balance("op2")
	if got, want := s.relayOnce(a, local); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	s.waitBalance("op2", op2+start2+perCall2)
	if got := s.balance("evil"); got != evil {
		t.Fatalf("the overcharging peer went from %d to %d", evil, got)
	}
	if e.starts.Load() != 1 || e.stops.Load() != 1 {
		t.Fatalf("the overcharging peer: %d starts, %d stops; want 1 and 1", e.starts.Load(), e.stops.Load())
	}
}

// TestPeerAttackNeverAnswers: the cheapest peer never answers its quote:
// it is left out after the quote's timeout, and the child runs on node 2.
func TestPeerAttackNeverAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	e := s.startEvil(evilSilent)
	id, a := s.order()
	local := s.localRun(id)
	evil, op2 := s.balance("evil"), s.balance("op2")
	t0 := time.Now()
	if got, want := s.relayOnce(a, local); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Fatalf("the call took %s: the silent peer held it", d)
	}
	s.waitBalance("op2", op2+start2+perCall2)
	if got := s.balance("evil"); got != evil || e.starts.Load() != 0 || e.quotes.Load() == 0 {
		t.Fatalf("the silent peer: balance %d → %d, %d quotes asked, %d starts", evil, got, e.quotes.Load(), e.starts.Load())
	}
}

// TestPeerAttackStartFlood: a registered node floods node 2 with starts:
// beyond peer.max_children_per_node (2) it is refused with 429, and node
// 1's delegation to node 2 still works.
func TestPeerAttackStartFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	s.announce("flooder", "http://127.0.0.1:1")
	waitRegistered(t, s, "flooder")
	ctx := context.Background()
	c := &nodeapi.Client{Endpoint: s.nodes[1].cfg.Endpoint, Key: testchain.Key("node flooder")}
	req := nodeapi.PeerStartRequest{ServiceID: s.child.ID().String(), Seed: strings.Repeat("00", 32), MaxStart: start2, MaxPerCall: perCall2}
	var children []string
	for i := range 5 {
		ch, err := c.PeerStart(ctx, req)
		switch {
		case i < 2 && err != nil:
			t.Fatalf("start %d: %v", i, err)
		case i < 2:
			children = append(children, ch.Child)
		case !nodeapi.IsStatus(err, http.StatusTooManyRequests):
			t.Fatalf("start %d: %v, want 429", i, err)
		}
	}
	// Node 1's own children still start on node 2.
	id, a := s.order()
	local := s.localRun(id)
	op2 := s.balance("op2")
	if got, want := s.relayOnce(a, local); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	s.waitBalance("op2", op2+start2+perCall2)
	// Its children are its own: the flooder stops them, nobody else can.
	other := &nodeapi.Client{Endpoint: s.nodes[1].cfg.Endpoint, Key: s.nodes[0].key}
	if _, err := other.PeerCall(ctx, children[0], 1, []byte("x")); !nodeapi.IsStatus(err, http.StatusForbidden) {
		t.Fatalf("another node's call of the flooder's child: %v, want 403", err)
	}
	for _, ch := range children {
		if u, err := c.PeerStop(ctx, ch); err != nil || u.Owed != start2 {
			t.Fatalf("stop %s: %+v, %v", ch, u, err)
		}
	}
	if _, err := c.PeerStart(ctx, req); err != nil {
		t.Fatalf("a start after the stops: %v", err)
	}
}

func waitRegistered(t *testing.T, s *peerNet, name string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.ch.Client.Node(context.Background(), testchain.Key("node "+name).Public().(ed25519.PublicKey), 0); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s is not registered", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPeerAttackForgedDelegation: peer requests whose signature does not
// verify, or that an unregistered key signs, are refused before anything
// starts.
func TestPeerAttackForgedDelegation(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	ctx := context.Background()
	ep := s.nodes[1].cfg.Endpoint
	req := nodeapi.PeerStartRequest{ServiceID: s.child.ID().String(), Seed: strings.Repeat("00", 32), MaxStart: start2, MaxPerCall: perCall2}

	// A registered node's signature over another body: the body check
	// fails; a signature with a flipped byte does not verify.
	body, _ := json.Marshal(req)
	for _, tc := range []struct {
		name   string
		tamper func(r *http.Request)
		status int
	}{
		{"flipped signature", func(r *http.Request) {
			h := r.Header.Get(nodeapi.SignatureHeader)
			r.Header.Set(nodeapi.SignatureHeader, h[:len(h)-2]+map[bool]string{true: "00", false: "01"}[strings.HasSuffix(h, "01")])
		}, http.StatusUnauthorized},
		{"unsigned", func(r *http.Request) { r.Header.Del(nodeapi.SignatureHeader) }, http.StatusUnauthorized},
	} {
		r, _ := http.NewRequest(http.MethodPost, ep+"/v1/peer/children", bytes.NewReader(body))
		nodeapi.Sign(r, s.nodes[0].key, nodeapi.BodyOf(body), time.Now().Add(time.Minute))
		tc.tamper(r)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
	// A well-formed signature of a key no registered node has.
	stranger := &nodeapi.Client{Endpoint: ep, Key: testchain.Key("node stranger")}
	if _, err := stranger.PeerStart(ctx, req); !nodeapi.IsStatus(err, http.StatusForbidden) {
		t.Fatalf("unregistered signer: %v, want 403", err)
	}
	if _, err := stranger.PeerQuote(ctx, req.ServiceID); !nodeapi.IsStatus(err, http.StatusForbidden) {
		t.Fatalf("unregistered signer's quote: %v, want 403", err)
	}
	// A registered node asking for a price below the peer's is refused.
	cheap := req
	cheap.MaxStart = start2 - 1
	if _, err := (&nodeapi.Client{Endpoint: ep, Key: s.nodes[0].key}).PeerStart(ctx, cheap); !nodeapi.IsStatus(err, http.StatusConflict) {
		t.Fatalf("below the price: %v, want 409", err)
	}
	// A cycle: the child is its own ancestor.
	cyc := req
	cyc.Ancestors = []string{s.child.ID().String()}
	if _, err := (&nodeapi.Client{Endpoint: ep, Key: s.nodes[0].key}).PeerStart(ctx, cyc); !nodeapi.IsStatus(err, http.StatusConflict) {
		t.Fatalf("cycle: %v, want 409", err)
	}
	// An excluded package is not run for peers.
	parent := req
	parent.ServiceID = s.parent.ID().String()
	if _, err := (&nodeapi.Client{Endpoint: ep, Key: s.nodes[0].key}).PeerStart(ctx, parent); !nodeapi.IsStatus(err, http.StatusNotFound) {
		t.Fatalf("excluded package: %v, want 404", err)
	}
}

// TestPeerFailoverMidCall: the parent's spend slot keeps one child and
// calls its echo until the budget (the order's price) runs out. The child
// is on the cheapest peer, which answers 20 calls and then fails: it is
// dropped, the child starts again on node 2 with the 20 calls replayed
// (so its memory is the same), and the calls go on. None is lost; the
// failed peer is paid nothing, node 2 its quote for every call it
// answered.
func TestPeerFailoverMidCall(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	id, a := s.order()
	// Node 2 runs the child once, so that it has compiled the module
	// before the spend's calls are timed.
	if got, want := s.relayOnce(a, s.localRun(id)); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	e := s.startEvil(evilFlaky)
	time.Sleep(time.Second) // the first payment lands
	evil, op2, op3 := s.balance("evil"), s.balance("op2"), s.balance("op3")
	got, err := s.buyer.Call(context.Background(), a, 11, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	// The tree is billed the flaky peer's quote: 1 ucell at start, then
	// 900 a call until the 58,000 ucell the warm-up left are spent.
	calls := uint64((parentPrice - (start2 + perCall2) - 1) / 900)
	if want := fmt.Sprintf("%d calls, then: ", calls); !strings.HasPrefix(string(got), want) {
		t.Fatalf("spend = %q, want %q…", got, want)
	}
	if n := e.calls.Load(); n != flakyCalls+1 {
		t.Fatalf("the flaky peer got %d calls, want %d", n, flakyCalls+1)
	}
	// Node 2 answered every call: the 20 replayed, and the rest.
	s.waitBalance("op2", op2+start2+perCall2*calls)
	if got := s.balance("evil"); got != evil {
		t.Fatalf("the failed peer went from %d to %d ucell", evil, got)
	}
	if got := s.balance("op3"); got != op3 {
		t.Fatalf("node 3 went from %d to %d ucell", op3, got)
	}
}

// TestNetDirectoryThroughNode: a service declaring the NET of the
// parent's service id gets the address of the parent's instance on the
// node with a token issued to it, with which it (here, the test in its
// name) calls that instance; NET names it did not declare are refused,
// and a declared service with no verified instance answers none.
func TestNetDirectoryThroughNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	ctx := context.Background()
	parentID, pa := s.order()
	_, na := s.orderOf(s.netter)
	netOf := func(a *nodeapi.ServiceAccess, name string) (string, error) {
		b, err := s.buyer.Call(ctx, a, 5, []byte(name))
		return string(b), err
	}
	got, err := netOf(na, gateway.NetworkServicePrefix+s.parent.ID().String())
	if err != nil {
		t.Fatal(err)
	}
	addr, tok, ok := strings.Cut(got, "#token=")
	if !ok || addr != s.nodes[0].cfg.Endpoint+nodeapi.ServicePath(parentID) {
		t.Fatalf("NET answer %q, want the parent's instance on node 1 with a token", got)
	}
	again, err := netOf(na, gateway.NetworkServicePrefix+s.parent.ID().String())
	if err != nil || again != got {
		t.Fatalf("asked again: %q, %v; want the same token", again, err)
	}
	b, err := (&nodeapi.Client{}).CallService(ctx, &nodeapi.ServiceAccess{OrderID: parentID, Address: addr, Token: tok}, 1, []byte("ping"))
	if err != nil || string(b) != "ping" {
		t.Fatalf("a call with the NET token: %q, %v", b, err)
	}
	// The buyer's own token still works.
	if b, err := s.buyer.Call(ctx, pa, 1, []byte("pong")); err != nil || string(b) != "pong" {
		t.Fatalf("the buyer's call: %q, %v", b, err)
	}
	// Undeclared names are refused, by the parent as by the netter.
	for _, tc := range []struct {
		a    *nodeapi.ServiceAccess
		name string
	}{
		{pa, gateway.NetworkServicePrefix + s.parent.ID().String()},
		{na, gateway.NetworkDevnet},
		{na, gateway.NetworkServicePrefix + s.child.ID().String()},
		{na, "example.org:443"},
	} {
		if got, err := netOf(tc.a, tc.name); !nodeapi.IsStatus(err, http.StatusUnprocessableEntity) || !strings.Contains(err.Error(), abi.ErrNetworkNotDeclared.Error()) {
			t.Errorf("NET %q: %q, %v; want refused as not declared", tc.name, got, err)
		}
	}
	// Declared, but node 1 verified no instance of the child (it runs
	// none, and none is delegated now): no address.
	if got, err := netOf(pa, gateway.NetworkServicePrefix+s.child.ID().String()); err != nil || got != "" {
		t.Fatalf("NET of the child = %q, %v; want none", got, err)
	}
}

// TestPeerAttackWrongAnswerReplicated: with peer.replicas = 2 the
// cheapest peer's forged answer differs from node 2's; node 3 breaks the
// tie, the liar is dropped unpaid, and the buyer gets the answer of a
// local run. Nodes 2 and 3 are paid their quotes.
func TestPeerAttackWrongAnswerReplicated(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t, func(i int, cfg *config.Config) {
		if i == 0 {
			cfg.Peer.Replicas = 2
		}
	})
	e := s.startEvil(evilWrongAnswer)
	id, a := s.order()
	local := s.localRun(id)
	evil, op2, op3 := s.balance("evil"), s.balance("op2"), s.balance("op3")
	if got, want := s.relayOnce(a, local); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	s.waitBalance("op2", op2+start2+perCall2)
	s.waitBalance("op3", op3+start3+perCall3)
	if got := s.balance("evil"); got != evil {
		t.Fatalf("the lying peer went from %d to %d ucell", evil, got)
	}
	if e.starts.Load() != 1 || e.stops.Load() != 1 {
		t.Fatalf("the lying peer: %d starts, %d stops; want 1 and 1", e.starts.Load(), e.stops.Load())
	}
}

// fixedPrice prices every child alike.
type fixedPrice gateway.Price

func (f fixedPrice) Price(context.Context, *spec.Package) (gateway.Price, error) {
	return gateway.Price(f), nil
}

// TestPeerRelayOverhead measures a delegated child's call against a
// local one: the spend slot calls its child until node 2's quote has
// spent the order's price (5,900 calls), through node 1 with the child on
// node 2, then in this process with the child local and priced alike.
// It logs both and their ratio (go test -run TestPeerRelayOverhead -v).
func TestPeerRelayOverhead(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and three nodes")
	}
	s := startPeerNet(t)
	id, a := s.order()
	ctx := context.Background()
	// Node 2 runs the child once, so that it has compiled the module.
	if got, want := s.relayOnce(a, s.localRun(id)); got != want {
		t.Fatalf("relay call = %q, a local run answers %q", got, want)
	}
	budget := uint64(parentPrice - (start2 + perCall2)) // what the warm-up left
	calls := (budget - start2) / perCall2
	t0 := time.Now()
	got, err := s.buyer.Call(ctx, a, 11, []byte("x"))
	relayed := time.Since(t0)
	if err != nil || !strings.HasPrefix(string(got), fmt.Sprintf("%d calls, then: ", calls)) {
		t.Fatalf("delegated spend = %q, %v", got, err)
	}

	e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(s.cache))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	j, err := gateway.JobFor(s.parent)
	if err != nil {
		t.Fatal(err)
	}
	j.Seed = batch.OrderSeed(id, s.parent.ID(), [32]byte{})
	tree, err := gateway.NewTree(gateway.Config{Fetcher: pkgMap{s.child.ID(): s.child}, Runner: gateway.LocalRunner{Executor: e},
		Memory: j.Limits.Memory, Seed: j.Seed, Budget: budget, Pricer: fixedPrice{Start: start2, PerCall: perCall2}})
	if err != nil {
		t.Fatal(err)
	}
	j.Pool, j.Gateway = tree.Pool(), tree.Root(s.parent.ID(), s.parent.Spec())
	inst, err := e.StartService(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop(ctx)
	if _, err := inst.Call(ctx, 1, nil); err != nil { // compiled and warm, as on the node
		t.Fatal(err)
	}
	t0 = time.Now()
	want, err := inst.Call(ctx, 11, []byte("x"))
	local := time.Since(t0)
	if err != nil || !strings.HasPrefix(string(want), fmt.Sprintf("%d calls, then: ", calls)) {
		t.Fatalf("local spend = %q, %v; delegated %q", want, err, got)
	}
	t.Logf("%d child calls: delegated to node 2 %s (%.0f µs a call), local %s (%.0f µs a call, child start included): %.1f×",
		calls, relayed.Round(time.Millisecond), float64(relayed.Microseconds())/float64(calls),
		local.Round(time.Millisecond), float64(local.Microseconds())/float64(calls), float64(relayed)/float64(local))
}

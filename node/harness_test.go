package node

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/netutil"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// fakeChain answers the node's state queries from maps.
type fakeChain struct {
	mu       sync.Mutex
	orders   map[uint64]*ledgerpb.Order
	packages map[spec.ID]*ledgerpb.Package
	nodes    map[string]*ledgerpb.Node
}

func newFakeChain() *fakeChain {
	return &fakeChain{orders: map[uint64]*ledgerpb.Order{}, packages: map[spec.ID]*ledgerpb.Package{}, nodes: map[string]*ledgerpb.Node{}}
}

// The fake chain's answers, as the ledger gives them: a record that does
// not exist is query.ErrNotFound.

func (c *fakeChain) Order(_ context.Context, id uint64) (*ledgerpb.OrderResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.orders[id]
	if !ok {
		return nil, query.ErrNotFound.Errorf("order %d: no such order", id)
	}
	return &ledgerpb.OrderResponse{Order: proto.Clone(o).(*ledgerpb.Order)}, nil
}

func (c *fakeChain) Package(_ context.Context, id []byte) (*ledgerpb.Package, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.packages[packageID(id)]
	if !ok {
		return nil, query.ErrNotFound.Errorf("package %x is not registered", id)
	}
	return proto.Clone(p).(*ledgerpb.Package), nil
}

func (c *fakeChain) Node(_ context.Context, key []byte, _ int64) (*ledgerpb.NodeStatus, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	nd, ok := c.nodes[string(key)]
	if !ok {
		return nil, query.ErrNotFound.Errorf("no node has key %x", key)
	}
	return &ledgerpb.NodeStatus{Node: nd}, nil
}

func (c *fakeChain) Nodes(context.Context, address.Address, int64) iter.Seq2[*ledgerpb.NodeStatus, error] {
	c.mu.Lock()
	defer c.mu.Unlock()
	var all []*ledgerpb.NodeStatus
	for _, nd := range c.nodes {
		all = append(all, &ledgerpb.NodeStatus{Node: nd})
	}
	return func(yield func(*ledgerpb.NodeStatus, error) bool) {
		for _, n := range all {
			if !yield(n, nil) {
				return
			}
		}
	}
}

func (c *fakeChain) Balance(context.Context, address.Address) (uint64, error) { return 1 << 40, nil }

func (c *fakeChain) Params(context.Context) (*ledgerpb.Params, error) {
	return nil, errors.New("params: not faked")
}

func (c *fakeChain) Verifier(_ context.Context, key []byte) (*ledgerpb.Verifier, error) {
	return nil, query.ErrNotFound.Errorf("node %x is no verifier", key)
}

func (c *fakeChain) Skill(_ context.Context, path string) (*ledgerpb.Skill, error) {
	return nil, query.ErrNotFound.Errorf("skill %q: no such skill", path)
}

func (c *fakeChain) ReputationRoot(context.Context) (*ledgerpb.ReputationRoot, error) {
	return nil, query.ErrNotFound.Errorf("no reputation root has been accepted yet")
}

func (c *fakeChain) AcceptedRoot(context.Context) (proofapi.Root, bool, error) {
	return proofapi.Root{}, false, nil
}

// testNode is a node with a fake chain, serving its HTTP API.
type testNode struct {
	*Node
	chain *fakeChain
	url   string
}

// newTestNode starts a node's HTTP server against chain; adjust changes
// its config first.
func newTestNode(t testing.TB, chain *fakeChain, adjust func(*config.Config)) *testNode {
	t.Helper()
	home := t.TempDir()
	ln := freeport.Listen(t)
	cfg := config.Default(home)
	cfg.ChainRPC = "http://127.0.0.1:1"
	cfg.Endpoint = "http://" + ln.Addr().String()
	if adjust != nil {
		adjust(cfg)
	}
	_, nk, _ := ed25519.GenerateKey(nil)
	_, op, _ := ed25519.GenerateKey(nil)
	n, err := New(t.Context(), cfg, Options{NodeKey: nk, OperatorKey: op, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	n.query = chain
	n.chainID = "test-chain"
	srv := n.server()
	go srv.Serve(netutil.LimitListener(ln, cfg.MaxConnections))
	t.Cleanup(func() {
		srv.Close()
		n.exec.Close(context.Background())
	})
	chain.mu.Lock()
	chain.nodes[string(n.nodePub)] = &ledgerpb.Node{NodePubkey: n.nodePub, Endpoint: cfg.Endpoint}
	chain.mu.Unlock()
	return &testNode{Node: n, chain: chain, url: cfg.Endpoint}
}

// envelopeWithInputs returns envelope bytes declaring the given inputs.
func envelopeWithInputs(names ...string) []byte {
	env := &specpb.Envelope{Name: "test", Version: "1.0.0", Kind: specpb.Kind_KIND_COMPUTE, Skill: "compute/test"}
	for _, n := range names {
		env.Inputs = append(env.Inputs, &specpb.Port{Name: n})
	}
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	return b
}

// orderFixture is an order awarded to a test node, with its provider job
// recorded, whose package declares the given inputs.
type orderFixture struct {
	id    uint64
	buyer ed25519.PrivateKey
	pkg   spec.ID
}

func (tn *testNode) awardOrder(t testing.TB, id uint64, inputs ...string) orderFixture {
	t.Helper()
	_, buyer, _ := ed25519.GenerateKey(nil)
	addr, _ := address.FromPubKey(buyer.Public().(ed25519.PublicKey))
	pid := spec.ID(sha256.Sum256([]byte("package " + strconv.FormatUint(id, 10))))
	root := sha256.Sum256([]byte("inputs " + strconv.FormatUint(id, 10)))
	o := &ledgerpb.Order{Id: id, Buyer: addr[:], PackageId: pid[:], InputRoot: root[:], State: ledgerpb.OrderState_ORDER_STATE_AWARDED,
		Contract: &ledgerpb.Contract{NodeKey: tn.nodePub}}
	tn.chain.mu.Lock()
	tn.chain.orders[id] = o
	tn.chain.packages[pid] = &ledgerpb.Package{PackageId: pid[:], Envelope: envelopeWithInputs(inputs...), SpecSize: 100}
	tn.chain.mu.Unlock()
	j, err := newJob(o, nodeapi.RoleProvider, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := tn.jobs.create(j); err != nil {
		t.Fatal(err)
	}
	return orderFixture{id: id, buyer: buyer, pkg: pid}
}

// signedRequest returns a request signed by key for a body of the given
// declaration, valid for a minute.
func signedRequest(t testing.TB, key ed25519.PrivateKey, method, url string, body io.Reader, decl nodeapi.Body) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if key != nil {
		nodeapi.Sign(req, key, decl, time.Now().Add(time.Minute))
	}
	return req
}

func do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

func inputURL(tn *testNode, id uint64, name string) string {
	return tn.url + "/v1/orders/" + strconv.FormatUint(id, 10) + "/inputs/" + name
}

// upload PUTs body as input name of order f, signed by its buyer.
func (tn *testNode) upload(t testing.TB, f orderFixture, name string, body []byte) (int, string) {
	t.Helper()
	return do(t, signedRequest(t, f.buyer, "PUT", inputURL(tn, f.id, name), bytes.NewReader(body), nodeapi.BodyOf(body)))
}

// zeros is an endless reader of zero bytes that allocates nothing.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// memory samples the process's resident memory (VmRSS) until stopped and
// returns the peak, in bytes.
type memory struct {
	stop chan struct{}
	done chan int64
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func sampleMemory() *memory {
	m := &memory{stop: make(chan struct{}), done: make(chan int64, 1)}
	go func() {
		peak := rss()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stop:
				m.done <- max(peak, rss())
				return
			case <-tick.C:
				peak = max(peak, rss())
			}
		}
	}()
	return m
}

func (m *memory) peak() int64 {
	close(m.stop)
	return <-m.done
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func sumHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// helloPackage returns an unsigned .cellpkg of the spec pinned in
// spec/testdata, its blob hash and its registry record (without
// locations).
func helloPackage(t testing.TB) ([]byte, [32]byte, *ledgerpb.Package) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "spec", "testdata", "hello.spec"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.DecodeSpec(raw, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	env, err := proto.MarshalOptions{Deterministic: true}.Marshal(&specpb.Envelope{
		PackageId: id[:], Name: "hello", Version: "1.0.0", Kind: specpb.Kind_KIND_COMPUTE, Skill: "compute/greeting",
		Parameters: []*specpb.Parameter{{Name: "NAME", Default: proto.String("world")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.NewPackage(s, env)
	if err != nil {
		t.Fatal(err)
	}
	blob := p.Encode()
	return blob, sha256.Sum256(blob), &ledgerpb.Package{PackageId: id[:], Envelope: env, SpecSize: uint64(len(s.Bytes())),
		Kind: ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE}
}

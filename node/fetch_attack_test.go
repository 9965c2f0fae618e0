package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
)

// packageServer serves blob (whatever the path asks) and counts the
// requests and bytes served.
func packageServer(t testing.TB, blob []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(blob)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func register(chain *fakeChain, rec *ledgerpb.Package, locations ...string) {
	chain.mu.Lock()
	defer chain.mu.Unlock()
	rec.BlobLocations = locations
	chain.packages[packageID(rec.GetPackageId())] = rec
}

// TestFetchFromPrivateAddresses is the attack of a package registered at
// a URL of the node's own network (SSRF): before, the node fetched any
// URL. Now, unless allow_private_fetch, it refuses to dial an address
// that is not public, checked at dial time so that a name resolving to
// one is refused too.
func TestFetchFromPrivateAddresses(t *testing.T) {
	for ip, public := range map[string]bool{
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false, "169.254.169.254": false,
		"100.64.0.1": false, "0.0.0.0": false, "224.0.0.1": false, "255.255.255.255": false,
		"::1": false, "::": false, "fe80::1": false, "fd00::1": false, "::ffff:127.0.0.1": false, "::ffff:10.0.0.1": false, "64:ff9b::a00:1": false,
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "::ffff:8.8.8.8": true,
	} {
		if got := publicAddress(netip.MustParseAddr(ip)); got != public {
			t.Errorf("%s: public %v, want %v", ip, got, public)
		}
	}
	blob, sum, rec := helloPackage(t)
	srv, hits := packageServer(t, blob)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	h := hex.EncodeToString(sum[:])
	chain := newFakeChain()
	register(chain, rec, srv.URL+"/v1/blobs/"+h, "http://localhost:"+strconv.Itoa(port)+"/v1/blobs/"+h)
	tn := newTestNode(t, chain, nil)
	_, err := tn.ensurePackage(t.Context(), rec, nil)
	if !errors.Is(err, errNotPublic) {
		t.Fatalf("fetch from 127.0.0.1 and localhost: %v, want errNotPublic", err)
	}
	if hits.Load() != 0 {
		t.Fatalf("the private server was reached %d times", hits.Load())
	}
	open := newTestNode(t, newFakeChain(), func(c *config.Config) { c.AllowPrivateFetch = true })
	if _, err := open.ensurePackage(t.Context(), rec, nil); err != nil || hits.Load() != 1 {
		t.Fatalf("with allow_private_fetch: %v, %d requests", err, hits.Load())
	}
}

// TestPackageFetchChecks is the attack of a package location that serves
// a huge body, or the right package id under another envelope: before,
// the node read the blob whole into memory up to 1 GiB, and checked only
// the package id. Now the fetch streams to disk and stops at the
// registry's size (spec_size + envelope + PackageBlobMargin), and the
// envelope must be the registry's; content that is not the package is
// not kept in the public package store.
func TestPackageFetchChecks(t *testing.T) {
	blob, sum, rec := helloPackage(t)
	var served atomic.Int64
	huge := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(w, io.LimitReader(zeros{}, 1<<30))
		served.Add(n)
	}))
	defer huge.Close()
	chain := newFakeChain()
	tn := newTestNode(t, chain, func(c *config.Config) { c.AllowPrivateFetch = true })
	h := hex.EncodeToString(sum[:])
	register(chain, rec, huge.URL+"/v1/blobs/"+h)
	_, err := tn.ensurePackage(t.Context(), rec, nil)
	if !errors.Is(err, blobstore.ErrTooLarge) {
		t.Fatalf("huge location: %v, want ErrTooLarge", err)
	}
	huge.CloseClientConnections()
	t.Logf("a location serving 1 GiB was cut at the registry's size %d bytes (it wrote %d bytes before the cut reached it)", tn.packageMaxSize(rec), served.Load())

	// The right package id, another envelope than the registry's.
	srv, _ := packageServer(t, blob)
	other := proto.Clone(rec).(*ledgerpb.Package)
	other.Envelope = envelopeWithInputs("genome")
	register(chain, other, srv.URL+"/v1/blobs/"+h)
	tn.fetch.meta.Purge()
	_, err = tn.ensurePackage(t.Context(), other, nil)
	if !errors.Is(err, blobstore.ErrWrongPackage) || !strings.Contains(err.Error(), "envelope") {
		t.Fatalf("another envelope: %v, want ErrWrongPackage", err)
	}
	if tn.packages.Has(sum) {
		t.Fatal("a blob that is not the registered package is kept in the public store")
	}
	// The registered one is fetched, and decided from the cache after.
	register(chain, rec, srv.URL+"/v1/blobs/"+h)
	if _, err := tn.ensurePackage(t.Context(), rec, nil); err != nil {
		t.Fatal(err)
	}
	if m, ok := tn.fetch.lookup(packageID(rec.PackageId)); !ok || m.err != nil || m.blobSum != sum {
		t.Fatalf("metadata %+v %v", m, ok)
	}
}

// TestTarpitPackageHost is the attack of a package host that accepts
// connections and never answers (or drips a byte a second): before, the
// bid decision fetched the package inline, holding one of 8 decision
// slots for up to the HTTP client's 2-minute timeout, so that 8 such
// orders stopped all bidding. Now a decision never waits for a fetch:
// the tarpit's orders wait for their (one, deduplicated, bounded) fetch
// while the orders of other packages are decided at once.
func TestTarpitPackageHost(t *testing.T) {
	silent := freeport.Listen(t)
	var conns atomic.Int32
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			defer c.Close()
		}
	}()
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	defer drip.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel() // before the servers close: ends the fetches in flight

	chain := newFakeChain()
	tn := newTestNode(t, chain, func(c *config.Config) { c.AllowPrivateFetch = true; c.FetchWorkers = 2; c.Capacity = 1000 })
	tn.params = params.Default()
	sender, _ := client.NewSender(tn.Node.chain, tn.opts.OperatorKey, "test-chain", 1)
	tn.Node.sender = sender // fails fast: the chain is not there; the decision is what counts

	// Two tarpit packages, and the good one the node holds already (as
	// the devnet puts it) but has not decided on yet.
	var tarpits []*ledgerpb.Package
	for i, loc := range []string{"http://" + silent.Addr().String(), drip.URL} {
		_, _, rec := helloPackage(t)
		rec.PackageId = bytes.Repeat([]byte{byte(i + 1)}, 32)
		register(chain, rec, loc+"/v1/blobs/"+strings.Repeat("ee", 32))
		tarpits = append(tarpits, rec)
	}
	blob, sum, good := helloPackage(t)
	tn.packages.Put(bytes.NewReader(blob))
	register(chain, good, "http://127.0.0.1:1/v1/blobs/"+hex.EncodeToString(sum[:]))
	_, buyer, _ := ed25519.GenerateKey(nil)
	buyerAddr := addrOf(buyer)
	id := uint64(0)
	newOrder := func(rec *ledgerpb.Package) uint64 {
		id++
		chain.mu.Lock()
		chain.orders[id] = &ledgerpb.Order{Id: id, Buyer: buyerAddr[:], PackageId: rec.PackageId, State: ledgerpb.OrderState_ORDER_STATE_OPEN,
			MaxPrice: 100_000}
		chain.mu.Unlock()
		return id
	}
	var tarpitOrders []uint64
	for i := range 16 {
		o := newOrder(tarpits[i%2])
		tarpitOrders = append(tarpitOrders, o)
		tn.considerBid(ctx, o, 10)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	var goodOrders []uint64
	for range 40 {
		o := newOrder(good)
		goodOrders = append(goodOrders, o)
		tn.considerBid(ctx, o, 10)
	}
	var latencies []time.Duration
	bids := 0
	for _, o := range goodOrders {
		for {
			d, ok := tn.decisions.get(o)
			if ok {
				latencies = append(latencies, time.Since(start))
				if d.Bid || strings.HasPrefix(d.Detail, "bid refused") {
					bids++
				} else {
					t.Errorf("order %d: no bid: %s %s", o, d.Reason, d.Detail)
				}
				break
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("order %d of the good package undecided after 10s behind the tarpits", o)
			}
			time.Sleep(time.Millisecond)
		}
	}
	pending := 0
	for _, o := range tarpitOrders {
		if _, ok := tn.decisions.get(o); !ok {
			pending++
		}
	}
	t.Logf("16 orders on 2 tarpit hosts (%d connections held): %d orders of another package decided to bid in %s (last decision), %d tarpit orders still waiting for their fetch",
		conns.Load(), bids, latencies[len(latencies)-1].Round(time.Millisecond), pending)
	if bids != len(goodOrders) {
		t.Errorf("%d bids of %d", bids, len(goodOrders))
	}
	if latencies[len(latencies)-1] > 2*time.Second {
		t.Errorf("decisions took %s behind the tarpits", latencies[len(latencies)-1])
	}
}

// TestVerifierFetchesFromOtherNodes is the attack of a registrant that
// served its package once and then went away, and of a provider that
// does not serve the inputs: before, a verifier fetched the package from
// the registered locations only, and the inputs from the provider only,
// so the dispute went undecided. Now it tries the provider's node and
// other active nodes for the package, and the other drawn verifiers for
// the inputs, each checked against the hashes.
func TestVerifierFetchesFromOtherNodes(t *testing.T) {
	chain := newFakeChain()
	private := func(c *config.Config) { c.AllowPrivateFetch = true }
	provider := newTestNode(t, chain, private)
	verifier := newTestNode(t, chain, private)
	other := newTestNode(t, chain, private)

	// The package: its registrant is gone; the provider holds it.
	blob, sum, rec := helloPackage(t)
	gone := freeport.Listen(t)
	gone.Close()
	register(chain, rec, "http://"+gone.Addr().String()+"/v1/blobs/"+hex.EncodeToString(sum[:]))
	if _, _, err := provider.packages.Put(bytes.NewReader(blob)); err != nil {
		t.Fatal(err)
	}
	if _, err := verifier.ensurePackage(t.Context(), rec, provider.nodePub); err != nil {
		t.Fatalf("package from the provider's node: %v", err)
	}
	// Another node finds it at the nodes the registry lists.
	late := newTestNode(t, chain, private)
	if _, err := late.ensurePackage(t.Context(), rec, nil); err != nil {
		t.Fatalf("package from the other nodes: %v", err)
	}

	// The inputs: the provider does not serve them; another drawn
	// verifier committed them.
	content := []byte(">lambda\nACGT\n")
	in := inputroot.Input{Name: "genome", Size: uint64(len(content)), SHA256: [32]byte(nodeapi.BodyOf(content).SHA256)}
	root, _ := inputroot.Compute([]inputroot.Input{in})
	o := &ledgerpb.Order{Id: 9, PackageId: rec.PackageId, InputRoot: root[:], State: ledgerpb.OrderState_ORDER_STATE_DISPUTED,
		Contract: &ledgerpb.Contract{NodeKey: provider.nodePub},
		Dispute:  &ledgerpb.Dispute{Verifiers: []*ledgerpb.DrawnVerifier{{NodeKey: verifier.nodePub}, {NodeKey: other.nodePub}}}}
	chain.mu.Lock()
	chain.orders[9] = o
	chain.mu.Unlock()
	f := InputFile{Name: "genome", Size: in.Size, SHA256: in.SHA256}
	oj, err := newJob(o, nodeapi.RoleVerifier, 1000)
	if err != nil {
		t.Fatal(err)
	}
	oj.Inputs, oj.State = []InputFile{f}, nodeapi.StateRunning
	if err := other.jobs.create(oj); err != nil {
		t.Fatal(err)
	}
	other.files.Put(bytes.NewReader(content))
	vj, err := newJob(o, nodeapi.RoleVerifier, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.jobs.create(vj); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := verifier.fetchProviderInputs(ctx, o); err != nil {
		t.Fatal(err)
	}
	j, _ := verifier.jobs.get(9, nodeapi.RoleVerifier)
	if j.State != nodeapi.StateRunning || !verifier.files.Has(in.SHA256) {
		t.Fatalf("verifier job %s, file held %v", j.State, verifier.files.Has(in.SHA256))
	}
	// The package blob is public at every node that holds it; the inputs
	// are not.
	for _, n := range []*testNode{provider, verifier} {
		if status, _ := do(t, mustRequest(t, "GET", n.url+"/v1/blobs/"+hex.EncodeToString(sum[:]))); status != 200 {
			t.Errorf("%s does not serve the package: %d", n.url, status)
		}
		if status, _ := do(t, mustRequest(t, "GET", n.url+"/v1/blobs/"+hex.EncodeToString(in.SHA256[:]))); status != 404 {
			t.Errorf("%s serves the input publicly: %d", n.url, status)
		}
	}
}

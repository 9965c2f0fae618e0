package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/netutil"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// The engine's unit tests: a node whose chain, transactions, blob source
// and clock are fakes (seams.go), running a real WebAssembly package
// (testdata/upper) in wazero and serving its real HTTP API. No CometBFT.

// fakeClock is a clock that moves only when the test moves it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// fakeSender records the transactions the node sends; while fail is set
// it refuses them.
type fakeSender struct {
	mu   sync.Mutex
	msgs []*ledgerpb.Msg
	txs  []Hash
	fail error
}

func (s *fakeSender) Send(_ context.Context, _ client.Mode, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return client.TxResult{}, s.fail
	}
	h := sha256.New()
	fmt.Fprintf(h, "tx %d", len(s.msgs))
	for _, m := range msgs {
		b, _ := proto.Marshal(m)
		h.Write(b)
		s.msgs = append(s.msgs, proto.Clone(m).(*ledgerpb.Msg))
		s.txs = append(s.txs, Hash(h.Sum(nil)))
	}
	return client.TxResult{Hash: h.Sum(nil)}, nil
}

func (s *fakeSender) setFail(err error) {
	s.mu.Lock()
	s.fail = err
	s.mu.Unlock()
}

// sentMsgs returns the messages of one kind the node sent (get picks
// it), with the hashes of their transactions.
func sentMsgs[T proto.Message](s *fakeSender, get func(*ledgerpb.Msg) T) ([]T, []Hash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []T
	var txs []Hash
	for i, m := range s.msgs {
		if v := get(m); v.ProtoReflect().IsValid() {
			out = append(out, v)
			txs = append(txs, s.txs[i])
		}
	}
	return out, txs
}

// fakeBlobs serves blobs by hash, and other nodes' input lists by
// endpoint and order.
type fakeBlobs struct {
	mu      sync.Mutex
	blobs   map[[32]byte][]byte
	lists   map[string][]nodeapi.InputFile // by endpoint/order
	fetches int
}

func (b *fakeBlobs) Fetch(_ context.Context, _ []string, sum [32]byte, s *blobstore.Store, _ blobstore.FetchOptions) error {
	if s.Has(sum) {
		return nil
	}
	b.mu.Lock()
	data, ok := b.blobs[sum]
	b.fetches++
	b.mu.Unlock()
	if !ok {
		return fmt.Errorf("fetch blob %x: %w", sum, blobstore.ErrNotFound)
	}
	_, err := s.PutExpect(bytes.NewReader(data), sum)
	return err
}

func (b *fakeBlobs) Inputs(_ context.Context, ep string, id uint64) ([]nodeapi.InputFile, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	l, ok := b.lists[ep+"/"+strconv.FormatUint(id, 10)]
	if !ok {
		return nil, fmt.Errorf("%s: order %d: no inputs", ep, id)
	}
	return l, nil
}

func (b *fakeBlobs) Input(_ context.Context, ep string, id uint64, name string) (io.ReadCloser, error) {
	l, err := b.Inputs(context.Background(), ep, id)
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range l {
		if f.Name == name {
			sum, _ := ParseHash(f.SHA256)
			return io.NopCloser(bytes.NewReader(b.blobs[sum])), nil
		}
	}
	return nil, fmt.Errorf("%s: order %d: no input %s", ep, id, name)
}

// upperPackage builds testdata/upper into a package and returns its
// registry record and blob.
func upperPackage(t *testing.T) (*ledgerpb.Package, []byte) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "upper.wasm"), wasmbuild.Build(t, "testdata/upper"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := `name = "upper"
version = "1.0.0"
kind = "compute"
skill = "compute/test/upper"
architecture = "wasm32-wasip1"
files = ["upper.wasm"]
[entry]
path = "upper.wasm"
[[parameter]]
name = "NAME"
default = "world"
[[input]]
name = "text"
[[output]]
name = "out.txt"
`
	if err := os.WriteFile(filepath.Join(dir, packer.ManifestName), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	blob := p.Encode()
	sum := sha256.Sum256(blob)
	id := p.ID()
	return &ledgerpb.Package{PackageId: id[:], Envelope: p.EnvelopeBytes(), SpecSize: uint64(len(p.Spec().Bytes())),
		Kind: ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE, Skill: "compute/test/upper",
		BlobLocations: []string{fmt.Sprintf("http://packages.test/v1/blobs/%x", sum)}}, blob
}

// world is what outlives one node process: the chain, the blob source,
// the clock, the node's keys.
type world struct {
	chain   *fakeChain
	sender  *fakeSender
	blobs   *fakeBlobs
	clock   *fakeClock
	nodeKey ed25519.PrivateKey
	opKey   ed25519.PrivateKey
	pkg     *ledgerpb.Package
	pkgSum  [32]byte // the package's blob hash
	// adjust, when set, changes each node's config; fault is the
	// nodes' fault.
	adjust func(*config.Config)
	fault  Fault
}

func newWorld(t *testing.T) *world {
	t.Helper()
	rec, blob := upperPackage(t)
	_, nk, _ := ed25519.GenerateKey(nil)
	_, op, _ := ed25519.GenerateKey(nil)
	w := &world{chain: newFakeChain(), sender: &fakeSender{}, clock: &fakeClock{t: time.Now().Truncate(time.Second)},
		blobs:   &fakeBlobs{blobs: map[[32]byte][]byte{sha256.Sum256(blob): blob}, lists: map[string][]nodeapi.InputFile{}},
		nodeKey: nk, opKey: op, pkg: rec, pkgSum: sha256.Sum256(blob)}
	w.chain.packages[spec.ID(rec.PackageId)] = rec
	return w
}

// order is an order of the upper package on text, by a fresh buyer.
type order struct {
	id    uint64
	buyer ed25519.PrivateKey
	text  []byte
	input InputFile
	root  Hash
}

const orderName = "celltonomy"

// addOrder puts an order in the fake chain, in state.
func (w *world) addOrder(id uint64, text string, state ledgerpb.OrderState) order {
	_, buyer, _ := ed25519.GenerateKey(nil)
	addr, _ := address.FromPubKey(buyer.Public().(ed25519.PublicKey))
	in := inputroot.Input{Name: "text", Size: uint64(len(text)), SHA256: sha256.Sum256([]byte(text))}
	root, _ := inputroot.Compute([]inputroot.Input{in})
	w.chain.mu.Lock()
	w.chain.orders[id] = &ledgerpb.Order{Id: id, Buyer: addr[:], PackageId: w.pkg.PackageId, InputRoot: root[:], State: state,
		MaxPrice: 1_000_000, Params: []*ledgerpb.OrderParam{{Key: "NAME", Value: orderName}}}
	w.chain.mu.Unlock()
	return order{id: id, buyer: buyer, text: []byte(text), input: InputFile{Name: in.Name, Size: in.Size, SHA256: in.SHA256}, root: root}
}

// setOrder changes an order of the fake chain.
func (w *world) setOrder(id uint64, f func(o *ledgerpb.Order)) {
	w.chain.mu.Lock()
	f(w.chain.orders[id])
	w.chain.mu.Unlock()
}

// want returns the output root of the upper package's run on o's input,
// computed from what the package is written to do.
func (o order) want(t *testing.T) Hash {
	t.Helper()
	out := []byte("hello " + orderName + ": " + strings.ToUpper(string(o.text)))
	root, err := outputroot.ComputeOutcome(outputroot.OutcomeExited, 0, []byte("done\n"), nil,
		[]outputroot.File{{Path: "out.txt", Size: int64(len(out)), SHA256: sha256.Sum256(out)}})
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// engine is one node process of a world.
type engine struct {
	*Node
	w    *world
	url  string
	ctx  context.Context
	stop func()
}

// start starts a node on home (its data directory) against the world's
// fakes; workers says whether it runs jobs. stop ends it as a crash
// would leave it: whatever is on disk stays.
func (w *world) start(t *testing.T, home string, workers bool) *engine {
	t.Helper()
	ln := freeport.Listen(t)
	cfg := config.Default(home)
	cfg.ChainRPC = "http://127.0.0.1:1"
	cfg.Endpoint = "http://" + ln.Addr().String()
	if w.adjust != nil {
		w.adjust(cfg)
	}
	n, err := New(t.Context(), cfg, Options{NodeKey: w.nodeKey, OperatorKey: w.opKey, Listener: ln, Clock: w.clock.now, Fault: w.fault})
	if err != nil {
		t.Fatal(err)
	}
	n.query, n.sender, n.blobs = w.chain, w.sender, w.blobs
	n.chainID, n.params = "test-chain", params.Default()
	w.chain.mu.Lock()
	w.chain.nodes[string(n.nodePub)] = &ledgerpb.Node{NodePubkey: n.nodePub, Endpoint: cfg.Endpoint}
	w.chain.mu.Unlock()
	srv := n.server()
	go srv.Serve(netutil.LimitListener(ln, cfg.MaxConnections))
	ctx, cancel := context.WithCancel(context.Background())
	if workers {
		n.start(ctx)
	}
	var once sync.Once
	e := &engine{Node: n, w: w, url: cfg.Endpoint, ctx: ctx}
	e.stop = func() {
		once.Do(func() {
			cancel()
			n.tasks.wait()
			srv.Close()
			n.exec.Close(context.Background())
		})
	}
	t.Cleanup(e.stop)
	return e
}

// block hands the node a committed block with events.
func (e *engine) block(t *testing.T, height int64, evs ...event.Typed) {
	t.Helper()
	if err := e.handleBlock(e.ctx, follow.Block{Height: height, Events: evs}); err != nil {
		t.Fatal(err)
	}
}

// award moves order o to this node and hands the node the award.
func (e *engine) award(t *testing.T, o order, height, deadline int64) {
	t.Helper()
	e.w.setOrder(o.id, func(ord *ledgerpb.Order) {
		ord.State = ledgerpb.OrderState_ORDER_STATE_AWARDED
		ord.Contract = &ledgerpb.Contract{NodeKey: e.nodePub, DeliveryDeadline: deadline, AwardHeight: height, InputDeadline: height + 10}
	})
	e.block(t, height, market.EventOrderAwarded{OrderID: o.id, NodeKey: e.nodePub, DeliveryDeadline: deadline, InputDeadline: height + 10})
}

// upload sends o's input and commits it, as the buyer's client does.
func (e *engine) upload(t *testing.T, o order) {
	t.Helper()
	base := e.url + "/v1/orders/" + strconv.FormatUint(o.id, 10) + "/inputs"
	if status, body := do(t, signedRequest(t, o.buyer, "PUT", base+"/text", bytes.NewReader(o.text), nodeapi.BodyOf(o.text))); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	list, _ := json.Marshal(nodeapi.InputsRequest{Inputs: []nodeapi.InputFile{o.input.wire()}})
	if status, body := do(t, signedRequest(t, o.buyer, "POST", base, bytes.NewReader(list), nodeapi.BodyOf(list))); status != 200 {
		t.Fatalf("commit inputs: %d %s", status, body)
	}
}

// job returns the node's job of order id in role; it fails the test when
// there is none.
func (e *engine) job(t *testing.T, id uint64, role string) Job {
	t.Helper()
	j, ok := e.jobs.get(id, role)
	if !ok {
		t.Fatalf("order %d: no %s job", id, role)
	}
	return j
}

// waitJob waits until the job of order id in role is in state.
func (e *engine) waitJob(t *testing.T, id uint64, role, state string) Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		j, ok := e.jobs.get(id, role)
		if ok && j.State == state {
			return j
		}
		if ok && j.State == nodeapi.StateFailed {
			t.Fatalf("order %d: %s job failed: %s", id, role, j.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d: %s job is %q, want %s", id, role, j.State, state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventLog reads a job's event log.
func (e *engine) eventLog(t *testing.T, id uint64, role string) *eventlog.Log {
	t.Helper()
	b, err := os.ReadFile(e.logPath(id, role))
	if err != nil {
		t.Fatal(err)
	}
	l, err := eventlog.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func kinds(l *eventlog.Log) []string {
	var out []string
	for _, ev := range l.Events {
		out = append(out, ev.Kind)
	}
	return out
}

func count(xs []string, x string) int {
	k := 0
	for _, y := range xs {
		if y == x {
			k++
		}
	}
	return k
}

// TestEngineProviderJob follows one order through a provider's engine:
// the order's event → a bid (the package fetched from the blob source);
// the award → a job awaiting its inputs, its ids and hashes decoded from
// the order; the buyer's upload over HTTP → the run in wazero; the
// delivery with the output root the package computes, the completion
// and rating commitments and the event log's head; the close → the
// rating reveal; the end of the ratings → the job done.
func TestEngineProviderJob(t *testing.T) {
	w := newWorld(t)
	e := w.start(t, t.TempDir(), true)
	o := w.addOrder(1, ">seq\nacgt\n", ledgerpb.OrderState_ORDER_STATE_OPEN)

	// Bid.
	e.block(t, 10, market.EventOrderCreated{OrderID: 1})
	waitFor(t, "the bid decision", func() bool { _, ok := e.decisions.get(1); return ok })
	d, _ := e.decisions.get(1)
	bids, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetBid)
	if !d.Bid || len(bids) != 1 || bids[0].GetOrderId() != 1 || bids[0].GetPrice() != d.Price || !bytes.Equal(bids[0].GetNodeKey(), e.nodePub) {
		t.Fatalf("decision %+v, bids %v", d, bids)
	}
	w.blobs.mu.Lock()
	fetches := w.blobs.fetches
	w.blobs.mu.Unlock()
	if fetches != 1 || !e.packages.Has(w.pkgSum) {
		t.Fatalf("package fetched %d times", fetches)
	}

	// Award.
	e.award(t, o, 12, 60)
	j := e.job(t, 1, nodeapi.RoleProvider)
	switch {
	case j.State != nodeapi.StateAwaitingInputs:
		t.Fatalf("awarded job is %s", j.State)
	case j.PackageID != spec.ID(w.pkg.PackageId) || j.InputRoot != o.root || j.Params["NAME"] != orderName:
		t.Fatalf("job %s %s %v, want the order's", j.PackageID, j.InputRoot, j.Params)
	case j.Deadline != 60 || j.AwardHeight != 12 || j.InputDeadline != 22:
		t.Fatalf("job deadlines %d %d %d", j.Deadline, j.AwardHeight, j.InputDeadline)
	case j.CompletionCode.IsZero() || j.RatingSalt.IsZero() || j.CompletionCode == j.RatingSalt || j.Stars != 5:
		t.Fatalf("job secrets not drawn: %+v", j)
	}
	if delivers, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetDeliver); len(delivers) != 0 {
		t.Fatal("delivered before the inputs")
	}

	// Upload, run, deliver.
	e.upload(t, o)
	j = e.waitJob(t, 1, nodeapi.RoleProvider, nodeapi.StateDelivered)
	delivers, txs := sentMsgs(w.sender, (*ledgerpb.Msg).GetDeliver)
	if len(delivers) != 1 {
		t.Fatalf("%d deliveries", len(delivers))
	}
	dv, want := delivers[0], o.want(t)
	l := e.eventLog(t, 1, nodeapi.RoleProvider)
	cc := market.CompletionCommitment(1, j.CompletionCode[:])
	rc := market.RatingCommitment(1, 5, j.RatingSalt[:])
	switch {
	case dv.GetOrderId() != 1 || !bytes.Equal(dv.GetOutputRoot(), want[:]):
		t.Errorf("delivered order %d root %x, want %x", dv.GetOrderId(), dv.GetOutputRoot(), want)
	case j.OutputRoot != want || j.DeliveredRoot != want:
		t.Errorf("job roots %s %s, want %s", j.OutputRoot, j.DeliveredRoot, want)
	case !bytes.Equal(dv.GetCompletionCommitment(), cc[:]) || !bytes.Equal(dv.GetProviderRatingCommitment(), rc[:]):
		t.Errorf("delivery commitments do not bind the job's completion code and rating salt")
	case dv.GetResult() != ledgerpb.RunResult_RUN_RESULT_EXITED || dv.GetExitCode() != 0:
		t.Errorf("delivered result %v exit %d", dv.GetResult(), dv.GetExitCode())
	case j.TxHash != txs[0]:
		t.Errorf("job tx %s, the delivery was %s", j.TxHash, txs[0])
	case !bytes.Equal(dv.GetEventLogHead(), l.Events[len(l.Events)-2].Hash[:]):
		t.Errorf("delivery carries head %x, not the log's head before delivery-tx", dv.GetEventLogHead())
	}
	if got, wantKinds := strings.Join(kinds(l), " "), "inputs-verified package-fetched run-started exit outputs-hashed delivery-tx"; got != wantKinds {
		t.Errorf("event log %s, want %s", got, wantKinds)
	}
	// The clock stood still: every entry carries its time, and the run
	// took 0 ms by it.
	for _, ev := range l.Events {
		if ev.Time != w.clock.now().UnixMilli() {
			t.Errorf("event %s at %d, the clock says %d", ev.Kind, ev.Time, w.clock.now().UnixMilli())
		}
	}
	if j.RunMillis != 0 || len(j.Files) != 1 || !e.files.Has(j.Files[0].SHA256) {
		t.Errorf("run %d ms, files %+v", j.RunMillis, j.Files)
	}

	// Close: the rating is revealed; the end of the ratings ends the job.
	e.block(t, 20, market.EventOrderClosed{OrderID: 1})
	waitFor(t, "the rating reveal", func() bool { return e.job(t, 1, nodeapi.RoleProvider).RatingRevealed })
	reveals, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetRevealRating)
	if len(reveals) != 1 || reveals[0].GetStars() != 5 || !bytes.Equal(reveals[0].GetSalt(), j.RatingSalt[:]) {
		t.Fatalf("rating reveals %v", reveals)
	}
	e.block(t, 21, market.EventRatingsFinal{OrderID: 1})
	if j := e.job(t, 1, nodeapi.RoleProvider); !j.Done || j.DoneHeight != 21 {
		t.Fatalf("job done %v at %d", j.Done, j.DoneHeight)
	}
}

// TestEngineResumesAfterCrash: a node stopped at each step of a provider
// job, then started again on the same data directory, finishes the job:
// it runs what had not run, delivers what had not been delivered, and
// delivers exactly once.
func TestEngineResumesAfterCrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		// crash brings the first node to the step, then the test stops it.
		crash    func(t *testing.T, e *engine, o order)
		workers  bool
		wantRuns int // starts of the run, over both nodes
	}{
		{"inputs committed, run not started", func(t *testing.T, e *engine, o order) {
			e.upload(t, o)
			e.waitJob(t, o.id, nodeapi.RoleProvider, nodeapi.StateRunning)
		}, false, 1},
		{"during the run", func(t *testing.T, e *engine, o order) {
			e.upload(t, o)
			e.waitJob(t, o.id, nodeapi.RoleProvider, nodeapi.StateRunning)
			// A run's first step records its start; a crash leaves that.
			if _, err := e.jobs.update(o.id, nodeapi.RoleProvider, func(j *Job) error { j.Runs++; return nil }); err != nil {
				t.Fatal(err)
			}
		}, false, 2},
		{"executed, delivery refused", func(t *testing.T, e *engine, o order) {
			e.w.sender.setFail(errors.New("chain unreachable"))
			e.upload(t, o)
			e.waitJob(t, o.id, nodeapi.RoleProvider, nodeapi.StateExecuted)
		}, true, 1},
		{"delivered", func(t *testing.T, e *engine, o order) {
			e.upload(t, o)
			e.waitJob(t, o.id, nodeapi.RoleProvider, nodeapi.StateDelivered)
		}, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			home := t.TempDir()
			o := w.addOrder(3, "gattaca", ledgerpb.OrderState_ORDER_STATE_OPEN)
			first := w.start(t, home, tc.workers)
			first.award(t, o, 12, 60)
			tc.crash(t, first, o)
			first.stop()
			w.sender.setFail(nil)

			again := w.start(t, home, true)
			again.block(t, 13)
			j := again.waitJob(t, o.id, nodeapi.RoleProvider, nodeapi.StateDelivered)
			again.block(t, 14)
			again.stop()

			delivers, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetDeliver)
			want := o.want(t)
			if len(delivers) != 1 || !bytes.Equal(delivers[0].GetOutputRoot(), want[:]) {
				t.Fatalf("%d deliveries (want 1 of root %s): %v", len(delivers), want, delivers)
			}
			if j.Runs != tc.wantRuns {
				t.Errorf("run started %d times, want %d", j.Runs, tc.wantRuns)
			}
			ks := kinds(again.eventLog(t, o.id, nodeapi.RoleProvider))
			if count(ks, "outputs-hashed") != 1 || count(ks, "delivery-tx") != 1 {
				t.Errorf("event log %v: want one finished run and one delivery", ks)
			}
		})
	}
}

// TestEngineVerifierDuty: a node drawn as a verifier takes the order's
// inputs from the provider's node (through the blob source, checked
// against the order's input root) and the package, re-runs it, commits
// to the output root before the commit deadline, reveals it inside the
// reveal window and no earlier, and ends the job when the dispute is
// decided.
func TestEngineVerifierDuty(t *testing.T) {
	w := newWorld(t)
	e := w.start(t, t.TempDir(), true)
	o := w.addOrder(7, "the provider's input", ledgerpb.OrderState_ORDER_STATE_DISPUTED)
	providerPub, _, _ := ed25519.GenerateKey(nil)
	const providerEndpoint = "http://provider.test"
	w.chain.nodes[string(providerPub)] = &ledgerpb.Node{NodePubkey: providerPub, Endpoint: providerEndpoint}
	w.setOrder(7, func(ord *ledgerpb.Order) {
		ord.Contract = &ledgerpb.Contract{NodeKey: providerPub}
		ord.Dispute = &ledgerpb.Dispute{Verifiers: []*ledgerpb.DrawnVerifier{{NodeKey: e.nodePub}}}
	})
	w.blobs.mu.Lock()
	w.blobs.lists[providerEndpoint+"/7"] = []nodeapi.InputFile{o.input.wire()}
	w.blobs.blobs[o.input.SHA256] = o.text
	w.blobs.mu.Unlock()

	e.block(t, 40, market.EventDisputeDrawn{OrderID: 7, Round: 1, Verifiers: [][]byte{e.nodePub}, CommitDeadline: 50, RevealDeadline: 60})
	j := e.waitJob(t, 7, nodeapi.RoleVerifier, nodeapi.StateCommitted)
	want := o.want(t)
	if j.OutputRoot != want || j.Inputs[0] != o.input || j.Salt.IsZero() || j.Round != 1 {
		t.Fatalf("verifier job: root %s (want %s), inputs %v, round %d", j.OutputRoot, want, j.Inputs, j.Round)
	}
	commits, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetVerifierCommit)
	c := market.VerifierCommitment(7, 1, e.opAddr, want[:], j.Salt[:])
	if len(commits) != 1 || !bytes.Equal(commits[0].GetCommitment(), c[:]) {
		t.Fatalf("commits %v, want one binding root %s", commits, want)
	}
	if st := j.status(); st.OutputRoot != "" {
		t.Errorf("a committed verifier shows its root %s", st.OutputRoot)
	}

	for _, tc := range []struct {
		height      int64
		wantReveals int
	}{
		{45, 0}, // before the reveal window (it opens at the commit deadline)
		{49, 1}, // the next block is the first of the window
		{52, 1}, // revealed once
	} {
		e.block(t, tc.height)
		if tc.wantReveals > 0 {
			e.waitJob(t, 7, nodeapi.RoleVerifier, nodeapi.StateRevealed)
		}
		reveals, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetVerifierReveal)
		if len(reveals) != tc.wantReveals {
			t.Fatalf("height %d: %d reveals, want %d", tc.height, len(reveals), tc.wantReveals)
		}
		if len(reveals) > 0 && (!bytes.Equal(reveals[0].GetOutputRoot(), want[:]) || !bytes.Equal(reveals[0].GetSalt(), j.Salt[:])) {
			t.Fatalf("reveal %v, want root %s and the job's salt", reveals[0], want)
		}
	}
	e.block(t, 61, market.EventDisputeDecided{OrderID: 7, State: market.StateName(ledgerpb.OrderState_ORDER_STATE_CLOSED)})
	if j := e.job(t, 7, nodeapi.RoleVerifier); !j.Done {
		t.Fatal("verifier job not done after the decision")
	}
}

// TestEngineInputBytes: an order that declares the size of its inputs
// (MsgCreateOrder.input_bytes, which the node priced it by) takes only
// inputs of exactly that total; the buyer cannot declare less and send
// more.
func TestEngineInputBytes(t *testing.T) {
	w := newWorld(t)
	e := w.start(t, t.TempDir(), false)
	o := w.addOrder(1, ">seq\nacgt\n", ledgerpb.OrderState_ORDER_STATE_OPEN)
	size := uint64(len(o.text))
	w.setOrder(o.id, func(ord *ledgerpb.Order) { ord.InputBytes = size - 1 })
	e.award(t, o, 12, 60)
	base := e.url + "/v1/orders/1/inputs"
	if status, body := do(t, signedRequest(t, o.buyer, "PUT", base+"/text", bytes.NewReader(o.text), nodeapi.BodyOf(o.text))); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	list, _ := json.Marshal(nodeapi.InputsRequest{Inputs: []nodeapi.InputFile{o.input.wire()}})
	commit := func() (int, string) {
		return do(t, signedRequest(t, o.buyer, "POST", base, bytes.NewReader(list), nodeapi.BodyOf(list)))
	}
	if status, body := commit(); status != 400 || !strings.Contains(body, "declares input_bytes") {
		t.Fatalf("inputs larger than declared: %d %s, want 400 naming input_bytes", status, body)
	}
	if j := e.job(t, 1, nodeapi.RoleProvider); j.State != nodeapi.StateAwaitingInputs {
		t.Fatalf("job %s after a refused commit", j.State)
	}
	w.setOrder(o.id, func(ord *ledgerpb.Order) { ord.InputBytes = size })
	if status, body := commit(); status != 200 {
		t.Fatalf("inputs of the declared size: %d %s", status, body)
	}
}

// TestEngineFalseMissingInputs follows a provider with the fault
// false-missing-inputs: it takes the buyer's inputs and runs the job, but
// does not deliver; at the input deadline it reports the inputs missing,
// once; it delivers only after the buyer's receipt is shown on chain.
func TestEngineFalseMissingInputs(t *testing.T) {
	w := newWorld(t)
	e := w.start(t, t.TempDir(), true)
	e.opts.Fault = FaultFalseMissingInputs
	o := w.addOrder(1, ">seq\nacgt\n", ledgerpb.OrderState_ORDER_STATE_OPEN)
	e.award(t, o, 12, 60) // input deadline 22
	e.upload(t, o)
	e.waitJob(t, 1, nodeapi.RoleProvider, nodeapi.StateExecuted)
	reports := func() int {
		r, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetReportMissingInputs)
		return len(r)
	}
	delivers := func() int {
		d, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetDeliver)
		return len(d)
	}

	e.block(t, 15)
	e.idle(t)
	if reports() != 0 || delivers() != 0 {
		t.Fatalf("before the input deadline: %d reports, %d deliveries; want none", reports(), delivers())
	}
	e.block(t, 21) // the report enters block 22, the input deadline
	waitFor(t, "the false report", func() bool { return e.job(t, 1, nodeapi.RoleProvider).MissingReported })
	e.block(t, 22)
	e.block(t, 23)
	e.idle(t)
	if j := e.job(t, 1, nodeapi.RoleProvider); reports() != 1 || delivers() != 0 || j.State != nodeapi.StateExecuted {
		t.Fatalf("after the report: %d reports, %d deliveries, job %s; want one report, no delivery, the job executed", reports(), delivers(), j.State)
	}

	// The buyer shows the receipt: the report is void, the node delivers.
	w.setOrder(1, func(ord *ledgerpb.Order) { ord.Contract.InputReceiptHeight = 24 })
	e.block(t, 25)
	e.waitJob(t, 1, nodeapi.RoleProvider, nodeapi.StateDelivered)
	if reports() != 1 || delivers() != 1 {
		t.Fatalf("%d reports, %d deliveries; want one of each", reports(), delivers())
	}
}

// idle waits until no named task of the node (a delivery, a report, …)
// is running: those the last block started have ended.
func (e *engine) idle(t *testing.T) {
	t.Helper()
	waitFor(t, "the node's tasks", func() bool {
		e.tasks.mu.Lock()
		defer e.tasks.mu.Unlock()
		return len(e.tasks.inflight) == 0
	})
}

// Package ordertest is a test network for the buyer's side of the
// market (client/order) and its commands: one in-process validator with
// short windows (100 ms blocks), a registered compute package, a fake
// provider node and a fake verifier node, each an httptest server with
// the buyer's routes of the node's HTTP API (nodeapi's, its request
// signature checked with nodeapi.Verify) and a goroutine that acts on
// chain for it. The chain is internal/testchain's. It is for tests only.
//
// The provider bids max(ProviderFloor, max price / 2) on every open order
// whose max price reaches ProviderFloor, with the least stake the chain
// accepts; it also offers the registered package at OfferingPrice (its
// profile has the vendor role). It accepts the buyer's inputs, signs its
// input receipt (in the answer to POST …/inputs and in GET …/job),
// "runs" the package with Execute, delivers with result exited, and
// reveals 4 stars once the buyer closes. The order parameter MODE changes
// that: "wrong-root" delivers a root that is not its outputs';
// "no-delivery" takes the inputs, signs the receipt and never delivers;
// "no-inputs" takes them, signs the receipt, then falsely reports them
// missing at the contract's input deadline, and delivers only once the
// buyer's receipt voided the report; "trap" delivers a run that trapped
// (ExecuteTrap, its root by OutcomeRoot).
//
// The verifier, the only one registered, is drawn in the first round of
// every dispute (one verifier per round, whose reveal decides): once the
// buyer's seed drew it (dispute_drawn), it takes the buyer's inputs,
// commits to the root Execute gives (market.VerifierCommitment) and
// reveals it. Each node answers GET …/decision: the provider
// "below-floor" for orders under its floor, the verifier "verifier-only".
package ordertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// ChainID is the test chain's id.
const ChainID = "order-test"

// testManifest is the package of the tests; PROSE makes two packages
// with different ids from it. Its module is never run: the fake nodes
// compute the outputs themselves.
const testManifest = `
name = "order-test"
version = "1.0.0"
kind = "compute"
skill = "compute/genomics/digest"
prose = "PROSE"
architecture = "wasm32-wasip1"
files = ["prog.wasm"]

[entry]
path = "prog.wasm"

[license]
royalty_bps = 250

[[parameter]]
name = "MODE"
default = "ok"

[[input]]
name = "data"
format = "text"

[[output]]
name = "result.txt"
format = "text"
`

// ProviderFloor is the fake provider's lowest price, in ucell: it does
// not bid on orders whose max price is below it.
const ProviderFloor = 50_000

// OfferingPrice is the price of the provider's offering of the
// registered package, in ucell; its lead time is OfferingLeadTime blocks
// and its vendor stake registry.OfferingMinStake of the price.
const (
	OfferingPrice    = 120_000
	OfferingLeadTime = 30
)

// Net is a running test network.
type Net struct {
	// Client talks to the validator's RPC at RPC.
	Client *client.Client
	RPC    string
	// Params are the chain's params: default but for short windows
	// (reveal_window_blocks 3, verifier commit and reveal windows 8 and
	// 5, input_window_blocks 3, input_contest_window_blocks 10,
	// dispute_seed_window_blocks 20) and one verifier per dispute round,
	// whose reveal decides (min_dispute_quorum 1).
	Params *ledgerpb.Params
	// PackageID is a compute package registered by "author" (name
	// "order-test", one input "data", an optional parameter MODE).
	PackageID spec.ID
	// PackageOther is a directory of an unregistered version of the same
	// name: only "author" may register it.
	PackageOther string
	// Provider and Verifier are the fake nodes.
	Provider, Verifier *Node

	dir    string
	chain  *testchain.Chain
	cancel context.CancelFunc
}

// Funded are the accounts funded at genesis with 10^10 ucell ("validator",
// the validator's operator, first), besides
// "poor" (150 000 ucell) and the names given to Start.
var Funded = []string{"validator", "author", "provider", "verifier"}

// Key returns the deterministic key of an account name.
func Key(name string) ed25519.PrivateKey {
	seed := Seed(name)
	return ed25519.NewKeyFromSeed(seed)
}

// Seed returns the ed25519 seed of Key(name).
func Seed(name string) []byte {
	s := sha256.Sum256([]byte("order-test " + name))
	return s[:]
}

// Address returns the account address of Key(name).
func Address(name string) address.Address {
	a, _ := address.FromPubKey(Key(name).Public().(ed25519.PublicKey))
	return a
}

// WritePackageDir writes a package directory of the test package under
// the given name with the given prose (different prose, different
// package id).
func WritePackageDir(dir, name, prose string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(strings.Replace(strings.Replace(testManifest, "PROSE", prose, 1), `"order-test"`, strconv.Quote(name), 1)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "prog.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
}

// Start starts a network whose genesis also funds the named buyers
// with 10^10 ucell each; Close stops it.
func Start(buyers ...string) (n *Net, err error) {
	dir, err := os.MkdirTemp("", "order-test-")
	if err != nil {
		return nil, err
	}
	n = &Net{dir: dir}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	p := params.Default()
	p.RevealWindowBlocks = 3
	p.VerifiersPerDispute = 1
	p.VerifierCommitWindow = 8
	p.VerifierRevealWindow = 5
	p.MinDisputeQuorum = 1
	p.InputWindowBlocks = 3
	p.InputContestWindowBlocks = 10
	p.DisputeSeedWindowBlocks = 20
	n.Params = p
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range append(slices.Clone(Funded[1:]), buyers...) {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: Address(name).String(), Balance: 10_000_000_000})
	}
	g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: Address("poor").String(), Balance: 150_000})
	if n.chain, err = testchain.Open(filepath.Join(dir, "chain"), testchain.Options{ChainID: ChainID, Genesis: g, Operator: Key("validator")}); err != nil {
		return nil, err
	}
	n.RPC, n.Client = n.chain.RPC, n.chain.Client
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel

	pkgA := filepath.Join(dir, "pkg-a")
	if err := WritePackageDir(pkgA, "order-test", "Registered at setup."); err != nil {
		return nil, err
	}
	n.PackageOther = filepath.Join(dir, "pkg-c")
	if err := WritePackageDir(n.PackageOther, "order-test", "Another version."); err != nil {
		return nil, err
	}
	pkg, err := packer.BuildSigned(pkgA, spec.DefaultLimits(), Key("author"))
	if err != nil {
		return nil, err
	}
	n.PackageID = pkg.ID()
	pub, sig := pkg.Signature()
	if err := n.Send(ctx, "author", &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
		Envelope: pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(pkg.Spec().Bytes())),
		BlobLocations: []string{"http://127.0.0.1:1" + nodeapi.BlobPath(sha256.Sum256(pkg.Encode()))}}}}); err != nil {
		return nil, err
	}

	n.Provider = newNode(n, "provider", "provider-node", false)
	n.Verifier = newNode(n, "verifier", "verifier-node", true)
	for _, f := range []*Node{n.Provider, n.Verifier} {
		if err := n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: &ledgerpb.MsgAnnounceNode{
			NodePubkey: f.NodeKey(), Endpoint: f.srv.URL, Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 4,
			NodeSignature: registry.SignNodeKeyProof(f.key, ChainID, Address(f.opName))}}}); err != nil {
			return nil, err
		}
	}
	if err := n.Send(ctx, "verifier", &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterVerifier{RegisterVerifier: &ledgerpb.MsgRegisterVerifier{
		NodeKey: n.Verifier.NodeKey(), Stake: p.MinVerifierStake}}}); err != nil {
		return nil, err
	}
	if err := n.Send(ctx, "provider", &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetProfile{SetProfile: &ledgerpb.MsgSetProfile{
		Name: "order-test provider", Roles: []ledgerpb.Role{ledgerpb.Role_ROLE_VENDOR}}}}); err != nil {
		return nil, err
	}
	if err := n.Send(ctx, "provider", &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{
		PackageId: n.PackageID[:], Price: OfferingPrice, LeadTimeBlocks: OfferingLeadTime, NodeKey: n.Provider.NodeKey(),
		Stake: registry.OfferingMinStake(OfferingPrice, p)}}}); err != nil {
		return nil, err
	}
	go n.Provider.loop(ctx)
	go n.Verifier.loop(ctx)
	return n, nil
}

// Close stops the nodes and the chain and removes its files.
func (n *Net) Close() {
	if n.cancel != nil {
		n.cancel()
	}
	for _, f := range []*Node{n.Provider, n.Verifier} {
		if f != nil {
			f.srv.Close()
		}
	}
	if n.chain != nil {
		n.chain.Close()
	}
	os.RemoveAll(n.dir)
}

// Send signs msg with Key(name), waits for the commit, and fails on any
// failure.
func (n *Net) Send(ctx context.Context, name string, msg *ledgerpb.Msg) error {
	res, err := n.Client.Send(ctx, Key(name), ChainID, n.Params.MinFee, msg)
	if err != nil {
		return err
	}
	if res.Code != 0 {
		return fmt.Errorf("%s: code %d: %s", name, res.Code, res.Log)
	}
	return nil
}

// job is a fake node's job for one order.
type job struct {
	inputs    map[string][]byte
	committed bool
	out       nodeapi.Outputs
	files     map[string][]byte
	code      []byte
	root      [32]byte
	result    ledgerpb.RunResult
	receipt   []byte // the provider's input receipt
	// onChain: delivered (provider) or committed (verifier);
	// revealed: rating (provider) or root (verifier) revealed;
	// reported: missing inputs reported (provider).
	onChain, revealed, reported bool
}

// Node is a fake provider or verifier node: an HTTP gateway and a loop
// that bids, delivers and reveals (provider), or commits and reveals
// output roots (verifier).
type Node struct {
	n        *Net
	opName   string
	key      ed25519.PrivateKey
	verifier bool
	srv      *httptest.Server

	mu    sync.Mutex
	jobs  map[uint64]*job
	bids  map[uint64]bool
	blobs map[string][]byte
}

func newNode(n *Net, opName, keyName string, verifier bool) *Node {
	f := &Node{n: n, opName: opName, key: Key(keyName), verifier: verifier, jobs: map[uint64]*job{}, bids: map[uint64]bool{}, blobs: map[string][]byte{}}
	mux := http.NewServeMux()
	mux.HandleFunc(nodeapi.RoutePutBlob, f.putBlob)
	mux.HandleFunc(nodeapi.RoutePutInput, f.putInput)
	mux.HandleFunc(nodeapi.RouteCommitInputs, f.commit)
	mux.HandleFunc(nodeapi.RouteJob, f.job)
	mux.HandleFunc(nodeapi.RouteOutputs, f.outputs)
	mux.HandleFunc(nodeapi.RouteOutputFile, f.outputFile)
	mux.HandleFunc(nodeapi.RouteDecision, f.decision)
	f.srv = httptest.NewServer(mux)
	return f
}

// NodeKey is the node's public key.
func (f *Node) NodeKey() []byte { return f.key.Public().(ed25519.PublicKey) }

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(nodeapi.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (f *Node) putBlob(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != r.PathValue(nodeapi.PathSum) {
		fail(w, http.StatusBadRequest, "blob: sha256 does not match the path")
		return
	}
	f.mu.Lock()
	f.blobs[r.PathValue(nodeapi.PathSum)] = body
	f.mu.Unlock()
}

// order reads the order of the request, checks that this node serves it
// and, when signed, that the buyer signed; it answers the error itself.
func (f *Node) order(w http.ResponseWriter, r *http.Request, body []byte, signed bool) (*ledgerpb.Order, bool) {
	id, err := strconv.ParseUint(r.PathValue(nodeapi.PathOrderID), 10, 64)
	if err != nil {
		fail(w, http.StatusBadRequest, "order id: not a number")
		return nil, false
	}
	resp, err := f.n.Client.Order(r.Context(), id)
	if err != nil {
		fail(w, http.StatusNotFound, "order %d: %v", id, err)
		return nil, false
	}
	o := resp.Order
	mine := false
	if f.verifier {
		for _, v := range o.GetDispute().GetVerifiers() {
			mine = mine || bytes.Equal(v.NodeKey, f.NodeKey())
		}
	} else {
		mine = bytes.Equal(o.GetContract().GetNodeKey(), f.NodeKey())
	}
	if !mine {
		fail(w, http.StatusNotFound, "order %d: no job here", id)
		return nil, false
	}
	if signed {
		sig, err := nodeapi.Verify(r, time.Now())
		if err == nil && sig.Body != nodeapi.BodyOf(body) {
			err = nodeapi.ErrBodyMismatch
		}
		if err != nil {
			fail(w, http.StatusUnauthorized, "%v", err)
			return nil, false
		}
		if a, _ := address.FromPubKey(sig.PublicKey); a != address.Address(o.Buyer) {
			fail(w, http.StatusForbidden, "not the order's buyer")
			return nil, false
		}
	}
	return o, true
}

func (f *Node) jobOf(id uint64) *job {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[id]
	if j == nil {
		j = &job{inputs: map[string][]byte{}}
		f.jobs[id] = j
	}
	return j
}

func (f *Node) putInput(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	o, ok := f.order(w, r, body, true)
	if !ok {
		return
	}
	j := f.jobOf(o.Id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if j.committed {
		fail(w, http.StatusConflict, "inputs already committed")
		return
	}
	j.inputs[r.PathValue(nodeapi.PathInputName)] = body
}

// Execute is the fake run of order id: deterministic in the inputs, it
// returns the results of a run that exited with code 0 (stdout
// "processed N bytes", result.txt the "data" input in upper case), the
// files by SHA-256, the completion code and the output root.
func Execute(id uint64, inputs map[string][]byte) (nodeapi.Outputs, map[string][]byte, []byte, [32]byte) {
	result := bytes.ToUpper(inputs["data"])
	sum := sha256.Sum256(result)
	stdout := []byte(fmt.Sprintf("processed %d bytes\n", len(inputs["data"])))
	root, _ := outputroot.Compute(0, stdout, nil, []outputroot.File{{Path: "result.txt", Size: int64(len(result)), SHA256: sum}})
	code := completionCode(id)
	out := nodeapi.Outputs{OrderID: id, OutputRoot: hex.EncodeToString(root[:]), Result: market.RunResultName(ledgerpb.RunResult_RUN_RESULT_EXITED),
		Stdout: stdout, Stderr: []byte{}, Files: []nodeapi.OutputFile{{Path: "result.txt", Size: int64(len(result)), SHA256: hex.EncodeToString(sum[:])}},
		CompletionCode: hex.EncodeToString(code)}
	return out, map[string][]byte{hex.EncodeToString(sum[:]): result}, code, root
}

// TrapStderr is what the run of ExecuteTrap writes to stderr.
const TrapStderr = "wasm error: unreachable\nwasm stack trace:\n\tprog.$main\n"

// ExecuteTrap is the fake run of order id that traps (MODE=trap): stdout
// "processed N bytes", stderr TrapStderr, no files; its output root is
// OutcomeRoot's.
func ExecuteTrap(id uint64, inputs map[string][]byte) (nodeapi.Outputs, []byte, [32]byte) {
	stdout := []byte(fmt.Sprintf("processed %d bytes\n", len(inputs["data"])))
	stderr := []byte(TrapStderr)
	root, _ := OutcomeRoot(ledgerpb.RunResult_RUN_RESULT_TRAP, stdout, stderr)
	code := completionCode(id)
	out := nodeapi.Outputs{OrderID: id, OutputRoot: hex.EncodeToString(root[:]), Result: market.RunResultName(ledgerpb.RunResult_RUN_RESULT_TRAP),
		Stdout: stdout, Stderr: stderr, Files: []nodeapi.OutputFile{}, CompletionCode: hex.EncodeToString(code)}
	return out, code, root
}

// OutcomeRoot is the output root of a run that did not exit, as the
// fake nodes compute it: the definition of runtime/outputroot's outcome
// root (SHA-256 of "celltonomy/output-root/outcome/v1" ‖ 0x00 ‖
// u8(result) ‖ SHA-256(stdout) ‖ SHA-256(stderr)), which a buyer under
// test passes as its Buyer.OutcomeRoot. It matches order.OutcomeRootFunc.
func OutcomeRoot(result ledgerpb.RunResult, stdout, stderr []byte) ([32]byte, error) {
	if result <= ledgerpb.RunResult_RUN_RESULT_EXITED || result > ledgerpb.RunResult_RUN_RESULT_STDERR_LIMIT {
		return [32]byte{}, fmt.Errorf("result %d: not a run that did not exit", result)
	}
	so, se := sha256.Sum256(stdout), sha256.Sum256(stderr)
	pre := append([]byte("celltonomy/output-root/outcome/v1\x00"), byte(result))
	pre = append(append(pre, so[:]...), se[:]...)
	return sha256.Sum256(pre), nil
}

func completionCode(id uint64) []byte {
	c := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("completion"), id))
	return c[:]
}

func (f *Node) commit(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	o, ok := f.order(w, r, body, true)
	if !ok {
		return
	}
	var req nodeapi.InputsRequest
	if err := json.Unmarshal(body, &req); err != nil {
		fail(w, http.StatusBadRequest, "inputs: %v", err)
		return
	}
	j := f.jobOf(o.Id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if j.committed {
		fail(w, http.StatusConflict, "inputs already committed")
		return
	}
	var list []inputroot.Input
	for _, in := range req.Inputs {
		data, ok := j.inputs[in.Name]
		sum := sha256.Sum256(data)
		if !ok || hex.EncodeToString(sum[:]) != in.SHA256 || uint64(len(data)) != in.Size {
			fail(w, http.StatusBadRequest, "inputs.%s: not uploaded or not matching its size and sha256", in.Name)
			return
		}
		list = append(list, inputroot.Input{Name: in.Name, Size: in.Size, SHA256: sum})
	}
	root, err := inputroot.Compute(list)
	if err != nil || !bytes.Equal(root[:], o.InputRoot) {
		fail(w, http.StatusBadRequest, "inputs: input root %x is not the order's %x", root, o.InputRoot)
		return
	}
	j.committed = true
	j.out, j.files, j.code, j.root = Execute(o.Id, j.inputs)
	j.result = ledgerpb.RunResult_RUN_RESULT_EXITED
	if mode(o) == "trap" { // the package traps on every honest node
		j.out, j.code, j.root = ExecuteTrap(o.Id, j.inputs)
		j.files, j.result = map[string][]byte{}, ledgerpb.RunResult_RUN_RESULT_TRAP
	}
	st := nodeapi.JobStatus{OrderID: o.Id, Role: nodeapi.RoleVerifier, State: nodeapi.StateRunning}
	if !f.verifier {
		j.receipt = market.SignInputReceipt(f.key, ChainID, o.Id, o.InputRoot)
		st.Role, st.InputReceipt = nodeapi.RoleProvider, hex.EncodeToString(j.receipt)
	}
	reply(w, st)
}

func (f *Node) job(w http.ResponseWriter, r *http.Request) {
	o, ok := f.order(w, r, nil, false)
	if !ok {
		return
	}
	j := f.jobOf(o.Id)
	f.mu.Lock()
	defer f.mu.Unlock()
	st := nodeapi.JobStatus{OrderID: o.Id, Role: nodeapi.RoleProvider, State: nodeapi.StateAwaitingInputs, InputReceipt: hex.EncodeToString(j.receipt)}
	switch {
	case j.onChain:
		st.State = nodeapi.StateDelivered
	case j.committed:
		st.State, st.OutputRoot, st.Result = nodeapi.StateExecuted, hex.EncodeToString(j.root[:]), market.RunResultName(j.result)
		if j.result == ledgerpb.RunResult_RUN_RESULT_EXITED {
			st.ExitCode = new(uint32)
		}
	}
	reply(w, st)
}

func (f *Node) outputs(w http.ResponseWriter, r *http.Request) {
	o, ok := f.order(w, r, nil, true)
	if !ok {
		return
	}
	j := f.jobOf(o.Id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !j.committed {
		fail(w, http.StatusConflict, "outputs not ready")
		return
	}
	reply(w, j.out)
}

func (f *Node) outputFile(w http.ResponseWriter, r *http.Request) {
	o, ok := f.order(w, r, nil, true)
	if !ok {
		return
	}
	j := f.jobOf(o.Id)
	f.mu.Lock()
	defer f.mu.Unlock()
	data, ok := j.files[r.PathValue(nodeapi.PathSum)]
	if !ok {
		fail(w, http.StatusNotFound, "no such output")
		return
	}
	w.Write(data)
}

func (f *Node) decision(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseUint(r.PathValue(nodeapi.PathOrderID), 10, 64)
	resp, err := f.n.Client.Order(r.Context(), id)
	if err != nil {
		fail(w, http.StatusNotFound, "order %d: %v", id, err)
		return
	}
	d := nodeapi.Decision{OrderID: id, Height: resp.Order.CreatedHeight}
	switch {
	case f.verifier:
		d.Reason, d.Detail = "verifier-only", "this node only verifies"
	case resp.Order.MaxPrice < ProviderFloor:
		d.Reason, d.Detail = "below-floor", fmt.Sprintf("max price %d ucell is below the floor of %d ucell", resp.Order.MaxPrice, ProviderFloor)
	default:
		d.Bid, d.Price = true, bidPrice(resp.Order)
	}
	reply(w, d)
}

func bidPrice(o *ledgerpb.Order) uint64 { return max(ProviderFloor, o.MaxPrice/2) }

// mode is the order's MODE parameter (see the package documentation).
func mode(o *ledgerpb.Order) string {
	for _, p := range o.Params {
		if p.Key == "MODE" {
			return p.Value
		}
	}
	return "ok"
}

func (f *Node) orders(ctx context.Context, filter client.OrdersFilter) []*ledgerpb.Order {
	orders, _ := client.All(f.n.Client.Orders(ctx, filter))
	return orders
}

var providerSalt = bytes.Repeat([]byte{7}, 32)

// loop acts on chain for the node until ctx ends.
func (f *Node) loop(ctx context.Context) {
	delivered := map[uint64]bool{}
	for ctx.Err() == nil {
		time.Sleep(30 * time.Millisecond)
		if f.verifier {
			f.verify(ctx)
			continue
		}
		for _, o := range f.orders(ctx, client.OrdersFilter{State: ledgerpb.OrderState_ORDER_STATE_OPEN}) {
			if f.bids[o.Id] || o.MaxPrice < ProviderFloor {
				continue
			}
			f.bids[o.Id] = true
			price := bidPrice(o)
			f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{OrderId: o.Id, NodeKey: f.NodeKey(), Price: price,
				Stake: market.RequiredBidStake(price, f.n.Params)}}})
		}
		st, err := f.n.Client.Status(ctx)
		if err != nil {
			continue
		}
		next := st.SyncInfo.LatestBlockHeight + 1
		for _, o := range f.orders(ctx, client.OrdersFilter{Provider: Address(f.opName)}) {
			j := f.jobOf(o.Id)
			f.mu.Lock()
			ready, onChain, revealed, reported := j.committed, j.onChain, j.revealed, j.reported
			root, code, result := j.root, j.code, j.result
			f.mu.Unlock()
			awarded := o.State == ledgerpb.OrderState_ORDER_STATE_AWARDED
			switch {
			case awarded && ready && mode(o) == "no-inputs" && o.Contract.InputReceiptHeight == 0:
				// The lie: it holds the inputs and signed for them.
				if !reported && next >= o.Contract.InputDeadline &&
					f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReportMissingInputs{ReportMissingInputs: &ledgerpb.MsgReportMissingInputs{OrderId: o.Id}}}) == nil {
					f.mu.Lock()
					j.reported = true
					f.mu.Unlock()
				}
			case awarded && ready && !onChain && !delivered[o.Id] && mode(o) != "no-delivery":
				delivered[o.Id] = true
				if mode(o) == "wrong-root" {
					root = sha256.Sum256([]byte("not the outputs"))
				}
				cc := market.CompletionCommitment(o.Id, code)
				rc := market.RatingCommitment(o.Id, 4, providerSalt)
				head := sha256.Sum256([]byte("event log"))
				if f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: &ledgerpb.MsgDeliver{OrderId: o.Id, OutputRoot: root[:],
					EventLogHead: head[:], CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:], Result: result}}}) == nil {
					f.mu.Lock()
					j.onChain = true
					f.mu.Unlock()
				}
			case o.State == ledgerpb.OrderState_ORDER_STATE_CLOSED && o.Ratings != nil && !o.Ratings.Final && !o.Ratings.ProviderRevealed && !revealed:
				f.mu.Lock()
				j.revealed = true
				f.mu.Unlock()
				f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{OrderId: o.Id, Stars: 4, Salt: providerSalt}}})
			}
		}
	}
}

var verifierSalt = bytes.Repeat([]byte{9}, 32)

// verify commits and reveals the output roots of the disputes whose
// current round drew the verifier (the buyer's seed reveal drew it:
// dispute_drawn).
func (f *Node) verify(ctx context.Context) {
	st, err := f.n.Client.Status(ctx)
	if err != nil {
		return
	}
	next := st.SyncInfo.LatestBlockHeight + 1
	for _, o := range f.orders(ctx, client.OrdersFilter{State: ledgerpb.OrderState_ORDER_STATE_DISPUTED}) {
		drawn := false
		for _, v := range o.Dispute.Verifiers {
			drawn = drawn || bytes.Equal(v.NodeKey, f.NodeKey())
		}
		if !drawn {
			continue
		}
		j := f.jobOf(o.Id)
		f.mu.Lock()
		ready, onChain, revealed, root := j.committed, j.onChain, j.revealed, j.root
		f.mu.Unlock()
		switch {
		case ready && !onChain && next < o.Dispute.CommitDeadline:
			c := market.VerifierCommitment(o.Id, o.Dispute.Round, Address(f.opName), root[:], verifierSalt)
			if f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: o.Id, Commitment: c[:]}}}) == nil {
				f.mu.Lock()
				j.onChain = true
				f.mu.Unlock()
			}
		case onChain && !revealed && next >= o.Dispute.CommitDeadline:
			if f.n.Send(ctx, f.opName, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: o.Id, OutputRoot: root[:], Salt: verifierSalt}}}) == nil {
				f.mu.Lock()
				j.revealed = true
				f.mu.Unlock()
			}
		}
	}
}

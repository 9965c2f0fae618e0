// Package ordertest starts a test network of real nodes for the buyer's
// side of the market (client/order) and its commands: one in-process
// validator (internal/testchain, 100 ms blocks, short windows) and five
// fulfillment nodes (node.New, each with its own keys, HTTP server, blob
// store and wazero executor), all registered verifiers. It is for tests
// only.
//
// Every node but one injects a fault (node.Fault). Which node serves an
// order is chosen the way a market chooses, by price: each fault has its
// own package (Net.Package), which the faulty node offers at the floor
// price ProviderFloor while every other node asks more than any order
// pays (it bids the order's max price); the honest node, Provider, asks
// ProviderFloor for every other package. The lowest bid wins, so an order
// of Net.Package(f) lands on the node with fault f, and any other order
// on Provider, at ProviderFloor. An order whose max price is below
// ProviderFloor gets no bid ("above-max-price" from every node).
//
// The packages run one real module (testdata/prog, built with
// internal/wasmbuild): it prints "processed N bytes" and writes
// result.txt, its input "data" in upper case; with the parameter
// MODE=trap it writes TrapStderr to stderr and traps, on every node.
// Provider also sells the registered package as an offering (OfferingPrice).
//
// Provider and the node with fault skip-step also run a bot: the
// simulated lab (SimlabBotSpec, driver labsim). The skip-step node's
// package is a protocol package, a copy of ProtocolTemplate
// (PackageDir), whose runs it delivers with one warp missing from the
// log; any other protocol package a buyer publishes lands on Provider.
//
// The nodes' logs are discarded unless the environment variable
// ORDERTEST_LOG is set, which sends them to stderr.
package ordertest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// ChainID is the test chain's id.
const ChainID = "order-test"

// testManifest is the manifest of the tests' packages; NAME and PROSE
// make packages with different ids from it.
const testManifest = `
name = "NAME"
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

// TrapStderr is what a run with MODE=trap writes to stderr before it
// traps.
const TrapStderr = "MODE=trap: loading a byte beyond linear memory\n"

// ProviderFloor is every node's floor and the asking price of a node for
// the packages it serves, in ucell: what the node bids on an order of
// such a package whose max price reaches it.
const ProviderFloor = 50_000

// dearPrice is the asking price of a node for the packages it leaves to
// others, in ucell: above any order's max price, so that it bids the max
// price and loses to the node that asks ProviderFloor.
const dearPrice = 1_000_000_000

// OfferingPrice is the price of Provider's offering of the registered
// package, in ucell; its lead time is OfferingLeadTime blocks and its
// vendor stake registry.OfferingMinStake of the price.
const (
	OfferingPrice    = 120_000
	OfferingLeadTime = 30
)

// faults are the faults of the nodes besides Provider, one node each.
var faults = []node.Fault{node.FaultWrongOutput, node.FaultNoDelivery, node.FaultFalseMissingInputs, node.FaultSkipStep}

// labFaults are the faults of the nodes that have a bot besides
// Provider: their package is a protocol package (ProtocolTemplate), the
// others' a compute package.
var labFaults = []node.Fault{node.FaultSkipStep}

// ProtocolTemplate is the example protocol package (a directory) that
// the package of a node in labFaults copies, under another name:
// examples/protocols/lambda-digest-gel, with its required parameter
// ENZYME.
func ProtocolTemplate() string {
	return filepath.Join(filepath.Dir(progDir()), "..", "..", "..", "..", "examples", "protocols", "lambda-digest-gel")
}

// SimlabBotSpec is the path of the simulated lab's BotSpec
// (examples/botspecs/simlab.json), the bot of Provider and of the nodes
// in labFaults, run by the labsim driver.
func SimlabBotSpec() string {
	return filepath.Join(filepath.Dir(progDir()), "..", "..", "..", "..", "examples", "botspecs", "simlab.json")
}

// Node is a running fulfillment node of the network.
type Node struct {
	// Name is the operator's account name: Key(Name) signs its
	// transactions. Provider's is "provider", a faulty node's its fault.
	Name string
	// Fault is the node's injected fault (node.FaultNone for Provider).
	Fault node.Fault
	// Endpoint is the node's HTTP API URL.
	Endpoint string
	// Node is the node itself.
	Node *node.Node

	sender *client.Sender
}

// NodeKey is the node's public key.
func (f *Node) NodeKey() ed25519.PublicKey { return f.Node.NodeKey() }

// Net is a running test network.
type Net struct {
	// Client talks to the validator's RPC at RPC.
	Client *client.Client
	RPC    string
	// Params are the chain's params: default but for short windows
	// (reveal_window_blocks 3, verifier commit and reveal windows 20 and
	// 8, input_window_blocks 15, input_contest_window_blocks 10,
	// dispute_seed_window_blocks 20) and one verifier per dispute round,
	// whose reveal decides (min_dispute_quorum 1).
	Params *ledgerpb.Params
	// PackageID is a compute package registered by "author" (name
	// "order-test", one input "data", an optional parameter MODE),
	// served by Provider.
	PackageID spec.ID
	// PackageOther is a directory of an unregistered version of the same
	// name: only "author" may register it.
	PackageOther string
	// Provider is the honest node; Nodes are all the nodes, Provider
	// first.
	Provider *Node
	Nodes    []*Node

	packages map[node.Fault]spec.ID
	dirs     map[node.Fault]string
	log      *slog.Logger
	dir      string
	chain    *testchain.Chain
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	errs     []error
}

// Funded are the accounts funded at genesis with 10^10 ucell besides the
// validator's operator: the author, the nodes' operators (Node.Name),
// the names given to Start, and "poor" with 150 000 ucell.
var Funded = append([]string{"author", "provider"}, faultNames()...)

func faultNames() []string {
	var s []string
	for _, f := range faults {
		s = append(s, string(f))
	}
	return s
}

// Key returns the deterministic key of an account name.
func Key(name string) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(Seed(name))
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

// progDir is the directory of the tests' module, testdata/prog beside
// this file.
func progDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "prog")
}

// WritePackageDir writes a package directory of the tests' module under
// the given name with the given prose (different prose, different
// package id). The module is built once per process (tb fails when it
// does not build).
func WritePackageDir(tb testing.TB, dir, name, prose string) error {
	module := wasmbuild.Build(tb, progDir())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	manifest := strings.Replace(strings.Replace(testManifest, "PROSE", prose, 1), "NAME", name, 1)
	if err := os.WriteFile(filepath.Join(dir, packer.ManifestName), []byte(manifest), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "prog.wasm"), module, 0o644)
}

// Package returns the registered package whose orders the node with
// fault f wins (node.FaultNone: PackageID, Provider's).
func (n *Net) Package(f node.Fault) spec.ID {
	if f == node.FaultNone {
		return n.PackageID
	}
	return n.packages[f]
}

// PackageDir returns the directory of the package whose orders the node
// with fault f wins ("" for Provider's and the compute packages): for a
// node with a bot, a copy of ProtocolTemplate under another name, which
// a buyer orders by its directory so that it can fill and check its
// protocol.
func (n *Net) PackageDir(f node.Fault) string { return n.dirs[f] }

// Node returns the node with fault f (node.FaultNone: Provider), nil when
// there is none.
func (n *Net) Node(f node.Fault) *Node {
	for _, x := range n.Nodes {
		if x.Fault == f {
			return x
		}
	}
	return nil
}

// Start starts a network whose genesis also funds the named buyers with
// 10^10 ucell each, and returns once every node follows the chain as a
// registered verifier; Close stops it. tb builds the module
// (internal/wasmbuild); the network may outlive it.
func Start(tb testing.TB, buyers ...string) (*Net, error) {
	dir, err := os.MkdirTemp("", "order-test-")
	if err != nil {
		return nil, err
	}
	n := &Net{dir: dir, packages: map[node.Fault]spec.ID{}, dirs: map[node.Fault]string{}, log: slog.New(slog.DiscardHandler)}
	if os.Getenv("ORDERTEST_LOG") != "" {
		n.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := n.start(tb, buyers); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// start is Start on n, whose dir is made.
func (n *Net) start(tb testing.TB, buyers []string) (err error) {
	dir := n.dir
	p := params.Default()
	p.RevealWindowBlocks = 8 // a buyer closes and reveals in two transactions: room for a loaded machine
	p.VerifiersPerDispute = 1
	p.VerifierCommitWindow = 20
	p.VerifierRevealWindow = 8
	p.MinDisputeQuorum = 1
	p.InputWindowBlocks = 15
	p.InputContestWindowBlocks = 10
	p.DisputeSeedWindowBlocks = 20
	n.Params = p
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range append(slices.Clone(Funded), buyers...) {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: Address(name).String(), Balance: 10_000_000_000})
	}
	g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: Address("poor").String(), Balance: 150_000})
	if n.chain, err = testchain.Open(filepath.Join(dir, "chain"), testchain.Options{ChainID: ChainID, Genesis: g, Operator: Key("validator")}); err != nil {
		return err
	}
	n.RPC, n.Client = n.chain.RPC, n.chain.Client
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel

	// The nodes' listeners first: the packages' locations name them.
	names := append([]string{"provider"}, faultNames()...)
	lns := make([]net.Listener, len(names))
	for i := range names {
		if lns[i], err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return err
		}
	}
	endpoint := func(i int) string { return "http://" + lns[i].Addr().String() }
	defer func() {
		for _, l := range lns[len(n.Nodes):] {
			l.Close()
		}
	}()

	// The packages: PackageID, one per fault, and PackageOther unregistered.
	var blobs [][]byte
	register := func(name, prose string, lab bool) (spec.ID, error) {
		pdir := filepath.Join(dir, "packages", name)
		if lab {
			if err := WriteProtocolDir(pdir, name, 1); err != nil {
				return spec.ID{}, err
			}
		} else if err := WritePackageDir(tb, pdir, name, prose); err != nil {
			return spec.ID{}, err
		}
		pkg, err := packer.BuildSigned(pdir, spec.DefaultLimits(), Key("author"))
		if err != nil {
			return spec.ID{}, err
		}
		blob := pkg.Encode()
		blobs = append(blobs, blob)
		var locs []string
		for i := range names {
			locs = append(locs, endpoint(i)+nodeapi.BlobPath(sha256.Sum256(blob)))
		}
		pub, sig := pkg.Signature()
		return pkg.ID(), n.Send(ctx, "author", &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
			Envelope: pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(pkg.Spec().Bytes())),
			BlobLocations: locs}}})
	}
	if n.PackageID, err = register("order-test", "Registered at setup.", false); err != nil {
		return err
	}
	for _, f := range faults {
		lab := slices.Contains(labFaults, f)
		if n.packages[f], err = register("order-test-"+string(f), "Served by the node with the fault "+string(f)+".", lab); err != nil {
			return err
		}
		if lab {
			n.dirs[f] = filepath.Join(dir, "packages", "order-test-"+string(f))
		}
	}
	n.PackageOther = filepath.Join(dir, "packages", "other")
	if err := WritePackageDir(tb, n.PackageOther, "order-test", "Another version."); err != nil {
		return err
	}
	cache, err := warmCache(ctx, filepath.Join(dir, "wasm-cache"), blobs[0])
	if err != nil {
		return err
	}

	fcfg := follow.NewConfig().WithPollInterval(100*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	for i, name := range names {
		fault := node.Fault("")
		if i > 0 {
			fault = faults[i-1]
		}
		home := filepath.Join(dir, "nodes", name)
		cfg := config.Default(home)
		cfg.ChainRPC, cfg.Listen, cfg.Endpoint = n.RPC, lns[i].Addr().String(), endpoint(i)
		cfg.Verifier = config.Verifier{Enabled: true, Stake: p.MinVerifierStake}
		cfg.AllowPrivateFetch = true // every node and location is on 127.0.0.1
		cfg.Capacity = 8
		cfg.Pricing = pricing(fault, n.packages)
		if fault == node.FaultNone || slices.Contains(labFaults, fault) {
			cfg.Bots = []config.Bot{{BotSpec: SimlabBotSpec(), Driver: "labsim"}}
		}
		// The packages go into the node's store before it opens it, and
		// the module's compiled code into its cache.
		bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			return err
		}
		for _, b := range blobs {
			if _, _, err := bs.Put(bytes.NewReader(b)); err != nil {
				return err
			}
		}
		if err := os.CopyFS(filepath.Join(cfg.DataDir, "wasm-cache"), os.DirFS(cache)); err != nil {
			return err
		}
		// The fixture's transactions as an operator go through the node's
		// own Sender, so that their sequence numbers never collide.
		sender, err := client.NewSender(n.Client, Key(name), ChainID, p.MinFee)
		if err != nil {
			return err
		}
		nd, err := node.New(ctx, cfg, node.Options{NodeKey: Key("node " + name), OperatorKey: Key(name), Fault: fault, Listener: lns[i],
			Follow: &fcfg, Sender: sender, Log: n.log.With("node", name)})
		if err != nil {
			return fmt.Errorf("node %s: %w", name, err)
		}
		n.Nodes = append(n.Nodes, &Node{Name: name, Fault: fault, Endpoint: cfg.Endpoint, Node: nd, sender: sender})
		n.wg.Go(func() {
			if err := nd.Run(ctx); err != nil {
				n.mu.Lock()
				n.errs = append(n.errs, fmt.Errorf("node %s: %w", name, err))
				n.mu.Unlock()
			}
		})
	}
	n.Provider = n.Nodes[0]
	if err := n.waitNodes(); err != nil {
		return err
	}
	_, err = n.Provider.sender.Send(ctx, client.WaitCommit,
		&ledgerpb.Msg{Sum: &ledgerpb.Msg_SetProfile{SetProfile: &ledgerpb.MsgSetProfile{
			Name: "order-test provider", Roles: []ledgerpb.Role{ledgerpb.Role_ROLE_VENDOR}}}},
		&ledgerpb.Msg{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{
			PackageId: n.PackageID[:], Price: OfferingPrice, LeadTimeBlocks: OfferingLeadTime, NodeKey: n.Provider.NodeKey(),
			Stake: registry.OfferingMinStake(OfferingPrice, p)}}})
	if err != nil {
		return fmt.Errorf("provider's offering: %w", err)
	}
	return nil
}

// pricing is the pricing of the node with fault f: ProviderFloor for the
// packages it serves, dearPrice for the others (see the package
// documentation).
func pricing(f node.Fault, packages map[node.Fault]spec.ID) config.Pricing {
	pr := config.Pricing{Base: ProviderFloor, Minimum: ProviderFloor, Floor: ProviderFloor, PerPackage: map[string]uint64{}}
	if f != node.FaultNone {
		pr.Base = dearPrice
	}
	for g, id := range packages {
		pr.PerPackage[id.String()] = dearPrice
		if g == f {
			pr.PerPackage[id.String()] = ProviderFloor
		}
	}
	return pr
}

// warmCache runs the package blob once with an executor whose compile
// cache is dir, and returns dir: the nodes start with the module
// compiled, as nodes that served it before, so that the first run of a
// test does not spend its delivery window compiling.
func warmCache(ctx context.Context, dir string, blob []byte) (string, error) {
	pkg, err := spec.DecodePackage(blob, spec.DefaultLimits())
	if err != nil {
		return "", err
	}
	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(dir))
	if err != nil {
		return "", err
	}
	defer ex.Close(ctx)
	in := filepath.Join(filepath.Dir(dir), "warm-input")
	out := filepath.Join(filepath.Dir(dir), "warm-output")
	if err := os.WriteFile(in, []byte("warm\n"), 0o600); err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", err
	}
	res, err := batch.Run(ctx, ex, pkg, batch.Request{Inputs: map[string]string{"data": in}, OutputDir: out}, time.Minute)
	if err == nil && res.ExitCode != 0 {
		err = fmt.Errorf("exit code %d: %s", res.ExitCode, res.Stderr)
	}
	if err != nil {
		return "", fmt.Errorf("warm run of the module: %w", err)
	}
	return dir, nil
}

// waitNodes waits until every node follows the chain: a node handles
// its first block only once its announcement and its registration as a
// verifier are committed (node.Node.Run).
func (n *Net) waitNodes() error {
	deadline := time.Now().Add(time.Minute)
	for slices.ContainsFunc(n.Nodes, func(f *Node) bool { return !f.Node.Healthy() }) {
		if err := n.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errors.New("ordertest: the nodes do not follow the chain after a minute")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// Err returns the errors of nodes that stopped on their own.
func (n *Net) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return errors.Join(n.errs...)
}

// Close stops the nodes and the chain and removes its files.
func (n *Net) Close() {
	if n.cancel != nil {
		n.cancel()
	}
	n.wg.Wait()
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

// String names the node for test messages: its operator and fault.
func (f *Node) String() string {
	if f.Fault == node.FaultNone {
		return f.Name + " (honest)"
	}
	return f.Name + " (fault " + strconv.Quote(string(f.Fault)) + ")"
}

// WriteProtocolDir writes into dir a copy of ProtocolTemplate named name,
// whose protocol.json ends in extra more newlines: a package id covers
// the files but not the name, so each count of newlines makes another
// package with the same protocol (the fixture's takes 1).
func WriteProtocolDir(dir, name string, extra int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	src := ProtocolTemplate()
	for _, f := range []string{packer.ManifestName, "protocol.json"} {
		data, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return err
		}
		if f == packer.ManifestName {
			data = bytes.Replace(data, []byte(`name = "lambda-digest-gel"`), []byte(`name = "`+name+`"`), 1)
		} else {
			data = append(data, bytes.Repeat([]byte("\n"), extra)...)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

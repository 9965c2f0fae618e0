package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/internal/atomicfile"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// Fault names a fault the node injects on purpose, to test and demonstrate
// how the market treats a bad provider.
type Fault string

// Faults.
const (
	// FaultNone: the node behaves.
	FaultNone Fault = ""
	// FaultWrongOutput: the node delivers a corrupted output root (the
	// true root with its first byte flipped) while it serves the true
	// outputs; the buyer's check fails and verifiers catch it.
	FaultWrongOutput Fault = "wrong-output"
	// FaultNoDelivery: the node runs awarded jobs but never delivers, so
	// the contract fails when its delivery window ends.
	FaultNoDelivery Fault = "no-delivery"
	// FaultSilentVerifier: the node, drawn as a verifier, neither commits
	// nor reveals, so the round slashes its verifier stake.
	FaultSilentVerifier Fault = "silent-verifier"
	// FaultFalseMissingInputs: the node takes the buyer's inputs, signs
	// its input receipt and runs the job, then reports the inputs missing
	// at the contract's input deadline all the same, and delivers only
	// once the buyer's receipt, shown on chain, voided the report. A buyer
	// who kept the receipt loses nothing; one who did not would see the
	// contract fail with nobody to blame (market: ReportMissingInputs).
	FaultFalseMissingInputs Fault = "false-missing-inputs"
	// FaultSkipStep: the node's bot skips one warp of each protocol run
	// (node/bot.FaultSkipStep), and the node delivers the run's log all
	// the same: the buyer's conformance check finds the missing warp, and
	// so do the verifiers of its dispute.
	FaultSkipStep Fault = bot.FaultSkipStep
)

// Faults lists every fault a node can inject, in the order of ParseFault's
// error.
var Faults = []Fault{FaultWrongOutput, FaultNoDelivery, FaultSilentVerifier, FaultFalseMissingInputs, FaultSkipStep}

// ParseFault returns the Fault named s ("" for none); an error names the
// accepted values.
func ParseFault(s string) (Fault, error) {
	if f := Fault(s); f == FaultNone || slices.Contains(Faults, f) {
		return f, nil
	}
	names := make([]string, len(Faults))
	for i, f := range Faults {
		names[i] = string(f)
	}
	return "", fmt.Errorf("fault %q: must be %s or %s", s, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// Options are the node's keys and the knobs that node.toml does not hold.
type Options struct {
	// NodeKey is the node's ed25519 key (LoadNodeKey); required. It signs
	// the jobs' event logs and names the node in the registry.
	NodeKey ed25519.PrivateKey
	// OperatorKey is the operator account's key; required. It signs the
	// node's transactions and pays their fees and stakes.
	OperatorKey ed25519.PrivateKey
	// Fault injects a fault (default none).
	Fault Fault
	// Log receives the node's structured log (default: discarded).
	Log *slog.Logger
	// Listener, when set, is used instead of listening on the configured
	// address.
	Listener net.Listener
	// Follow configures the chain follower (default follow.NewConfig()).
	Follow *follow.Config
	// Fee is the fee of each transaction in ucell (default: the chain's
	// min_fee param).
	Fee uint64
	// Sender, when set, signs and sends the node's transactions instead
	// of a Sender of OperatorKey, whose account it must be: a daemon of
	// the same account in the same process (the operator's reputation
	// miner on a devnet) shares it, so that their sequence numbers never
	// collide. Its fee replaces Fee.
	Sender *client.Sender
	// Stars is the rating the node gives buyers, 0 to 5 (default 5).
	Stars *uint32
	// Clock is the node's only source of the time (default time.Now): it
	// stamps the entries of the jobs' event logs, judges the expiry of
	// gateway signatures, times runs and bid decisions, marks the files'
	// use for garbage collection and sets the deadlines of transfers.
	// Nothing the chain decides depends on it.
	Clock func() time.Time
}

// Node is a fulfillment node. Create it with New and run it with Run.
type Node struct {
	cfg     *config.Config
	opts    Options
	log     *slog.Logger
	nodePub ed25519.PublicKey
	opAddr  address.Address
	chain   *client.Client // the chain's status (id, latest height)
	// The engine's seams (seams.go): the ledger's state, the operator's
	// transactions, the blobs the node fetches. Tests set fakes.
	query  chainReader
	sender txSender // set by connect, once the chain id is known
	blobs  blobSource
	// provenRoot is the accepted reputation root as last read with a
	// state proof (acceptedRoot).
	provenRoot rootCache
	// http talks to the operator's own services (the miner); fetchHTTP
	// to the URLs others choose (package locations, node endpoints) and
	// refuses non-public addresses unless allow_private_fetch.
	http      *http.Client
	fetchHTTP *http.Client
	// packages holds .cellpkg blobs, served publicly at /v1/blobs; files
	// holds the orders' input and output files, served only through the
	// signed order endpoints. Both count against quota.
	packages *blobstore.Store
	files    *blobstore.Store
	quota    *blobstore.Quota
	fetch    *fetcher
	replays  *nodeapi.ReplayCache
	uploads  chan struct{} // one token per upload being received
	timeouts httpTimeouts
	gcGrace  time.Duration
	jobs     *jobStore
	exec     *wasm.Executor
	ln       net.Listener
	metrics  *metrics
	tasks    tasks

	chainID string
	params  *ledgerpb.Params
	// staking serializes ensureVerifier, so that two callers never both
	// top the same shortfall up.
	staking sync.Mutex

	decisions decisionLog
	// Where the node is on the chain: the last block handled, whether it
	// handled one, the height of its last announcement and of its last
	// garbage collection.
	height    atomic.Int64
	following atomic.Bool
	announced atomic.Int64
	collected atomic.Int64

	uploadingMu sync.Mutex
	uploading   map[uint64]map[string]int64 // bytes declared by uploads in progress, by order and input

	queue  chan uint64 // provider job order ids ready to run
	vqueue chan uint64 // verifier job order ids ready to run

	bids chan struct{}

	// bots are the node's bots (node.toml [[bots]]), loaded by New.
	bots []*bot.Bot

	// services are the service orders' instances the node hosts
	// (service.go).
	services serviceHost
}

// New opens the node's data directory (blobs, jobs, compile cache) and its
// listener. Errors: a missing key, a data directory that cannot be
// created, an address that cannot be bound.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Node, error) {
	if len(opts.NodeKey) != ed25519.PrivateKeySize || len(opts.OperatorKey) != ed25519.PrivateKeySize {
		return nil, errors.New("node: NodeKey and OperatorKey are required")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bots, err := loadBots(cfg)
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	quota := blobstore.NewQuota(cfg.BlobQuotaBytes)
	packages, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"), blobstore.WithMaxSize(cfg.MaxPackageBytes), blobstore.WithQuota(quota),
		blobstore.WithClock(opts.Clock))
	if err != nil {
		return nil, err
	}
	files, err := blobstore.Open(filepath.Join(cfg.DataDir, "files"), blobstore.WithMaxSize(cfg.BlobQuotaBytes), blobstore.WithQuota(quota),
		blobstore.WithClock(opts.Clock))
	if err != nil {
		return nil, err
	}
	op, err := address.FromPubKey(opts.OperatorKey.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	if opts.Sender != nil && opts.Sender.Address() != op {
		return nil, fmt.Errorf("node: Sender signs for %s, not for the operator %s", opts.Sender.Address(), op)
	}
	c, err := client.New(cfg.ChainRPC)
	if err != nil {
		return nil, fmt.Errorf("chain_rpc: %w", err)
	}
	if cfg.ChainTrust != "" {
		root, err := client.ParseTrustRoot(cfg.ChainTrust)
		if err != nil {
			return nil, fmt.Errorf("chain_trust: %w", err)
		}
		c.Trust(root)
	}
	jobs, err := openJobs(filepath.Join(cfg.DataDir, "jobs"))
	if err != nil {
		return nil, err
	}
	if err := movePrivateFiles(jobs, packages, files); err != nil {
		return nil, err
	}
	exec, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(filepath.Join(cfg.DataDir, "wasm-cache")).
		WithLimits(wasm.Limits{WallTime: MaxRunWallTime}))
	if err != nil {
		return nil, err
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Listen); err != nil {
			exec.Close(ctx)
			return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
		}
	}
	fetchHTTP := newFetchClient(cfg.AllowPrivateFetch)
	n := &Node{
		cfg: cfg, opts: opts, log: opts.Log.With("node", hex.EncodeToString(opts.NodeKey.Public().(ed25519.PublicKey))[:12]),
		nodePub: opts.NodeKey.Public().(ed25519.PublicKey), opAddr: op,
		chain: c, query: c, blobs: httpBlobs{http: fetchHTTP, key: opts.NodeKey},
		http: &http.Client{Timeout: 2 * time.Minute}, fetchHTTP: fetchHTTP,
		packages: packages, files: files, quota: quota, jobs: jobs, exec: exec, ln: ln,
		replays: nodeapi.NewReplayCache(replayCacheSize), uploads: make(chan struct{}, cfg.MaxConcurrentUploads),
		timeouts: defaultTimeouts, gcGrace: gcGrace, metrics: newMetrics(),
		uploading: map[uint64]map[string]int64{},
		queue:     make(chan uint64, 1024), vqueue: make(chan uint64, 1024), bids: make(chan struct{}, 8),
		bots: bots,
	}
	n.services.m = map[uint64]*hosted{}
	if opts.Sender != nil {
		n.sender = opts.Sender
	}
	n.fetch = newFetcher(n)
	return n, nil
}

// replayCacheSize bounds the nonces of gateway signatures the node
// remembers (about 10 MB): only requests whose signer has a right to the
// order reach the cache.
const replayCacheSize = 100_000

// movePrivateFiles moves the input and output files of the jobs out of
// the public package store, where a node before the split kept them.
func movePrivateFiles(jobs *jobStore, packages, files *blobstore.Store) error {
	for _, j := range jobs.all() {
		for _, sum := range j.blobSums() {
			if !packages.Has(sum) || files.Has(sum) {
				continue
			}
			f, _, err := packages.Open(sum)
			if err != nil {
				return err
			}
			_, err = files.PutExpect(f, sum)
			f.Close()
			if err != nil {
				return fmt.Errorf("move %x to the private files: %w", sum, err)
			}
			if err := packages.Delete(sum); err != nil {
				return err
			}
		}
	}
	return nil
}

// NodeKey returns the node's public key.
func (n *Node) NodeKey() ed25519.PublicKey { return n.nodePub }

// Operator returns the operator account's address.
func (n *Node) Operator() address.Address { return n.opAddr }

// Addr returns the address the HTTP server listens on.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// Run serves HTTP, registers the node, resumes its jobs and follows the
// chain until ctx is done. It returns nil after a clean shutdown, or the
// error that stopped it.
func (n *Node) Run(ctx context.Context) error {
	defer n.exec.Close(context.WithoutCancel(ctx))
	// Before the executor closes, and after the HTTP server and the
	// tasks stopped: stop the service instances and deliver what they
	// served.
	defer n.stopServices(context.WithoutCancel(ctx))
	ctx, cancel := context.WithCancel(ctx)
	// Stop the background tasks, then wait for them, before the executor
	// closes.
	defer n.tasks.wait()
	defer cancel()
	srv := n.server()
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(netutil.LimitListener(n.ln, n.cfg.MaxConnections)) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	if err := n.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	n.start(ctx)

	from, err := n.cursor(ctx)
	if err != nil {
		return err
	}
	if err := n.resumeServices(from - 1); err != nil {
		return err
	}
	fcfg := follow.NewConfig()
	if n.opts.Follow != nil {
		fcfg = *n.opts.Follow
	}
	f := follow.New(n.cfg.ChainRPC, fcfg, n.log)
	ferr := make(chan error, 1)
	go func() { ferr <- f.Run(ctx, from, n.handleBlock) }()
	select {
	case err := <-ferr:
		return err
	case err := <-srvErr:
		return fmt.Errorf("http server: %w", err)
	}
}

// start starts the engine's workers (capacity for provider jobs, one for
// verifier jobs) and re-queues the runs a crash or a stop interrupted.
// The workers stop when ctx is done; tasks.wait waits for them.
func (n *Node) start(ctx context.Context) {
	for range n.cfg.Capacity {
		n.tasks.goBackground(func() { n.worker(ctx, n.queue) })
	}
	n.tasks.goBackground(func() { n.worker(ctx, n.vqueue) })
	n.resume(ctx)
}

// connect waits for the chain, reads its id and params, announces the node
// and registers it as a verifier when configured; it retries with backoff
// until ctx is done.
func (n *Node) connect(ctx context.Context) error {
	return client.Retry(ctx, n.tryConnect, func(err error, wait time.Duration) {
		n.log.Warn("cannot register with the chain yet", "err", err, "retry_in", wait)
	})
}

func (n *Node) tryConnect(ctx context.Context) error {
	st, err := n.chain.Status(ctx)
	if err != nil {
		return err
	}
	n.chainID = st.NodeInfo.Network
	p, err := n.queryParams(ctx)
	if err != nil {
		return err
	}
	n.params = p
	fee := n.opts.Fee
	if fee == 0 {
		fee = p.GetMinFee()
	}
	if n.sender == nil {
		s, err := client.NewSender(n.chain, n.opts.OperatorKey, n.chainID, fee)
		if err != nil {
			return err
		}
		n.sender = s
	}
	if err := n.announce(ctx, client.WaitCommit); err != nil {
		return fmt.Errorf("announce: %w", err)
	}
	return n.ensureVerifier(ctx)
}

// ensureVerifier keeps the node registered as a verifier when configured:
// it registers it, or tops its stake up to the configured stake after a
// slash (market: RegisterVerifier adds to an existing verifier), so that
// a verifier slashed to nothing comes back once its operator has funds.
func (n *Node) ensureVerifier(ctx context.Context) error {
	if !n.cfg.Verifier.Enabled {
		return nil
	}
	n.staking.Lock()
	defer n.staking.Unlock()
	var have uint64
	if v, err := n.query.Verifier(ctx, n.nodePub); err == nil {
		have = v.GetStake()
	}
	want := max(n.cfg.Verifier.Stake, n.params.GetMinVerifierStake())
	if have >= want {
		return nil
	}
	// A proven reputation in the verifier skill weights the node in
	// dispute draws; without one it is drawn at the base weight.
	_, proof, perr := n.ownReputation(ctx, market.VerifierSkill)
	if perr != nil {
		n.log.Warn("verifier registration without a reputation proof", "err", perr)
	}
	if _, err := n.sender.Send(ctx, client.WaitCommit, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterVerifier{RegisterVerifier: &ledgerpb.MsgRegisterVerifier{
		NodeKey: n.nodePub, Stake: want - have, ReputationProof: proof}}}); err != nil {
		return fmt.Errorf("register verifier: %w", err)
	}
	n.log.Info("registered as verifier", "stake", want, "added", want-have)
	return nil
}

func (n *Node) queryParams(ctx context.Context) (*ledgerpb.Params, error) {
	p, err := n.query.Params(ctx)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	return p, nil
}

// announce (re-)announces the node in the registry.
func (n *Node) announce(ctx context.Context, mode client.Mode) error {
	capacity := uint32(min(n.cfg.Capacity, 1<<16))
	res, err := n.sender.Send(ctx, mode, &ledgerpb.Msg{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: &ledgerpb.MsgAnnounceNode{
		NodePubkey: n.nodePub, Endpoint: n.cfg.Endpoint, Architectures: n.architectures(), BotspecHashes: n.botSpecHashes(), Capacity: capacity,
		NodeSignature: registry.SignNodeKeyProof(n.opts.NodeKey, n.chainID, n.opAddr), Prices: n.cfg.Pricing.PriceList(),
	}}})
	if err != nil {
		return err
	}
	n.announced.Store(max(res.Height, n.height.Load()))
	n.log.Info("announced", "endpoint", n.cfg.Endpoint, "operator", n.opAddr.String(), "height", res.Height)
	return nil
}

// cursorPath holds the first height not yet handled.
func (n *Node) cursorPath() string { return filepath.Join(n.cfg.DataDir, "cursor") }

// cursor returns the height to follow from: the saved cursor, or the
// chain's latest height for a new node (it serves orders from now on).
func (n *Node) cursor(ctx context.Context) (int64, error) {
	b, err := os.ReadFile(n.cursorPath())
	if err == nil {
		h, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cursor file %s: %w", n.cursorPath(), err)
		}
		return h, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return 0, err
	}
	st, err := n.chain.Status(ctx)
	if err != nil {
		return 0, err
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

func (n *Node) saveCursor(next int64) error {
	return atomicfile.WriteFile(n.cursorPath(), []byte(strconv.FormatInt(next, 10)+"\n"), 0o600)
}

// handleBlock reacts to one committed block: new orders, awards, disputes,
// closes and ends of contracts; then the verifier reveals that became due
// and the re-announcement.
func (n *Node) handleBlock(ctx context.Context, b follow.Block) error {
	n.height.Store(b.Height)
	n.following.Store(true)
	n.metrics.height.Set(float64(b.Height))
	var evs []event.Typed
	for _, t := range b.Txs {
		if t.Code == 0 {
			evs = append(evs, t.Events...)
		}
	}
	evs = append(evs, b.Events...)
	mine := func(key []byte) bool { return bytes.Equal(key, n.nodePub) }
	for _, e := range evs {
		switch e := e.(type) {
		case market.EventOrderCreated:
			n.considerBid(ctx, e.OrderID, b.Height)
		case market.EventOrderAwarded:
			if mine(e.NodeKey) {
				n.onAward(ctx, e)
			}
		case market.EventServiceStopped:
			n.buyerStopped(e.OrderID, e.StopHeight)
		case market.EventDisputeDrawn:
			if slices.ContainsFunc(e.Verifiers, mine) {
				n.onDrawn(ctx, e)
			}
		case market.EventOrderClosed:
			n.onClosed(ctx, e.OrderID)
			n.serviceClosed(ctx, e.OrderID)
		case market.EventOrderDelivered:
			n.markState(e.OrderID, nodeapi.RoleProvider, nodeapi.StateExecuted, nodeapi.StateDelivered)
		case market.EventOrderFailed:
			n.markDone(e.OrderID, nodeapi.RoleProvider)
		case market.EventRatingsFinal:
			n.markDone(e.OrderID, nodeapi.RoleProvider)
		case market.EventOrderCancelled:
			n.markDone(e.OrderID, nodeapi.RoleProvider)
		case market.EventDisputeDecided:
			id := e.OrderID
			n.markDone(id, nodeapi.RoleVerifier)
			if slices.ContainsFunc(e.Slashed, mine) {
				// Slashed: stake again at once rather than at the next
				// re-announcement, so the node stays drawable.
				n.async(ctx, "verifier", n.ensureVerifier)
			}
			switch e.State {
			case market.StateName(ledgerpb.OrderState_ORDER_STATE_DISPUTED): // an undecided round: the next one draws others
			case market.StateName(ledgerpb.OrderState_ORDER_STATE_AWARDED): // outcome redo: the same provider delivers again
				n.onRedo(ctx, id)
			case market.StateName(ledgerpb.OrderState_ORDER_STATE_OPEN): // outcome redo by another provider: bid again
				n.markDone(id, nodeapi.RoleProvider)
				n.considerBid(ctx, id, b.Height)
			default:
				n.markDone(id, nodeapi.RoleProvider)
			}
		}
	}
	n.revealDue(ctx, b.Height)
	n.serviceBlock(ctx, b.Height)
	n.reportMissingInputs(ctx, b.Height)
	if n.opts.Fault == FaultFalseMissingInputs {
		n.reportInputsFalsely(ctx, b.Height)
	}
	due := n.params != nil && b.Height >= n.announced.Load()+int64(n.params.GetNodeTtlBlocks()/2)
	if c := n.collected.Load(); c == 0 || b.Height >= c+gcEveryBlocks {
		n.collected.Store(b.Height)
		n.async(ctx, "gc", func(ctx context.Context) error { return n.collect(ctx, b.Height) })
	}
	if due {
		n.async(ctx, "announce", func(ctx context.Context) error {
			if err := n.announce(ctx, client.WaitCheck); err != nil {
				return err
			}
			return n.ensureVerifier(ctx)
		})
	}
	return n.saveCursor(b.Height + 1)
}

// async runs f once at a time per name, in the background, logging its
// error.
func (n *Node) async(ctx context.Context, name string, f func(context.Context) error) {
	n.tasks.once(name, func() {
		if err := f(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn(name+" failed", "err", err)
		}
	})
}

func (n *Node) markState(id uint64, role, from, to string) {
	n.jobs.update(id, role, func(j *Job) error {
		if j.State != from {
			return errNoChange
		}
		j.State = to
		return nil
	})
}

var errNoChange = errors.New("no change")

// markDone marks a job the chain has finished with, at the current
// height: its files are kept retention_blocks from then.
func (n *Node) markDone(id uint64, role string) {
	h := n.currentHeight()
	n.jobs.update(id, role, func(j *Job) error {
		if j.Done {
			return errNoChange
		}
		j.Done, j.DoneHeight = true, h
		return nil
	})
}

func (n *Node) currentHeight() int64 { return n.height.Load() }

// now reads the node's clock (Options.Clock).
func (n *Node) now() time.Time { return n.opts.Clock() }

// order reads an order with its bids from the chain.
func (n *Node) order(ctx context.Context, id uint64) (*ledgerpb.OrderResponse, error) {
	r, err := n.query.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	return r, nil
}

// registeredPackage reads a package's registry record.
func (n *Node) registeredPackage(ctx context.Context, id []byte) (*ledgerpb.Package, error) {
	p, err := n.query.Package(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("package %x: %w", id, err)
	}
	return p, nil
}

// Healthy reports whether the node has handled a block.
func (n *Node) Healthy() bool { return n.following.Load() }

// Jobs returns the node's jobs, by order id.
func (n *Node) Jobs() []Job { return n.jobs.all() }

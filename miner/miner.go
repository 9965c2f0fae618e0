package miner

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// Defaults of Options.
const (
	// DefaultListen is the host:port of the HTTP server.
	DefaultListen = "127.0.0.1:26690"
	// DefaultChainRPC is the CometBFT RPC of a local node.
	DefaultChainRPC = "http://127.0.0.1:26657"
)

// maxSubmitAttempts bounds the submissions of one cycle that fail.
const maxSubmitAttempts = 3

// Options configure a Miner.
type Options struct {
	// ChainRPC is the http(s) URL of a CometBFT RPC server (default
	// DefaultChainRPC).
	ChainRPC string
	// Key is the miner account's ed25519 key; required. It signs the
	// stake and the submissions and names the miner on chain.
	Key ed25519.PrivateKey
	// Listen is the host:port of the HTTP server (default DefaultListen).
	Listen string
	// Listener, when set, is used instead of listening on Listen.
	Listener net.Listener
	// DataDir, when set, receives DATA/checks.jsonl: one JSON line per
	// accepted cycle that the miner compared with its own root, the
	// last 1 to 2 MiB of them (the older in checks.jsonl.1). Nothing
	// else is kept on disk: at every start the miner replays every frozen
	// cycle from the chain.
	DataDir string
	// Stake is the stake in ucell the miner makes sure it has at start,
	// staking the difference when it has less; at least the chain's
	// min_miner_stake, which buys one entry index (also the default).
	Stake uint64
	// Fee is the fee of each transaction in ucell (default: the chain's
	// min_fee).
	Fee uint64
	// Log receives the miner's structured log (default: discarded).
	Log *slog.Logger
	// Follow configures the chain follower (default follow.NewConfig()).
	Follow *follow.Config
	// Chain, when set, replaces the chain of ChainRPC for queries and
	// transactions (tests); the follower still reads blocks from ChainRPC.
	Chain Chain
	// Sender, when set, signs and sends the miner's transactions over
	// ChainRPC instead of a Sender of Key, whose account it must be: a
	// daemon of the same account in the same process (the operator's
	// fulfillment node on a devnet) shares its Sender, so that their
	// sequence numbers never collide. Its fee replaces Fee.
	Sender *client.Sender
	// Fault injects a fault on purpose, for tests and the devnet (default
	// none): FaultWrongRoot submits and defends a wrong root.
	Fault Fault
}

// Miner is a reputation miner. Create it with New and run it with Run.
type Miner struct {
	opts  Options
	log   *slog.Logger
	addr  address.Address
	chain Chain
	rpc   *client.Client
	rep   *Replayer
	ln    net.Listener

	mu        sync.Mutex
	following bool
	accepted  *proofapi.Root
	agrees    *bool // own root of accepted.Cycle equals accepted.Root
	checked   uint64
	hasCheck  bool
	// submitted and attempts are kept per submission window of a cycle:
	// a window that opens again with the miner's submission gone (every
	// claim lost, or recovery mode set the root back) takes a new one.
	submitted map[window]bool
	attempts  map[window]int
	inflight  bool
	best      bestEntry
	waiting   string // the last reason logged for not submitting
	params    *ledgerpb.Params
	record    *ledgerpb.Miner // nil: no stake
	readFor   uint64          // 1 + the mining cycle for which params and record were read
	claim     *claim          // of the mining cycle
	answers   answers
}

// window identifies a submission window: its cycle and first height.
type window struct {
	cycle uint64
	start int64
}

// bestEntry caches the lowest entry hash of a cycle's root.
type bestEntry struct {
	cycle   uint64
	root    patricia.Hash
	entries uint64
	n       uint64
	hash    patricia.Hash
	ok      bool
}

// New checks opts, connects the RPC client and opens the listener; it
// does not talk to the chain yet. Errors: a missing key, a bad RPC URL,
// an address that cannot be bound.
func New(opts Options) (*Miner, error) {
	if len(opts.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("miner: Key is required")
	}
	if opts.ChainRPC == "" {
		opts.ChainRPC = DefaultChainRPC
	}
	if opts.Listen == "" {
		opts.Listen = DefaultListen
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	addr, err := address.FromPubKey(opts.Key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	if opts.Sender != nil && opts.Sender.Address() != addr {
		return nil, fmt.Errorf("miner: Sender signs for %s, not for the miner %s", opts.Sender.Address(), addr)
	}
	if _, err := ParseFault(string(opts.Fault)); err != nil {
		return nil, fmt.Errorf("miner: %w", err)
	}
	c, err := client.New(opts.ChainRPC)
	if err != nil {
		return nil, fmt.Errorf("miner: chain rpc: %w", err)
	}
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("miner: data dir: %w", err)
		}
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", opts.Listen); err != nil {
			return nil, fmt.Errorf("miner: listen %s: %w", opts.Listen, err)
		}
	}
	m := &Miner{opts: opts, log: opts.Log.With("miner", addr.String()), addr: addr, chain: opts.Chain, rpc: c, ln: ln,
		submitted: map[window]bool{}, attempts: map[window]int{}}
	if m.chain == nil {
		rc := newChain(c, opts.Key)
		rc.sender = opts.Sender
		m.chain = rc
	}
	m.rep = NewReplayer(m.chain)
	return m, nil
}

// Address returns the miner's account address.
func (m *Miner) Address() address.Address { return m.addr }

// Addr returns the address the HTTP server listens on.
func (m *Miner) Addr() net.Addr { return m.ln.Addr() }

// Replayer returns the miner's replayer, whose cycles it serves.
func (m *Miner) Replayer() *Replayer { return m.rep }

// Healthy reports whether the miner follows the chain.
func (m *Miner) Healthy() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.following
}

// Run serves HTTP, makes sure of the stake, and follows the chain from
// its latest block until ctx is done: at each block it replays the cycles
// frozen since, compares its roots with the accepted one, and submits the
// mining cycle's root once an entry index is eligible. It returns nil
// after a clean shutdown, or the error that stopped it.
func (m *Miner) Run(ctx context.Context) error {
	srv := &http.Server{Handler: m.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(m.ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := m.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	st, err := m.rpc.Status(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("miner: chain status: %w", err)
	}
	// Nothing of the past blocks is needed: every block handler reads the
	// chain's current mining state and replays from the logs.
	from := st.SyncInfo.LatestBlockHeight
	fcfg := follow.NewConfig()
	if m.opts.Follow != nil {
		fcfg = *m.opts.Follow
	}
	f := follow.New(m.opts.ChainRPC, fcfg, m.log)
	var wg sync.WaitGroup
	defer wg.Wait()
	ferr := make(chan error, 1)
	go func() {
		ferr <- f.Run(ctx, from, func(ctx context.Context, b follow.Block) error {
			m.step(ctx, b.Height, &wg)
			return nil
		})
	}()
	select {
	case err := <-ferr:
		return err
	case err := <-srvErr:
		return fmt.Errorf("miner: http server: %w", err)
	}
}

// connect reads the chain id and params and makes sure of the stake,
// retrying with backoff until ctx is done.
func (m *Miner) connect(ctx context.Context) error {
	return client.Retry(ctx, m.tryConnect, func(err error, wait time.Duration) {
		m.log.Warn("cannot set up with the chain yet", "err", err, "retry_in", wait)
	})
}

func (m *Miner) tryConnect(ctx context.Context) error {
	if rc, ok := m.chain.(*rpcChain); ok && rc.sender == nil {
		st, err := m.rpc.Status(ctx)
		if err != nil {
			return err
		}
		p, err := m.chain.Params(ctx)
		if err != nil {
			return fmt.Errorf("params: %w", err)
		}
		fee := m.opts.Fee
		if fee == 0 {
			fee = p.GetMinFee()
		}
		if rc.sender, err = client.NewSender(m.rpc, m.opts.Key, st.NodeInfo.Network, fee); err != nil {
			return err
		}
	}
	return m.EnsureStake(ctx)
}

// EnsureStake stakes the difference (MsgStakeMiner) when the miner's
// stake is below Options.Stake or the chain's min_miner_stake, whichever
// is higher, and reads the record (stake and since_height) that the
// entry indices and the eligibility follow. Errors: those of the chain's
// queries and of the transaction.
func (m *Miner) EnsureStake(ctx context.Context) error {
	p, err := m.chain.Params(ctx)
	if err != nil {
		return fmt.Errorf("params: %w", err)
	}
	want := max(m.opts.Stake, p.GetMinMinerStake())
	rec, err := m.chain.Miner(ctx, m.addr)
	if err != nil {
		return fmt.Errorf("miner record: %w", err)
	}
	if have := rec.GetStake(); have < want {
		m.log.Info("staking", "have", have, "want", want, "amount", want-have)
		if _, err := m.chain.Send(ctx, &ledgerpb.Msg{Sum: &ledgerpb.Msg_StakeMiner{StakeMiner: &ledgerpb.MsgStakeMiner{Amount: want - have}}}); err != nil {
			return fmt.Errorf("stake %d ucell: %w", want-have, err)
		}
		if rec, err = m.chain.Miner(ctx, m.addr); err != nil {
			return fmt.Errorf("miner record: %w", err)
		}
	}
	m.mu.Lock()
	m.params, m.record = p, rec
	m.mu.Unlock()
	m.log.Info("staked", "stake", rec.GetStake(), "since_height", rec.GetSinceHeight(), "min_miner_stake", p.GetMinMinerStake(),
		"entries", Entries(rec.GetStake(), p.GetMinMinerStake()), "may_submit_from", SubmitFrom(rec, p))
	return nil
}

// step does the miner's work after the block at height committed: it
// reads the mining status, replays the cycles frozen since the last step,
// compares its root of the accepted cycle with the accepted root, and
// submits the mining cycle's root when an entry index is eligible at the
// next height. A submission runs in the background, tracked by wg. Errors
// are logged: the next block tries again.
func (m *Miner) step(ctx context.Context, height int64, wg *sync.WaitGroup) {
	m.mu.Lock()
	m.following = true
	m.mu.Unlock()
	st, err := m.chain.Mining(ctx)
	if err != nil {
		m.log.Warn("mining status", "height", height, "err", err)
		return
	}
	var acc *proofapi.Root
	if st.GetAccepted() != nil {
		r, err := proofapi.RootFromProto(st.GetAccepted())
		if err != nil {
			m.log.Error("accepted root", "err", err)
		} else {
			acc = &r
			// Before the replay, so that the replay keeps its state.
			m.rep.Keep(r.Cycle)
		}
	}
	m.mu.Lock()
	m.accepted = acc
	if acc == nil || !m.hasCheck || m.checked != acc.Cycle {
		m.agrees = nil
	}
	m.mu.Unlock()
	if open := st.GetOpenCycle(); open > 0 {
		n, err := m.rep.Sync(ctx, open-1)
		if err != nil {
			m.log.Error("replay", "through_cycle", open-1, "err", err)
		}
		if n > 0 {
			if c, ok := m.rep.Latest(); ok {
				m.log.Info("replayed", "cycles", n, "cycle", c.Cycle, "root", hex0x(c.Root[:]), "n_leaves", c.NLeaves, "jrh", hex0x(c.JRH[:]),
					"entries", c.Entries, "updates", c.Updates)
			}
		}
	}
	if acc != nil {
		m.check(*acc)
	}
	switch {
	case st.GetMining() && st.GetChallenging():
		m.defend(ctx, height, st, wg)
	case st.GetMining():
		m.consider(ctx, height, st, wg)
	}
}

// check compares the miner's root of the accepted cycle with the accepted
// root, once per accepted cycle, and logs the outcome: an error when they
// differ.
func (m *Miner) check(acc proofapi.Root) {
	m.mu.Lock()
	done := m.hasCheck && m.checked == acc.Cycle
	m.mu.Unlock()
	if done {
		return
	}
	c, ok := m.rep.Cycle(acc.Cycle)
	if !ok {
		return // not replayed (yet)
	}
	agrees := c.Root == acc.Root && c.NLeaves == acc.NLeaves && (!c.Justified || c.JRH == acc.JRH)
	m.mu.Lock()
	m.checked, m.hasCheck, m.agrees = acc.Cycle, true, &agrees
	m.mu.Unlock()
	if agrees {
		m.log.Info("accepted root agrees with ours", "cycle", acc.Cycle, "root", hex0x(acc.Root[:]), "n_leaves", acc.NLeaves)
	} else {
		m.log.Error("REPUTATION ROOT DISAGREEMENT: the chain accepted a root that is not ours",
			"cycle", acc.Cycle, "accepted_root", hex0x(acc.Root[:]), "accepted_n_leaves", acc.NLeaves, "accepted_jrh", hex0x(acc.JRH[:]),
			"accepted_height", acc.Height, "our_root", hex0x(c.Root[:]), "our_n_leaves", c.NLeaves, "our_jrh", hex0x(c.JRH[:]))
	}
	m.recordCheck(acc, c, agrees)
}

// checksMaxBytes is the size at which DATA/checks.jsonl is renamed
// DATA/checks.jsonl.1 (replacing the one before) and started afresh: a
// miner keeps the last 1 to 2 MiB of checks, some 2,400 to 4,800 cycles
// of about 430 bytes, instead of a line per cycle for ever.
const checksMaxBytes = 1 << 20

// recordCheck appends the outcome of a check to DATA/checks.jsonl,
// first moving a file of checksMaxBytes or more to checks.jsonl.1.
func (m *Miner) recordCheck(acc proofapi.Root, c *Cycle, agrees bool) {
	if m.opts.DataDir == "" {
		return
	}
	path := filepath.Join(m.opts.DataDir, "checks.jsonl")
	if fi, err := os.Stat(path); err == nil && fi.Size() >= checksMaxBytes {
		if err := os.Rename(path, path+".1"); err != nil {
			m.log.Warn("rotate checks", "err", err)
		}
	}
	line, _ := json.Marshal(struct {
		Cycle    uint64             `json:"cycle"`
		Accepted *proofapi.RootInfo `json:"accepted"`
		Ours     *proofapi.RootInfo `json:"ours"`
		Agrees   bool               `json:"agrees"`
	}{acc.Cycle, acc.Info(), c.Info(), agrees})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		m.log.Warn("record check", "err", err)
	}
}

// consider submits the mining cycle's claim (its root, or with
// FaultWrongRoot a forged one) when the miner may submit — staked long
// enough, an entry index eligible at the next height — and logs why it
// waits otherwise (once per reason): in recovery mode the chain refuses
// submissions, and the window restarts when it ends.
func (m *Miner) consider(ctx context.Context, height int64, st *ledgerpb.MiningStatus, wg *sync.WaitGroup) {
	cycle := st.GetMiningCycle()
	w := window{cycle, st.GetWindowStart()}
	m.mu.Lock()
	busy := m.submitted[w] || m.inflight || m.attempts[w] >= maxSubmitAttempts
	m.mu.Unlock()
	if busy {
		return
	}
	for _, s := range st.GetSubmissions() {
		if s.GetCycle() == cycle && bytes.Equal(s.GetMiner(), m.addr[:]) {
			m.mu.Lock()
			m.submitted[w] = true
			m.mu.Unlock()
			m.log.Info("already submitted", "cycle", cycle, "entry_index", s.GetEntryIndex(), "height", s.GetHeight())
			return
		}
	}
	if _, ok := m.rep.Defense(cycle); !ok {
		m.wait(cycle, "cycle not replayed yet")
		return
	}
	if st.GetRecovery() {
		m.wait(cycle, "reputation mining is in recovery mode")
		return
	}
	if !m.refresh(ctx, cycle) {
		return // the next block tries again
	}
	m.mu.Lock()
	p, rec := m.params, m.record
	m.mu.Unlock()
	entries := Entries(rec.GetStake(), p.GetMinMinerStake())
	if entries == 0 {
		m.wait(cycle, "stake below min_miner_stake: no entry index")
		return
	}
	next := height + 1 // the earliest block a transaction can enter
	start, end := st.GetWindowStart(), st.GetWindowEnd()
	if next > end {
		m.wait(cycle, "submission window closed", "window_end", end)
		return
	}
	if from := SubmitFrom(rec, p); next < from {
		m.wait(cycle, fmt.Sprintf("staked too briefly: may submit from height %d", from), "since_height", rec.GetSinceHeight(),
			"miner_min_staked_cycles", p.GetMinerMinStakedCycles(), "reputation_cycle_blocks", p.GetReputationCycleBlocks(), "window_end", end)
		return
	}
	cl, ok := m.claimFor(cycle)
	switch {
	case !ok:
		m.wait(cycle, "cycle not replayed yet")
		return
	case cl.none != "":
		m.wait(cycle, cl.none)
		return
	}
	best := m.bestFor(cycle, cl.root, entries)
	if !Eligible(best.hash, next, start, end) {
		m.wait(cycle, "no entry index eligible yet", "entry_index", best.n, "entries", entries,
			"eligible_at", EligibleAt(best.hash, next, start, end), "window_start", start, "window_end", end)
		return
	}
	m.mu.Lock()
	m.inflight = true
	m.attempts[w]++
	m.mu.Unlock()
	msg := &ledgerpb.MsgSubmitRootHash{Cycle: cycle, Root: cl.root[:], NLeaves: cl.nLeaves, Jrh: cl.jrh[:], EntryIndex: best.n}
	args := []any{"cycle", cycle, "root", hex0x(cl.root[:]), "n_leaves", cl.nLeaves, "jrh", hex0x(cl.jrh[:]), "entry_index", best.n}
	if cl.forged {
		args = append(args, "fault", m.opts.Fault, "forged_update", cl.forgedAt)
	}
	m.log.Info("submitting", append(args, "height", next)...)
	wg.Go(func() {
		res, err := m.chain.Send(ctx, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitRootHash{SubmitRootHash: msg}})
		tooBriefly := refusedWith(res, ledgerrep.ErrStakedTooBriefly)
		m.mu.Lock()
		m.inflight = false
		if err == nil {
			m.submitted[w] = true
		}
		if tooBriefly {
			// Not an attempt: the miner waits until it may submit, with
			// its record read again.
			m.attempts[w]--
			m.readFor = 0
		}
		m.mu.Unlock()
		switch {
		case err != nil && ctx.Err() != nil:
			return // shutting down
		case tooBriefly:
			m.log.Warn("submission refused: staked too briefly", "cycle", cycle, "err", err)
			return
		case err != nil:
			m.log.Error("submission failed", "cycle", cycle, "entry_index", best.n, "err", err)
			return
		}
		m.log.Info("submitted", "cycle", cycle, "entry_index", best.n, "tx_height", res.Height)
	})
}

// refresh reads the params and the miner's record again once per mining
// cycle (and after a refusal for a stake too recent), so that the entry
// indices and the eligibility follow a stake (a slash) or params changed
// since the start. It reports whether they are fresh.
func (m *Miner) refresh(ctx context.Context, cycle uint64) bool {
	m.mu.Lock()
	fresh := m.readFor == cycle+1
	m.mu.Unlock()
	if fresh {
		return true
	}
	p, err := m.chain.Params(ctx)
	if err != nil {
		m.log.Warn("cannot read the params", "err", err)
		return false
	}
	rec, err := m.chain.Miner(ctx, m.addr)
	if err != nil {
		m.log.Warn("miner record", "err", err)
		return false
	}
	m.mu.Lock()
	m.params, m.record, m.readFor = p, rec, cycle+1
	m.mu.Unlock()
	return true
}

// bestFor returns the best entry index for the root the miner submits
// for cycle, computed once per cycle, root and stake.
func (m *Miner) bestFor(cycle uint64, root patricia.Hash, entries uint64) bestEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b := m.best; b.ok && b.cycle == cycle && b.root == root && b.entries == entries {
		return b
	}
	n, h := BestEntry(m.addr, root, entries)
	m.best = bestEntry{cycle: cycle, root: root, entries: entries, n: n, hash: h, ok: true}
	return m.best
}

// wait logs why the miner does not submit in cycle, once per cycle and
// reason.
func (m *Miner) wait(cycle uint64, reason string, args ...any) {
	key := fmt.Sprint(cycle, reason)
	m.mu.Lock()
	same := m.waiting == key
	m.waiting = key
	m.mu.Unlock()
	if !same {
		m.log.Info("waiting: "+reason, append([]any{"cycle", cycle}, args...)...)
	}
}

// snapshot returns what the HTTP handlers serve.
func (m *Miner) snapshot() (acc *proofapi.Root, agrees *bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.accepted, m.agrees
}

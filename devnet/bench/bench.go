// Package bench measures how many transactions per second a single
// validator commits, for the ledger and, through the same harness, for
// CometBFT's own kvstore example application, so that the ratio of the two
// says what the ledger costs on top of consensus.
//
// The harness, for each application:
//
//  1. writes a fresh home in a temporary directory (one validator, the
//     given block time, a mempool large enough for every transaction);
//  2. starts CometBFT in this process with the application;
//  3. submits the pre-built transactions through the mempool
//     (broadcast_tx_sync on the node's local RPC client), from one
//     goroutine per sender so that each sender's transactions arrive in
//     order (the ledger checks sequence numbers);
//  4. counts the transactions in committed blocks until all are in, and
//     reports committed transactions over the time from the first
//     submission to the commit of the last.
//
// Ledger transactions are bank transfers between Accounts accounts funded
// at genesis, signed before the clock starts. kvstore transactions are
// distinct "key=value" pairs of the same count.
//
// Both applications run with the same node settings: one validator,
// CometBFT's default consensus params (block max_bytes 4 MiB), the given
// timeout_commit, empty blocks on, a mempool (and its cache) of Txs +
// 1,000 transactions and 1 GiB, recheck on, and the null transaction
// indexer. A run ends with the commit of the block that holds the last
// transaction, so each time is a whole number of block intervals plus
// the wait for the last block: kvstore, whose transactions are all in
// within about 0.1–0.3 s, commits 30,000 in one or two blocks (0.17 s or
// 0.28–0.41 s measured), and the ratio of a 30,000-transaction run moves
// with it (0.14 to 0.39 over a series of runs). More transactions (Txs
// 100,000: 0.24–0.32) give a steadier ratio; the ledger's own rate, and
// BenchmarkLedger's CPU per transaction, are the steadier figures to
// compare builds by.
//
// # Market
//
// RunMarket (cell bench market) measures completed purchase orders per
// second on the same kind of node (ledger/market: "Lifecycle"). Genesis
// funds an author, the buyers and the providers, with the default params
// but a short reveal_window_blocks. Setup, not measured: the author
// registers a compute package (a signed envelope; the package is never
// run) and every provider announces a wasm node. Then, each phase
// submitting its transactions (one goroutine per sender, each account's
// sequence tracked across phases) and waiting for their commit before the
// next starts, since each step needs the state the previous one
// committed:
//
//  1. create: the buyers create Orders orders (bid window BidWindow);
//     their ids (sequential from 1) and buyers are read with the
//     "market/orders" query;
//  2. bid: every provider bids on every order; provider id mod Providers
//     bids lowest, so the winner of each order is known in advance;
//  3. award: the block hook awards every order at its bid deadline; the
//     winners are checked with the "market/orders" query. Meanwhile the
//     delivers, closes and reveals are signed (SignSeconds);
//  4. deliver: the winners deliver (completion and rating commitments,
//     CompletionCommitment and RatingCommitment);
//  5. close: the buyers close, revealing the completion code;
//  6. reveal: buyers and providers reveal their ratings;
//  7. final: the block hook makes the ratings final at the reveal
//     deadline.
//
// The clock runs from the first create_order submission to the commit of
// the block in which the last ratings became final, so that it includes
// the waits for the bid and reveal deadlines (windows are in blocks:
// shorter windows give more orders per second, as long as each phase's
// transactions still commit within them). Creates and bids are signed
// before the clock starts. OrdersPerSec is Orders over that time and TPS
// the market transactions (Orders × (5 + Providers)) over it. A failed
// transaction, an expired or failed order, or an order that does not end
// CLOSED with both ratings revealed and final is an error.
//
// # Challenge
//
// RunChallenge (cell bench challenge) measures what it takes the ledger
// to defeat a wrong reputation root (ledger/reputation: "Challenges";
// Colony whitepaper §7.5) for a cycle of Entries log entries, on the
// real Application over IAVL on disk, driven through ABCI as RunDue
// drives it: every block runs ProcessProposal, FinalizeBlock and Commit,
// and every transaction is signed.
//
//  1. Genesis grants Entries reputation entries (ledger/reputation:
//     "Initial reputation"; ChallengeGrants): ChallengeUsers(Entries)
//     users, in the 141 skills of ChallengeSkills, nested up to three
//     ancestors deep, so that an entry is 2 to 8 updates; amounts from 1
//     to 10^6 and, every hundredth, from 2^64 to 2^100. Two miners are
//     funded.
//     The params are the defaults but for cycles of 2 blocks, a mining
//     window of 2 blocks, a response window of 3 blocks, miners allowed
//     to submit for the cycle they staked in, and a min_miner_stake of
//     10^6 ucell.
//  2. Height 1: both miners stake 50 entries. Height 2 freezes cycle 0.
//  3. The skills and cycle 0's log are read back through the ledger's
//     queries, as a miner reads them (miner.FetchLog), and replayed:
//     honestly (reputation.Replay) for miner A, and for miner B forged at
//     update ForgedAt (reputation.ReplayForged; default DefaultForgedAt),
//     each with its justification tree and JRH.
//  4. Each miner submits its root at the first block of the window at
//     which one of its entries is eligible.
//  5. From the block that closes the window into a challenge, at every
//     block each side answers the step its challenge awaits
//     (ledger/reputation.Defense, from its own replay), both in the same
//     block, until a root is accepted. Its answers are signed by its
//     miner; the honest side's must all succeed, the forged side's
//     response fails (its own tree refutes it).
//
// It reports N (the updates), ⌈log₂(N + 1)⌉ and the search steps taken,
// the challenge transactions by kind, the blocks from the close to the
// acceptance, the response windows used (one per step: confirmation,
// each search step, response) against the target 2·⌈log₂ N⌉ + 6, the
// wall times of the replays and of the challenge, and the longest block
// of the challenge. Accepting any root but the honest one, or a search
// that does not end at the forged update, is an error.
//
// # Scale
//
// RunScale (cell bench scale) measures how a block's time grows with the
// size of the state (issue 16, item 4):
//
//  1. For each size it seeds a state (accounts, open orders with bids,
//     nodes, delegations, a reputation log) through the modules' own
//     handlers into an IAVL database on disk and compacts it; with
//     ScaleOptions.Dir the state is kept and later runs open it.
//  2. For each storage configuration it opens a fresh copy of every
//     size's state (hard links of LevelDB's immutable tables), seeds
//     into it the accounts and orders of the measured blocks, and runs
//     rounds of empty, transfer, award and deadline blocks through ABCI,
//     the sizes interleaved within each round.
//  3. It reports, per kind and size, the median and the minimum time and
//     the store operations the block sent to the tree (equal at every
//     size: the hooks touch only what is due), and the ratios of the
//     first size to the last.
//
// WriteScaleHome (cell bench scale-home) turns a kept state into a chain
// home, so that a validator, nodes and clients run against the full
// state (issue 16, item 5).
package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// Options of a run.
type Options struct {
	// Txs is the number of transactions per application.
	Txs int
	// Accounts is the number of sending accounts (default 100).
	Accounts int
	// BlockTime is CometBFT's timeout_commit (default 100 ms).
	BlockTime time.Duration
	// Timeout bounds each application's run (default 5 minutes).
	Timeout time.Duration
	// Log receives CometBFT's logs (default: discarded).
	Log io.Writer
}

// Result is the outcome of a run.
type Result struct {
	Txs         int     `json:"txs"`
	Accounts    int     `json:"accounts"`
	TPS         float64 `json:"tps"`
	BaselineTPS float64 `json:"baseline_tps"`
	// Ratio is TPS / BaselineTPS.
	Ratio       float64 `json:"ratio"`
	Seconds     float64 `json:"seconds"`
	BaselineSec float64 `json:"baseline_seconds"`
	Blocks      int64   `json:"blocks"`
	// Failed counts ledger transactions that committed with a non-zero code.
	Failed int `json:"failed"`
}

// Run measures the ledger, then kvstore, with o.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Txs < 1 {
		return Result{}, fmt.Errorf("bench: txs: must be at least 1, got %d", o.Txs)
	}
	if o.Accounts <= 0 {
		o.Accounts = 100
	}
	o.Accounts = min(o.Accounts, o.Txs)
	if o.BlockTime <= 0 {
		o.BlockTime = 100 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	res := Result{Txs: o.Txs, Accounts: o.Accounts}

	ledgerRun, err := runLedger(ctx, o)
	if err != nil {
		return res, fmt.Errorf("bench ledger: %w", err)
	}
	baseRun, err := runKVStore(ctx, o)
	if err != nil {
		return res, fmt.Errorf("bench kvstore: %w", err)
	}
	res.Seconds, res.Blocks, res.Failed = ledgerRun.elapsed.Seconds(), ledgerRun.blocks, ledgerRun.failed
	res.BaselineSec = baseRun.elapsed.Seconds()
	res.TPS = float64(o.Txs) / res.Seconds
	res.BaselineTPS = float64(o.Txs) / res.BaselineSec
	res.Ratio = res.TPS / res.BaselineTPS
	return res, nil
}

type run struct {
	elapsed time.Duration
	blocks  int64
	failed  int
	// cpu is the process's CPU time (user + system) over elapsed: what
	// the node spent on the transactions, and the submission.
	cpu time.Duration
}

// home writes a one-validator home with free ports, the given block time
// and a mempool for txs transactions, and returns its config.
func home(dir string, blockTime time.Duration, txs int) (*cfg.Config, error) {
	ports, err := freeport.Take(2)
	if err != nil {
		return nil, err
	}
	if _, err := chain.InitHome(dir, chain.NodeConfig{Moniker: "bench", Ports: chain.Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: blockTime}); err != nil {
		return nil, err
	}
	c, err := chain.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	c.Mempool.Size = txs + 1000
	c.Mempool.CacheSize = txs + 1000
	c.Mempool.MaxTxsBytes = 1 << 30
	c.TxIndex.Indexer = "null"
	c.LogLevel = "error"
	cfg.WriteConfigFile(filepath.Join(dir, "config", "config.toml"), c)
	return c, nil
}

// seedKey returns the deterministic key of sender i.
func seedKey(i int) ed25519.PrivateKey { return labelKey("celltonomy-bench", i) }

// labelKey returns the deterministic key number i of label (at most 24
// bytes of it count).
func labelKey(label string, i int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed[:24], label)
	binary.BigEndian.PutUint64(seed[24:], uint64(i))
	return ed25519.NewKeyFromSeed(seed)
}

// writeLedgerGenesis writes the genesis of chainID into the home dir of c:
// accounts, p (nil: the default params) and one validator whose consensus
// key is the home's and whose operator is funded here.
func writeLedgerGenesis(dir string, c *cfg.Config, chainID string, accounts []*ledgerpb.GenesisAccount, p *ledgerpb.Params) error {
	op := seedKey(-1)
	opAddr, _ := address.FromPubKey(op.Public().(ed25519.PublicKey))
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return err
	}
	accounts = append(accounts, &ledgerpb.GenesisAccount{Address: opAddr.String(), Balance: 10_000_000_000})
	appState, err := chain.LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: opAddr.String(), ConsensusPubkey: pub.Bytes(), SelfBond: 1_000_000_000, Moniker: "bench",
	}}, p)
	if err != nil {
		return err
	}
	return chain.WriteGenesis(dir, chainID, time.Now(), appState)
}

func runLedger(ctx context.Context, o Options) (run, error) {
	dir, err := os.MkdirTemp("", "cell-bench-ledger-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(dir)
	c, err := home(dir, o.BlockTime, o.Txs)
	if err != nil {
		return run{}, err
	}
	const chainID = "bench"
	fee := params.Default().MinFee
	perAccount := (o.Txs + o.Accounts - 1) / o.Accounts
	var accounts []*ledgerpb.GenesisAccount
	keys := make([]ed25519.PrivateKey, o.Accounts)
	for i := range keys {
		keys[i] = seedKey(i)
		addr, _ := address.FromPubKey(keys[i].Public().(ed25519.PublicKey))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: addr.String(), Balance: uint64(perAccount) * (fee + 1) * 2})
	}
	if err := writeLedgerGenesis(dir, c, chainID, accounts, nil); err != nil {
		return run{}, err
	}

	// Pre-sign: sender i sends its k-th transfer to sender i+1.
	senders := make([][][]byte, o.Accounts)
	for n := 0; n < o.Txs; n++ {
		i := n % o.Accounts
		seq := uint64(len(senders[i]))
		to, _ := address.FromPubKey(keys[(i+1)%o.Accounts].Public().(ed25519.PublicKey))
		raw, err := client.BuildTx(keys[i], chainID, seq, fee, "",
			&ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to[:], Amount: 1}}})
		if err != nil {
			return run{}, err
		}
		senders[i] = append(senders[i], raw)
	}

	db, err := chain.OpenDB(dir)
	if err != nil {
		return run{}, err
	}
	defer db.Close()
	app, err := chain.NewApplication(db, chainID)
	if err != nil {
		return run{}, err
	}
	return measure(ctx, c, app, proxy.NewUnsyncLocalClientCreator, senders, o)
}

func runKVStore(ctx context.Context, o Options) (run, error) {
	dir, err := os.MkdirTemp("", "cell-bench-kvstore-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(dir)
	c, err := home(dir, o.BlockTime, o.Txs)
	if err != nil {
		return run{}, err
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return run{}, err
	}
	doc := types.GenesisDoc{
		ChainID: "bench-kvstore", GenesisTime: time.Now(), InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "bench"}},
	}
	if err := doc.SaveAs(c.GenesisFile()); err != nil {
		return run{}, err
	}
	senders := make([][][]byte, o.Accounts)
	for n := 0; n < o.Txs; n++ {
		i := n % o.Accounts
		senders[i] = append(senders[i], []byte(fmt.Sprintf("bench-%08d=value-%08d", n, n)))
	}
	app := kvstore.NewPersistentApplication(filepath.Join(dir, "kvstore"))
	defer app.Close()
	return measure(ctx, c, app, proxy.NewLocalClientCreator, senders, o)
}

// measure runs a node with app, submits every sender's transactions in
// order, and waits until all are committed.
func measure(ctx context.Context, c *cfg.Config, app abci.Application, clients func(abci.Application) proxy.ClientCreator, senders [][][]byte, o Options) (run, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	n, counted, stop, err := startNode(ctx, c, app, clients, o.Log)
	if err != nil {
		return run{}, err
	}
	defer stop()
	startHeight := n.BlockStore().Height()
	lc := local.New(n)
	total := 0
	for _, s := range senders {
		total += len(s)
	}

	start, cpu := time.Now(), processCPU()
	errs := make(chan error, 1)
	go func() { errs <- broadcast(ctx, lc, senders) }()

	committed := 0
	h := startHeight
	for committed < total {
		select {
		case err := <-errs:
			if err != nil {
				return run{}, err
			}
		case <-ctx.Done():
			return run{}, fmt.Errorf("%d of %d transactions committed: %w", committed, total, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
		for h < n.BlockStore().Height() {
			h++
			b, _ := n.BlockStore().LoadBlock(h)
			if b == nil {
				return run{}, errors.New("block store lost a block")
			}
			committed += len(b.Txs)
		}
	}
	elapsed := time.Since(start)
	return run{elapsed: elapsed, blocks: h - startHeight, failed: int(counted.failed.Load()), cpu: processCPU() - cpu}, nil
}

// startNode starts CometBFT with app behind a counting wrapper and waits
// for height 2; stop stops the node and waits for it. The process's
// collector target is the home's ledger.toml gc_percent while the node
// runs (chain.ApplyGC), as under cell start, whichever application the
// node runs, so that both sides of a comparison run with the same.
func startNode(ctx context.Context, c *cfg.Config, app abci.Application, clients func(abci.Application) proxy.ClientCreator, logw io.Writer) (n *node.Node, counted *counting, stop func(), err error) {
	sc, err := chain.LoadStateConfig(c.RootDir)
	if err != nil {
		return nil, nil, nil, err
	}
	gc := chain.ApplyGC(sc)
	counted = &counting{Application: app}
	n, err = chain.StartWith(ctx, c, clients(counted), logw)
	if err != nil {
		debug.SetGCPercent(gc)
		return nil, nil, nil, err
	}
	stop = func() {
		_ = n.Stop()
		n.Wait()
		debug.SetGCPercent(gc)
	}
	if err := waitHeight(ctx, n, 2); err != nil {
		stop()
		return nil, nil, nil, err
	}
	return n, counted, stop, nil
}

// broadcast submits every sender's transactions through the mempool, from
// one goroutine per sender so that each sender's transactions arrive in
// order, and returns when all are in (or on the first refusal).
func broadcast(ctx context.Context, lc *local.Local, senders [][][]byte) error {
	errs := make(chan error, len(senders))
	var wg sync.WaitGroup
	for _, txs := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range txs {
				r, err := lc.BroadcastTxSync(ctx, tx)
				if err != nil {
					errs <- err
					return
				}
				if r.Code != 0 {
					errs <- fmt.Errorf("check tx: code %d: %s", r.Code, r.Log)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// counting counts the transactions that failed in their block and, once
// the application has committed a block, its height, its transactions and
// its events of the types in watch (block and transaction events), by
// event type.
type counting struct {
	abci.Application
	failed atomic.Int64
	watch  map[string]bool // event types (event.Typed.EventType)

	mu           sync.Mutex
	firstFailure string
	pending      tally // of the last FinalizeBlock, not yet committed
	done         tally // committed
}

type tally struct {
	height int64
	txs    int64
	events map[string]int64
}

func (c *counting) FinalizeBlock(ctx context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	res, err := c.Application.FinalizeBlock(ctx, req)
	if res == nil {
		return res, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = tally{height: req.Height, txs: int64(len(req.Txs))}
	count := func(evs []abci.Event) {
		if c.watch == nil {
			return
		}
		for _, e := range evs {
			if c.watch[e.Type] {
				if c.pending.events == nil {
					c.pending.events = map[string]int64{}
				}
				c.pending.events[e.Type]++
			}
		}
	}
	count(res.Events)
	for _, r := range res.TxResults {
		if r.Code != 0 {
			c.failed.Add(1)
			if c.firstFailure == "" {
				c.firstFailure = fmt.Sprintf("code %d (%s): %s", r.Code, r.Codespace, r.Log)
			}
		}
		count(r.Events)
	}
	return res, err
}

func (c *counting) Commit(ctx context.Context, req *abci.CommitRequest) (*abci.CommitResponse, error) {
	res, err := c.Application.Commit(ctx, req)
	if err != nil {
		return res, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done.height = c.pending.height
	c.done.txs += c.pending.txs
	for k, v := range c.pending.events {
		if c.done.events == nil {
			c.done.events = map[string]int64{}
		}
		c.done.events[k] += v
	}
	c.pending = tally{}
	return res, err
}

// committed returns the height the application committed last, the
// transactions committed so far and the committed events of type typ.
func (c *counting) committed(typ event.Typed) (height, txs, events int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if typ == nil {
		return c.done.height, c.done.txs, 0
	}
	return c.done.height, c.done.txs, c.done.events[typ.EventType()]
}

// watchTypes is the watch of counting: the types of events.
func watchTypes(events ...event.Typed) map[string]bool {
	w := map[string]bool{}
	for _, e := range events {
		w[e.EventType()] = true
	}
	return w
}

// failure returns the log of the first failed transaction.
func (c *counting) failure() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.firstFailure
}

func waitHeight(ctx context.Context, n *node.Node, h int64) error {
	for n.BlockStore().Height() < h {
		select {
		case <-ctx.Done():
			return fmt.Errorf("node did not reach height %d: %w", h, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

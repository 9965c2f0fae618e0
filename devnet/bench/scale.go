package bench

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"

	iavldb "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
)

// The state of `cell bench scale` at scale 1 (issue 16, item 4); scale s
// multiplies each count by s (at least 1 of each).
const (
	ScaleAccounts    = 1_000_000
	ScaleOrders      = 100_000
	ScaleNodes       = 10_000
	ScaleDelegations = 100_000
	ScaleLogEntries  = 1_000_000
)

// ScaleWork is the number of transfers, awards and expired deadlines of
// each measured block, the same at every scale.
const ScaleWork = 1_000

// ScaleOptions of a scale run.
type ScaleOptions struct {
	// Scales are the sizes of the state to measure, as fractions of the
	// full state (ScaleAccounts, …); default {1, 0.01}. The ratios are
	// the first size's times over the last's.
	Scales []float64
	// Repeat is the number of rounds (default 9): in each round every
	// size runs one block of the kind being measured, the sizes
	// interleaved (see RunScale). Medians and minimums are over the
	// rounds.
	Repeat int
	// Work is the number of transfers, awards and expiries of a measured
	// block (default ScaleWork).
	Work int
	// State configures the IAVL tree and its LevelDB database (zero:
	// chain's defaults) for the seeding and the first measurement.
	State chain.StateConfig
	// Variants are more storage configurations to measure the same
	// blocks with, one after the other, each on fresh copies of the
	// seeded states.
	Variants []chain.StateConfig
	// Dir, if set, keeps the seeded states (DIR/scale-S/base, a chain
	// home whose data/ledger.db is the state, and DIR/scale-S/state.json):
	// a later run with the same Dir opens them instead of seeding again.
	// Runs measure on copies (DIR/scale-S/run), never on the kept state.
	// Empty: a temporary directory, removed at the end.
	Dir string
	// Progress, if set, receives a line per seeding step.
	Progress func(format string, args ...any)
	// CPUProfile, if set, receives the CPU profile (runtime/pprof) of the
	// measured blocks of the first configuration, every size; the
	// samples of a measured block's own goroutine (not of the
	// collector's or the signature batcher's) are labelled scale=S and
	// block=KIND (go tool pprof -tagfocus scale=1).
	CPUProfile io.Writer
}

// ScaleBlock is the time of one kind of block at one size, in
// milliseconds: Ms is the median over the rounds of the block's time
// (ProcessProposal, the block's execution; FinalizeBlock, writing it to
// the tree; Commit, saving the version), the parts are those of the
// median block, MinMs is the fastest round's time. CPUMs is the median
// of the CPU time the process used during the block (user and system,
// every thread, the collector's included): on a machine whose cores
// other processes share, it counts the block's work without the time it
// waited for a core.
type ScaleBlock struct {
	Ms         float64 `json:"ms"`
	MinMs      float64 `json:"min_ms"`
	CPUMs      float64 `json:"cpu_ms"`
	ProcessMs  float64 `json:"process_proposal_ms"`
	FinalizeMs float64 `json:"finalize_block_ms"`
	CommitMs   float64 `json:"commit_ms"`
	// RoundsMs and RoundsCPUMs are each round's time and CPU time, in
	// the order run.
	RoundsMs    []float64 `json:"rounds_ms"`
	RoundsCPUMs []float64 `json:"rounds_cpu_ms"`
	// Ops are the store operations the block sent to the tree (reads
	// that missed the block's branch, the branch's writes); every
	// round's block of a kind has the same counts (RunScale checks).
	Ops StoreOps `json:"store_ops"`
}

// ScaleSize is the outcome of one size under one configuration.
type ScaleSize struct {
	Scale float64 `json:"scale"`
	// PrepareSeconds is the time to copy the seeded state and open it
	// (with a compression other than the seeding's, also to rewrite the
	// whole database by a compaction); DiskBytes the database's size
	// then.
	PrepareSeconds float64 `json:"prepare_seconds"`
	DiskBytes      int64   `json:"disk_bytes"`
	// Keys is the number of keys of the state and TreeHeight the height
	// of its IAVL tree, once the measured blocks' accounts and orders
	// are seeded (chain.Application.StateShape): each store operation
	// walks a path of TreeHeight nodes.
	Keys       int64 `json:"keys"`
	TreeHeight int   `json:"tree_height"`
	// The measured blocks: no transaction; Work transfers; Work orders
	// awarded (their bid windows end at that height); Work awarded orders
	// failed (their delivery deadlines pass at that height).
	Empty     ScaleBlock `json:"empty"`
	Transfers ScaleBlock `json:"transfers"`
	Awards    ScaleBlock `json:"awards"`
	Deadlines ScaleBlock `json:"deadlines"`
}

// ScaleVariant is the outcome of one storage configuration: every size,
// measured interleaved.
type ScaleVariant struct {
	State chain.StateConfig `json:"state"`
	Sizes []ScaleSize       `json:"sizes"`
	// RSSBytes is this process's resident memory after the rounds, with
	// every size's state open and the garbage returned to the system
	// (debug.FreeOSMemory; VmRSS of /proc/self/status; 0 where there is
	// none): the trees' node caches, LevelDB's block caches, the
	// ledger's caches and the runtime. HeapBytes is the Go heap in use
	// then (runtime.MemStats.HeapInuse).
	RSSBytes  int64 `json:"rss_bytes"`
	HeapBytes int64 `json:"heap_bytes"`
	// Ratios are the first size's times over the last's.
	Ratios ScaleRatios `json:"ratios"`
}

// ScaleResult is the outcome of a scale run.
type ScaleResult struct {
	Work   int `json:"work"`
	Repeat int `json:"rounds"`
	// States are the seeded states, one per size.
	States   []ScaleState   `json:"states"`
	Variants []ScaleVariant `json:"variants"`
}

// ScaleRatio compares the first size's blocks of a kind to the last's:
// 1 means the time does not grow with the state.
type ScaleRatio struct {
	// Ms is the ratio of the median times, MinMs of the minimums, CPUMs
	// of the median CPU times.
	Ms    float64 `json:"ms"`
	MinMs float64 `json:"min_ms"`
	CPUMs float64 `json:"cpu_ms"`
	// PairedMs is the median over the rounds of the ratio of the two
	// blocks of a round, run one after the other: a load that changes
	// from round to round cancels out of it.
	PairedMs float64 `json:"paired_ms"`
}

// ScaleRatios are the ratios of each kind of block.
type ScaleRatios struct {
	Empty     ScaleRatio `json:"empty"`
	Transfers ScaleRatio `json:"transfers"`
	Awards    ScaleRatio `json:"awards"`
	Deadlines ScaleRatio `json:"deadlines"`
}

// ratios returns the ratios of the first size to the last (all 1 with a
// single size).
func (v ScaleVariant) ratios() ScaleRatios {
	if len(v.Sizes) == 0 {
		return ScaleRatios{}
	}
	a, b := v.Sizes[0], v.Sizes[len(v.Sizes)-1]
	ratio := func(x, y float64) float64 {
		if y == 0 {
			return 0
		}
		return x / y
	}
	one := func(x, y ScaleBlock) ScaleRatio {
		var paired []float64
		for k := range min(len(x.RoundsMs), len(y.RoundsMs)) {
			paired = append(paired, ratio(x.RoundsMs[k], y.RoundsMs[k]))
		}
		return ScaleRatio{Ms: ratio(x.Ms, y.Ms), MinMs: ratio(x.MinMs, y.MinMs), CPUMs: ratio(x.CPUMs, y.CPUMs), PairedMs: medianOf(paired)}
	}
	return ScaleRatios{Empty: one(a.Empty, b.Empty), Transfers: one(a.Transfers, b.Transfers), Awards: one(a.Awards, b.Awards), Deadlines: one(a.Deadlines, b.Deadlines)}
}

// medianOf is the median of xs (the upper one of an even count), or 0.
func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}

// The kinds of measured blocks, in the order run.
const (
	kindEmpty     = "empty"
	kindTransfers = "transfers"
	kindAwards    = "awards"
	kindDeadlines = "deadlines"
)

var scaleKinds = []string{kindEmpty, kindTransfers, kindAwards, kindDeadlines}

// RunScale measures how the time of a block grows with the size of the
// state (issue 16, item 4).
//
// For each scale it builds, in an IAVL database on disk, a state of
// ScaleAccounts accounts, ScaleOrders open orders with a bid each,
// ScaleNodes nodes, ScaleDelegations delegations and ScaleLogEntries
// entries of the reputation update log, all times the scale, seeded
// deterministically through the modules' own handlers
// (chain.Application.Seed, a few tens of thousands of writes a block),
// not through transactions, then compacted. With Dir, a state seeded by
// an earlier run is opened instead.
//
// For each storage configuration (State, then each of Variants) it opens
// a fresh copy of every size's seeded state (cloneState: the kept state
// is never written, so no run depends on an earlier run's blocks), seeds
// into it what the measured blocks need, and drives the ledger's
// Application through ABCI as CometBFT would (ProcessProposal,
// FinalizeBlock, Commit). It times Repeat rounds of each kind of block:
// empty; Work signed transfers; Work awards (orders seeded with bid
// windows that end there); Work failures (the same orders, whose
// delivery deadlines pass). In each round every size runs its block, one
// after the other, in an order that rotates from round to round: the
// sizes share the machine's load, the collector and the caches' state,
// so the ratio of their medians holds on a busy machine where the times
// themselves do not.
//
// Errors: bad options, a kept state of another size or format, a failed
// seed, a failed transfer, or a measured block that does not award or
// fail exactly Work orders.
func RunScale(ctx context.Context, o ScaleOptions) (ScaleResult, error) {
	if len(o.Scales) == 0 {
		o.Scales = []float64{1, 0.01}
	}
	if o.Repeat <= 0 {
		o.Repeat = 9
	}
	if o.Work <= 0 {
		o.Work = ScaleWork
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	res := ScaleResult{Work: o.Work, Repeat: o.Repeat}
	for _, s := range o.Scales {
		if !(s > 0 && s <= 10) {
			return res, fmt.Errorf("bench scale: scale %v: must be in (0, 10]", s)
		}
	}
	dir := o.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "cell-bench-scale-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	for _, s := range o.Scales {
		st, err := openScaleState(ctx, dir, s, o)
		if err != nil {
			return res, fmt.Errorf("bench scale: scale %v: %w", s, err)
		}
		if st.Reused {
			o.Progress("scale %g: the state seeded in %s (height %d)", s, scaleStateDir(dir, s), st.Height)
		}
		res.States = append(res.States, st)
	}
	for i, sc := range append([]chain.StateConfig{o.State}, o.Variants...) {
		vo := o
		vo.State = sc
		if i > 0 {
			vo.CPUProfile = nil
		}
		v, err := runScaleVariant(ctx, vo, dir, res.States)
		if err != nil {
			return res, fmt.Errorf("bench scale: state %+v: %w", sc, err)
		}
		res.Variants = append(res.Variants, v)
	}
	return res, nil
}

func scaled(n int, s float64) int { return max(1, int(float64(n)*s+0.5)) }

// runScaleVariant measures every size of states under the configuration
// o.State, interleaved.
func runScaleVariant(ctx context.Context, o ScaleOptions, dir string, states []ScaleState) (ScaleVariant, error) {
	v := ScaleVariant{State: o.State}
	var runs []*scaleRun
	defer func() {
		for _, r := range runs {
			r.close()
		}
	}()
	for _, st := range states {
		r, err := openScaleRun(ctx, o, dir, st)
		if r != nil {
			runs = append(runs, r)
		}
		if err != nil {
			return v, fmt.Errorf("scale %v: %w", st.Scale, err)
		}
	}
	for _, r := range runs {
		if err := r.seedWork(); err != nil {
			return v, fmt.Errorf("scale %v: %w", r.state.Scale, err)
		}
		if _, err := r.mustBlock(ctx, nil); err != nil { // commits the work
			return v, fmt.Errorf("scale %v: %w", r.state.Scale, err)
		}
		r.size.Keys, r.size.TreeHeight = r.app.StateShape()
		r.countOps()
		r.blocks = map[string][]blockRun{}
	}
	runtime.GC()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return v, fmt.Errorf("cpu profile: %w", err)
		}
	}
	err := interleave(ctx, runs, o.Repeat)
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return v, err
	}
	for _, r := range runs {
		size := r.size
		size.Empty, size.Transfers, size.Awards, size.Deadlines = median(r.blocks[kindEmpty]), median(r.blocks[kindTransfers]),
			median(r.blocks[kindAwards]), median(r.blocks[kindDeadlines])
		v.Sizes = append(v.Sizes, size)
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	v.RSSBytes, v.HeapBytes = residentBytes(), int64(ms.HeapInuse)
	v.Ratios = v.ratios()
	return v, nil
}

// interleave runs rounds rounds of each kind of block over runs, every
// run's block of a round after the other's, the first run of round k
// being run k mod len(runs); then it checks that every round's block of
// a kind sent the same store operations.
func interleave(ctx context.Context, runs []*scaleRun, rounds int) error {
	for _, kind := range scaleKinds {
		for k := range rounds {
			for j := range runs {
				r := runs[(j+k)%len(runs)]
				if err := r.step(ctx, kind, k); err != nil {
					return fmt.Errorf("scale %v: %s block %d: %w", r.state.Scale, kind, k, err)
				}
			}
		}
	}
	for _, r := range runs {
		for _, kind := range scaleKinds {
			bs := r.blocks[kind]
			for _, b := range bs[1:] {
				if b.ops != bs[0].ops {
					return fmt.Errorf("scale %v: %s blocks %d and %d: store operations %+v and %+v differ", r.state.Scale, kind, bs[0].height, b.height, bs[0].ops, b.ops)
				}
			}
		}
	}
	return nil
}

type scaleRun struct {
	driver
	o     ScaleOptions
	state ScaleState
	size  ScaleSize
	p     *ledgerpb.Params
	db    iavldb.DB
	home  string // the copy's chain home, removed by close

	senders []*account
	orders  uint64 // the id of the order seeded last (ids run from 1)
	// awardAt is the height of the first award block; award block k
	// awards the orders whose bid windows end at awardAt+k.
	awardAt int64
	// blocks are the measured blocks of each kind.
	blocks map[string][]blockRun
}

// openScaleRun opens a fresh copy of the seeded state st (under dir)
// with the configuration o.State. With a compression other than the
// seeding's, the whole copy is compacted, which rewrites every file with
// it.
func openScaleRun(ctx context.Context, o ScaleOptions, dir string, st ScaleState) (*scaleRun, error) {
	start := time.Now()
	sd := scaleStateDir(dir, st.Scale)
	home := filepath.Join(sd, "run")
	if err := cloneState(filepath.Join(sd, "base"), home); err != nil {
		return nil, fmt.Errorf("copy the seeded state: %w", err)
	}
	db, err := chain.OpenStateDB(home, o.State)
	if err != nil {
		return nil, err
	}
	r := &scaleRun{o: o, state: st, db: db, home: home, p: params.Default()}
	if o.State.LevelDBCompression != "" && o.State.LevelDBCompression != chain.DefaultLevelDBCompression {
		if err := compactState(db); err != nil {
			return r, fmt.Errorf("compact the copy: %w", err)
		}
	}
	ledger, err := chain.OpenApplication(db, ScaleChainID, o.State)
	if err != nil {
		return r, err
	}
	r.app = ledger
	info, err := ledger.Info(ctx, &abci.InfoRequest{})
	if err != nil {
		return r, err
	}
	if info.LastBlockHeight != st.Height || fmt.Sprintf("%X", info.LastBlockAppHash) != st.AppHash {
		return r, fmt.Errorf("the copy is at height %d, app hash %X; the seeded state at %d, %s", info.LastBlockHeight, info.LastBlockAppHash, st.Height, st.AppHash)
	}
	r.height = info.LastBlockHeight
	r.size = ScaleSize{Scale: st.Scale, PrepareSeconds: time.Since(start).Seconds(), DiskBytes: dirSize(home)}
	return r, nil
}

// close closes the copy's database and removes it.
func (r *scaleRun) close() {
	if r.db != nil {
		r.db.Close()
	}
	os.RemoveAll(r.home)
}

// step runs the measured block of kind in round k (and, for deadlines,
// the blocks before it in which no deadline passes).
func (r *scaleRun) step(ctx context.Context, kind string, k int) error {
	w := r.o.Work
	var b blockRun
	var err error
	run := func(txs [][]byte) {
		pprof.Do(ctx, pprof.Labels("scale", strconv.FormatFloat(r.state.Scale, 'g', -1, 64), "block", kind), func(ctx context.Context) {
			b, err = r.mustBlock(ctx, txs)
		})
	}
	switch kind {
	case kindEmpty:
		run(nil)
	case kindTransfers:
		var txs [][]byte
		for i, a := range r.senders {
			tx, err := a.sign(ScaleChainID, r.p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{
				To: scaleAddress(i).Bytes(), Amount: 1,
			}}})
			if err != nil {
				return err
			}
			txs = append(txs, tx)
		}
		run(txs)
	case kindAwards:
		if want := r.awardAt + int64(k); r.height+1 != want {
			return fmt.Errorf("at height %d, want the award block %d next", r.height, want)
		}
		run(nil)
		if err == nil {
			if n, f := count[market.EventOrderAwarded](b), count[market.EventOrderFailed](b); n != w || f != 0 {
				return fmt.Errorf("award block %d: %d orders awarded and %d failed, want %d and none", b.height, n, f, w)
			}
		}
	case kindDeadlines:
		for range scaleMaxWait {
			run(nil)
			if err != nil {
				return err
			}
			if n := count[market.EventOrderFailed](b); n == w {
				break
			} else if n != 0 {
				return fmt.Errorf("deadline block %d: %d orders failed, want %d", b.height, n, w)
			}
		}
		if count[market.EventOrderFailed](b) != w {
			return fmt.Errorf("at height %d: no block failed the orders of award block %d", r.height, k)
		}
	}
	if err != nil {
		return err
	}
	r.blocks[kind] = append(r.blocks[kind], b)
	return nil
}

// scaleAddress is background account i: no key signs for it, the seeder
// runs its messages.
func scaleAddress(i int) address.Address { return labelAddress("celltonomy scale account", i) }

// labelAddress is the address sha256(label ‖ i (8, big-endian))[:20].
func labelAddress(label string, i int) address.Address {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(label), uint64(i)))
	var a address.Address
	copy(a[:], h[:address.Size])
	return a
}

// Amounts of the scale state, in ucell.
const (
	scaleBalance   = 10_000_000
	scaleDelegated = 1_000_000
	scalePrice     = 50_000
	scaleMaxPrice  = 100_000
	// Background bid windows end between scaleFar and scaleFar+4,000
	// blocks after they were seeded: never within the run.
	scaleFar = 10_000
	// scaleChunk is the number of seeded messages per block.
	scaleChunk = 20_000
	// scaleMaxWait bounds the blocks run to reach a failed deadline.
	scaleMaxWait = 200
)

// scaleNode is node i: its key, and its operator, background account
// Accounts-1-i (never a buyer of the orders it bids on).
type scaleNode struct {
	key      ed25519.PrivateKey
	operator address.Address
}

func (r *scaleRun) nodeOf(i int) scaleNode {
	return scaleNode{key: labelKey("scale-node", i), operator: scaleAddress(r.state.Accounts - 1 - i)}
}

// workNode is the node of the measured orders number j (mod Work) and
// workBuyer their buyer, both funded by the genesis.
func workNode(j int) scaleNode {
	return scaleNode{key: labelKey("scale-work-node", j), operator: labelAddress("celltonomy scale operator", j)}
}

func workBuyer(j int) address.Address { return labelAddress("celltonomy scale buyer", j) }

// announce seeds the announcement of node n, the i-th.
func (r *scaleRun) announce(s *app.Seeder, i int, n scaleNode) error {
	return s.Run(n.operator, marketMsg(&ledgerpb.MsgAnnounceNode{
		NodePubkey: n.key.Public().(ed25519.PublicKey), Endpoint: fmt.Sprintf("https://node-%d.scale.example.org/jobs", i),
		Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 64,
		NodeSignature: registry.SignNodeKeyProof(n.key, ScaleChainID, n.operator),
	}))
}

// order seeds an order of buyer (input number input) whose bid window is
// bidWindow blocks, with a bid from node n.
func (r *scaleRun) order(s *app.Seeder, buyer address.Address, input, bidWindow, deliveryWindow uint64, n scaleNode) error {
	if err := s.Run(buyer, marketMsg(&ledgerpb.MsgCreateOrder{
		PackageId: scalePackageID(), InputRoot: benchHash("scale input", input),
		Params:   []*ledgerpb.OrderParam{{Key: "enzyme", Value: "EcoRI"}},
		MaxPrice: scaleMaxPrice, PoStake: r.p.MinPoStake,
		BidWindow: bidWindow, DeliveryWindow: deliveryWindow, ConfirmWindow: benchLongWindow, Replication: 1,
	})); err != nil {
		return err
	}
	return s.Run(n.operator, marketMsg(&ledgerpb.MsgBid{
		OrderId: r.nextOrder(), NodeKey: n.key.Public().(ed25519.PublicKey), Price: scalePrice,
		Stake: market.RequiredBidStake(scalePrice, r.p),
	}))
}

// nextOrder counts the order just seeded and returns its id: the ledger
// numbers orders sequentially from 1.
func (r *scaleRun) nextOrder() uint64 {
	r.orders++
	return r.orders
}

func count[E any](b blockRun) int {
	n := 0
	for _, e := range client.Events(events, b.res.Events) {
		if _, ok := e.(E); ok {
			n++
		}
	}
	return n
}

// median returns the block of median total time, with its parts, the
// minimum time, the median CPU time and every round's times.
func median(bs []blockRun) ScaleBlock {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var out ScaleBlock
	for _, b := range bs {
		out.RoundsMs = append(out.RoundsMs, ms(b.process+b.finalize+b.commit))
		out.RoundsCPUMs = append(out.RoundsCPUMs, ms(b.cpu))
	}
	bs = slices.Clone(bs)
	slices.SortFunc(bs, func(a, b blockRun) int {
		return cmp.Compare(a.process+a.finalize+a.commit, b.process+b.finalize+b.commit)
	})
	m := bs[len(bs)/2]
	out.Ms, out.MinMs, out.CPUMs = ms(m.process+m.finalize+m.commit), ms(bs[0].process+bs[0].finalize+bs[0].commit), medianOf(out.RoundsCPUMs)
	out.ProcessMs, out.FinalizeMs, out.CommitMs, out.Ops = ms(m.process), ms(m.finalize), ms(m.commit), m.ops
	return out
}

// dirSize is the total size of the regular files under dir, in bytes.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// residentBytes is this process's resident memory (VmRSS), or 0.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// ScaleStates returns the storage configurations of a run that varies
// one setting at a time: first has the first value of each list; each
// further value of a list gives a configuration of its own, first with
// that setting changed (ScaleOptions.State and Variants). Errors: an
// empty list.
func ScaleStates(cacheNodes, levelDBCacheMB []int, compression []string) (first chain.StateConfig, rest []chain.StateConfig, err error) {
	if len(cacheNodes) == 0 || len(levelDBCacheMB) == 0 || len(compression) == 0 {
		return first, nil, fmt.Errorf("bench scale: iavl_cache_nodes, leveldb_cache_mb and leveldb_compression need a value each")
	}
	first = chain.StateConfig{CacheNodes: cacheNodes[0], LevelDBCacheMB: levelDBCacheMB[0], LevelDBCompression: compression[0]}
	for _, n := range cacheNodes[1:] {
		v := first
		v.CacheNodes = n
		rest = append(rest, v)
	}
	for _, n := range levelDBCacheMB[1:] {
		v := first
		v.LevelDBCacheMB = n
		rest = append(rest, v)
	}
	for _, c := range compression[1:] {
		v := first
		v.LevelDBCompression = c
		rest = append(rest, v)
	}
	return first, rest, nil
}

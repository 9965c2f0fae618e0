package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math/big"
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
	"github.com/celltonomy/celltonomy/ledger/reputation"
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
	// full state (ScaleAccounts, …), in the order run; default {1, 0.01}.
	// The table's ratio is the first size's time over the last's.
	Scales []float64
	// Repeat is the number of measured blocks of each kind per size
	// (default 3); the median is reported.
	Repeat int
	// Work is the number of transfers, awards and expiries of a measured
	// block (default ScaleWork).
	Work int
	// State configures the IAVL tree (zero: chain.DefaultStateConfig).
	State chain.StateConfig
	// Progress, if set, receives a line per seeding step.
	Progress func(format string, args ...any)
	// CPUProfile, if set, receives the CPU profile (runtime/pprof) of the
	// measured blocks of the first size, not of its seeding.
	CPUProfile io.Writer
}

// ScaleBlock is the time of one kind of block at one size, the median of
// the repeated blocks, in milliseconds: ProcessProposal (the block's
// execution), FinalizeBlock (writing it to the tree) and Commit (saving
// the version); Ms is their sum.
type ScaleBlock struct {
	Ms         float64 `json:"ms"`
	ProcessMs  float64 `json:"process_proposal_ms"`
	FinalizeMs float64 `json:"finalize_block_ms"`
	CommitMs   float64 `json:"commit_ms"`
	// Ops are the store operations the block sent to the tree (reads
	// that missed the block's branch, the branch's writes); every
	// repeated block of a kind has the same counts (RunScale checks).
	Ops StoreOps `json:"store_ops"`
}

// ScaleSize is the outcome of one size.
type ScaleSize struct {
	Scale       float64 `json:"scale"`
	Accounts    int     `json:"accounts"`
	Orders      int     `json:"open_orders"`
	Nodes       int     `json:"nodes"`
	Delegations int     `json:"delegations"`
	LogEntries  int     `json:"reputation_log_entries"`
	// SeedSeconds is the time to build the state; Height the height
	// after it.
	SeedSeconds float64 `json:"seed_seconds"`
	// CompactSeconds is the time to compact the seeded database and
	// collect the seeding's garbage before the measured blocks.
	CompactSeconds float64 `json:"compact_seconds"`
	Height         int64   `json:"height"`
	// DiskBytes is the size of the ledger's database once seeded.
	DiskBytes int64 `json:"disk_bytes"`
	// RSSBytes is this process's resident memory once the size was
	// measured and the memory the seeding freed returned to the system
	// (debug.FreeOSMemory; VmRSS of /proc/self/status; 0 where there is
	// none): the tree's node cache, the ledger's caches and the runtime.
	RSSBytes int64 `json:"rss_bytes"`
	// HeapBytes is the Go heap in use then (runtime.MemStats.HeapInuse).
	HeapBytes int64 `json:"heap_bytes"`
	// The measured blocks: no transaction; Work transfers; Work orders
	// awarded (their bid windows end at that height); Work awarded orders
	// failed (their delivery deadlines pass at that height).
	Empty     ScaleBlock `json:"empty"`
	Transfers ScaleBlock `json:"transfers"`
	Awards    ScaleBlock `json:"awards"`
	Deadlines ScaleBlock `json:"deadlines"`
}

// ScaleResult is the outcome of a scale run.
type ScaleResult struct {
	Work  int         `json:"work"`
	Sizes []ScaleSize `json:"sizes"`
}

// ScaleRatios are, for each kind of block, the time at the first size
// over the time at the last: 1 means the time does not grow with the
// state.
type ScaleRatios struct {
	Empty     float64 `json:"empty"`
	Transfers float64 `json:"transfers"`
	Awards    float64 `json:"awards"`
	Deadlines float64 `json:"deadlines"`
}

// Ratios returns the ratios of the first size to the last (all 1 with a
// single size).
func (r ScaleResult) Ratios() ScaleRatios {
	if len(r.Sizes) == 0 {
		return ScaleRatios{}
	}
	a, b := r.Sizes[0], r.Sizes[len(r.Sizes)-1]
	ratio := func(x, y ScaleBlock) float64 {
		if y.Ms == 0 {
			return 0
		}
		return x.Ms / y.Ms
	}
	return ScaleRatios{Empty: ratio(a.Empty, b.Empty), Transfers: ratio(a.Transfers, b.Transfers),
		Awards: ratio(a.Awards, b.Awards), Deadlines: ratio(a.Deadlines, b.Deadlines)}
}

const scaleChainID = "bench-scale"

// RunScale measures how the time of a block grows with the size of the
// state (issue 16, item 4). For each scale it builds, in a fresh IAVL
// database on disk, a state of ScaleAccounts accounts, ScaleOrders open
// orders with a bid each, ScaleNodes nodes, ScaleDelegations delegations
// and ScaleLogEntries entries of the reputation update log, all times
// the scale, seeded deterministically through the modules' own handlers
// (chain.Application.Seed, a few tens of thousands of writes a block),
// not through transactions. It then drives the ledger's Application
// through ABCI as CometBFT would (ProcessProposal, FinalizeBlock,
// Commit) and times Repeat blocks of each kind: empty; Work signed
// transfers; Work awards (orders seeded with bid windows that end
// there); Work failures (the same orders, whose delivery deadlines pass).
// Errors: bad options, a failed seed, a failed transfer, or a measured
// block that does not award or fail exactly Work orders.
func RunScale(ctx context.Context, o ScaleOptions) (ScaleResult, error) {
	if len(o.Scales) == 0 {
		o.Scales = []float64{1, 0.01}
	}
	if o.Repeat <= 0 {
		o.Repeat = 3
	}
	if o.Work <= 0 {
		o.Work = ScaleWork
	}
	if o.Progress == nil {
		o.Progress = func(string, ...any) {}
	}
	res := ScaleResult{Work: o.Work}
	for i, s := range o.Scales {
		if !(s > 0 && s <= 10) {
			return res, fmt.Errorf("bench scale: scale %v: must be in (0, 10]", s)
		}
		so := o
		if i > 0 {
			so.CPUProfile = nil
		}
		size, err := runScaleSize(ctx, so, s)
		if err != nil {
			return res, fmt.Errorf("bench scale: scale %v: %w", s, err)
		}
		res.Sizes = append(res.Sizes, size)
	}
	return res, nil
}

func scaled(n int, s float64) int { return max(1, int(float64(n)*s+0.5)) }

func runScaleSize(ctx context.Context, o ScaleOptions, s float64) (ScaleSize, error) {
	dir, err := os.MkdirTemp("", "cell-bench-scale-")
	if err != nil {
		return ScaleSize{}, err
	}
	defer os.RemoveAll(dir)
	db, err := chain.OpenStateDB(dir, o.State)
	if err != nil {
		return ScaleSize{}, err
	}
	defer db.Close()
	ledger, err := chain.OpenApplication(db, scaleChainID, o.State)
	if err != nil {
		return ScaleSize{}, err
	}
	r := &scaleRun{o: o, driver: driver{app: ledger}, size: ScaleSize{
		Scale: s, Accounts: scaled(ScaleAccounts, s), Orders: scaled(ScaleOrders, s), Nodes: scaled(ScaleNodes, s),
		Delegations: scaled(ScaleDelegations, s), LogEntries: scaled(ScaleLogEntries, s),
	}}
	if r.size.Orders+r.size.Nodes > r.size.Accounts || r.size.Delegations > r.size.Accounts {
		return r.size, fmt.Errorf("scale %v: too small a state for its orders, nodes and delegations", s)
	}
	start := time.Now()
	if err := r.seed(ctx); err != nil {
		return r.size, err
	}
	r.size.SeedSeconds = time.Since(start).Seconds()
	r.size.Height = r.height
	// The seeding wrote the whole state in a few minutes: LevelDB would
	// still be compacting it, in the background, during the measured
	// blocks, and the seeding's garbage would make the collector run
	// more. A validator's state grew over months; measure it settled.
	start = time.Now()
	if w, ok := db.(*iavldb.Wrapper); ok {
		if c, ok := w.DB.(interface {
			ForceCompact(start, limit []byte) error
		}); ok {
			if err := c.ForceCompact(nil, nil); err != nil {
				return r.size, fmt.Errorf("compact the seeded state: %w", err)
			}
		}
	}
	runtime.GC()
	debug.FreeOSMemory()
	r.size.CompactSeconds = time.Since(start).Seconds()
	r.size.DiskBytes = dirSize(dir)
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return r.size, fmt.Errorf("cpu profile: %w", err)
		}
	}
	err = r.measure(ctx)
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return r.size, err
	}
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r.size.RSSBytes, r.size.HeapBytes = residentBytes(), int64(ms.HeapInuse)
	return r.size, nil
}

type scaleRun struct {
	driver
	o    ScaleOptions
	size ScaleSize
	p    *ledgerpb.Params

	senders []*account
	pkgID   []byte
	orders  uint64 // the id of the order seeded last (ids run from 1)
	// awardAt is the height of the first award block; award block k
	// awards the orders whose bid windows end at awardAt+k.
	awardAt int64
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
	// scaleMaxWait bounds the blocks run to reach the failed deadlines.
	scaleMaxWait = 200
)

func (r *scaleRun) seed(ctx context.Context) error {
	sz := r.size
	w := r.o.Work
	p := params.Default()
	r.p = p
	fee := p.MinFee
	val := labelKey("scale-validator", 0)
	valAcc := newAccount(val)
	funder := newAccount(labelKey("scale-funder", 0))
	author := newAccount(labelKey("scale-author", 0))
	accounts := []*ledgerpb.GenesisAccount{
		{Address: valAcc.addr.String(), Balance: 10_000_000_000},
		{Address: funder.addr.String(), Balance: uint64(sz.Accounts+2) * scaleBalance},
		{Address: author.addr.String(), Balance: 100 * fee},
	}
	for i := range w {
		a := newAccount(labelKey("scale-sender", i))
		r.senders = append(r.senders, a)
		accounts = append(accounts,
			&ledgerpb.GenesisAccount{Address: a.addr.String(), Balance: uint64(r.o.Repeat+1) * (fee + 1)},
			&ledgerpb.GenesisAccount{Address: workBuyer(i).String(), Balance: uint64(r.o.Repeat) * (scaleMaxPrice + p.MinPoStake)},
			&ledgerpb.GenesisAccount{Address: workNode(i).operator.String(), Balance: uint64(r.o.Repeat) * market.RequiredBidStake(scalePrice, p)})
	}
	appState, err := chain.LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: valAcc.addr.String(), ConsensusPubkey: val.Public().(ed25519.PublicKey), SelfBond: 1_000_000_000, Moniker: "scale",
	}}, p)
	if err != nil {
		return err
	}
	if _, err := r.app.InitChain(ctx, &abci.InitChainRequest{ChainId: scaleChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		return err
	}

	// Each step seeds a chunk of messages, then a block commits it.
	steps := []struct {
		what string
		n    int
		one  func(s *app.Seeder, i int) error
	}{
		{"accounts", sz.Accounts, func(s *app.Seeder, i int) error {
			return s.Run(funder.addr, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: scaleAddress(i).Bytes(), Amount: scaleBalance}}})
		}},
		{"package", 1, func(s *app.Seeder, _ int) error {
			reg, id, err := registerPackage(author)
			if err != nil {
				return err
			}
			r.pkgID = id
			return s.Run(author.addr, marketMsg(reg))
		}},
		{"nodes", sz.Nodes + w, func(s *app.Seeder, i int) error {
			if i < sz.Nodes {
				return r.announce(s, i, r.nodeOf(i))
			}
			return r.announce(s, i, workNode(i-sz.Nodes))
		}},
		{"delegations", sz.Delegations, func(s *app.Seeder, i int) error {
			return s.Run(scaleAddress(i), &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: valAcc.addr.Bytes(), Amount: scaleDelegated}}})
		}},
		{"orders", sz.Orders, func(s *app.Seeder, i int) error {
			return r.order(s, scaleAddress(i), uint64(i), uint64(scaleFar+i%4_000), 100, r.nodeOf(i%sz.Nodes))
		}},
		{"reputation log", sz.LogEntries, func(s *app.Seeder, i int) error {
			return s.AppendReputation(scaleAddress(i%sz.Accounts), reputation.SkillBuyer, big.NewInt(int64(1+i%1_000)))
		}},
	}
	for _, st := range steps {
		for start := 0; start < st.n; start += scaleChunk {
			end := min(start+scaleChunk, st.n)
			if err := r.app.Seed(func(s *app.Seeder) error {
				for i := start; i < end; i++ {
					if err := st.one(s, i); err != nil {
						return fmt.Errorf("seed %s %d: %w", st.what, i, err)
					}
				}
				return nil
			}); err != nil {
				return err
			}
			if _, err := r.mustBlock(ctx, nil); err != nil {
				return err
			}
			r.o.Progress("seeded %s %d/%d (height %d)", st.what, end, st.n, r.height)
		}
	}

	// The orders of the award blocks: Repeat × Work orders whose bid
	// windows end at awardAt, awardAt+1, …, after the empty and transfer
	// blocks; each has its own buyer and one bid, from a node of its own,
	// and a delivery window of Repeat+1 blocks, which no delivery meets:
	// the deadlines of award block k's orders pass Repeat+1 blocks later,
	// after the last award block.
	seedAt := r.height + 1
	r.awardAt = seedAt + 2*int64(r.o.Repeat) + 1
	// The first deadline passes after the last award block.
	deliveryWindow := uint64(r.o.Repeat + 1)
	return r.app.Seed(func(s *app.Seeder) error {
		for k := range r.o.Repeat {
			for j := range w {
				n := k*w + j
				if err := r.order(s, workBuyer(j), uint64(ScaleOrders*10+n), uint64(r.awardAt+int64(k)-seedAt), deliveryWindow, workNode(j)); err != nil {
					return fmt.Errorf("seed award order %d: %w", n, err)
				}
			}
		}
		return nil
	})
}

// scaleNode is node i: its key, and its operator, background account
// Accounts-1-i (never a buyer of the orders it bids on).
type scaleNode struct {
	key      ed25519.PrivateKey
	operator address.Address
}

func (r *scaleRun) nodeOf(i int) scaleNode {
	return scaleNode{key: labelKey("scale-node", i), operator: scaleAddress(r.size.Accounts - 1 - i)}
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
		NodeSignature: registry.SignNodeKeyProof(n.key, scaleChainID, n.operator),
	}))
}

// order seeds an order of buyer (input number input) whose bid window is
// bidWindow blocks, with a bid from node n.
func (r *scaleRun) order(s *app.Seeder, buyer address.Address, input, bidWindow, deliveryWindow uint64, n scaleNode) error {
	if err := s.Run(buyer, marketMsg(&ledgerpb.MsgCreateOrder{
		PackageId: r.pkgID, InputRoot: benchHash("scale input", input),
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

func (r *scaleRun) measure(ctx context.Context) error {
	rep, w := r.o.Repeat, r.o.Work
	r.countOps()
	var empty, transfers, awards, deadlines []blockRun
	if _, err := r.mustBlock(ctx, nil); err != nil { // commits the award orders
		return err
	}
	for range rep {
		b, err := r.mustBlock(ctx, nil)
		if err != nil {
			return err
		}
		empty = append(empty, b)
	}
	for range rep {
		var txs [][]byte
		for i, a := range r.senders {
			tx, err := a.sign(scaleChainID, r.p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{
				To: scaleAddress(i).Bytes(), Amount: 1,
			}}})
			if err != nil {
				return err
			}
			txs = append(txs, tx)
		}
		b, err := r.mustBlock(ctx, txs)
		if err != nil {
			return err
		}
		transfers = append(transfers, b)
	}
	if r.height+1 != r.awardAt {
		return fmt.Errorf("at height %d, want the award block %d next", r.height, r.awardAt)
	}
	for range rep {
		b, err := r.mustBlock(ctx, nil)
		if err != nil {
			return err
		}
		if n, f := count[market.EventOrderAwarded](b), count[market.EventOrderFailed](b); n != w || f != 0 {
			return fmt.Errorf("award block %d: %d orders awarded and %d failed, want %d and none", b.height, n, f, w)
		}
		awards = append(awards, b)
	}
	for range scaleMaxWait {
		if len(deadlines) == rep {
			break
		}
		b, err := r.mustBlock(ctx, nil)
		if err != nil {
			return err
		}
		switch n := count[market.EventOrderFailed](b); n {
		case 0:
		case w:
			deadlines = append(deadlines, b)
		default:
			return fmt.Errorf("deadline block %d: %d orders failed, want %d", b.height, n, w)
		}
	}
	if len(deadlines) != rep {
		return fmt.Errorf("at height %d: %d blocks of failed orders, want %d", r.height, len(deadlines), rep)
	}
	for _, k := range []struct {
		kind string
		bs   []blockRun
	}{{"empty", empty}, {"transfer", transfers}, {"award", awards}, {"deadline", deadlines}} {
		for _, b := range k.bs[1:] {
			if b.ops != k.bs[0].ops {
				return fmt.Errorf("%s blocks %d and %d: store operations %+v and %+v differ", k.kind, k.bs[0].height, b.height, k.bs[0].ops, b.ops)
			}
		}
	}
	r.size.Empty, r.size.Transfers, r.size.Awards, r.size.Deadlines = median(empty), median(transfers), median(awards), median(deadlines)
	return nil
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

// median returns the block of median total time, with its parts.
func median(bs []blockRun) ScaleBlock {
	bs = slices.Clone(bs)
	slices.SortFunc(bs, func(a, b blockRun) int {
		return int(a.process + a.finalize + a.commit - b.process - b.finalize - b.commit)
	})
	m := bs[len(bs)/2]
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return ScaleBlock{Ms: ms(m.process + m.finalize + m.commit), ProcessMs: ms(m.process), FinalizeMs: ms(m.finalize), CommitMs: ms(m.commit), Ops: m.ops}
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

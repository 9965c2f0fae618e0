package bench

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
)

// DueOptions of a due-block run.
type DueOptions struct {
	// Orders is the number of orders whose bid deadline falls on the
	// measured block.
	Orders int
	// Providers is the number of providers; order i gets one bid, from
	// provider i mod Providers (default 4). With Providers < 0 the orders
	// get no bid and expire instead.
	Providers int
	// TxsPerBlock is the number of transactions of each setup block
	// (default 1,000).
	TxsPerBlock int
	// MaxDuePerBlock is the chain's max_due_per_block: the deadlines one
	// block's hook handles, the rest carried over to the next blocks
	// (default the params' default, 2,000; set it to Orders to handle
	// every order in the due block).
	MaxDuePerBlock int
}

// DueResult is the outcome of a due-block run.
type DueResult struct {
	Orders    int `json:"orders"`
	Providers int `json:"providers"`
	// MaxDuePerBlock is the chain's max_due_per_block of the run.
	MaxDuePerBlock int `json:"max_due_per_block"`
	// Height is the height of the due block, at which every bid window
	// ends; Blocks the number of blocks, from it, whose hooks handled the
	// orders (1 when max_due_per_block ≥ Orders).
	Height int64 `json:"height"`
	Blocks int   `json:"blocks"`
	// Seconds is the time of the longest of those blocks: ProcessProposal,
	// FinalizeBlock and Commit, each also reported; TotalSeconds the time
	// of all of them.
	Seconds         float64 `json:"seconds"`
	ProcessSeconds  float64 `json:"process_proposal_seconds"`
	FinalizeSeconds float64 `json:"finalize_block_seconds"`
	CommitSeconds   float64 `json:"commit_seconds"`
	TotalSeconds    float64 `json:"total_seconds"`
	// Awarded and Expired count the order_awarded and order_expired events
	// of those blocks.
	Awarded int `json:"awarded"`
	Expired int `json:"expired"`
}

const dueChainID = "bench-due"

// RunDue measures the block hooks of the market on the ledger's real
// Application over an IAVL tree on disk, driven through ABCI without
// CometBFT: it creates Orders orders through ordinary transactions
// (a registered compute package, MsgCreateOrder, one MsgBid each), chosen
// so that every bid window ends at the same height, and reports the time
// of the blocks whose begin-block hooks award (or expire) them: that one
// block when max_due_per_block ≥ Orders, else it and the next ones, to
// which the hook carries the deadlines over.
// Each block runs as CometBFT runs it: ProcessProposal, FinalizeBlock,
// Commit. A failed setup transaction or an order that is not awarded (or
// expired, without providers) is an error.
func RunDue(ctx context.Context, o DueOptions) (DueResult, error) {
	if o.Orders < 1 {
		return DueResult{}, fmt.Errorf("bench due: orders: must be at least 1, got %d", o.Orders)
	}
	if o.Providers == 0 {
		o.Providers = 4
	}
	o.Providers = max(o.Providers, 0)
	if o.TxsPerBlock <= 0 {
		o.TxsPerBlock = 1_000
	}
	dir, err := os.MkdirTemp("", "cell-bench-due-")
	if err != nil {
		return DueResult{}, err
	}
	defer os.RemoveAll(dir)
	db, err := chain.OpenDB(dir)
	if err != nil {
		return DueResult{}, err
	}
	defer db.Close()
	ledger, err := chain.NewApplication(db, dueChainID)
	if err != nil {
		return DueResult{}, err
	}
	d := &dueRun{o: o, driver: driver{app: ledger}}
	if err := d.run(ctx); err != nil {
		return d.res, fmt.Errorf("bench due: %w", err)
	}
	return d.res, nil
}

type dueRun struct {
	driver
	o   DueOptions
	res DueResult
}

func (d *dueRun) run(ctx context.Context) error {
	o := d.o
	d.res = DueResult{Orders: o.Orders, Providers: o.Providers}
	p := params.Default()
	fee := p.MinFee
	p.MaxBidWindow = params.MaxWindowBlocks
	if o.MaxDuePerBlock > 0 {
		p.MaxDuePerBlock = uint32(o.MaxDuePerBlock)
	}
	d.res.MaxDuePerBlock = int(p.MaxDuePerBlock)

	const buyers = 100
	author := newAccount(labelKey("bench-author", 0))
	val := labelKey("bench-validator", 0)
	valAcc := newAccount(val)
	accounts := []*ledgerpb.GenesisAccount{
		{Address: author.addr.String(), Balance: 100 * fee},
		{Address: valAcc.addr.String(), Balance: 10_000_000_000},
	}
	var bs, ps []*account
	perBuyer := uint64(o.Orders/buyers + 1)
	for i := range buyers {
		b := newAccount(labelKey("bench-buyer", i))
		bs = append(bs, b)
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: b.addr.String(), Balance: perBuyer * (benchMaxPrice + p.MinPoStake + fee)})
	}
	var nodes []ed25519.PrivateKey
	for i := range o.Providers {
		a := newAccount(labelKey("bench-provider", i))
		ps = append(ps, a)
		nodes = append(nodes, labelKey("bench-node", i))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: a.addr.String(), Balance: uint64(o.Orders/o.Providers+2) * (benchMaxPrice + fee)})
	}
	appState, err := chain.LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: valAcc.addr.String(), ConsensusPubkey: val.Public().(ed25519.PublicKey), SelfBond: 1_000_000_000, Moniker: "bench",
	}}, p)
	if err != nil {
		return err
	}
	if _, err := d.app.InitChain(ctx, &abci.InitChainRequest{ChainId: dueChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		return err
	}

	// Setup: the package and one wasm node per provider.
	reg, pkgID, err := registerPackage(author)
	if err != nil {
		return err
	}
	tx, err := author.sign(dueChainID, fee, marketMsg(reg))
	if err != nil {
		return err
	}
	setup := [][]byte{tx}
	for i, a := range ps {
		tx, err := a.sign(dueChainID, fee, marketMsg(&ledgerpb.MsgAnnounceNode{
			NodePubkey: nodes[i].Public().(ed25519.PublicKey), Endpoint: fmt.Sprintf("https://node-%d.bench.example.org/jobs", i),
			Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 64,
			NodeSignature: registry.SignNodeKeyProof(nodes[i], dueChainID, a.addr),
		}))
		if err != nil {
			return err
		}
		setup = append(setup, tx)
	}
	if _, err := d.mustBlock(ctx, setup); err != nil {
		return err
	}

	// Creates, then bids, TxsPerBlock a block; every bid window ends at
	// due, the block after the last bids. Order ids are sequential from 1.
	per := o.TxsPerBlock
	createBlocks := (o.Orders + per - 1) / per
	bidBlocks := 0
	if o.Providers > 0 {
		bidBlocks = createBlocks
	}
	due := d.height + int64(createBlocks+bidBlocks) + 1
	for start := 0; start < o.Orders; start += per {
		h := d.height + 1
		var txs [][]byte
		for n := start; n < min(start+per, o.Orders); n++ {
			tx, err := bs[n%buyers].sign(dueChainID, fee, marketMsg(&ledgerpb.MsgCreateOrder{
				PackageId: pkgID, InputRoot: benchHash("input", uint64(n)),
				Params:   []*ledgerpb.OrderParam{{Key: "enzyme", Value: "EcoRI"}},
				MaxPrice: benchMaxPrice, PoStake: p.MinPoStake,
				BidWindow: uint64(due - h), DeliveryWindow: benchLongWindow, ConfirmWindow: benchLongWindow, Replication: 1,
			}))
			if err != nil {
				return err
			}
			txs = append(txs, tx)
		}
		if _, err := d.mustBlock(ctx, txs); err != nil {
			return err
		}
	}
	for start := 0; start < o.Orders && o.Providers > 0; start += per {
		var txs [][]byte
		for n := start; n < min(start+per, o.Orders); n++ {
			id := uint64(n + 1)
			i := n % o.Providers
			price := benchMaxPrice / 2
			tx, err := ps[i].sign(dueChainID, fee, marketMsg(&ledgerpb.MsgBid{
				OrderId: id, NodeKey: nodes[i].Public().(ed25519.PublicKey), Price: uint64(price),
				Stake: market.RequiredBidStake(uint64(price), p),
			}))
			if err != nil {
				return err
			}
			txs = append(txs, tx)
		}
		if _, err := d.mustBlock(ctx, txs); err != nil {
			return err
		}
	}
	if d.height+1 != due {
		return fmt.Errorf("at height %d, want the due block %d next", d.height, due)
	}

	d.res.Height = due
	for d.res.Awarded+d.res.Expired < o.Orders && d.res.Blocks <= o.Orders {
		t, err := d.mustBlock(ctx, nil)
		if err != nil {
			return err
		}
		d.res.Blocks++
		secs := t.seconds()
		d.res.TotalSeconds += secs
		if secs > d.res.Seconds {
			d.res.Seconds = secs
			d.res.ProcessSeconds, d.res.FinalizeSeconds, d.res.CommitSeconds = t.process.Seconds(), t.finalize.Seconds(), t.commit.Seconds()
		}
		for _, e := range client.Events(events, t.res.Events) {
			switch e.(type) {
			case market.EventOrderAwarded:
				d.res.Awarded++
			case market.EventOrderExpired:
				d.res.Expired++
			}
		}
	}
	want, got := "awarded", d.res.Awarded
	if o.Providers == 0 {
		want, got = "expired", d.res.Expired
	}
	if got != o.Orders {
		return fmt.Errorf("due block %d: %d awarded, %d expired: want all %d %s", due, d.res.Awarded, d.res.Expired, o.Orders, want)
	}
	return nil
}

package bench

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// MarketOptions of a market run.
type MarketOptions struct {
	// Orders is the number of purchase orders.
	Orders int
	// Providers is the number of providers, each bidding on every order
	// (default 3).
	Providers int
	// Buyers is the number of buying accounts (default min(Orders, 100)).
	Buyers int
	// BlockTime is CometBFT's timeout_commit (default 100 ms).
	BlockTime time.Duration
	// BidWindow is every order's bid window in blocks: the bids must
	// commit within it, and the awards wait for its end. The default,
	// AutoWindow(Orders × Providers), leaves room for about 750 bids a
	// block.
	BidWindow uint64
	// RevealWindow is the reveal_window_blocks param: the reveals must
	// commit within it, and the ratings become final at its end. The
	// default is AutoWindow(2 × Orders).
	RevealWindow uint64
	// Timeout bounds the run (default 5 minutes).
	Timeout time.Duration
	// Log receives CometBFT's logs (default: discarded).
	Log io.Writer
}

// Phase is the time of one step of the market scenario, from its start
// (the end of the previous step) to the commit of its last transaction
// or, for "award" and "final", of the block whose hook did the work.
type Phase struct {
	Name    string  `json:"name"`
	Txs     int     `json:"txs"`
	Seconds float64 `json:"seconds"`
	Blocks  int64   `json:"blocks"`
}

// MarketResult is the outcome of a market run.
type MarketResult struct {
	Orders    int `json:"orders"`
	Providers int `json:"providers"`
	Buyers    int `json:"buyers"`
	// BidWindow and RevealWindow are the windows used, in blocks.
	BidWindow    uint64 `json:"bid_window"`
	RevealWindow uint64 `json:"reveal_window"`
	// Txs counts the market transactions committed in the measured time:
	// Orders × (5 + Providers) (create, bids, deliver, close, two reveals).
	Txs int `json:"txs"`
	// OrdersPerSec is Orders / Seconds: orders taken from creation to
	// final ratings.
	OrdersPerSec float64 `json:"orders_per_sec"`
	// TPS is Txs / Seconds.
	TPS float64 `json:"tps"`
	// Seconds runs from the first create_order submission to the commit
	// of the block in which the last order's ratings became final.
	Seconds float64 `json:"seconds"`
	Blocks  int64   `json:"blocks"`
	// SignSeconds is the time spent signing delivers, closes and reveals,
	// inside the measured time but while the chain waits for the bid
	// deadline.
	SignSeconds float64 `json:"sign_seconds"`
	// Failed counts transactions (setup included) that committed with a
	// non-zero code.
	Failed int     `json:"failed"`
	Phases []Phase `json:"phases"`
}

// Amounts of the scenario, in ucell.
const (
	benchMaxPrice  = 1_000_000
	benchPriceStep = 10_000
	// Long enough that no delivery or confirm deadline falls in the run:
	// both end early when the message arrives, so they cost nothing.
	benchLongWindow = 1_000
)

// account is a signing account and its next sequence number.
type account struct {
	key  ed25519.PrivateKey
	addr address.Address
	seq  uint64
}

func newAccount(key ed25519.PrivateKey) *account {
	addr, _ := address.FromPubKey(key.Public().(ed25519.PublicKey))
	return &account{key: key, addr: addr}
}

// sign builds a transaction of msg at the account's next sequence.
func (a *account) sign(chainID string, fee uint64, msg *ledgerpb.Msg) ([]byte, error) {
	raw, err := client.BuildTx(a.key, chainID, a.seq, fee, "", msg)
	if err != nil {
		return nil, err
	}
	a.seq++
	return raw, nil
}

// benchHash is sha256(label ‖ id (8, big-endian)).
func benchHash(label string, id uint64) []byte {
	h := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(label), id))
	return h[:]
}

// bidPrice is provider p's price for order id: provider id mod P bids
// lowest and wins, so that the winner of each order is known in advance
// (RunMarket checks it against the chain after the award).
func bidPrice(id uint64, p, providers int) uint64 {
	rank := (p - int(id%uint64(providers)) + providers) % providers
	return benchMaxPrice/2 + uint64(rank)*benchPriceStep
}

// Stars of the ratings: the buyer rates the provider, the provider the
// buyer.
func buyerStars(id uint64) uint8    { return uint8(3 + id%3) }
func providerStars(id uint64) uint8 { return uint8(4 + id%2) }

func marketMsg(m any) *ledgerpb.Msg {
	switch m := m.(type) {
	case *ledgerpb.MsgCreateOrder:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: m}}
	case *ledgerpb.MsgBid:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: m}}
	case *ledgerpb.MsgDeliver:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: m}}
	case *ledgerpb.MsgClose:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: m}}
	case *ledgerpb.MsgRevealRating:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: m}}
	case *ledgerpb.MsgAnnounceNode:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: m}}
	case *ledgerpb.MsgRegisterPackage:
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: m}}
	}
	panic(fmt.Sprintf("bench: no message for %T", m))
}

// registerPackage is the MsgRegisterPackage of a small compute package
// whose envelope author signs; the package is never run.
func registerPackage(author *account) (*ledgerpb.MsgRegisterPackage, []byte, error) {
	id := sha256.Sum256([]byte("celltonomy bench package"))
	env := &specpb.Envelope{
		PackageId: id[:], Name: "bench-digest", Version: "1.0.0", Kind: specpb.Kind_KIND_COMPUTE,
		Skill: "compute/genomics/digest", License: &specpb.License{RoyaltyBps: 250}, Author: author.addr.Bytes(),
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		return nil, nil, err
	}
	return &ledgerpb.MsgRegisterPackage{
		Envelope: raw, AuthorPublicKey: author.key.Public().(ed25519.PublicKey), AuthorSignature: ed25519.Sign(author.key, raw),
		SpecSize: 1024, BlobLocations: []string{"https://blobs.example.org/bench-digest"},
	}, id[:], nil
}

// AutoWindow is the default window, in blocks, for txs transactions that
// must commit within it once the previous phase has committed: 2 blocks
// of slack plus one per 750 transactions, at least 5.
func AutoWindow(txs int) uint64 {
	return max(5, 2+uint64((txs+749)/750))
}

// RunMarket runs the market scenario on a single in-process validator and
// measures completed orders per second; see the package doc.
func RunMarket(ctx context.Context, o MarketOptions) (MarketResult, error) {
	if o.Orders < 1 {
		return MarketResult{}, fmt.Errorf("bench: orders: must be at least 1, got %d", o.Orders)
	}
	if o.Providers <= 0 {
		o.Providers = 3
	}
	if o.Buyers <= 0 {
		o.Buyers = 100
	}
	o.Buyers = min(o.Buyers, o.Orders)
	if o.BlockTime <= 0 {
		o.BlockTime = 100 * time.Millisecond
	}
	if o.BidWindow == 0 {
		o.BidWindow = AutoWindow(o.Orders * o.Providers)
	}
	if o.RevealWindow == 0 {
		o.RevealWindow = AutoWindow(2 * o.Orders)
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	m := &marketRun{o: o, res: MarketResult{Orders: o.Orders, Providers: o.Providers, Buyers: o.Buyers, BidWindow: o.BidWindow, RevealWindow: o.RevealWindow}}
	if err := m.run(ctx); err != nil {
		return m.res, fmt.Errorf("bench market: %w", err)
	}
	return m.res, nil
}

const marketChainID = "bench-market"

type marketRun struct {
	o   MarketOptions
	res MarketResult

	p         *ledgerpb.Params
	fee       uint64
	author    *account
	buyers    []*account
	providers []*account
	nodes     []ed25519.PrivateKey
	pkgID     []byte

	lc      *local.Local
	counted *counting
}

func (m *marketRun) run(ctx context.Context) error {
	o := m.o
	dir, err := os.MkdirTemp("", "cell-bench-market-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	marketTxs := o.Orders * (5 + o.Providers)
	c, err := home(dir, o.BlockTime, marketTxs+o.Providers+1)
	if err != nil {
		return err
	}
	m.p = params.Default()
	m.p.RevealWindowBlocks = o.RevealWindow
	m.p.MaxBidWindow = max(m.p.MaxBidWindow, o.BidWindow)
	m.fee = m.p.MinFee

	// Genesis funds the author, the buyers and the providers.
	m.author = newAccount(labelKey("bench-author", 0))
	perBuyer := uint64((o.Orders + o.Buyers - 1) / o.Buyers)
	accounts := []*ledgerpb.GenesisAccount{{Address: m.author.addr.String(), Balance: 100 * m.fee}}
	for i := range o.Buyers {
		b := newAccount(labelKey("bench-buyer", i))
		m.buyers = append(m.buyers, b)
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: b.addr.String(), Balance: 2 * perBuyer * (benchMaxPrice + m.p.MinPoStake + 3*m.fee)})
	}
	for i := range o.Providers {
		p := newAccount(labelKey("bench-provider", i))
		m.providers = append(m.providers, p)
		m.nodes = append(m.nodes, labelKey("bench-node", i))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: p.addr.String(), Balance: 2 * uint64(o.Orders+1) * (benchMaxPrice + 3*m.fee)})
	}
	if err := writeLedgerGenesis(dir, c, marketChainID, accounts, m.p); err != nil {
		return err
	}

	// Setup transactions: the package and one wasm node per provider.
	reg, pkgID, err := registerPackage(m.author)
	if err != nil {
		return err
	}
	m.pkgID = pkgID
	regTx, err := m.author.sign(marketChainID, m.fee, marketMsg(reg))
	if err != nil {
		return err
	}
	setup := [][][]byte{{regTx}}
	for i, p := range m.providers {
		tx, err := p.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgAnnounceNode{
			NodePubkey: m.nodes[i].Public().(ed25519.PublicKey), Endpoint: fmt.Sprintf("https://node-%d.bench.example.org/jobs", i),
			Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 64,
			NodeSignature: registry.SignNodeKeyProof(m.nodes[i], marketChainID, p.addr),
		}))
		if err != nil {
			return err
		}
		setup = append(setup, [][]byte{tx})
	}

	// Creates (ids are sequential from 1 on this fresh chain: the k-th
	// order of buyer b is not known before it commits) and bids (by id, so
	// they are signed now).
	creates := make([][][]byte, o.Buyers)
	for n := range o.Orders {
		b := n % o.Buyers
		tx, err := m.buyers[b].sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgCreateOrder{
			PackageId: m.pkgID, InputRoot: benchHash("input", uint64(n)),
			Params:   []*ledgerpb.OrderParam{{Key: "enzyme", Value: "EcoRI"}},
			MaxPrice: benchMaxPrice, PoStake: m.p.MinPoStake,
			BidWindow: o.BidWindow, DeliveryWindow: benchLongWindow, ConfirmWindow: benchLongWindow, Replication: 1,
		}))
		if err != nil {
			return err
		}
		creates[b] = append(creates[b], tx)
	}
	bids := make([][][]byte, o.Providers)
	for p, acc := range m.providers {
		for id := uint64(1); id <= uint64(o.Orders); id++ {
			price := bidPrice(id, p, o.Providers)
			tx, err := acc.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgBid{
				OrderId: id, NodeKey: m.nodes[p].Public().(ed25519.PublicKey), Price: price,
				Stake: market.RequiredBidStake(price, m.p),
			}))
			if err != nil {
				return err
			}
			bids[p] = append(bids[p], tx)
		}
	}

	db, err := chain.OpenDB(dir)
	if err != nil {
		return err
	}
	defer db.Close()
	ledger, err := chain.NewApplication(db, marketChainID)
	if err != nil {
		return err
	}
	n, counted, stop, err := startNode(ctx, c, ledger, proxy.NewUnsyncLocalClientCreator, o.Log)
	if err != nil {
		return err
	}
	defer stop()
	counted.mu.Lock()
	counted.watch = watchTypes(market.EventOrderAwarded{}, market.EventOrderExpired{}, market.EventOrderFailed{}, market.EventRatingsFinal{})
	counted.mu.Unlock()
	m.lc, m.counted = local.New(n), counted

	if _, err := m.submit(ctx, "setup", setup); err != nil {
		return err
	}

	start := time.Now()
	startHeight, startTxs, _ := counted.committed(nil)
	last := start
	lastHeight := startHeight
	mark := func(name string, txs int) {
		h, _, _ := counted.committed(nil)
		now := time.Now()
		m.res.Phases = append(m.res.Phases, Phase{Name: name, Txs: txs, Seconds: now.Sub(last).Seconds(), Blocks: h - lastHeight})
		last, lastHeight = now, h
	}

	if _, err := m.submit(ctx, "create", creates); err != nil {
		return err
	}
	buyerOf, err := m.orderBuyers(ctx)
	if err != nil {
		return err
	}
	mark("create", o.Orders)

	if _, err := m.submit(ctx, "bid", bids); err != nil {
		return err
	}
	mark("bid", o.Orders*o.Providers)

	// While the chain waits for the bid deadline, sign what follows: the
	// winners are known from the prices.
	type signed struct {
		delivers, closes, reveals [][][]byte
		err                       error
		took                      time.Duration
	}
	signc := make(chan signed, 1)
	go func() {
		t0 := time.Now()
		d, cl, rv, err := m.signRest(buyerOf)
		signc <- signed{d, cl, rv, err, time.Since(t0)}
	}()

	if err := m.waitEvents(ctx, market.EventOrderAwarded{}, int64(o.Orders)); err != nil {
		return err
	}
	if err := m.checkOrders(ctx, func(ord *ledgerpb.Order) error {
		want := m.providers[ord.Id%uint64(o.Providers)].addr
		if ord.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || ord.Contract == nil || address.Address(ord.Contract.Provider) != want {
			return fmt.Errorf("order %d: %s, want AWARDED to %s", ord.Id, market.StateName(ord.State), want)
		}
		return nil
	}); err != nil {
		return err
	}
	s := <-signc
	if s.err != nil {
		return s.err
	}
	m.res.SignSeconds = s.took.Seconds()
	mark("award", 0)

	if _, err := m.submit(ctx, "deliver", s.delivers); err != nil {
		return err
	}
	mark("deliver", o.Orders)
	if _, err := m.submit(ctx, "close", s.closes); err != nil {
		return err
	}
	mark("close", o.Orders)
	if _, err := m.submit(ctx, "reveal", s.reveals); err != nil {
		return err
	}
	mark("reveal", 2*o.Orders)
	if err := m.waitEvents(ctx, market.EventRatingsFinal{}, int64(o.Orders)); err != nil {
		return err
	}
	mark("final", 0)
	elapsed := time.Since(start)
	endHeight, endTxs, _ := counted.committed(nil)

	m.res.Txs = int(endTxs - startTxs)
	m.res.Seconds = elapsed.Seconds()
	m.res.Blocks = endHeight - startHeight
	m.res.OrdersPerSec = float64(o.Orders) / m.res.Seconds
	m.res.TPS = float64(m.res.Txs) / m.res.Seconds
	m.res.Failed = int(counted.failed.Load())
	if m.res.Txs != marketTxs {
		return fmt.Errorf("%d market transactions committed, want %d", m.res.Txs, marketTxs)
	}
	if m.res.Failed != 0 {
		return fmt.Errorf("%d transactions failed; the first: %s", m.res.Failed, counted.failure())
	}
	return m.checkOrders(ctx, func(ord *ledgerpb.Order) error {
		r := ord.Ratings
		if ord.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || r == nil || !r.Final || !r.BuyerRevealed || !r.ProviderRevealed ||
			r.BuyerStars != uint32(buyerStars(ord.Id)) || r.ProviderStars != uint32(providerStars(ord.Id)) {
			return fmt.Errorf("order %d: %s, ratings %v: want CLOSED with both ratings revealed and final", ord.Id, market.StateName(ord.State), r)
		}
		return nil
	})
}

// signRest signs, from the order ids and the known winners, each
// provider's delivers and then its reveals, and each buyer's closes and
// then its reveals. The reveals of both sides go in one phase.
func (m *marketRun) signRest(buyerOf []int) (delivers, closes, reveals [][][]byte, err error) {
	P, B := len(m.providers), len(m.buyers)
	delivers, closes = make([][][]byte, P), make([][][]byte, B)
	reveals = make([][][]byte, P+B)
	var mu sync.Mutex
	var wg sync.WaitGroup
	fail := func(e error) {
		mu.Lock()
		if err == nil {
			err = e
		}
		mu.Unlock()
	}
	for p, acc := range m.providers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var won []uint64
			for id := uint64(p); id <= uint64(len(buyerOf)); id += uint64(P) {
				if id > 0 {
					won = append(won, id)
				}
			}
			for _, id := range won {
				cc := market.CompletionCommitment(id, benchHash("completion", id))
				rc := market.RatingCommitment(id, providerStars(id), benchHash("provider salt", id))
				tx, e := acc.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgDeliver{OrderId: id,
					OutputRoot: benchHash("output", id), EventLogHead: benchHash("log head", id),
					CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:], Result: ledgerpb.RunResult_RUN_RESULT_EXITED}))
				if e != nil {
					fail(e)
					return
				}
				delivers[p] = append(delivers[p], tx)
			}
			for _, id := range won {
				tx, e := acc.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgRevealRating{OrderId: id,
					Stars: uint32(providerStars(id)), Salt: benchHash("provider salt", id)}))
				if e != nil {
					fail(e)
					return
				}
				reveals[p] = append(reveals[p], tx)
			}
		}()
	}
	for b, acc := range m.buyers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []uint64
			for i, owner := range buyerOf {
				if owner == b {
					mine = append(mine, uint64(i+1))
				}
			}
			for _, id := range mine {
				rc := market.RatingCommitment(id, buyerStars(id), benchHash("buyer salt", id))
				tx, e := acc.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgClose{OrderId: id,
					CompletionCode: benchHash("completion", id), BuyerRatingCommitment: rc[:]}))
				if e != nil {
					fail(e)
					return
				}
				closes[b] = append(closes[b], tx)
			}
			for _, id := range mine {
				tx, e := acc.sign(marketChainID, m.fee, marketMsg(&ledgerpb.MsgRevealRating{OrderId: id,
					Stars: uint32(buyerStars(id)), Salt: benchHash("buyer salt", id)}))
				if e != nil {
					fail(e)
					return
				}
				reveals[P+b] = append(reveals[P+b], tx)
			}
		}()
	}
	wg.Wait()
	return delivers, closes, reveals, err
}

// submit broadcasts the senders' transactions and waits until all are
// committed; it returns the height of that commit.
func (m *marketRun) submit(ctx context.Context, phase string, senders [][][]byte) (int64, error) {
	_, base, _ := m.counted.committed(nil)
	total := 0
	for _, s := range senders {
		total += len(s)
	}
	if err := broadcast(ctx, m.lc, senders); err != nil {
		return 0, fmt.Errorf("%s: %w", phase, err)
	}
	var h int64
	err := m.wait(ctx, phase, func() bool {
		var txs int64
		h, txs, _ = m.counted.committed(nil)
		return txs-base >= int64(total)
	})
	return h, err
}

// waitEvents waits until n events of the type of typ have been committed.
func (m *marketRun) waitEvents(ctx context.Context, typ event.Typed, n int64) error {
	return m.wait(ctx, typ.EventType(), func() bool {
		_, _, got := m.counted.committed(typ)
		return got >= n
	})
}

// wait polls done; it gives up on the first failed transaction or on an
// order that expired or failed, which the scenario never expects.
func (m *marketRun) wait(ctx context.Context, what string, done func() bool) error {
	for !done() {
		if f := m.counted.failed.Load(); f > 0 {
			return fmt.Errorf("%s: %d transactions failed; the first: %s", what, f, m.counted.failure())
		}
		for _, typ := range []event.Typed{market.EventOrderExpired{}, market.EventOrderFailed{}} {
			if _, _, k := m.counted.committed(typ); k > 0 {
				return fmt.Errorf("%s: %d orders took event %s", what, k, typ.EventType())
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", what, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// orderBuyers returns, for each order id i+1, the index of its buyer,
// from the query.Orders query by buyer.
func (m *marketRun) orderBuyers(ctx context.Context) ([]int, error) {
	owner := make([]int, m.o.Orders)
	for i := range owner {
		owner[i] = -1
	}
	for b, acc := range m.buyers {
		orders, err := m.queryOrders(ctx, &ledgerpb.OrdersRequest{Buyer: acc.addr.Bytes()})
		if err != nil {
			return nil, err
		}
		for _, ord := range orders {
			if ord.Id < 1 || ord.Id > uint64(len(owner)) || owner[ord.Id-1] != -1 {
				return nil, fmt.Errorf("order id %d: want ids 1 to %d, each once", ord.Id, len(owner))
			}
			owner[ord.Id-1] = b
		}
	}
	for i, b := range owner {
		if b < 0 {
			return nil, fmt.Errorf("order %d: not found", i+1)
		}
	}
	return owner, nil
}

// checkOrders runs check on every order of every buyer.
func (m *marketRun) checkOrders(ctx context.Context, check func(*ledgerpb.Order) error) error {
	seen := 0
	for _, acc := range m.buyers {
		orders, err := m.queryOrders(ctx, &ledgerpb.OrdersRequest{Buyer: acc.addr.Bytes()})
		if err != nil {
			return err
		}
		for _, ord := range orders {
			if err := check(ord); err != nil {
				return err
			}
		}
		seen += len(orders)
	}
	if seen != m.o.Orders {
		return fmt.Errorf("%d orders found, want %d", seen, m.o.Orders)
	}
	return nil
}

// queryOrders pages through the query.Orders query.
func (m *marketRun) queryOrders(ctx context.Context, req *ledgerpb.OrdersRequest) ([]*ledgerpb.Order, error) {
	var out []*ledgerpb.Order
	req.Page = &ledgerpb.PageRequest{}
	for {
		var res ledgerpb.OrdersResponse
		err := ask(ctx, func(ctx context.Context, path string, data []byte) (*abci.QueryResponse, error) {
			r, err := m.lc.ABCIQuery(ctx, path, data)
			if err != nil {
				return nil, err
			}
			return &r.Response, nil
		}, query.Orders, req, &res)
		if err != nil {
			return nil, err
		}
		out = append(out, res.Orders...)
		if len(res.GetPage().GetNextKey()) == 0 {
			return out, nil
		}
		req.Page.Key = res.Page.NextKey
	}
}

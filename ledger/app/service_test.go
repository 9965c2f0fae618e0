package app

import (
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// serviceChain is marketChain with market_max_service_blocks 10 and the
// service package pkgID("svc") (one API slot, port 8080) registered by
// mAuthor.
func serviceChain(t testing.TB) *chain {
	t.Helper()
	c := marketChainWith(t, func(p *ledgerpb.Params) { p.MarketMaxServiceBlocks = 10 })
	env := envelope(mAuthor, "svc", "kmers", "1.0.0", nil)
	env.ServicePorts = []int32{8080}
	c.mustBlock(c.tx(mAuthor, register(mAuthor, env)))
	if !market.IsServicePackage(c.app.registry.Package(c.st, pkgID("svc"))) {
		t.Fatal("the registered package is not a service package")
	}
	return c
}

// serviceOrderMsg orders pkgID("svc") for blocks blocks at a max price of
// 1,000 ucell for the whole duration.
func serviceOrderMsg(blocks uint64) *ledgerpb.MsgCreateOrder {
	m := orderMsg()
	m.PackageId, m.Params, m.ServiceBlocks = pkgID("svc"), nil, blocks
	return m
}

func stopService(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_StopService{StopService: &ledgerpb.MsgStopService{OrderId: id}}}
}

// receiptMsg is mProv1's delivery of order id's usage receipt claiming
// served blocks.
func receiptMsg(id, served uint64) *ledgerpb.Msg {
	m := deliverMsg(id, 4)
	d := m.GetDeliver()
	d.ServedBlocks, d.Calls, d.BytesIn, d.BytesOut = served, 7, 700, 1400
	return m
}

// serviceAwarded returns a service chain at height 6 with order 1
// (mBuyer, service_blocks 10, created at height 3) awarded to mProv1 at
// height 6 for 1,000 ucell (stake 100): the service ends at height 16 and
// its receipt is due by height 19.
func serviceAwarded(t testing.TB) *chain {
	t.Helper()
	c := serviceChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(serviceOrderMsg(10))))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 1000, 100)))
	c.mustBlock()
	res := c.mustBlock()
	if e := findEvent(t, res.Events, "order_awarded"); attr(e, "delivery_deadline") != "19" {
		t.Fatalf("award event %v", e)
	}
	if o := c.order(1); o.ServiceBlocks != 10 || market.ServiceEnd(o) != 16 {
		t.Fatalf("order %v", o)
	}
	return c
}

// balances are every party's balance of a service order.
type balances struct{ buyer, provider, author, treasury, escrow uint64 }

func (c *chain) serviceBalances() balances {
	return balances{c.balance(mBuyer), c.balance(mProv1), c.balance(mAuthor), c.treasuryBalance(), c.escrow()}
}

// TestServiceStopEarlyPaysProRata: the buyer stops after 4 of 10 blocks;
// the provider's receipt of 4 served blocks is paid 400 of the 1,000
// ucell (fee 4, royalty 10, payment 386) and the buyer gets 600 back
// with its PO stake.
func TestServiceStopEarlyPaysProRata(t *testing.T) {
	c := serviceAwarded(t)
	c.emptyBlocksTo(9)
	before := c.serviceBalances()
	res := c.mustBlock(c.tx(mBuyer, stopService(1))) // height 10: 4 blocks served
	e := findEvent(t, res.TxResults[0].Events, "service_stopped")
	if attr(e, "stop_height") != "10" || attr(e, "served_bound") != "4" || attr(e, "delivery_deadline") != "13" {
		t.Fatalf("service_stopped %v", e)
	}
	res = c.mustBlock(c.tx(mProv1, receiptMsg(1, 4)))
	if e := findEvent(t, res.TxResults[0].Events, "order_delivered"); attr(e, "served_blocks") != "4" || attr(e, "calls") != "7" {
		t.Fatalf("order_delivered %v", e)
	}
	res = c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	if e := findEvent(t, res.TxResults[0].Events, "order_closed"); attr(e, "payment") != "386" || attr(e, "refund") != "600" ||
		attr(e, "network_fee") != "4" || attr(e, "royalty") != "10" {
		t.Fatalf("order_closed %v", e)
	}
	after := c.serviceBalances()
	fee := c.p.MinFee
	want := balances{
		buyer:    before.buyer - 2*fee + 600 + 100,
		provider: before.provider - fee + 386 + 100,
		author:   before.author + 10,
		treasury: after.treasury, // tx fees also reach it; checked below
		escrow:   before.escrow - 1000 - 100 - 100,
	}
	if after != want || after.escrow != 0 {
		t.Fatalf("balances %+v, want %+v", after, want)
	}
}

// TestServiceRunsToTheEnd: a receipt delivered after the end is paid for
// the whole duration at most (here all 10 blocks: the full price).
func TestServiceRunsToTheEnd(t *testing.T) {
	c := serviceAwarded(t)
	c.emptyBlocksTo(16)
	before := c.serviceBalances()
	c.mustBlock(c.tx(mProv1, receiptMsg(1, 10))) // height 17, after the end at 16
	res := c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	if e := findEvent(t, res.TxResults[0].Events, "order_closed"); attr(e, "payment") != "965" || attr(e, "refund") != "0" {
		t.Fatalf("order_closed %v", e)
	}
	if got := c.balance(mBuyer); got != before.buyer-c.p.MinFee+100 {
		t.Fatalf("buyer +%d, want its PO stake", got-before.buyer)
	}
}

// TestServiceEdges: every message edge of a service order is refused
// with its code and leaves no state change (but the fee and sequence of
// a transaction that reached a block).
func TestServiceEdges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(c *chain)
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{name: "service_blocks on a batch package", signer: mBuyer, msg: createOrderWith(func() *ledgerpb.MsgCreateOrder {
			m := orderMsg()
			m.ServiceBlocks = 5
			return m
		}()), code: market.ErrNotService.Number, log: "it is a batch package", charged: true},
		{name: "service package without a duration", signer: mBuyer, msg: createOrderWith(serviceOrderMsg(0)),
			code: market.ErrServiceBlocks.Number, log: "order it for a duration of 1 to 10 blocks", charged: true},
		{name: "service_blocks above the max", signer: mBuyer, msg: createOrderWith(serviceOrderMsg(11)),
			code: market.ErrServiceBlocks.Number, log: "at most market_max_service_blocks 10", charged: true},
		{name: "stop before the award", setup: func(c *chain) { c.mustBlock(c.tx(mBuyer, createOrderWith(serviceOrderMsg(10)))) },
			signer: mBuyer, msg: stopService(1), code: market.ErrWrongState.Number, log: "is open: must be awarded", charged: true},
		{name: "stop a batch order", setup: func(c *chain) { c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg()))) },
			signer: mBuyer, msg: stopService(1), code: market.ErrNotService.Number, log: "is a batch order", charged: true},
		{name: "stop no order", signer: mBuyer, msg: stopService(9), code: market.ErrNoOrder.Number, log: "order 9", charged: true},
		{name: "stop by the provider", setup: awardService, signer: mProv1, msg: stopService(1),
			code: market.ErrNotBuyer.Number, log: "only its buyer", charged: true},
		{name: "stop twice", setup: func(c *chain) { awardService(c); c.mustBlock(c.tx(mBuyer, stopService(1))) }, signer: mBuyer, msg: stopService(1),
			code: market.ErrServiceStopped.Number, log: "stopped already at height 7", charged: true},
		{name: "stop after the end", setup: func(c *chain) { awardService(c); c.emptyBlocksTo(15) }, signer: mBuyer, msg: stopService(1),
			code: market.ErrWindowClosed.Number, log: "the service ended at height 16", charged: true},
		{name: "stop after the delivery", setup: func(c *chain) { awardService(c); c.mustBlock(c.tx(mProv1, receiptMsg(1, 1))) },
			signer: mBuyer, msg: stopService(1), code: market.ErrWrongState.Number, log: "is delivered: must be awarded", charged: true},
		{name: "receipt claiming more than served before the end", setup: func(c *chain) { awardService(c); c.emptyBlocksTo(8) },
			signer: mProv1, msg: receiptMsg(1, 4), code: market.ErrServedBlocks.Number, log: "at most 3 blocks were served by height 9", charged: true},
		{name: "receipt claiming more than the duration after the end", setup: func(c *chain) { awardService(c); c.emptyBlocksTo(17) },
			signer: mProv1, msg: receiptMsg(1, 11), code: market.ErrServedBlocks.Number, log: "at most 10 blocks", charged: true},
		{name: "receipt after the stop's deadline", setup: func(c *chain) { awardService(c); c.mustBlock(c.tx(mBuyer, stopService(1))); c.emptyBlocksTo(10) },
			signer: mProv1, msg: receiptMsg(1, 1), code: market.ErrWrongState.Number, log: "is failed: must be awarded", charged: true},
		{name: "usage on a batch delivery", setup: func(c *chain) {
			c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
			c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)))
			c.emptyBlocksTo(6)
		}, signer: mProv1, msg: receiptMsg(1, 1), code: market.ErrNotService.Number, log: "must be 0", charged: true},
		{name: "dispute a service order", setup: func(c *chain) { awardService(c); c.mustBlock(c.tx(mProv1, receiptMsg(1, 1))) },
			signer: mBuyer, msg: openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 100), code: market.ErrServiceOrder.Number, log: "cannot be re-executed by verifiers", charged: true},
		{name: "missing inputs of a service order", setup: func(c *chain) { awardService(c); c.emptyBlocksTo(9) },
			signer: mProv1, msg: reportMissingInputs(1), code: market.ErrServiceOrder.Number, log: "no inputs to miss", charged: true},
		{name: "buy an offering of a service package", setup: func(c *chain) {
			c.mustBlock(c.tx(mProv2, setOffering(mNode2, pkgID("svc"), 600, 5)))
		}, signer: mBuyer, msg: &ledgerpb.Msg{Sum: &ledgerpb.Msg_BuyOffering{BuyOffering: &ledgerpb.MsgBuyOffering{Vendor: mProv2.addr.Bytes(),
			PackageId: pkgID("svc"), InputRoot: hash32("input"), DeliveryWindow: 3, ConfirmWindow: 3, PoStake: 100, MaxPrice: 1_000}}},
			code: market.ErrServiceBlocks.Number, log: "is a service package", charged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := serviceChain(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			checkMarketRejection(t, c, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
}

// awardService creates service order 1 (10 blocks) at height 3 and has
// mProv1 win it at height 6 for 1,000 ucell.
func awardService(c *chain) {
	c.mustBlock(c.tx(mBuyer, createOrderWith(serviceOrderMsg(10))))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 1000, 100)))
	c.emptyBlocksTo(6)
}

// TestAttackReceiptClaimsMoreBlocksThanServed: a provider whose buyer
// stopped after 2 blocks delivers a receipt claiming all 10: refused;
// its honest receipt of 2 is paid 200 and the buyer keeps the other 800.
func TestAttackReceiptClaimsMoreBlocksThanServed(t *testing.T) {
	c := serviceAwarded(t)
	c.mustBlock()
	c.mustBlock(c.tx(mBuyer, stopService(1))) // height 8: 2 served
	c.emptyBlocksTo(9)
	before := c.serviceBalances()
	checkMarketRejection(t, c, c.tx(mProv1, receiptMsg(1, 10)), market.ErrServedBlocks.Number, "at most 2 blocks", true)
	if c.order(1).State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		t.Fatal("a refused receipt changed the order")
	}
	c.mustBlock(c.tx(mProv1, receiptMsg(1, 2)))
	c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 3)))
	after := c.serviceBalances()
	fee := c.p.MinFee
	// 200 charged: fee 2, royalty 5, payment 193.
	if after.provider != before.provider-2*fee+193+100 || after.buyer != before.buyer-fee+800+100 ||
		after.author != before.author+5 || after.escrow != 0 {
		t.Fatalf("balances before %+v after %+v", before, after)
	}
}

// TestAttackStopThenDispute: a buyer who stopped a service and got the
// receipt tries to dispute it to get the charged blocks back: refused;
// every balance is unchanged by the attempt, and the close pays as
// served.
func TestAttackStopThenDispute(t *testing.T) {
	c := serviceAwarded(t)
	c.mustBlock(c.tx(mBuyer, stopService(1))) // height 7: 1 served
	c.mustBlock(c.tx(mProv1, receiptMsg(1, 1)))
	before := c.serviceBalances()
	checkMarketRejection(t, c, c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 100)), market.ErrServiceOrder.Number, "stop it early (stop_service) and rate it", true)
	after := c.serviceBalances()
	if after.provider != before.provider || after.escrow != before.escrow || after.buyer != before.buyer-c.p.MinFee || after.author != before.author {
		t.Fatalf("balances before %+v after %+v", before, after)
	}
	c.emptyBlocksTo(12) // auto-close at the confirm deadline 11
	o := c.order(1)
	if o.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || o.Ratings.Payment != 97 { // 100 charged: fee 1, royalty 2
		t.Fatalf("order %v", o)
	}
	if c.balance(mBuyer) != after.buyer+900+100 || c.escrow() != 0 {
		t.Fatalf("buyer +%d escrow %d", c.balance(mBuyer)-after.buyer, c.escrow())
	}
}

// TestAttackProviderNeverDelivers: a provider that holds the service and
// never posts its receipt is paid nothing and loses its stake, as a
// batch order's provider that does not deliver: every party's balance is
// checked.
func TestAttackProviderNeverDelivers(t *testing.T) {
	c := serviceAwarded(t)
	before := c.serviceBalances()
	c.emptyBlocksTo(20)
	after := c.serviceBalances()
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_FAILED {
		t.Fatalf("order %v", o)
	}
	// The buyer gets the price and its PO stake back, the provider's bid
	// stake goes to the treasury, the author earns nothing.
	if after.buyer != before.buyer+1000+100 || after.provider != before.provider || after.author != before.author ||
		after.treasury != before.treasury+100 || after.escrow != 0 {
		t.Fatalf("balances before %+v after %+v", before, after)
	}
}

func TestServiceCharge(t *testing.T) {
	for _, tc := range []struct{ price, served, blocks, want uint64 }{
		{1000, 4, 10, 400},
		{1000, 3, 7, 428}, // 428.57 rounded down; 572 to the buyer
		{1000, 0, 10, 0},
		{1000, 10, 10, 1000},
		{1 << 63, 1, 3, (1 << 63) / 3}, // no overflow of price × served
		{7, 1, 0, 7},
	} {
		if got := market.ServiceCharge(tc.price, tc.served, tc.blocks); got != tc.want {
			t.Errorf("ServiceCharge(%d, %d, %d) = %d, want %d", tc.price, tc.served, tc.blocks, got, tc.want)
		}
	}
}

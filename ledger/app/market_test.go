package app

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Keys of the market tests.
var (
	mAuthor = newKey("market author")
	mBuyer  = newKey("market buyer")
	mProv1  = newKey("market provider 1")
	mProv2  = newKey("market provider 2")
	mProv3  = newKey("market provider 3") // a lab: BotSpecs, no wasm
	mNode1  = newKey("market node 1")
	mNode2  = newKey("market node 2")
	mNode3  = newKey("market node 3")
)

const mFunds = 1_000_000

// marketChain returns a chain at height 1 on which mAuthor has registered
// the compute package pkgID("market") (royalty 250 bps, skill
// compute/genomics/digest), mProv1 and mProv2 run wasm nodes and mProv3 a
// lab node; mProv2 offers the package at 600 ucell.
func marketChain(t testing.TB) *chain { return marketChainWith(t, nil) }

// marketChainWith is marketChain with params edited by edit, if not nil.
func marketChainWith(t testing.TB, edit func(*ledgerpb.Params)) *chain {
	t.Helper()
	p := testParams()
	p.NodeTtlBlocks = 1_000
	if edit != nil {
		edit(p)
	}
	g := testGenesis(p)
	for _, k := range []key{mAuthor, mBuyer, mProv1, mProv2, mProv3} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: k.addr.String(), Balance: mFunds})
	}
	c := newChain(t, g)
	lab := announceMsg(mNode3)
	lab.Architectures, lab.BotspecHashes = nil, [][]byte{labBotSpec}
	c.mustBlock(
		c.tx(mAuthor, register(mAuthor, envelope(mAuthor, "market", "digest", "1.0.0", nil))),
		c.tx(mProv1, announce(mNode1)),
		c.tx(mProv2, announce(mNode2), setProfile("Prov Two", ledgerpb.Role_ROLE_VENDOR), setOffering(mNode2, pkgID("market"), 600, 5)),
		c.tx(mProv3, announceWith(lab)),
	)
	return c
}

func hash32(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

var (
	completionCode = []byte("completion-code-0123456789")
	buyerSalt      = hash32("buyer salt")
	providerSalt   = hash32("provider salt")
)

func orderMsg() *ledgerpb.MsgCreateOrder {
	return &ledgerpb.MsgCreateOrder{PackageId: pkgID("market"), InputRoot: hash32("input"),
		Params: []*ledgerpb.OrderParam{{Key: "enzyme", Value: "EcoRI"}}, MaxPrice: 1000, PoStake: 100,
		BidWindow: 3, DeliveryWindow: 3, ConfirmWindow: 3, Replication: 1}
}

func createOrderWith(m *ledgerpb.MsgCreateOrder) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: m}}
}

func cancelOrder(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CancelOrder{CancelOrder: &ledgerpb.MsgCancelOrder{OrderId: id}}}
}

func bidMsg(id uint64, node key, price, stake uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{OrderId: id, NodeKey: node.pub(), Price: price, Stake: stake}}}
}

func withdrawBid(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_WithdrawBid{WithdrawBid: &ledgerpb.MsgWithdrawBid{OrderId: id}}}
}

func deliverMsg(id uint64, stars uint8) *ledgerpb.Msg {
	cc := market.CompletionCommitment(id, completionCode)
	rc := market.RatingCommitment(id, stars, providerSalt)
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: &ledgerpb.MsgDeliver{OrderId: id, OutputRoot: hash32("output"),
		EventLogHead: hash32("log head"), CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:], Result: ledgerpb.RunResult_RUN_RESULT_EXITED}}}
}

func closeMsg(id uint64, code []byte, stars uint8) *ledgerpb.Msg {
	rc := market.RatingCommitment(id, stars, buyerSalt)
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: &ledgerpb.MsgClose{OrderId: id, CompletionCode: code, BuyerRatingCommitment: rc[:]}}}
}

func revealMsg(id uint64, stars uint32, salt []byte) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{OrderId: id, Stars: stars, Salt: salt}}}
}

// buyOffering buys vendor's offering of pkgID("market"), paying at most
// 1,000 ucell.
func buyOffering(vendor key, po uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_BuyOffering{BuyOffering: &ledgerpb.MsgBuyOffering{Vendor: vendor.addr.Bytes(),
		PackageId: pkgID("market"), InputRoot: hash32("input"), DeliveryWindow: 3, ConfirmWindow: 3, PoStake: po, MaxPrice: 1_000}}}
}

func (c *chain) order(id uint64) *ledgerpb.Order {
	c.t.Helper()
	var r ledgerpb.OrderResponse
	c.query(query.Order, mustMarshal(&ledgerpb.OrderRequest{OrderId: id}), &r)
	return r.Order
}

func (c *chain) escrow() uint64 { return c.app.bank.ModuleBalance(c.st, market.EscrowAccount) }

// emptyBlocks finalizes blocks until the chain is at height h.
func (c *chain) emptyBlocksTo(h int64) {
	for c.height < h {
		c.mustBlock()
	}
}

// findEvent returns the first event of type typ, or fails.
func findEvent(t testing.TB, evs []Event, typ string) Event {
	t.Helper()
	for _, e := range evs {
		if e.Type == typ {
			return e
		}
	}
	t.Fatalf("no %s event in %v", typ, evs)
	return Event{}
}

// awarded returns a chain at height 5 with order 1 (created at height 2 by
// mBuyer: max price 1000, PO stake 100, windows of 3 blocks) awarded to
// mProv2 at 700 ucell (stake 70) over mProv1's bid of 800 (stake 80);
// the delivery deadline is 8.
func awarded(t testing.TB) *chain {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)), c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	c.mustBlock()
	res := c.mustBlock()
	if e := findEvent(t, res.Events, "order_awarded"); attr(e, "provider") != mProv2.addr.String() || attr(e, "delivery_deadline") != "8" {
		t.Fatalf("award event %v", e)
	}
	return c
}

// delivered: awarded, then mProv2 delivers at height 6 (confirm deadline
// 9), committing to 4 stars for the buyer.
func delivered(t testing.TB) *chain {
	c := awarded(t)
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	return c
}

// closed: delivered, then the buyer closes at height 7 committing to 5
// stars (reveal deadline 12).
func closed(t testing.TB) *chain {
	c := delivered(t)
	c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	return c
}

func TestMarketLifecycle(t *testing.T) {
	c := marketChain(t)
	fee := c.p.MinFee
	treasury0, author0 := c.treasuryBalance(), c.balance(mAuthor)

	res := c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	if e := findEvent(t, res.TxResults[0].Events, "order_created"); attr(e, "order_id") != "1" || attr(e, "bid_deadline") != "5" {
		t.Fatalf("create event %v", e)
	}
	if got, want := c.balance(mBuyer), uint64(mFunds-fee-1100); got != want {
		t.Fatalf("buyer %d, want %d", got, want)
	}
	if c.escrow() != 1100 || c.order(1).State != ledgerpb.OrderState_ORDER_STATE_OPEN {
		t.Fatalf("escrow %d, order %v", c.escrow(), c.order(1))
	}

	res = c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)), c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	if e := findEvent(t, res.TxResults[1].Events, "bid_placed"); attr(e, "order_id") != "1" || attr(e, "price") != "700" {
		t.Fatalf("bid event %v", e)
	}
	var r ledgerpb.OrderResponse
	c.query(query.Order, mustMarshal(&ledgerpb.OrderRequest{OrderId: 1}), &r)
	if len(r.Bids) != 2 || c.escrow() != 1250 {
		t.Fatalf("bids %v, escrow %d", r.Bids, c.escrow())
	}
	c.mustBlock() // height 4: the last of the bid window
	res = c.mustBlock()
	findEvent(t, res.Events, "order_awarded")
	o := c.order(1)
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || address.Address(o.Contract.Provider) != mProv2.addr ||
		o.Contract.Price != 700 || o.Contract.BidStake != 70 || o.Contract.DeliveryDeadline != 8 {
		t.Fatalf("awarded order %v", o)
	}
	// The loser's stake and max price − price are back; escrow keeps
	// price + PO stake + winning stake.
	if c.balance(mProv1) != mFunds-2*fee || c.balance(mBuyer) != mFunds-fee-800 || c.escrow() != 870 {
		t.Fatalf("prov1 %d, buyer %d, escrow %d", c.balance(mProv1), c.balance(mBuyer), c.escrow())
	}
	var open ledgerpb.OrdersResponse
	c.query(query.OpenContracts, mustMarshal(&ledgerpb.OrdersRequest{Provider: mProv2.addr.Bytes()}), &open)
	if len(open.Orders) != 1 || open.Orders[0].Id != 1 {
		t.Fatalf("open contracts %v", &open)
	}

	res = c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	if e := findEvent(t, res.TxResults[0].Events, "order_delivered"); attr(e, "confirm_deadline") != "9" {
		t.Fatalf("deliver event %v", e)
	}
	res = c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	// Payment 700 − 1% fee (7) − 250 bps royalty (17) = 676.
	if e := findEvent(t, res.TxResults[0].Events, "order_closed"); attr(e, "payment") != "676" || attr(e, "network_fee") != "7" ||
		attr(e, "royalty") != "17" || attr(e, "auto") != "false" || attr(e, "reveal_deadline") != "12" {
		t.Fatalf("close event %v", e)
	}
	if got, want := c.balance(mProv2), uint64(mFunds-3*fee+676); got != want { // announce+offering tx, bid, deliver
		t.Fatalf("provider %d, want %d", got, want)
	}
	if got, want := c.balance(mBuyer), uint64(mFunds-2*fee-700); got != want {
		t.Fatalf("buyer %d, want %d", got, want)
	}
	if c.balance(mAuthor) != author0+17 || c.escrow() != 0 {
		t.Fatalf("author %d, escrow %d", c.balance(mAuthor), c.escrow())
	}
	var mine ledgerpb.OrdersResponse
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{State: ledgerpb.OrderState_ORDER_STATE_CLOSED}), &mine)
	if len(mine.Orders) != 1 {
		t.Fatalf("closed orders %v", &mine)
	}

	c.mustBlock(c.tx(mBuyer, revealMsg(1, 5, buyerSalt)), c.tx(mProv2, revealMsg(1, 4, providerSalt)))
	cycle := c.app.skills.CurrentCycle(c.st)
	before := len(c.app.skills.Log(c.st, cycle))
	c.emptyBlocksTo(11)
	res = c.mustBlock() // 12: the reveal deadline
	if e := findEvent(t, res.Events, "ratings_final"); attr(e, "buyer_stars") != "5" || attr(e, "provider_stars") != "4" {
		t.Fatalf("ratings event %v", e)
	}
	log := c.app.skills.Log(c.st, cycle)
	if len(log) != before+2 {
		t.Fatalf("log has %d entries, want %d", len(log), before+2)
	}
	digest, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	buyerSkill, _ := c.app.skills.SkillID(c.st, reputation.SkillBuyer)
	prov, buy := log[before], log[before+1]
	// Both earn on the payment, 700 less the fee 7 and the royalty 17.
	if prov.User != mProv2.addr || prov.Skill != digest || prov.Amount.Cmp(reputation.RatingAmount(676, 5)) != 0 || prov.Colony != reputation.NetworkColony() {
		t.Fatalf("provider entry %+v", prov)
	}
	if buy.User != mBuyer.addr || buy.Skill != buyerSkill || buy.Amount.Cmp(reputation.RatingAmount(676, 4)) != 0 {
		t.Fatalf("buyer entry %+v", buy)
	}
	if !c.order(1).Ratings.Final {
		t.Fatal("ratings not final")
	}
	// Fees of every transaction and the network fee; nothing else.
	if got, want := c.treasuryBalance(), treasury0+7*fee+7; got != want {
		t.Fatalf("treasury %d, want %d", got, want)
	}
}

// TestMarketNetworkFeeIsSplit: the network fee of a payout is a fee like
// any other: fee_burn_bps of it is burned, fee_validator_bps goes to the
// validators' rewards, the rest to the treasury (issue: "a share of every
// fee burned, the rest to the treasury and validators").
func TestMarketNetworkFeeIsSplit(t *testing.T) {
	c := marketChainWith(t, func(p *ledgerpb.Params) { p.FeeBurnBps, p.FeeValidatorBps = 2_000, 5_000 })
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	for c.order(1).State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		c.mustBlock()
	}
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	burned0, escrow0 := c.app.bank.Burned(c.st), c.escrow()
	res := c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	if e := findEvent(t, res.TxResults[0].Events, "order_closed"); attr(e, "network_fee") != "7" {
		t.Fatalf("close event %v", e)
	}
	// The close tx's own fee (min_fee 10: 2 burned, 5 to rewards, 3 to
	// the treasury) and the network fee 7 from escrow: 1 burned, 3 to
	// rewards, 3 to the treasury.
	var escrowFee map[string]string
	for _, e := range res.TxResults[0].Events {
		if e.Type == "fee" && attr(e, "payer") == bank.ModuleAddress(market.EscrowAccount).String() {
			escrowFee = map[string]string{"amount": attr(e, "amount"), "burned": attr(e, "burned"), "validators": attr(e, "validators"), "treasury": attr(e, "treasury")}
		}
	}
	want := map[string]string{"amount": "7", "burned": "1", "validators": "3", "treasury": "3"}
	if !maps.Equal(escrowFee, want) {
		t.Fatalf("fee event of the network fee %v, want %v", escrowFee, want)
	}
	if got := c.app.bank.Burned(c.st) - burned0; got != 2+1 {
		t.Fatalf("burned %d in the close block, want 3", got)
	}
	if c.escrow() != 0 || escrow0 == 0 {
		t.Fatalf("escrow %d before, %d after", escrow0, c.escrow())
	}
}

// TestMarketInputBytes: the order keeps the size of its inputs its buyer
// declared, which nodes price it by; 0 is "not declared".
func TestMarketInputBytes(t *testing.T) {
	c := marketChain(t)
	m := orderMsg()
	m.InputBytes = 48_502
	c.mustBlock(c.tx(mBuyer, createOrderWith(m)))
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	if got := c.order(1).GetInputBytes(); got != 48_502 {
		t.Fatalf("order 1 input_bytes %d, want 48502", got)
	}
	if got := c.order(2).GetInputBytes(); got != 0 {
		t.Fatalf("order 2 input_bytes %d, want 0 (not declared)", got)
	}
}

func TestMarketCancel(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)))
	res := c.mustBlock(c.tx(mBuyer, cancelOrder(1)))
	findEvent(t, res.TxResults[0].Events, "order_cancelled")
	fee := c.p.MinFee
	if c.balance(mBuyer) != mFunds-2*fee || c.balance(mProv1) != mFunds-2*fee || c.escrow() != 0 {
		t.Fatalf("buyer %d, prov1 %d, escrow %d", c.balance(mBuyer), c.balance(mProv1), c.escrow())
	}
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_CANCELLED {
		t.Fatalf("order %v", o)
	}
	// The award hook no longer visits it.
	c.emptyBlocksTo(6)
}

func TestMarketWithdrawBid(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)))
	res := c.mustBlock(c.tx(mProv1, withdrawBid(1)))
	findEvent(t, res.TxResults[0].Events, "bid_withdrawn")
	if c.balance(mProv1) != mFunds-3*c.p.MinFee {
		t.Fatalf("prov1 %d", c.balance(mProv1))
	}
	res = c.mustBlock() // 5: no bid left
	findEvent(t, res.Events, "order_expired")
	if c.order(1).State != ledgerpb.OrderState_ORDER_STATE_EXPIRED || c.balance(mBuyer) != mFunds-c.p.MinFee || c.escrow() != 0 {
		t.Fatalf("order %v, buyer %d", c.order(1), c.balance(mBuyer))
	}
}

func TestMarketExpire(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock()
	c.mustBlock()
	if c.order(1).State != ledgerpb.OrderState_ORDER_STATE_OPEN {
		t.Fatal("expired before its bid deadline")
	}
	res := c.mustBlock()
	findEvent(t, res.Events, "order_expired")
	if c.balance(mBuyer) != mFunds-c.p.MinFee || c.escrow() != 0 {
		t.Fatalf("buyer %d, escrow %d", c.balance(mBuyer), c.escrow())
	}
}

// TestMarketAwardTieBreak: equal prices go to the lower bid hash
// (reputation does not break ties yet).
func TestMarketAwardTieBreak(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 700, 70)), c.tx(mProv2, bidMsg(1, mNode2, 700, 90)))
	c.emptyBlocksTo(5)
	h1 := market.BidHash(1, mProv1.addr, 700, mNode1.pub())
	h2 := market.BidHash(1, mProv2.addr, 700, mNode2.pub())
	want := mProv1
	if bytes.Compare(h2[:], h1[:]) < 0 {
		want = mProv2
	}
	if got := address.Address(c.order(1).Contract.Provider); got != want.addr {
		t.Fatalf("winner %s, want %s", got, want.addr)
	}
}

// TestMarketAwardSkipsRemovedNode: a bid whose node was removed before the
// award does not compete, and its stake returns.
func TestMarketAwardSkipsRemovedNode(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 600, 60)), c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	c.mustBlock(c.tx(mProv1, removeNode(mNode1.pub())))
	c.mustBlock()
	if got := address.Address(c.order(1).Contract.Provider); got != mProv2.addr {
		t.Fatalf("winner %s", got)
	}
	if c.balance(mProv1) != mFunds-3*c.p.MinFee {
		t.Fatalf("prov1 %d", c.balance(mProv1))
	}
}

// inputReceipt is mNode2's input receipt of order id of orderMsg's
// input root.
func inputReceipt(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_PostInputReceipt{PostInputReceipt: &ledgerpb.MsgPostInputReceipt{OrderId: id,
		Signature: market.SignInputReceipt(mNode2.priv, testChainID, id, hash32("input"))}}}
}

func reportMissingInputs(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReportMissingInputs{ReportMissingInputs: &ledgerpb.MsgReportMissingInputs{OrderId: id}}}
}

// TestMarketFail: a contract that ends without a delivery at the block
// after its delivery deadline. The buyer always gets price + PO stake
// back; the bid stake goes to the buyer (half) and the treasury when the
// buyer showed the provider's input receipt, all to the treasury when
// nobody showed anything; the provider loses 0 stars' reputation on the
// price either way.
func TestMarketFail(t *testing.T) {
	for _, tc := range []struct {
		name              string
		receipt           bool
		reason            string
		toBuyer, treasury uint64
	}{
		{"silent provider", false, "no-delivery", 0, 70},
		{"no delivery after a receipt", true, "no-delivery-after-receipt", 35, 35},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := awarded(t)
			if tc.receipt {
				c.mustBlock(c.tx(mBuyer, inputReceipt(1))) // 6
			}
			buyer, treasury, prov := c.balance(mBuyer), c.treasuryBalance(), c.balance(mProv2)
			c.emptyBlocksTo(8)
			if c.order(1).State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
				t.Fatal("failed at its delivery deadline")
			}
			cycle := c.app.skills.CurrentCycle(c.st)
			before := len(c.app.skills.Log(c.st, cycle))
			res := c.mustBlock() // 9
			e := findEvent(t, res.Events, "order_failed")
			if attr(e, "reason") != tc.reason || attr(e, "slashed") != "70" || attr(e, "to_buyer") != fmt.Sprint(tc.toBuyer) || attr(e, "reputation") != "-1166" {
				t.Fatalf("fail event %v", e)
			}
			if c.balance(mBuyer) != buyer+700+100+tc.toBuyer || c.treasuryBalance() != treasury+tc.treasury || c.balance(mProv2) != prov || c.escrow() != 0 {
				t.Fatalf("buyer +%d, treasury +%d, provider %d→%d, escrow %d", c.balance(mBuyer)-buyer, c.treasuryBalance()-treasury, prov, c.balance(mProv2), c.escrow())
			}
			if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_FAILED || market.FailReasonName(o.FailReason) != tc.reason {
				t.Fatalf("order %v", o)
			}
			log := c.app.skills.Log(c.st, cycle)
			if len(log) != before+1 || log[before].User != mProv2.addr || log[before].Amount.Cmp(reputation.RatingAmount(700, 0)) != 0 {
				t.Fatalf("log %+v", log[before:])
			}
		})
	}
}

func TestMarketAutoClose(t *testing.T) {
	c := delivered(t)
	prov := c.balance(mProv2)
	c.emptyBlocksTo(8)
	res := c.mustBlock() // 9: the confirm deadline
	if e := findEvent(t, res.Events, "order_closed"); attr(e, "auto") != "true" || attr(e, "payment") != "676" || attr(e, "reveal_deadline") != "14" {
		t.Fatalf("auto-close event %v", e)
	}
	if c.balance(mProv2) != prov+676+70 || c.escrow() != 0 {
		t.Fatalf("provider +%d, escrow %d", c.balance(mProv2)-prov, c.escrow())
	}
	// The buyer committed to nothing: it cannot reveal.
	checkMarketRejection(t, c, c.tx(mBuyer, revealMsg(1, 5, buyerSalt)), market.ErrCannotReveal.Number, "committed to no rating", true)
	c.mustBlock(c.tx(mProv2, revealMsg(1, 4, providerSalt)))
	cycle := c.app.skills.CurrentCycle(c.st)
	before := len(c.app.skills.Log(c.st, cycle))
	c.emptyBlocksTo(14)
	log := c.app.skills.Log(c.st, cycle)
	if len(log) != before+2 {
		t.Fatalf("log %d entries, want %d", len(log), before+2)
	}
	// The provider counts as rated 5 stars; the buyer, who did not reveal,
	// earns 4 stars' amount less price/20.
	if log[before].Amount.Cmp(reputation.RatingAmount(676, 5)) != 0 {
		t.Fatalf("provider entry %v", log[before].Amount)
	}
	want := reputation.RatingAmount(676, 4)
	want.Sub(want, reputation.RatingAmount(0, 0).SetUint64(676/market.NoRevealPenaltyDivisor))
	if log[before+1].Amount.Cmp(want) != 0 {
		t.Fatalf("buyer entry %v, want %v", log[before+1].Amount, want)
	}
}

// TestMarketNoReveal: neither side reveals; each counts the other as 5
// stars and loses payment/20.
func TestMarketNoReveal(t *testing.T) {
	c := closed(t)
	cycle := c.app.skills.CurrentCycle(c.st)
	before := len(c.app.skills.Log(c.st, cycle))
	c.emptyBlocksTo(12)
	log := c.app.skills.Log(c.st, cycle)
	want := reputation.RatingAmount(676, 5)
	want.Sub(want, reputation.RatingAmount(0, 0).SetUint64(676/20))
	if len(log) != before+2 || log[before].Amount.Cmp(want) != 0 || log[before+1].Amount.Cmp(want) != 0 {
		t.Fatalf("log %+v", log[before:])
	}
}

func TestMarketBuyOffering(t *testing.T) {
	c := marketChain(t)
	res := c.mustBlock(c.tx(mBuyer, buyOffering(mProv2, 100)))
	findEvent(t, res.TxResults[0].Events, "order_awarded")
	o := c.order(1)
	// The offering's node serves it, with the offering's vendor stake (60,
	// 10% of 600) as its bid stake, taken from the vendor.
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || !o.Direct || o.Contract.Price != 600 || o.Contract.BidStake != 60 ||
		!bytes.Equal(o.Contract.NodeKey, mNode2.pub()) || o.Contract.DeliveryDeadline != 5 {
		t.Fatalf("order %v", o)
	}
	if c.escrow() != 760 {
		t.Fatalf("escrow %d", c.escrow())
	}
	prov := c.balance(mProv2)
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	// 600 − 6 − 15, and the stake back.
	if c.balance(mProv2) != prov-c.p.MinFee+579+60 || c.escrow() != 0 {
		t.Fatalf("provider +%d, escrow %d", c.balance(mProv2)-prov, c.escrow())
	}
}

// TestMarketBuyOfferingFail: a direct purchase that is not delivered
// fails as an awarded bid does: the vendor stake goes to the treasury.
func TestMarketBuyOfferingFail(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, buyOffering(mProv2, 100)))
	buyer, treasury := c.balance(mBuyer), c.treasuryBalance()
	c.emptyBlocksTo(6)
	if c.order(1).State != ledgerpb.OrderState_ORDER_STATE_FAILED || c.balance(mBuyer) != buyer+700 || c.treasuryBalance() != treasury+60 {
		t.Fatalf("order %v, buyer +%d, treasury +%d", c.order(1), c.balance(mBuyer)-buyer, c.treasuryBalance()-treasury)
	}
}

// checkMarketRejection is checkRejection for a block in which the market's
// hook may run: the expected state is the current one after the begin-block
// hooks of the next height and, when charged, the fee and sequence.
func checkMarketRejection(t *testing.T, c *chain, raw []byte, code uint32, log string, charged bool) {
	t.Helper()
	checkHookedRejection(t, c, raw, market.Codespace, code, log, charged)
}

// checkHookedRejection is checkMarketRejection for a code of any
// codespace.
func checkHookedRejection(t *testing.T, c *chain, raw []byte, codespace string, code uint32, log string, charged bool) {
	t.Helper()
	check := func(where string, r TxResult) {
		t.Helper()
		if r.Codespace != codespace || r.Code != code || !strings.Contains(r.Log, log) {
			t.Fatalf("%s: got %s/%d %q\nwant %s/%d with %q", where, r.Codespace, r.Code, r.Log, codespace, code, log)
		}
	}
	mempool := clone(c.st)
	before := store.Digest(mempool)
	r := c.app.CheckTx(mempool, testChainID, raw)
	if charged {
		if r.Code != 0 {
			t.Fatalf("CheckTx refused a tx that only fails when executed: %s", r.Log)
		}
	} else {
		check("CheckTx", r)
		if store.Digest(mempool) != before {
			t.Fatal("CheckTx changed the state")
		}
	}
	want := clone(c.st)
	var ev event.Log
	c.app.staking.BeginBlock(want, &ev, c.p, c.height+1, nil, nil)
	c.app.market.BeginBlock(want, &ev, c.p, c.height+1, market.KnownHash(testBlockHash(c.height+1)))
	c.app.mining.BeginBlock(want, &ev, c.p, c.height+1)
	c.app.gov.BeginBlock(want, &ev, c.p, c.height+1)
	if charged {
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		var fees mint.BlockFees
		if err := c.app.auth.Ante(want, &ev, c.p, d, &fees); err != nil {
			t.Fatal(err)
		}
		c.app.mint.SettleFees(want, &ev, c.height+1, fees)
	}
	res := c.block(raw)
	check("FinalizeBlock", res.TxResults[0])
	if c.digest() != store.Digest(want) {
		t.Fatalf("FinalizeBlock left\n%s\nwant\n%s", dump(c.st), dump(want))
	}
}

var _ = bank.ModuleAddress
var _ = specpb.Kind_KIND_COMPUTE
var _ uint64 = math.MaxUint64

// opened: marketChain with order 1 created at height 2 (bid deadline 5).
func opened(t testing.TB) *chain {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	return c
}

// bidOn: opened, with mProv1's bid of 800 at height 3.
func bidOn(t testing.TB) *chain {
	c := opened(t)
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)))
	return c
}

// TestMarketWindowEdges: one block before a deadline, at it and after it
// (market.md: every window is in heights). At a deadline the block hook
// runs before the transactions, so a message arriving then meets the
// order already moved on.
func TestMarketWindowEdges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		build   func(testing.TB) *chain
		to      int64 // the height before the message's block
		signer  key
		msg     *ledgerpb.Msg
		code    uint32 // 0: accepted
		log     string
		charged bool
	}{
		{"bid at the last height of the window", opened, 3, mProv1, bidMsg(1, mNode1, 800, 80), 0, "", false},
		{"bid at the bid deadline", opened, 4, mProv1, bidMsg(1, mNode1, 800, 80), market.ErrWrongState.Number, "is expired", true},
		{"bid after the bid deadline", opened, 5, mProv1, bidMsg(1, mNode1, 800, 80), market.ErrWrongState.Number, "is expired", true},
		{"delivery one block before the deadline", awarded, 6, mProv2, deliverMsg(1, 4), 0, "", false},
		{"delivery at the deadline", awarded, 7, mProv2, deliverMsg(1, 4), 0, "", false},
		{"delivery after the deadline", awarded, 8, mProv2, deliverMsg(1, 4), market.ErrWrongState.Number, "is failed", true},
		{"close one block before the confirm deadline", delivered, 7, mBuyer, closeMsg(1, completionCode, 5), 0, "", false},
		{"close at the confirm deadline", delivered, 8, mBuyer, closeMsg(1, completionCode, 5), market.ErrWrongState.Number, "is closed", true},
		{"reveal one block before the reveal deadline", closed, 10, mBuyer, revealMsg(1, 5, buyerSalt), 0, "", false},
		{"reveal at the reveal deadline", closed, 11, mBuyer, revealMsg(1, 5, buyerSalt), market.ErrWindowClosed.Number, "reveal window ended", true},
		{"reveal after the reveal deadline", closed, 12, mProv2, revealMsg(1, 4, providerSalt), market.ErrWindowClosed.Number, "reveal window ended", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			c.emptyBlocksTo(tc.to)
			if tc.code == 0 {
				c.mustBlock(c.tx(tc.signer, tc.msg))
				return
			}
			checkMarketRejection(t, c, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
}

// TestMarketRedTeam: each attack is refused and leaves the state as it
// was but for the attacker's fee (when the attack reached execution), so
// no funds leak.
func TestMarketRedTeam(t *testing.T) {
	noStake := orderMsg()
	noStake.PoStake = 0
	belowMin := orderMsg()
	belowMin.PoStake = 99
	overflow := orderMsg()
	overflow.MaxPrice = math.MaxUint64
	unknownPkg := orderMsg()
	unknownPkg.PackageId = pkgID("nothing")
	for _, tc := range []struct {
		name    string
		build   func(testing.TB) *chain
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"order without stake", marketChain, mBuyer, createOrderWith(noStake), market.ErrStakeTooLow.Number, "po_stake 0", false},
		{"order below the minimum stake", marketChain, mBuyer, createOrderWith(belowMin), market.ErrStakeTooLow.Number, "at least min_po_stake 100", false},
		{"order whose amounts overflow", marketChain, mBuyer, createOrderWith(overflow), market.ErrOverflow.Number, "overflows", false},
		{"order of an unregistered package", marketChain, mBuyer, createOrderWith(unknownPkg), market.ErrNoPackage.Number, "not a registered package", true},
		{"buyer bids on its own order", opened, mBuyer, bidMsg(1, mNode1, 800, 80), market.ErrSelfDealing.Number, "own order", true},
		{"bid above the max price", opened, mProv1, bidMsg(1, mNode1, 1001, 200), market.ErrInvalidPrice.Number, "above the order's max_price", true},
		{"bid stake below the ratio", opened, mProv1, bidMsg(1, mNode1, 800, 79), market.ErrStakeTooLow.Number, "at least 80", false},
		{"bid whose amounts overflow", opened, mProv1, bidMsg(1, mNode1, math.MaxUint64, math.MaxUint64), market.ErrOverflow.Number, "overflows", false},
		{"second bid by a provider", bidOn, mProv1, bidMsg(1, mNode1, 700, 70), market.ErrBidExists.Number, "has a bid already", true},
		{"bid with another operator's node", opened, mProv1, bidMsg(1, mNode2, 800, 80), market.ErrNodeUnusable.Number, "not an active node", true},
		{"bid by a node that cannot run the package", opened, mProv3, bidMsg(1, mNode3, 800, 80), market.ErrArchitecture.Number, "cannot run", true},
		{"bid on no order", opened, mProv1, bidMsg(9, mNode1, 800, 80), market.ErrNoOrder.Number, "no such order", true},
		{"withdraw without a bid", opened, mProv1, withdrawBid(1), market.ErrNoBid.Number, "has no bid", true},
		{"withdraw after the award", awarded, mProv2, withdrawBid(1), market.ErrWrongState.Number, "is awarded", true},
		{"cancel by another account", bidOn, mProv1, cancelOrder(1), market.ErrNotBuyer.Number, "only its buyer", true},
		{"cancel after the award", awarded, mBuyer, cancelOrder(1), market.ErrWrongState.Number, "is awarded", true},
		{"delivery by a non-winner", awarded, mProv1, deliverMsg(1, 4), market.ErrNotProvider.Number, "awarded to", true},
		{"delivery by the buyer", awarded, mBuyer, deliverMsg(1, 4), market.ErrNotProvider.Number, "awarded to", true},
		{"double delivery", delivered, mProv2, deliverMsg(1, 4), market.ErrWrongState.Number, "is delivered", true},
		{"delivery before the award", bidOn, mProv1, deliverMsg(1, 4), market.ErrWrongState.Number, "is open", true},
		{"close without the right completion code", delivered, mBuyer, closeMsg(1, []byte("guessed-code-0123456789"), 5), market.ErrWrongCompletionCode.Number, "does not match", true},
		{"close with a short completion code", delivered, mBuyer, closeMsg(1, []byte("short"), 5), market.ErrInvalidCompletionCode.Number, "must be 16 to 64", false},
		{"provider closes for the buyer", delivered, mProv2, closeMsg(1, completionCode, 5), market.ErrNotBuyer.Number, "only its buyer", true},
		{"close before delivery", awarded, mBuyer, closeMsg(1, completionCode, 5), market.ErrWrongState.Number, "is awarded", true},
		{"rating out of range", closed, mBuyer, revealMsg(1, 6, buyerSalt), market.ErrInvalidRating.Number, "stars 6", false},
		{"reveal that does not match its commitment", closed, mBuyer, revealMsg(1, 4, buyerSalt), market.ErrRatingMismatch.Number, "do not match", true},
		{"reveal with another salt", closed, mProv2, revealMsg(1, 4, buyerSalt), market.ErrRatingMismatch.Number, "do not match", true},
		{"reveal by a third party", closed, mProv1, revealMsg(1, 5, buyerSalt), market.ErrCannotReveal.Number, "neither its buyer nor its provider", true},
		{"reveal before close", delivered, mProv2, revealMsg(1, 4, providerSalt), market.ErrWrongState.Number, "is delivered", true},
		{"buy own offering", marketChain, mProv2, buyOffering(mProv2, 100), market.ErrSelfDealing.Number, "own offering", true},
		{"buy an offering that does not exist", marketChain, mBuyer, buyOffering(mProv1, 100), market.ErrNoOffering.Number, "has no offering", true},
		{"buy an offering below the minimum stake", marketChain, mBuyer, buyOffering(mProv2, 1), market.ErrStakeTooLow.Number, "min_po_stake", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			checkMarketRejection(t, c, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
}

// TestMarketDoubleReveal: a side reveals once.
func TestMarketDoubleReveal(t *testing.T) {
	c := closed(t)
	c.mustBlock(c.tx(mBuyer, revealMsg(1, 5, buyerSalt)))
	checkMarketRejection(t, c, c.tx(mBuyer, revealMsg(1, 5, buyerSalt)), market.ErrCannotReveal.Number, "revealed already", true)
}

// TestMarketOrderQueries: by buyer, provider and state, paged.
func TestMarketOrderQueries(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg()), createOrderWith(orderMsg()), createOrderWith(orderMsg())))
	var r ledgerpb.OrdersResponse
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes(), Page: &ledgerpb.PageRequest{Limit: 2}}), &r)
	if len(r.Orders) != 2 || r.Orders[0].Id != 1 || len(r.GetPage().GetNextKey()) == 0 {
		t.Fatalf("page 1 %v", &r)
	}
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes(), Page: &ledgerpb.PageRequest{Key: r.Page.NextKey}}), &r)
	if len(r.Orders) != 1 || r.Orders[0].Id != 3 || len(r.GetPage().GetNextKey()) != 0 {
		t.Fatalf("page 2 %v", &r)
	}
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes(), StartId: 2}), &r)
	if len(r.Orders) != 2 || r.Orders[0].Id != 2 || len(r.GetPage().GetNextKey()) != 0 {
		t.Fatalf("from id 2 %v", &r)
	}
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{State: ledgerpb.OrderState_ORDER_STATE_OPEN}), &r)
	if len(r.Orders) != 3 {
		t.Fatalf("open %v", &r)
	}
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Provider: mProv1.addr.Bytes()}), &r)
	if len(r.Orders) != 0 {
		t.Fatalf("provider %v", &r)
	}
	for _, bad := range []*ledgerpb.OrdersRequest{{}, {Buyer: mBuyer.addr.Bytes(), State: ledgerpb.OrderState_ORDER_STATE_OPEN}, {Buyer: []byte{1}}} {
		if _, err := c.app.Query(c.st, query.Orders, mustMarshal(bad)); err == nil {
			t.Errorf("query %v: no error", bad)
		}
	}
	if _, err := c.app.Query(c.st, query.OpenContracts, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes()})); err == nil {
		t.Error("open_contracts by buyer: no error")
	}
	if _, err := c.app.Query(c.st, query.Order, mustMarshal(&ledgerpb.OrderRequest{OrderId: 9})); err == nil {
		t.Error("order 9: no error")
	}
}

// marketEvents are the event types of the market's transitions.
var marketEvents = map[string]bool{"order_created": true, "order_cancelled": true, "order_expired": true, "bid_placed": true,
	"bid_withdrawn": true, "order_awarded": true, "order_delivered": true, "order_closed": true, "rating_revealed": true,
	"ratings_final": true, "order_failed": true, "dispute_opened": true, "dispute_commit": true, "dispute_reveal": true,
	"dispute_decided": true, "litigation_released": true, "credit_changed": true}

// TestMarketReplayIsDeterministic drives long seeded streams of valid and
// invalid market messages from a buyer, the author, three providers and
// four verifiers on two fresh apps — one in place, one on a branch written after each
// block — comparing digests and results at every height; the invariants
// (escrow = Σ held, one contract per order, indexes) are checked after
// every block.
func TestMarketReplayIsDeterministic(t *testing.T) {
	t.Run("without disputes", func(t *testing.T) {
		codes := replayMarket(t, 0)
		if testing.Short() {
			return // too few blocks to reach every transition
		}
		for _, want := range []string{"/0", "block event order_awarded", "block event order_expired", "block event order_failed",
			"tx event order_closed", "block event order_closed", "block event ratings_final", "tx event rating_revealed",
			"tx event order_cancelled", "market/20", "market/23"} {
			if codes[want] == 0 {
				t.Errorf("the stream never reached %q", want)
			}
		}
	})
	t.Run("with disputes", func(t *testing.T) {
		codes := replayMarket(t, 2)
		if testing.Short() {
			return
		}
		for _, want := range []string{"/0", "tx event dispute_opened", "tx event dispute_commit", "tx event dispute_reveal",
			"block event dispute_decided", "market/30", "market/31", "market/32"} {
			if codes[want] == 0 {
				t.Errorf("the stream never reached %q", want)
			}
		}
	})
}

// replayMarket runs the stream of TestMarketReplayIsDeterministic; with
// disputeOdds > 0, a buyer disputes its latest delivered order with odds
// 1 in disputeOdds instead of its message, and the verifiers vote. It
// returns how often each code and event occurred.
func replayMarket(t *testing.T, disputeOdds int) map[string]int {
	blocks := 300
	if testing.Short() {
		blocks = 60
	}
	a, b := marketChain(t), marketChain(t)
	for _, c := range []*chain{a, b} {
		c.mustBlock(c.tx(alice, send(dVer[0], 20_000), send(dVer[1], 20_000), send(dVer[2], 20_000), send(dVer[3], 20_000)))
		var txs [][]byte
		for i, v := range dVer {
			txs = append(txs, c.tx(v, announce(dVNode[i]), registerVerifier(dVNode[i], 1_000)))
		}
		c.mustBlock(txs...)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	// Disputes draw from their own stream, so that the stream of the
	// other messages stays as it was before disputes existed.
	drng := rand.New(rand.NewPCG(13, 17))
	users := []key{mBuyer, mAuthor, mProv1, mProv2, mProv3}
	nodes := map[string]key{mProv1.name: mNode1, mProv2.name: mNode2, mProv3.name: mNode3, mBuyer.name: mNode1, mAuthor.name: mNode2}
	// pickOwn draws one of the latest orders under prefix in state s, or
	// now and then any order.
	pickOwn := func(prefix []byte, s ledgerpb.OrderState) uint64 {
		all, _ := a.app.market.OrderIDs(a.st, prefix, 0, 1_000)
		var ids []uint64
		for _, id := range all {
			if o := a.app.market.Order(a.st, id); o.State == s {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 || rng.IntN(8) == 0 {
			return 1 + rng.Uint64N(5)
		}
		return ids[len(ids)-1-rng.IntN(min(3, len(ids)))]
	}
	// verifierMsg commits or reveals v's vote on a disputed order: the
	// true root or, for some orders, the delivered one; now and then a
	// reveal that does not match.
	verifierMsg := func(v key) *ledgerpb.Msg {
		var id uint64
		if ids, _ := a.app.market.OrderIDs(a.st, market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_DISPUTED), 0, 1_000); len(ids) > 0 {
			id = ids[drng.IntN(len(ids))]
		}
		root := trueRoot
		if (id+uint64(v.addr[0]))%3 == 0 {
			root = deliveredRoot
		}
		o := a.app.market.Order(a.st, id)
		if o != nil && o.Dispute != nil && o.Dispute.SeedDeadline == 0 && a.height+1 >= o.Dispute.CommitDeadline {
			if drng.IntN(3) == 0 {
				root = hash32("a guess")
			}
			return verifierReveal(id, v, root)
		}
		round := uint32(1)
		if o != nil && o.Dispute != nil {
			round = o.Dispute.Round
		}
		return verifierCommitRound(id, round, v, root)
	}
	// awaitingSeed returns the signer's latest DISPUTED order whose round
	// waits for its seed, and the round, or 0.
	awaitingSeed := func(signer key) (uint64, int) {
		all, _ := a.app.market.OrderIDs(a.st, market.BuyerPrefix(signer.addr), 0, 1_000)
		for i := len(all) - 1; i >= 0; i-- {
			if o := a.app.market.Order(a.st, all[i]); o.State == ledgerpb.OrderState_ORDER_STATE_DISPUTED && o.Dispute.SeedDeadline != 0 {
				return o.Id, int(o.Dispute.Round)
			}
		}
		return 0, 0
	}
	// ownDelivered returns the signer's latest DELIVERED order, or 0.
	ownDelivered := func(signer key) uint64 {
		all, _ := a.app.market.OrderIDs(a.st, market.BuyerPrefix(signer.addr), 0, 1_000)
		for i := len(all) - 1; i >= 0; i-- {
			if a.app.market.Order(a.st, all[i]).State == ledgerpb.OrderState_ORDER_STATE_DELIVERED {
				return all[i]
			}
		}
		return 0
	}
	message := func(signer key) *ledgerpb.Msg {
		switch rng.IntN(12) {
		case 0:
			m := orderMsg()
			m.MaxPrice = 90 + rng.Uint64N(2_000)
			m.PoStake = 90 + rng.Uint64N(50)
			m.BidWindow, m.DeliveryWindow, m.ConfirmWindow = 1+rng.Uint64N(5), 1+rng.Uint64N(8), 1+rng.Uint64N(8)
			return createOrderWith(m)
		case 1, 2:
			id := pickOwn(market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_OPEN), ledgerpb.OrderState_ORDER_STATE_OPEN)
			price := 90 + rng.Uint64N(1_500)
			return bidMsg(id, nodes[signer.name], price, market.RequiredBidStake(price, a.p)+rng.Uint64N(3))
		case 3:
			if rng.IntN(2) == 0 {
				return withdrawBid(pickOwn(market.StatePrefix(ledgerpb.OrderState_ORDER_STATE_OPEN), ledgerpb.OrderState_ORDER_STATE_OPEN))
			}
			return cancelOrder(pickOwn(market.BuyerPrefix(signer.addr), ledgerpb.OrderState_ORDER_STATE_OPEN))
		case 4, 5, 6:
			id := pickOwn(market.ProviderPrefix(signer.addr), ledgerpb.OrderState_ORDER_STATE_AWARDED)
			return deliverMsg(id, uint8(id%6)) // stars that a reveal can guess
		case 7, 8:
			code := completionCode
			if rng.IntN(5) == 0 {
				code = []byte("a wrong completion code")
			}
			id := pickOwn(market.BuyerPrefix(signer.addr), ledgerpb.OrderState_ORDER_STATE_DELIVERED)
			return closeMsg(id, code, uint8(id%6))
		case 9, 10:
			salt, prefix := buyerSalt, market.BuyerPrefix(signer.addr)
			if rng.IntN(2) == 0 {
				salt, prefix = providerSalt, market.ProviderPrefix(signer.addr)
			}
			id := pickOwn(prefix, ledgerpb.OrderState_ORDER_STATE_CLOSED)
			stars := uint32(id % 6)
			if rng.IntN(4) == 0 {
				stars = uint32(rng.IntN(7))
			}
			return revealMsg(id, stars, salt)
		default:
			m := buyOffering(mProv2, 90+rng.Uint64N(50))
			m.GetBuyOffering().DeliveryWindow = 1 + rng.Uint64N(8)
			return m
		}
	}
	codes := map[string]int{}
	for range blocks {
		var txs [][]byte
		for _, u := range users {
			if id, round := awaitingSeed(u); id != 0 && a.height > a.app.market.Order(a.st, id).Dispute.RoundHeight {
				txs = append(txs, a.tx(u, revealSeed(id, round)))
				continue
			}
			if rng.IntN(2) == 0 {
				m := message(u)
				if id := ownDelivered(u); disputeOdds > 0 && id != 0 && drng.IntN(disputeOdds) == 0 {
					m = openDispute(id, ledgerpb.DisputeOutcome(1+drng.IntN(5)), 45+drng.Uint64N(20))
				}
				txs = append(txs, a.tx(u, m))
			}
		}
		for _, v := range dVer {
			if disputeOdds > 0 && drng.IntN(2) == 0 {
				txs = append(txs, a.tx(v, verifierMsg(v)))
			}
		}
		ra := a.block(txs...)
		rb := b.blockOnBranch(nil, txs...)
		if a.digest() != b.digest() {
			t.Fatalf("height %d: state digests differ", a.height)
		}
		if !reflect.DeepEqual(ra, rb) {
			t.Fatalf("height %d: results differ", a.height)
		}
		evs := ra.Events
		for _, r := range ra.TxResults {
			codes[fmt.Sprintf("%s/%d", r.Codespace, r.Code)]++
			for _, e := range r.Events {
				codes["tx event "+e.Type]++
			}
			evs = append(evs, r.Events...)
		}
		for _, e := range ra.Events {
			codes["block event "+e.Type]++
		}
		for _, e := range evs {
			if marketEvents[e.Type] && attr(e, "order_id") == "" {
				t.Fatalf("height %d: event %v has no order_id", a.height, e)
			}
		}
	}
	keys := make([]string, 0, len(codes))
	for k := range codes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Logf("%-32s %d", k, codes[k])
	}
	return codes
}

// TestReputationLogQuery reads the ratings' entries back through the
// "reputation/log" query, whole and paged.
func TestReputationLogQuery(t *testing.T) {
	c := closed(t)
	c.emptyBlocksTo(12)
	cycle := c.app.skills.CurrentCycle(c.st)
	want := c.app.skills.Log(c.st, cycle)
	if len(want) < 2 {
		t.Fatalf("log has %d entries", len(want))
	}
	var res ledgerpb.ReputationLogResponse
	reply, err := c.app.Query(c.st, query.ReputationLog, nil)
	if err != nil || protoUnmarshal(reply, &res) != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != len(want) || len(res.GetPage().GetNextKey()) != 0 || res.Cycle != cycle {
		t.Fatalf("whole log: %d entries (want %d), next %x", len(res.Entries), len(want), res.GetPage().GetNextKey())
	}
	reply, err = c.app.Query(c.st, query.ReputationLog, mustMarshal(&ledgerpb.ReputationLogRequest{Cycle: &cycle, Start: 1}))
	if err != nil || protoUnmarshal(reply, &res) != nil || len(res.Entries) != len(want)-1 || res.Start != 1 {
		t.Fatalf("from entry 1: %v %d entries", err, len(res.Entries))
	}
	reply, err = c.app.Query(c.st, query.ReputationLog, mustMarshal(&ledgerpb.ReputationLogRequest{Cycle: &cycle, Page: &ledgerpb.PageRequest{Limit: 1}}))
	if err != nil || protoUnmarshal(reply, &res) != nil || len(res.Entries) != 1 || res.Start != 0 || len(res.GetPage().GetNextKey()) == 0 {
		t.Fatalf("a page of 1: %v %v", err, &res)
	}
	reply, err = c.app.Query(c.st, query.ReputationLog, mustMarshal(&ledgerpb.ReputationLogRequest{Cycle: &cycle, Page: &ledgerpb.PageRequest{Key: res.Page.NextKey, Limit: 1}}))
	if err != nil || protoUnmarshal(reply, &res) != nil || len(res.Entries) != 1 || res.Start != 1 {
		t.Fatalf("the next page of 1: %v %v", err, &res)
	}
	if _, err := c.app.Query(c.st, query.ReputationLog, []byte{1, 2, 3}); err == nil {
		t.Fatal("3 bytes of data accepted")
	}
}

package app

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// protocolOpened returns marketChain at height 3: mAuthor registers the
// protocol package pkgID("lab") at 2 and mBuyer creates order 1 of it and
// order 2 of the compute package pkgID("market") at 3 (bid deadline 6).
// mProv3's lab node announces labBotSpec; mProv1's node is a wasm node.
func protocolOpened(t testing.TB) *chain {
	t.Helper()
	c := marketChain(t)
	c.mustBlock(c.tx(mAuthor, register(mAuthor, labEnvelope())))
	c.mustBlock(c.tx(mBuyer, createOrderWith(labOrderMsg()), createOrderWith(orderMsg())))
	return c
}

// TestBidBotSpec: a bid on an order of a protocol package names one of
// the BotSpecs its node announced, a bid on a compute order none; each
// refusal leaves the state as it was but for the fee.
func TestBidBotSpec(t *testing.T) {
	unannounced := labBidMsg(1, mNode3, 800, 80)
	unannounced.GetBid().BotspecId = bytes.Repeat([]byte{8}, 32)
	short := labBidMsg(1, mNode3, 800, 80)
	short.GetBid().BotspecId = labBotSpec[:31]
	computeWithSpec := bidMsg(2, mNode1, 800, 80)
	computeWithSpec.GetBid().BotspecId = labBotSpec
	for _, tc := range []struct {
		name    string
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"protocol bid without a BotSpec", mProv3, bidMsg(1, mNode3, 800, 80), market.ErrBotSpec.Number, "botspec_id: missing", true},
		{"protocol bid with a BotSpec its node did not announce", mProv3, unannounced, market.ErrBotSpecNotAnnounced.Number, "botspec_id 0808", true},
		{"protocol bid with a malformed BotSpec id", mProv3, short, market.ErrInvalidHash.Number, "botspec_id", false},
		{"compute bid naming a BotSpec", mProv1, computeWithSpec, market.ErrBotSpec.Number, "botspec_id: must be empty", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := protocolOpened(t)
			checkMarketRejection(t, c, c.tx(tc.signer, tc.msg), tc.code, tc.log, tc.charged)
		})
	}
}

// TestBidBotSpecRecorded: the BotSpec a protocol bid names is kept on the
// bid, in bid_placed, on the awarded contract and in order_awarded; a
// compute contract has none.
func TestBidBotSpecRecorded(t *testing.T) {
	c := protocolOpened(t)
	res := c.mustBlock(c.tx(mProv3, labBidMsg(1, mNode3, 800, 80)), c.tx(mProv1, bidMsg(2, mNode1, 800, 80))) // 4
	if e := findEvent(t, res.TxResults[0].Events, "bid_placed"); attr(e, "botspec_id") != hex.EncodeToString(labBotSpec) {
		t.Fatalf("bid_placed %v", e)
	}
	if e := findEvent(t, res.TxResults[1].Events, "bid_placed"); attr(e, "botspec_id") != "" {
		t.Fatalf("compute bid_placed %v", e)
	}
	if bs := c.app.market.Bids(c.st, 1); len(bs) != 1 || !bytes.Equal(bs[0].BotspecId, labBotSpec) {
		t.Fatalf("bids %v", bs)
	}
	c.emptyBlocksTo(5)
	res = c.mustBlock() // 6: the award
	var awarded []Event
	for _, e := range res.Events {
		if e.Type == "order_awarded" {
			awarded = append(awarded, e)
		}
	}
	if len(awarded) != 2 || attr(awarded[0], "order_id") != "1" || attr(awarded[0], "botspec_id") != hex.EncodeToString(labBotSpec) ||
		attr(awarded[1], "botspec_id") != "" {
		t.Fatalf("order_awarded %v", awarded)
	}
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || !bytes.Equal(o.Contract.BotspecId, labBotSpec) {
		t.Fatalf("protocol order %v", o)
	}
	if o := c.order(2); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || len(o.Contract.BotspecId) != 0 {
		t.Fatalf("compute order %v", o)
	}
}

// TestRedTeamBotSpecWithdrawnBeforeAward: a provider bids naming a
// BotSpec, then re-announces its node without it (the bot is gone); the
// bid is not valid at the award, so the order expires and every party
// gets back what it put in.
func TestRedTeamBotSpecWithdrawnBeforeAward(t *testing.T) {
	c := protocolOpened(t)
	buyer0, prov0 := c.balance(mBuyer), c.balance(mProv3)
	c.mustBlock(c.tx(mProv3, labBidMsg(1, mNode3, 800, 80))) // 4
	other := announceMsg(mNode3)
	other.Architectures, other.BotspecHashes = nil, [][]byte{bytes.Repeat([]byte{9}, 32)}
	c.mustBlock(c.tx(mProv3, announceWith(other))) // 5
	c.mustBlock()                                  // 6: the award
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_EXPIRED {
		t.Fatalf("order %v", o)
	}
	fee := c.p.MinFee
	if got := c.balance(mProv3); got != prov0-2*fee {
		t.Fatalf("provider %d → %d: want its stake back, less two fees", prov0, got)
	}
	// The buyer gets order 1's max price and PO stake back; order 2
	// (compute, no bid) expires too.
	if got := c.balance(mBuyer); got != buyer0+2*(1000+100) {
		t.Fatalf("buyer %d → %d", buyer0, got)
	}
}

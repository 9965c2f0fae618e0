package app

import (
	"reflect"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// simulateThenBlock simulates raw against the chain's state for the next
// height, checks that the state is unchanged, then finalizes the next
// block with raw alone and checks that the block gives raw the result the
// simulation announced: code, codespace, log, events, charged.
func simulateThenBlock(t *testing.T, c *chain, raw []byte) TxResult {
	t.Helper()
	before := c.digest()
	sim := c.app.Simulate(c.st, Header{ChainID: testChainID, Height: c.height + 1}, raw)
	if c.digest() != before {
		t.Fatal("Simulate changed the state")
	}
	got := c.block(raw).TxResults[0]
	if !reflect.DeepEqual(sim, got) {
		t.Fatalf("simulated %+v\n  block gave %+v", sim, got)
	}
	return sim
}

// TestSimulate: Simulate announces the result the next block gives a
// transaction, without changing the state: a success with its events, a
// message that fails (charged: the fee is paid), a sequence already used
// (not charged), and a bid that the next block's begin-block hook makes
// late (the order is awarded at the start of that block).
func TestSimulate(t *testing.T) {
	c := newTestChain(t)
	if r := simulateThenBlock(t, c, c.tx(alice, send(carol, 5))); r.Code != 0 || len(r.Events) == 0 {
		t.Fatalf("a send: %+v", r)
	}
	if r := simulateThenBlock(t, c, c.tx(alice, send(carol, 1<<62))); r.Codespace != bank.Codespace || r.Code != bank.ErrInsufficientFunds.Number || !r.Charged {
		t.Fatalf("a send above the balance: %+v", r)
	}
	stale := c.body(alice, send(carol, 1))
	stale.Sequence--
	if r := simulateThenBlock(t, c, signBody(t, alice, stale)); r.Code == 0 || r.Charged {
		t.Fatalf("a used sequence: %+v", r)
	}

	m := marketChain(t)
	m.mustBlock(m.tx(mBuyer, createOrderWith(orderMsg())))
	m.mustBlock(m.tx(mProv1, bidMsg(1, mNode1, 800, 80)))
	m.mustBlock()
	// The next block awards order 1 before its transactions run.
	r := simulateThenBlock(t, m, m.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	if r.Codespace != market.Codespace || r.Code == 0 {
		t.Fatalf("a bid in the block that awards the order: %+v", r)
	}
}

package app

import (
	"reflect"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// TestHashRead: BlockResult.HashRead is set exactly by the executions
// whose state depends on the block hash — a dispute opened (round 1's
// draw is from its block's hash) and an undecided compute round redrawn
// at its end — and an execution that did not read the hash leaves the
// same state and results under any hash, which is what lets the chain
// adapter reuse a block it executed before it knew the hash.
func TestHashRead(t *testing.T) {
	c := disputeDelivered(t)
	// onBranches runs the next block on two branches of the state, under
	// two hashes, and reports whether the states and results agree and
	// whether the executions read the hash.
	onBranches := func(txs ...[]byte) (same, read bool) {
		h := Header{ChainID: testChainID, Height: c.height + 1}
		a, b := store.NewCache(c.st), store.NewCache(c.st)
		h.Hash = testBlockHash(1000)
		ra := c.app.FinalizeBlock(a, h, txs, nil)
		h.Hash = testBlockHash(2000)
		rb := c.app.FinalizeBlock(b, h, txs, nil)
		if ra.HashRead != rb.HashRead {
			t.Fatalf("height %d: HashRead %v under one hash, %v under another", h.Height, ra.HashRead, rb.HashRead)
		}
		return store.Digest(a) == store.Digest(b) && reflect.DeepEqual(ra, rb), ra.HashRead
	}
	check := func(name string, wantRead bool, txs ...[]byte) {
		t.Helper()
		same, read := onBranches(txs...)
		if read != wantRead {
			t.Fatalf("%s: HashRead %v, want %v", name, read, wantRead)
		}
		if !read && !same {
			t.Fatalf("%s: the hash was not read, but the block differs under another hash", name)
		}
		if res := c.mustBlock(txs...); res.HashRead != wantRead {
			t.Fatalf("%s: HashRead %v, want %v", name, res.HashRead, wantRead)
		}
	}
	check("transfer", false, c.tx(alice, send(bob, 10)))
	check("open dispute", true, c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
	check("reveal seed (draws from the stored hash)", false, c.tx(mBuyer, revealSeed(1, 1)))
	d := c.order(1).Dispute
	c.emptyBlocksTo(d.RevealDeadline - 1)
	check("undecided round redrawn", true)
	if o := c.order(1); o.Dispute.Round != 2 {
		t.Fatalf("round %d, want the second", o.Dispute.Round)
	}
	check("empty", false)
}

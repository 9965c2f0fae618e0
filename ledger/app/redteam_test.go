package app

import (
	"bytes"
	"fmt"
	"math/big"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// The market's red-team tests: one per attack of the market hardening,
// each named after it. Every test takes the books of every party before
// the attack and checks them after it (book.check): what each account,
// the treasury and the escrow gained or lost, to the ucell, fees
// included, so that no ucell leaks and no honest party pays for another's
// misbehaviour. The supply invariant holds after every block (chain.block
// checks CheckInvariants).

// book is a snapshot of the balances of the parties of an attack, the
// treasury's and the escrow's.
type book struct {
	c                *chain
	who              []key
	before           []uint64
	treasury, escrow uint64
	supply           uint64
}

func takeBook(c *chain, who ...key) *book {
	b := &book{c: c, who: who, treasury: c.treasuryBalance(), escrow: c.escrow(), supply: c.app.bank.Supply(c.st)}
	for _, k := range who {
		b.before = append(b.before, c.balance(k))
	}
	return b
}

// check compares every party's gain (negative: loss) with want, which
// names each party of the book, and the treasury's and escrow's gains.
func (b *book) check(t *testing.T, want map[string]int64, treasury, escrow int64) {
	t.Helper()
	for i, k := range b.who {
		w, ok := want[k.name]
		if !ok {
			t.Fatalf("the expected book does not name %s", k.name)
		}
		if got := int64(b.c.balance(k)) - int64(b.before[i]); got != w {
			t.Errorf("%s: gained %d ucell, want %d", k.name, got, w)
		}
	}
	if got := int64(b.c.treasuryBalance()) - int64(b.treasury); got != treasury {
		t.Errorf("treasury: gained %d ucell, want %d", got, treasury)
	}
	if got := int64(b.c.escrow()) - int64(b.escrow); got != escrow {
		t.Errorf("escrow: gained %d ucell, want %d", got, escrow)
	}
	if s := b.c.app.bank.Supply(b.c.st); s != b.supply {
		t.Errorf("supply %d, was %d", s, b.supply)
	}
}

// fees returns n fees of the test chain, in ucell.
func (c *chain) fees(n int) int64 { return int64(n) * int64(c.p.MinFee) }

// TestRedTeamBuyerSlashesHonestProvider: a buyer orders with a random
// input root and never uploads, hoping to collect half the provider's
// stake when the delivery is missed. The honest provider reports the
// inputs missing at the input deadline; the report stands; everybody gets
// their funds back and the buyer gains nothing. A provider that instead
// stays silent loses its stake to the treasury — never to the buyer.
func TestRedTeamBuyerSlashesHonestProvider(t *testing.T) {
	t.Run("the provider reports the inputs missing", func(t *testing.T) {
		c := marketChain(t)
		b := takeBook(c, mBuyer, mProv2, mAuthor)
		c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg()))) // 2: bid deadline 5
		c.mustBlock(c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))  // 3
		c.emptyBlocksTo(5)                                     // awarded: input deadline 7, delivery deadline 8
		checkMarketRejection(t, c, c.tx(mProv2, reportMissingInputs(1)), market.ErrWindowClosed.Number, "from height 7", true)
		c.emptyBlocksTo(6)
		res := c.mustBlock(c.tx(mProv2, reportMissingInputs(1))) // 7: contest deadline 9
		if e := findEvent(t, res.TxResults[0].Events, "missing_inputs_reported"); attr(e, "contest_deadline") != "9" {
			t.Fatalf("event %v", e)
		}
		c.emptyBlocksTo(8)
		res = c.mustBlock() // 9
		if e := findEvent(t, res.Events, "order_failed"); attr(e, "reason") != "inputs-missing" || attr(e, "slashed") != "0" || attr(e, "reputation") != "0" {
			t.Fatalf("event %v", e)
		}
		b.check(t, map[string]int64{mBuyer.name: -c.fees(1), mProv2.name: -c.fees(3), mAuthor.name: 0}, c.fees(4), 0)
	})
	t.Run("a silent provider", func(t *testing.T) {
		c := awarded(t)
		b := takeBook(c, mBuyer, mProv2, mProv1)
		c.emptyBlocksTo(9)
		// Before the hardening the buyer got half the stake (35).
		b.check(t, map[string]int64{mBuyer.name: 800, mProv2.name: 0, mProv1.name: 0}, 70, -870)
	})
	t.Run("32 impossible orders in one transaction", func(t *testing.T) {
		c := marketChainWith(t, func(p *ledgerpb.Params) { p.MaxMsgsPerTx = 32 })
		b := takeBook(c, mBuyer, mProv2)
		var orders, bids, reports []*ledgerpb.Msg
		for i := range 32 {
			m := orderMsg()
			m.InputRoot = hash32(fmt.Sprint("random root ", i))
			orders = append(orders, createOrderWith(m))
			bids = append(bids, bidMsg(uint64(i+1), mNode2, 700, 70))
			reports = append(reports, reportMissingInputs(uint64(i+1)))
		}
		c.mustBlock(c.tx(mBuyer, orders...)) // 2
		c.mustBlock(c.tx(mProv2, bids...))   // 3
		c.emptyBlocksTo(6)
		c.mustBlock(c.tx(mProv2, reports...)) // 7
		c.emptyBlocksTo(9)
		for i := range uint64(32) {
			if o := c.order(i + 1); o.State != ledgerpb.OrderState_ORDER_STATE_FAILED || o.FailReason != ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING {
				t.Fatalf("order %d: %v", i+1, o)
			}
		}
		// Before the hardening: +600 ucell for the buyer, −32 × 35 of
		// stake for the node. Now each loses only its fees.
		b.check(t, map[string]int64{mBuyer.name: -c.fees(1), mProv2.name: -c.fees(2)}, c.fees(3), 0)
	})
	t.Run("a receipt voids a false report", func(t *testing.T) {
		// The provider took the inputs, signed the receipt, then claims
		// they never came: the buyer answers with the receipt, and the
		// missed delivery pays the buyer.
		c := awarded(t)
		b := takeBook(c, mBuyer, mProv2)
		c.emptyBlocksTo(6)
		c.mustBlock(c.tx(mProv2, reportMissingInputs(1))) // 7: contest deadline 9
		res := c.mustBlock(c.tx(mBuyer, inputReceipt(1))) // 8
		if e := findEvent(t, res.TxResults[0].Events, "input_receipt_posted"); attr(e, "voided_report") != "true" {
			t.Fatalf("event %v", e)
		}
		res = c.mustBlock() // 9: the block after the delivery deadline
		if e := findEvent(t, res.Events, "order_failed"); attr(e, "reason") != "no-delivery-after-receipt" || attr(e, "to_buyer") != "35" {
			t.Fatalf("event %v", e)
		}
		b.check(t, map[string]int64{mBuyer.name: 800 + 35 - c.fees(1), mProv2.name: -c.fees(1)}, 35+c.fees(2), -870)
	})
	t.Run("a receipt of another node or order", func(t *testing.T) {
		c := awarded(t)
		forged := inputReceipt(1)
		forged.GetPostInputReceipt().Signature = market.SignInputReceipt(mNode1.priv, testChainID, 1, hash32("input"))
		checkMarketRejection(t, c, c.tx(mBuyer, forged), market.ErrBadReceipt.Number, "not the receipt of node", true)
		other := inputReceipt(1)
		other.GetPostInputReceipt().Signature = market.SignInputReceipt(mNode2.priv, testChainID, 2, hash32("input"))
		checkMarketRejection(t, c, c.tx(mBuyer, other), market.ErrBadReceipt.Number, "not the receipt", true)
		chainB := inputReceipt(1)
		chainB.GetPostInputReceipt().Signature = market.SignInputReceipt(mNode2.priv, "another-chain", 1, hash32("input"))
		checkMarketRejection(t, c, c.tx(mBuyer, chainB), market.ErrBadReceipt.Number, "not the receipt", true)
	})
	t.Run("a report after a receipt", func(t *testing.T) {
		c := awarded(t)
		c.mustBlock(c.tx(mBuyer, inputReceipt(1))) // 6
		c.emptyBlocksTo(6)
		checkMarketRejection(t, c, c.tx(mProv2, reportMissingInputs(1)), market.ErrReceiptExists.Number, "receipt was shown", true)
	})
}

// TestRedTeamRunPastTheStdoutLimit: a package that writes past its
// stdout limit ends deterministically; the provider delivers that outcome
// instead of missing the delivery, and verifiers who re-run it agree, so
// a buyer who disputes it loses.
func TestRedTeamRunPastTheStdoutLimit(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(alice, send(dVer[0], 20_000), send(dVer[1], 20_000), send(dVer[2], 20_000), send(dVer[3], 20_000)))
	var txs [][]byte
	for i, v := range dVer {
		txs = append(txs, c.tx(v, announce(dVNode[i]), registerVerifier(dVNode[i], 1_000)))
	}
	c.mustBlock(txs...)                                    // 3
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg()))) // 4
	c.mustBlock(c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))  // 5
	c.emptyBlocksTo(7)
	d := deliverMsg(1, 4)
	d.GetDeliver().Result = ledgerpb.RunResult_RUN_RESULT_STDOUT_LIMIT
	res := c.mustBlock(c.tx(mProv2, d)) // 8
	if e := findEvent(t, res.TxResults[0].Events, "order_delivered"); attr(e, "result") != "stdout-limit" {
		t.Fatalf("event %v", e)
	}
	b := takeBook(c, mBuyer, mProv2, mAuthor, dVer[0], dVer[1], dVer[2], dVer[3])
	c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50))) // 9
	c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))                                                   // 10
	drawn := c.drawn(1)
	res = c.decide(deliveredRoot, deliveredRoot, deliveredRoot)
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "provider_won" {
		t.Fatalf("event %v", e)
	}
	// The buyer loses its PO stake (held since the order) and its dispute
	// stake; the provider is paid as on close and gets them less the
	// verifiers' reward.
	want := map[string]int64{mBuyer.name: -c.fees(2) - 50, mProv2.name: 700 - 7 - 17 + 70 + 150 - 75, mAuthor.name: 17}
	for _, v := range dVer {
		want[v.name] = 0
	}
	for _, v := range drawn {
		want[v.name] = 25 - c.fees(2)
	}
	b.check(t, want, 7+c.fees(2+2*len(drawn)), -(700 + 100 + 70))
}

// TestRedTeamDustBidNeverDelivers: a 1-ucell bid, which won every award
// and never delivered, is refused; the cheapest bid the chain takes
// stakes min_bid_stake, and its provider loses it and reputation when it
// does not deliver.
func TestRedTeamDustBidNeverDelivers(t *testing.T) {
	c := marketChain(t)
	m := orderMsg()
	m.BidWindow = 5
	c.mustBlock(c.tx(mBuyer, createOrderWith(m))) // 2: bid deadline 7
	checkMarketRejection(t, c, c.tx(mProv1, bidMsg(1, mNode1, 1, 1)), market.ErrInvalidPrice.Number, "min_price 100", false)
	checkMarketRejection(t, c, c.tx(mProv1, bidMsg(1, mNode1, 100, 10)), market.ErrStakeTooLow.Number, "min_bid_stake 50", false)
	b := takeBook(c, mBuyer, mProv1)
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 100, 50))) // the cheapest valid bid
	cycle := c.app.skills.CurrentCycle(c.st)
	before := len(c.app.skills.Log(c.st, cycle))
	c.emptyBlocksTo(c.order(1).BidDeadline + 4) // awarded, then failed after the delivery window of 3
	log := c.app.skills.Log(c.st, cycle)
	if len(log) != before+1 || log[before].User != mProv1.addr || log[before].Amount.Cmp(reputation.RatingAmount(100, 0)) != 0 {
		t.Fatalf("reputation log %+v", log[before:])
	}
	// The buyer's escrow (max price + PO stake, held since the order)
	// comes back whole; the provider loses the minimum stake.
	b.check(t, map[string]int64{mBuyer.name: 1_100, mProv1.name: -50 - c.fees(1)}, 50+c.fees(1), -1_100)
}

// TestRedTeamDisputeForcedUndecided: the package cannot be fetched by the
// verifiers (or they split), so nobody reveals a majority. Before the
// hardening the buyer got a full refund of a result it had received, the
// provider nothing, and every verifier lost its stake. Now an undecided
// round slashes only the silent verifiers, draws new ones, and after
// max_dispute_rounds splits the price.
func TestRedTeamDisputeForcedUndecided(t *testing.T) {
	t.Run("nobody can fetch the package", func(t *testing.T) {
		c := disputeDelivered(t)
		b := takeBook(c, mBuyer, mProv2, mAuthor, dVer[0], dVer[1], dVer[2], dVer[3])
		verifiers0 := c.app.bank.ModuleBalance(c.st, market.VerifierAccount)
		c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50))) // 9
		c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))                                                   // 10
		first := c.drawn(1)
		c.decide()                                  // 16: round 1 undecided, everyone silent
		c.mustBlock(c.tx(mBuyer, revealSeed(1, 2))) // 17
		second := c.drawn(1)
		res := c.decide() // round 2 undecided too: split
		if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "split" || attr(e, "state") != "resolved" {
			t.Fatalf("event %v", e)
		}
		// price 700: half 350 paid to the provider as on close (fee 3,
		// royalty 8) with its stake back; the buyer gets the other 350, its
		// PO stake and its dispute stake back. The silent verifiers of both
		// rounds lost their stakes, nobody else did.
		want := map[string]int64{mBuyer.name: -50 - c.fees(3) + 350 + 100 + 50, mProv2.name: 339 + 70, mAuthor.name: 8}
		for _, v := range dVer {
			want[v.name] = 0
		}
		slashed := int64(1_000 * len(slices.Concat(first, second)))
		got := c.app.bank.ModuleBalance(c.st, market.VerifierAccount)
		if int64(verifiers0)-int64(got) != slashed {
			t.Fatalf("verifiers lost %d, want %d", int64(verifiers0)-int64(got), slashed)
		}
		b.check(t, want, 3+slashed+c.fees(3), -(700 + 100 + 70))
	})
	t.Run("a split vote slashes nobody who revealed", func(t *testing.T) {
		c := disputed(t)
		b := takeBook(c, mBuyer, mProv2, dVer[0], dVer[1], dVer[2], dVer[3])
		drawn := c.drawn(1)
		c.decide(trueRoot, deliveredRoot, hash32("third"))
		want := map[string]int64{mBuyer.name: 0, mProv2.name: 0}
		for _, v := range dVer {
			want[v.name] = 0
		}
		for _, v := range drawn {
			want[v.name] = -c.fees(2)
		}
		b.check(t, want, c.fees(2*len(drawn)), 0)
		for _, d := range c.order(1).Dispute.DrawnBefore {
			if c.app.market.Verifier(c.st, d).GetStake() != 1_000 {
				t.Fatalf("verifier %x lost stake", d)
			}
		}
	})
}

// TestRedTeamFreeComputeThroughRoyalty: a 100% royalty made the provider
// work for nothing. A royalty above max_royalty_bps is refused, and at
// the maximum the provider is still paid most of the price.
func TestRedTeamFreeComputeThroughRoyalty(t *testing.T) {
	c := marketChain(t)
	greedy := envelope(mAuthor, "greedy", "greedy", "1.0.0", nil)
	greedy.License = &specpb.License{RoyaltyBps: 10_000}
	res := c.block(c.tx(mAuthor, register(mAuthor, greedy)))
	if r := res.TxResults[0]; r.Codespace != registry.Codespace || r.Code != registry.ErrInvalidEnvelope.Number && r.Code != registry.ErrRoyaltyTooHigh.Number {
		t.Fatalf("a 100%% royalty: %+v", r)
	}
	greedy.License.RoyaltyBps = c.p.MaxRoyaltyBps
	c.mustBlock(c.tx(mAuthor, register(mAuthor, greedy)))
	m := orderMsg()
	m.PackageId = pkgID("greedy")
	c.mustBlock(c.tx(mBuyer, createOrderWith(m)))
	id := c.app.market.Order(c.st, 1).GetId()
	c.mustBlock(c.tx(mProv2, bidMsg(id, mNode2, 1000, 100)))
	c.emptyBlocksTo(c.order(id).BidDeadline)
	b := takeBook(c, mBuyer, mProv2, mAuthor)
	c.mustBlock(c.tx(mProv2, deliverMsg(id, 4)))
	c.mustBlock(c.tx(mBuyer, closeMsg(id, completionCode, 5)))
	// price 1000: fee 10, royalty 200 (20%), the provider 790.
	b.check(t, map[string]int64{mBuyer.name: 100 - c.fees(1), mProv2.name: 790 + 100 - c.fees(1), mAuthor.name: 200}, 10+c.fees(2), -(1000 + 100 + 100))
}

// TestRedTeamCopiedCommitment: a lazy verifier copies a drawn peer's
// commitment and then its reveal. The commitment binds the committer, so
// the copied reveal does not match; the lazy one counts as silent and is
// slashed, the honest ones are paid.
func TestRedTeamCopiedCommitment(t *testing.T) {
	c := disputed(t)
	drawn := c.drawn(1)
	honest, lazy := drawn[:2], drawn[2]
	b := takeBook(c, mBuyer, mProv2, drawn[0], drawn[1], drawn[2])
	var commits [][]byte
	for _, v := range honest {
		commits = append(commits, c.tx(v, verifierCommit(1, v, trueRoot)))
	}
	copied := market.VerifierCommitment(1, 1, honest[0].addr, trueRoot, verifierSalt(honest[0]))
	commits = append(commits, c.tx(lazy, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: 1, Commitment: copied[:]}}}))
	c.mustBlock(commits...) // 11
	c.emptyBlocksTo(12)
	var reveals [][]byte
	for _, v := range honest {
		reveals = append(reveals, c.tx(v, verifierReveal(1, v, trueRoot)))
	}
	c.mustBlock(reveals...) // 13
	// The copied reveal: the honest verifier's root and salt.
	checkMarketRejection(t, c, c.tx(lazy, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{
		OrderId: 1, OutputRoot: trueRoot, Salt: verifierSalt(honest[0])}}}), market.ErrRootMismatch.Number, "do not match", true)
	c.emptyBlocksTo(15)
	res := c.mustBlock() // 16
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "buyer_won" {
		t.Fatalf("event %v", e)
	}
	// The bid stake 70: 35 shared by the two honest verifiers (17 each),
	// 36 to the buyer with its refund (700 + 100) and dispute stake.
	b.check(t, map[string]int64{mBuyer.name: 36 + 50 + 800, mProv2.name: 0,
		honest[0].name: 17 - c.fees(2), honest[1].name: 17 - c.fees(2), lazy.name: -c.fees(2)},
		1_000+c.fees(6), -(700 + 100 + 70 + 50))
	if c.verifierStake(dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == lazy.addr })]) != 0 {
		t.Fatal("the lazy verifier kept its stake")
	}
}

// TestRedTeamOfferingPriceChange: the vendor raises its offering's price
// while a purchase waits in the mempool. The purchase names the most the
// buyer pays and is refused.
func TestRedTeamOfferingPriceChange(t *testing.T) {
	c := marketChain(t)
	b := takeBook(c, mBuyer, mProv2)
	res := c.block(c.tx(mProv2, setOffering(mNode2, pkgID("market"), 500_000, 5)), c.tx(mBuyer, buyOffering(mProv2, 100)))
	if r := res.TxResults[1]; r.Code != market.ErrPriceAboveMax.Number || r.Codespace != market.Codespace {
		t.Fatalf("the purchase: %+v", r)
	}
	b.check(t, map[string]int64{mBuyer.name: -c.fees(1), mProv2.name: -c.fees(1)}, c.fees(2), 0)
}

// TestRedTeamGroundDraw: the proposer of the block that opens a dispute
// chooses its hash, but the draw also takes the buyer's seed, revealed in
// a later block: the same block hash gives other draws for other seeds,
// and the seed cannot be revealed in the opening block.
func TestRedTeamGroundDraw(t *testing.T) {
	c := disputeDelivered(t)
	o := c.order(1)
	o.Dispute = &ledgerpb.Dispute{}
	draws := map[string]bool{}
	for i := range 16 {
		seed := market.DrawSeed(testBlockHash(9), hash32(fmt.Sprint("seed ", i)), 1, 1)
		var keys []byte
		for _, d := range c.app.market.DrawVerifiers(c.st, c.p, 9, seed[:], o) {
			keys = append(keys, d.NodeKey...)
		}
		draws[string(keys)] = true
	}
	if len(draws) < 2 {
		t.Fatal("the draw does not depend on the buyer's seed")
	}
	// The seed in the opening block: refused.
	open := openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)
	res := c.block(c.tx(mBuyer, open, revealSeed(1, 1)))
	if r := res.TxResults[0]; r.Code != market.ErrWindowClosed.Number {
		t.Fatalf("seed in the opening block: %+v", r)
	}
}

// TestRedTeamSybilVerifiers: an attacker splits a stake among many
// verifiers to capture the draw. Draws weigh verifiers by their stake,
// so ten verifiers of one unit each win about as many seats as one of ten
// units; and a chain can require proven reputation of every verifier.
func TestRedTeamSybilVerifiers(t *testing.T) {
	c := marketChain(t)
	p := c.p
	o := &ledgerpb.Order{Id: 1, Buyer: mBuyer.addr.Bytes(), Contract: &ledgerpb.Contract{Provider: mProv2.addr.Bytes()}}
	// Scores only: one whale of 10 units against 10 Sybils of 1 unit.
	whale, sybils := 0, 0
	for i := range 2_000 {
		seed := hash32(fmt.Sprint("draw ", i))
		w := market.WeightedDrawScore(market.DrawScore(seed, o.Id, hash32("whale")), new(big.Int), 10*p.MinVerifierStake, p.MinVerifierStake)
		best := w
		for s := range 10 {
			if x := market.WeightedDrawScore(market.DrawScore(seed, o.Id, hash32(fmt.Sprint("sybil ", s))), new(big.Int), p.MinVerifierStake, p.MinVerifierStake); x.Cmp(best) < 0 {
				best = x
			}
		}
		if best == w {
			whale++
		} else {
			sybils++
		}
	}
	if sybils > 3*whale || whale > 3*sybils {
		t.Fatalf("whale %d, sybils %d: splitting the stake changes the odds", whale, sybils)
	}
	// A verifier without proven reputation is not drawn where the chain
	// requires some.
	c.mustBlock(c.tx(mProv1, registerVerifier(mNode1, 1_000)))
	strict := proto.Clone(p).(*ledgerpb.Params)
	strict.MinVerifierReputation = 1
	if got := c.app.market.DrawVerifiers(c.st, strict, c.height, hash32("seed"), o); len(got) != 0 {
		t.Fatalf("drew %d verifiers without reputation", len(got))
	}
	if got := c.app.market.DrawVerifiers(c.st, p, c.height, hash32("seed"), o); len(got) != 1 {
		t.Fatalf("drew %d verifiers", len(got))
	}
}

// TestRedTeamDomainVoteSlots: the 64 slots of a domain vote went to the
// first 64 accounts. Now a heavier voter takes the lightest slot, whose
// stake returns, and a lighter one is refused.
func TestRedTeamDomainVoteSlots(t *testing.T) {
	c := fullOfVoters(t)
	// Make one slot the lightest: 1.
	o := c.order(dvOrder)
	o.Dispute.Votes[5].CommitWeight = reputation.EncodeReputation(big.NewInt(1))
	c.st.Set(market.OrderKey(dvOrder), codec.Marshal(o))
	evicted := newKey("slot 5")
	b := takeBook(c.chain, dvVoters[0], dvVoters[4], evicted)
	v := dvVoters[0]
	res := c.mustBlock(c.tx(v, domainCommit(dvOrder, v, providerWon, c.proof(v))))
	if e := findEvent(t, res.TxResults[0].Events, "domain_vote_evicted"); attr(e, "voter") != evicted.addr.String() {
		t.Fatalf("event %v", e)
	}
	if !slices.ContainsFunc(c.order(dvOrder).Dispute.Votes, func(d *ledgerpb.DomainVote) bool { return bytes.Equal(d.Voter, v.addr[:]) }) {
		t.Fatal("the heavier voter has no slot")
	}
	b.check(t, map[string]int64{v.name: -dvStake - c.fees(1), dvVoters[4].name: 0, evicted.name: dvStake}, c.fees(1), 0)
}

// TestRedTeamWashTrading: an account buys from a provider it is linked
// to (it once announced the node that serves the order). The trade earns
// no reputation; and an unlinked trade earns it on the payment, net of
// the royalty, not on the price.
func TestRedTeamWashTrading(t *testing.T) {
	c := marketChain(t)
	// mNode1 passes from mProv1 to the buyer and back.
	c.mustBlock(c.tx(mProv1, removeNode(mNode1.pub())))
	c.mustBlock(c.tx(mBuyer, announce(mNode1)))
	c.mustBlock(c.tx(mBuyer, removeNode(mNode1.pub())))
	c.mustBlock(c.tx(mProv1, announce(mNode1)))
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	id := uint64(1)
	c.mustBlock(c.tx(mProv1, bidMsg(id, mNode1, 700, 70)))
	c.emptyBlocksTo(c.order(id).BidDeadline)
	c.mustBlock(c.tx(mProv1, deliverMsg(id, 4)))
	c.mustBlock(c.tx(mBuyer, closeMsg(id, completionCode, 5)))
	cycle := c.app.skills.CurrentCycle(c.st)
	before := len(c.app.skills.Log(c.st, cycle))
	c.emptyBlocksTo(c.order(id).Ratings.RevealDeadline)
	if n := len(c.app.skills.Log(c.st, cycle)); n != before {
		t.Fatalf("a linked trade earned %d reputation entries", n-before)
	}
	if !c.app.registry.SharesNode(c.st, mBuyer.addr, mProv1.addr, mNode1.pub()) {
		t.Fatal("the accounts are not linked")
	}
}

// TestRedTeamExclusionBypass: a provider that lost a dispute with outcome
// redo-by-another is excluded from the order; bidding again from a second
// account with the same node key is refused too.
func TestRedTeamExclusionBypass(t *testing.T) {
	c := disputedWith(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER)
	c.decide(trueRoot, trueRoot, trueRoot) // 16: buyer won, the order reopens
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_OPEN || !slices.ContainsFunc(o.ExcludedNodeKeys, func(k []byte) bool { return bytes.Equal(k, mNode2.pub()) }) {
		t.Fatalf("order %v", o)
	}
	// mProv2 hands its node key to alice, who bids with it.
	c.mustBlock(c.tx(mProv2, removeNode(mNode2.pub())), c.tx(alice, announce(mNode2))) // 17
	checkMarketRejection(t, c, c.tx(alice, bidMsg(1, mNode2, 600, 60)), market.ErrProviderExcluded.Number, "whoever announces it", true)
}

// TestRedTeamUnmeteredBlockHooks: thousands of orders due at one height
// made one block take seconds. The hook now handles at most
// max_due_per_block deadlines per block, oldest first, and carries the
// rest over: every order still takes its transition, a few blocks late,
// and the books balance.
func TestRedTeamUnmeteredBlockHooks(t *testing.T) {
	c := marketChainWith(t, func(p *ledgerpb.Params) { p.MaxMsgsPerTx = 32; p.MaxDuePerBlock = 100 })
	b := takeBook(c, mBuyer)
	const n = 256
	var txs [][]byte
	base := c.seq(mBuyer)
	for i := range n / 32 {
		var msgs []*ledgerpb.Msg
		for range 32 {
			msgs = append(msgs, createOrderWith(orderMsg()))
		}
		body := c.body(mBuyer, msgs...)
		body.Sequence = base + uint64(i)
		txs = append(txs, signBody(t, mBuyer, body))
	}
	c.mustBlock(txs...) // 2: every bid deadline is 5
	expiredAt := func() int {
		k := 0
		for id := uint64(1); id <= n; id++ {
			if c.order(id).State == ledgerpb.OrderState_ORDER_STATE_EXPIRED {
				k++
			}
		}
		return k
	}
	c.emptyBlocksTo(4)
	for h, want := range []int{100, 200, 256} {
		res := c.mustBlock() // 5, 6, 7
		got := 0
		for _, e := range res.Events {
			if e.Type == "order_expired" {
				got++
			}
		}
		if expiredAt() != want || got > 100 {
			t.Fatalf("height %d: %d orders expired in all, %d in the block; want %d", 5+h, expiredAt(), got, want)
		}
	}
	b.check(t, map[string]int64{mBuyer.name: -c.fees(n / 32)}, c.fees(n/32), 0)
}

// TestRedTeamSlashedVerifierLockedOut: a verifier that missed a reveal
// is slashed to nothing. Before the hardening a verifier slashed while
// still drawn in another dispute kept a record with a stake of 0 that
// refused its operator's new registration ("is a verifier already"),
// and the node never registered again. Now a registration adds to an
// existing record (RegisterVerifier), the node stakes again when it sees
// its slash (devnet TestSlashedVerifierComesBack), and here the operator
// registers the slashed node again: only the stake and the fee move, and
// the node is drawn again.
func TestRedTeamSlashedVerifierLockedOut(t *testing.T) {
	c := disputed(t)
	drawn := c.drawn(1)
	silent := drawn[2]
	node := dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == silent.addr })]
	treasury0 := c.treasuryBalance()
	res := c.decide(deliveredRoot, deliveredRoot) // the third drawn stays silent
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "provider_won" || attr(e, "slashed") != node.pubHex() {
		t.Fatalf("event %v", e)
	}
	if v := c.app.market.Verifier(c.st, node.pub()); v != nil {
		t.Fatalf("the slashed verifier's record stays: %v", v)
	}
	if got := c.treasuryBalance() - treasury0; got < 1_000 {
		t.Fatalf("treasury gained %d ucell: the silent verifier's stake of 1000 is not slashed", got)
	}

	b := takeBook(c, silent, mProv2, mBuyer)
	verifiers0 := c.app.bank.ModuleBalance(c.st, market.VerifierAccount)
	c.mustBlock(c.tx(silent, registerVerifier(node, 1_000)))
	b.check(t, map[string]int64{silent.name: -1_000 - c.fees(1), mProv2.name: 0, mBuyer.name: 0}, c.fees(1), 0)
	if got := c.app.bank.ModuleBalance(c.st, market.VerifierAccount) - verifiers0; got != 1_000 {
		t.Fatalf("verifiers' account gained %d ucell, want 1000", got)
	}
	if got := c.verifierStake(node); got != 1_000 {
		t.Fatalf("stake %d after registering again, want 1000", got)
	}
	o := &ledgerpb.Order{Id: 2, Buyer: mBuyer.addr.Bytes(), Contract: &ledgerpb.Contract{Provider: mProv2.addr.Bytes(), NodeKey: mNode2.pub()}}
	for i := range 64 {
		for _, d := range c.app.market.DrawVerifiers(c.st, c.p, c.height, hash32(fmt.Sprint("seed ", i)), o) {
			if bytes.Equal(d.NodeKey, node.pub()) {
				return
			}
		}
	}
	t.Fatal("the verifier that registered again is never drawn")
}

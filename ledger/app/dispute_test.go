package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// Keys of the dispute tests: four verifiers, each with a wasm node.
var (
	dVer   = []key{newKey("verifier 1"), newKey("verifier 2"), newKey("verifier 3"), newKey("verifier 4")}
	dVNode = []key{newKey("verifier node 1"), newKey("verifier node 2"), newKey("verifier node 3"), newKey("verifier node 4")}
)

var (
	deliveredRoot = hash32("output") // what deliverMsg posts
	trueRoot      = hash32("true output")
)

func registerVerifier(node key, stake uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterVerifier{RegisterVerifier: &ledgerpb.MsgRegisterVerifier{NodeKey: node.pub(), Stake: stake}}}
}

func unregisterVerifier(node key) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_UnregisterVerifier{UnregisterVerifier: &ledgerpb.MsgUnregisterVerifier{NodeKey: node.pub()}}}
}

// seedChain returns the buyer's seeds of a dispute of order id: seeds[0]
// is the commitment, seeds[k] the seed of round k (SeedHash(seeds[k]) =
// seeds[k−1]).
func seedChain(id uint64) [][]byte {
	const n = 4
	seeds := make([][]byte, n+1)
	seeds[n] = hash32(fmt.Sprintf("last seed of order %d", id))
	for k := n; k > 0; k-- {
		h := market.SeedHash(seeds[k])
		seeds[k-1] = h[:]
	}
	return seeds
}

func openDispute(id uint64, outcome ledgerpb.DisputeOutcome, stake uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: &ledgerpb.MsgOpenDispute{OrderId: id,
		Claim: ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT, Outcome: outcome, Stake: stake, SeedCommitment: seedChain(id)[0]}}}
}

// revealSeed reveals the buyer's seed of a round of the dispute of order
// id.
func revealSeed(id uint64, round int) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{OrderId: id, Seed: seedChain(id)[round]}}}
}

func verifierSalt(k key) []byte { return hash32("salt of " + k.name) }

func verifierCommit(id uint64, k key, root []byte) *ledgerpb.Msg {
	return verifierCommitRound(id, 1, k, root)
}

func verifierCommitRound(id uint64, round uint32, k key, root []byte) *ledgerpb.Msg {
	c := market.VerifierCommitment(id, round, k.addr, root, verifierSalt(k))
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: c[:]}}}
}

func verifierReveal(id uint64, k key, root []byte) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: id, OutputRoot: root, Salt: verifierSalt(k)}}}
}

func releaseLitigation(id, toBuyer, toProvider uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReleaseLitigation{ReleaseLitigation: &ledgerpb.MsgReleaseLitigation{OrderId: id,
		ToBuyerAmount: toBuyer, ToProviderAmount: toProvider}}}
}

// disputeDelivered returns a chain at height 8: marketChain; dVer[i] run dVNode[i] and are verifiers with a
// stake of 1,000 (height 3), and so is mProv2's node; order 1 (created at
// 4 by mBuyer, max price 1000, PO stake 100, windows of 3) is awarded at
// 7 to mProv2 at 700 (stake 70) and delivered at 8 with deliveredRoot
// (confirm deadline 11).
func disputeDelivered(t testing.TB) *chain {
	t.Helper()
	c := marketChain(t)
	c.mustBlock(c.tx(alice, send(dVer[0], 20_000), send(dVer[1], 20_000), send(dVer[2], 20_000), send(dVer[3], 20_000)))
	txs := [][]byte{c.tx(mProv2, registerVerifier(mNode2, 1_000))}
	for i, v := range dVer {
		txs = append(txs, c.tx(v, announce(dVNode[i]), registerVerifier(dVNode[i], 1_000)))
	}
	c.mustBlock(txs...)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	c.emptyBlocksTo(7)
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED || o.Delivery.ConfirmDeadline != 11 {
		t.Fatalf("order %v", o)
	}
	return c
}

// disputedWith: disputeDelivered, then the buyer disputes at height 9
// asking for outcome, with a stake of 50, and reveals the first round's
// seed at 10, which draws the verifiers (commit deadline 13, reveal
// deadline 16).
func disputedWith(t testing.TB, outcome ledgerpb.DisputeOutcome) *chain {
	t.Helper()
	c := disputeDelivered(t)
	c.mustBlock(c.tx(mBuyer, openDispute(1, outcome, 50)))
	c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))
	return c
}

func disputed(t testing.TB) *chain {
	return disputedWith(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
}

// committed: disputed, and every drawn verifier commits to trueRoot at
// height 11.
func committed(t testing.TB) *chain {
	c := disputed(t)
	var txs [][]byte
	for _, v := range c.drawn(1) {
		txs = append(txs, c.tx(v, verifierCommit(1, v, trueRoot)))
	}
	c.mustBlock(txs...)
	return c
}

// drawn returns the keys of the verifiers drawn for an order, in draw
// order.
func (c *chain) drawn(id uint64) []key {
	c.t.Helper()
	var out []key
	for _, d := range c.order(id).Dispute.Verifiers {
		i := slices.IndexFunc(append(slices.Clone(dVer), mProv1, mProv2), func(k key) bool { return bytes.Equal(k.addr[:], d.Operator) })
		if i < 0 {
			c.t.Fatalf("drawn operator %x is no test key", d.Operator)
		}
		out = append(out, append(slices.Clone(dVer), mProv1, mProv2)[i])
	}
	return out
}

// notDrawn returns a verifier of dVer not drawn for order id.
func (c *chain) notDrawn(id uint64) key {
	c.t.Helper()
	drawn := c.drawn(id)
	for _, v := range dVer {
		if !slices.ContainsFunc(drawn, func(k key) bool { return k.addr == v.addr }) {
			return v
		}
	}
	c.t.Fatal("every verifier is drawn")
	return key{}
}

func (c *chain) credit(k key) uint64 { return c.app.market.Credit(c.st, k.addr) }

func (c *chain) verifierStake(node key) uint64 {
	return c.app.market.Verifier(c.st, node.pub()).GetStake()
}

// decide runs the current round of the dispute of order 1, whose
// verifiers were drawn in the block before, to its end: the verifiers
// drawn commit in the next block and reveal at the commit deadline the
// roots of roots (in draw order; nil: silent). It returns the result of
// the block that ends the round (in round 1: commits at 11, reveals at
// 13, the end at 16).
func (c *chain) decide(roots ...[]byte) BlockResult {
	c.t.Helper()
	drawn := c.drawn(1)
	d := c.order(1).Dispute
	var commits, reveals [][]byte
	for i, v := range drawn {
		if i < len(roots) && roots[i] != nil {
			commits = append(commits, c.tx(v, verifierCommitRound(1, d.Round, v, roots[i])))
		}
	}
	c.mustBlock(commits...)
	c.emptyBlocksTo(d.CommitDeadline - 1)
	for i, v := range drawn {
		if i < len(roots) && roots[i] != nil {
			reveals = append(reveals, c.tx(v, verifierReveal(1, v, roots[i])))
		}
	}
	c.mustBlock(reveals...)
	c.emptyBlocksTo(d.RevealDeadline - 1)
	return c.mustBlock()
}

func TestDisputeOpenAndDraw(t *testing.T) {
	c := disputeDelivered(t)
	escrow0 := c.escrow()
	res := c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
	e := findEvent(t, res.TxResults[0].Events, "dispute_opened")
	if attr(e, "order_id") != "1" || attr(e, "seed_deadline") != "11" || attr(e, "commit_deadline") != "0" {
		t.Fatalf("event %v", e)
	}
	if o := c.order(1); len(o.Dispute.Verifiers) != 0 || o.Dispute.Round != 1 {
		t.Fatalf("verifiers drawn before the seed: %v", o.Dispute)
	}
	// The seed cannot be revealed in the block that opened the round: its
	// proposer would know the draw.
	res = c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))
	e = findEvent(t, res.TxResults[0].Events, "dispute_drawn")
	if attr(e, "order_id") != "1" || attr(e, "round") != "1" || attr(e, "commit_deadline") != "13" || attr(e, "reveal_deadline") != "16" {
		t.Fatalf("event %v", e)
	}
	o := c.order(1)
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED || c.escrow() != escrow0+50 || len(o.Dispute.Verifiers) != 3 {
		t.Fatalf("order %v, escrow %d", o, c.escrow())
	}
	for _, d := range o.Dispute.Verifiers {
		if bytes.Equal(d.Operator, mProv2.addr[:]) || bytes.Equal(d.Operator, mBuyer.addr[:]) {
			t.Fatalf("a party is drawn: %x", d.Operator)
		}
		if v := c.app.market.Verifier(c.st, d.NodeKey); v.OpenDisputes != 1 {
			t.Fatalf("verifier %x open disputes %d", d.NodeKey, v.OpenDisputes)
		}
	}
	// The auto-close at the confirm deadline no longer happens.
	c.emptyBlocksTo(11)
	if s := c.order(1).State; s != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		t.Fatalf("state %v after the confirm deadline", s)
	}
	var d ledgerpb.Dispute
	c.query(query.Dispute, mustMarshal(&ledgerpb.OrderRequest{OrderId: 1}), &d)
	if d.RevealDeadline != 16 || len(d.Verifiers) != 3 {
		t.Fatalf("dispute query %v", &d)
	}
	if _, err := c.app.Query(c.st, query.Dispute, mustMarshal(&ledgerpb.OrderRequest{OrderId: 9})); err == nil {
		t.Error("dispute of no order: no error")
	}
	var r ledgerpb.VerifierResponse
	c.query(query.Verifier, mustMarshal(&ledgerpb.VerifierRequest{NodeKey: o.Dispute.Verifiers[0].NodeKey}), &r)
	if r.Verifier.Stake != 1_000 || r.Verifier.OpenDisputes != 1 {
		t.Fatalf("verifier query %v", &r)
	}
}

// TestDisputeDrawIsPure: the draw is a function of the state and the draw
// seed only, and equals a naive reference for equal stakes and no
// reputation: rank the candidates by sha256(seed ‖ order id ‖ node key),
// take the first k.
func TestDisputeDrawIsPure(t *testing.T) {
	a, b := disputeDelivered(t), disputeDelivered(t)
	o := a.order(1)
	for h := int64(1); h <= 20; h++ {
		got := a.app.market.DrawVerifiers(a.st, a.p, 9, testBlockHash(h), o)
		if again := b.app.market.DrawVerifiers(b.st, b.p, 9, testBlockHash(h), o); !equalDraws(got, again) {
			t.Fatalf("hash %d: two apps disagree", h)
		}
		var ref [][]byte
		for _, n := range dVNode { // mNode2 is the provider's: excluded
			ref = append(ref, n.pub())
		}
		score := func(nk []byte) []byte {
			s := sha256.Sum256(store.Key(testBlockHash(h), store.Uint64(1), nk))
			return s[:]
		}
		slices.SortFunc(ref, func(x, y []byte) int { return bytes.Compare(score(x), score(y)) })
		ref = ref[:3]
		if len(got) != 3 {
			t.Fatalf("hash %d: drew %d", h, len(got))
		}
		for i := range ref {
			if !bytes.Equal(got[i].NodeKey, ref[i]) {
				t.Fatalf("hash %d: draw %d is %x, reference %x", h, i, got[i].NodeKey, ref[i])
			}
		}
	}
	// Replaying the dispute on two apps gives the same state.
	for _, c := range []*chain{a, b} {
		c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
		c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))
	}
	if a.digest() != b.digest() || len(a.order(1).Dispute.Verifiers) != 3 {
		t.Fatal("two apps disagree after the dispute")
	}
}

func equalDraws(a, b []*ledgerpb.DrawnVerifier) bool {
	return slices.EqualFunc(a, b, func(x, y *ledgerpb.DrawnVerifier) bool {
		return bytes.Equal(x.NodeKey, y.NodeKey) && bytes.Equal(x.Operator, y.Operator)
	})
}

// TestDisputeProviderWins: the verifiers reproduce the delivered root;
// the buyer loses its PO stake and dispute stake to the provider and the
// verifiers, and the provider is paid as on close.
func TestDisputeProviderWins(t *testing.T) {
	c := disputed(t)
	drawn := c.drawn(1)
	c.emptyBlocksTo(9)
	prov0, buyer0, treasury0, author0 := c.balance(mProv2), c.balance(mBuyer), c.treasuryBalance(), c.balance(mAuthor)
	ver0 := make([]uint64, len(drawn))
	for i, v := range drawn {
		ver0[i] = c.balance(v)
	}
	res := c.decide(deliveredRoot, deliveredRoot, deliveredRoot)
	e := findEvent(t, res.Events, "dispute_decided")
	if attr(e, "verdict") != "provider_won" || attr(e, "state") != "resolved" || attr(e, "reward") != "25" {
		t.Fatalf("event %v", e)
	}
	// price 700: fee 7, royalty 17; forfeit 100 + 50, 75 of it to three
	// verifiers (25 each), the rest to the provider.
	if got, want := c.balance(mProv2)-prov0, uint64(700-7-17+70+150-75); got != want {
		t.Fatalf("provider earned %d, want %d", got, want)
	}
	fee := c.p.MinFee
	for i, v := range drawn {
		if got := c.balance(v) - ver0[i]; got != 25-2*fee {
			t.Fatalf("verifier %s earned %d", v.name, got)
		}
	}
	if c.balance(mBuyer) != buyer0 || c.treasuryBalance()-treasury0 < 7 || c.balance(mAuthor)-author0 != 17 || c.escrow() != 0 {
		t.Fatalf("buyer %d→%d, treasury %d→%d, escrow %d", buyer0, c.balance(mBuyer), treasury0, c.treasuryBalance(), c.escrow())
	}
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED ||
		o.Dispute.Verdict != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON {
		t.Fatalf("order %v", o)
	}
	// The verifiers are free again and may leave with their stake.
	c.mustBlock(c.tx(drawn[0], unregisterVerifier(dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == drawn[0].addr })])))
}

// TestDisputeBuyerWins: a wrong output root is caught by the verifiers
// and the provider's bid stake is slashed; a silent verifier loses its
// stake; the buyer gets the outcome it named.
func TestDisputeBuyerWins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome ledgerpb.DisputeOutcome
		state   ledgerpb.OrderState
		// toBuyer is what the buyer receives at the decision besides its
		// share of the slashed stake (36) and its dispute stake (50).
		toBuyer uint64
		check   func(t *testing.T, c *chain)
	}{
		{"refund", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 800, nil},
		{"store credit", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 0, func(t *testing.T, c *chain) {
			if c.credit(mBuyer) != 800 {
				t.Fatalf("credit %d", c.credit(mBuyer))
			}
			var r ledgerpb.BalanceResponse
			c.query(query.Credit, addrReq(mBuyer.addr), &r)
			if r.Balance != 800 {
				t.Fatalf("credit query %v", &r)
			}
			// Credit pays first for an order; the balance the rest.
			b0 := c.balance(mBuyer)
			m := orderMsg()
			m.UseCredit = true
			c.mustBlock(c.tx(mBuyer, createOrderWith(m)))
			if c.credit(mBuyer) != 0 || b0-c.balance(mBuyer) != 300+c.p.MinFee || c.escrow() != 1100 {
				t.Fatalf("credit %d, balance %d→%d, escrow %d", c.credit(mBuyer), b0, c.balance(mBuyer), c.escrow())
			}
		}},
		{"litigation", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 0, func(t *testing.T, c *chain) {
			if c.escrow() != 800 || c.order(1).Dispute.Frozen != 800 {
				t.Fatalf("escrow %d, order %v", c.escrow(), c.order(1))
			}
			checkMarketRejection(t, c, c.tx(mBuyer, releaseLitigation(1, 800, 0)), market.ErrNotAuthority.Number, "only a passed governance proposal", false)
			// A passed proposal whose amounts do not add up fails at
			// execution and changes nothing.
			pr, res := c.govPass(alice, propRelease(1, 500, 200))
			if e := findEvent(t, res.Events, "proposal_failed"); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED ||
				!strings.Contains(attr(e, "reason"), "frozen 800") || c.escrow() != 800 {
				t.Fatalf("proposal %v, escrow %d", pr, c.escrow())
			}
			b0, p0 := c.balance(mBuyer), c.balance(mProv2)
			_, res = c.govPass(alice, propRelease(1, 500, 300))
			findEvent(t, res.Events, "litigation_released")
			if c.balance(mBuyer)-b0 != 500 || c.balance(mProv2)-p0 != 300 || c.escrow() != 0 {
				t.Fatalf("buyer +%d, provider +%d, escrow %d", c.balance(mBuyer)-b0, c.balance(mProv2)-p0, c.escrow())
			}
			pr, _ = c.govPass(alice, propRelease(1, 0, 0))
			if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED || !strings.Contains(pr.Failure, "no funds frozen") {
				t.Fatalf("proposal %v", pr)
			}
		}},
		{"redo", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, ledgerpb.OrderState_ORDER_STATE_AWARDED, 0, func(t *testing.T, c *chain) {
			o := c.order(1)
			if o.Contract.DeliveryDeadline != 19 || o.Contract.BidStake != 0 || o.Delivery != nil || c.escrow() != 800 {
				t.Fatalf("order %v, escrow %d", o, c.escrow())
			}
			c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
			c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
			if s := c.order(1).State; s != ledgerpb.OrderState_ORDER_STATE_CLOSED || c.escrow() != 0 {
				t.Fatalf("state %v, escrow %d", s, c.escrow())
			}
		}},
		{"redo by another provider", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER, ledgerpb.OrderState_ORDER_STATE_OPEN, 0, func(t *testing.T, c *chain) {
			o := c.order(1)
			if o.BidDeadline != 19 || o.MaxPrice != 700 || o.Contract != nil || c.escrow() != 800 {
				t.Fatalf("order %v, escrow %d", o, c.escrow())
			}
			checkMarketRejection(t, c, c.tx(mProv2, bidMsg(1, mNode2, 600, 60)), market.ErrProviderExcluded.Number, "may not bid again", true)
			c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 650, 65)))
			c.emptyBlocksTo(19)
			if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED || !bytes.Equal(o.Contract.Provider, mProv1.addr[:]) {
				t.Fatalf("order %v", o)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := disputedWith(t, tc.outcome)
			drawn := c.drawn(1)
			c.emptyBlocksTo(9)
			buyer0, treasury0 := c.balance(mBuyer), c.treasuryBalance()
			silent := drawn[2]
			silentNode := dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == silent.addr })]
			res := c.decide(trueRoot, trueRoot, nil)
			e := findEvent(t, res.Events, "dispute_decided")
			if attr(e, "verdict") != "buyer_won" || attr(e, "reward") != "17" || attr(e, "slashed") != silentNode.pubHex() {
				t.Fatalf("event %v", e)
			}
			// The bid stake 70: 35 to the two verifiers of the majority
			// (17 each), 36 to the buyer.
			if got, want := c.balance(mBuyer)-buyer0, 36+50+tc.toBuyer; got != want {
				t.Fatalf("buyer earned %d, want %d", got, want)
			}
			if c.treasuryBalance()-treasury0 < 1_000 || c.verifierStake(silentNode) != 0 {
				t.Fatalf("silent verifier's stake %d; treasury +%d", c.verifierStake(silentNode), c.treasuryBalance()-treasury0)
			}
			if s := c.order(1).State; s != tc.state {
				t.Fatalf("state %v, want %v", s, tc.state)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

// TestDisputeUndecidedRedraws: nobody reveals in round 1. The silent
// verifiers lose their stake, nobody else does, and round 2 starts with
// verifiers not drawn before, once the buyer reveals its next seed.
func TestDisputeUndecidedRedraws(t *testing.T) {
	c := disputed(t)
	first := c.order(1).Dispute.Verifiers
	buyer0, prov0, escrow0 := c.balance(mBuyer), c.balance(mProv2), c.escrow()
	res := c.decide() // 16
	e := findEvent(t, res.Events, "dispute_decided")
	if attr(e, "verdict") != "undecided" || attr(e, "state") != "disputed" || attr(e, "round") != "1" || attr(e, "next_seed_deadline") != "18" {
		t.Fatalf("event %v", e)
	}
	if c.balance(mBuyer) != buyer0 || c.balance(mProv2) != prov0 || c.escrow() != escrow0 {
		t.Fatalf("funds moved: buyer %d→%d, provider %d→%d, escrow %d→%d", buyer0, c.balance(mBuyer), prov0, c.balance(mProv2), escrow0, c.escrow())
	}
	for _, d := range first {
		if c.app.market.Verifier(c.st, d.NodeKey).GetStake() != 0 {
			t.Fatalf("silent verifier %x kept its stake", d.NodeKey)
		}
	}
	res = c.mustBlock(c.tx(mBuyer, revealSeed(1, 2))) // 17
	e = findEvent(t, res.TxResults[0].Events, "dispute_drawn")
	o := c.order(1)
	if attr(e, "round") != "2" || o.Dispute.Round != 2 || len(o.Dispute.Verifiers) != 1 || len(o.Dispute.DrawnBefore) != 3 {
		t.Fatalf("event %v, dispute %v", e, o.Dispute)
	}
	for _, d := range first {
		if bytes.Equal(d.NodeKey, o.Dispute.Verifiers[0].NodeKey) {
			t.Fatal("round 2 drew a verifier of round 1")
		}
	}
}

// TestDisputeSplitVote: no root has a strict majority of the reveals. No
// verifier that revealed is slashed, and a new round starts.
func TestDisputeSplitVote(t *testing.T) {
	c := disputed(t)
	verifiers0 := c.app.bank.ModuleBalance(c.st, market.VerifierAccount)
	res := c.decide(trueRoot, deliveredRoot, hash32("third"))
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "undecided" || attr(e, "slashed") != "" {
		t.Fatalf("event %v", e)
	}
	if got := c.app.bank.ModuleBalance(c.st, market.VerifierAccount); got != verifiers0 {
		t.Fatalf("verifiers hold %d, held %d", got, verifiers0)
	}
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED || o.Dispute.Round != 2 {
		t.Fatalf("order %v", o)
	}
}

func TestDisputeWindowEdges(t *testing.T) {
	refund := ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
	opened := func(t testing.TB) *chain {
		c := disputeDelivered(t)
		c.mustBlock(c.tx(mBuyer, openDispute(1, refund, 50)))
		return c
	}
	for _, tc := range []struct {
		name    string
		build   func(testing.TB) *chain
		to      int64 // the message goes into block to+1
		signer  func(c *chain) key
		msg     func(c *chain) *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"dispute one block before the confirm deadline", disputeDelivered, 9, buyerKey, func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, 0, "", false},
		{"dispute at the confirm deadline", disputeDelivered, 10, buyerKey, func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, market.ErrWrongState.Number, "is closed", true},
		{"dispute after the confirm window", disputeDelivered, 12, buyerKey, func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, market.ErrWrongState.Number, "is closed", true},
		{"seed at the seed deadline", opened, 10, buyerKey, func(*chain) *ledgerpb.Msg { return revealSeed(1, 1) }, 0, "", false},
		{"seed after the seed deadline", opened, 11, buyerKey, func(*chain) *ledgerpb.Msg { return revealSeed(1, 1) }, market.ErrWrongState.Number, "is resolved", true},
		{"commit one block before the commit deadline", disputed, 11, firstDrawn, commitFirst, 0, "", false},
		{"commit at the commit deadline", disputed, 12, firstDrawn, commitFirst, market.ErrWindowClosed.Number, "commit window ended", true},
		{"commit after the commit deadline", disputed, 13, firstDrawn, commitFirst, market.ErrWindowClosed.Number, "commit window ended", true},
		{"reveal one block before the commit deadline", committed, 11, firstDrawn, revealFirst, market.ErrWindowClosed.Number, "reveals are accepted from height 13", true},
		{"reveal at the commit deadline", committed, 12, firstDrawn, revealFirst, 0, "", false},
		{"reveal one block before the reveal deadline", committed, 14, firstDrawn, revealFirst, 0, "", false},
		{"reveal at the reveal deadline", committed, 15, firstDrawn, revealFirst, market.ErrWindowClosed.Number, "round 2 has no verifiers yet", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			c.emptyBlocksTo(tc.to)
			raw := c.tx(tc.signer(c), tc.msg(c))
			if tc.code == 0 {
				c.mustBlock(raw)
				return
			}
			checkMarketRejection(t, c, raw, tc.code, tc.log, tc.charged)
		})
	}
}

func buyerKey(*chain) key                { return mBuyer }
func firstDrawn(c *chain) key            { return c.drawn(1)[0] }
func commitFirst(c *chain) *ledgerpb.Msg { return verifierCommit(1, c.drawn(1)[0], trueRoot) }
func revealFirst(c *chain) *ledgerpb.Msg { return verifierReveal(1, c.drawn(1)[0], trueRoot) }
func (k key) pubHex() string             { return hex.EncodeToString(k.pub()) }

// TestDisputeRedTeam: each attack on a dispute is refused and leaves the
// state as it was but for the attacker's fee.
func TestDisputeRedTeam(t *testing.T) {
	refund := ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
	for _, tc := range []struct {
		name    string
		build   func(testing.TB) *chain
		signer  func(c *chain) key
		msg     func(c *chain) *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"a verifier not drawn commits", disputed, func(c *chain) key { return c.notDrawn(1) },
			func(c *chain) *ledgerpb.Msg { return verifierCommit(1, c.notDrawn(1), trueRoot) }, market.ErrNotDrawn.Number, "not a drawn verifier", true},
		{"the provider commits as a verifier", disputed, func(*chain) key { return mProv2 },
			func(*chain) *ledgerpb.Msg { return verifierCommit(1, mProv2, deliveredRoot) }, market.ErrNotDrawn.Number, "not a drawn verifier", true},
		{"a reveal that does not match its commitment", func(t testing.TB) *chain {
			c := committed(t)
			c.emptyBlocksTo(12)
			return c
		}, firstDrawn, func(c *chain) *ledgerpb.Msg { return verifierReveal(1, c.drawn(1)[0], deliveredRoot) }, market.ErrRootMismatch.Number, "do not match", true},
		{"a second commit", committed, firstDrawn, commitFirst, market.ErrCannotVote.Number, "committed already", true},
		{"a drawn verifier leaves during the dispute", disputed, firstDrawn, func(c *chain) *ledgerpb.Msg {
			return unregisterVerifier(dVNode[slices.IndexFunc(dVer, func(k key) bool { return k.addr == c.drawn(1)[0].addr })])
		}, market.ErrVerifierBusy.Number, "open disputes", true},
		{"a dispute by the provider", disputeDelivered, func(*chain) key { return mProv2 },
			func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, market.ErrNotBuyer.Number, "only its buyer", true},
		{"a dispute below the minimum stake", disputeDelivered, buyerKey,
			func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 49) }, market.ErrStakeTooLow.Number, "min_dispute_stake", false},
		{"a dispute without an outcome", disputeDelivered, buyerKey,
			func(*chain) *ledgerpb.Msg { return openDispute(1, 0, 50) }, market.ErrInvalidDispute.Number, "outcome 0", false},
		{"a dispute before delivery", awarded, buyerKey,
			func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, market.ErrWrongState.Number, "is awarded", true},
		{"a second dispute", disputed, buyerKey,
			func(*chain) *ledgerpb.Msg { return openDispute(1, refund, 50) }, market.ErrWrongState.Number, "is disputed", true},
		{"a verifier below the minimum stake", marketChain, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode1, 999) }, market.ErrStakeTooLow.Number, "min_verifier_stake", true},
		{"a verifier without stake", marketChain, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode1, 0) }, market.ErrStakeTooLow.Number, "must be positive", false},
		{"a seed that is not the next of the chain", func(t testing.TB) *chain {
			c := disputeDelivered(t)
			c.mustBlock(c.tx(mBuyer, openDispute(1, refund, 50)))
			return c
		}, buyerKey, func(*chain) *ledgerpb.Msg { return revealSeed(1, 2) }, market.ErrSeedMismatch.Number, "seed head", true},
		{"a second seed in one round", disputed, buyerKey, func(*chain) *ledgerpb.Msg { return revealSeed(1, 2) }, market.ErrWrongState.Number, "has its verifiers", true},
		{"a verifier with another operator's node", marketChain, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode2, 1_000) }, market.ErrNodeUnusable.Number, "not an active node", true},
		{"a verifier node without wasm", marketChain, func(*chain) key { return mProv3 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode3, 1_000) }, market.ErrArchitecture.Number, "wasm32-wasip1", true},
		{"unregister another's verifier", disputeDelivered, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return unregisterVerifier(mNode2) }, market.ErrNoVerifier.Number, "not a verifier of", true},
		{"a release of litigated funds outside governance", disputed, buyerKey,
			func(*chain) *ledgerpb.Msg { return releaseLitigation(1, 850, 0) }, market.ErrNotAuthority.Number, "only a passed governance proposal", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			checkMarketRejection(t, c, c.tx(tc.signer(c), tc.msg(c)), tc.code, tc.log, tc.charged)
		})
	}
}

// TestDisputeNoCandidates: with no verifier registered, nobody is drawn
// in either round, and the dispute ends in a split of the price: the
// buyer received the outputs and nobody could check them, so it pays half.
func TestDisputeNoCandidates(t *testing.T) {
	c := delivered(t)                                                                           // height 6, confirm deadline 9; no verifiers
	c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, 50))) // 7
	res := c.mustBlock(c.tx(mBuyer, revealSeed(1, 1)))                                          // 8: reveal deadline 14
	if e := findEvent(t, res.TxResults[0].Events, "dispute_drawn"); attr(e, "verifiers") != "" {
		t.Fatalf("event %v", e)
	}
	b0, p0, a0 := c.balance(mBuyer), c.balance(mProv2), c.balance(mAuthor)
	c.emptyBlocksTo(14)                         // round 1 undecided; seed 2 until 16
	c.mustBlock(c.tx(mBuyer, revealSeed(1, 2))) // 15: reveal deadline 21
	c.emptyBlocksTo(21)
	// price 700: half 350 for the provider (fee 3, royalty 8), the buyer
	// gets 350 + its PO stake 100 + its dispute stake 50, less its fee.
	o := c.order(1)
	if o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED || o.Dispute.Verdict != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT {
		t.Fatalf("order %v", o)
	}
	if got, want := c.balance(mBuyer)-b0, uint64(500)-c.p.MinFee; got != want {
		t.Fatalf("buyer +%d, want %d", got, want)
	}
	if c.balance(mProv2)-p0 != 339+70 || c.balance(mAuthor)-a0 != 8 || c.escrow() != 0 {
		t.Fatalf("provider +%d, author +%d, escrow %d", c.balance(mProv2)-p0, c.balance(mAuthor)-a0, c.escrow())
	}
}

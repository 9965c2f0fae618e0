package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
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

func openDispute(id uint64, outcome ledgerpb.DisputeOutcome, stake uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: &ledgerpb.MsgOpenDispute{OrderId: id,
		Claim: ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT, Outcome: outcome, Stake: stake}}}
}

func verifierSalt(k key) []byte { return hash32("salt of " + k.name) }

func verifierCommit(id uint64, k key, root []byte) *ledgerpb.Msg {
	c := market.VerifierCommitment(id, root, verifierSalt(k))
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: c[:]}}}
}

func verifierReveal(id uint64, k key, root []byte) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: id, OutputRoot: root, Salt: verifierSalt(k)}}}
}

func releaseLitigation(id, toBuyer, toProvider uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReleaseLitigation{ReleaseLitigation: &ledgerpb.MsgReleaseLitigation{OrderId: id,
		ToBuyerAmount: toBuyer, ToProviderAmount: toProvider}}}
}

// disputeDelivered returns a chain at height 8: marketChain with alice as
// governance authority; dVer[i] run dVNode[i] and are verifiers with a
// stake of 1,000 (height 3), and so is mProv2's node; order 1 (created at
// 4 by mBuyer, max price 1000, PO stake 100, windows of 3) is awarded at
// 7 to mProv2 at 700 (stake 70) and delivered at 8 with deliveredRoot
// (confirm deadline 11).
func disputeDelivered(t testing.TB) *chain {
	t.Helper()
	c := marketChainWith(t, func(p *ledgerpb.Params) { p.GovernanceAuthority = alice.addr.String() })
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
// asking for outcome, with a stake of 50 (commit deadline 12, reveal
// deadline 15).
func disputedWith(t testing.TB, outcome ledgerpb.DisputeOutcome) *chain {
	t.Helper()
	c := disputeDelivered(t)
	c.mustBlock(c.tx(mBuyer, openDispute(1, outcome, 50)))
	return c
}

func disputed(t testing.TB) *chain {
	return disputedWith(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
}

// committed: disputed, and every drawn verifier commits to trueRoot at
// height 10.
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

// decide runs the dispute of order 1 to its decision at height 15: the
// verifiers drawn commit at 10 and reveal at 12 the roots of roots (in
// draw order; nil: silent). It returns the decision block's result.
func (c *chain) decide(roots ...[]byte) BlockResult {
	c.t.Helper()
	drawn := c.drawn(1)
	var commits, reveals [][]byte
	for i, v := range drawn {
		if i < len(roots) && roots[i] != nil {
			commits = append(commits, c.tx(v, verifierCommit(1, v, roots[i])))
		}
	}
	c.mustBlock(commits...) // 10
	c.emptyBlocksTo(11)
	for i, v := range drawn {
		if i < len(roots) && roots[i] != nil {
			reveals = append(reveals, c.tx(v, verifierReveal(1, v, roots[i])))
		}
	}
	c.mustBlock(reveals...) // 12
	c.emptyBlocksTo(14)
	return c.mustBlock() // 15: the decision
}

func TestDisputeOpenAndDraw(t *testing.T) {
	c := disputeDelivered(t)
	escrow0 := c.escrow()
	res := c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
	e := findEvent(t, res.TxResults[0].Events, "dispute_opened")
	if attr(e, "order_id") != "1" || attr(e, "commit_deadline") != "12" || attr(e, "reveal_deadline") != "15" {
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
	c.query(PathDispute, mustMarshal(&ledgerpb.OrderRequest{OrderId: 1}), &d)
	if d.RevealDeadline != 15 || len(d.Verifiers) != 3 {
		t.Fatalf("dispute query %v", &d)
	}
	if _, err := c.app.Query(c.st, PathDispute, mustMarshal(&ledgerpb.OrderRequest{OrderId: 9})); err == nil {
		t.Error("dispute of no order: no error")
	}
	var r ledgerpb.VerifierResponse
	c.query(PathVerifier, mustMarshal(&ledgerpb.VerifierRequest{NodeKey: o.Dispute.Verifiers[0].NodeKey}), &r)
	if r.Verifier.Stake != 1_000 || r.Verifier.OpenDisputes != 1 {
		t.Fatalf("verifier query %v", &r)
	}
}

// TestDisputeDrawIsPure: the draw is a function of the state and the
// block hash only, and equals a naive reference: rank the candidates by
// sha256(block hash ‖ order id ‖ node key), take the first k.
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
	a.mustBlock(a.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
	b.mustBlock(b.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50)))
	if a.digest() != b.digest() {
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
			c.query(PathCredit, mBuyer.addr.Bytes(), &r)
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
			checkMarketRejection(t, c, c.tx(mBuyer, releaseLitigation(1, 800, 0)), market.ErrNotAuthority.Number, "not the governance authority", true)
			checkMarketRejection(t, c, c.tx(alice, releaseLitigation(1, 500, 200)), market.ErrReleaseAmount.Number, "frozen 800", true)
			b0, p0 := c.balance(mBuyer), c.balance(mProv2)
			res := c.mustBlock(c.tx(alice, releaseLitigation(1, 500, 300)))
			findEvent(t, res.TxResults[0].Events, "litigation_released")
			if c.balance(mBuyer)-b0 != 500 || c.balance(mProv2)-p0 != 300 || c.escrow() != 0 {
				t.Fatalf("buyer +%d, provider +%d, escrow %d", c.balance(mBuyer)-b0, c.balance(mProv2)-p0, c.escrow())
			}
			checkMarketRejection(t, c, c.tx(alice, releaseLitigation(1, 0, 0)), market.ErrWrongState.Number, "no funds frozen", true)
		}},
		{"redo", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, ledgerpb.OrderState_ORDER_STATE_AWARDED, 0, func(t *testing.T, c *chain) {
			o := c.order(1)
			if o.Contract.DeliveryDeadline != 18 || o.Contract.BidStake != 0 || o.Delivery != nil || c.escrow() != 800 {
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
			if o.BidDeadline != 18 || o.MaxPrice != 700 || o.Contract != nil || c.escrow() != 800 {
				t.Fatalf("order %v, escrow %d", o, c.escrow())
			}
			checkMarketRejection(t, c, c.tx(mProv2, bidMsg(1, mNode2, 600, 60)), market.ErrProviderExcluded.Number, "may not bid again", true)
			c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 650, 65)))
			c.emptyBlocksTo(18)
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

// TestDisputeUndecided: nobody reveals; everything returns to whom it
// belongs and every drawn verifier loses its stake.
func TestDisputeUndecided(t *testing.T) {
	c := disputed(t)
	c.emptyBlocksTo(9)
	buyer0, prov0 := c.balance(mBuyer), c.balance(mProv2)
	res := c.decide()
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "undecided" {
		t.Fatalf("event %v", e)
	}
	if c.balance(mBuyer)-buyer0 != 850 || c.balance(mProv2)-prov0 != 70 || c.escrow() != 0 {
		t.Fatalf("buyer +%d, provider +%d, escrow %d", c.balance(mBuyer)-buyer0, c.balance(mProv2)-prov0, c.escrow())
	}
	if c.app.bank.ModuleBalance(c.st, market.VerifierAccount) != 2_000 { // mProv2's and the one not drawn
		t.Fatalf("verifiers hold %d", c.app.bank.ModuleBalance(c.st, market.VerifierAccount))
	}
}

// TestDisputeSplitVote: no root has a strict majority of the reveals.
func TestDisputeSplitVote(t *testing.T) {
	c := disputed(t)
	res := c.decide(trueRoot, deliveredRoot, hash32("third"))
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "undecided" {
		t.Fatalf("event %v", e)
	}
}

func TestDisputeWindowEdges(t *testing.T) {
	refund := ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
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
		{"commit one block before the commit deadline", disputed, 10, firstDrawn, commitFirst, 0, "", false},
		{"commit at the commit deadline", disputed, 11, firstDrawn, commitFirst, market.ErrWindowClosed.Number, "commit window ended", true},
		{"commit after the commit deadline", disputed, 12, firstDrawn, commitFirst, market.ErrWindowClosed.Number, "commit window ended", true},
		{"reveal one block before the commit deadline", committed, 10, firstDrawn, revealFirst, market.ErrWindowClosed.Number, "reveals are accepted from height 12", true},
		{"reveal at the commit deadline", committed, 11, firstDrawn, revealFirst, 0, "", false},
		{"reveal one block before the reveal deadline", committed, 13, firstDrawn, revealFirst, 0, "", false},
		{"reveal at the reveal deadline", committed, 14, firstDrawn, revealFirst, market.ErrWrongState.Number, "is resolved", true},
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
			c.emptyBlocksTo(11)
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
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode1, 999) }, market.ErrStakeTooLow.Number, "min_verifier_stake", false},
		{"a verifier with another operator's node", marketChain, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode2, 1_000) }, market.ErrNodeUnusable.Number, "not an active node", true},
		{"a verifier node without wasm", marketChain, func(*chain) key { return mProv3 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode3, 1_000) }, market.ErrArchitecture.Number, "wasm32-wasip1", true},
		{"a second registration", disputeDelivered, func(*chain) key { return mProv2 },
			func(*chain) *ledgerpb.Msg { return registerVerifier(mNode2, 1_000) }, market.ErrVerifierExists.Number, "already", true},
		{"unregister another's verifier", disputeDelivered, func(*chain) key { return mProv1 },
			func(*chain) *ledgerpb.Msg { return unregisterVerifier(mNode2) }, market.ErrNoVerifier.Number, "not a verifier of", true},
		{"a governance release by a non-authority", disputed, buyerKey,
			func(*chain) *ledgerpb.Msg { return releaseLitigation(1, 850, 0) }, market.ErrNotAuthority.Number, "not the governance authority", true},
		{"a release of an order not under litigation", disputed, func(*chain) key { return alice },
			func(*chain) *ledgerpb.Msg { return releaseLitigation(1, 850, 0) }, market.ErrWrongState.Number, "no funds frozen", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			checkMarketRejection(t, c, c.tx(tc.signer(c), tc.msg(c)), tc.code, tc.log, tc.charged)
		})
	}
}

// TestDisputeNoCandidates: with no verifier registered, nobody is drawn
// and the dispute ends undecided: a refund.
func TestDisputeNoCandidates(t *testing.T) {
	c := delivered(t) // height 6, confirm deadline 9; no verifiers
	res := c.mustBlock(c.tx(mBuyer, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, 50)))
	if e := findEvent(t, res.TxResults[0].Events, "dispute_opened"); attr(e, "verifiers") != "" {
		t.Fatalf("event %v", e)
	}
	b0 := c.balance(mBuyer)
	c.emptyBlocksTo(13)
	if o := c.order(1); o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED || c.balance(mBuyer)-b0 != 850 {
		t.Fatalf("order %v, buyer +%d", o, c.balance(mBuyer)-b0)
	}
}

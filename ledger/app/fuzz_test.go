package app

import (
	"crypto/ed25519"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/schema"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// fuzzCheck runs raw through CheckTx and FinalizeBlock on copies of base
// and checks what must hold for any input: no panic; a refused tx carries
// a registered code and a log and leaves the state unchanged; FinalizeBlock
// refuses what CheckTx refuses, with the same code; the invariants hold.
func fuzzCheck(t *testing.T, c *chain, raw []byte) {
	mempool := clone(c.st)
	before := store.Digest(mempool)
	r := c.app.CheckTx(mempool, testChainID, raw)
	if r.Code != 0 {
		if !slices.Contains(schema.Codes(), codes.Code{Codespace: r.Codespace, Number: r.Code, Name: nameOf(r)}) || r.Log == "" {
			t.Fatalf("CheckTx: unregistered code or empty log: %+v", r)
		}
		if store.Digest(mempool) != before {
			t.Fatalf("CheckTx refused (%s) but changed the state", r.Log)
		}
	}
	st := clone(c.st)
	res := c.app.FinalizeBlock(st, Header{ChainID: testChainID, Height: c.height + 1}, [][]byte{raw}, nil)
	d := res.TxResults[0]
	if r.Code != 0 {
		if d.Code != r.Code || d.Codespace != r.Codespace || store.Digest(st) != before {
			t.Fatalf("CheckTx refused with %s/%d, FinalizeBlock gave %s/%d (state changed: %v)",
				r.Codespace, r.Code, d.Codespace, d.Code, store.Digest(st) != before)
		}
	}
	if err := CheckInvariants(st); err != nil {
		t.Fatal(err)
	}
}

func nameOf(r TxResult) string {
	for _, c := range schema.Codes() {
		if c.Codespace == r.Codespace && c.Number == r.Code {
			return c.Name
		}
	}
	return ""
}

// FuzzTx feeds arbitrary bytes to CheckTx and FinalizeBlock.
func FuzzTx(f *testing.F) {
	c := newTestChain(f)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x00})
	f.Add(c.tx(alice, send(bob, 5)))
	f.Add(c.tx(alice, send(bob, 5), send(carol, 7)))
	f.Add(c.tx(val1, createValidator(cons1, 2_000, "v1")))
	f.Add(c.tx(val0, unbond(1_000)))
	f.Add(c.tx(val0, bond(val0, 1_000)))
	f.Add(c.tx(alice, setProfile("a", ledgerpb.Role_ROLE_VENDOR), announce(node0)))
	f.Add(c.tx(alice, register(alice, envelope(alice, "f", "f", "1.0.0", nil)), setOffering(node0, pkgID("f"), 500, 5)))
	f.Add(c.tx(alice, createOrderWith(orderMsg()), cancelOrder(1)))
	f.Add(c.tx(bob, bidMsg(1, node0, 800, 80), withdrawBid(1)))
	f.Add(c.tx(bob, deliverMsg(1, 4), revealMsg(1, 4, providerSalt)))
	f.Add(c.tx(alice, closeMsg(1, completionCode, 5), buyOffering(bob, 100)))
	f.Add(c.tx(bob, registerVerifier(node0, 1_000), unregisterVerifier(node0)))
	f.Add(c.tx(alice, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, 50), releaseLitigation(1, 5, 5)))
	f.Add(c.tx(bob, verifierCommit(1, bob, trueRoot), verifierReveal(1, bob, trueRoot)))
	f.Add(c.tx(alice, stakeMiner(2_000), unstakeMiner(1_000)))
	f.Add(c.tx(alice, submitRoot(0, fakeClaim, 1)))
	f.Add(c.tx(bob, bidWithProof(1, node0, 800, 80, fuzzProof())))
	f.Add(c.tx(bob, domainCommit(1, bob, buyerWon, fuzzProof()), domainReveal(1, bob, buyerWon, fuzzProof())))
	f.Add(c.tx(alice, revealSeed(1, 1), inputReceipt(1), reportMissingInputs(1)))
	f.Add(c.tx(alice, fuzzChallengeMsgs()...))
	f.Add(c.tx(alice, enterRecovery(), recoverySetRoot(0, fakeClaim), approveExit(0), setRecoveryAddresses(alice, bob)))
	f.Add(c.tx(alice, submitProposal(1_000, paramChange("max_bid_window", "7"), treasurySpend(bob, 5), propRelease(1, 5, 5)), depositMsg(1, 10)))
	f.Add(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_VETO), cancelProposal(1)))
	f.Fuzz(func(t *testing.T, raw []byte) { fuzzCheck(t, c, raw) })
}

// FuzzSignedBody signs arbitrary body bytes with a funded key, so that
// inputs get past the signature and reach the message handlers.
func FuzzSignedBody(f *testing.F) {
	c := newTestChain(f)
	for _, b := range []*ledgerpb.TxBody{
		c.body(alice, send(bob, 5)),
		c.body(alice, send(bob, 5), unbond(3)),
		c.body(alice, createValidator(cons1, 2_000, "v1")),
		c.body(val0, unbond(1_000)),
		c.body(val0, bond(val0, 1_000), unbond(500)),
		c.body(alice, setProfile("a", ledgerpb.Role_ROLE_VENDOR), announce(node0), removeNode(node0.pub())),
		c.body(alice, register(alice, envelope(alice, "f", "f", "1.0.0", nil)), setOffering(node0, pkgID("f"), 500, 5), removeOffering(pkgID("f"))),
		c.body(alice, register(alice, envelope(alice, "f", "f", "1.0.0", nil)), createOrderWith(orderMsg()), cancelOrder(1)),
		c.body(alice, announce(node0), bidMsg(1, node0, 800, 80), withdrawBid(1), deliverMsg(1, 4)),
		c.body(alice, closeMsg(1, completionCode, 5), revealMsg(1, 4, buyerSalt), buyOffering(bob, 100)),
		c.body(alice, announce(node0), registerVerifier(node0, 1_000), unregisterVerifier(node0)),
		c.body(alice, openDispute(1, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50), verifierCommit(1, alice, trueRoot),
			verifierReveal(1, alice, trueRoot), releaseLitigation(1, 5, 5)),
		c.body(alice, stakeMiner(2_000), unstakeMiner(1_000), submitRoot(0, fakeClaim, 1)),
		c.body(alice, announce(node0), bidWithProof(1, node0, 800, 80, fuzzProof()), registerVerifierWithProof(node0, 1_000, fuzzProof())),
		c.body(alice, domainCommit(1, alice, providerWon, fuzzProof()), domainReveal(1, alice, providerWon, fuzzProof())),
		c.body(alice, revealSeed(1, 1), inputReceipt(1), reportMissingInputs(1)),
		c.body(alice, fuzzChallengeMsgs()...),
		c.body(alice, enterRecovery(), recoverySetRoot(0, fakeClaim), approveExit(0)),
		c.body(val0, setRecoveryAddresses(alice, bob), enterRecovery(), approveExit(0)),
		c.body(alice, submitProposal(1_000, paramChange("min_fee", "11"), propRecoveryAddresses(alice), textProposal()), depositMsg(1, 10),
			voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES), cancelProposal(1)),
	} {
		raw, err := proto.Marshal(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzCheck(t, c, signRaw(t, alice, body))
		fuzzCheck(t, c, signRaw(t, val0, body))
	})
}

// FuzzRegisterPackageEnvelope signs arbitrary envelope bytes with the
// author's key, so that inputs reach the envelope's decoding and rules.
func FuzzRegisterPackageEnvelope(f *testing.F) {
	c := newTestChain(f)
	f.Add(registerMsg(alice, envelope(alice, "f", "f", "1.0.0", nil)).Envelope)
	f.Add(registerMsg(alice, envelope(alice, "g", "g", "1.0.0", pkgID("f"))).Envelope)
	f.Fuzz(func(t *testing.T, env []byte) {
		m := registerMsg(alice, envelope(alice, "f", "f", "1.0.0", nil))
		m.Envelope, m.AuthorSignature = env, ed25519.Sign(alice.priv, env)
		fuzzCheck(t, c, signBody(t, alice, c.body(alice, registerWith(m))))
	})
}

func fuzzProof() *ledgerpb.ReputationProof {
	return &ledgerpb.ReputationProof{Colony: make([]byte, 20), Skill: 6, User: alice.addr.Bytes(), Value: make([]byte, 64),
		BranchMask: make([]byte, 32), Siblings: [][]byte{make([]byte, 32)}}
}

func registerVerifierWithProof(node key, stake uint64, p *ledgerpb.ReputationProof) *ledgerpb.Msg {
	m := registerVerifier(node, stake)
	m.GetRegisterVerifier().ReputationProof = p
	return m
}

// FuzzReputationProof decodes arbitrary bytes as a ReputationProof and
// signs it into a bid and a verifier registration on a chain with an
// accepted reputation root, so that inputs reach the proof's rules and
// its verification.
func FuzzReputationProof(f *testing.F) {
	c, state := acceptedChain(f)
	skill, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	good, _ := proofOf(f, state, mProv2, skill)
	f.Add(mustMarshal(good))
	f.Add(mustMarshal(fuzzProof()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := &ledgerpb.ReputationProof{}
		if proto.Unmarshal(raw, p) != nil {
			return
		}
		fuzzCheck(t, c, signBody(t, mProv2, c.body(mProv2, bidWithProof(1, mNode2, 700, 70, p))))
		fuzzCheck(t, c, signBody(t, mProv2, c.body(mProv2, registerVerifierWithProof(mNode2, 1_000, p))))
	})
}

// FuzzSubmitRootHash submits arbitrary claims in an open mining window.
func FuzzSubmitRootHash(f *testing.F) {
	c := miningChain(f, 4)
	c.emptyBlocksTo(20)
	f.Add(uint64(0), fakeClaim.root, uint64(3), fakeClaim.jrh, uint64(1))
	f.Add(uint64(1), []byte{}, uint64(0), []byte{1}, uint64(0))
	f.Fuzz(func(t *testing.T, cycle uint64, root []byte, nLeaves uint64, jrh []byte, entry uint64) {
		fuzzCheck(t, c, signBody(t, miner1, c.body(miner1, submitRoot(cycle, claim{root: root, nLeaves: nLeaves, jrh: jrh}, entry))))
	})
}

// fuzzChallengeMsgs returns one of each challenge message, well formed
// but for no challenge.
func fuzzChallengeMsgs() []*ledgerpb.Msg {
	proof := &ledgerpb.PatriciaProof{BranchMask: make([]byte, 32)}
	w := &ledgerpb.ReputationWitness{Key: make([]byte, 72), Value: make([]byte, 64), Proof: proof}
	return []*ledgerpb.Msg{
		{Sum: &ledgerpb.Msg_ConfirmJustification{ConfirmJustification: &ledgerpb.MsgConfirmJustification{First: proof, Last: proof}}},
		{Sum: &ledgerpb.Msg_ProveLeafCount{ProveLeafCount: &ledgerpb.MsgProveLeafCount{Leaf: w}}},
		{Sum: &ledgerpb.Msg_ChallengeSearch{ChallengeSearch: &ledgerpb.MsgChallengeSearch{Child0: make([]byte, 32), Child1: make([]byte, 32)}}},
		{Sum: &ledgerpb.Msg_RespondToChallenge{RespondToChallenge: &ledgerpb.MsgRespondToChallenge{Before: make([]byte, 64),
			BeforeProof: proof, AfterProof: proof, Subject: w, Origin: w, Child: w}}},
	}
}

// FuzzChallengeAnswers decodes arbitrary bytes as each challenge message
// and sends it, signed, on a chain whose challenge waits for the response
// of a disputed update (honest against forged), so that inputs reach the
// proofs' decoding and the single-update verification. Seeds: the real
// answers of every step.
func FuzzChallengeAnswers(f *testing.F) {
	c := challengeChainWith(f, 2, withNegative, nil)
	honest := c.defense(0, -1)
	forged := c.defense(0, int64(honest.Result.Justification.Len()/2))
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(honest), c.eligibleEntry(miner1, honest.Result.Root[:], 50, true))),
		c.tx(miner2, submitRoot(0, claimOfDefense(forged), c.eligibleEntry(miner2, forged.Result.Root[:], 50, true))))
	defenders := map[uint32]defender{0: {k: miner1, d: honest}, 1: {k: miner2, d: forged, forged: true}}
	for _, step := range []ledgerpb.ChallengeStep{ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH,
		ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND} {
		ch := c.runUntil(defenders, step)
		m, err := honest.Answer(ch, 0, c.app.skills.Claim(c.st, 0, 1))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(mustMarshal(m))
	}
	for _, m := range fuzzChallengeMsgs() {
		f.Add(mustMarshal(m))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := &ledgerpb.Msg{}
		if proto.Unmarshal(raw, m) != nil {
			return
		}
		switch m.Sum.(type) {
		case *ledgerpb.Msg_ConfirmJustification, *ledgerpb.Msg_ProveLeafCount, *ledgerpb.Msg_ChallengeSearch, *ledgerpb.Msg_RespondToChallenge:
		default:
			return
		}
		fuzzCheck(t, c, signBody(t, miner3, c.body(miner3, m)))
	})
}

package app

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Keys of the domain vote tests: five voters, each with a lab node.
var (
	dvVoters = []key{newKey("domain voter 1"), newKey("domain voter 2"), newKey("domain voter 3"), newKey("domain voter 4"), newKey("domain voter 5")}
	dvNodes  = []key{newKey("domain voter node 1"), newKey("domain voter node 2"), newKey("domain voter node 3"), newKey("domain voter node 4"), newKey("domain voter node 5")}
	// dvPrices and dvStars: each voter delivers one order of the lab
	// package at this price and is rated so by the buyer; 5 stars earn
	// payment × 5 / 3 in the skill "protocol", the payment being the price
	// less the fee (1%) and the royalty (2.5%): 1448, 483, 483, 965; 2
	// stars leave the last voter a leaf of 0.
	dvPrices  = []uint64{900, 300, 300, 600, 300}
	dvStars   = []uint8{5, 5, 5, 5, 2}
	dvWeights = []int64{1448, 483, 483, 965, 0}
)

const (
	providerWon = ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON
	buyerWon    = ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON
	// dvOrder is the disputed order of the domain vote tests.
	dvOrder = uint64(6)
	// dvStake is the stake of a domain vote: min_domain_vote_stake.
	dvStake = 10
)

// labEnvelope is the protocol package pkgID("lab") of mAuthor, in the
// skill "protocol".
func labEnvelope() *specpb.Envelope {
	env := envelope(mAuthor, "lab", "pcr", "1.0.0", nil)
	env.Kind, env.Skill = specpb.Kind_KIND_PROTOCOL, reputation.SkillProtocol
	return env
}

func labOrderMsg() *ledgerpb.MsgCreateOrder {
	m := orderMsg()
	m.PackageId = pkgID("lab")
	return m
}

// labBotSpec is the BotSpec id every lab node of the tests announces.
var labBotSpec = bytes.Repeat([]byte{7}, 32)

func labAnnounce(node key) *ledgerpb.Msg {
	m := announceMsg(node)
	m.Architectures, m.BotspecHashes = nil, [][]byte{labBotSpec}
	return announceWith(m)
}

// labBidMsg is bidMsg naming labBotSpec, as a bid on an order of a
// protocol package must.
func labBidMsg(id uint64, node key, price, stake uint64) *ledgerpb.Msg {
	m := bidMsg(id, node, price, stake)
	m.GetBid().BotspecId = labBotSpec
	return m
}

func domainSalt(k key) []byte { return hash32("domain salt of " + k.name) }

func domainCommitMsg(id uint64, commitment []byte, p *ledgerpb.ReputationProof) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_DomainVoteCommit{DomainVoteCommit: &ledgerpb.MsgDomainVoteCommit{OrderId: id,
		Commitment: commitment, ReputationProof: p, Stake: dvStake}}}
}

func domainCommit(id uint64, k key, vote ledgerpb.DomainVoteChoice, p *ledgerpb.ReputationProof) *ledgerpb.Msg {
	c := market.DomainVoteCommitment(id, k.addr, vote, domainSalt(k))
	return domainCommitMsg(id, c[:], p)
}

func domainReveal(id uint64, k key, vote ledgerpb.DomainVoteChoice, p *ledgerpb.ReputationProof) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_DomainVoteReveal{DomainVoteReveal: &ledgerpb.MsgDomainVoteReveal{OrderId: id,
		Vote: vote, Salt: domainSalt(k), ReputationProof: p}}}
}

// domainChain is a chain with an accepted reputation root in which the
// voters hold reputation in the skill "protocol".
type domainChain struct {
	*chain
	state *colonyrep.State
	skill uint64 // the id of "protocol"
}

// proof returns k's proof of its reputation in "protocol" against the
// accepted root.
func (c *domainChain) proof(k key) *ledgerpb.ReputationProof {
	p, _ := proofOf(c.t, c.state, k, c.skill)
	return p
}

// domainDelivered returns a chain at height 27: miningChain (cycles of
// 20 blocks, a mining window of 1); mAuthor registers the protocol
// package pkgID("lab") at 4; the voters, funded at 4, announce lab nodes
// at 5; orders 1 … 5 of mBuyer (at 5) are awarded to voters 1 … 5 at
// dvPrices (8), delivered (9), closed (10) with dvStars and rated (11),
// final at 15; cycle 0 freezes at 20 and its replay is accepted at 22.
// Order 6 (lab, at 23) is awarded to mProv3's lab node at 700 (stake
// 70) at 26 and delivered at 27 (confirm deadline 30).
func domainDelivered(t testing.TB) *domainChain { return domainDeliveredWith(t, false) }

// domainDeliveredWith is domainDelivered; with verifiers, dVer are funded
// at 23 and run dVNode as verifiers with a stake of 1,000 from 24, so a
// dispute of order 6 draws three of them.
func domainDeliveredWith(t testing.TB, verifiers bool) *domainChain {
	t.Helper()
	c := miningChain(t, 1)
	var funds []*ledgerpb.Msg
	for _, v := range dvVoters[:4] {
		funds = append(funds, send(v, 20_000))
	}
	c.mustBlock(c.tx(alice, funds...), c.tx(bob, send(dvVoters[4], 20_000)), c.tx(mAuthor, register(mAuthor, labEnvelope()))) // 4
	txs := c.txs(mBuyer, createOrderWith(labOrderMsg()), createOrderWith(labOrderMsg()), createOrderWith(labOrderMsg()),
		createOrderWith(labOrderMsg()), createOrderWith(labOrderMsg()))
	for i, v := range dvVoters {
		txs = append(txs, c.tx(v, labAnnounce(dvNodes[i])))
	}
	c.mustBlock(txs...) // 5
	txs = nil
	for i, v := range dvVoters {
		txs = append(txs, c.tx(v, labBidMsg(uint64(i+1), dvNodes[i], dvPrices[i], max(50, dvPrices[i]/10))))
	}
	c.mustBlock(txs...) // 6
	c.emptyBlocksTo(8)  // awarded
	txs = nil
	for i, v := range dvVoters {
		txs = append(txs, c.tx(v, deliverMsg(uint64(i+1), 4)))
	}
	c.mustBlock(txs...) // 9
	var closes, reveals []*ledgerpb.Msg
	for i := range dvVoters {
		closes = append(closes, closeMsg(uint64(i+1), completionCode, dvStars[i]))
		reveals = append(reveals, revealMsg(uint64(i+1), uint32(dvStars[i]), buyerSalt))
	}
	c.mustBlock(c.txs(mBuyer, closes...)...) // 10
	txs = c.txs(mBuyer, reveals...)
	for i, v := range dvVoters {
		txs = append(txs, c.tx(v, revealMsg(uint64(i+1), 4, providerSalt)))
	}
	c.mustBlock(txs...) // 11
	c.emptyBlocksTo(20)
	res := c.replay(0)
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOf(res), 1))) // 21
	c.mustBlock()                                             // 22: accepted
	if c.app.skills.AcceptedRoot(c.st) == nil {
		t.Fatal("no accepted root")
	}
	skill, ok := c.app.skills.SkillID(c.st, reputation.SkillProtocol)
	if !ok {
		t.Fatal("no skill protocol")
	}
	d := &domainChain{chain: c, state: res.State, skill: skill}
	for i, v := range dvVoters {
		if _, rep := proofOf(t, res.State, v, skill); rep.Cmp(big.NewInt(dvWeights[i])) != 0 {
			t.Fatalf("%s: reputation %v, want %d", v.name, rep, dvWeights[i])
		}
	}
	txs = [][]byte{c.tx(mBuyer, createOrderWith(labOrderMsg()))}
	if verifiers {
		txs = append(txs, c.tx(alice, send(dVer[0], 20_000), send(dVer[1], 20_000), send(dVer[2], 20_000), send(dVer[3], 20_000)))
	}
	c.mustBlock(txs...) // 23
	txs = [][]byte{c.tx(mProv3, labBidMsg(dvOrder, mNode3, 700, 70))}
	if verifiers {
		for i, v := range dVer {
			txs = append(txs, c.tx(v, announce(dVNode[i]), registerVerifier(dVNode[i], 1_000)))
		}
	}
	c.mustBlock(txs...) // 24
	c.emptyBlocksTo(26)
	c.mustBlock(c.tx(mProv3, deliverMsg(dvOrder, 4))) // 27
	if o := c.order(dvOrder); o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED || o.Delivery.ConfirmDeadline != 30 {
		t.Fatalf("order %v", o)
	}
	return d
}

// dvVoteOpened is the height at which the domain vote of order 6 opens
// (domainDisputedWith): its commit deadline is dvVoteOpened + 3, its
// reveal deadline dvVoteOpened + 6.
const dvVoteOpened = 35

// dvCycle is the reputation cycle whose log takes the entries of a
// domain vote decided at dvVoteOpened + 6 (cycles of 20 blocks: cycle 1
// froze at 40).
const dvCycle = 2

// domainDisputedWith: domainDelivered, then the buyer disputes order 6
// at height 28 asking for outcome, with a stake of 50, and reveals its
// seed at 29, which draws no verifier (none is registered: commit
// deadline 32, reveal deadline 35); the round ends at 35 without a
// verdict, so the domain vote opens (commit deadline 38, reveal
// deadline 41).
func domainDisputedWith(t testing.TB, outcome ledgerpb.DisputeOutcome) *domainChain {
	t.Helper()
	c := domainDelivered(t)
	c.mustBlock(c.tx(mBuyer, openDispute(dvOrder, outcome, 50))) // 28
	c.mustBlock(c.tx(mBuyer, revealSeed(dvOrder, 1)))            // 29
	c.emptyBlocksTo(dvVoteOpened)
	if d := c.order(dvOrder).Dispute; d.DomainVoteHeight != dvVoteOpened || d.CommitDeadline != 38 || d.RevealDeadline != 41 {
		t.Fatalf("dispute %v", d)
	}
	return c
}

func domainDisputed(t testing.TB) *domainChain {
	return domainDisputedWith(t, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
}

// domainCommitted: domainDisputed, and voter 1 commits to provider_won
// at height 36.
func domainCommitted(t testing.TB) *domainChain {
	c := domainDisputed(t)
	c.mustBlock(c.tx(dvVoters[0], domainCommit(dvOrder, dvVoters[0], providerWon, c.proof(dvVoters[0]))))
	return c
}

// ballot is one voter's part in a domain vote: its vote, and whether it
// reveals it.
type ballot struct {
	voter  int // index in dvVoters
	vote   ledgerpb.DomainVoteChoice
	silent bool
}

// decide runs the domain vote of order 6 to its decision at height 41:
// the voters of ballots commit at 36 and reveal at 38 (but the silent
// ones). It returns the decision block's result.
func (c *domainChain) decide(bs ...ballot) BlockResult {
	c.t.Helper()
	var commits, reveals [][]byte
	for _, b := range bs {
		v := dvVoters[b.voter]
		commits = append(commits, c.tx(v, domainCommit(dvOrder, v, b.vote, c.proof(v))))
	}
	c.mustBlock(commits...) // 36
	c.emptyBlocksTo(37)
	for _, b := range bs {
		if !b.silent {
			v := dvVoters[b.voter]
			reveals = append(reveals, c.tx(v, domainReveal(dvOrder, v, b.vote, c.proof(v))))
		}
	}
	c.mustBlock(reveals...) // 38
	c.emptyBlocksTo(40)
	return c.mustBlock() // 41: the decision
}

func TestDomainVoteCommitment(t *testing.T) {
	salt := hash32("salt")
	v := dvVoters[0]
	got := market.DomainVoteCommitment(7, v.addr, buyerWon, salt)
	want := sha256.Sum256(slices.Concat([]byte{0, 0, 0, 0, 0, 0, 0, 7}, v.addr[:], []byte{2}, salt))
	if got != want {
		t.Fatalf("commitment %x, want sha256(id ‖ voter ‖ vote ‖ salt) %x", got, want)
	}
	if a, b, c := market.DomainVoteCommitment(7, v.addr, providerWon, salt), market.DomainVoteCommitment(8, v.addr, buyerWon, salt),
		market.DomainVoteCommitment(7, dvVoters[1].addr, buyerWon, salt); a == got || b == got || c == got {
		t.Fatal("the commitment does not bind the vote, the order and the voter")
	}
}

func TestDomainVerdict(t *testing.T) {
	v := func(vote ledgerpb.DomainVoteChoice, w int64) *ledgerpb.DomainVote {
		return &ledgerpb.DomainVote{Vote: vote, Weight: reputation.EncodeReputation(big.NewInt(w))}
	}
	for _, tc := range []struct {
		name  string
		votes []*ledgerpb.DomainVote
		want  ledgerpb.DisputeVerdict
	}{
		{"no votes", nil, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED},
		{"no reveals", []*ledgerpb.DomainVote{{Commitment: hash32("c")}}, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED},
		{"one heavy voter beats two", []*ledgerpb.DomainVote{v(providerWon, 5), v(buyerWon, 2), v(buyerWon, 2)}, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON},
		{"two beat one", []*ledgerpb.DomainVote{v(providerWon, 3), v(buyerWon, 2), v(buyerWon, 2)}, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON},
		{"tie", []*ledgerpb.DomainVote{v(providerWon, 4), v(buyerWon, 2), v(buyerWon, 2)}, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED},
		{"unrevealed votes count for nobody", []*ledgerpb.DomainVote{{Commitment: hash32("c")}, v(buyerWon, 1)}, ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON},
	} {
		p, b := market.DomainTally(tc.votes)
		if got := market.DomainVerdict(p, b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// Weights beyond 2^256 in total do not overflow.
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	var votes []*ledgerpb.DomainVote
	for range market.MaxDomainVoters {
		votes = append(votes, &ledgerpb.DomainVote{Vote: providerWon, Weight: reputation.EncodeReputation(max)})
	}
	p, b := market.DomainTally(votes)
	if p.BitLen() <= 256 || b.Sign() != 0 || market.DomainVerdict(p, b) != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON {
		t.Fatalf("tally %v %v", p, b)
	}
}

// TestDomainVoteOpen: a dispute of a delivered protocol order starts a
// round of drawn verifiers, as a compute dispute does; when the round
// ends without a verdict (here no verifier could be drawn, so nobody
// revealed), the domain vote opens with the verifier windows from then.
func TestDomainVoteOpen(t *testing.T) {
	c := domainDelivered(t)
	escrow0 := c.escrow()
	res := c.mustBlock(c.tx(mBuyer, openDispute(dvOrder, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, 50))) // 28
	e := findEvent(t, res.TxResults[0].Events, "dispute_opened")
	if attr(e, "kind") != "protocol" || attr(e, "seed_deadline") != "30" || attr(e, "commit_deadline") != "0" || attr(e, "reveal_deadline") != "0" {
		t.Fatalf("event %v", e)
	}
	o := c.order(dvOrder)
	if o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED || c.escrow() != escrow0+50 || len(o.Dispute.Verifiers) != 0 || o.Dispute.Round != 1 ||
		o.Dispute.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL || o.Dispute.DomainSkill != c.skill || o.Dispute.DomainVoteHeight != 0 {
		t.Fatalf("order %v, escrow %d", o, c.escrow())
	}
	res = c.mustBlock(c.tx(mBuyer, revealSeed(dvOrder, 1))) // 29
	if e := findEvent(t, res.TxResults[0].Events, "dispute_drawn"); attr(e, "verifiers") != "" || attr(e, "commit_deadline") != "32" || attr(e, "reveal_deadline") != "35" {
		t.Fatalf("event %v", e)
	}
	// No domain vote is open while the verifiers decide (30).
	v0 := dvVoters[0]
	checkMarketRejection(t, c.chain, c.tx(v0, domainCommit(dvOrder, v0, providerWon, c.proof(v0))), market.ErrWindowClosed.Number, "no domain vote is open", true)
	c.emptyBlocksTo(34)
	res = c.mustBlock() // 35
	if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "undecided" || attr(e, "kind") != "protocol" || attr(e, "state") != "disputed" ||
		attr(e, "majority_verdict") != "" {
		t.Fatalf("event %v", e)
	}
	if e := findEvent(t, res.Events, "domain_vote_opened"); attr(e, "order_id") != "6" || attr(e, "commit_deadline") != "38" || attr(e, "reveal_deadline") != "41" ||
		attr(e, "domain_skill") != fmt.Sprint(c.skill) {
		t.Fatalf("event %v", e)
	}
	if d := c.order(dvOrder).Dispute; d.DomainVoteHeight != 35 || d.Verdict != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNSPECIFIED || c.escrow() != escrow0+50 {
		t.Fatalf("dispute %v", d)
	}
	// A compute dispute records its kind too.
	d := disputed(t)
	if k := d.order(1).Dispute.Kind; k != ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE {
		t.Fatalf("compute dispute kind %v", k)
	}
}

// TestDomainVoteFlow: commits and reveals are recorded with their events
// and returned by the order and dispute queries.
func TestDomainVoteFlow(t *testing.T) {
	c := domainDisputed(t)
	v0, v1 := dvVoters[0], dvVoters[1]
	res := c.mustBlock(c.tx(v0, domainCommit(dvOrder, v0, providerWon, c.proof(v0))), c.tx(v1, domainCommit(dvOrder, v1, buyerWon, c.proof(v1))))
	e := findEvent(t, res.TxResults[0].Events, "domain_vote_commit")
	want := market.DomainVoteCommitment(dvOrder, v0.addr, providerWon, domainSalt(v0))
	if attr(e, "order_id") != "6" || attr(e, "voter") != v0.addr.String() || attr(e, "commitment") != hexOf(want[:]) {
		t.Fatalf("event %v", e)
	}
	var d ledgerpb.Dispute
	c.query(query.Dispute, mustMarshal(&ledgerpb.OrderRequest{OrderId: dvOrder}), &d)
	if len(d.Votes) != 2 || !bytes.Equal(d.Votes[0].Voter, v0.addr[:]) || d.Votes[0].Vote != 0 || d.Votes[0].Weight != nil {
		t.Fatalf("dispute %v", &d)
	}
	c.emptyBlocksTo(37)
	res = c.mustBlock(c.tx(v0, domainReveal(dvOrder, v0, providerWon, c.proof(v0))))
	e = findEvent(t, res.TxResults[0].Events, "domain_vote_reveal")
	if attr(e, "vote") != "provider_won" || attr(e, "weight") != "1448" || attr(e, "voter") != v0.addr.String() {
		t.Fatalf("event %v", e)
	}
	o := c.order(dvOrder)
	if w := reputation.DecodeReputation(o.Dispute.Votes[0].Weight); o.Dispute.Votes[0].Vote != providerWon || w.Int64() != 1448 || len(o.Dispute.Votes[0].Weight) != 32 {
		t.Fatalf("vote %v", o.Dispute.Votes[0])
	}
	// v1 stays silent; the decision counts v0 only, rewards it and
	// slashes v1's stake.
	c.emptyBlocksTo(40)
	res = c.mustBlock()
	e = findEvent(t, res.Events, "dispute_decided")
	if attr(e, "kind") != "protocol" || attr(e, "verdict") != "provider_won" || attr(e, "provider_weight") != "1448" || attr(e, "buyer_weight") != "0" ||
		attr(e, "rewarded") != hexOf(v0.addr[:]) || attr(e, "slashed") != hexOf(v1.addr[:]) || attr(e, "majority_root") != "" {
		t.Fatalf("event %v", e)
	}
	var r ledgerpb.OrderResponse
	c.query(query.Order, mustMarshal(&ledgerpb.OrderRequest{OrderId: dvOrder}), &r)
	if r.Order.Dispute.Verdict != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON || len(r.Order.Dispute.Votes) != 2 {
		t.Fatalf("order %v", r.Order)
	}
}

// TestDomainVoteProviderWins: one heavy voter outweighs two lighter
// ones; the buyer's PO stake and dispute stake go to the provider, less
// the winning voter's reward, and the provider is paid as on close; the
// losing voters lose their vote stakes; the reputation log moves the
// price from the buyer to the provider in the package's skill.
func TestDomainVoteProviderWins(t *testing.T) {
	c := domainDisputed(t)
	prov0, buyer0, author0 := c.balance(mProv3), c.balance(mBuyer), c.balance(mAuthor)
	voters0 := make([]uint64, len(dvVoters))
	for i, v := range dvVoters {
		voters0[i] = c.balance(v)
	}
	n0 := len(c.app.skills.Log(c.st, dvCycle))
	res := c.decide(ballot{0, providerWon, false}, ballot{1, buyerWon, false}, ballot{2, buyerWon, false})
	e := findEvent(t, res.Events, "dispute_decided")
	if attr(e, "verdict") != "provider_won" || attr(e, "state") != "resolved" || attr(e, "provider_weight") != "1448" || attr(e, "buyer_weight") != "966" {
		t.Fatalf("event %v", e)
	}
	// price 700: fee 7, royalty 17; of the forfeit 100 + 50, half (75)
	// to the one winning voter, the rest to the provider.
	if got, want := c.balance(mProv3)-prov0, uint64(700-7-17+70+150-75); got != want {
		t.Fatalf("provider earned %d, want %d", got, want)
	}
	if got := c.balance(dvVoters[0]) - voters0[0]; got != 75-2*c.p.MinFee {
		t.Fatalf("winning voter earned %d", got)
	}
	for i, v := range dvVoters[1:3] {
		if got := voters0[i+1] - c.balance(v); got != dvStake+2*c.p.MinFee {
			t.Fatalf("losing voter %s paid %d besides its fees", v.name, got-2*c.p.MinFee)
		}
	}
	if c.balance(mBuyer) != buyer0 || c.balance(mAuthor)-author0 != 17 || c.escrow() != 0 {
		t.Fatalf("buyer %d→%d, author +%d, escrow %d", buyer0, c.balance(mBuyer), c.balance(mAuthor)-author0, c.escrow())
	}
	log := c.app.skills.Log(c.st, dvCycle)[n0:]
	if len(log) != 2 || log[0].User != mProv3.addr || log[0].Amount.Int64() != 700 || log[1].User != mBuyer.addr ||
		log[1].Amount.Int64() != -700 || log[0].Skill != c.skill || log[1].Skill != c.skill {
		t.Fatalf("log %v", log)
	}
}

// TestDomainVoteBuyerWins: two voters outweigh one; the provider's bid
// stake goes to the buyer, who gets the outcome it named.
func TestDomainVoteBuyerWins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outcome ledgerpb.DisputeOutcome
		state   ledgerpb.OrderState
		toBuyer uint64 // besides its share of the bid stake (35) and the dispute stake (50)
		escrow  uint64
	}{
		{"refund", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 800, 0},
		{"store credit", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 0, 0},
		{"litigation", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION, ledgerpb.OrderState_ORDER_STATE_RESOLVED, 0, 800},
		{"redo", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO, ledgerpb.OrderState_ORDER_STATE_AWARDED, 0, 800},
		{"redo by another provider", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER, ledgerpb.OrderState_ORDER_STATE_OPEN, 0, 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := domainDisputedWith(t, tc.outcome)
			buyer0, prov0 := c.balance(mBuyer), c.balance(mProv3)
			n0 := len(c.app.skills.Log(c.st, dvCycle))
			res := c.decide(ballot{0, buyerWon, false}, ballot{1, providerWon, false}, ballot{2, providerWon, true}, ballot{3, providerWon, true})
			e := findEvent(t, res.Events, "dispute_decided")
			if attr(e, "verdict") != "buyer_won" || attr(e, "buyer_weight") != "1448" || attr(e, "provider_weight") != "483" {
				t.Fatalf("event %v", e)
			}
			if got, want := c.balance(mBuyer)-buyer0, 35+50+tc.toBuyer; got != want {
				t.Fatalf("buyer earned %d, want %d", got, want)
			}
			if c.balance(mProv3) != prov0 || c.escrow() != tc.escrow || c.order(dvOrder).State != tc.state {
				t.Fatalf("provider %d→%d, escrow %d, order %v", prov0, c.balance(mProv3), c.escrow(), c.order(dvOrder))
			}
			if tc.outcome == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT && c.credit(mBuyer) != 800 {
				t.Fatalf("credit %d", c.credit(mBuyer))
			}
			log := c.app.skills.Log(c.st, dvCycle)[n0:]
			if len(log) != 2 || log[0].User != mBuyer.addr || log[0].Amount.Int64() != 700 || log[1].User != mProv3.addr || log[1].Amount.Int64() != -700 {
				t.Fatalf("log %v", log)
			}
		})
	}
}

// TestDomainVoteUndecided: a tie of weights, or no reveal, splits the
// price (a vote is not redrawn): the provider is paid on half of it, the
// buyer gets the other half and its stakes back; revealed voters get
// their stakes back, silent ones lose them; no reputation entries.
func TestDomainVoteUndecided(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ballots []ballot
	}{
		{"no votes", nil},
		{"commits without reveals", []ballot{{0, buyerWon, true}, {1, providerWon, true}}},
		{"a tie of weights", []ballot{{0, buyerWon, false}, {1, providerWon, false}, {3, providerWon, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := domainDisputed(t)
			buyer0, prov0 := c.balance(mBuyer), c.balance(mProv3)
			n0 := len(c.app.skills.Log(c.st, dvCycle))
			var res BlockResult
			if tc.ballots == nil {
				c.emptyBlocksTo(40)
				res = c.mustBlock()
			} else {
				res = c.decide(tc.ballots...)
			}
			if e := findEvent(t, res.Events, "dispute_decided"); attr(e, "verdict") != "split" || attr(e, "kind") != "protocol" {
				t.Fatalf("event %v", e)
			}
			// price 700: the provider is paid on 350 (fee 3, royalty 8)
			// and keeps its bid stake 70; the buyer gets 350 + 100 + 50.
			if c.balance(mBuyer)-buyer0 != 500 || c.balance(mProv3)-prov0 != 339+70 || c.escrow() != 0 {
				t.Fatalf("buyer +%d, provider +%d, escrow %d", c.balance(mBuyer)-buyer0, c.balance(mProv3)-prov0, c.escrow())
			}
			if o := c.order(dvOrder); o.State != ledgerpb.OrderState_ORDER_STATE_RESOLVED || o.Dispute.Verdict != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT {
				t.Fatalf("order %v", o)
			}
			if n := len(c.app.skills.Log(c.st, dvCycle)); n != n0 {
				t.Fatalf("%d reputation entries", n-n0)
			}
		})
	}
}

func TestDomainVoteWindowEdges(t *testing.T) {
	v0 := dvVoters[0]
	commit := func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v0, providerWon, c.proof(v0)) }
	reveal := func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, providerWon, c.proof(v0)) }
	for _, tc := range []struct {
		name  string
		build func(testing.TB) *domainChain
		to    int64 // the message goes into block to+1
		msg   func(c *domainChain) *ledgerpb.Msg
		code  uint32
		log   string
	}{
		{"commit in the block after the opening", domainDisputed, 35, commit, 0, ""},
		{"commit one block before the commit deadline", domainDisputed, 36, commit, 0, ""},
		{"commit at the commit deadline", domainDisputed, 37, commit, market.ErrWindowClosed.Number, "commit window ended at height 38"},
		{"commit after the commit deadline", domainDisputed, 38, commit, market.ErrWindowClosed.Number, "commit window ended"},
		{"reveal one block before the commit deadline", domainCommitted, 36, reveal, market.ErrWindowClosed.Number, "reveals are accepted from height 38 to below 41"},
		{"reveal at the commit deadline", domainCommitted, 37, reveal, 0, ""},
		{"reveal one block before the reveal deadline", domainCommitted, 39, reveal, 0, ""},
		{"reveal at the reveal deadline", domainCommitted, 40, reveal, market.ErrWrongState.Number, "is resolved"},
		{"reveal after the decision", domainCommitted, 42, reveal, market.ErrWrongState.Number, "is resolved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			c.emptyBlocksTo(tc.to)
			raw := c.tx(v0, tc.msg(c))
			if tc.code == 0 {
				c.mustBlock(raw)
				return
			}
			checkMarketRejection(t, c.chain, raw, tc.code, tc.log, true)
		})
	}
}

// fullOfVoters writes MaxDomainVoters made-up commits into the dispute
// of order 6, as if so many accounts had committed with the weight of
// voter 1 (1448, the heaviest), their stakes in escrow.
func fullOfVoters(t testing.TB) *domainChain {
	c := domainDisputed(t)
	o := c.order(dvOrder)
	for i := range market.MaxDomainVoters {
		o.Dispute.Votes = append(o.Dispute.Votes, &ledgerpb.DomainVote{Voter: newKey(fmt.Sprintf("slot %d", i)).addr.Bytes(), Commitment: hash32("c"),
			Stake: dvStake, CommitWeight: reputation.EncodeReputation(big.NewInt(dvWeights[0]))})
	}
	c.st.Set(market.OrderKey(dvOrder), codec.Marshal(o))
	// The slots' stakes, as their commits would have moved them.
	if err := c.app.bank.MoveToModule(c.st, &event.Log{}, alice.addr, market.EscrowAccount, dvStake*market.MaxDomainVoters); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDomainVoteRedTeam: each attack on a domain vote is refused and
// leaves the state as it was but for the attacker's fee.
func TestDomainVoteRedTeam(t *testing.T) {
	v0, v1, v4 := dvVoters[0], dvVoters[1], dvVoters[4]
	tampered := func(c *domainChain, k key, edit func(p *ledgerpb.ReputationProof)) *ledgerpb.ReputationProof {
		p := proto.Clone(c.proof(k)).(*ledgerpb.ReputationProof)
		edit(p)
		return p
	}
	revealing := func(t testing.TB) *domainChain {
		c := domainCommitted(t)
		c.emptyBlocksTo(37)
		return c
	}
	revealed := func(t testing.TB) *domainChain {
		c := revealing(t)
		c.mustBlock(c.tx(v0, domainReveal(dvOrder, v0, providerWon, c.proof(v0))))
		return c
	}
	rep, mkt := reputation.Codespace, market.Codespace
	for _, tc := range []struct {
		name      string
		build     func(testing.TB) *domainChain
		signer    key
		msg       func(c *domainChain) *ledgerpb.Msg
		codespace string
		code      uint32
		log       string
		charged   bool
	}{
		{"the buyer commits", domainDisputed, mBuyer, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, mBuyer, buyerWon, c.proof(v0)) },
			mkt, market.ErrPartyCannotVote.Number, "a party to the dispute", true},
		{"the provider commits", domainDisputed, mProv3, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, mProv3, providerWon, c.proof(v0)) },
			mkt, market.ErrPartyCannotVote.Number, "a party to the dispute", true},
		{"a second commit", domainCommitted, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v0, buyerWon, c.proof(v0)) },
			mkt, market.ErrCannotVote.Number, "committed already", true},
		{"a commit with another voter's proof", domainDisputed, v1, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v1, buyerWon, c.proof(v0)) },
			rep, reputation.ErrInvalidProof.Number, "want skill", true},
		{"a commit with a proof of another skill", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg {
			return domainCommit(dvOrder, v0, buyerWon, tampered(c, v0, func(p *ledgerpb.ReputationProof) { p.Skill = 1 }))
		}, rep, reputation.ErrInvalidProof.Number, "want skill", true},
		{"a commit with a tampered proof", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg {
			return domainCommit(dvOrder, v0, buyerWon, tampered(c, v0, func(p *ledgerpb.ReputationProof) { p.Value[31]++ }))
		}, rep, reputation.ErrInvalidProof.Number, "does not verify", true},
		{"a commit without a proof", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v0, buyerWon, nil) },
			rep, reputation.ErrInvalidProof.Number, "reputation_proof: missing", false},
		{"a commit with a malformed proof", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg {
			return domainCommit(dvOrder, v0, buyerWon, tampered(c, v0, func(p *ledgerpb.ReputationProof) { p.BranchMask = p.BranchMask[:31] }))
		}, rep, reputation.ErrInvalidProof.Number, "branch_mask", false},
		{"a commit proving reputation 0", domainDisputed, v4, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v4, buyerWon, c.proof(v4)) },
			mkt, market.ErrNoDomainReputation.Number, "reputation 0", true},
		{"a short commitment", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommitMsg(dvOrder, []byte{1}, c.proof(v0)) },
			mkt, market.ErrInvalidHash.Number, "commitment", false},
		{"a commit beyond the last voter slot", fullOfVoters, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v0, buyerWon, c.proof(v0)) },
			mkt, market.ErrVotersFull.Number, "does not exceed the lightest", true},
		{"a commit on an order not disputed", domainDelivered, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommit(dvOrder, v0, buyerWon, c.proof(v0)) },
			mkt, market.ErrWrongState.Number, "is delivered", true},
		{"a commit on no order", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg { return domainCommit(99, v0, buyerWon, c.proof(v0)) },
			mkt, market.ErrNoOrder.Number, "99", true},
		{"a verifier commit during the domain vote", domainDisputed, v0, func(c *domainChain) *ledgerpb.Msg { return verifierCommit(dvOrder, v0, trueRoot) },
			mkt, market.ErrWindowClosed.Number, "in its domain vote", true},
		{"a second seed reveal during the domain vote", domainDisputed, mBuyer, func(c *domainChain) *ledgerpb.Msg { return revealSeed(dvOrder, 1) },
			mkt, market.ErrWrongState.Number, "in its domain vote", true},
		{"a reveal that does not match its vote", revealing, v0, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, buyerWon, c.proof(v0)) },
			mkt, market.ErrRootMismatch.Number, "do not match", true},
		{"a reveal with another salt", revealing, v0, func(c *domainChain) *ledgerpb.Msg {
			m := domainReveal(dvOrder, v0, providerWon, c.proof(v0))
			m.GetDomainVoteReveal().Salt = hash32("another salt")
			return m
		}, mkt, market.ErrRootMismatch.Number, "do not match", true},
		{"a reveal without a commit", revealing, v1, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v1, buyerWon, c.proof(v1)) },
			mkt, market.ErrCannotVote.Number, "did not commit", true},
		{"the buyer reveals", revealing, mBuyer, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, mBuyer, buyerWon, c.proof(v0)) },
			mkt, market.ErrCannotVote.Number, "did not commit", true},
		{"a second reveal", revealed, v0, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, providerWon, c.proof(v0)) },
			mkt, market.ErrCannotVote.Number, "revealed already", true},
		{"a reveal with another voter's proof", revealing, v0, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, providerWon, c.proof(v1)) },
			rep, reputation.ErrInvalidProof.Number, "want skill", true},
		{"a reveal with a proof of another skill", revealing, v0, func(c *domainChain) *ledgerpb.Msg {
			return domainReveal(dvOrder, v0, providerWon, tampered(c, v0, func(p *ledgerpb.ReputationProof) { p.Skill = c.skill + 1 }))
		}, rep, reputation.ErrInvalidProof.Number, "want skill", true},
		{"a reveal with a tampered proof", revealing, v0, func(c *domainChain) *ledgerpb.Msg {
			return domainReveal(dvOrder, v0, providerWon, tampered(c, v0, func(p *ledgerpb.ReputationProof) { p.Siblings[0][0] ^= 1 }))
		}, rep, reputation.ErrInvalidProof.Number, "does not verify", true},
		{"a reveal without a vote", revealing, v0, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, 0, c.proof(v0)) },
			mkt, market.ErrInvalidDispute.Number, "vote 0", false},
		{"a reveal of an unknown vote", revealing, v0, func(c *domainChain) *ledgerpb.Msg { return domainReveal(dvOrder, v0, 3, c.proof(v0)) },
			mkt, market.ErrInvalidDispute.Number, "vote 3", false},
		{"a reveal with a short salt", revealing, v0, func(c *domainChain) *ledgerpb.Msg {
			m := domainReveal(dvOrder, v0, providerWon, c.proof(v0))
			m.GetDomainVoteReveal().Salt = []byte{1}
			return m
		}, mkt, market.ErrInvalidHash.Number, "salt", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.build(t)
			checkHookedRejection(t, c.chain, c.tx(tc.signer, tc.msg(c)), tc.codespace, tc.code, tc.log, tc.charged)
		})
	}
}

// TestDomainVoteOnComputeDispute: a compute dispute takes no domain vote.
func TestDomainVoteOnComputeDispute(t *testing.T) {
	c := disputed(t)
	checkMarketRejection(t, c, c.tx(dVer[0], domainCommit(1, dVer[0], buyerWon, fuzzProof())), market.ErrPackageKind.Number, "decided by verifiers", true)
}

// TestDomainVoteReplayIsDeterministic drives a seeded stream of protocol
// orders, disputes and domain votes — valid, mismatched, by parties,
// with wrong or zero proofs, outside their windows — on two apps, one in
// place and one on a branch; the digests and results agree at every
// height, the invariants hold after every block, and no ucell is created
// or destroyed.
func TestDomainVoteReplayIsDeterministic(t *testing.T) {
	blocks := 400
	if testing.Short() {
		blocks = 60
	}
	a, b := domainDelivered(t), domainDelivered(t)
	if a.digest() != b.digest() {
		t.Fatal("the fixtures differ")
	}
	supply := a.app.bank.Supply(a.st)
	rng := rand.New(rand.NewPCG(5, 9))
	orders := func(s ledgerpb.OrderState) []uint64 {
		ids, _ := a.app.market.OrderIDs(a.st, market.StatePrefix(s), 0, 1_000)
		return ids
	}
	pick := func(ids []uint64) uint64 {
		if len(ids) == 0 || rng.IntN(10) == 0 {
			return 1 + rng.Uint64N(12)
		}
		return ids[rng.IntN(len(ids))]
	}
	voteOf := func(id uint64, v key) ledgerpb.DomainVoteChoice {
		if (id+uint64(v.addr[1]))%3 == 0 {
			return buyerWon
		}
		return providerWon
	}
	voterMsg := func(v key) *ledgerpb.Msg {
		id := pick(orders(ledgerpb.OrderState_ORDER_STATE_DISPUTED))
		proof := a.proof(v)
		if rng.IntN(8) == 0 {
			proof = a.proof(dvVoters[rng.IntN(len(dvVoters))])
		}
		vote := voteOf(id, v)
		if o := a.app.market.Order(a.st, id); o != nil && o.Dispute != nil && a.height+1 >= o.Dispute.CommitDeadline {
			if rng.IntN(4) == 0 {
				vote = 3 - vote // does not match
			}
			return domainReveal(id, v, vote, proof)
		}
		return domainCommit(id, v, vote, proof)
	}
	codes := map[string]int{}
	for range blocks {
		var txs [][]byte
		disputedIDs := orders(ledgerpb.OrderState_ORDER_STATE_DISPUTED)
		// The buyer reveals the seed of most disputes (no verifier is
		// registered, so their rounds end undecided and their domain
		// votes open); a few are abandoned.
		for _, id := range disputedIDs {
			if d := a.app.market.Order(a.st, id).Dispute; d.SeedDeadline != 0 && rng.IntN(3) != 0 {
				txs = append(txs, a.tx(mBuyer, revealSeed(id, 1)))
			}
		}
		if delivered := orders(ledgerpb.OrderState_ORDER_STATE_DELIVERED); len(delivered) > 0 && rng.IntN(3) != 0 {
			txs = append(txs, a.tx(mBuyer, openDispute(pick(delivered), ledgerpb.DisputeOutcome(1+rng.IntN(5)), 45+rng.Uint64N(20))))
		} else if len(disputedIDs) > 0 && rng.IntN(4) == 0 {
			txs = append(txs, a.tx(mBuyer, domainCommit(pick(disputedIDs), mBuyer, buyerWon, a.proof(dvVoters[0]))))
		} else if rng.IntN(2) == 0 {
			m := labOrderMsg()
			m.MaxPrice = 500 + rng.Uint64N(1_000)
			m.BidWindow, m.DeliveryWindow, m.ConfirmWindow = 1+rng.Uint64N(3), 1+rng.Uint64N(4), 1+rng.Uint64N(6)
			txs = append(txs, a.tx(mBuyer, createOrderWith(m)))
		}
		var m *ledgerpb.Msg
		if awarded, _ := a.app.market.OrderIDs(a.st, market.ProviderPrefix(mProv3.addr), 0, 1_000); rng.IntN(2) == 0 {
			var own []uint64
			for _, id := range awarded {
				if a.app.market.Order(a.st, id).State == ledgerpb.OrderState_ORDER_STATE_AWARDED {
					own = append(own, id)
				}
			}
			m = deliverMsg(pick(own), 4)
		} else if id := pick(orders(ledgerpb.OrderState_ORDER_STATE_OPEN)); a.app.market.Order(a.st, id) != nil {
			price := 1 + rng.Uint64N(a.app.market.Order(a.st, id).MaxPrice+1)
			m = labBidMsg(id, mNode3, price, market.MinBidStake(price, a.p.BidStakeRatioBps))
		}
		if m != nil {
			txs = append(txs, a.tx(mProv3, m))
		}
		for _, v := range dvVoters {
			if (len(disputedIDs) > 0 || rng.IntN(8) == 0) && rng.IntN(3) != 0 {
				txs = append(txs, a.tx(v, voterMsg(v)))
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
		if s := a.app.bank.Supply(a.st); s != supply {
			t.Fatalf("height %d: supply %d, was %d", a.height, s, supply)
		}
		for _, r := range ra.TxResults {
			codes[fmt.Sprintf("%s/%d", r.Codespace, r.Code)]++
			for _, e := range r.Events {
				codes["tx event "+e.Type]++
			}
		}
		for _, e := range ra.Events {
			codes["block event "+e.Type]++
			if e.Type == "dispute_decided" {
				codes["verdict "+attr(e, "verdict")]++
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
	if testing.Short() {
		return
	}
	for _, want := range []string{"/0", "tx event dispute_opened", "tx event domain_vote_commit", "tx event domain_vote_reveal",
		"block event dispute_decided", "market/31", "market/32", "market/38", "market/40", "verdict provider_won", "verdict buyer_won"} {
		if codes[want] == 0 {
			t.Errorf("the stream never reached %q", want)
		}
	}
}

// FuzzDomainVoteCommit decodes arbitrary bytes as a MsgDomainVoteCommit
// and signs it by a voter during the commit window of a protocol
// dispute, so that inputs reach the message's rules and its proof.
func FuzzDomainVoteCommit(f *testing.F) {
	c := domainDisputed(f)
	v := dvVoters[0]
	f.Add(mustMarshal(domainCommit(dvOrder, v, providerWon, c.proof(v)).GetDomainVoteCommit()))
	f.Add(mustMarshal(domainCommit(dvOrder, v, buyerWon, fuzzProof()).GetDomainVoteCommit()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := &ledgerpb.MsgDomainVoteCommit{}
		if proto.Unmarshal(raw, m) != nil {
			return
		}
		msg := &ledgerpb.Msg{Sum: &ledgerpb.Msg_DomainVoteCommit{DomainVoteCommit: m}}
		fuzzCheck(t, c.chain, signBody(t, v, c.body(v, msg)))
		fuzzCheck(t, c.chain, signBody(t, mBuyer, c.body(mBuyer, msg)))
	})
}

// FuzzDomainVoteReveal decodes arbitrary bytes as a MsgDomainVoteReveal
// and signs it by a voter that committed, in the reveal window.
func FuzzDomainVoteReveal(f *testing.F) {
	c := domainCommitted(f)
	c.emptyBlocksTo(37)
	v := dvVoters[0]
	f.Add(mustMarshal(domainReveal(dvOrder, v, providerWon, c.proof(v)).GetDomainVoteReveal()))
	f.Add(mustMarshal(domainReveal(dvOrder, v, buyerWon, c.proof(v)).GetDomainVoteReveal()))
	f.Add(mustMarshal(domainReveal(dvOrder, v, providerWon, fuzzProof()).GetDomainVoteReveal()))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := &ledgerpb.MsgDomainVoteReveal{}
		if proto.Unmarshal(raw, m) != nil {
			return
		}
		fuzzCheck(t, c.chain, signBody(t, v, c.body(v, &ledgerpb.Msg{Sum: &ledgerpb.Msg_DomainVoteReveal{DomainVoteReveal: m}})))
	})
}

package app

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
)

// Keys of the mining tests.
var (
	miner1 = newKey("miner 1")
	miner2 = newKey("miner 2")
)

func stakeMiner(amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_StakeMiner{StakeMiner: &ledgerpb.MsgStakeMiner{Amount: amount}}}
}

func unstakeMiner(amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_UnstakeMiner{UnstakeMiner: &ledgerpb.MsgUnstakeMiner{Amount: amount}}}
}

// claim is what a miner submits for a cycle.
type claim struct {
	root    []byte
	nLeaves uint64
	jrh     []byte
}

func submitRoot(cycle uint64, c claim, entry uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitRootHash{SubmitRootHash: &ledgerpb.MsgSubmitRootHash{
		Cycle: cycle, Root: c.root, NLeaves: c.nLeaves, Jrh: c.jrh, EntryIndex: entry}}}
}

var fakeClaim = claim{root: hash32("a fake root"), nLeaves: 3, jrh: hash32("a fake jrh")}

// miningChain is marketChain (height 1) with cycles of 20 blocks, a
// mining window of window blocks, min_miner_stake 1,000, T = 100
// blocks, miners allowed to submit for the cycle they staked in and a
// challenge response window of 3 blocks; miner1 and miner2 are funded at height 2 and stake 50,000 each
// (50 entry indices) at height 3. Cycle 0 freezes at height 20, its
// window is [21, 20 + window].
func miningChain(t testing.TB, window uint64) *chain {
	t.Helper()
	c := marketChainWith(t, func(p *ledgerpb.Params) {
		p.ReputationCycleBlocks = 20
		p.MiningWindowBlocks = window
		p.MinMinerStake = 1_000
		p.MinerReward = 100
		p.MinerReputationReward = 1_000
		p.MiningStakeMaturityBlocks = 100
		p.MinerMinStakedCycles = 0
		p.MiningResponseWindowBlocks = 3
	})
	c.mustBlock(c.tx(alice, send(miner1, 100_000), send(miner2, 100_000)))
	c.mustBlock(c.tx(miner1, stakeMiner(50_000)), c.tx(miner2, stakeMiner(50_000)))
	return c
}

func (c *chain) miningStatus() *ledgerpb.MiningStatus {
	c.t.Helper()
	var r ledgerpb.MiningStatus
	c.query(query.Mining, nil, &r)
	return &r
}

// eligibleEntry returns an entry index of k (1 … max) whose submission
// of root is eligible (below the target) at the next block, or 0.
func (c *chain) eligibleEntry(k key, root []byte, max uint64, want bool) uint64 {
	ms := c.app.skills.MiningState(c.st)
	target := reputation.Target(c.height+1, ms.WindowStart, ms.WindowEnd)
	for i := uint64(1); i <= max; i++ {
		h := reputation.EligibilityHash(k.addr, i, root)
		if (new(big.Int).SetBytes(h[:]).Cmp(target) < 0) == want {
			return i
		}
	}
	return 0
}

// replay does what a miner does: it reads the skills and the logs of
// cycles 0 … upTo from the ledger's queries and replays them, each
// cycle's state decayed before its log except the first.
func (c *chain) replay(upTo uint64) *colonyrep.Result {
	c.t.Helper()
	var skills colonyrep.SkillTree
	var sr ledgerpb.SkillsResponse
	c.query(query.Skills, nil, &sr)
	for _, s := range sr.Skills {
		if id, err := skills.Add(s.Parent); err != nil || id != s.Id {
			c.t.Fatalf("skill %d: added as %d, %v", s.Id, id, err)
		}
	}
	var prev *colonyrep.State
	var res *colonyrep.Result
	for cy := uint64(0); cy <= upTo; cy++ {
		var log colonyrep.Log
		req := &ledgerpb.ReputationLogRequest{Cycle: &cy, Page: &ledgerpb.PageRequest{}}
		for {
			var lr ledgerpb.ReputationLogResponse
			c.query(query.ReputationLog, mustMarshal(req), &lr)
			for _, r := range lr.Entries {
				e, err := reputation.EntryFromRecord(r)
				if err != nil {
					c.t.Fatal(err)
				}
				log = append(log, colonyrep.Entry{User: colonyrep.Address(e.User), Amount: e.Amount, Skill: e.Skill,
					Colony: colonyrep.Address(e.Colony), NUpdates: e.NUpdates, NPreviousUpdates: e.NPreviousUpdates})
			}
			if len(lr.GetPage().GetNextKey()) == 0 {
				break
			}
			req.Page.Key = lr.Page.NextKey
		}
		var err error
		if res, err = colonyrep.Replay(prev, &skills, colonyrep.Params{DecayNumerator: c.p.DecayNumerator, DecayDenominator: c.p.DecayDenominator}, log); err != nil {
			c.t.Fatalf("replay cycle %d: %v", cy, err)
		}
		prev = res.State
	}
	return res
}

func claimOf(r *colonyrep.Result) claim {
	jrh := r.Justification.Root()
	return claim{root: bytes.Clone(r.Root[:]), nLeaves: r.NLeaves, jrh: jrh[:]}
}

// proofOf returns the proof of k's reputation in skill of the network
// colony in state s.
func proofOf(t testing.TB, s *colonyrep.State, k key, skill uint64) (*ledgerpb.ReputationProof, *big.Int) {
	t.Helper()
	colony := reputation.NetworkColony()
	leaf, p, ok := s.Prove(colonyrep.Key{Colony: colonyrep.Address(colony), Skill: skill, User: colonyrep.Address(k.addr)})
	if !ok {
		t.Fatalf("%s has no reputation in skill %d", k.name, skill)
	}
	v, err := colonyrep.LeafValue(leaf.Reputation, leaf.UID)
	if err != nil {
		t.Fatal(err)
	}
	out := &ledgerpb.ReputationProof{Colony: colony.Bytes(), Skill: skill, User: k.addr.Bytes(), Value: v[:], BranchMask: bytes.Clone(p.BranchMask[:])}
	for _, s := range p.Siblings {
		out.Siblings = append(out.Siblings, bytes.Clone(s[:]))
	}
	return out, leaf.Reputation
}

func TestMiningCycleFreezes(t *testing.T) {
	c := miningChain(t, 4)
	c.emptyBlocksTo(19)
	if ms := c.miningStatus(); ms.Mining || ms.OpenCycle != 0 {
		t.Fatalf("height 19: %v", ms)
	}
	res := c.mustBlock()
	e := findEvent(t, res.Events, "cycle_frozen")
	if attr(e, "cycle") != "0" || attr(e, "open") != "1" || attr(e, "window_start") != "21" || attr(e, "window_end") != "24" {
		t.Fatalf("event %v", e)
	}
	if ms := c.miningStatus(); !ms.Mining || ms.MiningCycle != 0 || ms.WindowStart != 21 || ms.WindowEnd != 24 || ms.OpenCycle != 1 || ms.OpenCycleStart != 20 {
		t.Fatalf("height 20: %v", ms)
	}
	// No submission: at 25 the window reopens as [26, 29]; the cycle
	// stays the mining cycle and no other freezes.
	c.emptyBlocksTo(24)
	res = c.mustBlock()
	e = findEvent(t, res.Events, "mining_window_reopened")
	if attr(e, "window_start") != "26" || attr(e, "window_end") != "29" {
		t.Fatalf("event %v", e)
	}
	c.emptyBlocksTo(45)
	if ms := c.miningStatus(); !ms.Mining || ms.MiningCycle != 0 || ms.OpenCycle != 1 || ms.WindowStart != 46 {
		t.Fatalf("height 45: %v", ms)
	}
	if _, err := c.app.Query(c.st, query.ReputationRoot, nil); err == nil {
		t.Fatal("a root before any acceptance")
	}
}

// TestMiningWindowEdges: a submission one block before the window, at
// its first and last block, and one block after it (when it has
// reopened, empty, one block later).
func TestMiningWindowEdges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		height int64
		code   uint32
	}{
		{"before the window", 20, reputation.ErrMiningWindow.Number},
		{"first block", 21, 0},
		{"last block", 24, 0},
		{"after the window", 25, reputation.ErrMiningWindow.Number},
		{"reopened window", 26, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := miningChain(t, 4)
			c.emptyBlocksTo(tc.height - 1)
			if tc.height == 20 { // the freeze happens in the block's hook, before its transactions
				res := c.block(c.tx(miner1, submitRoot(0, fakeClaim, 1)))
				if r := res.TxResults[0]; r.Code != tc.code || r.Codespace != reputation.Codespace {
					t.Fatalf("%+v", r)
				}
				return
			}
			entry := c.eligibleEntry(miner1, fakeClaim.root, 50, true)
			if entry == 0 {
				t.Fatal("no eligible entry")
			}
			res := c.block(c.tx(miner1, submitRoot(0, fakeClaim, entry)))
			if r := res.TxResults[0]; r.Code != tc.code || c.height != tc.height {
				t.Fatalf("height %d: %+v", c.height, r)
			}
		})
	}
}

func TestMiningEligibility(t *testing.T) {
	c := miningChain(t, 4)
	c.emptyBlocksTo(20)
	above := c.eligibleEntry(miner1, fakeClaim.root, 50, false)
	below := c.eligibleEntry(miner1, fakeClaim.root, 50, true)
	if above == 0 || below == 0 {
		t.Fatalf("entries above %d, below %d the target", above, below)
	}
	wrongSize := fakeClaim
	wrongSize.jrh = []byte{1}
	for _, tc := range []struct {
		name   string
		signer key
		msg    *ledgerpb.Msg
		code   uint32
		log    string
	}{
		{"above the target", miner1, submitRoot(0, fakeClaim, above), reputation.ErrNotEligible.Number, "not below the target"},
		{"entry index 0", miner1, submitRoot(0, fakeClaim, 0), reputation.ErrEntryIndex.Number, "entry_index 0"},
		{"entry index above stake / min", miner1, submitRoot(0, fakeClaim, 51), reputation.ErrEntryIndex.Number, "at most stake / min_miner_stake"},
		{"wrong cycle", miner1, submitRoot(1, fakeClaim, below), reputation.ErrNotMining.Number, "the mining cycle is 0"},
		{"not a miner", bob, submitRoot(0, fakeClaim, 1), reputation.ErrNoMiner.Number, "not a miner"},
		{"jrh not 32 bytes", miner1, submitRoot(0, wrongSize, below), reputation.ErrInvalidSubmission.Number, "jrh"},
	} {
		res := c.block(c.tx(tc.signer, tc.msg))
		if r := res.TxResults[0]; r.Code != tc.code || r.Codespace != reputation.Codespace || !strings.Contains(r.Log, tc.log) {
			t.Errorf("%s: %+v", tc.name, r)
		}
		// Run every case at the window's first block, 21: a refused
		// submission changes only fees and sequences, and the hook does
		// nothing at 21.
		c.height--
	}
}

// TestMiningSubmissionLimits: an entry index is used once per cycle, a
// hash has at most 12 submissions; with a window of one block every
// submission is eligible (the target is 2^256 − 1).
func TestMiningSubmissionLimits(t *testing.T) {
	c := miningChain(t, 1)
	c.emptyBlocksTo(20)
	base := c.seq(miner1)
	var txs [][]byte
	for i := uint64(1); i <= 13; i++ {
		b := c.body(miner1, submitRoot(0, fakeClaim, i))
		b.Sequence = base + i - 1
		txs = append(txs, signBody(t, miner1, b))
	}
	b := c.body(miner1, submitRoot(0, claim{root: hash32("other"), nLeaves: 1, jrh: hash32("other jrh")}, 1))
	b.Sequence = base + 13
	txs = append(txs, signBody(t, miner1, b))
	b = c.body(miner1, unstakeMiner(1_000))
	b.Sequence = base + 14
	txs = append(txs, signBody(t, miner1, b))
	res := c.block(txs...)
	// The miner cannot unstake while its submissions wait.
	if r := res.TxResults[14]; r.Code != reputation.ErrMinerBusy.Number {
		t.Fatalf("unstake: %+v", r)
	}
	for i, r := range res.TxResults[:14] {
		switch {
		case i < 12 && r.Code != 0:
			t.Fatalf("submission %d: %+v", i+1, r)
		case i == 12 && r.Code != reputation.ErrTooManySubmissions.Number:
			t.Fatalf("13th submission: %+v", r)
		case i == 13 && r.Code != reputation.ErrEntryUsed.Number:
			t.Fatalf("entry 1 again: %+v", r)
		}
	}
	if n := len(c.miningStatus().Submissions); n != 12 {
		t.Fatalf("%d submissions", n)
	}
}

// txs signs one transaction per message by k, with consecutive
// sequences, for one block.
func (c *chain) txs(k key, msgs ...*ledgerpb.Msg) [][]byte {
	base := c.seq(k)
	var out [][]byte
	for i, m := range msgs {
		b := c.body(k, m)
		b.Sequence = base + uint64(i)
		out = append(out, signBody(c.t, k, b))
	}
	return out
}

// ratedMiningChain: miningChain with order 1 closed and rated: its
// ratings are final at height 12, so cycle 0's log holds the provider's
// and the buyer's entries when it freezes at 20.
func ratedMiningChain(t testing.TB, window uint64) *chain {
	t.Helper()
	c := miningChain(t, window)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)), c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	c.emptyBlocksTo(7) // awarded at 7
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	c.mustBlock(c.tx(mBuyer, revealMsg(1, 5, buyerSalt)), c.tx(mProv2, revealMsg(1, 4, providerSalt)))
	c.emptyBlocksTo(20)
	if n, _ := c.app.skills.LogLength(c.st, 0); n == 0 {
		t.Fatal("cycle 0 has an empty log")
	}
	return c
}

// TestMiningAcceptsOneHash: two miners submit the root a replay of the
// frozen log gives; at the window's end it is accepted and they are
// rewarded by weight, in ucell from the treasury and in the skill
// "mining" of the open cycle's log.
func TestMiningAcceptsOneHash(t *testing.T) {
	c := ratedMiningChain(t, 1)
	res0 := c.replay(0)
	good := claimOf(res0)
	treasury0, b1, b2 := c.treasuryBalance(), c.balance(miner1), c.balance(miner2)
	c.mustBlock(c.tx(miner1, submitRoot(0, good, 1)), c.tx(miner2, submitRoot(0, good, 7)))
	if n := len(c.miningStatus().Submissions); n != 2 {
		t.Fatalf("%d submissions", n)
	}
	treasury0 += 2 * c.p.MinFee
	b1 -= c.p.MinFee
	b2 -= c.p.MinFee
	res := c.mustBlock() // height 22: the window [21, 21] closes
	e := findEvent(t, res.Events, "root_accepted")
	if attr(e, "cycle") != "0" || attr(e, "submissions") != "2" {
		t.Fatalf("event %v", e)
	}
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if !bytes.Equal(root.Root, good.root) || root.NLeaves != good.nLeaves || !bytes.Equal(root.Jrh, good.jrh) || root.Cycle != 0 || root.AcceptedHeight != 22 {
		t.Fatalf("root %v", &root)
	}
	// Weights: both staked at 3, submitted at 21 (t = 18 of T = 100),
	// positions 0 and 1.
	w := []*big.Rat{reputation.MinerWeight(18, 100, 0), reputation.MinerWeight(18, 100, 1)}
	pay := reputation.RewardShares(min(c.p.MinerReward, treasury0), w)
	if pay[0]+pay[1] > c.p.MinerReward || pay[0] <= pay[1] || pay[1] == 0 {
		t.Fatalf("shares %v", pay)
	}
	if c.balance(miner1) != b1+pay[0] || c.balance(miner2) != b2+pay[1] || c.treasuryBalance() != treasury0-pay[0]-pay[1] {
		t.Fatalf("balances %d %d treasury %d; shares %v", c.balance(miner1), c.balance(miner2), c.treasuryBalance(), pay)
	}
	e = findEvent(t, res.Events, "miners_rewarded")
	rep := reputation.RewardShares(c.p.MinerReputationReward, w)
	if attr(e, "miners") != "2" {
		t.Fatalf("event %v", e)
	}
	mining, _ := c.app.skills.SkillID(c.st, reputation.SkillMining)
	log := c.app.skills.Log(c.st, 1)
	if len(log) != 2 || log[0].User != miner1.addr || log[0].Amount.Uint64() != rep[0] || log[1].User != miner2.addr ||
		log[1].Amount.Uint64() != rep[1] || log[0].Skill != mining || log[0].Colony != reputation.NetworkColony() {
		t.Fatalf("cycle 1 log %v, want shares %v", log, rep)
	}
	if ms := c.miningStatus(); ms.Mining || ms.Accepted == nil || len(ms.Submissions) != 0 {
		t.Fatalf("status %v", ms)
	}
	// The next cycle freezes 20 blocks after the last, and its replay
	// (decayed cycle 0 state, then cycle 1's log) is accepted in turn.
	c.emptyBlocksTo(40)
	if ms := c.miningStatus(); !ms.Mining || ms.MiningCycle != 1 {
		t.Fatalf("height 40: %v", ms)
	}
	next := claimOf(c.replay(1))
	c.mustBlock(c.tx(miner2, submitRoot(1, next, 3)))
	c.mustBlock()
	c.query(query.ReputationRoot, nil, &root)
	if root.Cycle != 1 || !bytes.Equal(root.Root, next.root) {
		t.Fatalf("root %v", &root)
	}
	// Now the miner may unstake, keeping since_height while staked.
	c.mustBlock(c.tx(miner1, unstakeMiner(20_000)), c.tx(miner2, stakeMiner(1_000)))
	var m ledgerpb.Miner
	c.query(query.Miner, addrReq(miner2.addr), &m)
	if m.Stake != 51_000 || m.SinceHeight != 3 {
		t.Fatalf("miner %v", &m)
	}
	c.mustBlock(c.tx(miner1, unstakeMiner(30_000)))
	if _, err := c.app.Query(c.st, query.Miner, addrReq(miner1.addr)); err == nil {
		t.Fatal("a miner with no stake")
	}
}

// TestMiningChallengesTwoHashes: two distinct submissions no longer stop
// mining. The window closes into a challenge; the fake claim, which
// nobody can defend, loses at the first deadline; the honest root is
// accepted and the next cycle freezes as usual.
func TestMiningChallengesTwoHashes(t *testing.T) {
	c := ratedMiningChain(t, 1)
	honest := c.defense(0, -1)
	good := claimOfDefense(honest)
	c.mustBlock(c.tx(miner1, submitRoot(0, good, 1)), c.tx(miner2, submitRoot(0, fakeClaim, 1)))
	res := c.mustBlock() // 22: the window [21, 21] closed
	e := findEvent(t, res.Events, "challenge_opened")
	if attr(e, "claim0") != "0" || attr(e, "claim1") != "1" || attr(e, "step") != "confirm-jrh" || attr(e, "deadline") != "25" {
		t.Fatalf("event %v", e)
	}
	ms := c.miningStatus()
	if !ms.Mining || !ms.Challenging || ms.Round != 1 || len(ms.Claims) != 2 || len(ms.Challenges) != 1 || ms.Accepted != nil {
		t.Fatalf("status %v", ms)
	}
	res = c.block(c.tx(miner1, submitRoot(0, good, 2)), c.tx(miner2, unstakeMiner(1_000)))
	if r := res.TxResults[0]; r.Code != reputation.ErrNotMining.Number || !strings.Contains(r.Log, "challenged") {
		t.Fatalf("submit: %+v", r)
	}
	if r := res.TxResults[1]; r.Code != reputation.ErrMinerBusy.Number {
		t.Fatalf("unstake: %+v", r)
	}
	answers, _ := c.runChallenge(map[uint32]defender{0: {k: miner1, d: honest}})
	if answers != 1 {
		t.Errorf("%d answers, want the honest side's confirmation only", answers)
	}
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if !bytes.Equal(root.Root, good.root) || root.Cycle != 0 {
		t.Fatalf("root %v", &root)
	}
	if c.app.skills.Miner(c.st, miner2.addr) != nil {
		t.Fatal("the fake claim's miner keeps its stake")
	}
	c.emptyBlocksTo(c.height + 25)
	if ms := c.miningStatus(); !ms.Mining || ms.MiningCycle != 1 {
		t.Fatalf("cycle 1 did not freeze: %v", ms)
	}
}

// acceptedChain: ratedMiningChain with cycle 0 accepted at height 22; it
// returns the replayed state of cycle 0.
func acceptedChain(t testing.TB) (*chain, *colonyrep.State) {
	c := ratedMiningChain(t, 1)
	res := c.replay(0)
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOf(res), 1)))
	c.mustBlock()
	if c.app.skills.AcceptedRoot(c.st) == nil {
		t.Fatal("no accepted root")
	}
	return c, res.State
}

func bidWithProof(id uint64, node key, price, stake uint64, p *ledgerpb.ReputationProof) *ledgerpb.Msg {
	m := bidMsg(id, node, price, stake)
	m.GetBid().ReputationProof = p
	return m
}

// TestBidReputationProof: a proven reputation wins a tie of price over
// a lower bid hash; a tampered proof, one for another skill and a bid
// before any root are refused; min_provider_reputation is enforced.
func TestBidReputationProof(t *testing.T) {
	c, state := acceptedChain(t)
	skill, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	proof, rep := proofOf(t, state, mProv2, skill)
	if rep.Sign() <= 0 {
		t.Fatalf("reputation %v", rep)
	}
	// An order on which mProv1's bid hash is the lower one, so that only
	// the reputation can make mProv2 win.
	orderID := uint64(2)
	for ; ; orderID++ {
		h1 := market.BidHash(orderID, mProv1.addr, 700, mNode1.pub())
		h2 := market.BidHash(orderID, mProv2.addr, 700, mNode2.pub())
		if bytes.Compare(h1[:], h2[:]) < 0 {
			break
		}
	}
	var creates []*ledgerpb.Msg
	for range orderID - 1 {
		creates = append(creates, createOrderWith(orderMsg()))
	}
	c.mustBlock(c.txs(mBuyer, creates...)...)
	tampered := func(edit func(p *ledgerpb.ReputationProof)) *ledgerpb.ReputationProof {
		p := &ledgerpb.ReputationProof{Colony: proof.Colony, Skill: proof.Skill, User: proof.User, Value: bytes.Clone(proof.Value),
			BranchMask: proof.BranchMask, Siblings: proof.Siblings}
		edit(p)
		return p
	}
	cases := []struct {
		name string
		p    *ledgerpb.ReputationProof
		log  string
	}{
		{"tampered value", tampered(func(p *ledgerpb.ReputationProof) { p.Value[31]++ }), "does not verify"},
		{"another skill", tampered(func(p *ledgerpb.ReputationProof) { p.Skill = 1 }), "want skill"},
		{"another user", tampered(func(p *ledgerpb.ReputationProof) { p.User = mProv1.addr.Bytes() }), "want skill"},
		{"short mask", tampered(func(p *ledgerpb.ReputationProof) { p.BranchMask = p.BranchMask[:31] }), "branch_mask"},
	}
	var bad []*ledgerpb.Msg
	for _, tc := range cases {
		bad = append(bad, bidWithProof(orderID, mNode2, 700, 70, tc.p))
	}
	res := c.block(c.txs(mProv2, bad...)...)
	for i, tc := range cases {
		if r := res.TxResults[i]; r.Code != reputation.ErrInvalidProof.Number || r.Codespace != reputation.Codespace || !strings.Contains(r.Log, tc.log) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
	c.mustBlock(c.tx(mProv1, bidMsg(orderID, mNode1, 700, 70)), c.tx(mProv2, bidWithProof(orderID, mNode2, 700, 70, proof)))
	var r ledgerpb.OrderResponse
	c.query(query.Order, mustMarshal(&ledgerpb.OrderRequest{OrderId: orderID}), &r)
	for _, b := range r.Bids {
		if address.Address(b.Provider) == mProv2.addr && reputation.DecodeReputation(b.Reputation).Cmp(rep) != 0 {
			t.Fatalf("bid reputation %x, want %v", b.Reputation, rep)
		}
	}
	c.emptyBlocksTo(r.Order.BidDeadline)
	if got := address.Address(c.order(orderID).Contract.Provider); got != mProv2.addr {
		t.Fatalf("winner %s, want the proven %s", got, mProv2.addr)
	}

	// min_provider_reputation: no proof, or a proof below it, is refused.
	for _, tc := range []struct {
		name string
		min  uint64
		p    *ledgerpb.ReputationProof
		code uint32
	}{
		{"no proof", 1, nil, market.ErrReputationTooLow.Number},
		{"proof below the minimum", rep.Uint64() + 1, proof, market.ErrReputationTooLow.Number},
		{"proof at the minimum", rep.Uint64(), proof, 0},
	} {
		m := orderMsg()
		m.MinProviderReputation = tc.min
		c.mustBlock(c.tx(mBuyer, createOrderWith(m)))
		oid := c.lastOrderID()
		res := c.block(c.tx(mProv2, bidWithProof(oid, mNode2, 700, 70, tc.p)))
		r := res.TxResults[0]
		if r.Code != tc.code || (tc.code != 0 && !strings.Contains(r.Log, "min_provider_reputation")) {
			t.Errorf("%s: %+v", tc.name, r)
		}
	}
}

func (c *chain) lastOrderID() uint64 {
	c.t.Helper()
	var r ledgerpb.OrdersResponse
	c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes()}), &r)
	for len(r.GetPage().GetNextKey()) != 0 {
		var more ledgerpb.OrdersResponse
		c.query(query.Orders, mustMarshal(&ledgerpb.OrdersRequest{Buyer: mBuyer.addr.Bytes(), Page: &ledgerpb.PageRequest{Key: r.Page.NextKey}}), &more)
		r.Orders, r.Page = append(r.Orders, more.Orders...), more.Page
	}
	return r.Orders[len(r.Orders)-1].Id
}

func TestBidProofBeforeAnyRoot(t *testing.T) {
	c := marketChain(t)
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	p := &ledgerpb.ReputationProof{Colony: reputation.NetworkColony().Bytes(), Skill: 6, User: mProv2.addr.Bytes(),
		Value: make([]byte, 64), BranchMask: make([]byte, 32)}
	res := c.block(c.tx(mProv2, bidWithProof(1, mNode2, 700, 70, p)))
	if r := res.TxResults[0]; r.Code != reputation.ErrNoRoot.Number || r.Codespace != reputation.Codespace {
		t.Fatalf("%+v", r)
	}
}

// TestVerifierReputationProof: a verifier proves its reputation in
// "compute" at registration; the draw ranks it by the weighted score.
func TestVerifierReputationProof(t *testing.T) {
	c, state := acceptedChain(t)
	compute, _ := c.app.skills.SkillID(c.st, market.VerifierSkill)
	proof, rep := proofOf(t, state, mProv2, compute)
	m := registerVerifier(mNode2, 1_000)
	m.GetRegisterVerifier().ReputationProof = proof
	c.mustBlock(c.tx(mProv2, m))
	v := c.app.market.Verifier(c.st, mNode2.pub())
	if reputation.DecodeReputation(v.Reputation).Cmp(rep) != 0 {
		t.Fatalf("verifier reputation %x, want %v", v.Reputation, rep)
	}
	bad := registerVerifier(mNode1, 1_000)
	bad.GetRegisterVerifier().ReputationProof = proof // mProv2's proof, signed by mProv1
	res := c.block(c.tx(mProv1, bad))
	if r := res.TxResults[0]; r.Code != reputation.ErrInvalidProof.Number {
		t.Fatalf("%+v", r)
	}
	// mProv1's node registers without a proof. Drawing one verifier of a
	// dispute between two others ranks the two by the weighted score.
	c.mustBlock(c.tx(mProv1, registerVerifier(mNode1, 1_000)))
	p := proto.Clone(c.p).(*ledgerpb.Params)
	p.VerifiersPerDispute = 1
	o := &ledgerpb.Order{Id: 1, Buyer: mBuyer.addr.Bytes(), Contract: &ledgerpb.Contract{Provider: mAuthor.addr.Bytes(), NodeKey: mNode3.pub()}}
	wins := 0
	for h := int64(1); h <= 64; h++ {
		got := c.app.market.DrawVerifiers(c.st, p, c.height, testBlockHash(h), o)
		s1 := market.WeightedDrawScore(market.DrawScore(testBlockHash(h), 1, mNode1.pub()), new(big.Int), 1_000, p.MinVerifierStake)
		s2 := market.WeightedDrawScore(market.DrawScore(testBlockHash(h), 1, mNode2.pub()), rep, 1_000, p.MinVerifierStake)
		want := mNode1
		if s2.Cmp(s1) < 0 {
			want = mNode2
			wins++
		}
		if len(got) != 1 || !bytes.Equal(got[0].NodeKey, want.pub()) {
			t.Fatalf("hash %d: drew %v, want %s", h, got, want.name)
		}
	}
	if wins <= 32 {
		t.Fatalf("the verifier with reputation %v won %d of 64 draws", rep, wins)
	}
}

func TestWeightedDrawScore(t *testing.T) {
	var score [32]byte
	for i := range score {
		score[i] = 0xff
	}
	s0 := market.WeightedDrawScore(score, new(big.Int), 10, 10)
	if !bytes.Equal(s0.FillBytes(make([]byte, 32)), score[:]) {
		t.Fatal("without reputation the score changed")
	}
	prev := s0
	for _, r := range []int64{1, 2, 1000, 1 << 40} {
		s := market.WeightedDrawScore(score, big.NewInt(r), 10, 10)
		if s.Cmp(prev) > 0 {
			t.Fatalf("reputation %d: score %v rose above %v", r, s, prev)
		}
		prev = s
	}
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	want := new(big.Int).Quo(new(big.Int).SetBytes(score[:]), big.NewInt(128))
	if got := market.WeightedDrawScore(score, max, 10, 10); got.Cmp(want) != 0 {
		t.Fatalf("max reputation: %v, want %v", got, want)
	}
	// The stake counts linearly, in units of the minimum stake: twice
	// the stake halves the score; below the minimum it counts as one
	// unit.
	s1 := market.WeightedDrawScore(score, new(big.Int), 20, 10)
	if want := new(big.Int).Quo(new(big.Int).SetBytes(score[:]), big.NewInt(2)); s1.Cmp(want) != 0 {
		t.Fatalf("twice the stake: %v, want %v", s1, want)
	}
	if s := market.WeightedDrawScore(score, new(big.Int), 5, 10); s.Cmp(s0) != 0 {
		t.Fatalf("half the minimum stake: %v", s)
	}
}

func TestQuerySkills(t *testing.T) {
	c := newTestChain(t)
	var r ledgerpb.SkillsResponse
	c.query(query.Skills, nil, &r)
	if len(r.Skills) != 6 || r.Skills[0].Path != "compute" || r.Skills[5].Path != "compute/genomics/digest" || len(r.GetPage().GetNextKey()) != 0 {
		t.Fatalf("skills %v", &r)
	}
	c.query(query.Skills, mustMarshal(&ledgerpb.SkillsRequest{Page: &ledgerpb.PageRequest{Limit: 4}}), &r)
	if len(r.Skills) != 4 || len(r.GetPage().GetNextKey()) == 0 {
		t.Fatalf("a page of 4: %v", &r)
	}
	c.query(query.Skills, mustMarshal(&ledgerpb.SkillsRequest{Page: &ledgerpb.PageRequest{Key: r.Page.NextKey}}), &r)
	if len(r.Skills) != 2 || r.Skills[0].Id != 5 || len(r.GetPage().GetNextKey()) != 0 {
		t.Fatalf("from 5: %v", &r)
	}
	if _, err := c.app.Query(c.st, query.Skills, []byte{1}); err == nil {
		t.Fatal("bad data accepted")
	}
	var ms ledgerpb.MiningStatus
	c.query(query.Mining, nil, &ms)
	if ms.Mining || ms.Accepted != nil {
		t.Fatalf("status %v", &ms)
	}
}

// TestMiningRewardsFromPoolFirst: the miners of an accepted root are paid
// from the miners' reward pool ("mining_rewards", fed by minting) first
// and from the treasury only for what the pool lacks.
func TestMiningRewardsFromPoolFirst(t *testing.T) {
	for _, tc := range []struct {
		name string
		pool uint64
	}{
		{"the pool pays part", 30},
		{"the pool pays all", 1_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ratedMiningChain(t, 1)
			var ev event.Log
			if err := c.app.bank.Mint(c.st, &ev, bank.ModuleAddress(mint.MiningRewardsAccount), tc.pool); err != nil {
				t.Fatal(err)
			}
			good := claimOf(c.replay(0))
			c.mustBlock(c.tx(miner1, submitRoot(0, good, 1)), c.tx(miner2, submitRoot(0, good, 7)))
			treasury0, b1, b2 := c.treasuryBalance(), c.balance(miner1), c.balance(miner2)
			c.mustBlock() // the window closes, the root is accepted
			w := []*big.Rat{reputation.MinerWeight(18, 100, 0), reputation.MinerWeight(18, 100, 1)}
			pay := reputation.RewardShares(c.p.MinerReward, w)
			paid := pay[0] + pay[1]
			fromPool := min(paid, tc.pool)
			if c.balance(miner1) != b1+pay[0] || c.balance(miner2) != b2+pay[1] {
				t.Fatalf("miners %d %d, want %d %d", c.balance(miner1), c.balance(miner2), b1+pay[0], b2+pay[1])
			}
			if got := c.app.bank.ModuleBalance(c.st, mint.MiningRewardsAccount); got != tc.pool-fromPool {
				t.Fatalf("pool %d, want %d", got, tc.pool-fromPool)
			}
			if got := c.treasuryBalance(); got != treasury0-(paid-fromPool) {
				t.Fatalf("treasury %d, want %d", got, treasury0-(paid-fromPool))
			}
		})
	}
}

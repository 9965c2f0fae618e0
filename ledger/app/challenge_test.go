package app

import (
	"bytes"
	"fmt"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// The reputation-mining challenge tests: distinct claims of a cycle meet
// in rounds of challenges (Colony whitepaper §7.5); each side is
// answered by a reputation.Defense built from a real replay of the
// cycle's log, honest or forged (colonyrep.ReplayForged).

var (
	miner3 = newKey("miner 3")
	miner4 = newKey("miner 4")
	miner5 = newKey("miner 5")
)

// challengeChain is ratedMiningChain (cycle 0 frozen at height 20 with a
// non-empty log, window [21, 20 + window]) with miners 3 to 5 funded and
// staked too, a response window of 3 blocks, miners allowed to submit
// for the cycle they staked in, and half a slashed stake to defenders.
func challengeChain(t testing.TB, window uint64) *chain {
	return challengeChainWith(t, window, nil, nil)
}

// challengeChainWith is challengeChain with the params edited by edit (if
// not nil), calling before (if not nil) at height 19, just before cycle
// 0 freezes.
func challengeChainWith(t testing.TB, window uint64, before func(*chain), edit func(*ledgerpb.Params)) *chain {
	t.Helper()
	c := marketChainWith(t, func(p *ledgerpb.Params) {
		p.ReputationCycleBlocks = 20
		p.MiningWindowBlocks = window
		p.MinMinerStake = 1_000
		p.MinerReward = 100
		p.MinerReputationReward = 1_000
		p.MiningStakeMaturityBlocks = 100
		p.MiningResponseWindowBlocks = 3
		p.MinerMinStakedCycles = 0
		p.MinerSlashDefenderBps = 5_000
		p.MinerReputationPenalty = 500
		if edit != nil {
			edit(p)
		}
	})
	c.mustBlock(c.tx(alice, send(miner1, 100_000), send(miner2, 100_000), send(miner3, 100_000)), c.tx(mProv3, send(miner4, 100_000), send(miner5, 100_000)))
	c.mustBlock(c.tx(miner1, stakeMiner(50_000)), c.tx(miner2, stakeMiner(50_000)), c.tx(miner3, stakeMiner(50_000)),
		c.tx(miner4, stakeMiner(50_000)), c.tx(miner5, stakeMiner(50_000)))
	c.mustBlock(c.tx(mBuyer, createOrderWith(orderMsg())))
	c.mustBlock(c.tx(mProv1, bidMsg(1, mNode1, 800, 80)), c.tx(mProv2, bidMsg(1, mNode2, 700, 70)))
	c.emptyBlocksTo(7)
	c.mustBlock(c.tx(mProv2, deliverMsg(1, 4)))
	c.mustBlock(c.tx(mBuyer, closeMsg(1, completionCode, 5)))
	c.mustBlock(c.tx(mBuyer, revealMsg(1, 5, buyerSalt)), c.tx(mProv2, revealMsg(1, 4, providerSalt)))
	c.emptyBlocksTo(19)
	if before != nil {
		before(c)
	}
	c.mustBlock()
	return c
}

// defense replays cycles 0 … cycle from the ledger's queries, as a miner
// does, and returns the defense of cycle: honest, or forged at update
// forgedAt (≥ 0).
func (c *chain) defense(cycle uint64, forgedAt int64) *reputation.Defense {
	c.t.Helper()
	skills := &colonyrep.SkillTree{}
	var sr ledgerpb.SkillsResponse
	c.query(query.Skills, nil, &sr)
	for _, s := range sr.Skills {
		if id, err := skills.Add(s.Parent); err != nil || id != s.Id {
			c.t.Fatalf("skill %d: added as %d, %v", s.Id, id, err)
		}
	}
	p := colonyrep.Params{DecayNumerator: c.p.DecayNumerator, DecayDenominator: c.p.DecayDenominator}
	var prev *colonyrep.State
	for cy := uint64(0); ; cy++ {
		log := c.cycleLog(cy)
		if cy == cycle {
			d := &reputation.Defense{Cycle: cycle, Prev: prev, Skills: skills, Params: p, Log: log}
			var err error
			if forgedAt >= 0 {
				d.Result, err = colonyrep.ReplayForged(prev, skills, p, log, uint64(forgedAt))
			} else {
				d.Result, err = colonyrep.Replay(prev, skills, p, log)
			}
			if err != nil {
				c.t.Fatalf("replay cycle %d: %v", cy, err)
			}
			return d
		}
		res, err := colonyrep.Replay(prev, skills, p, log)
		if err != nil {
			c.t.Fatalf("replay cycle %d: %v", cy, err)
		}
		prev = res.State
	}
}

// cycleLog reads the log of cycle from the ledger's query.
func (c *chain) cycleLog(cycle uint64) colonyrep.Log {
	var log colonyrep.Log
	req := &ledgerpb.ReputationLogRequest{Cycle: &cycle, Page: &ledgerpb.PageRequest{}}
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
			return log
		}
		req.Page.Key = lr.Page.NextKey
	}
}

func claimOfDefense(d *reputation.Defense) claim {
	jrh := d.Result.Justification.Root()
	return claim{root: bytes.Clone(d.Result.Root[:]), nLeaves: d.Result.NLeaves, jrh: jrh[:]}
}

// submitEligible submits cl for the mining cycle from k at the first
// block at which one of k's 50 entry indices is eligible.
func (c *chain) submitEligible(k key, cl claim) {
	c.t.Helper()
	ms := c.app.skills.MiningState(c.st)
	for c.height < ms.WindowEnd {
		if e := c.eligibleEntry(k, cl.root, 50, true); e != 0 {
			c.mustBlock(c.tx(k, submitRoot(ms.MiningCycle, cl, e)))
			return
		}
		c.mustBlock()
	}
	c.t.Fatalf("%s: no entry eligible in the window", k.name)
}

// defender answers for a claim from k's account; a nil defense never
// answers (a claim nobody defends).
type defender struct {
	k      key
	d      *reputation.Defense
	forged bool // its answers may be refused
}

// runChallenge drives the challenge phase of the mining cycle to its
// end: at each block every defender answers what its claim's challenge
// awaits (an answer refused is reported, as t.Errorf, unless the claim
// is forged); it returns the number of answers sent and of blocks.
func (c *chain) runChallenge(defenders map[uint32]defender) (answers, blocks int) {
	c.t.Helper()
	cycle := c.app.skills.MiningState(c.st).MiningCycle
	c.untilChallenging()
	for blocks = 0; blocks < 500; blocks++ {
		ms := c.app.skills.MiningState(c.st)
		if !ms.Mining || ms.MiningCycle != cycle || (!ms.Challenging && !ms.Resolved) {
			return answers, blocks
		}
		var txs [][]byte
		var who []uint32
		if ms.Challenging && !ms.Resolved {
			for _, ch := range c.app.skills.Challenges(c.st, cycle, ms.Round) {
				if ch.Step == ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED {
					continue
				}
				for i, s := range ch.Sides {
					df, ok := defenders[s.Claim]
					if !ok || df.d == nil {
						continue
					}
					other := c.app.skills.Claim(c.st, cycle, ch.Sides[1-i].Claim)
					m, err := df.d.Answer(ch, s.Claim, other)
					if err != nil {
						c.t.Fatalf("claim %d: answer: %v", s.Claim, err)
					}
					if m != nil {
						txs = append(txs, c.tx(df.k, m))
						who = append(who, s.Claim)
					}
				}
			}
		}
		res := c.mustBlockAllowingFailures(txs...)
		for i, r := range res.TxResults {
			answers++
			if r.Code != 0 && !defenders[who[i]].forged {
				c.t.Errorf("claim %d: answer refused: %s", who[i], r.Log)
			}
		}
	}
	c.t.Fatal("the challenge did not end in 500 blocks")
	return
}

// mustBlockAllowingFailures runs a block whose transactions may fail.
func (c *chain) mustBlockAllowingFailures(txs ...[]byte) BlockResult {
	c.t.Helper()
	return c.block(txs...)
}

func log2ceil(n uint64) int { return bits.Len64(n - 1) }

// TestChallengeHonestRootWins: a forged replay of cycle 0, wrong from one
// update on, meets the honest one. Both defend every step. The search
// finds the forged update in ⌈log₂(N+1)⌉ steps, the honest side proves
// it, the forger is slashed — half its stake to the defender who
// answered for the honest claim, half to the treasury — and loses
// reputation; the honest root is accepted and its miner rewarded.
func TestChallengeHonestRootWins(t *testing.T) {
	probe := challengeChain(t, 2)
	honest0 := probe.defense(0, -1)
	n := honest0.Result.Justification.Len() - 1
	for _, at := range []uint64{0, 1, n / 2, n - 1} {
		t.Run(fmt.Sprintf("forged at update %d of %d", at, n), func(t *testing.T) {
			c := challengeChain(t, 2)
			honest, forged := c.defense(0, -1), c.defense(0, int64(at))
			c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(honest), c.eligibleEntry(miner1, honest.Result.Root[:], 50, true))),
				c.tx(miner2, submitRoot(0, claimOfDefense(forged), c.eligibleEntry(miner2, forged.Result.Root[:], 50, true))))
			b := takeBook(c, miner1, miner2, miner3)
			seq2, seq3 := c.seq(miner2), c.seq(miner3)
			stake2 := c.app.skills.Miner(c.st, miner2.addr).Stake
			answers, blocks := c.runChallenge(map[uint32]defender{0: {k: miner3, d: honest}, 1: {k: miner2, d: forged, forged: true}})
			var root ledgerpb.ReputationRoot
			c.query(query.ReputationRoot, nil, &root)
			if !bytes.Equal(root.Root, honest.Result.Root[:]) || root.Cycle != 0 {
				t.Fatalf("accepted %x, want the honest root %x", root.Root, honest.Result.Root[:])
			}
			if c.app.skills.Miner(c.st, miner2.addr) != nil {
				t.Fatal("the forger keeps its stake")
			}
			// Rounds: confirm, ⌈log₂(N+1)⌉ search steps at most, respond;
			// each answered within one block by both sides.
			if max := 2*log2ceil(n+1) + 6; blocks > max*int(c.p.MiningResponseWindowBlocks) {
				t.Errorf("%d blocks, above %d response windows", blocks, max)
			}
			t.Logf("N = %d: %d answers, %d blocks", n, answers, blocks)
			// The book: miner3 (the defender) paid its answers' fees and
			// got half of miner2's stake; miner2 lost its stake and its
			// fees; miner1 was rewarded (its share of miner_reward).
			reward := int64(c.balance(miner1)) - int64(b.before[0])
			if reward <= 0 {
				t.Errorf("the honest miner earned %d", reward)
			}
			half := int64(stake2) / 2
			fees3 := int64(c.seq(miner3)-seq3) * int64(c.p.MinFee)
			fees2 := int64(c.seq(miner2)-seq2) * int64(c.p.MinFee)
			b.check(t, map[string]int64{miner1.name: reward, miner2.name: -fees2, miner3.name: half - fees3},
				int64(stake2)-half+fees2+fees3-reward, 0)
			// The forger's penalty is in the open cycle's log.
			mining, _ := c.app.skills.SkillID(c.st, reputation.SkillMining)
			found := false
			for _, e := range c.app.skills.Log(c.st, 1) {
				if e.User == miner2.addr && e.Skill == mining && e.Amount.Int64() == -500 {
					found = true
				}
			}
			if !found {
				t.Error("no mining penalty for the forger")
			}
		})
	}
}

// withNegative appends to the open cycle's log, before the freeze, a loss
// of 300 for the provider in compute/genomics (whose descendants it also
// reaches) and a gain for a newcomer, so that the cycle has child steps
// and new leaves.
func withNegative(c *chain) {
	c.t.Helper()
	var ev event.Log
	genomics, _ := c.app.skills.SkillID(c.st, "compute/genomics")
	digest, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	col := reputation.NetworkColony()
	for _, e := range []struct {
		who    key
		skill  uint64
		amount int64
	}{{mProv2, digest, 900}, {mProv2, genomics, -300}, {miner5, digest, 40}} {
		if _, err := c.app.skills.Append(c.st, &ev, col, e.who.addr, e.skill, big.NewInt(e.amount)); err != nil {
			c.t.Fatal(err)
		}
	}
}

// TestChallengeByes: three, four and five distinct claims — one honest,
// the others forged at different updates or fakes nobody defends — meet
// in rounds; an odd one out advances with a bye; after ⌈log₂ k⌉ rounds
// only the honest claim is left and accepted, and every other miner is
// slashed.
func TestChallengeByes(t *testing.T) {
	miners := []key{miner1, miner2, miner3, miner4, miner5}
	for _, k := range []int{3, 4, 5} {
		t.Run(fmt.Sprintf("%d claims", k), func(t *testing.T) {
			c := challengeChain(t, 2)
			honest := c.defense(0, -1)
			n := honest.Result.Justification.Len() - 1
			defenders := map[uint32]defender{}
			var txs [][]byte
			// Claim ids follow submission order: the honest one is last,
			// so that it meets a forger in round 1.
			for i := range k {
				d, forged := honest, true
				switch {
				case i == k-1:
					forged = false
				case i%2 == 0:
					d = c.defense(0, int64((uint64(i)*n)/uint64(k)))
				default:
					d = nil // a fake claim nobody defends
				}
				cl := fakeClaimN(i)
				if d != nil {
					cl = claimOfDefense(d)
				}
				e := c.eligibleEntry(miners[i], cl.root, 50, true)
				if e == 0 {
					t.Fatalf("%s: no eligible entry", miners[i].name)
				}
				txs = append(txs, c.tx(miners[i], submitRoot(0, cl, e)))
				defenders[uint32(i)] = defender{k: miners[i], d: d, forged: forged}
			}
			c.mustBlock(txs...)
			c.runChallenge(defenders)
			var root ledgerpb.ReputationRoot
			c.query(query.ReputationRoot, nil, &root)
			if !bytes.Equal(root.Root, honest.Result.Root[:]) {
				t.Fatalf("accepted %x, want the honest root", root.Root)
			}
			for i := range k - 1 {
				if c.app.skills.Miner(c.st, miners[i].addr) != nil {
					t.Errorf("%s (claim %d) keeps its stake", miners[i].name, i)
				}
			}
			if c.app.skills.Miner(c.st, miners[k-1].addr) == nil {
				t.Error("the honest miner lost its stake")
			}
		})
	}
}

func fakeClaimN(i int) claim {
	return claim{root: hash32(fmt.Sprint("fake root ", i)), nLeaves: uint64(3 + i), jrh: hash32(fmt.Sprint("fake jrh ", i))}
}

// TestChallengeSameRootDifferentLeaves: a claim with the honest root but
// another leaf count meets the honest claim at LEAF_COUNT. Claiming more
// leaves, it cannot prove a leaf with that UID and loses at the deadline;
// claiming fewer, the honest side proves a leaf with its own count and
// wins at once.
func TestChallengeSameRootDifferentLeaves(t *testing.T) {
	for _, delta := range []int64{+1, -1} {
		t.Run(fmt.Sprintf("n_leaves %+d", delta), func(t *testing.T) {
			c := challengeChain(t, 2)
			honest := c.defense(0, -1)
			good := claimOfDefense(honest)
			bad := claim{root: good.root, nLeaves: uint64(int64(good.nLeaves) + delta), jrh: hash32("another jrh")}
			c.mustBlock(c.tx(miner1, submitRoot(0, good, c.eligibleEntry(miner1, good.root, 50, true))),
				c.tx(miner2, submitRoot(0, bad, c.eligibleEntry(miner2, bad.root, 50, true))))
			res := c.untilChallenging()
			if e := findEvent(t, res.Events, "challenge_opened"); attr(e, "step") != "leaf-count" {
				t.Fatalf("event %v", e)
			}
			answers, blocks := c.runChallenge(map[uint32]defender{0: {k: miner1, d: honest}})
			if delta < 0 && (answers != 1 || blocks > 2) {
				t.Errorf("%d answers in %d blocks: the honest side proves its count at once", answers, blocks)
			}
			if delta > 0 && answers != 0 {
				t.Errorf("%d answers: the honest side has fewer leaves and nothing to prove", answers)
			}
			var root ledgerpb.ReputationRoot
			c.query(query.ReputationRoot, nil, &root)
			if root.NLeaves != good.nLeaves || c.app.skills.Miner(c.st, miner2.addr) != nil {
				t.Fatalf("accepted %d leaves, want %d; the wrong count's miner slashed", root.NLeaves, good.nLeaves)
			}
		})
	}
}

// TestChallengeEveryoneLoses: two fake claims nobody defends both lose at
// the first deadline; their miners' stakes go wholly to the treasury;
// the window reopens; the lost claims stay barred, and an honest claim
// submitted then is accepted.
func TestChallengeEveryoneLoses(t *testing.T) {
	c := challengeChain(t, 2)
	c.mustBlock(c.tx(miner1, submitRoot(0, fakeClaimN(0), c.eligibleEntry(miner1, fakeClaimN(0).root, 50, true))),
		c.tx(miner2, submitRoot(0, fakeClaimN(1), c.eligibleEntry(miner2, fakeClaimN(1).root, 50, true))))
	b := takeBook(c, miner1, miner2, miner3)
	c.untilChallenging()
	c.emptyBlocksTo(c.height + 3 + 1) // the step's deadline passes
	ms := c.miningStatus()
	if !ms.Mining || ms.Challenging || ms.WindowStart != c.height+1 {
		t.Fatalf("status %v: want the window reopened", ms)
	}
	b.check(t, map[string]int64{miner1.name: 0, miner2.name: 0, miner3.name: 0}, 100_000, 0)
	res := c.block(c.tx(miner3, submitRoot(0, fakeClaimN(0), c.eligibleEntry(miner3, fakeClaimN(0).root, 50, true))))
	if r := res.TxResults[0]; r.Code != reputation.ErrInvalidatedClaim.Number {
		t.Fatalf("resubmitting a lost claim: %+v", r)
	}
	honest := c.defense(0, -1)
	c.submitEligible(miner3, claimOfDefense(honest))
	c.emptyBlocksTo(c.app.skills.MiningState(c.st).WindowEnd + 1)
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if !bytes.Equal(root.Root, honest.Result.Root[:]) {
		t.Fatalf("root %v", &root)
	}
}

// TestChallengeStepWindows: each step may be answered up to and
// including its deadline; from the next block the hook has decided it,
// before any transaction, so a late answer is refused. Both sides defend
// until the step under test; there nobody answers until the block tried.
// Late, the step's timeout rule has already applied: neither side
// answered, so both lost and the window reopened (ErrNotChallenging); at
// LEAF_COUNT the side claiming more leaves lost, and the other's root was
// accepted at once (ErrNotChallenging too).
func TestChallengeStepWindows(t *testing.T) {
	for _, step := range []ledgerpb.ChallengeStep{ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT, ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH,
		ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND} {
		for _, at := range []int64{-1, 0, +1} {
			t.Run(fmt.Sprintf("%s deadline%+d", reputation.StepName(step), at), func(t *testing.T) {
				c := challengeChain(t, 2)
				honest := c.defense(0, -1)
				other := c.defense(0, int64(honest.Result.Justification.Len()/2))
				if step == ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT {
					// The same root claiming one leaf less: the honest side
					// must prove its count.
					other = nil
				}
				cl := claimOfDefense(honest)
				oc := claim{root: cl.root, nLeaves: cl.nLeaves - 1, jrh: hash32("short")}
				if other != nil {
					oc = claimOfDefense(other)
				}
				c.mustBlock(c.tx(miner1, submitRoot(0, cl, c.eligibleEntry(miner1, cl.root, 50, true))),
					c.tx(miner2, submitRoot(0, oc, c.eligibleEntry(miner2, oc.root, 50, true))))
				defenders := map[uint32]defender{0: {k: miner1, d: honest}}
				if other != nil {
					defenders[1] = defender{k: miner2, d: other, forged: true}
				}
				ch := c.runUntil(defenders, step)
				if ch.Deadline != c.height+3 {
					t.Fatalf("deadline %d at height %d", ch.Deadline, c.height)
				}
				c.emptyBlocksTo(ch.Deadline + at - 1)
				m, err := honest.Answer(ch, 0, c.app.skills.Claim(c.st, 0, 1))
				if err != nil || m == nil {
					t.Fatalf("answer: %v, %v", m, err)
				}
				r := c.block(c.tx(miner1, m)).TxResults[0]
				switch {
				case at <= 0 && r.Code != 0:
					t.Fatalf("answer at deadline%+d refused: %s", at, r.Log)
				case at > 0 && r.Code != reputation.ErrNotChallenging.Number:
					t.Fatalf("answer at deadline%+d: %s/%d %s, want ErrNotChallenging", at, r.Codespace, r.Code, r.Log)
				}
			})
		}
	}
}

// untilChallenging runs empty blocks until the mining window has closed
// into a challenge, and returns the result of the block that opened it
// (an empty result when it is open already).
func (c *chain) untilChallenging() BlockResult {
	c.t.Helper()
	for range 100 {
		ms := c.app.skills.MiningState(c.st)
		if ms.Challenging {
			return BlockResult{}
		}
		res := c.mustBlock()
		if ms = c.app.skills.MiningState(c.st); ms.Challenging || !ms.Mining {
			return res
		}
	}
	c.t.Fatal("the window did not close into a challenge")
	return BlockResult{}
}

// runUntil is runChallenge stopping once the challenge of round 1,
// index 0 waits for step.
func (c *chain) runUntil(defenders map[uint32]defender, step ledgerpb.ChallengeStep) *ledgerpb.Challenge {
	c.t.Helper()
	c.untilChallenging()
	for range 200 {
		ms := c.app.skills.MiningState(c.st)
		ch := c.app.skills.Challenge(c.st, ms.MiningCycle, 1, 0)
		if ch.Step == step {
			return ch
		}
		var txs [][]byte
		for i, s := range ch.Sides {
			if df, ok := defenders[s.Claim]; ok {
				m, err := df.d.Answer(ch, s.Claim, c.app.skills.Claim(c.st, ms.MiningCycle, ch.Sides[1-i].Claim))
				if err != nil {
					c.t.Fatal(err)
				}
				if m != nil {
					txs = append(txs, c.tx(df.k, m))
				}
			}
		}
		c.mustBlock(txs...)
	}
	c.t.Fatalf("step %s not reached", reputation.StepName(step))
	return nil
}

// childUpdate returns the index t of a colony-wide child step of a
// negative entry in the cycle (decays first), or fails.
func childUpdate(t *testing.T, d *reputation.Defense) uint64 {
	decays := uint64(0)
	if d.Prev != nil {
		decays = d.Prev.NLeaves()
	}
	for _, e := range d.Log {
		if e.Amount.Sign() < 0 {
			s, _ := d.Skills.Skill(e.Skill)
			if _, kind, _ := colonyrep.Expansion(e.NUpdates, s.NParents, true, 0); kind == colonyrep.StepChild {
				return decays + e.NPreviousUpdates
			}
		}
	}
	t.Fatal("no negative entry with children in the log")
	return 0
}

func respondMsg(t *testing.T, m *ledgerpb.Msg, edit func(*ledgerpb.MsgRespondToChallenge)) *ledgerpb.Msg {
	t.Helper()
	out := proto.Clone(m).(*ledgerpb.Msg)
	edit(out.GetRespondToChallenge())
	return out
}

// TestChallengeRefusals: every wrong answer to a step is refused with its
// code and changes nothing but the fee.
func TestChallengeRefusals(t *testing.T) {
	// A long response window: each refusal below takes a block.
	c := challengeChainWith(t, 2, withNegative, func(p *ledgerpb.Params) { p.MiningResponseWindowBlocks = 50 })
	honest := c.defense(0, -1)
	at := childUpdate(t, honest)
	forged := c.defense(0, int64(at))
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(honest), c.eligibleEntry(miner1, honest.Result.Root[:], 50, true))),
		c.tx(miner2, submitRoot(0, claimOfDefense(forged), c.eligibleEntry(miner2, forged.Result.Root[:], 50, true))))
	defenders := map[uint32]defender{0: {k: miner1, d: honest}, 1: {k: miner2, d: forged, forged: true}}
	ch := c.runUntil(defenders, ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH)
	claim1 := c.app.skills.Claim(c.st, 0, 1)
	confirm, _ := honest.Answer(ch, 0, claim1)
	j := honest.Result.Justification
	n := j.Len() - 1
	// A tree one leaf longer, to prove leaf N with another shape.
	var longer patricia.Sequence
	for i := uint64(0); i <= n; i++ {
		r, nl, _ := j.State(i)
		v := colonyrep.JustificationValue(r, nl)
		longer.Append(&v)
	}
	extra := colonyrep.JustificationValue(honest.Result.Root, honest.Result.NLeaves)
	longer.Append(&extra)
	_, longProof, _ := longer.Prove(n)
	_, p1, _ := j.Prove(1)
	edit := func(m *ledgerpb.Msg, f func(*ledgerpb.MsgConfirmJustification)) *ledgerpb.Msg {
		out := proto.Clone(m).(*ledgerpb.Msg)
		f(out.GetConfirmJustification())
		return out
	}
	for _, tc := range []struct {
		name    string
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		{"confirm: the proof of leaf 1 as leaf 0", edit(confirm, func(m *ledgerpb.MsgConfirmJustification) { m.First = reputation.ProofRecord(p1) }),
			reputation.ErrInvalidJustification.Number, "first: does not prove leaf 0", true},
		{"confirm: leaf N of a longer tree", edit(confirm, func(m *ledgerpb.MsgConfirmJustification) { m.Last = reputation.ProofRecord(longProof) }),
			reputation.ErrInvalidJustification.Number, "as the last leaf", true},
		{"confirm: for the other claim", edit(confirm, func(m *ledgerpb.MsgConfirmJustification) { m.Claim = 1 }),
			reputation.ErrInvalidJustification.Number, "claim 1", true},
		{"confirm: a short branch mask", edit(confirm, func(m *ledgerpb.MsgConfirmJustification) { m.First.BranchMask = m.First.BranchMask[:31] }),
			reputation.ErrInvalidWitness.Number, "first.branch_mask: 31 bytes", false},
		{"confirm: an unknown claim", edit(confirm, func(m *ledgerpb.MsgConfirmJustification) { m.Claim = 9 }),
			reputation.ErrNoClaim.Number, "claim 9", true},
		{"search before the confirmation", &ledgerpb.Msg{Sum: &ledgerpb.Msg_ChallengeSearch{ChallengeSearch: &ledgerpb.MsgChallengeSearch{
			Cycle: 0, Claim: 0, Child0: hash32("a"), Child1: hash32("b")}}},
			reputation.ErrWrongStep.Number, "waits for confirm-jrh", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkHookedRejection(t, c, c.tx(miner3, tc.msg), reputation.Codespace, tc.code, tc.log, tc.charged)
		})
	}
	c.mustBlock(c.tx(miner3, confirm))
	t.Run("confirm twice", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(miner3, confirm), reputation.Codespace, reputation.ErrAlreadyAnswered.Number, "confirmed already", true)
	})
	ch = c.runUntil(defenders, ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH)
	search, _ := honest.Answer(ch, 0, claim1)
	t.Run("search: children of another node", func(t *testing.T) {
		bad := proto.Clone(search).(*ledgerpb.Msg)
		bad.GetChallengeSearch().Child0, bad.GetChallengeSearch().Child1 = bad.GetChallengeSearch().Child1, bad.GetChallengeSearch().Child0
		checkHookedRejection(t, c, c.tx(miner3, bad), reputation.Codespace, reputation.ErrBadSearchStep.Number, "node [0,", true)
	})
	ch = c.runUntil(defenders, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND)
	if ch.Lo-1 != at {
		t.Fatalf("the search ended at update %d, the forged one is %d", ch.Lo-1, at)
	}
	respond, err := honest.Answer(ch, 0, claim1)
	if err != nil {
		t.Fatal(err)
	}
	r := respond.GetRespondToChallenge()
	if r.Child == nil || r.Origin == nil {
		t.Fatalf("a colony-wide child step of a loss needs the origin and child witnesses: %v", r)
	}
	_, pAfter, _ := j.Prove(ch.Lo)
	forgedAnswer, _ := forged.Answer(ch, 1, c.app.skills.Claim(c.st, 0, 0))
	otherUser := proto.Clone(r.Child).(*ledgerpb.ReputationWitness)
	copy(otherUser.Key[52:], miner4.addr.Bytes())
	for _, tc := range []struct {
		name string
		msg  *ledgerpb.Msg
		code uint32
		log  string
	}{
		{"respond: before proof of the after leaf", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.BeforeProof = reputation.ProofRecord(pAfter) }),
			reputation.ErrInvalidJustification.Number, "before: does not prove leaf"},
		{"respond: against the other claim's tree", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.Claim = 1 }),
			reputation.ErrInvalidJustification.Number, "before: does not prove leaf"},
		{"respond: a UID that breaks the rules", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.Subject.Value[63]++ }),
			reputation.ErrInvalidWitness.Number, "update"},
		{"respond: a child fraction from another user", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.Child = otherUser }),
			reputation.ErrInvalidWitness.Number, "update"},
		{"respond: without the origin", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.Origin = nil }),
			reputation.ErrInvalidWitness.Number, "update"},
		{"respond: the wrong log entry", respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.LogEntry++ }),
			reputation.ErrWrongLogEntry.Number, "does not hold log update"},
		{"respond: the forged side's own transition", forgedAnswer,
			reputation.ErrWrongTransition.Number, "which leaf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signer := miner3
			if tc.msg == forgedAnswer {
				signer = miner2
			}
			checkHookedRejection(t, c, c.tx(signer, tc.msg), reputation.Codespace, tc.code, tc.log, true)
		})
	}
	res := c.mustBlock(c.tx(miner3, respond))
	if e := findEvent(t, res.TxResults[0].Events, "challenge_decided"); attr(e, "winner") != "0" || attr(e, "reason") != "single-update" {
		t.Fatalf("event %v", e)
	}
}

// TestChallengeWrongDecay: in cycle 1 the previous state's leaves decay
// first; a replay forged at a decay loses, and a response proving the
// decay of a leaf with another UID is refused.
func TestChallengeWrongDecay(t *testing.T) {
	c := challengeChain(t, 2)
	h0 := c.defense(0, -1)
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(h0), c.eligibleEntry(miner1, h0.Result.Root[:], 50, true))))
	c.emptyBlocksTo(40) // accepted at 23; cycle 1 freezes at 40
	honest := c.defense(1, -1)
	decays := honest.Prev.NLeaves()
	if decays < 3 {
		t.Fatalf("cycle 0 left %d leaves", decays)
	}
	at := decays / 2
	forged := c.defense(1, int64(at))
	c.mustBlock(c.tx(miner1, submitRoot(1, claimOfDefense(honest), c.eligibleEntry(miner1, honest.Result.Root[:], 50, true))),
		c.tx(miner2, submitRoot(1, claimOfDefense(forged), c.eligibleEntry(miner2, forged.Result.Root[:], 50, true))))
	defenders := map[uint32]defender{0: {k: miner1, d: honest}, 1: {k: miner2, d: forged, forged: true}}
	ch := c.runUntil(defenders, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND)
	if ch.Lo-1 != at {
		t.Fatalf("the search ended at update %d, want the forged decay %d", ch.Lo-1, at)
	}
	respond, err := honest.Answer(ch, 0, c.app.skills.Claim(c.st, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	// The witness of another leaf: the one with UID at + 2.
	before, err := colonyrep.StateBefore(honest.Prev, honest.Skills, honest.Params, honest.Log, at)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := before.Leaf(at + 2)
	other := reputation.WitnessRecord(before.Witness(l.Key))
	checkHookedRejection(t, c, c.tx(miner3, respondMsg(t, respond, func(m *ledgerpb.MsgRespondToChallenge) { m.Subject = other })),
		reputation.Codespace, reputation.ErrInvalidWitness.Number, "decay of UID", true)
	c.runChallenge(defenders)
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if root.Cycle != 1 || !bytes.Equal(root.Root, honest.Result.Root[:]) {
		t.Fatalf("root %v", &root)
	}
}

// TestRedTeamLoneForgedRoot: before the challenge protocol, a lone miner
// with the smallest stake, freshly staked, submitted a root in which it
// held 2^127 − 1 reputation; being the only hash, it was accepted, and
// the attacker then proved that reputation in bids. Now: a stake below
// min_miner_stake is refused; a fresh stake must wait
// miner_min_staked_cycles; the forged root meets the honest miner's root
// and loses, its miner's stake going half to the honest defender and
// half to the treasury; the forged reputation proves nothing.
func TestRedTeamLoneForgedRoot(t *testing.T) {
	attacker := newKey("lone forger")
	c := marketChainWith(t, func(p *ledgerpb.Params) {
		p.ReputationCycleBlocks = 20
		p.MiningWindowBlocks = 2
		p.MinMinerStake = 200_000
		p.MinerMinStakedCycles = 2
		p.MiningResponseWindowBlocks = 3
		p.MinerSlashDefenderBps = 5_000
		p.MinerReputationPenalty = 500
		p.MinerReward = 100
		p.MiningStakeMaturityBlocks = 100
	})
	c.mustBlock(c.tx(mProv1, send(attacker, 300_000)), c.tx(mProv3, send(miner1, 300_000)))
	b := takeBook(c, attacker, miner1)
	checkHookedRejection(t, c, c.tx(attacker, stakeMiner(1_000)), reputation.Codespace, reputation.ErrStakeTooLow.Number, "min_miner_stake 200000", true)
	c.mustBlock(c.tx(miner1, stakeMiner(200_000)), c.tx(attacker, stakeMiner(200_000))) // height 4: may submit from 44
	c.emptyBlocksTo(20)                                                                 // cycle 0 freezes
	honest := c.defense(0, -1)
	// The forged state: the honest log and one more entry giving the
	// attacker the most reputation there is in "compute".
	compute, _ := c.app.skills.SkillID(c.st, reputation.SkillCompute)
	forgedLog := slices.Clone(honest.Log)
	if _, err := forgedLog.Append(honest.Skills, colonyrep.Address(reputation.NetworkColony()), colonyrep.Address(attacker.addr), compute, colonyrep.MaxAmount()); err != nil {
		t.Fatal(err)
	}
	fres, err := colonyrep.Replay(nil, honest.Skills, honest.Params, forgedLog)
	if err != nil {
		t.Fatal(err)
	}
	forged := &reputation.Defense{Cycle: 0, Skills: honest.Skills, Params: honest.Params, Log: forgedLog, Result: fres}
	res := c.block(c.tx(attacker, submitRoot(0, claimOfDefense(forged), 1)))
	if r := res.TxResults[0]; r.Code != reputation.ErrStakedTooBriefly.Number || !strings.Contains(r.Log, "from height 44") {
		t.Fatalf("a fresh stake submits: %+v", r)
	}
	// Both submit at the last block of a window, where every entry is
	// eligible.
	for c.height+1 < 44 || c.app.skills.MiningState(c.st).WindowEnd != c.height+1 {
		c.mustBlock()
	}
	c.mustBlock(c.tx(miner1, submitRoot(0, claimOfDefense(honest), 1)), c.tx(attacker, submitRoot(0, claimOfDefense(forged), 1)))
	c.runChallenge(map[uint32]defender{0: {k: miner1, d: honest}, 1: {k: attacker, d: forged, forged: true}})
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if !bytes.Equal(root.Root, honest.Result.Root[:]) {
		t.Fatalf("accepted %x, want the honest root", root.Root)
	}
	// The attacker's proof of 2^127 − 1 against the accepted root fails.
	k := colonyrep.Key{Colony: colonyrep.Address(reputation.NetworkColony()), Skill: compute, User: colonyrep.Address(attacker.addr)}
	l, p, _ := fres.State.Prove(k)
	v, _ := colonyrep.LeafValue(l.Reputation, l.UID)
	proof := &ledgerpb.ReputationProof{Colony: reputation.NetworkColony().Bytes(), Skill: compute, User: attacker.addr.Bytes(), Value: v[:],
		BranchMask: p.BranchMask[:], Siblings: reputation.ProofRecord(p).Siblings}
	if _, err := c.app.skills.ProvenReputation(c.st, "bid", "reputation_proof", proof, reputation.NetworkColony(), attacker.addr, compute); err == nil {
		t.Fatal("the forged reputation proves")
	}
	// The book: the attacker lost its stake (200,000) and paid its fees;
	// the honest miner, who defended, got half of it and the reward, less
	// its fees; the treasury the other half and the fees, less the reward.
	feesA, fees1 := int64(c.seq(attacker))*int64(c.p.MinFee), int64(c.seq(miner1))*int64(c.p.MinFee)
	reward := int64(c.p.MinerReward) // the only submission of the accepted claim takes it all
	b.check(t, map[string]int64{attacker.name: -200_000 - feesA, miner1.name: -200_000 + 100_000 + reward - fees1},
		100_000+feesA+fees1-reward, 0)
}

package app

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// The recovery-mode tests (Colony whitepaper §2.2 "Contract security",
// §7.9 "Emergency Shutdown"): recovery addresses stop mining, edit the
// accepted root, and end recovery mode by a majority of approvals given
// after the last edit.

var (
	rec1        = newKey("recovery 1")
	rec2        = newKey("recovery 2")
	rec3        = newKey("recovery 3")
	govProposer = newKey("governance")
)

func enterRecovery() *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_EnterRecovery{EnterRecovery: &ledgerpb.MsgEnterRecovery{}}}
}

func recoverySetRoot(cycle uint64, cl claim) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RecoverySetRoot{RecoverySetRoot: &ledgerpb.MsgRecoverySetRoot{
		Cycle: cycle, Root: cl.root, NLeaves: cl.nLeaves, Jrh: cl.jrh}}}
}

// approveExit approves the exit as the state stands after edit edits.
func approveExit(edit uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ApproveRecoveryExit{ApproveRecoveryExit: &ledgerpb.MsgApproveRecoveryExit{Edit: edit}}}
}

// approveExit approves the exit of the state as it stands now.
func (c *chain) approveExit() *ledgerpb.Msg {
	return approveExit(c.app.skills.Recovery(c.st).GetEdits())
}

func setRecoveryAddresses(ks ...key) *ledgerpb.Msg {
	m := &ledgerpb.MsgSetRecoveryAddresses{}
	for _, k := range ks {
		m.Addresses = append(m.Addresses, k.addr.String())
	}
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetRecoveryAddresses{SetRecoveryAddresses: m}}
}

func (c *chain) recovery() *ledgerpb.RecoveryStatus {
	c.t.Helper()
	var r ledgerpb.RecoveryStatus
	c.query(query.Recovery, nil, &r)
	return &r
}

// recoveryChain is a chain with cycles of 20 blocks, mining windows of 4,
// a challenge response window of 3, rec1 to rec3 as its recovery
// addresses (two approvals end recovery mode) and govProposer funded to
// submit proposals; miner1 and miner2 stake 50,000 each at height 1 (50 entry
// indices). Cycle 0 freezes at height 20, its window is [21, 24].
func recoveryChain(t testing.TB) *chain {
	t.Helper()
	p := testParams()
	p.ReputationCycleBlocks = 20
	p.MiningWindowBlocks = 4
	p.MinMinerStake = 1_000
	p.MinerReward = 100
	p.MinerReputationReward = 1_000
	p.MiningStakeMaturityBlocks = 100
	p.MiningResponseWindowBlocks = 3
	p.MinerMinStakedCycles = 0
	p.MinerSlashDefenderBps = 5_000
	p.MinerReputationPenalty = 500
	g := testGenesis(p)
	for _, k := range []key{miner1, miner2, rec1, rec2, rec3, govProposer} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: k.addr.String(), Balance: 100_000})
	}
	g.RecoveryAddresses = []string{rec1.addr.String(), rec2.addr.String(), rec3.addr.String()}
	c := newChain(t, g)
	c.mustBlock(c.tx(miner1, stakeMiner(50_000)), c.tx(miner2, stakeMiner(50_000)))
	return c
}

// appendEntries appends reputation to the open cycle's log, as the market
// does when ratings become final: alice gains in compute/genomics/digest,
// bob in compute.
func (c *chain) appendEntries() {
	c.t.Helper()
	var ev event.Log
	digest, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	compute, _ := c.app.skills.SkillID(c.st, reputation.SkillCompute)
	for _, e := range []struct {
		who    key
		skill  uint64
		amount int64
	}{{alice, digest, 900}, {bob, compute, 300}} {
		if _, err := c.app.skills.Append(c.st, &ev, reputation.NetworkColony(), e.who.addr, e.skill, big.NewInt(e.amount)); err != nil {
			c.t.Fatal(err)
		}
	}
}

// mineCycle submits cl from miner1 for the mining cycle as soon as an
// entry is eligible, and runs blocks until the cycle is accepted (the
// window closes with that one claim).
func (c *chain) mineCycle(cl claim) {
	c.t.Helper()
	cycle := c.app.skills.MiningState(c.st).MiningCycle
	c.submitEligible(miner1, cl)
	for range 20 {
		if r := c.app.skills.AcceptedRoot(c.st); r != nil && r.Cycle == cycle {
			return
		}
		c.mustBlock()
	}
	c.t.Fatalf("cycle %d not accepted", cycle)
}

// acceptedRecoveryChain is recoveryChain with entries in cycle 0's log
// and its honest root accepted at 25; cycle 1 is open since 20.
func acceptedRecoveryChain(t testing.TB) (*chain, claim) {
	t.Helper()
	c := recoveryChain(t)
	c.emptyBlocksTo(10)
	c.appendEntries()
	c.emptyBlocksTo(20)
	honest := claimOf(c.replay(0))
	c.mineCycle(honest)
	if c.height != 25 {
		t.Fatalf("cycle 0 accepted at %d, want 25", c.height)
	}
	return c, honest
}

func checkRecovery(t *testing.T, c *chain, active bool, edits uint64, approved, needed uint32) *ledgerpb.RecoveryStatus {
	t.Helper()
	r := c.recovery()
	if r.Active != active || r.Edits != edits || r.Approved != approved || r.Needed != needed {
		t.Fatalf("recovery: active %v, edits %d, approved %d/%d; want %v, %d, %d/%d (%v)", r.Active, r.Edits, r.Approved, r.Needed,
			active, edits, approved, needed, r)
	}
	return r
}

// TestRecoveryLifecycle: only a recovery address enters; entering twice
// is refused; a root is set (an edit); an approval given before the edit
// no longer counts, one given after it does; two of three approvals
// after the last edit end recovery mode (Colony whitepaper §2.2: "only
// agreements made after the last edit are counted").
func TestRecoveryLifecycle(t *testing.T) {
	c, honest := acceptedRecoveryChain(t)
	checkRecovery(t, c, false, 0, 0, 2)
	const charged = true
	t.Run("refused outside recovery mode", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(alice, enterRecovery()), reputation.Codespace, reputation.ErrNotRecoveryAddress.Number, "is not a recovery address", charged)
		checkHookedRejection(t, c, c.tx(rec1, c.approveExit()), reputation.Codespace, reputation.ErrNotInRecovery.Number, "not in recovery mode", charged)
		checkHookedRejection(t, c, c.tx(rec1, recoverySetRoot(0, honest)), reputation.Codespace, reputation.ErrNotInRecovery.Number, "not in recovery mode", charged)
	})
	res := c.mustBlock(c.tx(rec1, enterRecovery()))
	entered := c.height
	if e := findEvent(t, res.TxResults[0].Events, "recovery_entered"); attr(e, "by") != rec1.addr.String() || attr(e, "open_cycle") != "1" || attr(e, "mining") != "" {
		t.Fatalf("event %v", e)
	}
	r := checkRecovery(t, c, true, 0, 0, 2)
	if r.EnteredHeight != entered || !bytes.Equal(r.EnteredBy, rec1.addr.Bytes()) || len(r.Addresses) != 3 {
		t.Fatalf("recovery %v", r)
	}
	if !c.miningStatus().Recovery {
		t.Fatal("the mining status does not show recovery mode")
	}
	t.Run("refused in recovery mode", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(rec2, enterRecovery()), reputation.Codespace, reputation.ErrRecoveryMode.Number, "in recovery mode already", charged)
		checkHookedRejection(t, c, c.tx(alice, c.approveExit()), reputation.Codespace, reputation.ErrNotRecoveryAddress.Number, "is not a recovery address", charged)
		checkHookedRejection(t, c, c.tx(alice, recoverySetRoot(0, honest)), reputation.Codespace, reputation.ErrNotRecoveryAddress.Number, "is not a recovery address", charged)
		checkHookedRejection(t, c, c.tx(rec1, recoverySetRoot(1, honest)), reputation.Codespace, reputation.ErrRecoveryCycle.Number, "cycle 1: not frozen", charged)
		short := recoverySetRoot(0, claim{root: honest.root[:31], nLeaves: 1, jrh: honest.jrh})
		checkHookedRejection(t, c, c.tx(rec1, short), reputation.Codespace, reputation.ErrInvalidSubmission.Number, "root: 31 bytes", !charged)
	})

	// rec1 approves before the edit; rec2 sets the root (edit 1), which
	// makes rec1's approval stale.
	res = c.mustBlock(c.tx(rec1, c.approveExit()))
	if e := findEvent(t, res.TxResults[0].Events, "recovery_exit_approved"); attr(e, "approvals") != "1" || attr(e, "needed") != "2" || attr(e, "edit") != "0" {
		t.Fatalf("event %v", e)
	}
	checkRecovery(t, c, true, 0, 1, 2)
	checkHookedRejection(t, c, c.tx(rec1, c.approveExit()), reputation.Codespace, reputation.ErrAlreadyApproved.Number, "after edit 0", charged)
	fixed := claim{root: hash32("the repaired root"), nLeaves: honest.nLeaves, jrh: hash32("the repaired jrh")}
	res = c.mustBlock(c.tx(rec2, recoverySetRoot(0, fixed)))
	e := findEvent(t, res.TxResults[0].Events, "recovery_root_set")
	if attr(e, "edit") != "1" || attr(e, "cycle") != "0" || attr(e, "mining") != "" || attr(e, "dropped") != "0" {
		t.Fatalf("event %v", e)
	}
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if root.Cycle != 0 || !bytes.Equal(root.Root, fixed.root) || root.AcceptedHeight != c.height {
		t.Fatalf("root %v", &root)
	}
	r = checkRecovery(t, c, true, 1, 0, 2)
	if len(r.Approvals) != 1 || r.Approvals[0].Edit != 0 {
		t.Fatalf("approvals %v", r.Approvals)
	}
	// rec3 approves after the edit: one counts, rec1's does not.
	c.mustBlock(c.tx(rec3, c.approveExit()))
	checkRecovery(t, c, true, 1, 1, 2)
	// rec1 approves again, after the edit: two of three, recovery ends.
	res = c.mustBlock(c.tx(rec1, c.approveExit()))
	exited := c.height
	e = findEvent(t, res.TxResults[0].Events, "recovery_exited")
	paused := exited - entered
	if attr(e, "approvals") != "2" || attr(e, "paused") != fmt.Sprint(paused) || attr(e, "open_cycle_start") != fmt.Sprint(20+paused) || attr(e, "mining") != "" {
		t.Fatalf("event %v", e)
	}
	r = checkRecovery(t, c, false, 1, 0, 2)
	if len(r.Approvals) != 0 || r.EnteredHeight != 0 || c.miningStatus().Recovery {
		t.Fatalf("recovery %v", r)
	}
	checkHookedRejection(t, c, c.tx(rec2, c.approveExit()), reputation.Codespace, reputation.ErrNotInRecovery.Number, "not in recovery mode", charged)
	// Nothing is mined until the open cycle freezes: the blocks in
	// recovery mode did not count toward it, so it freezes at 40 + paused.
	freeze := 40 + paused
	c.emptyBlocksTo(freeze - 1)
	if ms := c.miningStatus(); ms.Mining || ms.OpenCycle != 1 {
		t.Fatalf("height %d: %v", c.height, ms)
	}
	res = c.mustBlock()
	if e := findEvent(t, res.Events, "cycle_frozen"); attr(e, "cycle") != "1" {
		t.Fatalf("event %v", e)
	}
	// Cycle 1 is mined on the repaired root.
	if prev := c.app.skills.PreviousState(c.st, 1); !bytes.Equal(prev.Root[:], fixed.root) {
		t.Fatalf("cycle 1 starts from %x, want the repaired root", prev.Root[:])
	}
}

// TestRecoveryStopsMining: recovery mode entered in a submission window,
// with one submission made: however many blocks pass, no window closes,
// no cycle freezes (so nothing decays) and the open cycle's log keeps
// its entries; submissions are refused; the accepted root still proves
// reputation. At the exit the window restarts as [h+1, h+4] and the
// cycle's submission is accepted with a second one.
func TestRecoveryStopsMining(t *testing.T) {
	c, _ := acceptedRecoveryChain(t)
	c.emptyBlocksTo(30)
	c.appendEntries()
	c.emptyBlocksTo(40) // cycle 1 freezes; window [41, 44]
	honest := claimOf(c.replay(1))
	c.mustBlock(c.tx(miner2, submitRoot(1, honest, c.eligibleEntry(miner2, honest.root, 50, true)))) // 41
	c.mustBlock(c.tx(rec2, enterRecovery()))                                                         // 42
	entered := c.height
	before := c.miningStatus()
	logBefore, _ := c.app.skills.LogLength(c.st, 2)
	for range 100 {
		res := c.mustBlock()
		if len(res.Events) != 0 {
			t.Fatalf("height %d: the hook ran in recovery mode: %v", c.height, res.Events)
		}
	}
	after := c.miningStatus()
	if after.OpenCycle != 2 || after.OpenCycleStart != before.OpenCycleStart || after.MiningCycle != 1 || after.WindowEnd != 44 ||
		len(after.Submissions) != 1 || after.Accepted.Cycle != 0 {
		t.Fatalf("mining moved in recovery mode: %v", after)
	}
	// The market keeps appending to the open cycle, whose log is not
	// frozen.
	c.appendEntries()
	if n, _ := c.app.skills.LogLength(c.st, 2); n != logBefore+2 || c.app.skills.CurrentCycle(c.st) != 2 {
		t.Fatalf("open cycle %d has %d entries", c.app.skills.CurrentCycle(c.st), n)
	}
	// The accepted root of cycle 0 proves alice's reputation.
	digest, _ := c.app.skills.SkillID(c.st, "compute/genomics/digest")
	proof, want := proofOf(t, c.replay(0).State, alice, digest)
	if got, err := c.app.skills.ProvenReputation(c.st, "bid", "reputation_proof", proof, reputation.NetworkColony(), alice.addr, digest); err != nil || got.Cmp(want) != 0 {
		t.Fatalf("proof: %v, %v; want %v", got, err, want)
	}
	// A submission, even at a height inside the old window, is refused.
	t.Run("submission refused", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(miner1, submitRoot(1, honest, 1)), reputation.Codespace, reputation.ErrRecoveryMode.Number,
			fmt.Sprintf("recovery mode since height %d", entered), true)
	})
	c.mustBlock(c.tx(rec1, c.approveExit()))
	res := c.mustBlock(c.tx(rec3, c.approveExit()))
	h := c.height
	e := findEvent(t, res.TxResults[0].Events, "recovery_exited")
	if attr(e, "mining") != "1" || attr(e, "window_start") != fmt.Sprint(h+1) || attr(e, "window_end") != fmt.Sprint(h+4) {
		t.Fatalf("event %v", e)
	}
	ms := c.miningStatus()
	if ms.WindowStart != h+1 || ms.WindowEnd != h+4 || ms.OpenCycleStart != 40+h-entered {
		t.Fatalf("after the exit: %v", ms)
	}
	c.mineCycle(honest)
	if c.height != h+5 {
		t.Fatalf("accepted at %d, want %d (the restarted window's end + 1)", c.height, h+5)
	}
	if subs := c.app.skills.Submissions(c.st, 1); len(subs) != 0 {
		t.Fatalf("submissions kept after acceptance: %v", subs)
	}
}

// confirmAnswer is a well-formed MsgConfirmJustification for claim id of
// cycle, whose proofs prove nothing.
func confirmAnswer(cycle uint64, id uint32) *ledgerpb.Msg {
	empty := func() *ledgerpb.PatriciaProof { return &ledgerpb.PatriciaProof{BranchMask: make([]byte, 32)} }
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ConfirmJustification{ConfirmJustification: &ledgerpb.MsgConfirmJustification{
		Cycle: cycle, Claim: id, First: empty(), Last: empty()}}}
}

// TestRecoveryRestartsChallengeDeadlines: two fake claims nobody answers
// meet in a challenge; recovery mode, entered before its deadline, stops
// the clock: the old deadline passes and nobody loses, and answers are
// refused. At the exit the step's deadline restarts at exit + 3 (the
// response window); both claims lose at the block after it, not before.
func TestRecoveryRestartsChallengeDeadlines(t *testing.T) {
	c := recoveryChain(t)
	c.emptyBlocksTo(20)
	a, b := fakeClaimN(0), fakeClaimN(1)
	c.mustBlock(c.tx(miner1, submitRoot(0, a, c.eligibleEntry(miner1, a.root, 50, true))),
		c.tx(miner2, submitRoot(0, b, c.eligibleEntry(miner2, b.root, 50, true))))
	c.emptyBlocksTo(25) // the window [21, 24] closes: the challenge opens
	ch := c.app.skills.Challenge(c.st, 0, 1, 0)
	if ch == nil || ch.Deadline != 28 || ch.Step != ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH {
		t.Fatalf("challenge %v", ch)
	}
	c.mustBlock(c.tx(rec1, enterRecovery())) // 26
	t.Run("answer refused", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(alice, confirmAnswer(0, 0)), reputation.Codespace, reputation.ErrRecoveryMode.Number, "recovery mode since height 26", true)
	})
	c.emptyBlocksTo(60)
	if ch := c.app.skills.Challenge(c.st, 0, 1, 0); ch.Step != ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH || ch.Deadline != 28 {
		t.Fatalf("the challenge moved in recovery mode: %v", ch)
	}
	stake1, stake2 := c.app.skills.Miner(c.st, miner1.addr), c.app.skills.Miner(c.st, miner2.addr)
	if stake1 == nil || stake2 == nil {
		t.Fatal("a miner was slashed in recovery mode")
	}
	c.mustBlock(c.tx(rec2, c.approveExit()))
	res := c.mustBlock(c.tx(rec3, c.approveExit())) // 62
	exit := c.height
	if e := findEvent(t, res.TxResults[0].Events, "challenge_step"); attr(e, "deadline") != fmt.Sprint(exit+3) || attr(e, "step") != "confirm-jrh" {
		t.Fatalf("event %v", e)
	}
	if e := findEvent(t, res.TxResults[0].Events, "recovery_exited"); attr(e, "challenges") != "1" || attr(e, "window_end") != "0" {
		t.Fatalf("event %v", e)
	}
	if c.st.Has(reputation.ChallengeDueKey(28, 0, 1, 0)) || !c.st.Has(reputation.ChallengeDueKey(exit+3, 0, 1, 0)) {
		t.Fatal("the due key was not moved to the new deadline")
	}
	c.emptyBlocksTo(exit + 3)
	if ch := c.app.skills.Challenge(c.st, 0, 1, 0); ch.Step == ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED {
		t.Fatalf("decided at %d, before the restarted deadline %d passed", c.height, exit+3)
	}
	treasury := c.treasuryBalance()
	res = c.mustBlock()
	e := findEvent(t, res.Events, "challenge_decided")
	if attr(e, "winner") != "" || attr(e, "invalidated") != "0,1" || attr(e, "reason") != "timeout" {
		t.Fatalf("event %v", e)
	}
	if c.app.skills.Miner(c.st, miner1.addr) != nil || c.app.skills.Miner(c.st, miner2.addr) != nil {
		t.Fatal("the miners of the lost claims keep their stakes")
	}
	if got := c.treasuryBalance() - treasury; got != stake1.Stake+stake2.Stake {
		t.Fatalf("the treasury gained %d, want both stakes %d", got, stake1.Stake+stake2.Stake)
	}
}

// TestRecoverySetRootBacklog: a lone wrong root was accepted for cycle 1
// (no challenger), and cycle 2 is being mined on it. Recovery mode
// reverts to cycle 0's root (Colony whitepaper §7.9: "revert the
// reputation root hash to a previous version"): cycle 2's submission is
// dropped without slashing or reward, and after the exit the backlog —
// cycles 1 and 2, both frozen — is mined one after the other, each
// window opening as the previous cycle is accepted; then cycle 3
// freezes when its time, less the recovery blocks, has come.
func TestRecoverySetRootBacklog(t *testing.T) {
	c, honest0 := acceptedRecoveryChain(t)
	c.emptyBlocksTo(30)
	c.appendEntries()
	c.emptyBlocksTo(40)
	wrong := claim{root: hash32("a wrong root"), nLeaves: 99, jrh: hash32("a wrong jrh")}
	c.mineCycle(wrong) // accepted at 45
	c.emptyBlocksTo(60)
	if ms := c.miningStatus(); !ms.Mining || ms.MiningCycle != 2 || ms.WindowStart != 61 {
		t.Fatalf("height 60: %v", ms)
	}
	c.mustBlock(c.tx(miner2, submitRoot(2, fakeClaim, c.eligibleEntry(miner2, fakeClaim.root, 50, true)))) // 61
	c.mustBlock(c.tx(rec3, enterRecovery()))                                                               // 62
	entered := c.height
	t.Run("the wrong root's miner cannot unstake", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(miner2, unstakeMiner(1_000)), reputation.Codespace, reputation.ErrMinerBusy.Number, "submitted to cycle 2", true)
	})
	b := takeBook(c, miner1, miner2)
	res := c.mustBlock(c.tx(rec1, recoverySetRoot(0, honest0)))
	e := findEvent(t, res.TxResults[0].Events, "recovery_root_set")
	if attr(e, "mining") != "1" || attr(e, "dropped") != "1" {
		t.Fatalf("event %v", e)
	}
	for _, typ := range []string{"miner_slashed", "miners_rewarded", "root_accepted"} {
		for _, ev := range res.TxResults[0].Events {
			if ev.Type == typ {
				t.Fatalf("%s while setting a root: %v", typ, ev)
			}
		}
	}
	ms := c.miningStatus()
	if !ms.Mining || ms.MiningCycle != 1 || ms.OpenCycle != 3 || len(ms.Submissions) != 0 || len(ms.Claims) != 0 || ms.Accepted.Cycle != 0 {
		t.Fatalf("after the set root: %v", ms)
	}
	if len(c.app.skills.Submissions(c.st, 2)) != 0 || len(c.app.skills.Claims(c.st, 2)) != 0 {
		t.Fatal("cycle 2's submissions or claims were kept")
	}
	c.mustBlock(c.tx(miner2, unstakeMiner(1_000))) // the dropped submission no longer holds the stake
	b.check(t, map[string]int64{miner1.name: 0, miner2.name: 1_000 - c.fees(1)}, c.fees(2), 0)

	c.mustBlock(c.tx(rec1, c.approveExit()))
	c.mustBlock(c.tx(rec2, c.approveExit()))
	exit := c.height
	if ms := c.miningStatus(); ms.MiningCycle != 1 || ms.WindowStart != exit+1 || ms.WindowEnd != exit+4 {
		t.Fatalf("after the exit: %v", ms)
	}
	// Cycle 1, replayed on the reverted root, is accepted; cycle 2 is
	// mined at once, without waiting for a freeze.
	honest1 := claimOf(c.replay(1))
	c.submitEligible(miner1, honest1)
	c.emptyBlocksTo(exit + 4)
	res = c.mustBlock()
	if e := findEvent(t, res.Events, "root_accepted"); attr(e, "cycle") != "1" {
		t.Fatalf("event %v", e)
	}
	e = findEvent(t, res.Events, "mining_started")
	if attr(e, "cycle") != "2" || attr(e, "window_start") != fmt.Sprint(c.height+1) || attr(e, "window_end") != fmt.Sprint(c.height+4) {
		t.Fatalf("event %v", e)
	}
	for _, ev := range res.Events {
		if ev.Type == "cycle_frozen" {
			t.Fatalf("a cycle froze while the backlog is mined: %v", ev)
		}
	}
	if prev := c.app.skills.PreviousState(c.st, 2); !bytes.Equal(prev.Root[:], honest1.root) {
		t.Fatalf("cycle 2 starts from %x, want cycle 1's root", prev.Root[:])
	}
	honest2 := claimOf(c.replay(2))
	c.mineCycle(honest2)
	var root ledgerpb.ReputationRoot
	c.query(query.ReputationRoot, nil, &root)
	if root.Cycle != 2 || !bytes.Equal(root.Root, honest2.root) {
		t.Fatalf("root %v", &root)
	}
	if ms := c.miningStatus(); ms.Mining || ms.OpenCycle != 3 {
		t.Fatalf("after the backlog: %v", ms)
	}
	// Cycle 3 opened at 60; the recovery blocks do not count.
	freeze := 80 + exit - entered
	c.emptyBlocksTo(freeze - 1)
	if ms := c.miningStatus(); ms.Mining {
		t.Fatalf("height %d: %v", c.height, ms)
	}
	res = c.mustBlock()
	if e := findEvent(t, res.Events, "cycle_frozen"); attr(e, "cycle") != "3" {
		t.Fatalf("event %v", e)
	}
}

// TestRecoveryAddressesByGovernance: only a passed proposal replaces
// the recovery addresses; a malformed list is refused at submission
// without state; in recovery mode a replacement is an edit, drops the
// approvals of removed addresses, and may not leave the list empty (the
// proposal fails at execution and changes nothing).
func TestRecoveryAddressesByGovernance(t *testing.T) {
	c := recoveryChain(t)
	const charged = true
	t.Run("refused", func(t *testing.T) {
		checkHookedRejection(t, c, c.tx(alice, setRecoveryAddresses(alice)), reputation.Codespace, reputation.ErrNotAuthority.Number, "only a passed governance proposal", !charged)
		checkHookedRejection(t, c, c.tx(govProposer, submitProposal(1_000, propRecoveryAddresses(rec1, rec1))), reputation.Codespace, reputation.ErrInvalidRecoveryAddresses.Number, "listed twice", !charged)
		bad := &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_SetRecoveryAddresses{SetRecoveryAddresses: &ledgerpb.MsgSetRecoveryAddresses{Addresses: []string{"cosmos1xyz"}}}}
		checkHookedRejection(t, c, c.tx(govProposer, submitProposal(1_000, bad)), reputation.Codespace, reputation.ErrInvalidRecoveryAddresses.Number, "addresses[0]", !charged)
		many := make([]key, reputation.MaxRecoveryAddresses+1)
		for i := range many {
			many[i] = newKey(fmt.Sprint("recovery many ", i))
		}
		checkHookedRejection(t, c, c.tx(govProposer, submitProposal(1_000, propRecoveryAddresses(many...))), reputation.Codespace, reputation.ErrInvalidRecoveryAddresses.Number, "at most 32", !charged)
	})
	// Outside recovery mode a replacement is no edit.
	_, res := c.govPass(govProposer, propRecoveryAddresses(rec1, alice))
	if e := findEvent(t, res.Events, "recovery_addresses_set"); attr(e, "addresses") != rec1.addr.String()+","+alice.addr.String() || attr(e, "recovery") != "false" {
		t.Fatalf("event %v", e)
	}
	r := checkRecovery(t, c, false, 0, 0, 2)
	if len(r.Addresses) != 2 || !bytes.Equal(r.Addresses[1], alice.addr.Bytes()) {
		t.Fatalf("addresses %x", r.Addresses)
	}
	checkHookedRejection(t, c, c.tx(rec2, enterRecovery()), reputation.Codespace, reputation.ErrNotRecoveryAddress.Number, "is not a recovery address", charged)
	c.mustBlock(c.tx(alice, enterRecovery()))
	c.mustBlock(c.tx(rec1, c.approveExit()))
	checkRecovery(t, c, true, 0, 1, 2)
	// In recovery mode: an edit; rec1's approval goes stale.
	_, res = c.govPass(govProposer, propRecoveryAddresses(rec1, alice, bob))
	if e := findEvent(t, res.Events, "recovery_addresses_set"); attr(e, "recovery") != "true" || attr(e, "edit") != "1" {
		t.Fatalf("event %v", e)
	}
	checkRecovery(t, c, true, 1, 0, 2)
	c.mustBlock(c.tx(bob, c.approveExit()))
	checkRecovery(t, c, true, 1, 1, 2)
	// Removing bob removes its approval (and is an edit).
	c.govPass(govProposer, propRecoveryAddresses(rec1, alice))
	if r := checkRecovery(t, c, true, 2, 0, 2); len(r.Approvals) != 1 || !bytes.Equal(r.Approvals[0].Address, rec1.addr.Bytes()) {
		t.Fatalf("approvals %v", r.Approvals)
	}
	before := c.app.skills.Recovery(c.st)
	pr, _ := c.govPass(govProposer, propRecoveryAddresses())
	if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED || !strings.Contains(pr.Failure, "nobody could end it") {
		t.Fatalf("proposal %v", pr)
	}
	if after := c.app.skills.Recovery(c.st); !proto.Equal(before, after) {
		t.Fatalf("a failed proposal changed the recovery record: %v → %v", before, after)
	}
	c.mustBlock(c.tx(rec1, c.approveExit()), c.tx(alice, c.approveExit()))
	checkRecovery(t, c, false, 2, 0, 2)
	// Outside recovery mode the list may be emptied: nobody may enter.
	c.govPass(govProposer, propRecoveryAddresses())
	checkRecovery(t, c, false, 2, 0, 1)
	checkHookedRejection(t, c, c.tx(rec1, enterRecovery()), reputation.Codespace, reputation.ErrNotRecoveryAddress.Number, "is not a recovery address", charged)
}

// TestRecoveryGenesis: the recovery addresses of genesis are bech32,
// unique, at most 32; none means no recovery record.
func TestRecoveryGenesis(t *testing.T) {
	many := make([]string, reputation.MaxRecoveryAddresses+1)
	for i := range many {
		many[i] = newKey(fmt.Sprint("recovery many ", i)).addr.String()
	}
	for _, tc := range []struct {
		name   string
		list   []string
		wantIn string
	}{
		{"not bech32", []string{rec1.addr.String(), "cosmos1xyz"}, "recovery_addresses[1]"},
		{"listed twice", []string{rec1.addr.String(), rec2.addr.String(), rec1.addr.String()}, "listed twice"},
		{"too many", many, "at most 32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := testGenesis(testParams())
			g.RecoveryAddresses = tc.list
			js, err := EncodeGenesis(g)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ValidateGenesis(testChainID, js); err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantIn)
			}
		})
	}
	c := newTestChain(t)
	if c.st.Has(reputation.RecoveryKey()) {
		t.Fatal("a recovery record without recovery addresses")
	}
	checkRecovery(t, c, false, 0, 0, 1)
	g := testGenesis(testParams())
	g.RecoveryAddresses = many[:reputation.MaxRecoveryAddresses]
	c = newChain(t, g)
	if r := checkRecovery(t, c, false, 0, 0, 17); len(r.Addresses) != reputation.MaxRecoveryAddresses {
		t.Fatalf("%d addresses", len(r.Addresses))
	}
}

// TestRecoveryApprovalOfAStaleState: an approval names the edit count its
// signer reviewed; an edit landing earlier in the same block makes it
// stale, and it is refused rather than counted for a state its signer
// never saw.
func TestRecoveryApprovalOfAStaleState(t *testing.T) {
	c, honest := acceptedRecoveryChain(t)
	c.mustBlock(c.tx(rec1, enterRecovery()))
	reviewed := c.app.skills.Recovery(c.st).GetEdits()
	other := claim{root: hash32("another root"), nLeaves: honest.nLeaves, jrh: hash32("another jrh")}
	res := c.block(c.tx(rec2, recoverySetRoot(0, other)), c.tx(rec3, approveExit(reviewed)))
	if r := res.TxResults[0]; r.Code != 0 {
		t.Fatalf("set root: %s", r.Log)
	}
	if r := res.TxResults[1]; r.Code != reputation.ErrStaleApproval.Number || !strings.Contains(r.Log, fmt.Sprintf("edit %d", reviewed)) {
		t.Fatalf("stale approval: %s/%d %s", r.Codespace, r.Code, r.Log)
	}
	if a := c.app.skills.Recovery(c.st).GetApprovals(); len(a) != 0 {
		t.Fatalf("approvals %v", a)
	}
}

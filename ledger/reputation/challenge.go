package reputation

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	rep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// MaxDefenders bounds the accounts recorded per side of a challenge as
// its defenders: the first MaxDefenders accounts that answered a step
// for the side share in the stake of the miners it defeats.
const MaxDefenders = 8

// Reasons a challenge is decided, in the reason attribute of
// challenge_decided and Claim.reason.
const (
	// ReasonTimeout: a side did not answer the step by its deadline.
	ReasonTimeout = "timeout"
	// ReasonLeafCount: same root, and the side claiming more leaves proved
	// a leaf with that UID.
	ReasonLeafCount = "wrong-leaf-count"
	// ReasonSingleUpdate: the disputed update, recomputed on chain from
	// witnesses, lands on the winner's justification leaf.
	ReasonSingleUpdate = "single-update"
)

// Claim returns claim id of cycle, or nil.
func (k Keeper) Claim(st store.KVStore, cycle uint64, id uint32) *ledgerpb.Claim {
	b := st.Get(ClaimKey(cycle, id))
	if b == nil {
		return nil
	}
	c := &ledgerpb.Claim{}
	codec.MustUnmarshal(b, c)
	return c
}

// Claims returns the claims of cycle in id order.
func (k Keeper) Claims(st store.KVStore, cycle uint64) []*ledgerpb.Claim {
	p := ClaimPrefix(cycle)
	var out []*ledgerpb.Claim
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		c := &ledgerpb.Claim{}
		codec.MustUnmarshal(it.Value(), c)
		out = append(out, c)
	}
	return out
}

func setClaim(st store.KVStore, c *ledgerpb.Claim) { st.Set(ClaimKey(c.Cycle, c.Id), codec.Marshal(c)) }

// claimByHash returns the claim of cycle with SubmissionHash h, or nil.
func (k Keeper) claimByHash(st store.KVStore, cycle uint64, h [32]byte) *ledgerpb.Claim {
	b := st.Get(ClaimHashKey(cycle, h))
	if b == nil {
		return nil
	}
	return k.Claim(st, cycle, uint32(mustUint64(b)))
}

// Challenge returns challenge index of round of cycle, or nil.
func (k Keeper) Challenge(st store.KVStore, cycle uint64, round, index uint32) *ledgerpb.Challenge {
	b := st.Get(ChallengeKey(cycle, round, index))
	if b == nil {
		return nil
	}
	c := &ledgerpb.Challenge{}
	codec.MustUnmarshal(b, c)
	return c
}

// Challenges returns the challenges of round of cycle in index order.
func (k Keeper) Challenges(st store.KVStore, cycle uint64, round uint32) []*ledgerpb.Challenge {
	p := ChallengeRoundPrefix(cycle, round)
	var out []*ledgerpb.Challenge
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		c := &ledgerpb.Challenge{}
		codec.MustUnmarshal(it.Value(), c)
		out = append(out, c)
	}
	return out
}

func setChallenge(st store.KVStore, c *ledgerpb.Challenge) {
	st.Set(ChallengeKey(c.Cycle, c.Round, c.Index), codec.Marshal(c))
}

// PreviousState returns leaf 0 of every justification tree of cycle: the
// accepted state the cycle's replay starts from — the empty state
// (zero root, 0 leaves) for cycle 0, else the accepted root of cycle − 1.
func (k Keeper) PreviousState(st store.KVStore, cycle uint64) rep.JustState {
	if cycle == 0 {
		return rep.JustState{}
	}
	a := k.AcceptedRoot(st)
	if a == nil || a.Cycle+1 != cycle {
		panic(fmt.Sprintf("reputation: corrupt state: mining cycle %d without the accepted root of cycle %d", cycle, cycle-1))
	}
	return rep.JustState{Root: patricia.Hash(a.Root), NLeaves: a.NLeaves}
}

// CycleUpdates returns N, the number of updates of cycle: one decay per
// leaf of the previous state, then the updates of its log (Colony
// whitepaper §7.6.1). A justification tree of the cycle has leaves 0 … N.
func (k Keeper) CycleUpdates(st store.KVStore, cycle uint64) uint64 {
	_, updates := k.LogLength(st, cycle)
	return k.PreviousState(st, cycle).NLeaves + updates
}

// startRound pairs the alive claims of the mining cycle, in id order,
// into the challenges of round (Colony whitepaper §7.5: "the submissions
// are paired into rounds"): claims 2i and 2i + 1 meet in challenge i, and
// an odd one out gets a bye and advances. One claim left, or none, marks
// the cycle resolved; the next block's hook accepts it or reopens the
// window.
func (m Mining) startRound(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState, round uint32) {
	var alive []*ledgerpb.Claim
	for _, c := range m.rep.Claims(st, ms.MiningCycle) {
		if c.State == ledgerpb.ClaimState_CLAIM_STATE_ALIVE {
			alive = append(alive, c)
		}
	}
	ms.Round, ms.OpenChallenges = round, 0
	if len(alive) <= 1 {
		ms.Resolved = true
		return
	}
	deadline := height + int64(p.MiningResponseWindowBlocks)
	bye := false
	for i := 0; i < len(alive); i += 2 {
		c := alive[i]
		c.Round, c.Bye = round, false
		if i+1 == len(alive) {
			c.Bye = true
			setClaim(st, c)
			bye = true
			ev.Emit(EventClaimBye{Cycle: ms.MiningCycle, Round: round, Claim: c.Id})
			continue
		}
		o := alive[i+1]
		o.Round, o.Bye = round, false
		index := uint32(i / 2)
		c.Challenge, o.Challenge = index, index
		setClaim(st, c)
		setClaim(st, o)
		ch := &ledgerpb.Challenge{
			Cycle: ms.MiningCycle, Round: round, Index: index, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH,
			Deadline: deadline,
			Sides:    []*ledgerpb.ChallengeSide{{Claim: c.Id, Edge: c.Jrh}, {Claim: o.Id, Edge: o.Jrh}},
		}
		if bytes.Equal(c.Root, o.Root) {
			ch.Step = ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT
		}
		setChallenge(st, ch)
		st.Set(ChallengeDueKey(deadline, ms.MiningCycle, round, index), []byte{1})
		ms.OpenChallenges++
		ev.Emit(EventChallengeOpened{Cycle: ms.MiningCycle, Round: round, Index: index, Claims: [2]uint32{c.Id, o.Id},
			Step: StepName(ch.Step), Deadline: deadline})
	}
	ev.Emit(EventRoundStarted{Cycle: ms.MiningCycle, Round: round, Claims: len(alive), Challenges: int(ms.OpenChallenges), Bye: bye})
}

// nextStep moves a challenge to step with a new deadline, clearing what
// the sides answered.
func nextStep(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ch *ledgerpb.Challenge, step ledgerpb.ChallengeStep) {
	st.Delete(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index))
	ch.Step, ch.Deadline = step, height+int64(p.MiningResponseWindowBlocks)
	for _, s := range ch.Sides {
		s.Answered, s.Child0, s.Child1 = false, nil, nil
	}
	st.Set(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index), []byte{1})
	ev.Emit(EventChallengeStep{Cycle: ch.Cycle, Round: ch.Round, Index: ch.Index, Step: StepName(step),
		Lo: ch.Lo, Hi: ch.Hi, SearchSteps: ch.SearchSteps, Deadline: ch.Deadline})
}

// decide ends a challenge: winner is the index of the winning side, or −1
// when both sides lose. Each losing claim is invalidated and the miners
// who submitted it are slashed (slash), the winner's defenders sharing
// in their stake. When it was the round's last open challenge, the next
// round starts.
func (m Mining) decide(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState, ch *ledgerpb.Challenge, winner int, reason string) {
	st.Delete(ChallengeDueKey(ch.Deadline, ch.Cycle, ch.Round, ch.Index))
	ch.Step, ch.Reason = ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED, reason
	var defenders [][]byte
	if winner >= 0 {
		ch.HasWinner, ch.Winner = true, ch.Sides[winner].Claim
		defenders = ch.Sides[winner].Defenders
	}
	setChallenge(st, ch)
	var lost []uint32
	for i, s := range ch.Sides {
		if i == winner {
			continue
		}
		c := m.rep.Claim(st, ch.Cycle, s.Claim)
		c.State, c.Reason = ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED, reason
		if winner >= 0 {
			c.HasLostTo, c.LostTo = true, ch.Winner
		}
		setClaim(st, c)
		lost = append(lost, c.Id)
		m.slash(st, ev, p, c, defenders)
	}
	ev.Emit(EventChallengeDecided{Cycle: ch.Cycle, Round: ch.Round, Index: ch.Index, HasWinner: ch.HasWinner,
		Winner: ch.Winner, Invalidated: lost, Reason: reason})
	ms.OpenChallenges--
	if ms.OpenChallenges == 0 {
		m.startRound(st, ev, p, height, ms, ch.Round+1)
	}
}

// slash takes the whole stake of every miner who submitted the
// invalidated claim c (Colony whitepaper §7.5: a false submission "loses
// its stake"): miner_slash_defender_bps of it is split equally among
// defenders (the accounts that answered for the claim that beat c; the
// share's remainder and the rest go to the treasury), and each of its
// submissions appends −miner_reputation_penalty in the skill "mining"
// (none without that skill). A miner slashed already this cycle (it
// submitted several invalidated claims or entries) loses nothing more
// in tokens.
func (m Mining) slash(st store.KVStore, ev *event.Log, p *ledgerpb.Params, c *ledgerpb.Claim, defenders [][]byte) {
	skill, hasSkill := m.rep.SkillID(st, SkillMining)
	for _, raw := range c.Miners {
		miner := address.Address(raw)
		if hasSkill && p.MinerReputationPenalty > 0 {
			penalty := new(big.Int).Neg(new(big.Int).SetUint64(p.MinerReputationPenalty))
			if _, err := m.rep.Append(st, ev, NetworkColony(), miner, skill, penalty); err != nil {
				panic(fmt.Sprintf("reputation: miner penalty: %v", err))
			}
		}
		mi := m.rep.Miner(st, miner)
		if mi == nil {
			continue
		}
		stake := mi.Stake
		share := mulBps(stake, p.MinerSlashDefenderBps)
		var paid uint64
		if len(defenders) > 0 {
			each := share / uint64(len(defenders))
			for _, d := range defenders {
				if each == 0 {
					break
				}
				if err := m.bank.MoveFromModule(st, ev, MinerAccount, address.Address(d), each); err != nil {
					panic(fmt.Sprintf("reputation: corrupt state: miners: %v", err))
				}
				paid += each
			}
		}
		if rest := stake - paid; rest > 0 {
			if err := m.bank.MoveBetweenModules(st, ev, MinerAccount, m.treasury, rest); err != nil {
				panic(fmt.Sprintf("reputation: corrupt state: miners: %v", err))
			}
		}
		st.Delete(MinerKey(miner))
		ev.Emit(EventMinerSlashed{Cycle: c.Cycle, Claim: c.Id, Miner: miner, Stake: stake, Defenders: paid, Treasury: stake - paid})
	}
}

// mulBps returns floor(x × bps / 10,000) without overflow.
func mulBps(x uint64, bps uint32) uint64 {
	r := new(big.Int).Mul(new(big.Int).SetUint64(x), big.NewInt(int64(bps)))
	return r.Quo(r, big.NewInt(10_000)).Uint64()
}

// timeouts decides every challenge whose step deadline is below height
// (a step may be answered up to and including its deadline), oldest
// first: LEAF_COUNT — the side claiming more leaves did not prove them
// and loses; CONFIRM_JRH and SEARCH — a side that did not answer loses,
// both when neither did; RESPOND — nobody proved the disputed update for
// either side, and both lose. Only due challenges are touched.
func (m Mining) timeouts(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, ms *ledgerpb.MiningState) {
	end := ChallengeDueHeightPrefix(height)
	for {
		it := st.Iterator(ChallengeDuePrefix(), end)
		if !it.Valid() {
			it.Close()
			return
		}
		_, cycle, round, index := DecodeChallengeDueKey(it.Key())
		it.Close()
		ch := m.rep.Challenge(st, cycle, round, index)
		if ch == nil || cycle != ms.MiningCycle {
			panic(fmt.Sprintf("reputation: corrupt state: due challenge %d/%d/%d is not open in the mining cycle %d", cycle, round, index, ms.MiningCycle))
		}
		winner := -1
		switch ch.Step {
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT:
			a, b := m.rep.Claim(st, cycle, ch.Sides[0].Claim), m.rep.Claim(st, cycle, ch.Sides[1].Claim)
			winner = 0
			if b.NLeaves < a.NLeaves {
				winner = 1
			}
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH:
			switch {
			case ch.Sides[0].Answered && !ch.Sides[1].Answered:
				winner = 0
			case ch.Sides[1].Answered && !ch.Sides[0].Answered:
				winner = 1
			}
		}
		m.decide(st, ev, p, height, ms, ch, winner, ReasonTimeout)
	}
}

// sideOf returns the challenge of the alive claim id of the mining cycle
// and the claim's side in it, or an error: mining is in recovery mode
// (ErrRecoveryMode), the cycle is not being challenged
// (ErrNotChallenging), the claim is unknown or not alive (ErrNoClaim),
// it has a bye (ErrNotChallenging), the challenge waits for another step
// (ErrWrongStep), its deadline passed (ErrChallengeDeadline).
func (m Mining) sideOf(st store.KVStore, op string, height int64, cycle uint64, id uint32, step ledgerpb.ChallengeStep) (*ledgerpb.MiningState, *ledgerpb.Claim, *ledgerpb.Challenge, int, error) {
	if err := m.rep.refuseInRecovery(st, op); err != nil {
		return nil, nil, nil, 0, err
	}
	ms := m.rep.MiningState(st)
	if !ms.Mining || !ms.Challenging || ms.MiningCycle != cycle || ms.Resolved {
		return nil, nil, nil, 0, ErrNotChallenging.Errorf("%s: cycle %d: its claims are not being challenged", op, cycle)
	}
	c := m.rep.Claim(st, cycle, id)
	if c == nil || c.State != ledgerpb.ClaimState_CLAIM_STATE_ALIVE {
		return nil, nil, nil, 0, ErrNoClaim.Errorf("%s: claim %d of cycle %d: no such claim in the running", op, id, cycle)
	}
	if c.Bye {
		return nil, nil, nil, 0, ErrNotChallenging.Errorf("%s: claim %d: has a bye in round %d", op, id, c.Round)
	}
	ch := m.rep.Challenge(st, cycle, c.Round, c.Challenge)
	side := 0
	if ch.Sides[1].Claim == id {
		side = 1
	}
	if ch.Step != step {
		return nil, nil, nil, 0, ErrWrongStep.Errorf("%s: claim %d: its challenge %d of round %d waits for %s, not %s", op, id, ch.Index, ch.Round, StepName(ch.Step), StepName(step))
	}
	if height > ch.Deadline {
		return nil, nil, nil, 0, ErrChallengeDeadline.Errorf("%s: height %d: the step's deadline was %d", op, height, ch.Deadline)
	}
	return ms, c, ch, side, nil
}

// addDefender records signer as a defender of side s, once, while it has
// fewer than MaxDefenders.
func addDefender(s *ledgerpb.ChallengeSide, signer address.Address) {
	for _, d := range s.Defenders {
		if bytes.Equal(d, signer.Bytes()) {
			return
		}
	}
	if len(s.Defenders) < MaxDefenders {
		s.Defenders = append(s.Defenders, signer.Bytes())
	}
}

// ValidatePatriciaProof checks a PatriciaProof's shape: a 32-byte branch
// mask and one 32-byte sibling per bit set in it (ErrInvalidWitness,
// naming field).
func ValidatePatriciaProof(op, field string, p *ledgerpb.PatriciaProof) error {
	if p == nil {
		return ErrInvalidWitness.Errorf("%s: %s: missing", op, field)
	}
	if len(p.BranchMask) != 32 {
		return ErrInvalidWitness.Errorf("%s: %s.branch_mask: %d bytes, want 32", op, field, len(p.BranchMask))
	}
	n := 0
	for _, b := range p.BranchMask {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	if len(p.Siblings) != n {
		return ErrInvalidWitness.Errorf("%s: %s: %d siblings, the branch mask has %d branches", op, field, len(p.Siblings), n)
	}
	for i, s := range p.Siblings {
		if len(s) != 32 {
			return ErrInvalidWitness.Errorf("%s: %s.siblings[%d]: %d bytes, want 32", op, field, i, len(s))
		}
	}
	return nil
}

// patriciaProof converts a proof checked by ValidatePatriciaProof.
func patriciaProof(p *ledgerpb.PatriciaProof) patricia.Proof {
	out := patricia.Proof{BranchMask: [32]byte(p.BranchMask), Siblings: make([]patricia.Hash, len(p.Siblings))}
	for i, s := range p.Siblings {
		out.Siblings[i] = patricia.Hash(s)
	}
	return out
}

// ValidateWitness checks a ReputationWitness's shape: a 72-byte key whose
// skill id fits 64 bits, a 64-byte value, an adjacent path of 0 or 32
// bytes (0 only when absent), a well-formed proof (ErrInvalidWitness,
// naming field).
func ValidateWitness(op, field string, w *ledgerpb.ReputationWitness) error {
	if w == nil {
		return ErrInvalidWitness.Errorf("%s: %s: missing", op, field)
	}
	if len(w.Key) != rep.KeySize {
		return ErrInvalidWitness.Errorf("%s: %s.key: %d bytes, want %d", op, field, len(w.Key), rep.KeySize)
	}
	if !allZero(w.Key[20:44]) {
		return ErrInvalidWitness.Errorf("%s: %s.key: skill id above 2^64 − 1", op, field)
	}
	if len(w.Value) != patricia.ValueSize {
		return ErrInvalidWitness.Errorf("%s: %s.value: %d bytes, want %d", op, field, len(w.Value), patricia.ValueSize)
	}
	switch {
	case w.Present && len(w.Adjacent) != 0:
		return ErrInvalidWitness.Errorf("%s: %s.adjacent: set on a present key", op, field)
	case len(w.Adjacent) != 0 && len(w.Adjacent) != 32:
		return ErrInvalidWitness.Errorf("%s: %s.adjacent: %d bytes, want 32 or none", op, field, len(w.Adjacent))
	}
	return ValidatePatriciaProof(op, field+".proof", w.Proof)
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

// witness converts a witness checked by ValidateWitness; a nil witness is
// the zero Witness (not given).
func witness(w *ledgerpb.ReputationWitness) rep.Witness {
	if w == nil {
		return rep.Witness{}
	}
	var k rep.Key
	copy(k.Colony[:], w.Key[:20])
	k.Skill = binary.BigEndian.Uint64(w.Key[44:52])
	copy(k.User[:], w.Key[52:])
	out := rep.Witness{Key: k, Present: w.Present, Value: patricia.Value(w.Value), Proof: patriciaProof(w.Proof)}
	if len(w.Adjacent) == 32 {
		out.Adjacent = patricia.Path(w.Adjacent)
	}
	return out
}

// verifyLeaf reports whether proof proves leaf i = v of the justification
// tree with root jrh.
func verifyLeaf(jrh []byte, i uint64, v patricia.Value, proof *ledgerpb.PatriciaProof) bool {
	return patricia.Verify(patricia.Hash(jrh), patricia.IndexPath(i), &v, patriciaProof(proof))
}

// ValidateConfirmJustification checks a MsgConfirmJustification's shape.
func ValidateConfirmJustification(m *ledgerpb.MsgConfirmJustification) error {
	const op = "confirm_justification"
	if err := ValidatePatriciaProof(op, "first", m.First); err != nil {
		return err
	}
	return ValidatePatriciaProof(op, "last", m.Last)
}

// ConfirmJustification executes a MsgConfirmJustification (Colony
// whitepaper §7.5.1, "The Justification Tree"): the claim is alive in a
// challenge at CONFIRM_JRH (sideOf's errors) that its side has not
// answered (ErrAlreadyAnswered); first proves leaf 0 = the previous
// accepted state (PreviousState) and last proves leaf N = the claim
// (root, n_leaves), N = CycleUpdates, both against the claim's JRH, and
// each proof's branch mask is the one of its index in a tree of exactly
// N + 1 leaves (patricia.SequenceBranchMask), which fixes the tree's
// size (ErrInvalidJustification). When both sides have confirmed, the
// binary search starts on [0, N].
func (m Mining) ConfirmJustification(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgConfirmJustification) error {
	const op = "confirm_justification"
	if err := ValidateConfirmJustification(msg); err != nil {
		return err
	}
	ms, c, ch, side, err := m.sideOf(st, op, height, msg.Cycle, msg.Claim, ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH)
	if err != nil {
		return err
	}
	if ch.Sides[side].Answered {
		return ErrAlreadyAnswered.Errorf("%s: claim %d: confirmed already", op, c.Id)
	}
	n := m.rep.CycleUpdates(st, c.Cycle)
	prev := m.rep.PreviousState(st, c.Cycle)
	if [32]byte(msg.First.BranchMask) != patricia.SequenceBranchMask(n+1, 0) || !verifyLeaf(c.Jrh, 0, prev.Value(), msg.First) {
		return ErrInvalidJustification.Errorf("%s: claim %d: first: does not prove leaf 0 = the previous state (root %x, %d leaves) in a tree of %d leaves under jrh %x",
			op, c.Id, prev.Root[:], prev.NLeaves, n+1, c.Jrh)
	}
	last := rep.JustState{Root: patricia.Hash(c.Root), NLeaves: c.NLeaves}
	if [32]byte(msg.Last.BranchMask) != patricia.SequenceBranchMask(n+1, n) || !verifyLeaf(c.Jrh, n, last.Value(), msg.Last) {
		return ErrInvalidJustification.Errorf("%s: claim %d: last: does not prove leaf %d = the claim (root %x, %d leaves) as the last leaf under jrh %x",
			op, c.Id, n, c.Root, c.NLeaves, c.Jrh)
	}
	ch.Sides[side].Answered = true
	addDefender(ch.Sides[side], signer)
	ev.Emit(EventChallengeAnswered{Cycle: c.Cycle, Round: ch.Round, Index: ch.Index, Claim: c.Id, Step: StepName(ch.Step), By: signer})
	if ch.Sides[0].Answered && ch.Sides[1].Answered {
		ch.Lo, ch.Hi, ch.Start, ch.SearchSteps = 0, n, 0, 0
		nextStep(st, ev, p, height, ch, ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH)
	}
	setChallenge(st, ch)
	setMiningState(st, ms)
	return nil
}

// ValidateChallengeSearch checks a MsgChallengeSearch's shape: two
// 32-byte children (ErrInvalidWitness).
func ValidateChallengeSearch(m *ledgerpb.MsgChallengeSearch) error {
	if len(m.Child0) != 32 || len(m.Child1) != 32 {
		return ErrInvalidWitness.Errorf("challenge_search: child0, child1: %d and %d bytes, want 32 each", len(m.Child0), len(m.Child1))
	}
	return nil
}

// search returns the reputation.Search of a challenge at SEARCH.
func search(ch *ledgerpb.Challenge) rep.Search {
	return rep.Search{Lo: ch.Lo, Hi: ch.Hi, Start: int(ch.Start), Steps: int(ch.SearchSteps),
		Edge: [2]patricia.Hash{patricia.Hash(ch.Sides[0].Edge), patricia.Hash(ch.Sides[1].Edge)}}
}

// ChallengeSearch executes a MsgChallengeSearch (Colony whitepaper
// §7.5.1, "we must establish where the two submissions first differ"):
// the claim is alive in a challenge at SEARCH (sideOf's errors) that its
// side has not answered at this node (ErrAlreadyAnswered); child0 and
// child1 hash, with the node's label, to the side's edge hash of the
// current node [lo, hi] (reputation.Search.CheckChildren;
// ErrBadSearchStep). When both sides have posted, the search moves to
// the left child if their left children differ, else to the right one;
// at a single leaf lo it is done — lo is the first leaf where the trees
// differ — and the challenge waits for the response for update lo − 1.
func (m Mining) ChallengeSearch(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgChallengeSearch) error {
	const op = "challenge_search"
	if err := ValidateChallengeSearch(msg); err != nil {
		return err
	}
	ms, c, ch, side, err := m.sideOf(st, op, height, msg.Cycle, msg.Claim, ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH)
	if err != nil {
		return err
	}
	if ch.Sides[side].Answered {
		return ErrAlreadyAnswered.Errorf("%s: claim %d: posted the children of [%d, %d] already", op, c.Id, ch.Lo, ch.Hi)
	}
	s := search(ch)
	if err := s.CheckChildren(side, patricia.Hash(msg.Child0), patricia.Hash(msg.Child1)); err != nil {
		return ErrBadSearchStep.Errorf("%s: claim %d: node [%d, %d]: %v", op, c.Id, ch.Lo, ch.Hi, err)
	}
	sd := ch.Sides[side]
	sd.Answered, sd.Child0, sd.Child1 = true, msg.Child0, msg.Child1
	addDefender(sd, signer)
	ev.Emit(EventChallengeAnswered{Cycle: c.Cycle, Round: ch.Round, Index: ch.Index, Claim: c.Id, Step: StepName(ch.Step), By: signer})
	if ch.Sides[0].Answered && ch.Sides[1].Answered {
		var kids [2][2]patricia.Hash
		for i, x := range ch.Sides {
			kids[i] = [2]patricia.Hash{patricia.Hash(x.Child0), patricia.Hash(x.Child1)}
		}
		s = s.Descend(kids)
		ch.Lo, ch.Hi, ch.Start, ch.SearchSteps = s.Lo, s.Hi, uint32(s.Start), uint32(s.Steps)
		ch.Sides[0].Edge, ch.Sides[1].Edge = s.Edge[0][:], s.Edge[1][:]
		next := ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH
		if s.Done() {
			next = ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND
		}
		nextStep(st, ev, p, height, ch, next)
	}
	setChallenge(st, ch)
	setMiningState(st, ms)
	return nil
}

// ValidateProveLeafCount checks a MsgProveLeafCount's shape.
func ValidateProveLeafCount(m *ledgerpb.MsgProveLeafCount) error {
	return ValidateWitness("prove_leaf_count", "leaf", m.Leaf)
}

// ProveLeafCount executes a MsgProveLeafCount (Colony whitepaper §7.5.1:
// "the same hash has been submitted twice, but with a disagreement about
// the number of leaves"): the claim is alive in a challenge at
// LEAF_COUNT (sideOf's errors) and claims more leaves than its opponent
// (ErrWrongStep); leaf is present in the common root with UID = the
// claim's n_leaves (ErrInvalidWitness). UIDs are 1 … nLeaves without gaps,
// so a leaf with that UID shows the opponent's smaller count wrong: the
// claim wins. (Colony reads the count from the shape of a proof of the
// last leaf; our reputation tree is keyed by the hash of each key, so a
// leaf's position tells nothing, and its UID is the evidence instead.)
func (m Mining) ProveLeafCount(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgProveLeafCount) error {
	const op = "prove_leaf_count"
	if err := ValidateProveLeafCount(msg); err != nil {
		return err
	}
	ms, c, ch, side, err := m.sideOf(st, op, height, msg.Cycle, msg.Claim, ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT)
	if err != nil {
		return err
	}
	other := m.rep.Claim(st, c.Cycle, ch.Sides[1-side].Claim)
	if c.NLeaves < other.NLeaves {
		return ErrWrongStep.Errorf("%s: claim %d: claims %d leaves, fewer than claim %d's %d: the side with more leaves proves them", op, c.Id, c.NLeaves, other.Id, other.NLeaves)
	}
	w := witness(msg.Leaf)
	_, uid, err := w.Check(patricia.Hash(c.Root))
	if err != nil || !w.Present || uid != c.NLeaves {
		return ErrInvalidWitness.Errorf("%s: claim %d: leaf: does not prove a leaf with UID %d in root %x (uid %d, %v)", op, c.Id, c.NLeaves, c.Root, uid, err)
	}
	addDefender(ch.Sides[side], signer)
	ev.Emit(EventChallengeAnswered{Cycle: c.Cycle, Round: ch.Round, Index: ch.Index, Claim: c.Id, Step: StepName(ch.Step), By: signer})
	m.decide(st, ev, p, height, ms, ch, side, ReasonLeafCount)
	setMiningState(st, ms)
	return nil
}

// ValidateRespondToChallenge checks a MsgRespondToChallenge's shape: a
// 64-byte before value, well-formed proofs and witnesses (origin and
// child may be absent).
func ValidateRespondToChallenge(m *ledgerpb.MsgRespondToChallenge) error {
	const op = "respond_to_challenge"
	if len(m.Before) != patricia.ValueSize {
		return ErrInvalidWitness.Errorf("%s: before: %d bytes, want %d", op, len(m.Before), patricia.ValueSize)
	}
	if err := ValidatePatriciaProof(op, "before_proof", m.BeforeProof); err != nil {
		return err
	}
	if err := ValidatePatriciaProof(op, "after_proof", m.AfterProof); err != nil {
		return err
	}
	if err := ValidateWitness(op, "subject", m.Subject); err != nil {
		return err
	}
	if m.Origin != nil {
		if err := ValidateWitness(op, "origin", m.Origin); err != nil {
			return err
		}
	}
	if m.Child != nil {
		if err := ValidateWitness(op, "child", m.Child); err != nil {
			return err
		}
	}
	return nil
}

// RespondToChallenge executes a MsgRespondToChallenge (Colony whitepaper
// §7.5.1 and §7.6.1–7.6.2: the single disputed update is recomputed on
// chain): the claim is alive in a challenge at RESPOND (sideOf's errors),
// whose search ended at leaf L = lo; t = L − 1 is the disputed update.
//
//  1. before proves leaf t of the claim's justification tree (the state
//     both sides agree on) (ErrInvalidJustification).
//  2. t below the previous state's leaf count is the decay of the leaf
//     with UID t + 1 (reputation.VerifyDecay); otherwise it is update
//     r of log entry log_entry of the cycle, which must hold log update
//     t − decays (ErrWrongLogEntry), expanded as the miners expand it
//     (reputation.Expansion) and recomputed from the witnesses
//     (reputation.VerifyUpdate). Witness errors: ErrInvalidWitness.
//  3. after_proof proves leaf L of the claim's tree = the state so
//     computed (ErrWrongTransition otherwise: the claim's own transition
//     is wrong, and the response fails with no state change).
//
// When it holds, the claim wins the challenge: the opponent agrees on
// leaf t and differs on leaf L, so its transition is the wrong one.
func (m Mining) RespondToChallenge(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, msg *ledgerpb.MsgRespondToChallenge) error {
	const op = "respond_to_challenge"
	if err := ValidateRespondToChallenge(msg); err != nil {
		return err
	}
	ms, c, ch, side, err := m.sideOf(st, op, height, msg.Cycle, msg.Claim, ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND)
	if err != nil {
		return err
	}
	if ch.Lo == 0 {
		panic(fmt.Sprintf("reputation: corrupt state: challenge %d/%d/%d searched down to leaf 0", ch.Cycle, ch.Round, ch.Index))
	}
	t := ch.Lo - 1
	beforeValue := patricia.Value(msg.Before)
	if !verifyLeaf(c.Jrh, t, beforeValue, msg.BeforeProof) {
		return ErrInvalidJustification.Errorf("%s: claim %d: before: does not prove leaf %d under jrh %x", op, c.Id, t, c.Jrh)
	}
	before := rep.JustStateOf(beforeValue)
	prev := m.rep.PreviousState(st, c.Cycle)
	var after rep.JustState
	if t < prev.NLeaves {
		after, err = rep.VerifyDecay(before, t+1, decayParams(p), witness(msg.Subject))
		if err != nil {
			return ErrInvalidWitness.Errorf("%s: claim %d: decay of UID %d (update %d): %v", op, c.Id, t+1, t, err)
		}
	} else {
		u := t - prev.NLeaves
		e, ok := m.rep.LogEntry(st, c.Cycle, msg.LogEntry)
		if !ok || u < e.NPreviousUpdates || u-e.NPreviousUpdates >= e.NUpdates {
			return ErrWrongLogEntry.Errorf("%s: claim %d: log_entry %d of cycle %d does not hold log update %d (update %d)", op, c.Id, msg.LogEntry, c.Cycle, u, t)
		}
		upd, err := m.rep.ExpandUpdate(st, e, u-e.NPreviousUpdates)
		if err != nil {
			panic(fmt.Sprintf("reputation: corrupt state: log entry %d of cycle %d: %v", msg.LogEntry, c.Cycle, err))
		}
		after, err = rep.VerifyUpdate(before, pureEntry(e), upd, witness(msg.Subject), witness(msg.Origin), witness(msg.Child))
		if err != nil {
			return ErrInvalidWitness.Errorf("%s: claim %d: update %d (log entry %d, step %d): %v", op, c.Id, t, msg.LogEntry, u-e.NPreviousUpdates, err)
		}
	}
	if !verifyLeaf(c.Jrh, ch.Lo, after.Value(), msg.AfterProof) {
		return ErrWrongTransition.Errorf("%s: claim %d: update %d gives root %x with %d leaves, which leaf %d of jrh %x does not hold",
			op, c.Id, t, after.Root[:], after.NLeaves, ch.Lo, c.Jrh)
	}
	addDefender(ch.Sides[side], signer)
	ev.Emit(EventChallengeAnswered{Cycle: c.Cycle, Round: ch.Round, Index: ch.Index, Claim: c.Id, Step: StepName(ch.Step), By: signer})
	m.decide(st, ev, p, height, ms, ch, side, ReasonSingleUpdate)
	setMiningState(st, ms)
	return nil
}

// decayParams returns the decay of the params in the pure library's form.
func decayParams(p *ledgerpb.Params) rep.Params {
	return rep.Params{DecayNumerator: p.DecayNumerator, DecayDenominator: p.DecayDenominator}
}

// pureEntry converts a ledger log entry to the pure library's.
func pureEntry(e Entry) rep.Entry {
	return rep.Entry{User: rep.Address(e.User), Amount: e.Amount, Skill: e.Skill, Colony: rep.Address(e.Colony),
		NUpdates: e.NUpdates, NPreviousUpdates: e.NPreviousUpdates}
}

// ExpandUpdate returns update r of log entry e, as the miners expand it
// (reputation.md: "Expanding an entry into updates";
// reputation.Expansion): the leaf it changes and its rule. The children
// are read one by one from state, not as a list. Errors: the entry's
// skill is missing or r is out of range.
func (k Keeper) ExpandUpdate(st store.KVStore, e Entry, r uint64) (rep.Update, error) {
	s := k.Skill(st, e.Skill)
	if s == nil {
		return rep.Update{}, fmt.Errorf("skill %d: missing", e.Skill)
	}
	if r >= e.NUpdates {
		return rep.Update{}, fmt.Errorf("update %d of %d", r, e.NUpdates)
	}
	colonyWide, kind, i := rep.Expansion(e.NUpdates, s.NParents, e.Amount.Sign() < 0, r)
	u := rep.Update{Key: rep.Key{Colony: rep.Address(e.Colony), Skill: e.Skill}, Kind: kind}
	if !colonyWide {
		u.Key.User = rep.Address(e.User)
	}
	switch kind {
	case rep.StepChild:
		b := st.Get(ChildKey(e.Skill, i))
		if b == nil {
			return rep.Update{}, fmt.Errorf("skill %d: no descendant %d", e.Skill, i)
		}
		u.Key.Skill = mustUint64(b)
	case rep.StepParent:
		if i >= uint64(len(s.Ancestors)) {
			return rep.Update{}, fmt.Errorf("skill %d: no ancestor %d", e.Skill, i)
		}
		u.Key.Skill = s.Ancestors[i]
	}
	return u, nil
}

// StepName returns the name of a challenge step in events and queries:
// "leaf-count", "confirm-jrh", "search", "respond", "decided" ("" for the
// unspecified step).
func StepName(s ledgerpb.ChallengeStep) string {
	switch s {
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT:
		return "leaf-count"
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH:
		return "confirm-jrh"
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH:
		return "search"
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND:
		return "respond"
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED:
		return "decided"
	}
	return ""
}

// ClaimStateName returns the name of a claim's state: "alive",
// "invalidated", "accepted" ("" for the unspecified state).
func ClaimStateName(s ledgerpb.ClaimState) string {
	switch s {
	case ledgerpb.ClaimState_CLAIM_STATE_ALIVE:
		return "alive"
	case ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED:
		return "invalidated"
	case ledgerpb.ClaimState_CLAIM_STATE_ACCEPTED:
		return "accepted"
	}
	return ""
}

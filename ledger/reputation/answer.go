package reputation

import (
	"bytes"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	rep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// Defense is what answering the challenges of a claim takes: the replay
// of the mining cycle that produced it. Anyone holding it can answer for
// the claim (Colony whitepaper §7.5: "Anyone is able to respond to a
// challenge, regardless of who submitted the original hash"); a miner
// keeps it for the cycle it submitted. It is pure: it builds messages,
// it sends nothing.
type Defense struct {
	// Cycle is the mining cycle.
	Cycle uint64
	// Prev is the accepted state the cycle starts from (nil: the empty
	// state of cycle 0).
	Prev *rep.State
	// Skills holds every skill of the cycle's log.
	Skills *rep.SkillTree
	// Params is the decay of the chain's params.
	Params rep.Params
	// Log is the cycle's reputation update log.
	Log rep.Log
	// Result is the replay (with its justification tree) whose root,
	// leaf count and JRH the claim holds.
	Result *rep.Result
}

// Claims reports whether c is the claim of this defense's replay.
func (d *Defense) Claims(c *ledgerpb.Claim) bool {
	jrh := d.Result.Justification.Root()
	return c.GetCycle() == d.Cycle && bytes.Equal(c.GetRoot(), d.Result.Root[:]) && c.GetNLeaves() == d.Result.NLeaves && bytes.Equal(c.GetJrh(), jrh[:])
}

// Answer returns the message that answers the current step of challenge
// ch for the claim id, which this defense's replay produced; opponent is
// the other side's claim. It returns nil when the side has nothing to
// answer now: the step is answered already, the challenge is decided, or
// it is a LEAF_COUNT step that the other side must answer. Errors: the
// replay cannot answer (e.g. the search names a node its tree does not
// have).
func (d *Defense) Answer(ch *ledgerpb.Challenge, id uint32, opponent *ledgerpb.Claim) (*ledgerpb.Msg, error) {
	side := -1
	for i, s := range ch.GetSides() {
		if s.GetClaim() == id {
			side = i
		}
	}
	if side < 0 {
		return nil, fmt.Errorf("claim %d is not a side of challenge %d of round %d", id, ch.GetIndex(), ch.GetRound())
	}
	if ch.GetSides()[side].GetAnswered() {
		return nil, nil
	}
	j := d.Result.Justification
	switch ch.GetStep() {
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH:
		n := j.Len() - 1
		_, first, _ := j.Prove(0)
		_, last, _ := j.Prove(n)
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ConfirmJustification{ConfirmJustification: &ledgerpb.MsgConfirmJustification{
			Cycle: d.Cycle, Claim: id, First: ProofRecord(first), Last: ProofRecord(last)}}}, nil
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT:
		if d.Result.NLeaves <= opponent.GetNLeaves() {
			return nil, nil
		}
		l, ok := d.Result.State.Leaf(d.Result.NLeaves)
		if !ok {
			return nil, fmt.Errorf("the replay has no leaf with UID %d", d.Result.NLeaves)
		}
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ProveLeafCount{ProveLeafCount: &ledgerpb.MsgProveLeafCount{
			Cycle: d.Cycle, Claim: id, Leaf: WitnessRecord(d.Result.State.Witness(l.Key))}}}, nil
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH:
		e0, e1, ok := j.Children(ch.GetLo(), ch.GetHi())
		if !ok {
			return nil, fmt.Errorf("the justification tree of %d leaves has no node [%d, %d]", j.Len(), ch.GetLo(), ch.GetHi())
		}
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_ChallengeSearch{ChallengeSearch: &ledgerpb.MsgChallengeSearch{
			Cycle: d.Cycle, Claim: id, Child0: e0[:], Child1: e1[:]}}}, nil
	case ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND:
		return d.respond(ch, id)
	}
	return nil, nil
}

// respond builds the MsgRespondToChallenge of update lo − 1: the agreed
// state before it is recomputed from Prev and the log (reputation.
// StateBefore), the witnesses are taken from it.
func (d *Defense) respond(ch *ledgerpb.Challenge, id uint32) (*ledgerpb.Msg, error) {
	if ch.GetLo() == 0 {
		return nil, fmt.Errorf("challenge %d of round %d: search ended at leaf 0", ch.GetIndex(), ch.GetRound())
	}
	t := ch.GetLo() - 1
	prev := d.Prev
	if prev == nil {
		prev = rep.NewState()
	}
	before, err := rep.StateBefore(prev, d.Skills, d.Params, d.Log, t)
	if err != nil {
		return nil, fmt.Errorf("state before update %d: %w", t, err)
	}
	subject, origin, child, err := rep.WitnessesFor(before, prev.NLeaves(), d.Log, d.Skills, t)
	if err != nil {
		return nil, fmt.Errorf("witnesses of update %d: %w", t, err)
	}
	_, _, entry, _, err := rep.LocateUpdate(prev.NLeaves(), d.Log, t)
	if err != nil {
		return nil, fmt.Errorf("update %d: %w", t, err)
	}
	j := d.Result.Justification
	bv, bp, ok := j.Prove(t)
	if !ok {
		return nil, fmt.Errorf("the justification tree has no leaf %d", t)
	}
	_, ap, ok := j.Prove(ch.GetLo())
	if !ok {
		return nil, fmt.Errorf("the justification tree has no leaf %d", ch.GetLo())
	}
	m := &ledgerpb.MsgRespondToChallenge{Cycle: d.Cycle, Claim: id, LogEntry: uint64(max(entry, 0)), Before: bv[:],
		BeforeProof: ProofRecord(bp), AfterProof: ProofRecord(ap), Subject: WitnessRecord(subject)}
	// A witness that is not needed has the zero Key (skill 0 is never a
	// skill) and is left out.
	if origin.Key != (rep.Key{}) {
		m.Origin = WitnessRecord(origin)
	}
	if child.Key != (rep.Key{}) {
		m.Child = WitnessRecord(child)
	}
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RespondToChallenge{RespondToChallenge: m}}, nil
}

// ProofRecord returns a Patricia proof in its message form.
func ProofRecord(p patricia.Proof) *ledgerpb.PatriciaProof {
	out := &ledgerpb.PatriciaProof{BranchMask: bytes.Clone(p.BranchMask[:])}
	for _, s := range p.Siblings {
		out.Siblings = append(out.Siblings, bytes.Clone(s[:]))
	}
	return out
}

// WitnessRecord returns a witness in its message form.
func WitnessRecord(w rep.Witness) *ledgerpb.ReputationWitness {
	k := w.Key.Bytes()
	out := &ledgerpb.ReputationWitness{Key: k[:], Present: w.Present, Value: bytes.Clone(w.Value[:]), Proof: ProofRecord(w.Proof)}
	if !w.Present && w.Adjacent != (patricia.Path{}) {
		out.Adjacent = bytes.Clone(w.Adjacent[:])
	}
	return out
}

package reputation

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// Params are the decay parameters of reputation.md §Decay: once per
// cycle every leaf becomes floor(old × DecayNumerator /
// DecayDenominator).
type Params struct {
	// DecayNumerator, at most DecayDenominator; default 999679150010889,
	// round(10^15 × e^(−ln2/2160)): 2160 cycles halve a reputation.
	DecayNumerator uint64
	// DecayDenominator, positive; default 10^15.
	DecayDenominator uint64
}

// DefaultParams returns the decay of reputation.md: 999679150010889 /
// 10^15 per cycle.
func DefaultParams() Params {
	return Params{DecayNumerator: 999679150010889, DecayDenominator: 1_000_000_000_000_000}
}

// Validate returns an error unless 0 < DecayDenominator and
// DecayNumerator ≤ DecayDenominator.
func (p Params) Validate() error {
	if p.DecayDenominator == 0 || p.DecayNumerator > p.DecayDenominator {
		return fmt.Errorf("reputation: decay %d/%d: want 0 < denominator and numerator <= denominator", p.DecayNumerator, p.DecayDenominator)
	}
	return nil
}

// decay returns floor(a × num / den) for num ≤ den.
func decay(a u128, num, den uint64) u128 {
	c1, w0 := bits.Mul64(a.lo, num)
	c2, w1 := bits.Mul64(a.hi, num)
	w1, c := bits.Add64(w1, c1, 0)
	w2 := c2 + c
	// a × num < 2^127 × den, so w2 < den: the quotient fits in 128 bits
	// and Div64 cannot overflow.
	q1, r := bits.Div64(w2, w1, den)
	q0, _ := bits.Div64(r, w0, den)
	return u128{q1, q0}
}

// Decay returns floor(rep × p.DecayNumerator / p.DecayDenominator), one
// cycle's decay of one leaf (reputation.md §Decay). It returns an error
// when p is not valid or rep is outside [0, 2^127 − 1].
func Decay(rep *big.Int, p Params) (*big.Int, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if rep.Sign() < 0 || rep.Cmp(maxAmount) > 0 {
		return nil, fmt.Errorf("reputation: decay %v: outside [0, 2^127-1]", rep)
	}
	return decay(u128From(rep), p.DecayNumerator, p.DecayDenominator).setBig(new(big.Int)), nil
}

// Result is the outcome of replaying one cycle.
type Result struct {
	// State is the new reputation state.
	State *State
	// Root is State's reputation root and NLeaves its number of leaves:
	// what a miner submits with the JRH.
	Root    patricia.Hash
	NLeaves uint64
	// Justification is the justification tree of the cycle: leaf i holds
	// the state before update i; nil from Apply.
	Justification *Justification
}

// Replay replays one cycle (reputation.md: "Decay", "Expanding an entry
// into updates", "Values"): it decays every leaf of prev in UID order,
// then applies the log's updates in order, and builds the justification
// tree on the way. prev is not modified; nil is the empty state of the
// first cycle, which has nothing to decay. skills must hold every skill of
// the log as it stood when the entries were appended, or later (skills
// are only ever added). Errors: an invalid p; ErrBadEntry.
func Replay(prev *State, skills *SkillTree, p Params, log Log) (*Result, error) {
	return replay(prev, skills, p, log, replayAll(true))
}

// Apply is Replay without the justification tree: it computes only the
// new state and hashes the changed nodes once, at the end, about a tenth
// of Replay's cost.
func Apply(prev *State, skills *SkillTree, p Params, log Log) (*State, error) {
	res, err := replay(prev, skills, p, log, replayAll(false))
	if err != nil {
		return nil, err
	}
	return res.State, nil
}

// noUpdate is an update index past every cycle's last.
const noUpdate = ^uint64(0)

// replayOptions say how much of a cycle to replay, and how.
type replayOptions struct {
	justify bool   // build the justification tree
	stop    uint64 // apply updates 0 … stop−1 only
	forge   uint64 // the update that writes a wrong value; noUpdate for none
}

func replayAll(justify bool) replayOptions {
	return replayOptions{justify: justify, stop: noUpdate, forge: noUpdate}
}

// checkLog returns the skill of each entry of log, or ErrBadEntry.
func checkLog(skills *SkillTree, log Log) ([]*Skill, error) {
	out := make([]*Skill, len(log))
	var n uint64
	for i, e := range log {
		s, err := e.check(skills)
		if err != nil {
			return nil, fmt.Errorf("log entry %d: %w", i, err)
		}
		if e.NPreviousUpdates != n {
			return nil, fmt.Errorf("log entry %d: %w: nPreviousUpdates %d, want %d", i, ErrBadEntry, e.NPreviousUpdates, n)
		}
		n += e.NUpdates
		out[i] = s
	}
	return out, nil
}

func replay(prev *State, skills *SkillTree, p Params, log Log, o replayOptions) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if prev == nil {
		prev = NewState()
	}
	entries, err := checkLog(skills, log)
	if err != nil {
		return nil, err
	}
	r := &replayer{s: prev.Clone(), stop: o.stop, forge: o.forge}
	if o.justify {
		r.j = &Justification{}
		r.j.seq.Grow(int(prev.NLeaves() + log.NUpdates() + 1))
		r.record()
	}
	// Decay: every leaf of the previous state, zero-valued ones included,
	// in ascending UID order.
	for uid := uint64(1); uid <= prev.NLeaves() && r.n < r.stop; uid++ {
		v := r.s.tree.Leaf(int(uid - 1))
		old := repOf(&v)
		if next := r.written(decay(old, p.DecayNumerator, p.DecayDenominator)); next != old {
			v = leafValue(next, uid)
			r.s.tree.SetLeaf(int(uid-1), &v)
		}
		r.done()
	}
	for i, e := range log {
		if r.n >= r.stop {
			break
		}
		r.entry(e, entries[i])
	}
	res := &Result{State: r.s, Root: r.s.Root(), NLeaves: r.s.NLeaves(), Justification: r.j}
	return res, nil
}

// replayer applies updates to a state and records the justification leaves.
type replayer struct {
	s     *State
	j     *Justification // nil: no justification tree
	n     uint64         // updates applied
	stop  uint64         // apply no update from this index on
	forge uint64         // the update that writes a wrong value
	a     arith
}

// written returns the value update r.n writes: next, or for the forged
// update a value that is certainly wrong, next + 1 or, when next is the
// highest reputation, next − 1.
func (r *replayer) written(next u128) u128 {
	if r.n != r.forge {
		return next
	}
	if next == maxRep {
		return next.sub(u128{lo: 1})
	}
	return next.add(u128{lo: 1})
}

// done counts an update and records the state after it.
func (r *replayer) done() {
	r.n++
	r.record()
}

func (r *replayer) record() {
	if r.j != nil {
		r.j.append(r.s.Root(), r.s.NLeaves())
	}
}

// entry applies the updates of e (reputation.md §Values).
func (r *replayer) entry(e Entry, s *Skill) {
	neg := e.Amount.Sign() < 0
	amount := u128From(e.Amount)
	var origin u128 // O: the user's reputation in the origin before the entry
	if neg {
		origin = r.s.get(Key{Colony: e.Colony, Skill: e.Skill, User: e.User})
	}
	for i := uint64(0); i < e.NUpdates && r.n < r.stop; i++ {
		u := expand(e, s, i)
		var v u128
		if neg && u.Kind == StepChild {
			// The user's reputation in the child, also for the colony-wide
			// total; no step of this entry has changed it yet.
			v = r.s.get(Key{Colony: e.Colony, Skill: u.Key.Skill, User: e.User})
		}
		r.s.set(u.Key, r.written(r.a.next(r.s.get(u.Key), amount, neg, u.Kind, v, origin)))
		r.done()
	}
}

// arith computes reputation.md §Values; it holds scratch space for the
// child steps' products. Replay and VerifyUpdate both use it, so the rule
// is written once.
type arith struct{ x, y, z big.Int }

// next returns the new value of a leaf holding old after one update of
// an entry whose amount is amount in absolute value, negative or not:
// old + amount, capped at 2^127 − 1, for a gain; for a loss, with O the
// user's reputation in the origin before the entry, old − min(|amount|,
// O) for a parent or origin step, and for a child step where the user
// has v, old − min(trunc(|amount| × v / O), v) (nothing when O is 0);
// never below 0.
func (a *arith) next(old, amount u128, neg bool, kind StepKind, v, origin u128) u128 {
	switch {
	case !neg:
		return old.add(amount)
	case kind == StepChild:
		return old.sub(a.childLoss(amount, v, origin))
	}
	return old.sub(minU128(amount, origin))
}

// childLoss returns min(|trunc(amount × v / O)|, v) for a loss of amount
// and the user's reputation v in the child: the rule "if v + Δ < 0 then
// Δ = −v"; 0 when O is 0.
func (a *arith) childLoss(amount, v, origin u128) u128 {
	if origin.isZero() || v.isZero() {
		return u128{}
	}
	amount.setBig(&a.x)
	v.setBig(&a.y)
	origin.setBig(&a.z)
	a.x.Mul(&a.x, &a.y)
	a.x.Quo(&a.x, &a.z)
	if a.x.Cmp(&a.y) >= 0 {
		return v
	}
	return u128From(&a.x)
}

// Justification is a cycle's justification tree (reputation.md:
// "Justification tree"): leaf i, at path uint256(i), holds
// JustificationValue(root, nLeaves) of the state before update i, for
// i = 0 … N, N = decays + log updates; leaf 0 is the previous state and
// leaf N the final one. Its root is the JRH.
type Justification struct {
	seq patricia.Sequence
}

// JustificationValue returns the value of a justification leaf: root (32)
// ‖ nLeaves (uint256 big-endian, 32).
func JustificationValue(root patricia.Hash, nLeaves uint64) patricia.Value {
	var v patricia.Value
	copy(v[:32], root[:])
	binary.BigEndian.PutUint64(v[56:], nLeaves)
	return v
}

func (j *Justification) append(root patricia.Hash, nLeaves uint64) {
	v := JustificationValue(root, nLeaves)
	j.seq.Append(&v)
}

// Len returns the number of leaves, N + 1.
func (j *Justification) Len() uint64 { return j.seq.Len() }

// Root returns the justification root hash (JRH).
func (j *Justification) Root() patricia.Hash { return j.seq.Root() }

// State returns the reputation root and number of leaves before update i
// (after the last update for i = N), and false when i > N.
func (j *Justification) State(i uint64) (patricia.Hash, uint64, bool) {
	v, ok := j.seq.Leaf(i)
	if !ok {
		return patricia.Hash{}, 0, false
	}
	return patricia.Hash(v[:32]), binary.BigEndian.Uint64(v[56:]), true
}

// Prove returns leaf i's value and its proof against Root, or false when
// i > N. Check it with patricia.Verify(jrh, patricia.IndexPath(i), &v, p).
func (j *Justification) Prove(i uint64) (patricia.Value, patricia.Proof, bool) {
	return j.seq.Prove(i)
}

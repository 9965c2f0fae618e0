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
	return replay(prev, skills, p, log, true)
}

// Apply is Replay without the justification tree: it computes only the
// new state and hashes the changed nodes once, at the end, about a tenth
// of Replay's cost.
func Apply(prev *State, skills *SkillTree, p Params, log Log) (*State, error) {
	res, err := replay(prev, skills, p, log, false)
	if err != nil {
		return nil, err
	}
	return res.State, nil
}

func replay(prev *State, skills *SkillTree, p Params, log Log, justify bool) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if prev == nil {
		prev = NewState()
	}
	type checked struct {
		s      *Skill
		nChild uint64
	}
	entries := make([]checked, len(log))
	var n uint64
	for i, e := range log {
		s, nChild, err := e.check(skills)
		if err != nil {
			return nil, fmt.Errorf("log entry %d: %w", i, err)
		}
		if e.NPreviousUpdates != n {
			return nil, fmt.Errorf("log entry %d: %w: nPreviousUpdates %d, want %d", i, ErrBadEntry, e.NPreviousUpdates, n)
		}
		n += e.NUpdates
		entries[i] = checked{s, nChild}
	}
	r := &replayer{s: prev.Clone()}
	if justify {
		r.j = &Justification{}
		r.j.seq.Grow(int(prev.NLeaves() + n + 1))
		r.record()
	}
	// Decay: every leaf of the previous state, zero-valued ones included,
	// in ascending UID order.
	for uid := uint64(1); uid <= prev.NLeaves(); uid++ {
		v := r.s.tree.Leaf(int(uid - 1))
		old := repOf(&v)
		if next := decay(old, p.DecayNumerator, p.DecayDenominator); next != old {
			v = leafValue(next, uid)
			r.s.tree.SetLeaf(int(uid-1), &v)
		}
		r.record()
	}
	for i, e := range log {
		r.entry(e, entries[i].s, entries[i].nChild)
	}
	res := &Result{State: r.s, Root: r.s.Root(), NLeaves: r.s.NLeaves(), Justification: r.j}
	return res, nil
}

// replayer applies updates to a state and records the justification leaves.
type replayer struct {
	s       *State
	j       *Justification // nil: no justification tree
	x, y, z big.Int        // scratch for child steps
}

func (r *replayer) record() {
	if r.j != nil {
		r.j.append(r.s.Root(), r.s.NLeaves())
	}
}

// entry applies the updates of e (reputation.md §Values).
func (r *replayer) entry(e Entry, s *Skill, nChild uint64) {
	neg := e.Amount.Sign() < 0
	amount := u128From(e.Amount)
	var origin u128 // O: the user's reputation in the origin before the entry
	if neg {
		origin = r.s.get(Key{Colony: e.Colony, Skill: e.Skill, User: e.User})
	}
	for i := uint64(0); i < e.NUpdates; i++ {
		u := expand(e, s, nChild, i)
		old := r.s.get(u.Key)
		var next u128
		switch {
		case !neg:
			next = old.add(amount)
		case u.Kind == StepChild:
			// The user's reputation in the child, also for the colony-wide
			// total; no step of this entry has changed it yet.
			v := r.s.get(Key{Colony: e.Colony, Skill: u.Key.Skill, User: e.User})
			next = old.sub(r.childLoss(amount, v, origin))
		default:
			next = old.sub(minU128(amount, origin))
		}
		r.s.set(u.Key, next)
		r.record()
	}
}

// childLoss returns min(|trunc(amount × v / O)|, v) for a loss of amount
// and the user's reputation v in the child: the rule "if v + Δ < 0 then
// Δ = −v"; 0 when O is 0.
func (r *replayer) childLoss(amount, v, origin u128) u128 {
	if origin.isZero() || v.isZero() {
		return u128{}
	}
	amount.setBig(&r.x)
	v.setBig(&r.y)
	origin.setBig(&r.z)
	r.x.Mul(&r.x, &r.y)
	r.x.Quo(&r.x, &r.z)
	if r.x.Cmp(&r.y) >= 0 {
		return v
	}
	return u128From(&r.x)
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

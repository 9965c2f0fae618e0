package reputation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// Witness proves a key's leaf, or its absence, in a reputation tree: what
// a miner sends so that the ledger, which holds only the root, can
// recompute one update (Colony whitepaper §7.5.1: "The responses to the
// challenges are Merkle proofs that the corresponding reputation update
// was properly handled").
type Witness struct {
	// Key is the leaf's key.
	Key Key
	// Present says whether the key has a leaf.
	Present bool
	// Value is the leaf's value (reputation ‖ uid, LeafValue) when
	// Present; otherwise the value of the adjacent leaf.
	Value patricia.Value
	// Adjacent is, when not Present, the path of the adjacent leaf that
	// shows the key's path absent (patricia.Tree.ProveAbsence); the zero
	// Path in the empty tree. Ignored when Present.
	Adjacent patricia.Path
	// Proof is the membership proof of the leaf when Present, or of the
	// adjacent leaf; the zero Proof in the empty tree.
	Proof patricia.Proof
}

// Witness returns the witness of k in s, against s.Root().
func (s *State) Witness(k Key) Witness {
	w := Witness{Key: k}
	kb := k.Bytes()
	path := patricia.Path(s.h.Sum(kb[:]))
	if _, ok := s.index[k]; ok {
		w.Present = true
		w.Value, w.Proof, _ = s.tree.Prove(path)
		return w
	}
	w.Adjacent, w.Value, w.Proof, _ = s.tree.ProveAbsence(path)
	return w
}

// Check returns what w proves against root: the key's reputation, in [0,
// 2^127 − 1], and its UID, or 0 and 0 when w proves the key absent.
// Errors: ErrBadWitness, saying what is wrong: the proof does not verify
// against root, the key's path is not absent, the value's reputation is
// above 2^127 − 1, its UID is 0 or above 2^64 − 1.
func (w Witness) Check(root patricia.Hash) (rep *big.Int, uid uint64, err error) {
	r, uid, err := w.check(patricia.NewHasher(), root)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrBadWitness, err)
	}
	return r.setBig(new(big.Int)), uid, nil
}

func (k Key) describe() string {
	return fmt.Sprintf("key (colony %x, skill %d, user %x)", k.Colony, k.Skill, k.User)
}

// check is Check with an error that does not wrap ErrBadWitness.
func (w Witness) check(h *patricia.Hasher, root patricia.Hash) (u128, uint64, error) {
	kb := w.Key.Bytes()
	path := patricia.Path(h.Sum(kb[:]))
	if !w.Present {
		if !patricia.VerifyAbsence(h, root, path, w.Adjacent, &w.Value, w.Proof) {
			return u128{}, 0, fmt.Errorf("the proof does not show %s absent from root %x", w.Key.describe(), root)
		}
		return u128{}, 0, nil
	}
	got, err := patricia.ImpliedRoot(h, path, &w.Value, w.Proof)
	if err != nil {
		return u128{}, 0, fmt.Errorf("proof of %s: %v", w.Key.describe(), err)
	}
	if got != root {
		return u128{}, 0, fmt.Errorf("proof of %s does not verify against root %x", w.Key.describe(), root)
	}
	v := &w.Value
	if binary.BigEndian.Uint64(v[0:]) != 0 || binary.BigEndian.Uint64(v[8:]) != 0 || maxRep.less(repOf(v)) {
		return u128{}, 0, fmt.Errorf("%s: reputation %x above 2^127-1", w.Key.describe(), v[:32])
	}
	if binary.BigEndian.Uint64(v[32:]) != 0 || binary.BigEndian.Uint64(v[40:]) != 0 || binary.BigEndian.Uint64(v[48:]) != 0 {
		return u128{}, 0, fmt.Errorf("%s: uid %x above 2^64-1", w.Key.describe(), v[32:])
	}
	uid := binary.BigEndian.Uint64(v[56:])
	if uid == 0 {
		return u128{}, 0, fmt.Errorf("%s: uid 0 for a present leaf", w.Key.describe())
	}
	return repOf(v), uid, nil
}

// checkIn checks the witness named which against before: its proof, and
// for a present leaf a UID of at most before.NLeaves (reputation.md:
// "the number of leaves equals the highest UID"). Errors: ErrBadWitness.
func checkIn(h *patricia.Hasher, before JustState, w Witness, which string) (u128, uint64, error) {
	rep, uid, err := w.check(h, before.Root)
	if err != nil {
		return u128{}, 0, fmt.Errorf("%w: %s: %v", ErrBadWitness, which, err)
	}
	if uid > before.NLeaves {
		return u128{}, 0, fmt.Errorf("%w: %s: %s has uid %d, above the %d leaves", ErrBadWitness, which, w.Key.describe(), uid, before.NLeaves)
	}
	return rep, uid, nil
}

// VerifyDecay recomputes update t < decays of a cycle, the decay of the
// leaf with UID uid = t + 1 (LocateUpdate; reputation.md "Decay";
// whitepaper §7.6.1: "they must also supply a Merkle proof that the
// starting value assumed for the user corresponds to the value that user
// had at the end of the last update cycle"), from the state before it
// and subject, the witness of that leaf in before.Root: the leaf must be
// present with UID uid. It returns the state after: the same NLeaves and
// the root with the leaf's value floor(old × p.DecayNumerator /
// p.DecayDenominator), by the same proof. Errors: an invalid p;
// ErrNoSuchUpdate when uid is not in [1, before.NLeaves]; ErrBadWitness;
// ErrWrongKey when subject's leaf has another UID.
func VerifyDecay(before JustState, uid uint64, p Params, subject Witness) (JustState, error) {
	if err := p.Validate(); err != nil {
		return JustState{}, err
	}
	if uid == 0 || uid > before.NLeaves {
		return JustState{}, fmt.Errorf("%w: decay of uid %d in a state of %d leaves", ErrNoSuchUpdate, uid, before.NLeaves)
	}
	if !subject.Present {
		return JustState{}, fmt.Errorf("%w: decay of uid %d: subject: the witness is of an absent %s", ErrBadWitness, uid, subject.Key.describe())
	}
	h := patricia.NewHasher()
	old, got, err := checkIn(h, before, subject, fmt.Sprintf("decay of uid %d: subject", uid))
	if err != nil {
		return JustState{}, err
	}
	if got != uid {
		return JustState{}, fmt.Errorf("%w: decay of uid %d: subject: %s has uid %d", ErrWrongKey, uid, subject.Key.describe(), got)
	}
	v := leafValue(decay(old, p.DecayNumerator, p.DecayDenominator), uid)
	kb := subject.Key.Bytes()
	root, err := patricia.ImpliedRoot(h, patricia.Path(h.Sum(kb[:])), &v, subject.Proof)
	if err != nil {
		return JustState{}, fmt.Errorf("%w: decay of uid %d: subject: %v", ErrBadWitness, uid, err) // checked above
	}
	return JustState{Root: root, NLeaves: before.NLeaves}, nil
}

// checkUpdate returns ErrBadEntry unless u can be an update of e: in e's
// colony, for the zero address or e's user, of a known kind, a child step
// only for a loss, the origin step in e's skill.
func checkUpdate(e Entry, u Update) error {
	switch {
	case u.Key.Colony != e.Colony:
		return errors.New("another colony")
	case !u.Key.User.IsZero() && u.Key.User != e.User:
		return errors.New("another user")
	case u.Kind < StepChild || u.Kind > StepOrigin:
		return fmt.Errorf("kind %v", u.Kind)
	case u.Kind == StepChild && e.Amount.Sign() >= 0:
		return errors.New("a child step of a gain")
	case u.Kind == StepOrigin && u.Key.Skill != e.Skill:
		return errors.New("an origin step in another skill")
	}
	return nil
}

// VerifyUpdate recomputes update r of log entry e (LocateUpdate), given u
// = its Update, which the ledger expands with Expansion and the skill
// tree, and the witnesses of what it reads in before, the state before
// it (whitepaper §7.5.1: "the ledger verifies that single update";
// reputation.md "Values"). It returns the state after.
//
//   - subject is the witness of u.Key. When present, the leaf's UID must
//     be in [1, before.NLeaves]; the state after has the new value with
//     the same UID, its root from the same proof, and the same NLeaves.
//     When absent, the old value is 0 and the key becomes a new leaf
//     with UID before.NLeaves + 1, even at 0 (reputation.md: "A key that
//     does not exist yet counts as 0 and is inserted as a new leaf"); the
//     root after comes from patricia.InsertedRoots and NLeaves grows by
//     one. (Whitepaper §7.6.2: a submission that adds a new leaf where
//     the key has one loses, since its absence cannot be proved.)
//   - origin, for a loss, is the witness of the user's key in the
//     entry's skill, {e.Colony, e.Skill, e.User}: O is its reputation, 0
//     when absent. Every update of the entry needs the O of before the
//     entry; before.Root shows it, because that key is the entry's last
//     update (the user's origin step) and no other update of the entry
//     touches it (the zero address, whose keys the colony-wide half
//     updates, never has a loss: ErrBadEntry). For that last update
//     itself O is subject's old value and origin is ignored, as it is for
//     a gain.
//   - child, for a loss and a colony-wide child step (u.Kind ==
//     StepChild, u.Key.User zero), is the witness of the user's key in
//     that child skill, {e.Colony, u.Key.Skill, e.User}: v is its
//     reputation, 0 when absent, not yet changed since the user's half
//     of the entry comes after the colony-wide half. For the user's own
//     child step v is subject's old value; child is ignored but for a
//     colony-wide child step.
//
// The new value follows reputation.md "Values" with the arithmetic of
// Replay. Errors: ErrBadEntry when e's amount is outside [MinAmount,
// MaxAmount], a loss for the zero address, or u cannot be one of e's
// updates; ErrWrongKey for a witness of another key than the one
// required, naming it; ErrBadWitness for a witness that does not verify
// against before.Root, naming it and saying why.
func VerifyUpdate(before JustState, e Entry, u Update, subject, origin, child Witness) (JustState, error) {
	if err := e.checkAmount(); err != nil {
		return JustState{}, err
	}
	if err := checkUpdate(e, u); err != nil {
		return JustState{}, fmt.Errorf("%w: update of %s: %v", ErrBadEntry, u.Key.describe(), err)
	}
	if subject.Key != u.Key {
		return JustState{}, fmt.Errorf("%w: subject: %s, want %s", ErrWrongKey, subject.Key.describe(), u.Key.describe())
	}
	h := patricia.NewHasher()
	old, uid, err := checkIn(h, before, subject, "subject")
	if err != nil {
		return JustState{}, err
	}
	neg := e.Amount.Sign() < 0
	var o, v u128
	if neg {
		if o, err = read(h, before, Key{Colony: e.Colony, Skill: e.Skill, User: e.User}, subject, old, origin, "origin"); err != nil {
			return JustState{}, err
		}
		if u.Kind == StepChild {
			if v, err = read(h, before, Key{Colony: e.Colony, Skill: u.Key.Skill, User: e.User}, subject, old, child, "child"); err != nil {
				return JustState{}, err
			}
		}
	}
	var a arith
	next := a.next(old, u128From(e.Amount), neg, u.Kind, v, o)
	kb := u.Key.Bytes()
	path := patricia.Path(h.Sum(kb[:]))
	if subject.Present {
		val := leafValue(next, uid)
		root, err := patricia.ImpliedRoot(h, path, &val, subject.Proof)
		if err != nil {
			return JustState{}, fmt.Errorf("%w: subject: %v", ErrBadWitness, err) // checked above
		}
		return JustState{Root: root, NLeaves: before.NLeaves}, nil
	}
	if before.NLeaves == ^uint64(0) {
		return JustState{}, fmt.Errorf("%w: subject: no uid left for a new leaf", ErrBadWitness)
	}
	val := leafValue(next, before.NLeaves+1)
	_, root, err := patricia.InsertedRoots(h, path, &val, subject.Adjacent, &subject.Value, subject.Proof)
	if err != nil {
		return JustState{}, fmt.Errorf("%w: subject: %v", ErrBadWitness, err) // checked above
	}
	return JustState{Root: root, NLeaves: before.NLeaves + 1}, nil
}

// read returns the reputation of key in before: subject's old value when
// key is the subject's, else what w, which must be key's witness, proves.
func read(h *patricia.Hasher, before JustState, key Key, subject Witness, old u128, w Witness, which string) (u128, error) {
	if key == subject.Key {
		return old, nil
	}
	if w.Key != key {
		return u128{}, fmt.Errorf("%w: %s: %s, want %s", ErrWrongKey, which, w.Key.describe(), key.describe())
	}
	rep, _, err := checkIn(h, before, w, which)
	return rep, err
}

package reputation

import "fmt"

// A miner's side of the challenge-response protocol (Colony whitepaper
// §7.5.1): the state before a disputed update, the witnesses the ledger
// needs to recompute it, and, for tests and a miner's deliberate faults,
// a replay that gets one update wrong.

// StateBefore returns the state before update t of a cycle, the state of
// justification leaf t (t = decays + log.NUpdates() gives the final
// state), by replaying the cycle on prev up to t without building the
// justification tree; prev, nil or as for Replay, is not modified.
// Errors: as Replay; ErrNoSuchUpdate when t is past the final state.
func StateBefore(prev *State, skills *SkillTree, p Params, log Log, t uint64) (*State, error) {
	var decays uint64
	if prev != nil {
		decays = prev.NLeaves()
	}
	if t > decays && t-decays > log.NUpdates() {
		return nil, fmt.Errorf("%w: state before update %d of a cycle of %d decays and %d log updates", ErrNoSuchUpdate, t, decays, log.NUpdates())
	}
	res, err := replay(prev, skills, p, log, replayOptions{stop: t, forge: noUpdate})
	if err != nil {
		return nil, err
	}
	return res.State, nil
}

// WitnessesFor returns the witnesses that VerifyDecay or VerifyUpdate
// needs for update t of a cycle whose previous state had decays leaves,
// built from before, the state before update t (StateBefore): for a
// decay, subject is the witness of the leaf with UID t + 1; for a log
// update, subject is the witness of the update's key, origin (for a loss,
// unless the update is the user's origin step) that of the user's key in
// the entry's skill, and child (for a loss, at a colony-wide child step)
// that of the user's key in the child skill. Witnesses not needed are
// zero. Errors: as LocateUpdate and Entry.Update; ErrNoSuchUpdate when
// before has no leaf with the decayed UID.
func WitnessesFor(before *State, decays uint64, log Log, skills *SkillTree, t uint64) (subject, origin, child Witness, err error) {
	decay, uid, i, r, err := LocateUpdate(decays, log, t)
	if err != nil {
		return Witness{}, Witness{}, Witness{}, err
	}
	if decay {
		l, ok := before.Leaf(uid)
		if !ok {
			return Witness{}, Witness{}, Witness{}, fmt.Errorf("%w: decay of uid %d in a state of %d leaves", ErrNoSuchUpdate, uid, before.NLeaves())
		}
		return before.Witness(l.Key), Witness{}, Witness{}, nil
	}
	e := log[i]
	u, err := e.Update(skills, r)
	if err != nil {
		return Witness{}, Witness{}, Witness{}, fmt.Errorf("log entry %d: %w", i, err)
	}
	subject = before.Witness(u.Key)
	if e.Amount.Sign() < 0 {
		if k := (Key{Colony: e.Colony, Skill: e.Skill, User: e.User}); k != u.Key {
			origin = before.Witness(k)
		}
		if k := (Key{Colony: e.Colony, Skill: u.Key.Skill, User: e.User}); u.Kind == StepChild && k != u.Key {
			child = before.Witness(k)
		}
	}
	return subject, origin, child, nil
}

// ReplayForged is Replay, except that update at writes a wrong value:
// the correct new value + 1, or − 1 when the correct value is 2^127 − 1,
// so the leaf always differs from the honest one (a new key is still
// inserted, with the wrong value). Every later update follows the rules
// from the forged state, so the justification tree is well formed, its
// leaves 0 … at equal the honest ones and leaf at + 1 is the first that
// differs (later ones may agree again). It is the dishonest miner of
// tests and of a miner's wrong-root fault. Errors: as Replay;
// ErrNoSuchUpdate when at ≥ decays + log.NUpdates().
func ReplayForged(prev *State, skills *SkillTree, p Params, log Log, at uint64) (*Result, error) {
	var decays uint64
	if prev != nil {
		decays = prev.NLeaves()
	}
	if at >= decays && at-decays >= log.NUpdates() {
		return nil, fmt.Errorf("%w: forging update %d of a cycle of %d decays and %d log updates", ErrNoSuchUpdate, at, decays, log.NUpdates())
	}
	return replay(prev, skills, p, log, replayOptions{justify: true, stop: noUpdate, forge: at})
}

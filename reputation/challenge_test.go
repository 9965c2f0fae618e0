package reputation

import (
	"bytes"
	"errors"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// challengeCycle appends n random entries: gains and losses, now and then
// of the highest or lowest amount, so that caps and floors are reached.
func challengeCycle(r *rand.Rand, skills *SkillTree, users []Address, n int) Log {
	var log Log
	for range n {
		a := big.NewInt(int64(r.IntN(5000) + 1))
		switch r.IntN(20) {
		case 0:
			a = MaxAmount()
		case 1:
			a = MinAmount()
		case 2, 3, 4, 5, 6:
			a.Neg(a)
		}
		log.Append(skills, colony, users[r.IntN(len(users))], uint64(r.IntN(skills.Len())+1), a)
	}
	return log
}

// verifyAt recomputes update t of a cycle from the state before it, as
// the ledger does: it locates the update, checks the witnesses a miner
// builds and returns the state after, and what kind of update it was.
func verifyAt(t *testing.T, prev *State, skills *SkillTree, p Params, log Log, i uint64) (JustState, string) {
	t.Helper()
	var decays uint64
	if prev != nil {
		decays = prev.NLeaves()
	}
	before, err := StateBefore(prev, skills, p, log, i)
	if err != nil {
		t.Fatal(err)
	}
	subject, origin, child, err := WitnessesFor(before, decays, log, skills, i)
	if err != nil {
		t.Fatal(err)
	}
	js := JustState{Root: before.Root(), NLeaves: before.NLeaves()}
	decay, uid, entry, r, err := LocateUpdate(decays, log, i)
	if err != nil {
		t.Fatal(err)
	}
	var after JustState
	kind := "decay"
	if decay {
		after, err = VerifyDecay(js, uid, p, subject)
	} else {
		var u Update
		if u, err = log[entry].Update(skills, r); err != nil {
			t.Fatal(err)
		}
		after, err = VerifyUpdate(js, log[entry], u, subject, origin, child)
		kind = u.Kind.String()
		if log[entry].Amount.Sign() < 0 {
			kind += " loss"
		}
		if u.Key.User.IsZero() {
			kind = "colony-wide " + kind
		}
		if !subject.Present {
			kind += ", new leaf"
		}
	}
	if err != nil {
		t.Fatalf("update %d: %v", i, err)
	}
	return after, kind
}

func justLeaf(t *testing.T, j *Justification, i uint64) JustState {
	t.Helper()
	root, n, ok := j.State(i)
	if !ok {
		t.Fatalf("no justification leaf %d", i)
	}
	return JustState{Root: root, NLeaves: n}
}

// TestChallenge plays the challenge of Colony whitepaper §7.5.1 on random
// skill trees and logs over several cycles: an honest replay against one
// that forges update t. Both justification trees start at the accepted
// state and prove their last leaf at N; the binary search over them,
// with children from Justification.Children, finds update t in at most
// ⌈log₂(N+1)⌉ steps; and the single update, recomputed from the state
// before it and the witnesses, gives the honest leaf t+1, not the forged
// one.
func TestChallenge(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	p := DefaultParams()
	steps := 0
	kinds := map[string]int{}
	for iter := range 600 {
		skills := randomSkills(r, 2+r.IntN(12))
		users := randomUsers(r, 2+r.IntN(6))
		var prev *State
		for range r.IntN(3) {
			var err error
			if prev, err = Apply(prev, skills, p, challengeCycle(r, skills, users, r.IntN(30))); err != nil {
				t.Fatal(err)
			}
		}
		log := challengeCycle(r, skills, users, 1+r.IntN(30))
		honest, err := Replay(prev, skills, p, log)
		if err != nil {
			t.Fatal(err)
		}
		n := honest.Justification.Len()
		N := n - 1
		at := r.Uint64N(N)
		forged, err := ReplayForged(prev, skills, p, log, at)
		if err != nil {
			t.Fatal(err)
		}

		// Side 0 is the honest one half of the time.
		js := [2]*Justification{honest.Justification, forged.Justification}
		if r.IntN(2) == 0 {
			js[0], js[1] = js[1], js[0]
		}
		for side, j := range js {
			if j.Len() != n {
				t.Fatalf("iter %d: side %d has %d leaves, want %d", iter, side, j.Len(), n)
			}
			if justLeaf(t, j, 0) != justLeaf(t, honest.Justification, 0) {
				t.Fatalf("iter %d: side %d does not start at the accepted state", iter, side)
			}
			v, proof, _ := j.Prove(N)
			if proof.BranchMask != patricia.SequenceBranchMask(n, N) || !patricia.Verify(j.Root(), patricia.IndexPath(N), &v, proof) {
				t.Fatalf("iter %d: side %d does not prove its last leaf", iter, side)
			}
		}

		s := NewSearch(n, js[0].Root(), js[1].Root())
		for !s.Done() {
			var c [2][2]patricia.Hash
			for side, j := range js {
				e0, e1, ok := j.Children(s.Lo, s.Hi)
				if !ok {
					t.Fatalf("iter %d: [%d, %d] is not a node", iter, s.Lo, s.Hi)
				}
				if err := s.CheckChildren(side, e0, e1); err != nil {
					t.Fatalf("iter %d: %v", iter, err)
				}
				c[side] = [2]patricia.Hash{e0, e1}
			}
			if c[0] != c[1] {
				if err := s.CheckChildren(0, c[1][0], c[1][1]); !errors.Is(err, ErrBadSearchStep) {
					t.Fatalf("iter %d: side 0 accepted with side 1's children: %v", iter, err)
				}
			}
			s = s.Descend(c)
		}
		if s.Steps > bits.Len64(N) {
			t.Fatalf("iter %d: %d steps for %d leaves", iter, s.Steps, n)
		}
		steps += s.Steps
		if s.Disputed() != at {
			t.Fatalf("iter %d: search found update %d, forged %d", iter, s.Disputed(), at)
		}
		honestAfter := justLeaf(t, honest.Justification, at+1)
		forgedAfter := justLeaf(t, forged.Justification, at+1)
		for side, j := range js {
			if err := s.CheckLeaf(side, justLeaf(t, j, at+1).Value()); err != nil {
				t.Fatalf("iter %d: %v", iter, err)
			}
		}
		if err := s.CheckLeaf(0, JustState{Root: patricia.Hash{1}}.Value()); !errors.Is(err, ErrBadSearchStep) {
			t.Fatalf("iter %d: CheckLeaf accepted another value: %v", iter, err)
		}

		got, kind := verifyAt(t, prev, skills, p, log, at)
		kinds[kind]++
		if got != honestAfter {
			t.Fatalf("iter %d: update %d verifies to %x %d, honest %x %d", iter, at, got.Root, got.NLeaves, honestAfter.Root, honestAfter.NLeaves)
		}
		if got == forgedAfter {
			t.Fatalf("iter %d: update %d verifies to the forged state", iter, at)
		}
	}
	for _, kind := range []string{
		"decay",
		"colony-wide child loss", "colony-wide child loss, new leaf", "child loss", "child loss, new leaf",
		"colony-wide parent", "colony-wide parent, new leaf", "parent loss", "parent, new leaf",
		"colony-wide origin", "colony-wide origin loss", "origin", "origin loss", "origin, new leaf",
	} {
		if kinds[kind] < 3 {
			t.Errorf("only %d disputed updates of kind %q", kinds[kind], kind)
		}
	}
	t.Logf("%d search steps in all; disputed updates: %v", steps, kinds)
}

// TestVerifyEveryUpdate is the naive reference check: for every update of
// the Colony examples' logs and of random cycles, StateBefore is the
// justification leaf and recomputing the update gives the next leaf.
func TestVerifyEveryUpdate(t *testing.T) {
	type cycle struct {
		name   string
		prev   *State
		skills *SkillTree
		p      Params
		log    Log
	}
	var cycles []cycle
	base := []change{{other, "100", 6}, {worker, "100", 6}, {other, "900", 5}}
	for i, changes := range [][]change{
		append(append([]change{}, base...), change{other, "1000", 1}, change{other, "-100", 6}),
		append(append([]change{}, base...), change{other, "-200", 5}),
		append(append([]change{}, base...), change{other, "-200", 5}, change{other, "500", 1}, change{other, "-100000000", 5}),
	} {
		skills := colonyTree(t)
		var log Log
		for _, c := range changes {
			log.Append(skills, colony, c.user, c.skill, amt(c.amount))
		}
		cycles = append(cycles, cycle{"colony example " + string(rune('1'+i)), nil, skills, noDecay, log})
	}
	// Example 4: A → B → C, the user loses 50 in A.
	var abc SkillTree
	a, _ := abc.Add(0)
	b, _ := abc.Add(a)
	c, _ := abc.Add(b)
	user := Address{0x0a}
	prev := NewState()
	for _, l := range []want{{user, a, "100"}, {user, b, "50"}, {user, c, "0"}, {zero, a, "10000"}, {zero, b, "500"}, {zero, c, "100"}} {
		prev.Set(Key{Colony: colony, Skill: l.skill, User: l.user}, amt(l.rep))
	}
	var log Log
	log.Append(&abc, colony, user, a, amt("-50"))
	cycles = append(cycles, cycle{"colony example 4", prev, &abc, noDecay, log})
	// Example 5: decay of 1e18, then a new cycle on the decayed state.
	var one SkillTree
	s, _ := one.Add(0)
	log = nil
	log.Append(&one, colony, worker, s, amt("1000000000000000000"))
	state, _ := Apply(nil, &one, DefaultParams(), log)
	cycles = append(cycles, cycle{"colony example 5", state, &one, DefaultParams(), log})
	// Miner rewards: of the zero address, whose entry updates the
	// colony-wide totals twice, and of 0.
	rewards := colonyTree(t)
	log = nil
	log.AppendMinerReward(rewards, colony, zero, 6, big.NewInt(40))
	log.AppendMinerReward(rewards, colony, worker, 5, big.NewInt(0))
	log.Append(rewards, colony, worker, 5, big.NewInt(-3))
	cycles = append(cycles, cycle{"miner rewards", nil, rewards, noDecay, log})
	// Random cycles with decays.
	r := rand.New(rand.NewPCG(33, 34))
	skills := randomSkills(r, 9)
	users := randomUsers(r, 4)
	state = nil
	for i := range 3 {
		log := challengeCycle(r, skills, users, 12)
		cycles = append(cycles, cycle{"random cycle " + string(rune('1'+i)), state, skills, DefaultParams(), log})
		state, _ = Apply(state, skills, DefaultParams(), log)
	}

	for _, cy := range cycles {
		t.Run(cy.name, func(t *testing.T) {
			res, err := Replay(cy.prev, cy.skills, cy.p, cy.log)
			if err != nil {
				t.Fatal(err)
			}
			j := res.Justification
			N := j.Len() - 1
			for i := range N + 1 {
				before, err := StateBefore(cy.prev, cy.skills, cy.p, cy.log, i)
				if err != nil {
					t.Fatal(err)
				}
				if got := (JustState{Root: before.Root(), NLeaves: before.NLeaves()}); got != justLeaf(t, j, i) {
					t.Fatalf("StateBefore(%d) is not justification leaf %d", i, i)
				}
				if i == N {
					break
				}
				if got, _ := verifyAt(t, cy.prev, cy.skills, cy.p, cy.log, i); got != justLeaf(t, j, i+1) {
					want := justLeaf(t, j, i+1)
					t.Fatalf("update %d verifies to %x %d, want %x %d", i, got.Root, got.NLeaves, want.Root, want.NLeaves)
				}
			}
			if _, err := StateBefore(cy.prev, cy.skills, cy.p, cy.log, N+1); !errors.Is(err, ErrNoSuchUpdate) {
				t.Fatalf("StateBefore past the end: %v", err)
			}
		})
	}
}

// refusalFixture is Colony example 2's state, on which OTHER loses 200 in
// skill 5: the updates are colony-wide 6 (child), 1 (parent), 5
// (origin), then OTHER's 6, 1, 5.
type refusalFixture struct {
	before  *State
	js      JustState
	entry   Entry
	updates []Update
}

func newRefusalFixture(t testing.TB) refusalFixture {
	skills := colonyTree(t)
	var log Log
	for _, c := range []change{{other, "100", 6}, {worker, "100", 6}, {other, "900", 5}} {
		log.Append(skills, colony, c.user, c.skill, amt(c.amount))
	}
	before, err := Apply(nil, skills, noDecay, log)
	if err != nil {
		t.Fatal(err)
	}
	log = nil
	log.Append(skills, colony, other, 5, amt("-200"))
	ups, err := log[0].Updates(skills)
	if err != nil {
		t.Fatal(err)
	}
	return refusalFixture{before, JustState{Root: before.Root(), NLeaves: before.NLeaves()}, log[0], ups}
}

// handTree returns the root of a reputation tree holding leaves built by
// hand, for values no State writes.
func handTree(leaves map[Key]patricia.Value, order []Key) (*patricia.Tree, patricia.Hash) {
	tr := patricia.New()
	for _, k := range order {
		v := leaves[k]
		kb := k.Bytes()
		tr.Set(patricia.HashKey(kb[:]), &v)
	}
	return tr, tr.Root()
}

func handWitness(tr *patricia.Tree, k Key) Witness {
	kb := k.Bytes()
	v, p, ok := tr.Prove(patricia.HashKey(kb[:]))
	if !ok {
		panic("no leaf")
	}
	return Witness{Key: k, Present: true, Value: v, Proof: p}
}

// TestVerifyRefusals checks that each kind of bad response is refused
// with its error.
func TestVerifyRefusals(t *testing.T) {
	f := newRefusalFixture(t)
	k := func(skill uint64, user Address) Key { return Key{Colony: colony, Skill: skill, User: user} }
	otherState := f.before.Clone()
	otherState.Set(k(2, worker), big.NewInt(1))
	absent := k(3, other)

	// A hand-built tree with a present leaf of UID 0 and one with a
	// reputation of 2^127.
	uid0, _ := LeafValue(big.NewInt(5), 0)
	tooBig := leafValue(u128{hi: 1 << 63}, 2)
	tr, handRoot := handTree(map[Key]patricia.Value{k(6, zero): uid0, k(5, other): tooBig}, []Key{k(6, zero), k(5, other)})

	// w returns a witness of key in before, changed by fn.
	w := func(key Key, fn func(*Witness)) Witness {
		x := f.before.Witness(key)
		if fn != nil {
			fn(&x)
		}
		return x
	}
	childStep := f.updates[0]  // colony-wide 6
	originStep := f.updates[5] // OTHER's 5
	subject := w(childStep.Key, nil)
	origin := w(k(5, other), nil)
	child := w(k(6, other), nil)
	tests := []struct {
		name                   string
		before                 JustState
		entry                  Entry
		u                      Update
		subject, origin, child Witness
		want                   error
		why                    string // in the error message
	}{
		{"subject for another key", f.js, f.entry, childStep, w(k(1, zero), nil), origin, child, ErrWrongKey, "subject: key (colony c0"},
		{"subject against another root", JustState{Root: otherState.Root(), NLeaves: otherState.NLeaves()}, f.entry, childStep, subject, origin, child, ErrBadWitness, "does not verify"},
		{"subject with a tampered value", f.js, f.entry, childStep, w(childStep.Key, func(x *Witness) { x.Value[31]++ }), origin, child, ErrBadWitness, "does not verify"},
		{"subject with a tampered proof", f.js, f.entry, childStep, w(childStep.Key, func(x *Witness) { x.Proof.Siblings[0][0]++ }), origin, child, ErrBadWitness, "does not verify"},
		{"subject with uid 0", JustState{Root: handRoot, NLeaves: 2}, f.entry, childStep, handWitness(tr, k(6, zero)), origin, child, ErrBadWitness, "uid 0 for a present leaf"},
		{"subject with uid above nLeaves", JustState{Root: f.js.Root, NLeaves: 2}, f.entry, childStep, subject, origin, child, ErrBadWitness, "has uid 3, above the 2 leaves"},
		{"subject with a reputation above 2^127-1", JustState{Root: handRoot, NLeaves: 2}, f.entry, originStep, handWitness(tr, k(5, other)), Witness{}, Witness{}, ErrBadWitness, "above 2^127-1"},
		{"subject absent when present", f.js, f.entry, childStep, w(childStep.Key, func(x *Witness) {
			o := f.before.Witness(k(1, other))
			x.Present, x.Adjacent, x.Value, x.Proof = false, keyPath(k(1, other)), o.Value, o.Proof
		}), origin, child, ErrBadWitness, "subject: the proof does not show"},
		{"subject absent as its own adjacent leaf", f.js, f.entry, childStep, w(childStep.Key, func(x *Witness) {
			x.Present, x.Adjacent = false, keyPath(childStep.Key)
		}), origin, child, ErrBadWitness, "subject: the proof does not show"},
		{"origin of another user", f.js, f.entry, childStep, subject, w(k(5, worker), nil), child, ErrWrongKey, "origin:"},
		{"origin of another skill", f.js, f.entry, childStep, subject, w(k(1, other), nil), child, ErrWrongKey, "origin:"},
		{"origin missing", f.js, f.entry, childStep, subject, Witness{}, child, ErrWrongKey, "origin:"},
		{"origin against another root", f.js, f.entry, childStep, subject, otherState.Witness(k(5, other)), child, ErrBadWitness, "origin: proof of"},
		{"origin with a tampered value", f.js, f.entry, childStep, subject, w(k(5, other), func(x *Witness) { x.Value[31]-- }), child, ErrBadWitness, "origin: proof of"},
		{"origin shown absent", f.js, f.entry, childStep, subject, w(k(5, other), func(x *Witness) {
			a := f.before.Witness(k(6, worker))
			x.Present, x.Adjacent, x.Value, x.Proof = false, keyPath(k(6, worker)), a.Value, a.Proof
		}), child, ErrBadWitness, "origin: the proof does not show"},
		{"child of another user", f.js, f.entry, childStep, subject, origin, w(k(6, worker), nil), ErrWrongKey, "child:"},
		{"child of another skill", f.js, f.entry, childStep, subject, origin, w(k(1, other), nil), ErrWrongKey, "child:"},
		{"child of the colony-wide total", f.js, f.entry, childStep, subject, origin, w(k(6, zero), nil), ErrWrongKey, "child:"},
		{"child missing", f.js, f.entry, childStep, subject, origin, Witness{}, ErrWrongKey, "child:"},
		{"child with a tampered value", f.js, f.entry, childStep, subject, origin, w(k(6, other), func(x *Witness) { x.Value[31]++ }), ErrBadWitness, "child: proof of"},
		{"child shown absent", f.js, f.entry, childStep, subject, origin, w(k(6, other), func(x *Witness) {
			*x = Witness{Key: x.Key} // the empty tree's absence proof
		}), ErrBadWitness, "child: the proof does not show"},
		{"absent key against the empty tree's proof", f.js, f.entry, Update{Key: absent, Kind: StepParent}, Witness{Key: absent}, origin, child, ErrBadWitness, "subject: the proof does not show"},
		{"update in another colony", f.js, f.entry, Update{Key: Key{Colony: other, Skill: 6}, Kind: StepChild}, Witness{Key: Key{Colony: other, Skill: 6}}, origin, child, ErrBadEntry, "another colony"},
		{"update of another user", f.js, f.entry, Update{Key: k(6, worker), Kind: StepChild}, w(k(6, worker), nil), origin, child, ErrBadEntry, "another user"},
		{"update of kind 0", f.js, f.entry, Update{Key: childStep.Key}, subject, origin, child, ErrBadEntry, "kind StepKind(0)"},
		{"origin step in another skill", f.js, f.entry, Update{Key: k(1, other), Kind: StepOrigin}, w(k(1, other), nil), origin, child, ErrBadEntry, "an origin step in another skill"},
		{"child step of a gain", f.js, Entry{User: other, Amount: big.NewInt(5), Skill: 5, Colony: colony, NUpdates: 4}, childStep, subject, origin, child, ErrBadEntry, "a child step of a gain"},
		{"loss of the zero address", f.js, Entry{User: zero, Amount: big.NewInt(-5), Skill: 5, Colony: colony, NUpdates: 6}, childStep, subject, origin, child, ErrBadEntry, "a loss of -5 for the zero address"},
		{"nil amount", f.js, Entry{User: other, Skill: 5, Colony: colony, NUpdates: 6}, childStep, subject, origin, child, ErrBadEntry, "amount <nil>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyUpdate(tt.before, tt.entry, tt.u, tt.subject, tt.origin, tt.child)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("error %v, want %v: …%s…", err, tt.want, tt.why)
			}
		})
	}

	// The same witnesses, right, are accepted.
	if _, err := VerifyUpdate(f.js, f.entry, childStep, subject, origin, child); err != nil {
		t.Fatalf("the right witnesses: %v", err)
	}
	// The user's own origin step needs neither origin nor child.
	if _, err := VerifyUpdate(f.js, f.entry, originStep, w(originStep.Key, nil), Witness{}, Witness{}); err != nil {
		t.Fatalf("origin step: %v", err)
	}
}

// keyPath returns the path of k in a reputation tree.
func keyPath(k Key) patricia.Path {
	kb := k.Bytes()
	return patricia.HashKey(kb[:])
}

func TestVerifyDecayRefusals(t *testing.T) {
	f := newRefusalFixture(t)
	l, _ := f.before.Leaf(2)
	subject := f.before.Witness(l.Key)
	otherLeaf, _ := f.before.Leaf(3)
	tests := []struct {
		name    string
		before  JustState
		uid     uint64
		p       Params
		subject Witness
		want    error
		why     string
	}{
		{"subject with another uid", f.js, 2, DefaultParams(), f.before.Witness(otherLeaf.Key), ErrWrongKey, "has uid 3"},
		{"subject absent", f.js, 2, DefaultParams(), f.before.Witness(Key{Colony: colony, Skill: 4}), ErrBadWitness, "the witness is of an absent key"},
		{"subject against another root", JustState{Root: patricia.Hash{1}, NLeaves: f.js.NLeaves}, 2, DefaultParams(), subject, ErrBadWitness, "does not verify"},
		{"subject with a tampered value", f.js, 2, DefaultParams(), func() Witness { x := subject; x.Value[30]++; return x }(), ErrBadWitness, "does not verify"},
		{"uid 0", f.js, 0, DefaultParams(), subject, ErrNoSuchUpdate, "decay of uid 0"},
		{"uid above nLeaves", f.js, f.js.NLeaves + 1, DefaultParams(), subject, ErrNoSuchUpdate, "decay of uid 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := VerifyDecay(tt.before, tt.uid, tt.p, tt.subject)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("error %v, want %v: …%s…", err, tt.want, tt.why)
			}
		})
	}
	if _, err := VerifyDecay(f.js, 2, Params{2, 1}, subject); err == nil {
		t.Fatal("a decay above 1 accepted")
	}
	got, err := VerifyDecay(f.js, 2, DefaultParams(), subject)
	if err != nil {
		t.Fatal(err)
	}
	s := f.before.Clone()
	dec, _ := Decay(l.Reputation, DefaultParams())
	s.Set(l.Key, dec)
	if got != (JustState{Root: s.Root(), NLeaves: s.NLeaves()}) {
		t.Fatal("decay verifies to another state")
	}
}

func TestWitnessCheck(t *testing.T) {
	f := newRefusalFixture(t)
	root := f.before.Root()
	for _, l := range f.before.Leaves() {
		rep, uid, err := f.before.Witness(l.Key).Check(root)
		if err != nil || rep.Cmp(l.Reputation) != 0 || uid != l.UID {
			t.Fatalf("uid %d: Check = %v, %d, %v", l.UID, rep, uid, err)
		}
	}
	absent := Key{Colony: colony, Skill: 4, User: worker}
	rep, uid, err := f.before.Witness(absent).Check(root)
	if err != nil || rep.Sign() != 0 || uid != 0 {
		t.Fatalf("absent: Check = %v, %d, %v", rep, uid, err)
	}
	empty := NewState()
	if rep, uid, err := empty.Witness(absent).Check(empty.Root()); err != nil || rep.Sign() != 0 || uid != 0 {
		t.Fatalf("empty state: Check = %v, %d, %v", rep, uid, err)
	}
	if _, _, err := f.before.Witness(absent).Check(patricia.Hash{}); !errors.Is(err, ErrBadWitness) {
		t.Fatalf("a non-empty tree's absence proof checked against the empty root: %v", err)
	}
	// A UID above 2^64 − 1.
	bigUID := leafValue(u128{lo: 5}, 1)
	bigUID[40] = 1
	tr, handRoot := handTree(map[Key]patricia.Value{absent: bigUID}, []Key{absent})
	if _, _, err := handWitness(tr, absent).Check(handRoot); !errors.Is(err, ErrBadWitness) {
		t.Fatalf("uid above 2^64-1: %v", err)
	}
}

func TestSearchRefusals(t *testing.T) {
	for _, n := range []uint64{0, 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewSearch(%d) did not panic", n)
				}
			}()
			NewSearch(n, patricia.Hash{}, patricia.Hash{1})
		}()
	}
	s := NewSearch(5, patricia.Hash{1}, patricia.Hash{2})
	for _, side := range []int{-1, 2} {
		if err := s.CheckChildren(side, patricia.Hash{}, patricia.Hash{}); !errors.Is(err, ErrBadSearchStep) {
			t.Errorf("side %d: %v", side, err)
		}
		if err := s.CheckLeaf(side, patricia.Value{}); !errors.Is(err, ErrBadSearchStep) {
			t.Errorf("leaf of side %d: %v", side, err)
		}
	}
	if err := s.CheckChildren(0, patricia.Hash{}, patricia.Hash{}); !errors.Is(err, ErrBadSearchStep) {
		t.Errorf("wrong children: %v", err)
	}
	if err := s.CheckLeaf(0, patricia.Value{}); !errors.Is(err, ErrBadSearchStep) {
		t.Errorf("a leaf before the search is done: %v", err)
	}
	same := [2][2]patricia.Hash{{{3}, {4}}, {{3}, {4}}}
	if got := s.Descend(same); got != s {
		t.Errorf("Descend with equal children moved to %+v", got)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Disputed before the search is done did not panic")
			}
		}()
		s.Disputed()
	}()
	// Down the left edge to leaf 0, where nothing can be disputed.
	for !s.Done() {
		s = s.Descend([2][2]patricia.Hash{{{1}, {}}, {{2}, {}}})
	}
	if s.Lo != 0 || s.Steps != 3 {
		t.Fatalf("search at %d after %d steps", s.Lo, s.Steps)
	}
	if got := s.Descend(same); got != s {
		t.Error("Descend moved a done search")
	}
	if err := s.CheckChildren(0, patricia.Hash{}, patricia.Hash{}); !errors.Is(err, ErrBadSearchStep) {
		t.Errorf("children of a leaf: %v", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Disputed at leaf 0 did not panic")
			}
		}()
		s.Disputed()
	}()
}

func TestLocateUpdate(t *testing.T) {
	skills := colonyTree(t)
	var log Log
	log.Append(skills, colony, worker, 6, big.NewInt(5))  // 6 updates
	log.Append(skills, colony, worker, 1, big.NewInt(5))  // 2
	log.Append(skills, colony, worker, 5, big.NewInt(-5)) // 6
	tests := []struct {
		t     uint64
		decay bool
		uid   uint64
		entry int
		r     uint64
	}{
		{0, true, 1, -1, 0},
		{2, true, 3, -1, 0},
		{3, false, 0, 0, 0},
		{8, false, 0, 0, 5},
		{9, false, 0, 1, 0},
		{10, false, 0, 1, 1},
		{11, false, 0, 2, 0},
		{16, false, 0, 2, 5},
	}
	for _, tt := range tests {
		decay, uid, entry, r, err := LocateUpdate(3, log, tt.t)
		if err != nil || decay != tt.decay || uid != tt.uid || entry != tt.entry || r != tt.r {
			t.Errorf("LocateUpdate(3, log, %d) = %v, %d, %d, %d, %v; want %v, %d, %d, %d", tt.t, decay, uid, entry, r, err, tt.decay, tt.uid, tt.entry, tt.r)
		}
	}
	for _, bad := range []uint64{17, 1000} {
		if _, _, _, _, err := LocateUpdate(3, log, bad); !errors.Is(err, ErrNoSuchUpdate) {
			t.Errorf("update %d: %v", bad, err)
		}
	}
	if _, _, _, _, err := LocateUpdate(0, nil, 0); !errors.Is(err, ErrNoSuchUpdate) {
		t.Errorf("empty cycle: %v", err)
	}
	broken := append(Log{}, log...)
	broken[1].NPreviousUpdates = 7
	if _, _, _, _, err := LocateUpdate(0, broken, 6); !errors.Is(err, ErrBadEntry) {
		t.Errorf("a gap in the log: %v", err)
	}
	// Against a linear scan over random logs.
	r := rand.New(rand.NewPCG(35, 36))
	rs := randomSkills(r, 10)
	rl := randomCycle(r, rs, randomUsers(r, 4), 50, true)
	var u uint64
	for i, e := range rl {
		for j := range e.NUpdates {
			_, _, entry, rr, err := LocateUpdate(7, rl, 7+u)
			if err != nil || entry != i || rr != j {
				t.Fatalf("update %d: entry %d, r %d (%v); want %d, %d", u, entry, rr, err, i, j)
			}
			u++
		}
	}
}

// TestReplayForged checks the forged replay: the same leaves up to the
// forged update, then a different one; a forged update at the highest
// reputation writes one less. The previous state holds a user at the
// highest reputation, decayed by nothing, then gaining 7.
func TestReplayForged(t *testing.T) {
	var skills SkillTree
	s, _ := skills.Add(0)
	prev := NewState()
	prev.Set(Key{Colony: colony, Skill: s, User: worker}, MaxAmount())
	var log Log
	log.Append(&skills, colony, worker, s, big.NewInt(7)) // colony-wide total new, then the capped user
	honest, err := Replay(prev, &skills, noDecay, log)
	if err != nil {
		t.Fatal(err)
	}
	N := honest.Justification.Len() - 1
	for at := range N {
		forged, err := ReplayForged(prev, &skills, noDecay, log, at)
		if err != nil {
			t.Fatal(err)
		}
		// Later leaves may agree again: the user's capped gain after a
		// forged decay.
		for i := range at + 2 {
			same := justLeaf(t, forged.Justification, i) == justLeaf(t, honest.Justification, i)
			if same != (i <= at) {
				t.Fatalf("forged at %d: leaf %d same = %v", at, i, same)
			}
		}
	}
	forged, _ := ReplayForged(prev, &skills, noDecay, log, N-1)
	l, _ := forged.State.Get(Key{Colony: colony, Skill: s, User: worker})
	if want := new(big.Int).Sub(MaxAmount(), big.NewInt(1)); l.Reputation.Cmp(want) != 0 {
		t.Fatalf("forged capped value %v, want %v", l.Reputation, want)
	}
	if _, err := ReplayForged(prev, &skills, noDecay, log, N); !errors.Is(err, ErrNoSuchUpdate) {
		t.Fatalf("forging past the end: %v", err)
	}
}

func TestJustStateValue(t *testing.T) {
	s := JustState{Root: patricia.Hash{1, 2, 31: 3}, NLeaves: 0x0102030405060708}
	if s.Value() != JustificationValue(s.Root, s.NLeaves) || JustStateOf(s.Value()) != s {
		t.Fatal("JustState does not round-trip")
	}
	if JustStateOf(patricia.Value{}) != (JustState{}) {
		t.Fatal("the zero value is not the empty state")
	}
}

// flipWitness flips bit b (taken modulo the witness's bits) of w: of its
// user, skill, presence, value, adjacent path, mask or siblings.
func flipWitness(w Witness, b int) Witness {
	w.Proof.Siblings = append([]patricia.Hash(nil), w.Proof.Siblings...)
	n := 160 + 64 + 1 + 512 + 256 + 256 + 256*len(w.Proof.Siblings)
	b %= n
	switch {
	case b < 160:
		w.Key.User[b/8] ^= 1 << (b % 8)
	case b < 224:
		w.Key.Skill ^= 1 << (b - 160)
	case b < 225:
		w.Present = !w.Present
	case b < 737:
		b -= 225
		w.Value[b/8] ^= 1 << (b % 8)
	case b < 993:
		b -= 737
		w.Adjacent[b/8] ^= 1 << (b % 8)
	case b < 1249:
		b -= 993
		w.Proof.BranchMask[b/8] ^= 1 << (b % 8)
	default:
		b -= 1249
		w.Proof.Siblings[b/256][(b%256)/8] ^= 1 << (b % 8)
	}
	return w
}

// FuzzVerifyUpdate checks that VerifyUpdate, a decoder of what miners
// send, never panics, and that whatever witnesses it accepts, it returns
// the honest state after the update: a witness with any bit flipped, or
// arbitrary bytes, is refused or proves the same thing.
func FuzzVerifyUpdate(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint16(0), []byte{})
	f.Add(uint8(3), uint8(1), uint16(300), []byte{0x80})
	f.Add(uint8(5), uint8(2), uint16(1000), bytes.Repeat([]byte{0xff}, 100))
	fx := newRefusalFixture(f)
	skills := colonyTree(f)
	f.Fuzz(func(t *testing.T, step, which uint8, flip uint16, raw []byte) {
		u := fx.updates[int(step)%len(fx.updates)]
		subject, origin, child, err := WitnessesFor(fx.before, 0, Log{fx.entry}, skills, uint64(int(step)%len(fx.updates)))
		if err != nil {
			t.Fatal(err)
		}
		honest, err := VerifyUpdate(fx.js, fx.entry, u, subject, origin, child)
		if err != nil {
			t.Fatal(err)
		}
		ws := [3]*Witness{&subject, &origin, &child}
		w := ws[int(which)%3]
		if len(raw) > 0 && raw[0]&1 == 1 {
			// Arbitrary bytes for the value, the adjacent path and the proof.
			copy(w.Value[:], raw)
			copy(w.Adjacent[:], raw[min(len(raw), 64):])
			w.Proof = patricia.Proof{}
			copy(w.Proof.BranchMask[:], raw[min(len(raw), 96):])
			for rest := raw[min(len(raw), 128):]; len(rest) > 0; rest = rest[min(len(rest), 32):] {
				var h patricia.Hash
				copy(h[:], rest)
				w.Proof.Siblings = append(w.Proof.Siblings, h)
			}
		} else {
			*w = flipWitness(*w, int(flip))
		}
		got, err := VerifyUpdate(fx.js, fx.entry, u, subject, origin, child)
		if err == nil && got != honest {
			t.Fatalf("accepted witnesses give %x %d, honest %x %d", got.Root, got.NLeaves, honest.Root, honest.NLeaves)
		}
	})
}

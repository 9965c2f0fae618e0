package reputation

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

var (
	colony = Address{0xc0}
	other  = Address{0x01}
	worker = Address{0x02}
	zero   = Address{}
)

func amt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return v
}

// noDecay leaves reputation unchanged at the start of a cycle.
var noDecay = Params{DecayNumerator: 1, DecayDenominator: 1}

// colonyTree is the skill tree of the Colony examples: 1 → 5 → 6, with
// 2, 3 and 4 unrelated roots.
func colonyTree(t testing.TB) *SkillTree {
	t.Helper()
	var s SkillTree
	for _, parent := range []uint64{0, 0, 0, 0, 1, 5} {
		if _, err := s.Add(parent); err != nil {
			t.Fatal(err)
		}
	}
	return &s
}

type change struct {
	user   Address
	amount string
	skill  uint64
}

type want struct {
	user  Address
	skill uint64
	rep   string
}

func TestColonyExamples(t *testing.T) {
	base := []change{{other, "100", 6}, {worker, "100", 6}, {other, "900", 5}}
	tests := []struct {
		name string
		log  []change
		want []want
	}{
		{
			name: "1 loss in a leaf skill reaches its parents",
			log:  append(append([]change{}, base...), change{other, "1000", 1}, change{other, "-100", 6}),
			want: []want{
				{worker, 6, "100"}, {worker, 5, "100"},
				{other, 6, "0"}, {other, 5, "900"}, {other, 1, "1900"},
				{zero, 6, "100"}, {zero, 5, "1000"}, {zero, 1, "2000"},
			},
		},
		{
			name: "2 loss reaches children in proportion",
			log:  append(append([]change{}, base...), change{other, "-200", 5}),
			want: []want{
				{other, 6, "80"}, {other, 5, "800"}, {other, 1, "800"},
				{worker, 6, "100"}, {worker, 5, "100"}, {worker, 1, "100"},
				{zero, 6, "180"}, {zero, 5, "900"}, {zero, 1, "900"},
			},
		},
		{
			name: "3 loss larger than the reputation stops at 0",
			log:  append(append([]change{}, base...), change{other, "-200", 5}, change{other, "500", 1}, change{other, "-100000000", 5}),
			want: []want{
				{other, 6, "0"}, {other, 5, "0"}, {other, 1, "500"},
				{zero, 6, "100"}, {zero, 5, "100"}, {zero, 1, "600"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			skills := colonyTree(t)
			var log Log
			for _, c := range tt.log {
				if _, err := log.Append(skills, colony, c.user, c.skill, amt(c.amount)); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Replay(NewState(), skills, noDecay, log)
			if err != nil {
				t.Fatal(err)
			}
			checkWant(t, res.State, tt.want)
		})
	}
}

func checkWant(t *testing.T, s *State, wants []want) {
	t.Helper()
	for _, w := range wants {
		l, ok := s.Get(Key{Colony: colony, Skill: w.skill, User: w.user})
		if !ok {
			t.Errorf("user %x skill %d: no leaf", w.user[:1], w.skill)
			continue
		}
		if l.Reputation.String() != w.rep {
			t.Errorf("user %x skill %d: %s, want %s", w.user[:1], w.skill, l.Reputation, w.rep)
		}
	}
}

// TestColonyExample4: tree A → B → C; the user loses 50 in A.
func TestColonyExample4(t *testing.T) {
	var skills SkillTree
	a, _ := skills.Add(0)
	b, _ := skills.Add(a)
	c, _ := skills.Add(b)
	user := Address{0x0a}
	prev := NewState()
	for _, l := range []want{{user, a, "100"}, {user, b, "50"}, {user, c, "0"}, {zero, a, "10000"}, {zero, b, "500"}, {zero, c, "100"}} {
		if _, err := prev.Set(Key{Colony: colony, Skill: l.skill, User: l.user}, amt(l.rep)); err != nil {
			t.Fatal(err)
		}
	}
	var log Log
	if _, err := log.Append(&skills, colony, user, a, amt("-50")); err != nil {
		t.Fatal(err)
	}
	res, err := Replay(prev, &skills, noDecay, log)
	if err != nil {
		t.Fatal(err)
	}
	checkWant(t, res.State, []want{{user, a, "50"}, {user, b, "25"}, {user, c, "0"}, {zero, a, "9950"}, {zero, b, "475"}, {zero, c, "100"}})
	if res.NLeaves != 6 {
		t.Errorf("nLeaves = %d, want 6 (no new keys)", res.NLeaves)
	}
	checkWant(t, prev, []want{{user, a, "100"}, {zero, b, "500"}}) // prev is not modified
}

// TestColonyExample5: decay of 1e18, one floor per cycle.
func TestColonyExample5(t *testing.T) {
	var skills SkillTree
	s, _ := skills.Add(0)
	var log Log
	if _, err := log.Append(&skills, colony, worker, s, amt("1000000000000000000")); err != nil {
		t.Fatal(err)
	}
	state, err := Apply(NewState(), &skills, DefaultParams(), log)
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range []string{"999679150010889000", "999358402966493512"} {
		res, err := Replay(state, &skills, DefaultParams(), nil)
		if err != nil {
			t.Fatal(err)
		}
		state = res.State
		checkWant(t, state, []want{{worker, s, rep}, {zero, s, rep}})
	}
	got, err := Decay(amt("1000000000000000000"), DefaultParams())
	if err != nil || got.String() != "999679150010889000" {
		t.Fatalf("Decay(1e18) = %v, %v", got, err)
	}
}

func TestSkillTree(t *testing.T) {
	var s SkillTree
	for _, parent := range []uint64{0, 1, 2, 1, 3, 0, 6} {
		if _, err := s.Add(parent); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Add(99); err == nil {
		t.Fatal("Add under a missing parent succeeded")
	}
	tests := []struct {
		id        uint64
		nParents  uint64
		ancestors string
		children  string
	}{
		{1, 0, "[]", "[2 3 4 5]"},
		{2, 1, "[1]", "[3 5]"},
		{3, 2, "[2 1]", "[5]"},
		{4, 1, "[1]", "[]"},
		{5, 3, "[3 2 1]", "[]"},
		{6, 0, "[]", "[7]"},
	}
	for _, tt := range tests {
		sk, ok := s.Skill(tt.id)
		if !ok || sk.NParents != tt.nParents || fmt.Sprint(sk.Ancestors) != tt.ancestors || fmt.Sprint(sk.Children) != tt.children {
			t.Errorf("skill %d = %+v, want nParents %d, ancestors %s, children %s", tt.id, sk, tt.nParents, tt.ancestors, tt.children)
		}
	}
	if _, ok := s.Skill(0); ok {
		t.Error("skill 0 exists")
	}
}

func TestLogAppend(t *testing.T) {
	skills := colonyTree(t)
	var log Log
	add := func(user Address, amount string, skill uint64) bool {
		t.Helper()
		ok, err := log.Append(skills, colony, user, skill, amt(amount))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if add(worker, "0", 5) || add(zero, "10", 5) {
		t.Fatal("appended an amount of 0 or the zero user")
	}
	add(worker, "10", 6)                                                                 // 2 × (2 + 1)
	add(worker, "-10", 1)                                                                // 2 × (0 + 1) + 2 × 2
	add(worker, "-1"+strings.Repeat("0", 40), 5)                                         // clamped; 2 × 2 + 2 × 1
	add(worker, "1"+strings.Repeat("0", 40), 5)                                          // clamped
	if err := log.AppendMinerReward(skills, colony, zero, 1, new(big.Int)); err != nil { // kept
		t.Fatal(err)
	}
	if _, err := log.Append(skills, colony, worker, 7, big.NewInt(1)); err == nil {
		t.Fatal("appended to a missing skill")
	}
	wantN := []uint64{6, 6, 6, 4, 2}
	wantPrev := []uint64{0, 6, 12, 18, 22}
	if len(log) != len(wantN) {
		t.Fatalf("%d entries, want %d", len(log), len(wantN))
	}
	for i, e := range log {
		if e.NUpdates != wantN[i] || e.NPreviousUpdates != wantPrev[i] {
			t.Errorf("entry %d: nUpdates %d, nPreviousUpdates %d; want %d, %d", i, e.NUpdates, e.NPreviousUpdates, wantN[i], wantPrev[i])
		}
	}
	if log[2].Amount.Cmp(MinAmount()) != 0 || log[3].Amount.Cmp(MaxAmount()) != 0 {
		t.Errorf("amounts not clamped: %v, %v", log[2].Amount, log[3].Amount)
	}
	if log.NUpdates() != 24 {
		t.Errorf("log updates = %d, want 24", log.NUpdates())
	}
}

// TestExpansionOrder checks "colony-wide children, parents, origin; then
// the user's children, parents, origin".
func TestExpansionOrder(t *testing.T) {
	var skills SkillTree
	for _, parent := range []uint64{0, 1, 2, 2, 3} {
		skills.Add(parent)
	}
	var log Log
	log.Append(&skills, colony, worker, 2, big.NewInt(-5)) // children 3, 4, 5; parent 1
	log.Append(&skills, colony, worker, 3, big.NewInt(5))  // parents 2, 1
	var got []string
	for _, e := range log {
		ups, err := e.Updates(&skills)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ups {
			who := "W"
			if u.Key.User.IsZero() {
				who = "C"
			}
			got = append(got, fmt.Sprintf("%s%s%d", who, u.Kind.String()[:1], u.Key.Skill))
		}
	}
	want := "Cc3 Cc4 Cc5 Cp1 Co2 Wc3 Wc4 Wc5 Wp1 Wo2 Cp2 Cp1 Co3 Wp2 Wp1 Wo3"
	if s := strings.Join(got, " "); s != want {
		t.Fatalf("updates\n got %s\nwant %s", s, want)
	}
	if _, err := log[0].Update(&skills, 10); err == nil {
		t.Fatal("update 10 of 10 accepted")
	}
}

func TestKeyBytes(t *testing.T) {
	k := Key{Colony: Address{1, 2}, Skill: 0x0102, User: Address{19: 0xff}}
	b := k.Bytes()
	want := "0102" + strings.Repeat("00", 18) + strings.Repeat("00", 30) + "0102" + strings.Repeat("00", 19) + "ff"
	if got := fmt.Sprintf("%x", b); got != want {
		t.Fatalf("key bytes\n got %s\nwant %s", got, want)
	}
	v, _ := LeafValue(big.NewInt(0x0304), 7)
	if got := fmt.Sprintf("%x", v); got != strings.Repeat("00", 30)+"0304"+strings.Repeat("00", 31)+"07" {
		t.Fatalf("leaf value %s", got)
	}
}

func TestBadLogRejected(t *testing.T) {
	skills := colonyTree(t)
	var log Log
	log.Append(skills, colony, worker, 6, big.NewInt(5))
	log.Append(skills, colony, worker, 5, big.NewInt(-5))
	tests := []struct {
		name   string
		change func(l Log)
	}{
		{"unknown skill", func(l Log) { l[0].Skill = 99 }},
		{"odd nUpdates", func(l Log) { l[0].NUpdates = 5 }},
		{"too many updates", func(l Log) { l[0].NUpdates = 8 }},
		{"more children than the skill has", func(l Log) { l[1].NUpdates = 8 }},
		{"nPreviousUpdates", func(l Log) { l[1].NPreviousUpdates = 7 }},
		{"amount out of range", func(l Log) { l[0].Amount = new(big.Int).Lsh(big.NewInt(1), 200) }},
		{"nil amount", func(l Log) { l[0].Amount = nil }},
	}
	for _, tt := range tests {
		l := append(Log{}, log...)
		tt.change(l)
		if _, err := Replay(NewState(), skills, noDecay, l); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := Replay(NewState(), skills, Params{2, 1}, log); err == nil {
		t.Error("decay above 1 accepted")
	}
}

// randomCycle appends n random entries over users and skills.
func randomCycle(r *rand.Rand, skills *SkillTree, users []Address, n int, negatives bool) Log {
	var log Log
	for range n {
		a := int64(r.IntN(1000) + 1)
		if negatives && r.IntN(4) == 0 {
			a = -a * int64(r.IntN(3)+1)
		}
		log.Append(skills, colony, users[r.IntN(len(users))], uint64(r.IntN(skills.Len())+1), big.NewInt(a))
	}
	return log
}

func randomSkills(r *rand.Rand, n int) *SkillTree {
	var s SkillTree
	for i := range n {
		parent := uint64(0)
		if i > 0 && r.IntN(5) != 0 {
			parent = uint64(r.IntN(i) + 1)
		}
		s.Add(parent)
	}
	return &s
}

func randomUsers(r *rand.Rand, n int) []Address {
	out := make([]Address, n)
	for i := range out {
		out[i][0], out[i][19] = byte(r.Uint32()), byte(i+1)
	}
	return out
}

// TestColonyTotalsAreSums: with no losses and no cap reached, a
// colony-wide total is the sum of the users' reputations in the skill.
func TestColonyTotalsAreSums(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	skills := randomSkills(r, 15)
	log := randomCycle(r, skills, randomUsers(r, 20), 300, false)
	s, err := Apply(NewState(), skills, noDecay, log)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[uint64]*big.Int{}
	totals := map[uint64]*big.Int{}
	var order []uint64
	for _, l := range s.Leaves() {
		m := sums
		if l.Key.User.IsZero() {
			m = totals
			order = append(order, l.Key.Skill)
		}
		if m[l.Key.Skill] == nil {
			m[l.Key.Skill] = new(big.Int)
		}
		m[l.Key.Skill].Add(m[l.Key.Skill], l.Reputation)
	}
	if len(order) == 0 {
		t.Fatal("no colony-wide totals")
	}
	for _, sk := range order {
		if totals[sk].Cmp(sums[sk]) != 0 {
			t.Errorf("skill %d: colony-wide %v, sum over users %v", sk, totals[sk], sums[sk])
		}
	}
}

// TestDecayIsMonotone: a ≤ b ⇒ decay(a) ≤ decay(b), and decay(a) ≤ a.
func TestDecayIsMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	p := DefaultParams()
	max := MaxAmount()
	for range 2000 {
		a, b := randomRep(r), randomRep(r)
		if r.IntN(3) == 0 {
			a.SetUint64(r.Uint64N(1 << 20))
			b.SetUint64(r.Uint64N(1 << 20))
		}
		if a.Cmp(b) > 0 {
			a, b = b, a
		}
		da, _ := Decay(a, p)
		db, _ := Decay(b, p)
		if da.Cmp(db) > 0 || da.Cmp(a) > 0 {
			t.Fatalf("decay(%v) = %v, decay(%v) = %v", a, da, b, db)
		}
		// Against big.Int arithmetic.
		want := new(big.Int).Mul(a, new(big.Int).SetUint64(p.DecayNumerator))
		want.Quo(want, new(big.Int).SetUint64(p.DecayDenominator))
		if da.Cmp(want) != 0 {
			t.Fatalf("decay(%v) = %v, want %v", a, da, want)
		}
	}
	if d, _ := Decay(max, p); d.Cmp(max) >= 0 {
		t.Fatalf("decay(max) = %v", d)
	}
}

// TestJustification checks the leaves of the justification tree: leaf 0
// the previous state, one leaf per decay and per update, the last the
// final state; and that every proof verifies against the JRH.
func TestJustification(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	skills := randomSkills(r, 8)
	users := randomUsers(r, 5)
	first, err := Replay(NewState(), skills, DefaultParams(), randomCycle(r, skills, users, 30, true))
	if err != nil {
		t.Fatal(err)
	}
	j := first.Justification
	if root, n, _ := j.State(0); root != (patricia.Hash{}) || n != 0 {
		t.Fatalf("leaf 0 of the first cycle = %x, %d; want the empty state", root, n)
	}
	log := randomCycle(r, skills, users, 30, true)
	res, err := Replay(first.State, skills, DefaultParams(), log)
	if err != nil {
		t.Fatal(err)
	}
	j = res.Justification
	if want := first.NLeaves + log.NUpdates() + 1; j.Len() != want {
		t.Fatalf("%d justification leaves, want %d", j.Len(), want)
	}
	if root, n, _ := j.State(0); root != first.Root || n != first.NLeaves {
		t.Fatal("leaf 0 is not the previous state")
	}
	if root, n, _ := j.State(j.Len() - 1); root != res.Root || n != res.NLeaves {
		t.Fatal("the last leaf is not the final state")
	}
	jrh := j.Root()
	for i := range j.Len() {
		v, p, ok := j.Prove(i)
		if !ok || !patricia.Verify(jrh, patricia.IndexPath(i), &v, p) {
			t.Fatalf("justification proof %d does not verify", i)
		}
	}
	if _, _, ok := j.Prove(j.Len()); ok {
		t.Fatal("proof past the last leaf")
	}
	// Reputation proofs.
	for _, l := range res.State.Leaves() {
		got, p, ok := res.State.Prove(l.Key)
		if !ok || got.UID != l.UID || !Verify(res.Root, got, p) {
			t.Fatalf("proof of uid %d does not verify", l.UID)
		}
		got.Reputation = new(big.Int).Add(got.Reputation, big.NewInt(1))
		if Verify(res.Root, got, p) {
			t.Fatalf("proof of uid %d verifies a wrong reputation", l.UID)
		}
	}
	// Apply gives the same state.
	s, err := Apply(first.State, skills, DefaultParams(), log)
	if err != nil || s.Root() != res.Root {
		t.Fatalf("Apply root %x, Replay root %x (%v)", s.Root(), res.Root, err)
	}
}

// TestReplayMatchesNaive replays random cycles with a literal reading of
// reputation.md on big.Int and a map, and compares every leaf and the
// root.
func TestReplayMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	skills := randomSkills(r, 12)
	users := randomUsers(r, 8)
	state := NewState()
	naive := &naiveState{rep: map[Key]*big.Int{}, uid: map[Key]uint64{}}
	for cycle := range 4 {
		log := randomCycle(r, skills, users, 60, true)
		res, err := Replay(state, skills, DefaultParams(), log)
		if err != nil {
			t.Fatal(err)
		}
		naive.replay(skills, DefaultParams(), log)
		state = res.State
		if int(state.NLeaves()) != len(naive.keys) {
			t.Fatalf("cycle %d: %d leaves, naive %d", cycle, state.NLeaves(), len(naive.keys))
		}
		tree := patricia.New()
		for i, k := range naive.keys {
			l, _ := state.Leaf(uint64(i) + 1)
			if l.Key != k || l.Reputation.Cmp(naive.rep[k]) != 0 {
				t.Fatalf("cycle %d uid %d: %+v, naive %v %v", cycle, i+1, l, k, naive.rep[k])
			}
			v, _ := LeafValue(naive.rep[k], uint64(i)+1)
			kb := k.Bytes()
			tree.Set(patricia.HashKey(kb[:]), &v)
		}
		if tree.Root() != res.Root {
			t.Fatalf("cycle %d: root differs from a fresh tree's", cycle)
		}
	}
}

type naiveState struct {
	rep  map[Key]*big.Int
	uid  map[Key]uint64
	keys []Key
}

func (n *naiveState) get(k Key) *big.Int {
	if v, ok := n.rep[k]; ok {
		return new(big.Int).Set(v)
	}
	return new(big.Int)
}

func (n *naiveState) set(k Key, v *big.Int) {
	if _, ok := n.uid[k]; !ok {
		n.keys = append(n.keys, k)
		n.uid[k] = uint64(len(n.keys))
	}
	n.rep[k] = v
}

func (n *naiveState) replay(skills *SkillTree, p Params, log Log) {
	for _, k := range n.keys {
		v := new(big.Int).Mul(n.rep[k], new(big.Int).SetUint64(p.DecayNumerator))
		n.rep[k] = v.Div(v, new(big.Int).SetUint64(p.DecayDenominator))
	}
	for _, e := range log {
		ups, _ := e.Updates(skills)
		o := n.get(Key{e.Colony, e.Skill, e.User})
		for _, u := range ups {
			old := n.get(u.Key)
			var next *big.Int
			if e.Amount.Sign() >= 0 {
				next = new(big.Int).Add(old, e.Amount)
				if next.Cmp(MaxAmount()) > 0 {
					next = MaxAmount()
				}
			} else {
				var d *big.Int
				if u.Kind == StepChild {
					v := n.get(Key{e.Colony, u.Key.Skill, e.User})
					d = new(big.Int)
					if o.Sign() != 0 {
						d.Mul(e.Amount, v).Quo(d, o)
					}
					if new(big.Int).Add(v, d).Sign() < 0 {
						d.Neg(v)
					}
				} else {
					d = new(big.Int).Set(e.Amount)
					if d.Cmp(new(big.Int).Neg(o)) < 0 {
						d.Neg(o)
					}
				}
				next = new(big.Int).Add(old, d)
				if next.Sign() < 0 {
					next.SetInt64(0)
				}
			}
			n.set(u.Key, next)
		}
	}
}

// randomRep returns a random reputation in [0, 2^127 − 1].
func randomRep(r *rand.Rand) *big.Int {
	v := new(big.Int).SetUint64(r.Uint64() >> 1)
	v.Lsh(v, 64)
	return v.Or(v, new(big.Int).SetUint64(r.Uint64()))
}

// TestJustificationIndexes checks that the justification leaf at
// decays + nPreviousUpdates of entry k is the state after the first k
// entries, computed independently.
func TestJustificationIndexes(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	skills := randomSkills(r, 10)
	users := randomUsers(r, 6)
	prev, err := Apply(nil, skills, DefaultParams(), randomCycle(r, skills, users, 20, false))
	if err != nil {
		t.Fatal(err)
	}
	log := randomCycle(r, skills, users, 25, true)
	res, err := Replay(prev, skills, DefaultParams(), log)
	if err != nil {
		t.Fatal(err)
	}
	for k := 0; k <= len(log); k++ {
		s, err := Apply(prev, skills, DefaultParams(), log[:k])
		if err != nil {
			t.Fatal(err)
		}
		root, n, ok := res.Justification.State(prev.NLeaves() + log[:k].NUpdates())
		if !ok || root != s.Root() || n != s.NLeaves() {
			t.Fatalf("after %d entries: justification has %x, %d; want %x, %d", k, root, n, s.Root(), s.NLeaves())
		}
	}
}

// TestExpansion checks Expansion against Entry.Updates, and that it
// refuses what is not an update.
func TestExpansion(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	skills := randomSkills(r, 15)
	for _, e := range randomCycle(r, skills, randomUsers(r, 3), 200, true) {
		s, _ := skills.Skill(e.Skill)
		ups, err := e.Updates(skills)
		if err != nil {
			t.Fatal(err)
		}
		for i, u := range ups {
			colonyWide, kind, j := Expansion(e.NUpdates, s.NParents, e.Amount.Sign() < 0, uint64(i))
			skill := e.Skill
			switch kind {
			case StepChild:
				skill = s.Children[j]
			case StepParent:
				skill = s.Ancestors[j]
			}
			if kind != u.Kind || colonyWide != u.Key.User.IsZero() || skill != u.Key.Skill {
				t.Fatalf("update %d of %+v: Expansion %v %v %d, Updates %+v", i, e, colonyWide, kind, j, u)
			}
		}
	}
	tests := []struct {
		name               string
		nUpdates, nParents uint64
		negative           bool
		r                  uint64
	}{
		{"r past the end", 6, 2, false, 6},
		{"odd", 5, 1, true, 0},
		{"none", 0, 0, false, 0},
		{"fewer than the parents", 4, 2, true, 0},
		{"a gain with children", 8, 1, false, 0},
		{"no parents fit", 2, ^uint64(0), true, 0},
	}
	for _, tt := range tests {
		if _, kind, _ := Expansion(tt.nUpdates, tt.nParents, tt.negative, tt.r); kind != 0 {
			t.Errorf("%s: kind %v", tt.name, kind)
		}
	}
}

func TestLossOfTheZeroAddressRefused(t *testing.T) {
	skills := colonyTree(t)
	var log Log
	if err := log.AppendMinerReward(skills, colony, zero, 1, big.NewInt(-5)); err == nil {
		t.Fatal("a loss of the zero address appended")
	}
	if err := log.AppendMinerReward(skills, colony, zero, 1, big.NewInt(5)); err != nil {
		t.Fatal(err)
	}
	log = append(log, Entry{User: zero, Amount: big.NewInt(-5), Skill: 1, Colony: colony, NUpdates: 2 + 2*2, NPreviousUpdates: 2})
	if _, err := Replay(nil, skills, noDecay, log); !errors.Is(err, ErrBadEntry) {
		t.Fatalf("replay of a loss of the zero address: %v", err)
	}
}

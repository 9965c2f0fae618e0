package reputation

import (
	"errors"
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/store"
)

var (
	worker = address.Address{19: 0x01}
	other  = address.Address{19: 0x02}
)

// exampleTree builds reputation.md's tree 1 → 5 → 6 (6 under 5 under 1).
func exampleTree(t *testing.T) *store.MemStore {
	t.Helper()
	st := store.NewMemStore()
	mustCreate(t, st, "a", "b", "c", "d", "a/e", "a/e/f")
	return st
}

type logStep struct {
	user   address.Address
	amount int64
	skill  uint64
	// expected
	nUpdates, nPrevious uint64
}

// TestLogExamples reproduces the update counts of reputation.md's
// examples: nUpdates = 2 × (nParents + 1), plus 2 × nChildren when the
// amount is negative; nPreviousUpdates the running sum.
func TestLogExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps []logStep
		total uint64
	}{
		{
			// Log 1: OTHER +100@6, WORKER +100@6, OTHER +900@5, OTHER +1000@1, OTHER −100@6.
			name: "example 1",
			steps: []logStep{
				{other, 100, 6, 6, 0},   // nParents 2
				{worker, 100, 6, 6, 6},  // nParents 2
				{other, 900, 5, 4, 12},  // nParents 1
				{other, 1000, 1, 2, 16}, // a root
				{other, -100, 6, 6, 18}, // a leaf: no children to add
			},
			total: 24,
		},
		{
			// Log 2: OTHER +100@6, WORKER +100@6, OTHER +900@5, OTHER −200@5.
			name: "example 2",
			steps: []logStep{
				{other, 100, 6, 6, 0},
				{worker, 100, 6, 6, 6},
				{other, 900, 5, 4, 12},
				{other, -200, 5, 6, 16}, // 2 × (1 + 1) + 2 × 1 child (6)
			},
			total: 22,
		},
		{
			// Log 3: as 2 with OTHER +500@1, then OTHER −100000000@5.
			name: "example 3",
			steps: []logStep{
				{other, 100, 6, 6, 0},
				{worker, 100, 6, 6, 6},
				{other, 900, 5, 4, 12},
				{other, -200, 5, 6, 16},
				{other, 500, 1, 2, 22},
				{other, -100000000, 5, 6, 24},
			},
			total: 30,
		},
		{
			name: "losses at the root reach every descendant",
			steps: []logStep{
				{other, -1, 1, 2 + 2*2, 0}, // 2 × (0 + 1) + 2 × 2 children (5, 6)
				{other, 1, 1, 2, 6},
				{other, -1, 2, 2, 8}, // a root without children
			},
			total: 10,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := exampleTree(t)
			k := New()
			var ev event.Log
			colony := NetworkColony()
			for i, s := range tc.steps {
				ok, err := k.Append(st, &ev, colony, s.user, s.skill, big.NewInt(s.amount))
				if err != nil || !ok {
					t.Fatalf("step %d: Append = %v, %v", i, ok, err)
				}
			}
			log := k.Log(st, 0)
			if len(log) != len(tc.steps) {
				t.Fatalf("%d entries, want %d", len(log), len(tc.steps))
			}
			for i, s := range tc.steps {
				e := log[i]
				if e.User != s.user || e.Amount.Cmp(big.NewInt(s.amount)) != 0 || e.Skill != s.skill || e.Colony != colony ||
					e.NUpdates != s.nUpdates || e.NPreviousUpdates != s.nPrevious {
					t.Errorf("entry %d = %+v, want user %x amount %d skill %d nUpdates %d nPreviousUpdates %d",
						i, e, s.user, s.amount, s.skill, s.nUpdates, s.nPrevious)
				}
				if got, ok := k.LogEntry(st, 0, uint64(i)); !ok || got.NPreviousUpdates != e.NPreviousUpdates {
					t.Errorf("LogEntry(0, %d) = %+v, %v", i, got, ok)
				}
			}
			if n, u := k.LogLength(st, 0); n != uint64(len(tc.steps)) || u != tc.total {
				t.Errorf("LogLength = %d entries, %d updates; want %d, %d", n, u, len(tc.steps), tc.total)
			}
			if len(ev.Events()) != len(tc.steps) {
				t.Errorf("%d events, want %d", len(ev.Events()), len(tc.steps))
			}
		})
	}
}

// TestChildrenCountedWhenAppended: a negative entry counts the children
// the skill has when it is appended, not later ones.
func TestChildrenCountedWhenAppended(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	var ev event.Log
	mustCreate(t, st, "a")
	if _, err := k.Append(st, &ev, NetworkColony(), other, 1, big.NewInt(-5)); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, "a/b", "a/b/c")
	if _, err := k.Append(st, &ev, NetworkColony(), other, 1, big.NewInt(-5)); err != nil {
		t.Fatal(err)
	}
	log := k.Log(st, 0)
	if log[0].NUpdates != 2 || log[1].NUpdates != 6 || log[1].NPreviousUpdates != 2 {
		t.Errorf("entries %+v, %+v: want nUpdates 2 then 6 (2 + 2 × 2 children)", log[0], log[1])
	}
}

func TestAppendFilters(t *testing.T) {
	st := exampleTree(t)
	k := New()
	var ev event.Log
	before := store.Digest(st)
	for _, tc := range []struct {
		name   string
		user   address.Address
		amount *big.Int
	}{
		{"zero amount", other, big.NewInt(0)},
		{"zero address", address.Address{}, big.NewInt(100)},
		{"zero address, negative", address.Address{}, big.NewInt(-100)},
	} {
		ok, err := k.Append(st, &ev, NetworkColony(), tc.user, 6, tc.amount)
		if ok || err != nil {
			t.Errorf("%s: Append = %v, %v; want not appended", tc.name, ok, err)
		}
	}
	if _, err := k.Append(st, &ev, NetworkColony(), other, 7, big.NewInt(1)); !errors.Is(err, ErrUnknownSkill) {
		t.Errorf("unknown skill: %v", err)
	}
	if _, err := k.Append(st, &ev, NetworkColony(), other, 0, big.NewInt(1)); !errors.Is(err, ErrUnknownSkill) {
		t.Errorf("skill 0: %v", err)
	}
	if store.Digest(st) != before || len(ev.Events()) != 0 {
		t.Error("filtered or refused entries changed the state")
	}
	// Miner rewards are appended even with a zero amount or address.
	if err := k.AppendMinerReward(st, &ev, NetworkColony(), address.Address{}, 6, big.NewInt(0)); err != nil {
		t.Fatal(err)
	}
	if err := k.AppendMinerReward(st, &ev, NetworkColony(), other, 5, big.NewInt(7)); err != nil {
		t.Fatal(err)
	}
	if err := k.AppendMinerReward(st, &ev, NetworkColony(), other, 9, big.NewInt(7)); !errors.Is(err, ErrUnknownSkill) {
		t.Errorf("miner reward in unknown skill: %v", err)
	}
	log := k.Log(st, 0)
	if len(log) != 2 || log[0].Amount.Sign() != 0 || !log[0].User.IsZero() || log[0].NUpdates != 6 ||
		log[1].NUpdates != 4 || log[1].NPreviousUpdates != 6 {
		t.Errorf("miner reward entries %+v", log)
	}
}

// TestClamp: amounts are clamped to [−2^127, 2^127−1] when appended.
func TestClamp(t *testing.T) {
	two127 := new(big.Int).Lsh(big.NewInt(1), 127)
	huge := new(big.Int).Lsh(big.NewInt(1), 300)
	for _, tc := range []struct {
		name   string
		amount *big.Int
		want   *big.Int
	}{
		{"max", MaxAmount(), MaxAmount()},
		{"max + 1", two127, MaxAmount()},
		{"huge", huge, MaxAmount()},
		{"min", MinAmount(), MinAmount()},
		{"min − 1", new(big.Int).Sub(MinAmount(), big.NewInt(1)), MinAmount()},
		{"−huge", new(big.Int).Neg(huge), MinAmount()},
		{"small", big.NewInt(-42), big.NewInt(-42)},
	} {
		st := exampleTree(t)
		k := New()
		var ev event.Log
		in := new(big.Int).Set(tc.amount)
		if ok, err := k.Append(st, &ev, NetworkColony(), other, 5, tc.amount); !ok || err != nil {
			t.Fatalf("%s: Append = %v, %v", tc.name, ok, err)
		}
		if tc.amount.Cmp(in) != 0 {
			t.Errorf("%s: Append modified its argument", tc.name)
		}
		e, _ := k.LogEntry(st, 0, 0)
		if e.Amount.Cmp(tc.want) != 0 {
			t.Errorf("%s: stored %s, want %s", tc.name, e.Amount, tc.want)
		}
		if wantN := map[bool]uint64{true: 6, false: 4}[tc.want.Sign() < 0]; e.NUpdates != wantN {
			t.Errorf("%s: nUpdates %d, want %d", tc.name, e.NUpdates, wantN)
		}
		if got := Clamp(tc.amount); got.Cmp(tc.want) != 0 || got == tc.amount {
			t.Errorf("%s: Clamp = %s, want a new %s", tc.name, got, tc.want)
		}
	}
}

// TestCycles: entries go to the open cycle; StartCycle freezes it and
// opens the next; nPreviousUpdates restarts at 0 in each cycle.
func TestCycles(t *testing.T) {
	st := exampleTree(t)
	k := New()
	var ev event.Log
	if c := k.CurrentCycle(st); c != 0 {
		t.Fatalf("CurrentCycle = %d at genesis", c)
	}
	if _, ok := k.MiningCycle(st); ok {
		t.Fatal("a cycle is being mined at genesis")
	}
	app := func(amount int64, skill uint64) {
		t.Helper()
		if _, err := k.Append(st, &ev, NetworkColony(), other, skill, big.NewInt(amount)); err != nil {
			t.Fatal(err)
		}
	}
	app(100, 6)
	app(-1, 5)
	mining, open := k.StartCycle(st, &ev)
	if mining != 0 || open != 1 || k.CurrentCycle(st) != 1 {
		t.Fatalf("StartCycle = %d, %d; current %d", mining, open, k.CurrentCycle(st))
	}
	if m, ok := k.MiningCycle(st); !ok || m != 0 {
		t.Fatalf("MiningCycle = %d, %v", m, ok)
	}
	last := ev.Events()[len(ev.Events())-1]
	if last.Type != "reputation_cycle" || last.Attributes[2].Value != "2" || last.Attributes[3].Value != "12" {
		t.Errorf("cycle event %v", last)
	}
	app(1, 1)
	app(2, 6)
	if n, u := k.LogLength(st, 0); n != 2 || u != 12 {
		t.Errorf("frozen log: %d entries, %d updates; want 2, 12", n, u)
	}
	log1 := k.Log(st, 1)
	if len(log1) != 2 || log1[0].NPreviousUpdates != 0 || log1[0].NUpdates != 2 || log1[1].NPreviousUpdates != 2 {
		t.Errorf("cycle 1 log %+v", log1)
	}
	// An empty cycle freezes as an empty log.
	k.StartCycle(st, &ev)
	mining, open = k.StartCycle(st, &ev)
	if mining != 2 || open != 3 {
		t.Errorf("StartCycle = %d, %d; want 2, 3", mining, open)
	}
	if n, u := k.LogLength(st, 2); n != 0 || u != 0 || k.Log(st, 2) != nil {
		t.Errorf("empty cycle: %d, %d", n, u)
	}
	if _, ok := k.LogEntry(st, 2, 0); ok {
		t.Error("entry in an empty cycle")
	}
}

// TestDeterminism: the same calls on two fresh stores give the same state,
// and a discarded branch leaves nothing behind.
func TestDeterminism(t *testing.T) {
	run := func(st store.KVStore) {
		k := New()
		var ev event.Log
		if err := k.InitGenesis(st, DefaultGenesisSkills()); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, st, "compute/genomics", "compute/genomics/digest", "protocol/pcr")
		for i := int64(0); i < 50; i++ {
			user := address.Address{byte(i % 7), 19: byte(i)}
			if _, err := k.AppendRating(st, &ev, NetworkColony(), user, uint64(1+i%7), uint64(i*1000), uint8(i%6)); err != nil {
				t.Fatal(err)
			}
			if i%13 == 12 {
				k.StartCycle(st, &ev)
			}
		}
	}
	a, b := store.NewMemStore(), store.NewMemStore()
	run(a)
	run(b)
	if store.Digest(a) != store.Digest(b) {
		t.Fatal("two runs of the same calls differ")
	}
	branch := store.NewCache(a)
	before := store.Digest(a)
	run2 := New()
	var ev event.Log
	if _, err := run2.CreateSkill(branch, &ev, "compute", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := run2.Append(branch, &ev, NetworkColony(), other, 1, big.NewInt(5)); err != nil {
		t.Fatal(err)
	}
	if store.Digest(a) != before {
		t.Fatal("writes to a branch reached its parent")
	}
}

package miner

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
)

// fillCycles writes three cycles: gains, a loss that reaches the
// descendants, a skill created mid-way and used at once, and a cycle with
// an empty log.
func fillCycles(t *testing.T, f *fakeChain) {
	t.Helper()
	a, b := testUser(1), testUser(2)
	f.append(t, a, 3, 100)
	f.append(t, b, 3, 100)
	f.append(t, a, 2, 900)
	f.append(t, a, 1, 1000)
	f.append(t, a, 3, -100)
	f.append(t, b, 4, 5)
	f.freeze()
	id := f.addSkill(t, 3, "compute/genomics/digest/fast")
	f.append(t, a, id, 70)
	f.append(t, a, 2, -200)
	f.append(t, b, 1, 1_000_000_000_000)
	f.freeze()
	f.freeze() // cycle 2: empty log, decay only
}

func TestReplayerMatchesReplay(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	fillCycles(t, f)
	want := replayAll(t, f, f.frozenLogs())

	r := NewReplayer(f)
	r.Keep(1) // as the accepted cycle is
	n, err := r.Sync(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("replayed %d cycles, want 3", n)
	}
	c, ok := r.Latest()
	if !ok || c.Cycle != 2 {
		t.Fatalf("latest = %+v, %v; want cycle 2", c, ok)
	}
	for cycle := 1; cycle <= 2; cycle++ {
		c, ok := r.Cycle(uint64(cycle))
		if !ok {
			t.Fatalf("cycle %d not kept", cycle)
		}
		w := want[cycle]
		if !c.Justified || c.Root != w.Root || c.NLeaves != w.NLeaves || c.JRH != w.Justification.Root() {
			t.Errorf("cycle %d: root %x n_leaves %d jrh %x (justified %v); reputation.Replay gives %x %d %x",
				cycle, c.Root, c.NLeaves, c.JRH, c.Justified, w.Root, w.NLeaves, w.Justification.Root())
		}
		if c.Root != c.State.Root() {
			t.Errorf("cycle %d: root %x is not its state's %x", cycle, c.Root, c.State.Root())
		}
	}
	// Cycle 0, neither the latest nor kept, is dropped.
	if _, ok := r.Cycle(0); ok {
		t.Error("cycle 0 kept without Keep")
	}
	if got := r.Skills(); len(got) != 5 || got[4].Path != "compute/genomics/digest/fast" || got[4].ID != 5 {
		t.Errorf("skills = %+v", got)
	}
	// Syncing again replays nothing.
	if n, err := r.Sync(ctx, 2); n != 0 || err != nil {
		t.Errorf("second Sync = %d, %v; want 0, nil", n, err)
	}
}

func TestReplayerCycleByCycle(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	r := NewReplayer(f)
	a := testUser(1)
	f.append(t, a, 3, 100)
	f.freeze()
	if _, err := r.Sync(ctx, 0); err != nil {
		t.Fatal(err)
	}
	r.Keep(0)
	f.append(t, a, 3, -30)
	f.freeze()
	if _, err := r.Sync(ctx, 1); err != nil {
		t.Fatal(err)
	}
	want := replayAll(t, f, f.frozenLogs())
	for cycle, w := range want {
		c, ok := r.Cycle(uint64(cycle))
		if !ok {
			t.Fatalf("cycle %d not kept", cycle)
		}
		if c.Root != w.Root || c.NLeaves != w.NLeaves || c.JRH != w.Justification.Root() {
			t.Errorf("cycle %d: root %x, want %x", cycle, c.Root, w.Root)
		}
	}
	// The first cycle decays nothing; the second decays the first's state.
	c1, _ := r.Cycle(1)
	l, _ := c1.State.Get(userKey(a, 3))
	if got := l.Reputation.String(); got != "69" { // floor(100 × 0.999679…) − 30
		t.Errorf("reputation after decay and loss = %s, want 69", got)
	}
	// Keep(1) lets cycle 0 go.
	r.Keep(1)
	if _, ok := r.Cycle(0); ok {
		t.Error("cycle 0 still kept after Keep(1)")
	}
}

// TestReplayerPassesThrough replays three cycles at once: the ones passed
// through are applied without a justification tree, and give the same
// state.
func TestReplayerPassesThrough(t *testing.T) {
	f := newFakeChain(t)
	fillCycles(t, f)
	want := replayAll(t, f, f.frozenLogs())
	r := NewReplayer(f)
	r.Keep(0)
	r.Keep(1) // lets 0 go: only one cycle is kept
	if _, err := r.Sync(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Cycle(0); ok {
		t.Error("cycle 0 kept")
	}
	c1, _ := r.Cycle(1)
	c2, _ := r.Latest()
	if !c1.Justified || !c2.Justified || c2.Root != want[2].Root || c2.JRH != want[2].Justification.Root() {
		t.Errorf("cycles 1 and 2: %+v %+v", c1, c2)
	}
	r2 := NewReplayer(f)
	if _, err := r2.Sync(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Sync(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	c, _ := r2.Latest()
	if c.Root != want[2].Root || c.JRH != want[2].Justification.Root() {
		t.Errorf("replayed in two steps: root %x, want %x", c.Root, want[2].Root)
	}
	r3 := NewReplayer(f)
	if _, err := r3.Sync(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	c, _ = r3.Latest()
	if !c.Justified || c.Root != want[1].Root {
		t.Errorf("cycle 1 as the last asked for: %+v", c)
	}
}

// TestReplayerDefense: the latest cycle, replayed with its justification
// tree, keeps its Defense — the previous state, the log and the replay —
// which answers as a defense built apart does; a cycle passed through or
// no longer the latest has none.
func TestReplayerDefense(t *testing.T) {
	f := newFakeChain(t)
	fillCycles(t, f)
	logs := f.frozenLogs()
	want := replayAll(t, f, logs)
	r := NewReplayer(f)
	if _, err := r.Sync(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Defense(0); ok {
		t.Error("cycle 0, passed through, has a defense")
	}
	d, ok := r.Defense(1)
	if !ok {
		t.Fatal("cycle 1, the latest, has no defense")
	}
	if d.Cycle != 1 || d.Prev.Root() != want[0].Root || d.Result.Root != want[1].Root || len(d.Log) != len(logs[1]) {
		t.Errorf("defense of cycle 1: cycle %d, prev %x, root %x, %d entries", d.Cycle, d.Prev.Root(), d.Result.Root, len(d.Log))
	}
	// A skill added later does not reach the defense's tree.
	f.addSkill(t, 0, "later")
	f.freeze()
	if _, err := r.Sync(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if d.Skills.Len() != 5 {
		t.Errorf("the defense's skill tree has %d skills, want the 5 of its replay", d.Skills.Len())
	}
	if _, ok := r.Defense(1); ok {
		t.Error("cycle 1 keeps its defense after cycle 2")
	}
	d2, ok := r.Defense(2)
	if !ok || d2.Result.Root != want[2].Root {
		t.Fatalf("defense of cycle 2: %v", ok)
	}
	// Its answers are those of a defense built apart.
	ref := &ledgerrep.Defense{Cycle: 2, Prev: want[1].State, Skills: &f.tree, Params: f.decay, Log: logs[2], Result: want[2]}
	n := d2.Result.Justification.Len() - 1
	c := claimOf(ref, 0)
	other := &ledgerpb.Claim{Id: 1}
	for _, ch := range []*ledgerpb.Challenge{
		{Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Sides: []*ledgerpb.ChallengeSide{{Claim: 0}, {Claim: 1}}},
		{Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH, Lo: 0, Hi: n, Sides: []*ledgerpb.ChallengeSide{{Claim: 0}, {Claim: 1}}},
		{Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND, Lo: n, Hi: n, Sides: []*ledgerpb.ChallengeSide{{Claim: 0}, {Claim: 1}}},
	} {
		got, err := d2.Answer(ch, 0, other)
		if err != nil {
			t.Fatal(err)
		}
		wantMsg, _ := ref.Answer(ch, 0, other)
		if !proto.Equal(got, wantMsg) {
			t.Errorf("step %s: %v, want %v", ledgerrep.StepName(ch.Step), got, wantMsg)
		}
	}
	if !d2.Claims(c) {
		t.Error("the defense does not claim its own root")
	}
}

func TestReplayerRefusesOpenCycle(t *testing.T) {
	f := newFakeChain(t)
	f.append(t, testUser(1), 1, 5)
	_, err := NewReplayer(f).Sync(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), "not frozen") {
		t.Fatalf("Sync of the open cycle: err = %v, want not frozen", err)
	}
}

func TestReplayerBadSkillOrder(t *testing.T) {
	f := newFakeChain(t)
	f.freeze()
	f.skills[1].Id = 7
	_, err := NewReplayer(f).Sync(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), "creation order") {
		t.Fatalf("err = %v, want a creation order error", err)
	}
}

func TestReplayerBadEntry(t *testing.T) {
	f := newFakeChain(t)
	f.append(t, testUser(1), 3, 5)
	f.logs[0][0].NUpdates = 3 // does not fit skill 3
	f.freeze()
	_, err := NewReplayer(f).Sync(context.Background(), 0)
	if !errors.Is(err, reputation.ErrBadEntry) {
		t.Fatalf("err = %v, want ErrBadEntry", err)
	}
}

func TestFetchLogPages(t *testing.T) {
	f := newFakeChain(t)
	for i := range 7 {
		f.append(t, testUser(i), 1, int64(i+1))
	}
	f.freeze()
	log, err := FetchLog(context.Background(), f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 7 || f.queries != 4 {
		t.Fatalf("%d entries in %d queries, want 7 in 4", len(log), f.queries)
	}
	for i, e := range log {
		if e.Amount.Int64() != int64(i+1) || e.NPreviousUpdates != uint64(2*i) {
			t.Errorf("entry %d = %+v", i, e)
		}
	}
}

func TestDecodeEntryErrors(t *testing.T) {
	if _, err := DecodeEntry(&ledgerpb.ReputationLogEntry{User: make([]byte, 19), Colony: make([]byte, 20), Amount: make([]byte, 16)}); err == nil {
		t.Error("19-byte user accepted")
	}
	if _, err := DecodeEntry(&ledgerpb.ReputationLogEntry{User: make([]byte, 20), Colony: make([]byte, 20), Amount: make([]byte, 15)}); err == nil {
		t.Error("15-byte amount accepted")
	}
}

package miner

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// acceptedCycle replays fillCycles and returns the last cycle and its
// root as the chain would accept it.
func acceptedCycle(t *testing.T) (*Replayer, *Cycle, proofapi.Root) {
	t.Helper()
	f := newFakeChain(t)
	fillCycles(t, f)
	r := NewReplayer(f)
	if _, err := r.Sync(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	c, _ := r.Latest()
	return r, c, proofapi.Root{Cycle: c.Cycle, Root: c.Root, NLeaves: c.NLeaves, JRH: c.JRH, Height: 40}
}

func TestReputationResponseRoundTrip(t *testing.T) {
	r, c, acc := acceptedCycle(t)
	user := testUser(1)
	resp := NewReputationResponse(c, user, r.Skills())
	if len(resp.Leaves) != 4 { // skills 1, 2, 3 and 5
		t.Fatalf("%d leaves, want 4: %+v", len(resp.Leaves), resp.Leaves)
	}
	colony := NetworkColony()
	if resp.Colony != hex0x(colony[:]) || resp.User != user.String() {
		t.Errorf("colony %s, user %s", resp.Colony, resp.User)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var back proofapi.ReputationResponse
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	leaves, err := proofapi.VerifyReputation(&back, acc, user)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range leaves {
		want, _ := c.State.Get(userKey(user, l.Skill))
		if l.Reputation.Cmp(want.Reputation) != 0 || l.UID != want.UID || l.Path != resp.Leaves[i].Path {
			t.Errorf("leaf %d = %+v, state has %+v", i, l, want)
		}
	}
	// A user with nothing gets no leaves, which verifies.
	empty := NewReputationResponse(c, testUser(99), r.Skills())
	if got, err := proofapi.VerifyReputation(empty, acc, testUser(99)); err != nil || len(got) != 0 {
		t.Errorf("empty answer: %v, %v", got, err)
	}
}

func TestCycleInfo(t *testing.T) {
	_, c, acc := acceptedCycle(t)
	got := c.Info()
	want := acc.Info()
	want.AcceptedHeight = 0 // a computed root has none
	if *got != *want {
		t.Errorf("Info = %+v, want %+v", got, want)
	}
}

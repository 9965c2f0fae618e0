package reputation

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// TestRatingAmount: t × (2s − 5) / 3, truncated toward zero (market.md:
// "Reputation from the market"). Values computed by hand.
func TestRatingAmount(t *testing.T) {
	for _, tc := range []struct {
		payment uint64
		stars   uint8
		want    string
	}{
		{10, 0, "-16"}, // −50/3 = −16.67 → −16
		{10, 1, "-10"}, // −30/3
		{10, 2, "-3"},  // −10/3 = −3.33 → −3, not −4
		{10, 3, "3"},   // 10/3
		{10, 4, "10"},  // 30/3
		{10, 5, "16"},  // 50/3
		{1, 2, "0"},    // −1/3 → 0
		{2, 2, "0"},    // −2/3 → 0
		{3, 2, "-1"},
		{1, 0, "-1"}, // −5/3 = −1.67 → −1
		{1, 5, "1"},
		{0, 0, "0"},
		{0, 5, "0"},
		{3_000_000, 5, "5000000"},
		{3_000_000, 0, "-5000000"},
		{1_000_000, 4, "1000000"},
		{1_000_000, 1, "-1000000"},
		{math.MaxUint64, 5, "30744573456182586025"}, // 5 × (2^64 − 1) / 3, exact
		{math.MaxUint64, 0, "-30744573456182586025"},
		{math.MaxUint64, 3, "6148914691236517205"},
	} {
		if got := RatingAmount(tc.payment, tc.stars).String(); got != tc.want {
			t.Errorf("RatingAmount(%d, %d) = %s, want %s", tc.payment, tc.stars, got, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("RatingAmount with 6 stars did not panic")
		}
	}()
	RatingAmount(1, 6)
}

func TestAppendRating(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	var ev event.Log
	if err := k.InitGenesis(st, DefaultGenesisSkills()); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, st, "compute/genomics")
	genomics, _ := k.SkillID(st, "compute/genomics")
	buyer, _ := k.SkillID(st, SkillBuyer)
	colony := NetworkColony()
	// The provider, rated 2 stars on 10 ucell, in the package's skill;
	// the buyer, rated 5 by the provider, in the buyer skill.
	if ok, err := k.AppendRating(st, &ev, colony, other, genomics, 10, 2); !ok || err != nil {
		t.Fatalf("provider: %v, %v", ok, err)
	}
	if ok, err := k.AppendRating(st, &ev, colony, worker, buyer, 10, 5); !ok || err != nil {
		t.Fatalf("buyer: %v, %v", ok, err)
	}
	// 1 ucell at 2 stars truncates to 0: nothing appended.
	if ok, err := k.AppendRating(st, &ev, colony, other, genomics, 1, 2); ok || err != nil {
		t.Errorf("zero amount: %v, %v", ok, err)
	}
	if _, err := k.AppendRating(st, &ev, colony, other, genomics, 10, 6); !errors.Is(err, ErrInvalidRating) {
		t.Errorf("6 stars: %v", err)
	}
	log := k.Log(st, 0)
	if len(log) != 2 {
		t.Fatalf("%d entries, want 2", len(log))
	}
	// genomics: nParents 1, no children: 4 + 0; the buyer skill: 2.
	if e := log[0]; e.User != other || e.Amount.Cmp(big.NewInt(-3)) != 0 || e.Skill != genomics || e.NUpdates != 4 || e.NPreviousUpdates != 0 {
		t.Errorf("provider entry %+v", e)
	}
	if e := log[1]; e.User != worker || e.Amount.Cmp(big.NewInt(16)) != 0 || e.Skill != buyer || e.NUpdates != 2 || e.NPreviousUpdates != 4 {
		t.Errorf("buyer entry %+v", e)
	}
	if evs := ev.Events(); len(evs) != 2 || fmt.Sprint(evs[0]) != fmt.Sprint(event.Event{Type: "reputation_update", Attributes: []event.Attribute{
		{Key: "cycle", Value: "0"}, {Key: "index", Value: "0"}, {Key: "colony", Value: colony.String()}, {Key: "user", Value: other.String()},
		{Key: "skill", Value: "5"}, {Key: "amount", Value: "-3"}, {Key: "n_updates", Value: "4"}, {Key: "n_previous_updates", Value: "0"},
	}}) {
		t.Errorf("events %v", evs)
	}
}

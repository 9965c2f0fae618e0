package gov

import (
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

func addr(b byte) address.Address { return address.Address{0: b} }

const (
	yes     = ledgerpb.VoteOption_VOTE_OPTION_YES
	no      = ledgerpb.VoteOption_VOTE_OPTION_NO
	abstain = ledgerpb.VoteOption_VOTE_OPTION_ABSTAIN
	veto    = ledgerpb.VoteOption_VOTE_OPTION_VETO
)

func vote(voter address.Address, o ledgerpb.VoteOption) *ledgerpb.Vote {
	return &ledgerpb.Vote{Voter: voter.Bytes(), Option: o}
}

// TestCountDelegatorsOverride: a delegator's own vote takes its delegated
// stake from its validator's vote; delegations to validators not bonded
// count for nothing; a validator that did not vote counts only through
// the delegators that did.
func TestCountDelegatorsOverride(t *testing.T) {
	v1, v2, v3 := addr(1), addr(2), addr(3)
	d1, d2, d3 := addr(11), addr(12), addr(13)
	vals := []Validator{{v1, 1_000}, {v2, 500}, {v3, 300}}
	dels := map[address.Address][]Delegation{
		d1: {{v1, 200}, {v2, 100}},
		d2: {{v1, 50}},
		d3: {{addr(99), 1_000}}, // to a validator not bonded
		v2: {{v1, 70}},          // a validator delegating to another
	}
	of := func(a address.Address) []Delegation { return dels[a] }
	for _, tc := range []struct {
		name  string
		votes []*ledgerpb.Vote
		want  *ledgerpb.Tally
	}{
		{"nobody", nil, &ledgerpb.Tally{TotalBonded: 1_800}},
		{"validators only", []*ledgerpb.Vote{vote(v1, yes), vote(v3, no)}, &ledgerpb.Tally{Yes: 1_000, No: 300, TotalBonded: 1_800}},
		{"a delegator overrides", []*ledgerpb.Vote{vote(v1, yes), vote(d1, no)}, &ledgerpb.Tally{Yes: 800, No: 300, TotalBonded: 1_800}},
		{"delegators of a silent validator", []*ledgerpb.Vote{vote(d1, veto), vote(d2, abstain)}, &ledgerpb.Tally{Veto: 300, Abstain: 50, TotalBonded: 1_800}},
		{"a delegation to an unbonded validator", []*ledgerpb.Vote{vote(d3, yes)}, &ledgerpb.Tally{TotalBonded: 1_800}},
		{"a validator delegating to another votes that delegation too", []*ledgerpb.Vote{vote(v1, yes), vote(v2, no)}, &ledgerpb.Tally{Yes: 930, No: 570, TotalBonded: 1_800}},
		{"everyone", []*ledgerpb.Vote{vote(v1, yes), vote(v2, no), vote(v3, abstain), vote(d1, veto), vote(d2, no)},
			&ledgerpb.Tally{Yes: 1_000 - 200 - 50 - 70, No: 500 - 100 + 50 + 70, Abstain: 300, Veto: 300, TotalBonded: 1_800}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Count(vals, tc.votes, of)
			if got.Yes != tc.want.Yes || got.No != tc.want.No || got.Abstain != tc.want.Abstain || got.Veto != tc.want.Veto || got.TotalBonded != tc.want.TotalBonded {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDecideEdges: quorum, veto and threshold at, below and above their
// edges, and the reputation chamber.
func TestDecideEdges(t *testing.T) {
	p := &ledgerpb.Params{GovQuorumBps: 4_000, GovThresholdBps: 5_000, GovVetoThresholdBps: 3_340}
	rep := func(n int64) []byte { return big.NewInt(n).Bytes() }
	for _, tc := range []struct {
		name  string
		t     *ledgerpb.Tally
		needs bool
		want  Outcome
	}{
		{"no votes", &ledgerpb.Tally{TotalBonded: 1_000}, false, Rejected},
		{"quorum one below", &ledgerpb.Tally{Yes: 399, TotalBonded: 1_000}, false, Rejected},
		{"quorum at", &ledgerpb.Tally{Yes: 400, TotalBonded: 1_000}, false, Passed},
		{"abstain counts for quorum", &ledgerpb.Tally{Yes: 1, Abstain: 399, TotalBonded: 1_000}, false, Passed},
		{"threshold at: not above", &ledgerpb.Tally{Yes: 250, No: 250, TotalBonded: 1_000}, false, Rejected},
		{"threshold above", &ledgerpb.Tally{Yes: 251, No: 250, TotalBonded: 1_000}, false, Passed},
		{"veto below", &ledgerpb.Tally{Yes: 6_661, Veto: 3_339, TotalBonded: 10_000}, false, Passed},
		{"veto at", &ledgerpb.Tally{Yes: 6_660, Veto: 3_340, TotalBonded: 10_000}, false, Vetoed},
		{"veto counts against the threshold", &ledgerpb.Tally{Yes: 5_000, Veto: 3_000, No: 2_000, TotalBonded: 10_000}, false, Rejected},
		{"huge stake does not overflow", &ledgerpb.Tally{Yes: 1 << 62, No: 1 << 61, TotalBonded: 1<<63 + 1<<62}, false, Passed},
		{"reputation needed, none", &ledgerpb.Tally{Yes: 1_000, TotalBonded: 1_000}, true, Rejected},
		{"reputation tie", &ledgerpb.Tally{Yes: 1_000, TotalBonded: 1_000, ReputationYes: rep(5), ReputationNo: rep(5)}, true, Rejected},
		{"reputation majority", &ledgerpb.Tally{Yes: 1_000, TotalBonded: 1_000, ReputationYes: rep(6), ReputationNo: rep(5)}, true, Passed},
		{"reputation majority, stake rejects", &ledgerpb.Tally{No: 1_000, TotalBonded: 1_000, ReputationYes: rep(6)}, true, Rejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(tc.t, p, tc.needs); got != tc.want {
				t.Fatalf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// TestTwoChamberDetection: a raise by more than 10 % of a mint_* param of
// the supply ceiling or the inflation rate needs the reputation chamber.
func TestTwoChamberDetection(t *testing.T) {
	for _, tc := range []struct {
		old, next uint64
		want      bool
	}{
		{100, 110, false}, {100, 111, true}, {100, 90, false}, {0, 1, true}, {0, 0, false},
		{1 << 63, 1<<63 + 1<<59, false}, {1 << 63, 1<<63 + 1<<60, true}, // no overflow: 1/16 and 1/8 of 2^63
	} {
		if got := RaisesMoreThanTenPercent(tc.old, tc.next); got != tc.want {
			t.Errorf("%d → %d: %v, want %v", tc.old, tc.next, got, tc.want)
		}
	}
	for name, want := range map[string]bool{
		"mint_supply_ceiling": true, "mint_inflation_bps": true, "mint_validators_bps": false, "max_bid_window": false, "inflation": false,
	} {
		if SupplyParam(name) != want {
			t.Errorf("SupplyParam(%q) = %v", name, !want)
		}
	}
	// With a detector naming min_fee, a raise of min_fee by more than
	// 10 % needs the reputation chamber, one of 10 % does not.
	p := &ledgerpb.Params{MinFee: 1_000}
	minFee := func(n string) bool { return n == "min_fee" }
	for _, tc := range []struct {
		value string
		want  bool
	}{{"1100", false}, {"1101", true}, {"10", false}} {
		next := &ledgerpb.Params{MinFee: 0}
		fd, _ := paramField("t", "f", "min_fee")
		v, err := parseParam("t", "f", fd, tc.value)
		if err != nil {
			t.Fatal(err)
		}
		next.ProtoReflect().Set(fd, v)
		if got := needsReputation(minFee, p, next); got != tc.want {
			t.Errorf("min_fee 1000 → %s: %v, want %v", tc.value, got, tc.want)
		}
	}
}

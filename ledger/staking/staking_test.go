package staking

import (
	"math"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

func TestFraction(t *testing.T) {
	for _, tc := range []struct {
		amount uint64
		bps    uint32
		want   uint64
	}{
		{10_000, 500, 500},
		{999, 1_000, 99}, // rounded down
		{math.MaxUint64, 10_000, math.MaxUint64},
		{math.MaxUint64, 5_000, math.MaxUint64 / 2},
		{math.MaxUint64, 0, 0},
		{0, 10_000, 0},
	} {
		if got := fraction(tc.amount, tc.bps); got != tc.want {
			t.Errorf("fraction(%d, %d) = %d, want %d", tc.amount, tc.bps, got, tc.want)
		}
	}
}

func TestPowerIsCapped(t *testing.T) {
	p := &ledgerpb.Params{PowerReduction: 1, MaxValidators: 4}
	if got, want := Power(math.MaxUint64, p), int64(MaxTotalVotingPower/4); got != want {
		t.Fatalf("Power = %d, want the cap %d", got, want)
	}
	p.PowerReduction = 1_000_000
	if got := Power(2_999_999, p); got != 2 {
		t.Fatalf("Power = %d, want 2", got)
	}
}

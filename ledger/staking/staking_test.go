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

func TestMulDiv(t *testing.T) {
	for _, tc := range []struct {
		a, b, c      uint64
		down, up     uint64
		okDown, okUp bool
	}{
		{10, 3, 4, 7, 8, true, true},
		{10, 4, 4, 10, 10, true, true},
		{0, 5, 7, 0, 0, true, true},
		{math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64, true, true},
		{math.MaxUint64, 2, 1, 0, 0, false, false}, // overflows
		{math.MaxUint64, 3, 2, 0, 0, false, false}, // overflows
		{math.MaxUint64 - 1, 3, 3, math.MaxUint64 - 1, math.MaxUint64 - 1, true, true},
	} {
		d, okD := mulDiv(tc.a, tc.b, tc.c)
		u, okU := mulDivUp(tc.a, tc.b, tc.c)
		if d != tc.down || okD != tc.okDown || u != tc.up || okU != tc.okUp {
			t.Errorf("%d×%d/%d: down %d %v, up %d %v; want %d %v, %d %v", tc.a, tc.b, tc.c, d, okD, u, okU, tc.down, tc.okDown, tc.up, tc.okUp)
		}
	}
}

func TestTokensOf(t *testing.T) {
	v := &ledgerpb.Validator{Bonded: 900, DelegatorShares: 1_000} // slashed 10 %
	for _, tc := range []struct{ shares, want uint64 }{{1_000, 900}, {500, 450}, {1, 0}, {3, 2}, {0, 0}} {
		if got := TokensOf(v, tc.shares); got != tc.want {
			t.Errorf("TokensOf(%d shares) = %d, want %d", tc.shares, got, tc.want)
		}
	}
	if got := TokensOf(&ledgerpb.Validator{}, 5); got != 0 {
		t.Errorf("TokensOf of a validator without shares = %d", got)
	}
}

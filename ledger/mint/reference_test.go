package mint

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

// TestMintAgainstReference runs 5,000 random blocks — changes of the
// inflation rate (0 included), the block time (years of 1 to 400 blocks)
// and the ceiling (below, at and above the supply), burns and fees — and
// checks every block's minting against a naive reference in big
// integers, the ceiling, and the bank's supply invariant.
func TestMintAgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	st, b, k := setup(t, 1_000_000_000)
	p := mintParams(500, MsPerYear/100, 1<<62)
	p.FeeBurnBps, p.FeeValidatorBps = 2_000, 5_000

	// The reference's year: started at start with the annual amount
	// annual over blocks blocks, for the params bps and ms.
	var (
		started       bool
		start         int64
		annual        *big.Int
		blocks        uint64
		bps           uint32
		ms            uint64
		atCeiling     int
		yearsStarted  int
		mintedBlocks  int
		refMinted     uint64
		cappedBlocks  int
		pausedBlocks  int
		feesCollected int
	)
	floorDiv := func(a *big.Int, num, den uint64) *big.Int {
		x := new(big.Int).Mul(a, new(big.Int).SetUint64(num))
		return x.Quo(x, new(big.Int).SetUint64(den))
	}
	for h := int64(1); h <= 5_000; h++ {
		switch rng.IntN(40) {
		case 0:
			p.MintInflationBps = uint32(rng.IntN(10_001))
		case 1:
			p.MintInflationBps = 0
		case 2:
			p.MintBlockTimeMs = MsPerYear / uint64(1+rng.IntN(400))
		case 3:
			s := b.Supply(st)
			p.MintSupplyCeiling = max(1, s-min(s, 5_000)+rng.Uint64N(20_000))
		case 4:
			p.MintSupplyCeiling = 1 << 62
		case 5:
			p.MintRewardsBps = uint32(rng.IntN(10_001))
			p.MintMinersBps = uint32(rng.IntN(10_001 - int(p.MintRewardsBps)))
		}
		if err := Validate(p); err != nil {
			t.Fatalf("height %d: the test drew invalid params: %v", h, err)
		}
		var ev event.Log
		for range rng.IntN(3) {
			if amount := rng.Uint64N(b.Balance(st, holder)/1_000 + 1); amount > 0 {
				if err := k.CollectFee(st, &ev, p, holder, amount); err != nil {
					t.Fatal(err)
				}
				feesCollected++
			}
		}
		if rng.IntN(5) == 0 {
			if err := b.Burn(st, &ev, holder, rng.Uint64N(10_000)); err != nil {
				t.Fatal(err)
			}
		}

		supply := b.Supply(st)
		var want uint64
		if p.MintInflationBps == 0 {
			pausedBlocks++
		} else {
			if !started || uint64(h-start) >= blocks || bps != p.MintInflationBps || ms != p.MintBlockTimeMs {
				started, start, bps, ms = true, h, p.MintInflationBps, p.MintBlockTimeMs
				annual = floorDiv(new(big.Int).SetUint64(supply), uint64(bps), 10_000)
				blocks = max(uint64(MsPerYear)/ms, 1)
				yearsStarted++
			}
			i := uint64(h - start)
			full := new(big.Int).Sub(floorDiv(annual, i+1, blocks), floorDiv(annual, i, blocks)).Uint64()
			switch {
			case supply >= p.MintSupplyCeiling:
				atCeiling++
			case full > p.MintSupplyCeiling-supply:
				want = p.MintSupplyCeiling - supply
				cappedBlocks++
			default:
				want = full
			}
		}
		rewards0, miners0, treasury0 := b.ModuleBalance(st, RewardsAccount), b.ModuleBalance(st, MiningRewardsAccount), b.ModuleBalance(st, treasury.ModuleName)
		k.BlockHook(st, &ev, p, h)
		if got := b.Supply(st) - supply; got != want {
			t.Fatalf("height %d: minted %d ucell, the reference %d (year from %d, annual %v over %d blocks)", h, got, want, start, annual, blocks)
		}
		if want > 0 {
			mintedBlocks++
			refMinted += want
			r, m := want*uint64(p.MintRewardsBps)/10_000, want*uint64(p.MintMinersBps)/10_000
			if b.ModuleBalance(st, RewardsAccount)-rewards0 != r || b.ModuleBalance(st, MiningRewardsAccount)-miners0 != m ||
				b.ModuleBalance(st, treasury.ModuleName)-treasury0 != want-r-m {
				t.Fatalf("height %d: split of %d ucell", h, want)
			}
		}
		if s := b.Supply(st); s > max(p.MintSupplyCeiling, supply) {
			t.Fatalf("height %d: supply %d above the ceiling %d", h, s, p.MintSupplyCeiling)
		}
		if err := b.CheckInvariants(st); err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
	}
	if b.Minted(st) != refMinted {
		t.Fatalf("minted %d, the reference %d", b.Minted(st), refMinted)
	}
	t.Logf("years %d, blocks minting %d (capped %d, at the ceiling %d, paused %d), fees %d, minted %d, burned %d",
		yearsStarted, mintedBlocks, cappedBlocks, atCeiling, pausedBlocks, feesCollected, b.Minted(st), b.Burned(st))
	if yearsStarted < 20 || cappedBlocks == 0 || atCeiling == 0 || pausedBlocks == 0 || feesCollected == 0 {
		t.Fatal("the random blocks test little")
	}
}

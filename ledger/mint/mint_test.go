package mint

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

var holder = address.Address{19: 7}

// setup returns a store whose only account holds supply ucell, and the
// bank and mint over it.
func setup(t testing.TB, supply uint64) (store.KVStore, bank.Keeper, Keeper) {
	t.Helper()
	b := bank.New(treasury.ModuleName, RewardsAccount, MiningRewardsAccount)
	st := store.NewMemStore()
	if err := b.InitGenesis(st, []*ledgerpb.GenesisAccount{{Address: holder.String(), Balance: supply}}); err != nil {
		t.Fatal(err)
	}
	return st, b, New(b)
}

func mintParams(inflationBps uint32, blockTimeMs, ceiling uint64) *ledgerpb.Params {
	return &ledgerpb.Params{MintInflationBps: inflationBps, MintBlockTimeMs: blockTimeMs, MintSupplyCeiling: ceiling,
		MintRewardsBps: 6_000, MintMinersBps: 1_000}
}

func TestValidate(t *testing.T) {
	ok := func(p *ledgerpb.Params) *ledgerpb.Params { return p }
	for _, tc := range []struct {
		name string
		p    *ledgerpb.Params
		want string // "" = valid
	}{
		{"zero: nothing minted, fees to the treasury", &ledgerpb.Params{}, ""},
		{"defaults", ok(&ledgerpb.Params{MintInflationBps: 500, MintBlockTimeMs: 6_000, MintSupplyCeiling: 1e16, MintRewardsBps: 6_000, MintMinersBps: 1_000, FeeBurnBps: 2_000, FeeValidatorBps: 5_000}), ""},
		{"inflation 100 %", &ledgerpb.Params{MintInflationBps: 10_000, MintBlockTimeMs: 1, MintSupplyCeiling: 1}, ""},
		{"inflation above 100 %", &ledgerpb.Params{MintInflationBps: 10_001, MintBlockTimeMs: 1, MintSupplyCeiling: 1}, "mint_inflation_bps 10001"},
		{"block time 0 with inflation", &ledgerpb.Params{MintInflationBps: 1, MintSupplyCeiling: 1}, "mint_block_time_ms 0"},
		{"block time a year", &ledgerpb.Params{MintInflationBps: 1, MintBlockTimeMs: MsPerYear, MintSupplyCeiling: 1}, ""},
		{"block time above a year", &ledgerpb.Params{MintInflationBps: 1, MintBlockTimeMs: MsPerYear + 1, MintSupplyCeiling: 1}, "mint_block_time_ms 31557600001"},
		{"block time 0 without inflation", &ledgerpb.Params{MintSupplyCeiling: 1}, ""},
		{"ceiling 0 with inflation", &ledgerpb.Params{MintInflationBps: 1, MintBlockTimeMs: 1}, "mint_supply_ceiling 0"},
		{"mint split 100 %", &ledgerpb.Params{MintRewardsBps: 9_000, MintMinersBps: 1_000}, ""},
		{"mint split above 100 %", &ledgerpb.Params{MintRewardsBps: 9_000, MintMinersBps: 1_001}, "mint_rewards_bps 9000 + mint_miners_bps 1001"},
		{"mint split overflowing uint32 sum", &ledgerpb.Params{MintRewardsBps: 1 << 31, MintMinersBps: 1 << 31}, "mint_rewards_bps"},
		{"fee split 100 %", &ledgerpb.Params{FeeBurnBps: 10_000}, ""},
		{"fee split above 100 %", &ledgerpb.Params{FeeBurnBps: 5_000, FeeValidatorBps: 5_001}, "fee_burn_bps 5000 + fee_validator_bps 5001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.p)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("Validate = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

func TestBlocksPerYear(t *testing.T) {
	for _, tc := range []struct{ ms, want uint64 }{
		{6_000, 5_259_600},
		{1_000, 31_557_600},
		{7_000, 4_508_228}, // 31,557,600,000 / 7,000 = 4,508,228.57…, rounded down
		{MsPerYear, 1},
		{0, MsPerYear},
	} {
		if got := BlocksPerYear(tc.ms); got != tc.want {
			t.Errorf("BlocksPerYear(%d) = %d, want %d", tc.ms, got, tc.want)
		}
	}
}

// TestBlockAmountYearExact sums a year of blocks at the default block
// time: the remainder carried from block to block makes the year mint
// exactly the annual amount, for amounts that do and do not divide.
func TestBlockAmountYearExact(t *testing.T) {
	blocks := BlocksPerYear(6_000)
	for _, annual := range []uint64{0, 1, blocks - 1, blocks, blocks + 1, 50_000_000_000_000, 1<<64 - 1} {
		var sum uint64
		lo, hi := ^uint64(0), uint64(0)
		for i := range blocks {
			a := BlockAmount(annual, blocks, i)
			sum += a
			lo, hi = min(lo, a), max(hi, a)
		}
		if sum != annual {
			t.Errorf("annual %d: a year of blocks mints %d", annual, sum)
		}
		if hi-lo > 1 {
			t.Errorf("annual %d: blocks mint from %d to %d ucell, want an even spread", annual, lo, hi)
		}
		if BlockAmount(annual, blocks, blocks) != 0 {
			t.Errorf("annual %d: a block past the year mints", annual)
		}
	}
}

func TestAnnualAmount(t *testing.T) {
	for _, tc := range []struct {
		supply uint64
		bps    uint32
		want   uint64
	}{
		{1_000_000_000_000, 500, 50_000_000_000},
		{19_999, 500, 999}, // 999.95 rounded down
		{1<<64 - 1, 10_000, 1<<64 - 1},
		{1<<64 - 1, 5_000, (1<<64 - 1) / 2},
		{123, 0, 0},
	} {
		if got := AnnualAmount(tc.supply, tc.bps); got != tc.want {
			t.Errorf("AnnualAmount(%d, %d) = %d, want %d", tc.supply, tc.bps, got, tc.want)
		}
	}
}

// TestMintSimulatedYear runs the block hook over two whole mint years of
// one-minute blocks (525,960 blocks a year): the first year mints
// exactly 5 % of the genesis supply, the second 5 % of the supply at its
// start, and every ucell lands in rewards, the miners' pool or the
// treasury as split.
func TestMintSimulatedYear(t *testing.T) {
	const genesis = 1_000_000_000_007
	st, b, k := setup(t, genesis)
	p := mintParams(500, 60_000, 1<<63)
	blocks := BlocksPerYear(p.MintBlockTimeMs)
	if blocks != 525_960 {
		t.Fatalf("blocks a year %d", blocks)
	}
	year := func(first int64) {
		for h := first; h < first+int64(blocks); h++ {
			var ev event.Log
			k.BlockHook(st, &ev, p, h)
		}
	}
	year(1)
	annual := AnnualAmount(genesis, 500) // 50,000,000,000
	if got := b.Minted(st); got != annual {
		t.Fatalf("first year minted %d ucell, want %d", got, annual)
	}
	if s := b.Supply(st); s != genesis+annual {
		t.Fatalf("supply %d", s)
	}
	rewards, miners, tres := b.ModuleBalance(st, RewardsAccount), b.ModuleBalance(st, MiningRewardsAccount), b.ModuleBalance(st, treasury.ModuleName)
	if rewards+miners+tres != annual {
		t.Fatalf("split %d + %d + %d != %d", rewards, miners, tres, annual)
	}
	// Each block's share is rounded down: within a block's worth of ucell
	// of the exact 60 % and 10 %.
	if exact := annual * 6 / 10; rewards > exact || exact-rewards > blocks {
		t.Errorf("rewards %d ucell, want about %d", rewards, exact)
	}
	if exact := annual / 10; miners > exact || exact-miners > blocks {
		t.Errorf("miners %d ucell, want about %d", miners, exact)
	}
	if err := b.CheckInvariants(st); err != nil {
		t.Fatal(err)
	}
	// The second year compounds: 5 % of the supply at its first block.
	year(1 + int64(blocks))
	y, _ := k.Year(st)
	if y.StartHeight != 1+int64(blocks) || y.Annual != AnnualAmount(genesis+annual, 500) {
		t.Fatalf("second year %+v", y)
	}
	if got := b.Minted(st); got != annual+y.Annual {
		t.Fatalf("two years minted %d ucell, want %d", got, annual+y.Annual)
	}
	if err := b.CheckInvariants(st); err != nil {
		t.Fatal(err)
	}
}

// TestMintCeiling walks up to the ceiling: the block before it mints its
// full amount, the block that reaches it mints exactly the rest, the
// blocks after mint nothing and emit nothing.
func TestMintCeiling(t *testing.T) {
	const genesis = 1_000_000
	// 100 % a year of 1,000-block years: 1,000 ucell a block.
	p := mintParams(10_000, MsPerYear/1_000, 0)
	for _, tc := range []struct {
		name    string
		ceiling uint64
		want    []uint64 // minted by blocks 1, 2, 3, …
	}{
		{"room for two blocks and a half", genesis + 2_500, []uint64{1_000, 1_000, 500, 0, 0}},
		{"room for exactly two blocks", genesis + 2_000, []uint64{1_000, 1_000, 0, 0}},
		{"room for one ucell", genesis + 1, []uint64{1, 0}},
		{"at the ceiling", genesis, []uint64{0, 0}},
		{"above the ceiling", genesis - 1, []uint64{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, b, k := setup(t, genesis)
			p.MintSupplyCeiling = tc.ceiling
			for i, want := range tc.want {
				before := b.Supply(st)
				var ev event.Log
				k.BlockHook(st, &ev, p, int64(i+1))
				got := b.Supply(st) - before
				if got != want {
					t.Fatalf("block %d minted %d ucell, want %d", i+1, got, want)
				}
				if n := len(ev.Events()); (want == 0) != (n == 0) {
					t.Fatalf("block %d: %d events for %d minted", i+1, n, want)
				}
				if b.Supply(st) > max(tc.ceiling, genesis) {
					t.Fatalf("block %d: supply %d above the ceiling %d", i+1, b.Supply(st), tc.ceiling)
				}
				if err := b.CheckInvariants(st); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestMintSplitAndEvent checks one block's split and its event.
func TestMintSplitAndEvent(t *testing.T) {
	st, b, k := setup(t, 1_000_000)
	p := mintParams(10_000, MsPerYear/1_000, 1<<62) // 1,000 ucell a block
	p.MintRewardsBps, p.MintMinersBps = 3_333, 1_111
	var ev event.Log
	k.BlockHook(st, &ev, p, 7)
	// 1,000 × 33.33 % = 333.3 → 333; × 11.11 % = 111.1 → 111; the rest 556.
	if r, m, tr := b.ModuleBalance(st, RewardsAccount), b.ModuleBalance(st, MiningRewardsAccount), b.ModuleBalance(st, treasury.ModuleName); r != 333 || m != 111 || tr != 556 {
		t.Fatalf("split rewards %d miners %d treasury %d", r, m, tr)
	}
	evs := ev.Events()
	last := evs[len(evs)-1]
	var got EventMinted
	if err := event.Decode(last, &got); err != nil {
		t.Fatal(err)
	}
	if want := (EventMinted{Height: 7, Amount: 1_000, Rewards: 333, Miners: 111, Treasury: 556, Supply: 1_001_000}); got != want {
		t.Fatalf("event %+v, want %+v", got, want)
	}
}

// TestMintYearRestartsOnParamChange: a new inflation rate starts a new
// year at the next block, from the supply then; inflation 0 mints and
// writes nothing.
func TestMintYearRestartsOnParamChange(t *testing.T) {
	st, b, k := setup(t, 1_000_000)
	var ev event.Log
	k.BlockHook(st, &ev, &ledgerpb.Params{}, 1)
	if st.Has(YearKey()) || b.Minted(st) != 0 {
		t.Fatal("inflation 0 wrote state")
	}
	p := mintParams(10_000, MsPerYear/1_000, 1<<62)
	k.BlockHook(st, &ev, p, 2)
	k.BlockHook(st, &ev, p, 3)
	if y, _ := k.Year(st); y.StartHeight != 2 || y.Annual != 1_000_000 {
		t.Fatalf("year %+v", y)
	}
	p.MintInflationBps = 5_000
	k.BlockHook(st, &ev, p, 4)
	if y, _ := k.Year(st); y.StartHeight != 4 || y.Annual != 501_000 || y.InflationBps != 5_000 {
		t.Fatalf("year after the change %+v", y)
	}
	if got := b.Minted(st); got != 2_000+501 {
		t.Fatalf("minted %d", got)
	}
}

// TestCollectFee checks the burn and split of a fee for several params,
// and that a fee the payer cannot pay changes nothing.
func TestCollectFee(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		burnBps, validatorBps  uint32
		fee                    uint64
		burn, validators, tres uint64
	}{
		{"all to the treasury", 0, 0, 1_000, 0, 0, 1_000},
		{"defaults", 2_000, 5_000, 1_000, 200, 500, 300},
		{"rounding down, remainder to the treasury", 2_000, 5_000, 999, 199, 499, 301},
		{"all burned", 10_000, 0, 1_234, 1_234, 0, 0},
		{"all to rewards", 0, 10_000, 1_234, 0, 1_234, 0},
		{"one ucell", 2_000, 5_000, 1, 0, 0, 1},
		{"zero fee", 2_000, 5_000, 0, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, b, k := setup(t, 10_000)
			p := &ledgerpb.Params{FeeBurnBps: tc.burnBps, FeeValidatorBps: tc.validatorBps}
			var ev event.Log
			if err := k.CollectFee(st, &ev, p, holder, tc.fee); err != nil {
				t.Fatal(err)
			}
			if b.Burned(st) != tc.burn || b.ModuleBalance(st, RewardsAccount) != tc.validators || b.ModuleBalance(st, treasury.ModuleName) != tc.tres {
				t.Fatalf("burned %d rewards %d treasury %d, want %d %d %d", b.Burned(st), b.ModuleBalance(st, RewardsAccount), b.ModuleBalance(st, treasury.ModuleName), tc.burn, tc.validators, tc.tres)
			}
			if b.Balance(st, holder) != 10_000-tc.fee || b.Supply(st) != 10_000-tc.burn {
				t.Fatalf("payer %d supply %d", b.Balance(st, holder), b.Supply(st))
			}
			if err := b.CheckInvariants(st); err != nil {
				t.Fatal(err)
			}
			if tc.fee == 0 {
				if len(ev.Events()) != 0 {
					t.Fatal("a zero fee emitted events")
				}
				return
			}
			evs := ev.Events()
			var got EventFee
			if err := event.Decode(evs[len(evs)-1], &got); err != nil {
				t.Fatal(err)
			}
			if want := (EventFee{Payer: holder, Amount: tc.fee, Burned: tc.burn, Validators: tc.validators, Treasury: tc.tres}); got != want {
				t.Fatalf("event %+v, want %+v", got, want)
			}
		})
	}
	t.Run("insufficient funds changes nothing", func(t *testing.T) {
		st, _, k := setup(t, 10_000)
		before := snapshot(st)
		var ev event.Log
		err := k.CollectFee(st, &ev, &ledgerpb.Params{FeeBurnBps: 2_000, FeeValidatorBps: 5_000}, holder, 10_001)
		if !errors.Is(err, bank.ErrInsufficientFunds) {
			t.Fatalf("err %v, want bank.ErrInsufficientFunds", err)
		}
		if after := snapshot(st); after != before || len(ev.Events()) != 0 {
			t.Fatalf("state changed:\n%s\n%s", before, after)
		}
	})
}

func snapshot(st store.KVStore) string {
	var sb strings.Builder
	it := st.Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		sb.WriteString(string(it.Key()) + "=" + string(it.Value()) + "\n")
	}
	return sb.String()
}

// BenchmarkBlockHook measures one block's minting and split with the
// default params (a running year, three mints, one event).
func BenchmarkBlockHook(b *testing.B) {
	st, _, k := setup(b, 1_000_000_000_000)
	p := mintParams(500, 6_000, 1e16)
	var ev event.Log
	k.BlockHook(st, &ev, p, 1)
	b.ResetTimer()
	for i := range b.N {
		var ev event.Log
		k.BlockHook(st, &ev, p, int64(i+2))
	}
}

// TestChargeFeeThenSettleIsCollectFee: a block's fees charged one by one
// (ChargeFee) and settled at its end (SettleFees) leave exactly the state
// of the same fees collected one by one (CollectFee); ChargeFee emits
// nothing and returns the parts CollectFee's EventFee reports, and the
// settlement emits one EventFeesSettled of the sums; between the two
// only the payer's balance changes. A refused fee adds nothing.
func TestChargeFeeThenSettleIsCollectFee(t *testing.T) {
	p := &ledgerpb.Params{FeeBurnBps: 2_000, FeeValidatorBps: 5_000}
	fees := []uint64{10, 999, 1, 0, 7_000}
	want, _, k := setup(t, 10_000)
	var wantEv event.Log
	for _, f := range fees {
		if err := k.CollectFee(want, &wantEv, p, holder, f); err != nil {
			t.Fatal(err)
		}
	}

	got, b, k := setup(t, 10_000)
	var block BlockFees
	var gotFees []EventFee
	for _, f := range fees {
		parts, err := k.ChargeFee(got, p, holder, f, &block)
		if err != nil {
			t.Fatal(err)
		}
		if parts.Burned+parts.Validators+parts.Treasury != f {
			t.Fatalf("fee %d: parts %+v", f, parts)
		}
		if f != 0 {
			gotFees = append(gotFees, EventFee{Payer: holder, Amount: f, Burned: parts.Burned, Validators: parts.Validators, Treasury: parts.Treasury})
		}
	}
	if parts, err := k.ChargeFee(got, p, holder, 2_000, &block); !errors.Is(err, bank.ErrInsufficientFunds) || parts != (BlockFees{}) {
		t.Fatalf("a fee above the balance: %+v, %v", parts, err)
	}
	// Before the settlement: only the payer paid.
	if b.Balance(got, holder) != 10_000-8_010 || b.Supply(got) != 10_000 || b.ModuleBalance(got, RewardsAccount) != 0 || b.ModuleBalance(got, treasury.ModuleName) != 0 {
		t.Fatalf("before settling: payer %d supply %d rewards %d treasury %d", b.Balance(got, holder), b.Supply(got), b.ModuleBalance(got, RewardsAccount), b.ModuleBalance(got, treasury.ModuleName))
	}
	// 10 → 2/5/3, 999 → 199/499/301, 1 → 0/0/1, 7,000 → 1,400/3,500/2,100.
	if want := (BlockFees{Burned: 1_601, Validators: 4_004, Treasury: 2_405}); block != want {
		t.Fatalf("block fees %+v, want %+v", block, want)
	}
	var gotEv event.Log
	k.SettleFees(got, &gotEv, 7, block)
	if snapshot(got) != snapshot(want) {
		t.Fatalf("settled state\n%s\nwant\n%s", snapshot(got), snapshot(want))
	}
	if err := b.CheckInvariants(got); err != nil {
		t.Fatal(err)
	}
	var wantFees []EventFee
	for _, e := range wantEv.Events() {
		var f EventFee
		if event.Decode(e, &f) == nil {
			wantFees = append(wantFees, f)
		}
	}
	if !slices.Equal(gotFees, wantFees) {
		t.Fatalf("charged parts %+v, want CollectFee's events %+v", gotFees, wantFees)
	}
	evs := gotEv.Events()
	if len(evs) != 1 {
		t.Fatalf("events %v: want only the settlement", evs)
	}
	var settled EventFeesSettled
	if err := event.Decode(evs[0], &settled); err != nil {
		t.Fatal(err)
	}
	if want := (EventFeesSettled{Height: 7, Burned: 1_601, Validators: 4_004, Treasury: 2_405}); settled != want {
		t.Fatalf("settlement %+v, want %+v", settled, want)
	}
	// A block without fees settles nothing.
	before := snapshot(got)
	var none event.Log
	k.SettleFees(got, &none, 8, BlockFees{})
	if snapshot(got) != before || len(none.Events()) != 0 {
		t.Fatal("settling no fees wrote or emitted something")
	}
}

// Package mint is the ledger's tokenomics: the inflation minted each
// block, its split between validators, reputation miners and the
// treasury, the supply ceiling, and the burn and split of every
// transaction fee (issue 14, "Tokenomics"; whitepaper: "Tokenomics —
// mint, spend, burn").
//
// # Minting
//
// Minting runs in the end-block part of FinalizeBlock (BlockHook), after
// the block's transactions. The amount follows a mint year: a year is
//
//	B = 31,557,600,000 / mint_block_time_ms   blocks (365.25 days, rounded down)
//
// and its annual amount is fixed when the year starts, at height y:
//
//	A = supply(y) × mint_inflation_bps / 10,000   ucell (rounded down)
//
// Block y+i (0 ≤ i < B) mints floor(A×(i+1)/B) − floor(A×i/B) ucell: the
// remainder of each division is carried to the next block, so that the B
// blocks of a year mint exactly A ucell. A new year starts at the first
// block after B blocks, with A from the supply then (inflation
// compounds yearly), and also at the first block whose params differ in
// mint_inflation_bps or mint_block_time_ms from those of the running
// year (what the old year had left to mint is not minted).
//
// Minting never takes the total supply above mint_supply_ceiling: a block
// mints min(its amount, ceiling − supply), so the last block before the
// ceiling mints exactly up to it, and nothing is minted at or above it
// (burns below the ceiling make room again). With mint_inflation_bps 0
// nothing is minted and nothing is written; a year paused so and resumed
// with its own params goes on, without the blocks of the pause.
//
// A block's minted ucell are split: floor(m × mint_rewards_bps / 10,000)
// to the module account "rewards", floor(m × mint_miners_bps / 10,000)
// to "mining_rewards", the rest to the treasury.
//
// # Fees
//
// Every transaction's fee is split: floor(fee × fee_burn_bps / 10,000)
// is burned, floor(fee × fee_validator_bps / 10,000) goes to "rewards",
// the rest to the treasury. Auth's ante handler charges it with
// ChargeFee: the payer's balance is debited at once and the transaction
// reports the split on its own event (auth.EventTx), but the burn and the two credits of all
// the block's fees are made once, in the end-block hook before minting
// (SettleFees, EventFeesSettled), so that a transaction writes one
// balance for its fee rather than four keys (payer, "rewards", treasury,
// supply and burned total). During the block the three sums wait in the
// block's memory (BlockFees): a handler that reads "rewards" or the
// treasury sees the balance before the block's fees, and the supply
// counts them until they are burned. Fees that messages pay (the market's
// network fee, CollectFee and CollectModuleFee) are split at once.
//
// # Timing with distribution
//
// What reaches "rewards" in block h — the fees of its transactions and
// its minted share, both after the begin-block hooks — is allocated to
// the validators by the distribution module at the start of block h+1,
// to those that signed block h.
//
// # Supply accounting
//
// The bank keeps the totals (bank.Keeper.Minted, Burned, GenesisSupply):
// every mint and every burn of any module counts, and the bank's
// invariant checks supply = genesis supply + minted − burned = Σ balances
// (module accounts included) after every block.
//
// The module is pure: amounts are uint64 ucell, products are computed in
// 128 bits, and nothing reads a clock.
package mint

import (
	"fmt"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

// RewardsAccount is the module account that collects the validators' and
// delegators' share of minting and fees; the distribution module pays
// from it.
const RewardsAccount = "rewards"

// MiningRewardsAccount is the module account that collects the
// reputation miners' share of minting; the miners of an accepted cycle
// are paid from it first (reputation.Mining), then from the treasury.
const MiningRewardsAccount = "mining_rewards"

// MsPerYear is the length of a mint year before it is divided by the
// block time: 365.25 days in milliseconds.
const MsPerYear = 31_557_600_000

// Bank is what the mint needs from the bank module.
type Bank interface {
	Supply(st store.KVStore) uint64
	Balance(st store.KVStore, addr address.Address) uint64
	Mint(st store.KVStore, ev *event.Log, to address.Address, amount uint64) error
	Burn(st store.KVStore, ev *event.Log, from address.Address, amount uint64) error
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	PayFee(st store.KVStore, ev *event.Log, payer address.Address, burn uint64, shares ...bank.Share) error
	DeductFee(st store.KVStore, payer address.Address, amount uint64) error
	SettleFees(st store.KVStore, burn uint64, shares ...bank.Share)
}

// Keeper is the mint module. It holds only configuration; its state (the
// running mint year) is in the store passed to each method.
type Keeper struct {
	bank Bank
}

// New returns the mint module over bank, which must know the module
// accounts RewardsAccount, MiningRewardsAccount and treasury.ModuleName.
func New(b Bank) Keeper { return Keeper{bank: b} }

// BlocksPerYear returns the blocks of a mint year at a target block time
// of blockTimeMs: MsPerYear / blockTimeMs, rounded down, at least 1. A
// block time of 0 is treated as 1 ms (Validate refuses it).
func BlocksPerYear(blockTimeMs uint64) uint64 {
	return max(MsPerYear/max(blockTimeMs, 1), 1)
}

// AnnualAmount returns the ucell a mint year starting at a supply of
// supply ucell mints at inflationBps: floor(supply × bps / 10,000).
func AnnualAmount(supply uint64, inflationBps uint32) uint64 {
	return mulDiv(supply, uint64(inflationBps), 10_000)
}

// BlockAmount returns what block i (from 0) of a mint year of blocks
// blocks and annual amount annual mints before the ceiling:
// floor(annual×(i+1)/blocks) − floor(annual×i/blocks), so that blocks
// 0 … blocks−1 mint exactly annual. It returns 0 for i ≥ blocks or
// blocks = 0.
func BlockAmount(annual, blocks, i uint64) uint64 {
	if blocks == 0 || i >= blocks {
		return 0
	}
	return mulDiv(annual, i+1, blocks) - mulDiv(annual, i, blocks)
}

// mulDiv returns floor(a × b / c) for c > 0 and a result below 2^64
// (true for every use here: b ≤ c).
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		panic(fmt.Sprintf("mint: %d × %d / %d overflows", a, b, c)) // callers keep b ≤ c
	}
	q, _ := bits.Div64(hi, lo, c)
	return q
}

// Year returns the running mint year; ok is false before the first block
// that minted (or with inflation 0 ever since genesis).
func (k Keeper) Year(st store.KVStore) (y YearState, ok bool) {
	b := st.Get(YearKey())
	if b == nil {
		return YearState{}, false
	}
	y, err := DecodeYear(b)
	if err != nil {
		panic(fmt.Sprintf("mint: corrupt state: %v", err))
	}
	return y, true
}

// BlockHook mints the block's inflation at height, as the package
// documentation describes, and splits it; it emits EventMinted when it
// mints anything. It runs after the block's transactions. It panics only
// on a broken invariant (a mint that overflows the supply, which the
// ceiling rules out).
func (k Keeper) BlockHook(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64) {
	if p.MintInflationBps == 0 {
		return
	}
	blocks := BlocksPerYear(p.MintBlockTimeMs)
	y, ok := k.Year(st)
	if !ok || height < y.StartHeight || uint64(height-y.StartHeight) >= y.Blocks ||
		y.InflationBps != p.MintInflationBps || y.BlockTimeMs != p.MintBlockTimeMs {
		y = YearState{
			StartHeight:  height,
			Annual:       AnnualAmount(k.bank.Supply(st), p.MintInflationBps),
			Blocks:       blocks,
			InflationBps: p.MintInflationBps,
			BlockTimeMs:  p.MintBlockTimeMs,
		}
		st.Set(YearKey(), EncodeYear(y))
	}
	amount := BlockAmount(y.Annual, y.Blocks, uint64(height-y.StartHeight))
	supply := k.bank.Supply(st)
	if supply >= p.MintSupplyCeiling {
		return
	}
	amount = min(amount, p.MintSupplyCeiling-supply)
	if amount == 0 {
		return
	}
	rewards := mulDiv(amount, uint64(p.MintRewardsBps), 10_000)
	miners := mulDiv(amount, uint64(p.MintMinersBps), 10_000)
	toTreasury := amount - rewards - miners
	for _, m := range []struct {
		to     address.Address
		amount uint64
	}{
		{bank.ModuleAddress(RewardsAccount), rewards},
		{bank.ModuleAddress(MiningRewardsAccount), miners},
		{treasury.Address(), toTreasury},
	} {
		if err := k.bank.Mint(st, ev, m.to, m.amount); err != nil {
			panic(fmt.Sprintf("mint: block %d: %v", height, err))
		}
	}
	ev.Emit(EventMinted{Height: height, Amount: amount, Rewards: rewards, Miners: miners, Treasury: toTreasury, Supply: k.bank.Supply(st)})
}

// CollectFee charges a fee of amount ucell to payer and splits it by p:
// floor(amount × fee_burn_bps / 10,000) burned, floor(amount ×
// fee_validator_bps / 10,000) to RewardsAccount, the rest to the
// treasury; it emits EventFee. A fee of 0 does nothing. Errors:
// bank.ErrInsufficientFunds when payer holds less than amount; nothing is
// written on error.
func (k Keeper) CollectFee(st store.KVStore, ev *event.Log, p *ledgerpb.Params, payer address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	if bal := k.bank.Balance(st, payer); bal < amount {
		return fmt.Errorf("fee %d ucell: %w", amount,
			bank.ErrInsufficientFunds.Errorf("insufficient funds: %s holds %d ucell, needs %d ucell", payer, bal, amount))
	}
	burn, validators, toTreasury := FeeSplit(p, amount)
	// The balance covers the three parts, and the supply bounds every
	// module's balance, so this cannot fail. One debit of the payer
	// (bank.PayFee), with the events of a burn and two moves.
	if err := k.bank.PayFee(st, ev, payer, burn, bank.Share{Module: RewardsAccount, Amount: validators},
		bank.Share{Module: treasury.ModuleName, Amount: toTreasury}); err != nil {
		panic(fmt.Sprintf("mint: fee: %v", err))
	}
	ev.Emit(EventFee{Payer: payer, Amount: amount, Burned: burn, Validators: validators, Treasury: toTreasury})
	return nil
}

// BlockFees sums the parts of the transaction fees a block charged
// (ChargeFee) that it has not yet settled (SettleFees), in ucell; it
// also carries the parts of one fee (ChargeFee's result). The
// block's executor keeps one in memory from its first transaction to its
// end-block hook; its zero value is a block that charged nothing.
type BlockFees struct {
	Burned, Validators, Treasury uint64
}

// add counts a fee's split; the sums are bounded by the supply, since
// each part was deducted from a balance.
func (f *BlockFees) add(burn, validators, toTreasury uint64) {
	var c1, c2, c3 uint64
	f.Burned, c1 = bits.Add64(f.Burned, burn, 0)
	f.Validators, c2 = bits.Add64(f.Validators, validators, 0)
	f.Treasury, c3 = bits.Add64(f.Treasury, toTreasury, 0)
	if c1|c2|c3 != 0 {
		panic("mint: corrupt state: a block's fees overflow the supply")
	}
}

// ChargeFee is CollectFee for a transaction's fee (auth's ante handler):
// the fee is split alike, but only the payer's balance is written now
// (bank.Keeper.DeductFee); the parts are added to fees, which SettleFees
// burns and credits at the end of the block. It emits no event: it
// returns the fee's parts (burned, to validators, to the treasury; they
// add up to amount), which the transaction's own event reports
// (auth.EventTx), so that a transfer costs one event fewer. A fee of 0
// does nothing and returns zero parts. Errors: bank.ErrInsufficientFunds
// when payer holds less than amount; nothing is written or added on
// error.
func (k Keeper) ChargeFee(st store.KVStore, p *ledgerpb.Params, payer address.Address, amount uint64, fees *BlockFees) (BlockFees, error) {
	if amount == 0 {
		return BlockFees{}, nil
	}
	if err := k.bank.DeductFee(st, payer, amount); err != nil {
		return BlockFees{}, fmt.Errorf("fee %d ucell: %w", amount, err)
	}
	burn, validators, toTreasury := FeeSplit(p, amount)
	fees.add(burn, validators, toTreasury)
	return BlockFees{Burned: burn, Validators: validators, Treasury: toTreasury}, nil
}

// SettleFees settles the fees a block charged (ChargeFee), in its
// end-block hook before minting: fees.Burned ucell leave the supply,
// fees.Validators reach RewardsAccount and fees.Treasury the treasury,
// and EventFeesSettled reports the three sums. A block that charged
// nothing writes and emits nothing. After it, the supply is again Σ
// balances (bank's invariant), exactly as if each fee had been split when
// charged, and what reached RewardsAccount is allocated at the start of
// the next block (see the package doc).
func (k Keeper) SettleFees(st store.KVStore, ev *event.Log, height int64, fees BlockFees) {
	if fees == (BlockFees{}) {
		return
	}
	k.bank.SettleFees(st, fees.Burned, bank.Share{Module: RewardsAccount, Amount: fees.Validators},
		bank.Share{Module: treasury.ModuleName, Amount: fees.Treasury})
	ev.Emit(EventFeesSettled{Height: height, Burned: fees.Burned, Validators: fees.Validators, Treasury: fees.Treasury})
}

// CollectModuleFee is CollectFee with a module account as the payer: the
// market's network fee, taken from escrow at every payout (market.md:
// "the network fee"), is split like any fee. EventFee names the module's
// address as the payer. Errors: bank.ErrInsufficientFunds when the module
// holds less than amount; nothing is written on error.
func (k Keeper) CollectModuleFee(st store.KVStore, ev *event.Log, p *ledgerpb.Params, module string, amount uint64) error {
	return k.CollectFee(st, ev, p, bank.ModuleAddress(module), amount)
}

// FeeSplit returns how a fee of amount ucell is split by p: burned,
// to "rewards", to the treasury; the three add up to amount.
func FeeSplit(p *ledgerpb.Params, amount uint64) (burn, validators, toTreasury uint64) {
	burn = mulDiv(amount, uint64(p.FeeBurnBps), 10_000)
	validators = mulDiv(amount, uint64(p.FeeValidatorBps), 10_000)
	return burn, validators, amount - burn - validators
}

// Validate checks the mint_* and fee_* params:
//
//   - mint_inflation_bps at most 10,000 (100 % a year);
//   - when mint_inflation_bps > 0: mint_block_time_ms in [1, MsPerYear]
//     and mint_supply_ceiling at least 1;
//   - mint_rewards_bps + mint_miners_bps at most 10,000;
//   - fee_burn_bps + fee_validator_bps at most 10,000.
//
// With mint_inflation_bps 0 the other mint_* params may be 0.
func Validate(p *ledgerpb.Params) error {
	switch {
	case p.MintInflationBps > 10_000:
		return fmt.Errorf("params: mint_inflation_bps %d: must be at most 10000", p.MintInflationBps)
	case p.MintInflationBps > 0 && (p.MintBlockTimeMs < 1 || p.MintBlockTimeMs > MsPerYear):
		return fmt.Errorf("params: mint_block_time_ms %d: must be in [1, %d] when mint_inflation_bps is above 0", p.MintBlockTimeMs, uint64(MsPerYear))
	case p.MintInflationBps > 0 && p.MintSupplyCeiling < 1:
		return fmt.Errorf("params: mint_supply_ceiling 0: must be at least 1 when mint_inflation_bps is above 0")
	case uint64(p.MintRewardsBps)+uint64(p.MintMinersBps) > 10_000:
		return fmt.Errorf("params: mint_rewards_bps %d + mint_miners_bps %d: must be at most 10000", p.MintRewardsBps, p.MintMinersBps)
	case uint64(p.FeeBurnBps)+uint64(p.FeeValidatorBps) > 10_000:
		return fmt.Errorf("params: fee_burn_bps %d + fee_validator_bps %d: must be at most 10000", p.FeeBurnBps, p.FeeValidatorBps)
	}
	return nil
}

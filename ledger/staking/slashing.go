package staking

import (
	"fmt"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// Vote is one validator's entry in the commit of the previous block, as
// CometBFT reports it (decided_last_commit).
type Vote struct {
	// ConsensusAddress is the CometBFT validator address.
	ConsensusAddress address.Address
	// Power is the validator's voting power in that block.
	Power int64
	// Signed reports that its precommit for the block is in the commit.
	Signed bool
}

// OperatorOf returns the operator of the validator whose consensus
// address is consAddr, and false if there is none.
func OperatorOf(st store.KVStore, consAddr address.Address) (address.Address, bool) {
	b := st.Get(ConsensusKey(consAddr))
	if b == nil {
		return address.Address{}, false
	}
	return address.Address(b), true
}

// BeginBlock runs at the start of the block at height: it applies the
// evidence in the order given (double signs), then counts the previous
// block's votes in each voter's downtime window, then pays back every
// unbonding entry and ends every redelegation entry that completes at or
// before height. It touches only the voters and the entries due. It
// panics only on a broken invariant.
func (k Keeper) BeginBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, evidence []Evidence, votes []Vote) {
	for _, e := range evidence {
		k.doubleSign(st, ev, p, e)
	}
	for _, vote := range votes {
		k.countVote(st, ev, p, height, vote)
	}
	for _, e := range k.unbondings(st, UnbondingPrefix(), UnbondingEnd(height)) {
		del := address.Address(e.Delegator)
		if len(e.Delegator) == 0 {
			del = address.Address(e.Operator)
		}
		if err := k.bank.MoveFromModule(st, ev, UnbondingPool, del, e.Amount); err != nil {
			panic(fmt.Sprintf("staking: unbonding pool below its entries: %v", err))
		}
		e.Amount = 0
		setUnbonding(st, e)
		ev.Emit(EventUnbondingComplete{Operator: del, Amount: e.Amount})
	}
	for _, e := range k.redelegations(st, RedelegationPrefix(), RedelegationEnd(height)) {
		del, src, dst := address.Address(e.Delegator), address.Address(e.SrcValidator), address.Address(e.DstValidator)
		st.Delete(RedelegationKey(e.CompletionHeight, src, e.CreationHeight, del, dst))
		st.Delete(RedelegatedKey(del, dst, e.CompletionHeight))
		st.Delete(RedelegationBySrcKey(src, e.CreationHeight, e.CompletionHeight, del, dst))
	}
}

// fraction returns amount × bps / 10000, rounded down, without overflow.
func fraction(amount uint64, bps uint32) uint64 {
	hi, lo := bits.Mul64(amount, uint64(bps))
	q, _ := bits.Div64(hi, lo, 10_000) // hi < 10000 because bps <= 10000
	return q
}

func (k Keeper) doubleSign(st store.KVStore, ev *event.Log, p *ledgerpb.Params, e Evidence) {
	op, ok := OperatorOf(st, e.ConsensusAddress)
	if !ok {
		return // not one of ours (or not yet): CometBFT's evidence, nothing to slash
	}
	v := k.Validator(st, op)
	if v == nil || v.Tombstoned {
		return // already slashed for a double sign: evidence counts once
	}
	total := k.slash(st, ev, v, e.Height, p.SlashFractionBps)
	wasJailed := v.Jailed
	v.Jailed, v.Tombstoned = true, true
	k.setValidator(st, v)
	ev.Emit(EventSlash{Operator: op, ConsensusAddress: e.ConsensusAddress, InfractionHeight: e.Height, Amount: total})
	if !wasJailed {
		ev.Emit(EventJail{Operator: op})
	}
}

// slash burns bps of v's bonded stake (which every delegation shares),
// of the unbonding entries from v created at or after infraction, and of
// the stake redelegated from v at or after infraction (taken from the
// destination delegation), all rounded down; it stores v and returns
// the ucell burned.
func (k Keeper) slash(st store.KVStore, ev *event.Log, v *ledgerpb.Validator, infraction int64, bps uint32) uint64 {
	op := address.Address(v.Operator)
	burn := fraction(v.Bonded, bps)
	if err := k.bank.BurnFromModule(st, ev, BondedPool, burn); err != nil {
		panic(fmt.Sprintf("staking: bonded pool below a validator's stake: %v", err))
	}
	v.Bonded -= burn
	k.setValidator(st, v)
	total := burn
	for _, u := range k.unbondingsFrom(st, op, infraction) {
		cut := fraction(u.Amount, bps)
		if err := k.bank.BurnFromModule(st, ev, UnbondingPool, cut); err != nil {
			panic(fmt.Sprintf("staking: unbonding pool below its entries: %v", err))
		}
		u.Amount -= cut
		setUnbonding(st, u)
		total += cut
	}
	for _, r := range k.redelegationsFrom(st, op, infraction) {
		total += k.slashRedelegation(st, ev, r, fraction(r.Amount, bps))
	}
	return total
}

// slashRedelegation burns cut ucell of the stake r moved: from the
// delegation at the destination first, then from the delegator's
// unbonding entries from the destination created since the redelegation
// (so that undelegating at once does not escape the source's fault). It
// returns the ucell burned.
func (k Keeper) slashRedelegation(st store.KVStore, ev *event.Log, r *ledgerpb.RedelegationEntry, cut uint64) uint64 {
	dstOp, del := address.Address(r.DstValidator), address.Address(r.Delegator)
	var burned uint64
	if dst, d := k.Validator(st, dstOp), k.Delegation(st, dstOp, del); dst != nil && d != nil && min(cut, TokensOf(dst, d.Shares)) > 0 {
		taken, err := k.removeTokens(st, ev, dst, del, min(cut, TokensOf(dst, d.Shares)))
		if err != nil {
			panic(fmt.Sprintf("staking: slash of a redelegation: %v", err))
		}
		if err := k.bank.BurnFromModule(st, ev, BondedPool, taken); err != nil {
			panic(fmt.Sprintf("staking: bonded pool below a validator's stake: %v", err))
		}
		burned = taken
	}
	for _, u := range k.unbondingsFrom(st, dstOp, r.CreationHeight) {
		if burned >= cut {
			break
		}
		if address.Address(u.Delegator) != del {
			continue
		}
		take := min(cut-burned, u.Amount)
		if err := k.bank.BurnFromModule(st, ev, UnbondingPool, take); err != nil {
			panic(fmt.Sprintf("staking: unbonding pool below its entries: %v", err))
		}
		u.Amount -= take
		setUnbonding(st, u)
		burned += take
	}
	return burned
}

// countVote records whether the voter signed in its sliding window of
// staking_signed_blocks_window blocks (nothing if the window is 0); a
// validator that missed more than the window allows
// (staking_min_signed_bps) after a full window is slashed
// staking_downtime_slash_bps, jailed until height +
// staking_downtime_jail_blocks, and its window restarts.
func (k Keeper) countVote(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, vote Vote) {
	window := p.StakingSignedBlocksWindow
	if window == 0 {
		return
	}
	op, ok := OperatorOf(st, vote.ConsensusAddress)
	if !ok {
		return
	}
	v := k.Validator(st, op)
	if v == nil || v.Jailed {
		return
	}
	info := &ledgerpb.SigningInfo{}
	if b := st.Get(SigningKey(op)); b != nil {
		codec.MustUnmarshal(b, info)
	}
	idx := info.Counter % window
	was := st.Has(MissedKey(op, idx))
	switch {
	case was && vote.Signed:
		st.Delete(MissedKey(op, idx))
		info.Missed--
	case !was && !vote.Signed:
		st.Set(MissedKey(op, idx), []byte{1})
		info.Missed++
	}
	info.Counter++
	maxMissed := window - window*uint64(p.StakingMinSignedBps)/10_000
	if info.Counter < window || info.Missed <= maxMissed {
		st.Set(SigningKey(op), codec.Marshal(info))
		return
	}
	missed := info.Missed
	total := k.slash(st, ev, v, height-1, p.StakingDowntimeSlashBps)
	v.Jailed = true
	v.JailedUntil = height + int64(p.StakingDowntimeJailBlocks)
	k.setValidator(st, v)
	var keys [][]byte
	it := st.Iterator(MissedPrefix(op), store.PrefixEnd(MissedPrefix(op)))
	for ; it.Valid(); it.Next() {
		keys = append(keys, it.Key())
	}
	it.Close()
	for _, key := range keys {
		st.Delete(key)
	}
	st.Delete(SigningKey(op))
	ev.Emit(EventSlash{Operator: op, ConsensusAddress: vote.ConsensusAddress, InfractionHeight: height - 1, Amount: total})
	ev.Emit(EventJail{Operator: op})
	ev.Emit(EventDowntime{Operator: op, Missed: missed, JailedUntil: v.JailedUntil})
}

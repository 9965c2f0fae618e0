package staking

import (
	"bytes"
	"fmt"
	"math"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// Delegation is a delegator's stake at one validator, for readers such as
// governance.
type Delegation struct {
	// Validator is the operator address of the validator.
	Validator address.Address
	// Shares of the validator's delegator_shares.
	Shares uint64
	// Tokens is what the shares are worth now, in ucell (rounded down).
	Tokens uint64
}

// BondedValidators returns every unjailed validator with bonded stake
// (its delegations included), ordered by operator address.
func BondedValidators(st store.KVStore) []*ledgerpb.Validator {
	var out []*ledgerpb.Validator
	for _, v := range (Keeper{}).Validators(st) {
		if !v.Jailed && v.Bonded > 0 {
			out = append(out, v)
		}
	}
	return out
}

// TotalBonded returns the stake bonded to unjailed validators, in ucell.
func TotalBonded(st store.KVStore) uint64 {
	var total uint64
	for _, v := range BondedValidators(st) {
		total += v.Bonded // bounded by the supply
	}
	return total
}

// DelegationsOf returns delegator's delegations, ordered by validator.
func DelegationsOf(st store.KVStore, delegator address.Address) []Delegation {
	var out []Delegation
	k := Keeper{}
	it := st.Iterator(DelegatorPrefix(delegator), store.PrefixEnd(DelegatorPrefix(delegator)))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		op := address.Address(it.Key()[len(prefixDelegator)+address.Size:])
		d, v := k.Delegation(st, op, delegator), k.Validator(st, op)
		if d == nil || v == nil {
			panic(fmt.Sprintf("staking: corrupt state: index of a missing delegation of %s to %s", delegator, op))
		}
		out = append(out, Delegation{Validator: op, Shares: d.Shares, Tokens: TokensOf(v, d.Shares)})
	}
	return out
}

// TokensOf returns what shares of v are worth, in ucell, rounded down.
func TokensOf(v *ledgerpb.Validator, shares uint64) uint64 {
	if v.DelegatorShares == 0 {
		return 0
	}
	t, _ := mulDiv(shares, v.Bonded, v.DelegatorShares) // shares <= delegator_shares: no overflow
	return t
}

// mulDiv returns a × b / c rounded down, and false if it overflows.
func mulDiv(a, b, c uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, _ := bits.Div64(hi, lo, c)
	return q, true
}

// mulDivUp returns a × b / c rounded up, and false if it overflows.
func mulDivUp(a, b, c uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	if hi >= c {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, c)
	if r != 0 {
		if q == math.MaxUint64 {
			return 0, false
		}
		q++
	}
	return q, true
}

// Delegation returns delegator's delegation to operator's validator, or
// nil.
func (k Keeper) Delegation(st store.KVStore, operator, delegator address.Address) *ledgerpb.Delegation {
	b := st.Get(DelegationKey(operator, delegator))
	if b == nil {
		return nil
	}
	d := &ledgerpb.Delegation{}
	codec.MustUnmarshal(b, d)
	return d
}

// Delegations returns the delegations to operator's validator, ordered by
// delegator.
func (k Keeper) Delegations(st store.KVStore, operator address.Address) []*ledgerpb.Delegation {
	var out []*ledgerpb.Delegation
	it := st.Iterator(DelegationPrefix(operator), store.PrefixEnd(DelegationPrefix(operator)))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		d := &ledgerpb.Delegation{}
		codec.MustUnmarshal(it.Value(), d)
		out = append(out, d)
	}
	return out
}

// Redelegations returns every redelegation entry still slashable at its
// source, ordered by completion height.
func (k Keeper) Redelegations(st store.KVStore) []*ledgerpb.RedelegationEntry {
	return k.redelegations(st, RedelegationPrefix(), store.PrefixEnd(RedelegationPrefix()))
}

func (k Keeper) redelegations(st store.KVStore, start, end []byte) []*ledgerpb.RedelegationEntry {
	var out []*ledgerpb.RedelegationEntry
	it := st.Iterator(start, end)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		e := &ledgerpb.RedelegationEntry{}
		codec.MustUnmarshal(it.Value(), e)
		out = append(out, e)
	}
	return out
}

func (k Keeper) setDelegation(st store.KVStore, d *ledgerpb.Delegation) {
	op, del := address.Address(d.Validator), address.Address(d.Delegator)
	if d.Shares == 0 {
		st.Delete(DelegationKey(op, del))
		st.Delete(DelegatorKey(del, op))
		return
	}
	st.Set(DelegationKey(op, del), codec.Marshal(d))
	st.Set(DelegatorKey(del, op), []byte{})
}

func (k Keeper) beforeChange(st store.KVStore, ev *event.Log, op, del address.Address) error {
	if k.hooks == nil {
		return nil
	}
	return k.hooks.BeforeDelegationChange(st, ev, op, del)
}

// addShares adds amount ucell, already in the bonded pool or moved there
// by the caller, to v for delegator, issuing shares at v's rate, and
// stores v. It returns the shares issued.
func (k Keeper) addShares(st store.KVStore, ev *event.Log, v *ledgerpb.Validator, del address.Address, amount uint64) (uint64, error) {
	op := address.Address(v.Operator)
	shares := amount
	if v.DelegatorShares > 0 {
		if v.Bonded == 0 {
			return 0, ErrInvalidAmount.Errorf("validator %s: its stake was slashed to 0: it takes no delegation", op)
		}
		var ok bool
		if shares, ok = mulDiv(amount, v.DelegatorShares, v.Bonded); !ok {
			return 0, ErrInvalidAmount.Errorf("amount %d ucell: shares overflow", amount)
		}
	}
	if shares == 0 {
		return 0, ErrInvalidAmount.Errorf("amount %d ucell: worth less than one share of validator %s", amount, op)
	}
	bonded, c1 := bits.Add64(v.Bonded, amount, 0)
	total, c2 := bits.Add64(v.DelegatorShares, shares, 0)
	if c1 != 0 || c2 != 0 {
		return 0, ErrInvalidAmount.Errorf("amount %d ucell: validator %s's stake overflows", amount, op)
	}
	if err := k.beforeChange(st, ev, op, del); err != nil {
		return 0, err
	}
	d := k.Delegation(st, op, del)
	if d == nil {
		d = &ledgerpb.Delegation{Delegator: del.Bytes(), Validator: op.Bytes()}
	}
	d.Shares += shares // <= total
	v.Bonded, v.DelegatorShares = bonded, total
	k.setDelegation(st, d)
	k.setValidator(st, v)
	return shares, nil
}

// delegate moves amount from del's balance to the bonded pool and adds it
// to v's stake for del.
func (k Keeper) delegate(st store.KVStore, ev *event.Log, v *ledgerpb.Validator, del address.Address, amount uint64) error {
	if amount == 0 {
		return ErrInvalidAmount.Errorf("amount 0: must be positive")
	}
	if _, carry := bits.Add64(v.Bonded, amount, 0); carry != 0 {
		return ErrInvalidAmount.Errorf("amount %d ucell: bonded stake overflows", amount)
	}
	if err := k.bank.MoveToModule(st, ev, del, BondedPool, amount); err != nil {
		return err
	}
	_, err := k.addShares(st, ev, v, del, amount)
	return err
}

// removeTokens takes amount ucell of del's delegation out of v (still in
// the bonded pool) and stores v. If the shares that amount needs (rounded
// up) are all of the delegation, it takes all the delegation is worth,
// which is at least amount. It returns the ucell taken.
func (k Keeper) removeTokens(st store.KVStore, ev *event.Log, v *ledgerpb.Validator, del address.Address, amount uint64) (uint64, error) {
	op := address.Address(v.Operator)
	d := k.Delegation(st, op, del)
	if d == nil {
		return 0, ErrNoDelegation.Errorf("%s has no delegation to validator %s", del, op)
	}
	worth := TokensOf(v, d.Shares)
	if amount > worth {
		return 0, ErrInsufficientBond.Errorf("amount %d ucell: the delegation of %s to %s is worth %d ucell", amount, del, op, worth)
	}
	shares, ok := mulDivUp(amount, v.DelegatorShares, v.Bonded)
	if !ok || shares >= d.Shares {
		shares, amount = d.Shares, worth
		if d.Shares == v.DelegatorShares {
			amount = v.Bonded // the last delegation takes the dust
		}
	}
	if err := k.beforeChange(st, ev, op, del); err != nil {
		return 0, err
	}
	d.Shares -= shares
	v.DelegatorShares -= shares
	v.Bonded -= amount
	k.setDelegation(st, d)
	k.setValidator(st, v)
	return amount, nil
}

// undelegate takes amount of del's delegation to v into an unbonding
// entry completing at height + unbonding_blocks and returns what it took.
func (k Keeper) undelegate(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, v *ledgerpb.Validator, del address.Address, amount uint64) (uint64, int64, error) {
	if height < 1 || height > math.MaxInt64-int64(p.UnbondingBlocks) {
		panic(fmt.Sprintf("staking: unbond at height %d", height)) // heights come from CometBFT
	}
	taken, err := k.removeTokens(st, ev, v, del, amount)
	if err != nil {
		return 0, 0, err
	}
	completion := height + int64(p.UnbondingBlocks)
	if err := k.bank.MoveBetweenModules(st, ev, BondedPool, UnbondingPool, taken); err != nil {
		panic(fmt.Sprintf("staking: bonded pool below a validator's stake: %v", err)) // broken invariant
	}
	op := address.Address(v.Operator)
	e := &ledgerpb.UnbondingEntry{Operator: op.Bytes(), Delegator: del.Bytes(), CreationHeight: height, CompletionHeight: completion}
	if b := st.Get(UnbondingKey(completion, op, height, del)); b != nil {
		codec.MustUnmarshal(b, e) // a second unbond in the same block
	}
	e.Amount += taken // bounded by the supply
	setUnbonding(st, e)
	return taken, completion, nil
}

// setUnbonding stores e and its index key, or deletes both if its amount
// is 0.
func setUnbonding(st store.KVStore, e *ledgerpb.UnbondingEntry) {
	op, del := address.Address(e.Operator), address.Address(e.Delegator)
	key := UnbondingKey(e.CompletionHeight, op, e.CreationHeight, del)
	index := UnbondingByValidatorKey(op, e.CreationHeight, e.CompletionHeight, del)
	if e.Amount == 0 {
		st.Delete(key)
		st.Delete(index)
		return
	}
	st.Set(key, codec.Marshal(e))
	st.Set(index, []byte{})
}

// unbondingsFrom returns the unbonding entries from operator's validator
// created at or after height, by creation height.
func (k Keeper) unbondingsFrom(st store.KVStore, operator address.Address, height int64) []*ledgerpb.UnbondingEntry {
	var out []*ledgerpb.UnbondingEntry
	prefix := UnbondingByValidatorPrefix(operator)
	it := st.Iterator(store.Key(prefix, store.Uint64(uint64(max(height, 0)))), store.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		creation, _ := store.ParseUint64(rest[:8])
		completion, _ := store.ParseUint64(rest[8:16])
		b := st.Get(UnbondingKey(int64(completion), operator, int64(creation), address.Address(rest[16:])))
		if b == nil {
			panic(fmt.Sprintf("staking: corrupt state: index of a missing unbonding entry %x", it.Key()))
		}
		e := &ledgerpb.UnbondingEntry{}
		codec.MustUnmarshal(b, e)
		out = append(out, e)
	}
	return out
}

// redelegationsFrom returns the redelegation entries out of src's
// validator created at or after height, by creation height.
func (k Keeper) redelegationsFrom(st store.KVStore, src address.Address, height int64) []*ledgerpb.RedelegationEntry {
	var out []*ledgerpb.RedelegationEntry
	prefix := RedelegationBySrcPrefix(src)
	it := st.Iterator(store.Key(prefix, store.Uint64(uint64(max(height, 0)))), store.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		rest := it.Key()[len(prefix):]
		creation, _ := store.ParseUint64(rest[:8])
		completion, _ := store.ParseUint64(rest[8:16])
		del, dst := address.Address(rest[16:36]), address.Address(rest[36:56])
		b := st.Get(RedelegationKey(int64(completion), src, int64(creation), del, dst))
		if b == nil {
			panic(fmt.Sprintf("staking: corrupt state: index of a missing redelegation entry %x", it.Key()))
		}
		e := &ledgerpb.RedelegationEntry{}
		codec.MustUnmarshal(b, e)
		out = append(out, e)
	}
	return out
}

// selfBond returns what the operator's own delegation to v is worth.
func (k Keeper) selfBond(st store.KVStore, v *ledgerpb.Validator) uint64 {
	op := address.Address(v.Operator)
	d := k.Delegation(st, op, op)
	if d == nil {
		return 0
	}
	return TokensOf(v, d.Shares)
}

// ValidateBond checks a MsgBond without state: a 20-byte validator
// (ErrInvalidAddress), a positive amount (ErrInvalidAmount).
func ValidateBond(m *ledgerpb.MsgBond) error {
	if len(m.Validator) != address.Size {
		return ErrInvalidAddress.Errorf("bond: validator: must be %d bytes, got %d", address.Size, len(m.Validator))
	}
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("bond: amount 0: must be positive")
	}
	return nil
}

// ValidateUnbond checks a MsgUnbond without state: a positive amount
// (ErrInvalidAmount).
func ValidateUnbond(m *ledgerpb.MsgUnbond) error {
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("unbond: amount 0: must be positive")
	}
	return nil
}

// Bond executes a MsgBond signed by signer: ValidateBond's rules, then the
// validator must be the signer's (ErrNotOperator; others use
// MsgDelegate), exist (ErrNoValidator) and not be jailed (ErrJailed), the
// operator's self-delegation after the bond must be worth at least
// min_self_bond (ErrSelfBondTooLow; it matters after a full unbond), and
// the balance must cover the amount (bank.ErrInsufficientFunds). The
// amount joins the operator's self-delegation.
func (k Keeper) Bond(st store.KVStore, ev *event.Log, p *ledgerpb.Params, signer address.Address, m *ledgerpb.MsgBond) error {
	if err := ValidateBond(m); err != nil {
		return err
	}
	op := address.Address(m.Validator)
	if op != signer {
		return ErrNotOperator.Errorf("bond: validator %s: only its operator may bond to it (others delegate)", op)
	}
	v := k.Validator(st, op)
	switch {
	case v == nil:
		return ErrNoValidator.Errorf("bond: validator %s: does not exist", op)
	case v.Jailed:
		return ErrJailed.Errorf("bond: validator %s: is jailed", op)
	}
	if err := k.delegate(st, ev, v, op, m.Amount); err != nil {
		return fmt.Errorf("staking: bond: %w", err)
	}
	if self := k.selfBond(st, v); self < p.MinSelfBond {
		return ErrSelfBondTooLow.Errorf("bond: bonded would be %d ucell: must be at least min_self_bond %d ucell", self, p.MinSelfBond)
	}
	ev.Emit(EventBond{Operator: op, Amount: m.Amount, Bonded: v.Bonded})
	return nil
}

// Unbond executes a MsgUnbond signed by signer in the block at height:
// ValidateUnbond's rules, then the signer must operate a validator
// (ErrNoValidator) whose self-delegation is worth at least amount
// (ErrInsufficientBond), and what stays of it must be 0 or at least
// min_self_bond (ErrSelfBondTooLow). The amount completes at height +
// unbonding_blocks.
func (k Keeper) Unbond(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgUnbond) error {
	if err := ValidateUnbond(m); err != nil {
		return err
	}
	v := k.Validator(st, signer)
	if v == nil {
		return ErrNoValidator.Errorf("unbond: %s operates no validator", signer)
	}
	self := k.selfBond(st, v)
	if m.Amount > self {
		return ErrInsufficientBond.Errorf("unbond: amount %d ucell: only %d ucell bonded", m.Amount, self)
	}
	if rest := self - m.Amount; rest != 0 && rest < p.MinSelfBond {
		return ErrSelfBondTooLow.Errorf("unbond: would leave %d ucell bonded: must leave 0 or at least min_self_bond %d ucell", rest, p.MinSelfBond)
	}
	taken, completion, err := k.undelegate(st, ev, p, height, v, signer, m.Amount)
	if err != nil {
		return fmt.Errorf("staking: unbond: %w", err)
	}
	ev.Emit(EventUnbond{Operator: signer, Amount: taken, CompletionHeight: completion})
	return nil
}

func validateValidator(msg, field string, b []byte) error {
	if len(b) != address.Size {
		return ErrInvalidAddress.Errorf("%s: %s: must be %d bytes, got %d", msg, field, address.Size, len(b))
	}
	return nil
}

// ValidateDelegate checks a MsgDelegate without state: a 20-byte
// validator (ErrInvalidAddress), a positive amount (ErrInvalidAmount).
func ValidateDelegate(m *ledgerpb.MsgDelegate) error {
	if err := validateValidator("delegate", "validator", m.Validator); err != nil {
		return err
	}
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("delegate: amount 0: must be positive")
	}
	return nil
}

// Delegate executes a MsgDelegate signed by signer: ValidateDelegate's
// rules, then the validator must exist (ErrNoValidator) and not be jailed
// (ErrJailed), the amount must be worth at least one share
// (ErrInvalidAmount) and the balance must cover it
// (bank.ErrInsufficientFunds). Rewards the delegation earned so far are
// paid first (the hooks).
func (k Keeper) Delegate(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgDelegate) error {
	if err := ValidateDelegate(m); err != nil {
		return err
	}
	op := address.Address(m.Validator)
	v := k.Validator(st, op)
	switch {
	case v == nil:
		return ErrNoValidator.Errorf("delegate: validator %s: does not exist", op)
	case v.Jailed:
		return ErrJailed.Errorf("delegate: validator %s: is jailed", op)
	}
	before := v.DelegatorShares
	if err := k.delegate(st, ev, v, signer, m.Amount); err != nil {
		return fmt.Errorf("staking: delegate: %w", err)
	}
	ev.Emit(EventDelegate{Delegator: signer, Validator: op, Amount: m.Amount, Shares: v.DelegatorShares - before})
	return nil
}

// ValidateUndelegate checks a MsgUndelegate without state: a 20-byte
// validator (ErrInvalidAddress), a positive amount (ErrInvalidAmount).
func ValidateUndelegate(m *ledgerpb.MsgUndelegate) error {
	if err := validateValidator("undelegate", "validator", m.Validator); err != nil {
		return err
	}
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("undelegate: amount 0: must be positive")
	}
	return nil
}

// Undelegate executes a MsgUndelegate signed by signer in the block at
// height: ValidateUndelegate's rules, then the validator must exist
// (ErrNoValidator), the signer must delegate to it (ErrNoDelegation)
// at least amount (ErrInsufficientBond); an operator undelegating from its
// own validator keeps MsgUnbond's rule (0 or at least min_self_bond,
// ErrSelfBondTooLow). The amount completes at height + unbonding_blocks.
func (k Keeper) Undelegate(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgUndelegate) error {
	if err := ValidateUndelegate(m); err != nil {
		return err
	}
	op := address.Address(m.Validator)
	if op == signer {
		return k.Unbond(st, ev, p, height, signer, &ledgerpb.MsgUnbond{Amount: m.Amount})
	}
	v := k.Validator(st, op)
	if v == nil {
		return ErrNoValidator.Errorf("undelegate: validator %s: does not exist", op)
	}
	taken, completion, err := k.undelegate(st, ev, p, height, v, signer, m.Amount)
	if err != nil {
		return fmt.Errorf("staking: undelegate: %w", err)
	}
	ev.Emit(EventUndelegate{Delegator: signer, Validator: op, Amount: taken, CompletionHeight: completion})
	return nil
}

// ValidateRedelegate checks a MsgRedelegate without state: 20-byte
// validators (ErrInvalidAddress) that differ (ErrRedelegation), a
// positive amount (ErrInvalidAmount).
func ValidateRedelegate(m *ledgerpb.MsgRedelegate) error {
	if err := validateValidator("redelegate", "src_validator", m.SrcValidator); err != nil {
		return err
	}
	if err := validateValidator("redelegate", "dst_validator", m.DstValidator); err != nil {
		return err
	}
	if bytes.Equal(m.SrcValidator, m.DstValidator) {
		return ErrRedelegation.Errorf("redelegate: dst_validator: must differ from src_validator")
	}
	if m.Amount == 0 {
		return ErrInvalidAmount.Errorf("redelegate: amount 0: must be positive")
	}
	return nil
}

// Redelegate executes a MsgRedelegate signed by signer in the block at
// height: ValidateRedelegate's rules, then both validators must exist
// (ErrNoValidator), the destination must not be jailed (ErrJailed), the
// signer must delegate at least amount to the source (ErrNoDelegation,
// ErrInsufficientBond), must not be the source's operator (ErrNotOperator:
// operators unbond), and no stake of the signer may have reached the
// source by a redelegation still in its unbonding period
// (ErrRedelegation: no hop out of a fault's reach). The stake moves at
// once; a slash of the source for an infraction at or after height, up to
// height + unbonding_blocks, still takes its fraction of the amount from
// the destination delegation.
func (k Keeper) Redelegate(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgRedelegate) error {
	if err := ValidateRedelegate(m); err != nil {
		return err
	}
	srcOp, dstOp := address.Address(m.SrcValidator), address.Address(m.DstValidator)
	if srcOp == signer {
		return ErrNotOperator.Errorf("redelegate: src_validator %s: its operator's self-bond cannot be redelegated", srcOp)
	}
	src, dst := k.Validator(st, srcOp), k.Validator(st, dstOp)
	switch {
	case src == nil:
		return ErrNoValidator.Errorf("redelegate: src_validator %s: does not exist", srcOp)
	case dst == nil:
		return ErrNoValidator.Errorf("redelegate: dst_validator %s: does not exist", dstOp)
	case dst.Jailed:
		return ErrJailed.Errorf("redelegate: dst_validator %s: is jailed", dstOp)
	}
	it := st.Iterator(RedelegatedPrefix(signer, srcOp), store.PrefixEnd(RedelegatedPrefix(signer, srcOp)))
	hop := it.Valid()
	var until uint64
	if hop {
		until, _ = store.ParseUint64(it.Key()[len(it.Key())-8:])
	}
	it.Close()
	if hop {
		return ErrRedelegation.Errorf("redelegate: src_validator %s: the signer's stake reached it by a redelegation slashable until height %d: redelegate after it", srcOp, until)
	}
	if height < 1 || height > math.MaxInt64-int64(p.UnbondingBlocks) {
		panic(fmt.Sprintf("staking: redelegate at height %d", height))
	}
	taken, err := k.removeTokens(st, ev, src, signer, m.Amount)
	if err != nil {
		return fmt.Errorf("staking: redelegate: %w", err)
	}
	if _, err := k.addShares(st, ev, dst, signer, taken); err != nil {
		return fmt.Errorf("staking: redelegate: %w", err)
	}
	completion := height + int64(p.UnbondingBlocks)
	key := RedelegationKey(completion, srcOp, height, signer, dstOp)
	e := &ledgerpb.RedelegationEntry{Delegator: signer.Bytes(), SrcValidator: srcOp.Bytes(), DstValidator: dstOp.Bytes(), CreationHeight: height, CompletionHeight: completion}
	if b := st.Get(key); b != nil {
		codec.MustUnmarshal(b, e)
	}
	e.Amount += taken
	st.Set(key, codec.Marshal(e))
	st.Set(RedelegatedKey(signer, dstOp, completion), []byte{1})
	st.Set(RedelegationBySrcKey(srcOp, height, completion, signer, dstOp), []byte{})
	ev.Emit(EventRedelegate{Delegator: signer, Src: srcOp, Dst: dstOp, Amount: taken, CompletionHeight: completion})
	return nil
}

// Unjail executes a MsgUnjail signed by signer at height: the signer must
// operate a validator (ErrNoValidator) that is jailed (ErrNotJailed), not
// for a double sign (ErrTombstoned), whose jail period is over
// (ErrStillJailed) and whose self-bond is at least min_self_bond
// (ErrSelfBondTooLow).
func (k Keeper) Unjail(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address) error {
	v := k.Validator(st, signer)
	switch {
	case v == nil:
		return ErrNoValidator.Errorf("unjail: %s operates no validator", signer)
	case !v.Jailed:
		return ErrNotJailed.Errorf("unjail: validator %s: is not jailed", signer)
	case v.Tombstoned:
		return ErrTombstoned.Errorf("unjail: validator %s: double-signed: jailed for ever", signer)
	case height < v.JailedUntil:
		return ErrStillJailed.Errorf("unjail: validator %s: jailed until height %d, now %d", signer, v.JailedUntil, height)
	}
	if self := k.selfBond(st, v); self < p.MinSelfBond {
		return ErrSelfBondTooLow.Errorf("unjail: validator %s: self-bond %d ucell: must be at least min_self_bond %d ucell", signer, self, p.MinSelfBond)
	}
	v.Jailed = false
	k.setValidator(st, v)
	ev.Emit(EventUnjail{Operator: signer})
	return nil
}

// ValidateEditValidator checks a MsgEditValidator without state: a valid
// moniker if one is set (ErrInvalidMoniker), a commission of at most
// 10000 bps (ErrInvalidCommission).
func ValidateEditValidator(m *ledgerpb.MsgEditValidator) error {
	if m.Moniker != "" {
		if err := validateMoniker(m.Moniker); err != nil {
			return err
		}
	}
	if m.SetCommission && m.CommissionBps > 10_000 {
		return ErrInvalidCommission.Errorf("edit_validator: commission_bps %d: must be at most 10000", m.CommissionBps)
	}
	return nil
}

// EditValidator executes a MsgEditValidator signed by signer at height:
// ValidateEditValidator's rules, then the signer must operate a validator
// (ErrNoValidator); a new commission must be at most its
// max_commission_bps and differ from the current one by at most its
// max_change_bps (ErrInvalidCommission), and come at least
// staking_commission_change_blocks after the last change
// (ErrCommissionTooSoon).
func (k Keeper) EditValidator(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgEditValidator) error {
	if err := ValidateEditValidator(m); err != nil {
		return err
	}
	v := k.Validator(st, signer)
	if v == nil {
		return ErrNoValidator.Errorf("edit_validator: %s operates no validator", signer)
	}
	if m.Moniker != "" {
		v.Moniker = m.Moniker
	}
	if m.SetCommission {
		diff := int64(m.CommissionBps) - int64(v.CommissionBps)
		if diff < 0 {
			diff = -diff
		}
		switch {
		case m.CommissionBps > v.MaxCommissionBps:
			return ErrInvalidCommission.Errorf("edit_validator: commission_bps %d: must be at most max_commission_bps %d", m.CommissionBps, v.MaxCommissionBps)
		case diff > int64(v.MaxChangeBps):
			return ErrInvalidCommission.Errorf("edit_validator: commission_bps %d: differs from %d by more than max_change_bps %d", m.CommissionBps, v.CommissionBps, v.MaxChangeBps)
		case p.StakingCommissionChangeBlocks > 0 && height-v.CommissionChangedHeight < int64(p.StakingCommissionChangeBlocks):
			return ErrCommissionTooSoon.Errorf("edit_validator: commission_bps: last changed at height %d: next change from height %d", v.CommissionChangedHeight, v.CommissionChangedHeight+int64(p.StakingCommissionChangeBlocks))
		}
		v.CommissionBps = m.CommissionBps
		v.CommissionChangedHeight = height
	}
	k.setValidator(st, v)
	ev.Emit(EventEditValidator{Operator: signer, Moniker: v.Moniker, CommissionBps: v.CommissionBps})
	return nil
}

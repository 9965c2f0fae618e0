// Package distribution pays validators and their delegators the rewards
// that reach the "rewards" module account, by lazy accounting: the cost
// of a block does not depend on how many delegations there are.
//
// Rules (issue 14, item 1; the F1 fee distribution of Cosmos'
// x/distribution, with ratios per share instead of per token):
//
//   - At the start of each block (BeginBlock, before the transactions and
//     before staking's slashes), the ucell that arrived in "rewards" since
//     the last allocation (its balance less what is allocated and unpaid,
//     the "outstanding" total) go to the validators that signed the
//     previous block (CometBFT's decided_last_commit), by the voting power
//     the commit reports: validator i gets ⌊fresh × power_i / Σ power⌋.
//     What this rounding leaves stays in "rewards" and is allocated with
//     the next block's. Nothing is allocated when no known validator
//     signed.
//   - Of a validator's part, ⌊part × commission_bps / 10000⌋ is owed to
//     its operator (its commission); the rest belongs to its delegations
//     (the operator's self-delegation among them) in proportion to their
//     shares. A validator without delegator shares owes it all to its
//     operator.
//   - Each validator keeps a cumulative ratio: rewards per share since its
//     creation, in units of 10^-18 ucell (RatioScale). An allocation of r
//     ucell to S shares adds ⌊(r × RatioScale + carry) / S⌋ to it and keeps
//     the remainder as the new carry, so no fraction of an allocation is
//     lost. This is F1's period ratio with one period per allocation; as
//     shares, unlike tokens, do not change when a validator is slashed,
//     no slash events are needed.
//   - A delegation keeps the ratio at its last change (its start) and a
//     remainder below one ucell. What it is owed is remainder + shares ×
//     (ratio − start); ⌊owed / RatioScale⌋ ucell is paid and the rest kept
//     as the new remainder. Payment happens on MsgWithdrawRewards and, as
//     F1 requires, before any change of the delegation's shares (the
//     staking hooks): delegate, undelegate, redelegate, a slash of a
//     redelegation. The remainder survives the delegation's end (at most
//     one ucell per delegator and validator stays in "rewards").
//
// Rounding is the same for everyone and exact over time: a naive
// reference that, every block, adds shares × increment to every
// delegation's owed amount and pays ⌊owed / RatioScale⌋ on the same
// events pays the same ucell (reference_test.go).
package distribution

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// RewardsPool is the bank module account whose balance is allocated.
const RewardsPool = "rewards"

// RatioScale is the unit of reward ratios: 10^18 ratio units are one
// ucell per share.
const RatioScale = 1_000_000_000_000_000_000

var scale = big.NewInt(RatioScale)

// Bank is what distribution needs from the bank module.
type Bank interface {
	MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error
	ModuleBalance(st store.KVStore, module string) uint64
}

// Keeper is the distribution module; it holds only configuration.
type Keeper struct {
	bank    Bank
	staking staking.Keeper
}

// New returns the distribution module over bank, which must know the
// module account RewardsPool, reading validators and delegations from
// stk.
func New(bank Bank, stk staking.Keeper) Keeper { return Keeper{bank: bank, staking: stk} }

// Outstanding returns the ucell allocated and not yet paid.
func Outstanding(st store.KVStore) uint64 {
	b := st.Get(OutstandingKey())
	if b == nil {
		return 0
	}
	v, err := store.ParseUint64(b)
	if err != nil {
		panic(fmt.Sprintf("distribution: corrupt state: outstanding: %v", err))
	}
	return v
}

func setOutstanding(st store.KVStore, v uint64) {
	if v == 0 {
		st.Delete(OutstandingKey())
		return
	}
	st.Set(OutstandingKey(), store.Uint64(v))
}

func toBig(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

// ValidatorState returns the reward state of operator's validator (zero
// if it never earned).
func ValidatorState(st store.KVStore, operator address.Address) *ledgerpb.DistributionValidator {
	vr := &ledgerpb.DistributionValidator{}
	if b := st.Get(ValidatorKey(operator)); b != nil {
		codec.MustUnmarshal(b, vr)
	}
	return vr
}

func start(st store.KVStore, operator, delegator address.Address) (*ledgerpb.DistributionStart, bool) {
	s := &ledgerpb.DistributionStart{}
	b := st.Get(StartKey(operator, delegator))
	if b == nil {
		return s, false
	}
	codec.MustUnmarshal(b, s)
	return s, true
}

// BeginBlock allocates the fresh balance of RewardsPool to the signers of
// the previous block (see the package doc). It touches only the signers.
func (k Keeper) BeginBlock(st store.KVStore, ev *event.Log, votes []staking.Vote) {
	bal, out := k.bank.ModuleBalance(st, RewardsPool), Outstanding(st)
	if bal < out {
		panic(fmt.Sprintf("distribution: rewards pool %d ucell below outstanding %d ucell", bal, out))
	}
	fresh := bal - out
	if fresh == 0 {
		return
	}
	type signer struct {
		v     *ledgerpb.Validator
		power uint64
	}
	var signers []signer
	var total uint64
	for _, vote := range votes {
		if !vote.Signed || vote.Power <= 0 {
			continue
		}
		op, ok := staking.OperatorOf(st, vote.ConsensusAddress)
		if !ok {
			continue
		}
		v := k.staking.Validator(st, op)
		if v == nil {
			continue
		}
		signers = append(signers, signer{v, uint64(vote.Power)})
		total += uint64(vote.Power) // bounded by CometBFT's MaxTotalVotingPower
	}
	if total == 0 {
		return
	}
	var allocated uint64
	for _, s := range signers {
		hi, lo := bits.Mul64(fresh, s.power)
		part, _ := bits.Div64(hi, lo, total) // power <= total: hi < total
		k.allocate(st, ev, s.v, part)
		allocated += part
	}
	setOutstanding(st, out+allocated)
}

// allocate gives amount ucell, already in RewardsPool and not yet
// allocated, to validator v: its commission to the operator, the rest to
// its delegations' ratio. The caller counts it as outstanding.
func (k Keeper) allocate(st store.KVStore, ev *event.Log, v *ledgerpb.Validator, amount uint64) {
	op := address.Address(v.Operator)
	hi, lo := bits.Mul64(amount, uint64(v.CommissionBps))
	commission, _ := bits.Div64(hi, lo, 10_000)
	dels := amount - commission
	if v.DelegatorShares == 0 {
		commission, dels = amount, 0
	}
	vr := ValidatorState(st, op)
	vr.Commission += commission // bounded by the supply
	if dels > 0 {
		total := new(big.Int).Mul(new(big.Int).SetUint64(dels), scale)
		total.Add(total, toBig(vr.Carry))
		inc, carry := new(big.Int).QuoRem(total, new(big.Int).SetUint64(v.DelegatorShares), new(big.Int))
		vr.Ratio = new(big.Int).Add(toBig(vr.Ratio), inc).Bytes()
		vr.Carry = carry.Bytes()
	}
	st.Set(ValidatorKey(op), codec.Marshal(vr))
	ev.Emit(EventRewards{Validator: op, Amount: amount, Commission: commission})
}

// owed returns the rewards of shares from s to the ratio, in ratio units.
func owed(s *ledgerpb.DistributionStart, ratio []byte, shares uint64) *big.Int {
	diff := new(big.Int).Sub(toBig(ratio), toBig(s.Ratio))
	diff.Mul(diff, new(big.Int).SetUint64(shares))
	return diff.Add(diff, toBig(s.Remainder))
}

// Rewards returns what delegator's delegation to operator's validator
// would be paid now, in ucell.
func (k Keeper) Rewards(st store.KVStore, operator, delegator address.Address) uint64 {
	d := k.staking.Delegation(st, operator, delegator)
	s, ok := start(st, operator, delegator)
	if d == nil && !ok {
		return 0
	}
	var shares uint64
	if d != nil {
		shares = d.Shares
	}
	ratio := ValidatorState(st, operator).Ratio
	if !ok {
		s.Ratio = ratio
	}
	return new(big.Int).Quo(owed(s, ratio, shares), scale).Uint64()
}

// Commission returns the commission owed to operator, in ucell.
func Commission(st store.KVStore, operator address.Address) uint64 {
	return ValidatorState(st, operator).Commission
}

// withdraw pays delegator what its delegation to operator's validator is
// owed (see the package doc), restarts it at the validator's ratio and
// returns the ucell paid.
func (k Keeper) withdraw(st store.KVStore, ev *event.Log, operator, delegator address.Address) uint64 {
	var shares uint64
	if d := k.staking.Delegation(st, operator, delegator); d != nil {
		shares = d.Shares
	}
	ratio := ValidatorState(st, operator).Ratio
	s, ok := start(st, operator, delegator)
	if !ok {
		s.Ratio = ratio
	}
	total := owed(s, ratio, shares)
	paidBig, rem := new(big.Int).QuoRem(total, scale, new(big.Int))
	paid := paidBig.Uint64() // at most the outstanding total
	st.Set(StartKey(operator, delegator), codec.Marshal(&ledgerpb.DistributionStart{Ratio: ratio, Remainder: rem.Bytes()}))
	if paid == 0 {
		return 0
	}
	k.pay(st, ev, delegator, paid)
	ev.Emit(EventWithdrawRewards{Delegator: delegator, Validator: operator, Amount: paid})
	return paid
}

func (k Keeper) pay(st store.KVStore, ev *event.Log, to address.Address, amount uint64) {
	out := Outstanding(st)
	if amount > out {
		panic(fmt.Sprintf("distribution: paying %d ucell with %d outstanding", amount, out))
	}
	if err := k.bank.MoveFromModule(st, ev, RewardsPool, to, amount); err != nil {
		panic(fmt.Sprintf("distribution: rewards pool below outstanding: %v", err))
	}
	setOutstanding(st, out-amount)
}

// BeforeDelegationChange implements staking.Hooks: it pays what the
// delegation earned with its current shares and restarts it.
func (k Keeper) BeforeDelegationChange(st store.KVStore, ev *event.Log, operator, delegator address.Address) error {
	k.withdraw(st, ev, operator, delegator)
	return nil
}

// ValidateWithdrawRewards checks a MsgWithdrawRewards without state: a
// 20-byte validator (ErrInvalidAddress).
func ValidateWithdrawRewards(m *ledgerpb.MsgWithdrawRewards) error {
	if len(m.Validator) != address.Size {
		return ErrInvalidAddress.Errorf("withdraw_rewards: validator: must be %d bytes, got %d", address.Size, len(m.Validator))
	}
	return nil
}

// WithdrawRewards executes a MsgWithdrawRewards signed by signer:
// ValidateWithdrawRewards' rules, then the signer must delegate to the
// validator or operate it (ErrNothingToWithdraw). It pays the signer's
// delegation rewards and, to its operator, the validator's commission.
func (k Keeper) WithdrawRewards(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgWithdrawRewards) error {
	if err := ValidateWithdrawRewards(m); err != nil {
		return err
	}
	op := address.Address(m.Validator)
	d := k.staking.Delegation(st, op, signer)
	_, started := start(st, op, signer)
	if d == nil && !started && signer != op {
		return ErrNothingToWithdraw.Errorf("withdraw_rewards: %s neither delegates to nor operates validator %s", signer, op)
	}
	if k.staking.Validator(st, op) == nil {
		return ErrNothingToWithdraw.Errorf("withdraw_rewards: validator %s: does not exist", op)
	}
	k.withdraw(st, ev, op, signer)
	if signer == op {
		vr := ValidatorState(st, op)
		if c := vr.Commission; c > 0 {
			vr.Commission = 0
			st.Set(ValidatorKey(op), codec.Marshal(vr))
			k.pay(st, ev, op, c)
			ev.Emit(EventWithdrawCommission{Operator: op, Amount: c})
		}
	}
	return nil
}

// CheckInvariants returns an error unless RewardsPool holds at least the
// outstanding total, which covers every validator's commission.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	bal, out := k.bank.ModuleBalance(st, RewardsPool), Outstanding(st)
	if bal < out {
		return fmt.Errorf("distribution: invariant: rewards pool %d ucell below outstanding %d ucell", bal, out)
	}
	var commission uint64
	it := st.Iterator([]byte(prefixValidator), store.PrefixEnd([]byte(prefixValidator)))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		vr := &ledgerpb.DistributionValidator{}
		codec.MustUnmarshal(it.Value(), vr)
		commission += vr.Commission
	}
	if commission > out {
		return fmt.Errorf("distribution: invariant: Σ commission %d ucell above outstanding %d ucell", commission, out)
	}
	return nil
}

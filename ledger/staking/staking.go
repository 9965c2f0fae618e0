// Package staking keeps the validators that run consensus and their stake,
// and tells CometBFT who may vote and with what power.
//
// Rules (issue 3, "Modules"; issue 14, item 1; CometBFT ABCI 2.0 for
// validator updates):
//
//   - Validators come from genesis, or from MsgCreateValidator: the signer
//     becomes the operator, names an ed25519 consensus key never used by
//     any validator before, and bonds a self-bond of at least the
//     min_self_bond param from its balance. It sets its commission, the
//     max commission and the max change per staking_commission_change_blocks
//     (fixed for ever); MsgEditValidator changes the moniker and, within
//     those bounds, the commission.
//   - Stake is held in shares: a validator has bonded tokens and
//     delegator_shares; a delegation of s shares is worth s × bonded /
//     delegator_shares ucell (TokensOf, rounded down). Delegating a ucell
//     issues ⌊a × shares / bonded⌋ shares; undelegating a ucell burns
//     ⌈a × shares / bonded⌉ (or all the delegation's, which then takes its
//     whole worth), so rounding never favours the one who leaves. A slash
//     cuts bonded, not shares: it reaches every delegation at once.
//   - MsgDelegate bonds to any unjailed validator; MsgBond is the
//     operator's delegation to its own validator. MsgUndelegate (and the
//     operator's MsgUnbond) moves stake into an unbonding entry paid back
//     by the begin-block hook of height H + unbonding_blocks, found by an
//     index keyed by completion height. The operator's self-delegation
//     must stay 0 or at least min_self_bond.
//   - MsgRedelegate moves stake between validators at once, but a
//     redelegation entry keeps it slashable for faults of the source for
//     unbonding_blocks (taken from the destination delegation, then from
//     the delegator's unbonding entries from the destination created
//     since, so undelegating at once does not escape it), and stake
//     that arrived by a redelegation cannot redelegate on before that
//     entry ends (no hop out of a fault's reach), as in Cosmos.
//   - Every change of a delegation's shares first calls the Hooks, so
//     that distribution pays what the old shares earned (F1).
//   - Voting power is bonded / power_reduction (rounded down), capped so
//     that the total never exceeds CometBFT's limit. The active set is the
//     max_validators unjailed validators of highest power (ties: lower
//     operator address). EndBlock sends CometBFT only changes; power 0
//     removes a validator.
//   - Duplicate-vote evidence (any CometBFT misbehavior) against a known
//     validator not yet tombstoned burns slash_fraction_bps of its bonded
//     stake (so of every delegation), of the unbonding entries from it and
//     of the stake redelegated from it at or after the infraction height,
//     rounded down, and jails it for ever (tombstoned). Slashed stake is
//     burned, not sent to the treasury, so that no one — governance
//     included — profits from a fault. Evidence against an unknown or
//     tombstoned validator is ignored, so the same evidence twice slashes
//     once.
//   - Downtime: each block's begin hook reads the previous block's commit
//     and records, per voter, a bit in a sliding window of
//     staking_signed_blocks_window blocks (keys per validator and window
//     index; only the voters are touched). After a full window, a validator
//     that missed more than the window less staking_min_signed_bps of it is
//     slashed staking_downtime_slash_bps (reaching delegations, unbonding
//     and redelegated stake as above), jailed until height +
//     staking_downtime_jail_blocks, and its window restarts. MsgUnjail then
//     lets it back if its self-bond is at least min_self_bond.
//
// Stake is held by two bank module accounts: "bonded" (Σ bonded) and
// "unbonding" (Σ unbonding entries); CheckInvariants checks both sums.
package staking

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"unicode"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// Module account names of the staking module.
const (
	// BondedPool holds the bonded stake of every validator.
	BondedPool = "bonded"
	// UnbondingPool holds the stake of every unbonding entry.
	UnbondingPool = "unbonding"
)

// MaxMonikerBytes bounds a validator's moniker, in bytes.
const MaxMonikerBytes = 64

// MaxTotalVotingPower is CometBFT's bound on the sum of all voting powers
// (types.MaxTotalVotingPower = MaxInt64 / 8).
const MaxTotalVotingPower = math.MaxInt64 / 8

// Bank is what staking needs from the bank module.
type Bank interface {
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	MoveFromModule(st store.KVStore, ev *event.Log, module string, to address.Address, amount uint64) error
	MoveBetweenModules(st store.KVStore, ev *event.Log, from, to string, amount uint64) error
	BurnFromModule(st store.KVStore, ev *event.Log, module string, amount uint64) error
	ModuleBalance(st store.KVStore, module string) uint64
}

// Hooks are told of changes of a delegation's shares before they happen,
// so that lazy reward accounting (ledger/distribution) can pay what the
// delegation earned with its old shares.
type Hooks interface {
	// BeforeDelegationChange runs before the shares of delegator's
	// delegation to operator's validator are created, changed or removed.
	BeforeDelegationChange(st store.KVStore, ev *event.Log, operator, delegator address.Address) error
}

// Keeper is the staking module; it holds only configuration.
type Keeper struct {
	bank  Bank
	hooks Hooks
}

// New returns the staking module over bank, which must know the module
// accounts BondedPool and UnbondingPool.
func New(bank Bank) Keeper { return Keeper{bank: bank} }

// WithHooks returns a copy of k that calls h around delegation changes.
func (k Keeper) WithHooks(h Hooks) Keeper {
	k.hooks = h
	return k
}

// Update is a change of a validator's voting power for CometBFT.
type Update struct {
	// PubKey is the ed25519 consensus key, 32 bytes.
	PubKey []byte
	// Power is the new voting power; 0 removes the validator.
	Power int64
}

// Evidence is a validator misbehavior reported by CometBFT.
type Evidence struct {
	// ConsensusAddress is the CometBFT validator address,
	// sha256(consensus pubkey)[:20].
	ConsensusAddress address.Address
	// Height of the infraction.
	Height int64
}

// Power returns the voting power of bonded ucell under p:
// bonded / power_reduction, at most MaxTotalVotingPower / max_validators.
func Power(bonded uint64, p *ledgerpb.Params) int64 {
	pw := bonded / p.PowerReduction
	if limit := uint64(MaxTotalVotingPower / int64(p.MaxValidators)); pw > limit {
		pw = limit
	}
	return int64(pw)
}

// Validator returns the validator of operator, or nil.
func (k Keeper) Validator(st store.KVStore, operator address.Address) *ledgerpb.Validator {
	b := st.Get(ValidatorKey(operator))
	if b == nil {
		return nil
	}
	v := &ledgerpb.Validator{}
	codec.MustUnmarshal(b, v)
	return v
}

// Validators returns every validator, ordered by operator address.
func (k Keeper) Validators(st store.KVStore) []*ledgerpb.Validator {
	var out []*ledgerpb.Validator
	it := st.Iterator(ValidatorPrefix(), store.PrefixEnd(ValidatorPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		v := &ledgerpb.Validator{}
		codec.MustUnmarshal(it.Value(), v)
		out = append(out, v)
	}
	return out
}

// LastPower returns the voting power last sent to CometBFT for the
// validator of operator (0 if none).
func (k Keeper) LastPower(st store.KVStore, operator address.Address) int64 {
	b := st.Get(PowerKey(operator))
	if b == nil {
		return 0
	}
	p, err := DecodePower(b)
	if err != nil {
		panic(fmt.Sprintf("staking: corrupt state: %v", err))
	}
	return p
}

// Unbondings returns every unbonding entry, ordered by completion height,
// then operator, then creation height.
func (k Keeper) Unbondings(st store.KVStore) []*ledgerpb.UnbondingEntry {
	return k.unbondings(st, UnbondingPrefix(), store.PrefixEnd(UnbondingPrefix()))
}

func (k Keeper) unbondings(st store.KVStore, start, end []byte) []*ledgerpb.UnbondingEntry {
	var out []*ledgerpb.UnbondingEntry
	it := st.Iterator(start, end)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		e := &ledgerpb.UnbondingEntry{}
		codec.MustUnmarshal(it.Value(), e)
		out = append(out, e)
	}
	return out
}

func (k Keeper) setValidator(st store.KVStore, v *ledgerpb.Validator) {
	st.Set(ValidatorKey(address.Address(v.Operator)), codec.Marshal(v))
	st.Set(changedKey(), []byte{1})
}

func validateMoniker(moniker string) error {
	if moniker == "" || len(moniker) > MaxMonikerBytes {
		return ErrInvalidMoniker.Errorf("create_validator: moniker: %d bytes: must be 1 to %d", len(moniker), MaxMonikerBytes)
	}
	for _, r := range moniker {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ErrInvalidMoniker.Errorf("create_validator: moniker %q: must not contain control characters or invalid UTF-8", moniker)
		}
	}
	return nil
}

// ValidateCreateValidator checks a MsgCreateValidator without state: a
// 32-byte consensus key (ErrInvalidPubKey), a valid moniker
// (ErrInvalidMoniker), a self-bond of at least min_self_bond
// (ErrSelfBondTooLow).
func ValidateCreateValidator(m *ledgerpb.MsgCreateValidator, p *ledgerpb.Params) error {
	if len(m.ConsensusPubkey) != ed25519.PublicKeySize {
		return ErrInvalidPubKey.Errorf("create_validator: consensus_pubkey: must be %d bytes, got %d", ed25519.PublicKeySize, len(m.ConsensusPubkey))
	}
	if len(m.ConsensusSignature) != ed25519.SignatureSize {
		return ErrBadConsensusSignature.Errorf("create_validator: consensus_signature: must be %d bytes, got %d: sign staking.ConsensusKeyProofBytes with the consensus key", ed25519.SignatureSize, len(m.ConsensusSignature))
	}
	if err := validateMoniker(m.Moniker); err != nil {
		return err
	}
	if m.SelfBond < p.MinSelfBond {
		return ErrSelfBondTooLow.Errorf("create_validator: self_bond %d ucell: must be at least min_self_bond %d ucell", m.SelfBond, p.MinSelfBond)
	}
	switch {
	case m.MaxCommissionBps > 10_000:
		return ErrInvalidCommission.Errorf("create_validator: max_commission_bps %d: must be at most 10000", m.MaxCommissionBps)
	case m.CommissionBps > m.MaxCommissionBps:
		return ErrInvalidCommission.Errorf("create_validator: commission_bps %d: must be at most max_commission_bps %d", m.CommissionBps, m.MaxCommissionBps)
	case m.MaxChangeBps > m.MaxCommissionBps:
		return ErrInvalidCommission.Errorf("create_validator: max_change_bps %d: must be at most max_commission_bps %d", m.MaxChangeBps, m.MaxCommissionBps)
	}
	return nil
}

// ConsensusKeyProofDomain separates consensus key possession proofs from
// every other signature of the system.
const ConsensusKeyProofDomain = "celltonomy/consensus-key/v1"

// ConsensusKeyProofBytes returns what a consensus key signs to prove that
// its operator holds it: ConsensusKeyProofDomain ‖ 0x00 ‖ chain id ‖ 0x00
// ‖ operator (20 bytes).
func ConsensusKeyProofBytes(chainID string, operator address.Address) []byte {
	return store.Key([]byte(ConsensusKeyProofDomain), []byte{0}, []byte(chainID), []byte{0}, operator[:])
}

// SignConsensusKeyProof returns the consensus key's signature over
// ConsensusKeyProofBytes(chainID, operator), for
// MsgCreateValidator.consensus_signature.
func SignConsensusKeyProof(consensusKey ed25519.PrivateKey, chainID string, operator address.Address) []byte {
	return ed25519.Sign(consensusKey, ConsensusKeyProofBytes(chainID, operator))
}

// CreateValidator executes a MsgCreateValidator signed by signer in the
// block at height of chain chainID: ValidateCreateValidator's rules, then
// the consensus signature must verify over ConsensusKeyProofBytes(chainID,
// signer) (ErrBadConsensusSignature: nobody can squat a consensus key it
// does not hold, which would keep its owner from ever using it), the
// signer must not operate a validator (ErrValidatorExists), the consensus
// key must never have been used (ErrPubKeyInUse), and the signer's
// balance must cover the self-bond (bank.ErrInsufficientFunds).
func (k Keeper) CreateValidator(st store.KVStore, ev *event.Log, p *ledgerpb.Params, chainID string, height int64, signer address.Address, m *ledgerpb.MsgCreateValidator) error {
	if err := ValidateCreateValidator(m, p); err != nil {
		return err
	}
	if !ed25519.Verify(m.ConsensusPubkey, ConsensusKeyProofBytes(chainID, signer), m.ConsensusSignature) {
		return ErrBadConsensusSignature.Errorf("create_validator: consensus_signature: does not verify under consensus_pubkey %s for operator %s on chain %q", hex.EncodeToString(m.ConsensusPubkey), signer, chainID)
	}
	return k.createValidator(st, ev, height, signer, m)
}

// createValidator creates the validator of a MsgCreateValidator whose
// form and proof were checked (or, at genesis, need none).
func (k Keeper) createValidator(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgCreateValidator) error {
	if st.Has(ValidatorKey(signer)) {
		return ErrValidatorExists.Errorf("create_validator: %s already operates a validator", signer)
	}
	consAddr, _ := address.FromPubKey(m.ConsensusPubkey) // length checked above
	if op := st.Get(ConsensusKey(consAddr)); op != nil {
		return ErrPubKeyInUse.Errorf("create_validator: consensus_pubkey %s: already used by validator %s", hex.EncodeToString(m.ConsensusPubkey), address.Address(op))
	}
	v := &ledgerpb.Validator{
		Operator:                signer.Bytes(),
		ConsensusPubkey:         m.ConsensusPubkey,
		Moniker:                 m.Moniker,
		CreatedHeight:           height,
		CommissionBps:           m.CommissionBps,
		MaxCommissionBps:        m.MaxCommissionBps,
		MaxChangeBps:            m.MaxChangeBps,
		CommissionChangedHeight: height,
	}
	if err := k.delegate(st, ev, v, signer, m.SelfBond); err != nil {
		return fmt.Errorf("staking: create_validator: self_bond: %w", err)
	}
	st.Set(ConsensusKey(consAddr), signer.Bytes())
	ev.Emit(EventCreateValidator{Operator: signer, ConsensusPubKey: m.ConsensusPubkey, SelfBond: m.SelfBond, Moniker: m.Moniker})
	return nil
}

// EndBlock runs at the end of every block: if a validator's stake or
// status changed in the block, it recomputes the active set and returns
// the changes of voting power for CometBFT, ordered by operator address;
// otherwise it returns nil.
func (k Keeper) EndBlock(st store.KVStore, ev *event.Log, p *ledgerpb.Params) []Update {
	if !st.Has(changedKey()) {
		return nil
	}
	st.Delete(changedKey())
	return k.applyValidatorSet(st, ev, p)
}

type member struct {
	op     address.Address
	pubKey []byte
	power  int64
}

// activeSet returns the validators that should have voting power under p,
// ordered by operator address.
func (k Keeper) activeSet(st store.KVStore, p *ledgerpb.Params) []member {
	var cands []member
	for _, v := range k.Validators(st) {
		if pw := Power(v.Bonded, p); !v.Jailed && pw > 0 {
			cands = append(cands, member{op: address.Address(v.Operator), pubKey: v.ConsensusPubkey, power: pw})
		}
	}
	slices.SortFunc(cands, func(a, b member) int {
		if a.power != b.power {
			if a.power > b.power {
				return -1
			}
			return 1
		}
		return bytes.Compare(a.op[:], b.op[:])
	})
	if len(cands) > int(p.MaxValidators) {
		cands = cands[:p.MaxValidators]
	}
	slices.SortFunc(cands, func(a, b member) int { return bytes.Compare(a.op[:], b.op[:]) })
	return cands
}

// lastSet returns the powers last sent to CometBFT, by operator address.
func (k Keeper) lastSet(st store.KVStore) []member {
	var out []member
	it := st.Iterator(PowerPrefix(), store.PrefixEnd(PowerPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		pw, err := DecodePower(it.Value())
		if err != nil {
			panic(fmt.Sprintf("staking: corrupt state: %v", err))
		}
		out = append(out, member{op: operatorOf(it.Key(), prefixPower), power: pw})
	}
	return out
}

// applyValidatorSet diffs the active set against the powers last sent,
// records the new powers and returns the differences.
func (k Keeper) applyValidatorSet(st store.KVStore, ev *event.Log, p *ledgerpb.Params) []Update {
	next, last := k.activeSet(st, p), k.lastSet(st)
	var updates []Update
	i, j := 0, 0
	for i < len(next) || j < len(last) {
		var op address.Address
		var nextPower, lastPower int64
		var pubKey []byte
		switch {
		case j == len(last) || (i < len(next) && bytes.Compare(next[i].op[:], last[j].op[:]) < 0):
			op, nextPower, pubKey = next[i].op, next[i].power, next[i].pubKey
			i++
		case i == len(next) || bytes.Compare(last[j].op[:], next[i].op[:]) < 0:
			op, lastPower = last[j].op, last[j].power
			j++
		default:
			op, nextPower, lastPower, pubKey = next[i].op, next[i].power, last[j].power, next[i].pubKey
			i, j = i+1, j+1
		}
		if nextPower == lastPower {
			continue
		}
		if pubKey == nil {
			pubKey = k.Validator(st, op).GetConsensusPubkey()
		}
		if nextPower == 0 {
			st.Delete(PowerKey(op))
		} else {
			st.Set(PowerKey(op), encodePower(nextPower))
		}
		updates = append(updates, Update{PubKey: pubKey, Power: nextPower})
		ev.Emit(EventPower{Operator: op, Power: nextPower})
	}
	return updates
}

// InitGenesis validates the genesis validators and creates them: each
// operator's self_bond moves from its genesis balance (already written by
// the bank) to the bonded pool. There must be at least one validator. It
// returns the initial validator set, every power positive.
func (k Keeper) InitGenesis(st store.KVStore, p *ledgerpb.Params, vals []*ledgerpb.GenesisValidator) ([]Update, error) {
	if len(vals) == 0 {
		return nil, fmt.Errorf("staking: genesis: validators: must list at least one: a chain without stake has no one to make blocks")
	}
	var ev event.Log // genesis emits no events
	for i, g := range vals {
		op, err := address.Parse(g.Operator)
		if err != nil {
			return nil, fmt.Errorf("staking: genesis: validators[%d].operator: %w", i, err)
		}
		// Genesis is agreed by every validator out of band: its keys need
		// no possession proof.
		// Genesis validators start without commission and may raise it up
		// to 100 %, by at most 1 % per commission change.
		m := &ledgerpb.MsgCreateValidator{ConsensusPubkey: g.ConsensusPubkey, SelfBond: g.SelfBond, Moniker: g.Moniker,
			ConsensusSignature: make([]byte, ed25519.SignatureSize), MaxCommissionBps: 10_000, MaxChangeBps: 100}
		if err := ValidateCreateValidator(m, p); err != nil {
			return nil, fmt.Errorf("genesis: validators[%d]: %w", i, err)
		}
		if err := k.createValidator(st, &ev, 0, op, m); err != nil {
			return nil, fmt.Errorf("genesis: validators[%d]: %w", i, err)
		}
	}
	st.Delete(changedKey())
	return k.applyValidatorSet(st, &ev, p), nil
}

// CheckInvariants returns an error unless the bonded pool holds Σ bonded,
// the unbonding pool holds Σ unbonding entries (none of them 0), every
// validator's consensus key maps back to it, and — outside a block — the
// powers last sent to CometBFT are those of the active set.
func (k Keeper) CheckInvariants(st store.KVStore, p *ledgerpb.Params) error {
	var bonded uint64
	vals := k.Validators(st)
	for _, v := range vals {
		var carry uint64
		if bonded, carry = bits.Add64(bonded, v.Bonded, 0); carry != 0 {
			return fmt.Errorf("staking: invariant: Σ bonded overflows")
		}
		consAddr, err := address.FromPubKey(v.ConsensusPubkey)
		if err != nil {
			return fmt.Errorf("staking: invariant: validator %x: %w", v.Operator, err)
		}
		if op := st.Get(ConsensusKey(consAddr)); !bytes.Equal(op, v.Operator) {
			return fmt.Errorf("staking: invariant: consensus key of validator %x maps to %x", v.Operator, op)
		}
	}
	for _, v := range vals {
		var shares uint64
		for _, d := range k.Delegations(st, address.Address(v.Operator)) {
			if d.Shares == 0 {
				return fmt.Errorf("staking: invariant: delegation of %x to %x stored with 0 shares", d.Delegator, d.Validator)
			}
			if !st.Has(DelegatorKey(address.Address(d.Delegator), address.Address(d.Validator))) {
				return fmt.Errorf("staking: invariant: delegation of %x to %x is not indexed", d.Delegator, d.Validator)
			}
			shares += d.Shares
		}
		if shares != v.DelegatorShares {
			return fmt.Errorf("staking: invariant: validator %x: Σ delegation shares %d != delegator_shares %d", v.Operator, shares, v.DelegatorShares)
		}
	}
	reds := k.Redelegations(st)
	for _, e := range reds {
		if e.Amount == 0 || !st.Has(RedelegatedKey(address.Address(e.Delegator), address.Address(e.DstValidator), e.CompletionHeight)) {
			return fmt.Errorf("staking: invariant: redelegation of %x from %x to %x: empty or not indexed", e.Delegator, e.SrcValidator, e.DstValidator)
		}
	}
	if n := store.Count(st, []byte(prefixRedelegated)); n > len(reds) {
		return fmt.Errorf("staking: invariant: %d redelegation index keys for %d entries", n, len(reds))
	}
	if n := store.Count(st, []byte(prefixRedelegSrc)); n != len(reds) {
		return fmt.Errorf("staking: invariant: %d redelegation source index keys for %d entries", n, len(reds))
	}
	if n, m := store.Count(st, []byte(prefixUnbondingVal)), store.Count(st, UnbondingPrefix()); n != m {
		return fmt.Errorf("staking: invariant: %d unbonding index keys for %d entries", n, m)
	}
	if pool := k.bank.ModuleBalance(st, BondedPool); pool != bonded {
		return fmt.Errorf("staking: invariant: bonded pool %d ucell != Σ bonded %d ucell", pool, bonded)
	}
	var unbonding uint64
	for _, e := range k.Unbondings(st) {
		if e.Amount == 0 {
			return fmt.Errorf("staking: invariant: unbonding entry of %x at %d stored as 0", e.Operator, e.CompletionHeight)
		}
		var carry uint64
		if unbonding, carry = bits.Add64(unbonding, e.Amount, 0); carry != 0 {
			return fmt.Errorf("staking: invariant: Σ unbonding overflows")
		}
	}
	if pool := k.bank.ModuleBalance(st, UnbondingPool); pool != unbonding {
		return fmt.Errorf("staking: invariant: unbonding pool %d ucell != Σ unbonding %d ucell", pool, unbonding)
	}
	if n := store.Count(st, ConsensusPrefix()); n != len(vals) {
		return fmt.Errorf("staking: invariant: %d consensus keys for %d validators", n, len(vals))
	}
	if st.Has(changedKey()) {
		return nil // inside a block: the set is settled by EndBlock
	}
	next, last := k.activeSet(st, p), k.lastSet(st)
	if !slices.EqualFunc(next, last, func(a, b member) bool { return a.op == b.op && a.power == b.power }) {
		return fmt.Errorf("staking: invariant: powers sent to CometBFT %v differ from the active set %v", last, next)
	}
	return nil
}

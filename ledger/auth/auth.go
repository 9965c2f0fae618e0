// Package auth keeps the signing state of accounts — the public key,
// registered by the account's first accepted transaction, and the sequence
// number that makes every transaction count once — and applies the rules
// every transaction passes before its messages run (Ante): sequence, fee.
//
// Sequence rule: an account's sequence is the number of its transactions
// accepted so far (0 for a new account). A transaction is accepted only
// if its body's sequence equals it; acceptance increments it. A replayed
// transaction therefore fails (its sequence is used), and so does one
// whose predecessor is missing (its sequence is skipped).
//
// Fee rule: the fee is at least the min_fee param and at most the
// signer's balance; it is charged (burned in part and split between the
// validators' rewards and the treasury, ledger/mint) when the transaction is
// accepted, whether or not its messages then succeed (see ledger/app): the
// signer's balance at once, the burn and the credits with the block's
// other fees at its end (mint.Keeper.SettleFees).
package auth

import (
	"fmt"
	"math"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// FeeCollector is what auth needs to charge a fee (ledger/mint).
type FeeCollector interface {
	// ChargeFee takes amount ucell from payer, split by p's fee params,
	// adding the parts to the block's fees, which the block settles at
	// its end, and returns the parts; it writes nothing if it fails.
	ChargeFee(st store.KVStore, p *ledgerpb.Params, payer address.Address, amount uint64, fees *mint.BlockFees) (mint.BlockFees, error)
}

// Keeper is the auth module; it holds only configuration.
type Keeper struct {
	fees FeeCollector
}

// New returns the auth module, charging fees through fees.
func New(fees FeeCollector) Keeper { return Keeper{fees: fees} }

// Account returns addr's Account, or nil if addr has never signed an
// accepted transaction.
func (k Keeper) Account(st store.KVStore, addr address.Address) *ledgerpb.Account {
	b := st.Get(AccountKey(addr))
	if b == nil {
		return nil
	}
	a := &ledgerpb.Account{}
	codec.MustUnmarshal(b, a)
	return a
}

// Sequence returns the sequence the next transaction of addr must carry.
func (k Keeper) Sequence(st store.KVStore, addr address.Address) uint64 {
	return k.Account(st, addr).GetSequence()
}

// Ante checks t's sequence and fee against the signer's account and
// balance and, if both pass, charges the fee (debited now, its parts
// added to fees, which the block settles at its end: mint.Keeper.ChargeFee),
// registers the public key and increments the sequence, and emits
// EventTx with the fee's split. Errors, before any write:
// ErrWrongSequence (the log says expected N, got M), ErrFeeTooLow, and
// bank.ErrInsufficientFunds when the fee exceeds the balance. The caller
// has checked t's form and signature.
func (k Keeper) Ante(st store.KVStore, ev *event.Log, p *ledgerpb.Params, t *tx.Tx, fees *mint.BlockFees) error {
	signer, body := t.Signer, t.Body
	want := k.Sequence(st, signer)
	switch {
	case body.Sequence < want:
		return ErrWrongSequence.Errorf("sequence: expected %d, got %d: already used", want, body.Sequence)
	case body.Sequence > want:
		return ErrWrongSequence.Errorf("sequence: expected %d, got %d: an earlier transaction is missing", want, body.Sequence)
	case want == math.MaxUint64:
		return ErrWrongSequence.Errorf("sequence %d: exhausted", want)
	}
	if body.Fee < p.MinFee {
		return ErrFeeTooLow.Errorf("fee %d ucell: must be at least min_fee %d ucell", body.Fee, p.MinFee)
	}
	split, err := k.fees.ChargeFee(st, p, signer, body.Fee, fees)
	if err != nil {
		return fmt.Errorf("auth: %w", err) // "auth: fee N ucell: bank: insufficient funds: …"
	}
	st.Set(AccountKey(signer), codec.Marshal(&ledgerpb.Account{
		Address:   signer.Bytes(),
		PublicKey: t.PubKey,
		Sequence:  want + 1,
	}))
	ev.Emit(EventTx{Signer: signer, Sequence: want, Fee: body.Fee, Burned: split.Burned, Validators: split.Validators, Treasury: split.Treasury})
	return nil
}

// EventTx is emitted for every accepted transaction, successful or not.
// ABCI: type "tx", attributes signer (bech32), sequence, fee (ucell) and
// the fee's split by the params (mint.FeeSplit; they add up to fee):
// burned, validators (to "rewards"), treasury (ucell). The fee is debited
// from the signer at once; its parts are burned and credited at the end
// of the block with the block's other fees (mint: EventFeesSettled).
type EventTx struct {
	Signer     address.Address `event:"signer"`
	Sequence   uint64          `event:"sequence"`
	Fee        uint64          `event:"fee"`
	Burned     uint64          `event:"burned"`
	Validators uint64          `event:"validators"`
	Treasury   uint64          `event:"treasury"`
}

// EventType implements event.Typed.
func (EventTx) EventType() string { return "tx" }

// Events lists the events of the auth module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed { return []event.Typed{EventTx{}} }

// CheckInvariants returns an error unless every Account is stored under
// its own address, which is the address of its public key.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	it := st.Iterator(AccountPrefix(), store.PrefixEnd(AccountPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		a := &ledgerpb.Account{}
		codec.MustUnmarshal(it.Value(), a)
		addr, err := address.FromPubKey(a.PublicKey)
		if err != nil || string(it.Key()) != string(AccountKey(addr)) || string(a.Address) != string(addr[:]) {
			return fmt.Errorf("auth: invariant: account under key %x does not match its public key", it.Key())
		}
	}
	return nil
}

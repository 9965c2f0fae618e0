// Package treasury is the network's purse: it collects every transaction
// fee. Its funds are the balance of the bank module account "treasury";
// spending them comes later, with governance (ARCHITECTURE.md: "treasury").
package treasury

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// ModuleName is the name of the treasury's module account.
const ModuleName = "treasury"

// Bank is what the treasury needs from the bank module.
type Bank interface {
	MoveToModule(st store.KVStore, ev *event.Log, from address.Address, module string, amount uint64) error
	ModuleBalance(st store.KVStore, module string) uint64
}

// Keeper is the treasury module; it holds no state of its own.
type Keeper struct {
	bank Bank
}

// New returns the treasury module over bank, which must know the module
// account ModuleName.
func New(bank Bank) Keeper { return Keeper{bank: bank} }

// Address returns the address of the treasury's module account.
func Address() address.Address { return bank.ModuleAddress(ModuleName) }

// Balance returns the treasury's funds in ucell.
func (k Keeper) Balance(st store.KVStore) uint64 { return k.bank.ModuleBalance(st, ModuleName) }

// CollectFee moves a fee of amount ucell from payer to the treasury and
// emits EventFee (and the bank's EventTransfer). A fee of 0 does nothing.
// Errors: bank.ErrInsufficientFunds; nothing is written on error.
func (k Keeper) CollectFee(st store.KVStore, ev *event.Log, payer address.Address, amount uint64) error {
	if amount == 0 {
		return nil
	}
	if err := k.bank.MoveToModule(st, ev, payer, ModuleName, amount); err != nil {
		return fmt.Errorf("fee %d ucell: %w", amount, err)
	}
	ev.Emit(EventFee{Payer: payer, Amount: amount})
	return nil
}

// EventFee is emitted when the treasury collects a fee. ABCI: type "fee",
// attributes payer (bech32), amount (ucell).
type EventFee struct {
	Payer  address.Address `event:"payer"`
	Amount uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventFee) EventType() string { return "fee" }

// Events lists the events of the treasury module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed { return []event.Typed{EventFee{}} }

package bank

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventTransfer is emitted for every movement of ucell between two
// accounts, module accounts included: sends, fees, bonding, unbonding.
// ABCI: type "transfer", attributes from, to (bech32), amount (ucell).
type EventTransfer struct {
	From   address.Address `event:"from"`
	To     address.Address `event:"to"`
	Amount uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventTransfer) EventType() string { return "transfer" }

// EventMint is emitted when ucell is created. ABCI: type "mint",
// attributes to, amount.
type EventMint struct {
	To     address.Address `event:"to"`
	Amount uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventMint) EventType() string { return "mint" }

// EventBurn is emitted when ucell is destroyed. ABCI: type "burn",
// attributes from, amount.
type EventBurn struct {
	From   address.Address `event:"from"`
	Amount uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventBurn) EventType() string { return "burn" }

// Events lists the events of the bank module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{
		EventTransfer{},
		EventMint{},
		EventBurn{},
	}
}

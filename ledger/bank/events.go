package bank

import (
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventTransfer is emitted for every movement of ucell between two
// accounts, module accounts included: sends, fees, bonding, unbonding.
// ABCI: type "transfer", attributes from, to (bech32), amount (ucell).
type EventTransfer struct {
	From, To address.Address
	Amount   uint64
}

// Event implements event.Typed.
func (e EventTransfer) Event() event.Event {
	return event.Event{Type: "transfer", Attributes: []event.Attribute{
		{Key: "from", Value: e.From.String()},
		{Key: "to", Value: e.To.String()},
		{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
	}}
}

// EventMint is emitted when ucell is created. ABCI: type "mint",
// attributes to, amount.
type EventMint struct {
	To     address.Address
	Amount uint64
}

// Event implements event.Typed.
func (e EventMint) Event() event.Event {
	return event.Event{Type: "mint", Attributes: []event.Attribute{
		{Key: "to", Value: e.To.String()},
		{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
	}}
}

// EventBurn is emitted when ucell is destroyed. ABCI: type "burn",
// attributes from, amount.
type EventBurn struct {
	From   address.Address
	Amount uint64
}

// Event implements event.Typed.
func (e EventBurn) Event() event.Event {
	return event.Event{Type: "burn", Attributes: []event.Attribute{
		{Key: "from", Value: e.From.String()},
		{Key: "amount", Value: strconv.FormatUint(e.Amount, 10)},
	}}
}

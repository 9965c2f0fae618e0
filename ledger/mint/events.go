package mint

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventMinted is emitted by a block that mints. ABCI: type "minted",
// attributes height, amount (ucell minted), rewards (to "rewards"),
// miners (to "mining_rewards"), treasury (to the treasury), supply (the
// total supply after it, ucell).
type EventMinted struct {
	Height   int64  `event:"height"`
	Amount   uint64 `event:"amount"`
	Rewards  uint64 `event:"rewards"`
	Miners   uint64 `event:"miners"`
	Treasury uint64 `event:"treasury"`
	Supply   uint64 `event:"supply"`
}

// EventType implements event.Typed.
func (EventMinted) EventType() string { return "minted" }

// EventFee is emitted when a transaction's fee is charged. ABCI: type
// "fee", attributes payer (bech32), amount (ucell), burned, validators
// (to "rewards"), treasury (ucell).
type EventFee struct {
	Payer      address.Address `event:"payer"`
	Amount     uint64          `event:"amount"`
	Burned     uint64          `event:"burned"`
	Validators uint64          `event:"validators"`
	Treasury   uint64          `event:"treasury"`
}

// EventType implements event.Typed.
func (EventFee) EventType() string { return "fee" }

// Events lists the events of the mint module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed { return []event.Typed{EventMinted{}, EventFee{}} }

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

// EventFee is emitted when a fee is paid by a message or a block hook
// (CollectFee, CollectModuleFee: the market's network fee). ABCI: type
// "fee", attributes payer (bech32), amount (ucell), burned, validators
// (to "rewards"), treasury (ucell). Such a fee is moved at once, with
// bank's burn and transfer events before this one. A transaction's own
// fee (ChargeFee) emits none: its split is on the transaction's event
// (auth.EventTx), and it is burned and credited at the end of its block,
// with the block's other transaction fees (EventFeesSettled).
type EventFee struct {
	Payer      address.Address `event:"payer"`
	Amount     uint64          `event:"amount"`
	Burned     uint64          `event:"burned"`
	Validators uint64          `event:"validators"`
	Treasury   uint64          `event:"treasury"`
}

// EventType implements event.Typed.
func (EventFee) EventType() string { return "fee" }

// EventFeesSettled is emitted by the end-block hook of a block whose
// transactions paid fees (SettleFees): the sums of their fees' parts
// (auth.EventTx's burned, validators and treasury),
// burned and credited now. ABCI: type "fees_settled", attributes height,
// burned (ucell leaving the supply), validators (to "rewards"), treasury
// (to the treasury).
type EventFeesSettled struct {
	Height     int64  `event:"height"`
	Burned     uint64 `event:"burned"`
	Validators uint64 `event:"validators"`
	Treasury   uint64 `event:"treasury"`
}

// EventType implements event.Typed.
func (EventFeesSettled) EventType() string { return "fees_settled" }

// Events lists the events of the mint module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed { return []event.Typed{EventMinted{}, EventFee{}, EventFeesSettled{}} }

package distribution

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventRewards: type "rewards", attributes validator, amount (ucell
// allocated to it for signing the previous block), commission (ucell of
// it owed to the operator; the rest is its delegators').
type EventRewards struct {
	Validator  address.Address `event:"validator"`
	Amount     uint64          `event:"amount"`
	Commission uint64          `event:"commission"`
}

// EventType implements event.Typed.
func (EventRewards) EventType() string { return "rewards" }

// EventWithdrawRewards: type "withdraw_rewards", attributes delegator,
// validator, amount (ucell paid).
type EventWithdrawRewards struct {
	Delegator address.Address `event:"delegator"`
	Validator address.Address `event:"validator"`
	Amount    uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventWithdrawRewards) EventType() string { return "withdraw_rewards" }

// EventWithdrawCommission: type "withdraw_commission", attributes
// operator, amount (ucell paid).
type EventWithdrawCommission struct {
	Operator address.Address `event:"operator"`
	Amount   uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventWithdrawCommission) EventType() string { return "withdraw_commission" }

// Events lists the events of the distribution module, one zero value of
// each struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{EventRewards{}, EventWithdrawRewards{}, EventWithdrawCommission{}}
}

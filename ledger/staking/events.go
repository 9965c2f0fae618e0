package staking

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventCreateValidator: type "create_validator", attributes operator,
// consensus_pubkey (hex), self_bond (ucell), moniker.
type EventCreateValidator struct {
	Operator        address.Address `event:"operator"`
	ConsensusPubKey []byte          `event:"consensus_pubkey"`
	SelfBond        uint64          `event:"self_bond"`
	Moniker         string          `event:"moniker"`
}

// EventType implements event.Typed.
func (EventCreateValidator) EventType() string { return "create_validator" }

// EventBond: type "bond", attributes operator, amount (ucell), bonded
// (ucell, after the bond).
type EventBond struct {
	Operator address.Address `event:"operator"`
	Amount   uint64          `event:"amount"`
	Bonded   uint64          `event:"bonded"`
}

// EventType implements event.Typed.
func (EventBond) EventType() string { return "bond" }

// EventUnbond: type "unbond", attributes operator, amount (ucell),
// completion_height.
type EventUnbond struct {
	Operator         address.Address `event:"operator"`
	Amount           uint64          `event:"amount"`
	CompletionHeight int64           `event:"completion_height"`
}

// EventType implements event.Typed.
func (EventUnbond) EventType() string { return "unbond" }

// EventUnbondingComplete: type "unbonding_complete", attributes operator
// (the account paid back: the operator for its own unbond, the delegator
// for an undelegation), amount (ucell).
type EventUnbondingComplete struct {
	Operator address.Address `event:"operator"`
	Amount   uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventUnbondingComplete) EventType() string { return "unbonding_complete" }

// EventSlash: type "slash", attributes operator, consensus_address (hex,
// as CometBFT prints it), infraction_height, amount (ucell burned, bonded
// and unbonding together).
type EventSlash struct {
	Operator         address.Address `event:"operator"`
	ConsensusAddress address.Address `event:"consensus_address,hex"`
	InfractionHeight int64           `event:"infraction_height"`
	Amount           uint64          `event:"amount"`
}

// EventType implements event.Typed.
func (EventSlash) EventType() string { return "slash" }

// EventJail: type "jail", attribute operator.
type EventJail struct {
	Operator address.Address `event:"operator"`
}

// EventType implements event.Typed.
func (EventJail) EventType() string { return "jail" }

// EventPower: type "power", attributes operator, power (the voting power
// sent to CometBFT; 0 removes the validator from the active set).
type EventPower struct {
	Operator address.Address `event:"operator"`
	Power    int64           `event:"power"`
}

// EventType implements event.Typed.
func (EventPower) EventType() string { return "power" }

// EventDelegate: type "delegate", attributes delegator, validator, amount
// (ucell), shares (issued).
type EventDelegate struct {
	Delegator address.Address `event:"delegator"`
	Validator address.Address `event:"validator"`
	Amount    uint64          `event:"amount"`
	Shares    uint64          `event:"shares"`
}

// EventType implements event.Typed.
func (EventDelegate) EventType() string { return "delegate" }

// EventUndelegate: type "undelegate", attributes delegator, validator,
// amount (ucell unbonding), completion_height.
type EventUndelegate struct {
	Delegator        address.Address `event:"delegator"`
	Validator        address.Address `event:"validator"`
	Amount           uint64          `event:"amount"`
	CompletionHeight int64           `event:"completion_height"`
}

// EventType implements event.Typed.
func (EventUndelegate) EventType() string { return "undelegate" }

// EventRedelegate: type "redelegate", attributes delegator, src_validator,
// dst_validator, amount (ucell), completion_height (end of the source's
// slashing reach).
type EventRedelegate struct {
	Delegator        address.Address `event:"delegator"`
	Src              address.Address `event:"src_validator"`
	Dst              address.Address `event:"dst_validator"`
	Amount           uint64          `event:"amount"`
	CompletionHeight int64           `event:"completion_height"`
}

// EventType implements event.Typed.
func (EventRedelegate) EventType() string { return "redelegate" }

// EventUnjail: type "unjail", attribute operator.
type EventUnjail struct {
	Operator address.Address `event:"operator"`
}

// EventType implements event.Typed.
func (EventUnjail) EventType() string { return "unjail" }

// EventEditValidator: type "edit_validator", attributes operator,
// moniker, commission_bps (after the edit).
type EventEditValidator struct {
	Operator      address.Address `event:"operator"`
	Moniker       string          `event:"moniker"`
	CommissionBps uint32          `event:"commission_bps"`
}

// EventType implements event.Typed.
func (EventEditValidator) EventType() string { return "edit_validator" }

// EventDowntime: type "downtime", attributes operator, missed (blocks
// missed in the window), jailed_until (height).
type EventDowntime struct {
	Operator    address.Address `event:"operator"`
	Missed      uint64          `event:"missed"`
	JailedUntil int64           `event:"jailed_until"`
}

// EventType implements event.Typed.
func (EventDowntime) EventType() string { return "downtime" }

// Events lists the events of the staking module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{
		EventCreateValidator{},
		EventBond{},
		EventUnbond{},
		EventUnbondingComplete{},
		EventSlash{},
		EventJail{},
		EventPower{},
		EventDelegate{},
		EventUndelegate{},
		EventRedelegate{},
		EventUnjail{},
		EventEditValidator{},
		EventDowntime{},
	}
}

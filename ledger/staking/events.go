package staking

import (
	"encoding/hex"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

func u(v uint64) string { return strconv.FormatUint(v, 10) }
func i(v int64) string  { return strconv.FormatInt(v, 10) }

// EventCreateValidator: type "create_validator", attributes operator,
// consensus_pubkey (hex), self_bond (ucell), moniker.
type EventCreateValidator struct {
	Operator        address.Address
	ConsensusPubKey []byte
	SelfBond        uint64
	Moniker         string
}

// Event implements event.Typed.
func (e EventCreateValidator) Event() event.Event {
	return event.Event{Type: "create_validator", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "consensus_pubkey", Value: hex.EncodeToString(e.ConsensusPubKey)},
		{Key: "self_bond", Value: u(e.SelfBond)},
		{Key: "moniker", Value: e.Moniker},
	}}
}

// EventBond: type "bond", attributes operator, amount (ucell), bonded
// (ucell, after the bond).
type EventBond struct {
	Operator       address.Address
	Amount, Bonded uint64
}

// Event implements event.Typed.
func (e EventBond) Event() event.Event {
	return event.Event{Type: "bond", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "amount", Value: u(e.Amount)},
		{Key: "bonded", Value: u(e.Bonded)},
	}}
}

// EventUnbond: type "unbond", attributes operator, amount (ucell),
// completion_height.
type EventUnbond struct {
	Operator         address.Address
	Amount           uint64
	CompletionHeight int64
}

// Event implements event.Typed.
func (e EventUnbond) Event() event.Event {
	return event.Event{Type: "unbond", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "amount", Value: u(e.Amount)},
		{Key: "completion_height", Value: i(e.CompletionHeight)},
	}}
}

// EventUnbondingComplete: type "unbonding_complete", attributes operator,
// amount (ucell, paid back to the operator).
type EventUnbondingComplete struct {
	Operator address.Address
	Amount   uint64
}

// Event implements event.Typed.
func (e EventUnbondingComplete) Event() event.Event {
	return event.Event{Type: "unbonding_complete", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "amount", Value: u(e.Amount)},
	}}
}

// EventSlash: type "slash", attributes operator, consensus_address (hex,
// as CometBFT prints it), infraction_height, amount (ucell burned, bonded
// and unbonding together).
type EventSlash struct {
	Operator         address.Address
	ConsensusAddress address.Address
	InfractionHeight int64
	Amount           uint64
}

// Event implements event.Typed.
func (e EventSlash) Event() event.Event {
	return event.Event{Type: "slash", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "consensus_address", Value: hex.EncodeToString(e.ConsensusAddress[:])},
		{Key: "infraction_height", Value: i(e.InfractionHeight)},
		{Key: "amount", Value: u(e.Amount)},
	}}
}

// EventJail: type "jail", attribute operator.
type EventJail struct {
	Operator address.Address
}

// Event implements event.Typed.
func (e EventJail) Event() event.Event {
	return event.Event{Type: "jail", Attributes: []event.Attribute{{Key: "operator", Value: e.Operator.String()}}}
}

// EventPower: type "power", attributes operator, power (the voting power
// sent to CometBFT; 0 removes the validator from the active set).
type EventPower struct {
	Operator address.Address
	Power    int64
}

// Event implements event.Typed.
func (e EventPower) Event() event.Event {
	return event.Event{Type: "power", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "power", Value: i(e.Power)},
	}}
}

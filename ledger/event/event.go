// Package event is how ledger modules report what they did: each module
// declares typed events (Go structs with a Event method) and emits one
// into a Log next to the state write it describes. The app turns a Log
// into the events of a transaction result or of a block; CometBFT indexes
// them, so clients and nodes can follow state without polling.
//
// Attribute values are rendered deterministically: addresses in bech32,
// amounts and heights in decimal, raw bytes in lowercase hex.
package event

// Event is an ABCI event: a type and ordered attributes.
type Event struct {
	Type       string
	Attributes []Attribute
}

// Attribute is one key/value pair of an Event.
type Attribute struct {
	Key, Value string
}

// Typed is an event declared by a module.
type Typed interface {
	// Event renders the typed event as an ABCI event.
	Event() Event
}

// Log collects events in the order they were emitted. The zero value is
// an empty log ready to use.
type Log struct {
	events []Event
}

// Emit appends e.
func (l *Log) Emit(e Typed) { l.events = append(l.events, e.Event()) }

// Append appends every event of other, after those of l.
func (l *Log) Append(other *Log) { l.events = append(l.events, other.events...) }

// Events returns the events emitted so far, oldest first.
func (l *Log) Events() []Event { return l.events }

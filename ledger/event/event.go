// Package event is how ledger modules report what they did: each module
// declares typed events (Go structs whose tagged fields are the
// attributes) and emits one into a Log next to the state write it
// describes. The app turns a Log into the events of a transaction result
// or of a block; CometBFT indexes them, so clients and nodes can follow
// state without polling.
//
// One declaration serves both directions. Encode renders a typed event as
// an ABCI event (type and ordered attributes), deterministically:
// addresses in bech32, amounts and heights in decimal, raw bytes in
// lowercase hex, lists joined with commas. Decode parses one back into
// its struct, and a Registry maps each event type to its struct, so that
// a client reads a block's events as values of the ledger's own types:
//
//	reg := schema.Events() // every event type of the ledger
//	e, err := reg.Decode(ev)
//	switch e := e.(type) {
//	case market.EventOrderCreated:
//		…e.OrderID, e.Buyer…
//	}
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

// Typed is an event declared by a module: a struct whose exported fields
// carry `event:"key"` tags (see Encode), named by EventType.
type Typed interface {
	// EventType returns the ABCI type of the event, e.g. "transfer"; it
	// is the same for every value of the struct.
	EventType() string
}

// Raw is an event kept as it came, for a type a Registry does not know (or
// a value it could not decode): it is Typed, so that a list of decoded
// events can hold it, and Encode renders it as it is.
type Raw Event

// EventType implements Typed.
func (r Raw) EventType() string { return r.Type }

// Find returns the first event of type T in evs, and false if there is
// none:
//
//	created, ok := event.Find[market.EventOrderCreated](res.Events)
func Find[T Typed](evs []Typed) (T, bool) {
	for _, e := range evs {
		if t, ok := e.(T); ok {
			return t, true
		}
	}
	var zero T
	return zero, false
}

// Log collects events in the order they were emitted. The zero value is
// an empty log ready to use.
type Log struct {
	events []Event
}

// Emit appends e, rendered by Encode.
func (l *Log) Emit(e Typed) { l.events = append(l.events, Encode(e)) }

// Append appends every event of other, after those of l.
func (l *Log) Append(other *Log) { l.events = append(l.events, other.events...) }

// Events returns the events emitted so far, oldest first.
func (l *Log) Events() []Event { return l.events }

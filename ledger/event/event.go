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
// an empty log ready to use; NewLog gives one that renders through a
// Names cache, Discard one that keeps nothing.
type Log struct {
	events  []Event
	names   *Names
	discard bool
}

// NewLog returns an empty log that renders addresses through names (nil:
// no cache). Logs of one block share one Names, so that an address is
// written in bech32 once per block however many events name it.
func NewLog(names *Names) Log { return Log{names: names} }

// Discard returns a log that keeps nothing: Emit does not even render the
// event. It is for runs whose events nobody reads (CheckTx: CometBFT's
// mempool drops them), so they cost nothing.
func Discard() Log { return Log{discard: true} }

// Emit appends e, rendered by Encode.
func (l *Log) Emit(e Typed) {
	if l.discard {
		return
	}
	l.events = append(l.events, encode(e, l.names))
}

// Append appends every event of other, after those of l.
func (l *Log) Append(other *Log) {
	if l.discard {
		return
	}
	l.events = append(l.events, other.events...)
}

// Events returns the events emitted so far, oldest first.
func (l *Log) Events() []Event { return l.events }

// Names caches the text of values that render by MarshalText and are
// fixed-size arrays compared by value (addresses, in bech32), so that a
// block writes each address it names once instead of in every event. The
// text of such a value depends on the value alone, so the cache changes no
// output. It holds at most the limit given to NewNames, then stops adding.
// A Names is used by one goroutine at a time; nil is a valid, empty cache
// that caches nothing.
type Names struct {
	text  map[any]string
	limit int
}

// NewNames returns an empty cache of at most limit texts.
func NewNames(limit int) *Names { return &Names{text: map[any]string{}, limit: limit} }

// Len returns the number of texts held.
func (n *Names) Len() int {
	if n == nil {
		return 0
	}
	return len(n.text)
}

package client

import (
	"fmt"
	"strings"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/celltonomy/celltonomy/ledger/event"
)

// Events decodes the events of a transaction or a block, as CometBFT
// reports them, into the ledger's event structs (reg: schema.Events), in
// order, so that a caller switches on their types:
//
//	for _, e := range client.Events(reg, res.Events) {
//		switch e := e.(type) {
//		case market.EventOrderAwarded: …
//		}
//	}
//
// An event of a type reg does not know, or that does not decode (a chain
// newer than this build), is kept as an event.Raw.
func Events(reg *event.Registry, in []abci.Event) []event.Typed {
	out := make([]event.Typed, 0, len(in))
	for _, e := range in {
		ev := event.Event{Type: e.Type, Attributes: make([]event.Attribute, len(e.Attributes))}
		for i, a := range e.Attributes {
			ev.Attributes[i] = event.Attribute{Key: a.Key, Value: a.Value}
		}
		t, err := reg.Decode(ev)
		if err != nil {
			t = event.Raw(ev)
		}
		out = append(out, t)
	}
	return out
}

// EventQuery selects committed transactions by their events (WaitEvents).
// Build one with Match and And; its text is CometBFT's query language.
// The zero EventQuery selects nothing.
type EventQuery struct {
	conds []string
}

// Match returns the query of the transactions with an event of e's type
// whose attributes equal those of e's fields named in fields (their Go
// names), or of every field of e that is not zero when none is named:
//
//	client.Match(bank.EventTransfer{To: bob})                          // transfer.to='cell1…'
//	client.Match(reputation.EventRootSubmitted{Cycle: 0}, "Cycle")     // a zero value, named
//
// It panics when a name is not an attribute field of e, when e is an
// event.Raw, or when a value holds a single quote, which CometBFT's query
// language cannot quote.
func Match(e event.Typed, fields ...string) EventQuery {
	attrs, err := event.Select(e, fields...)
	if err != nil {
		panic(fmt.Sprintf("client: Match: %v", err))
	}
	q := EventQuery{conds: []string{}}
	for _, a := range attrs {
		if strings.Contains(a.Value, "'") {
			panic(fmt.Sprintf("client: Match: %s.%s %q: CometBFT's query language cannot quote a value with a single quote", e.EventType(), a.Key, a.Value))
		}
		q.conds = append(q.conds, fmt.Sprintf("%s.%s='%s'", e.EventType(), a.Key, a.Value))
	}
	if len(q.conds) == 0 {
		// Every event of the type: its first attribute exists.
		q.conds = append(q.conds, e.EventType()+"."+event.Encode(e).Attributes[0].Key+" EXISTS")
	}
	return q
}

// And returns the query of the transactions that match both q and r.
func (q EventQuery) And(r EventQuery) EventQuery {
	return EventQuery{conds: append(append([]string{}, q.conds...), r.conds...)}
}

// String returns the query in CometBFT's query language.
func (q EventQuery) String() string { return strings.Join(q.conds, " AND ") }

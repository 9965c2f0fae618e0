// Package schema lists what the ledger says to the world, module by
// module: every event type it emits (Events), for clients and indexers
// that decode a block's events into the modules' own structs.
//
//	reg := schema.Events()
//	e, err := reg.Decode(ev) // ev: an event of a transaction or a block
//	switch e := e.(type) {
//	case bank.EventTransfer:
//		fmt.Println(e.From, "sent", e.Amount, "ucell to", e.To)
//	}
package schema

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

// Events returns the registry of every event type the ledger emits, in
// transaction results and in block results: those of auth, bank,
// treasury, staking, registry, reputation and market.
func Events() *event.Registry {
	var all []event.Typed
	for _, evs := range [][]event.Typed{auth.Events(), bank.Events(), treasury.Events(), staking.Events(),
		registry.Events(), reputation.Events(), market.Events()} {
		all = append(all, evs...)
	}
	r, err := event.NewRegistry(all...)
	if err != nil {
		panic(fmt.Sprintf("schema: %v", err)) // the ledger's tests build it
	}
	return r
}

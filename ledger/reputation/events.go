package reputation

import (
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/event"
)

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// EventCreateSkill: type "create_skill", attributes id, parent (0 for a
// root skill), path.
type EventCreateSkill struct {
	ID, Parent uint64
	Path       string
}

// Event implements event.Typed.
func (e EventCreateSkill) Event() event.Event {
	return event.Event{Type: "create_skill", Attributes: []event.Attribute{
		{Key: "id", Value: u(e.ID)},
		{Key: "parent", Value: u(e.Parent)},
		{Key: "path", Value: e.Path},
	}}
}

// EventUpdate: type "reputation_update", attributes cycle, index (in the
// cycle's log), colony, user (bech32), skill (id), amount (decimal, signed),
// n_updates, n_previous_updates.
type EventUpdate struct {
	Cycle, Index uint64
	Entry        Entry
}

// Event implements event.Typed.
func (e EventUpdate) Event() event.Event {
	return event.Event{Type: "reputation_update", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "index", Value: u(e.Index)},
		{Key: "colony", Value: e.Entry.Colony.String()},
		{Key: "user", Value: e.Entry.User.String()},
		{Key: "skill", Value: u(e.Entry.Skill)},
		{Key: "amount", Value: e.Entry.Amount.String()},
		{Key: "n_updates", Value: u(e.Entry.NUpdates)},
		{Key: "n_previous_updates", Value: u(e.Entry.NPreviousUpdates)},
	}}
}

// EventCycle: type "reputation_cycle", attributes mining (the cycle whose
// log was frozen), open (the new cycle), entries and updates (of the
// frozen log).
type EventCycle struct {
	Mining, Open     uint64
	Entries, Updates uint64
}

// Event implements event.Typed.
func (e EventCycle) Event() event.Event {
	return event.Event{Type: "reputation_cycle", Attributes: []event.Attribute{
		{Key: "mining", Value: u(e.Mining)},
		{Key: "open", Value: u(e.Open)},
		{Key: "entries", Value: u(e.Entries)},
		{Key: "updates", Value: u(e.Updates)},
	}}
}

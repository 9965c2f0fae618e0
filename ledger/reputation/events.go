package reputation

import (
	"encoding/hex"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
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

func i64(v int64) string { return strconv.FormatInt(v, 10) }

// EventMinerStaked: type "miner_staked", attributes miner, amount, stake
// (after), since_height.
type EventMinerStaked struct {
	Miner         address.Address
	Amount, Stake uint64
	SinceHeight   int64
}

// Event implements event.Typed.
func (e EventMinerStaked) Event() event.Event {
	return event.Event{Type: "miner_staked", Attributes: []event.Attribute{
		{Key: "miner", Value: e.Miner.String()},
		{Key: "amount", Value: u(e.Amount)},
		{Key: "stake", Value: u(e.Stake)},
		{Key: "since_height", Value: i64(e.SinceHeight)},
	}}
}

// EventMinerUnstaked: type "miner_unstaked", attributes miner, amount,
// stake (after; 0 removes the miner).
type EventMinerUnstaked struct {
	Miner         address.Address
	Amount, Stake uint64
}

// Event implements event.Typed.
func (e EventMinerUnstaked) Event() event.Event {
	return event.Event{Type: "miner_unstaked", Attributes: []event.Attribute{
		{Key: "miner", Value: e.Miner.String()},
		{Key: "amount", Value: u(e.Amount)},
		{Key: "stake", Value: u(e.Stake)},
	}}
}

// EventCycleFrozen: type "cycle_frozen", attributes cycle (frozen, now
// mined), open (the new cycle), window_start, window_end.
type EventCycleFrozen struct {
	Cycle, Open            uint64
	WindowStart, WindowEnd int64
}

// Event implements event.Typed.
func (e EventCycleFrozen) Event() event.Event {
	return event.Event{Type: "cycle_frozen", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "open", Value: u(e.Open)},
		{Key: "window_start", Value: i64(e.WindowStart)},
		{Key: "window_end", Value: i64(e.WindowEnd)},
	}}
}

// EventRootSubmitted: type "root_submitted", attributes cycle, miner,
// entry_index, root, n_leaves, jrh (hex), position (among the
// submissions of the same hash).
type EventRootSubmitted struct {
	Cycle      uint64
	Miner      address.Address
	EntryIndex uint64
	Root       []byte
	NLeaves    uint64
	JRH        []byte
	Position   uint32
}

// Event implements event.Typed.
func (e EventRootSubmitted) Event() event.Event {
	return event.Event{Type: "root_submitted", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "miner", Value: e.Miner.String()},
		{Key: "entry_index", Value: u(e.EntryIndex)},
		{Key: "root", Value: hex.EncodeToString(e.Root)},
		{Key: "n_leaves", Value: u(e.NLeaves)},
		{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
		{Key: "position", Value: u(uint64(e.Position))},
	}}
}

// EventWindowReopened: type "mining_window_reopened", attributes cycle,
// window_start, window_end: a window closed without submissions.
type EventWindowReopened struct {
	Cycle                  uint64
	WindowStart, WindowEnd int64
}

// Event implements event.Typed.
func (e EventWindowReopened) Event() event.Event {
	return event.Event{Type: "mining_window_reopened", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "window_start", Value: i64(e.WindowStart)},
		{Key: "window_end", Value: i64(e.WindowEnd)},
	}}
}

// EventRootAccepted: type "root_accepted", attributes cycle, root,
// n_leaves, jrh, submissions.
type EventRootAccepted struct {
	Cycle       uint64
	Root        []byte
	NLeaves     uint64
	JRH         []byte
	Submissions int
}

// Event implements event.Typed.
func (e EventRootAccepted) Event() event.Event {
	return event.Event{Type: "root_accepted", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "root", Value: hex.EncodeToString(e.Root)},
		{Key: "n_leaves", Value: u(e.NLeaves)},
		{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
		{Key: "submissions", Value: strconv.Itoa(e.Submissions)},
	}}
}

// EventMinersRewarded: type "miners_rewarded", attributes cycle, miners
// (submissions rewarded), paid (ucell from the treasury), reputation
// (appended in the skill "mining").
type EventMinersRewarded struct {
	Cycle            uint64
	Miners           int
	Paid, Reputation uint64
}

// Event implements event.Typed.
func (e EventMinersRewarded) Event() event.Event {
	return event.Event{Type: "miners_rewarded", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "miners", Value: strconv.Itoa(e.Miners)},
		{Key: "paid", Value: u(e.Paid)},
		{Key: "reputation", Value: u(e.Reputation)},
	}}
}

// EventMiningBlocked: type "mining_blocked", attributes cycle, hashes
// (distinct submissions), submissions.
type EventMiningBlocked struct {
	Cycle               uint64
	Hashes, Submissions int
}

// Event implements event.Typed.
func (e EventMiningBlocked) Event() event.Event {
	return event.Event{Type: "mining_blocked", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "hashes", Value: strconv.Itoa(e.Hashes)},
		{Key: "submissions", Value: strconv.Itoa(e.Submissions)},
	}}
}

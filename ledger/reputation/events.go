package reputation

import (
	"encoding/hex"
	"strconv"
	"strings"

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
// submissions of the same hash), claim (the id of its Claim).
type EventRootSubmitted struct {
	Cycle      uint64
	Miner      address.Address
	EntryIndex uint64
	Root       []byte
	NLeaves    uint64
	JRH        []byte
	Position   uint32
	Claim      uint32
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
		{Key: "claim", Value: u32(e.Claim)},
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

// EventRoundStarted: type "challenge_round", attributes cycle, round,
// claims (alive at its start), challenges, bye ("true" when the last
// claim advances without an opponent). Emitted when a submission window
// closes with two or more distinct claims, and whenever a round ends with
// two or more claims left.
type EventRoundStarted struct {
	Cycle              uint64
	Round              uint32
	Claims, Challenges int
	Bye                bool
}

// Event implements event.Typed.
func (e EventRoundStarted) Event() event.Event {
	return event.Event{Type: "challenge_round", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "claims", Value: strconv.Itoa(e.Claims)},
		{Key: "challenges", Value: strconv.Itoa(e.Challenges)},
		{Key: "bye", Value: strconv.FormatBool(e.Bye)},
	}}
}

// EventClaimBye: type "claim_bye", attributes cycle, round, claim: the
// claim has no opponent in the round and advances.
type EventClaimBye struct {
	Cycle        uint64
	Round, Claim uint32
}

// Event implements event.Typed.
func (e EventClaimBye) Event() event.Event {
	return event.Event{Type: "claim_bye", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "claim", Value: u32(e.Claim)},
	}}
}

// EventChallengeOpened: type "challenge_opened", attributes cycle, round,
// index, claim0, claim1, step (StepName), deadline.
type EventChallengeOpened struct {
	Cycle        uint64
	Round, Index uint32
	Claims       [2]uint32
	Step         string
	Deadline     int64
}

// Event implements event.Typed.
func (e EventChallengeOpened) Event() event.Event {
	return event.Event{Type: "challenge_opened", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "index", Value: u32(e.Index)},
		{Key: "claim0", Value: u32(e.Claims[0])},
		{Key: "claim1", Value: u32(e.Claims[1])},
		{Key: "step", Value: e.Step},
		{Key: "deadline", Value: i64(e.Deadline)},
	}}
}

// EventChallengeAnswered: type "challenge_answered", attributes cycle,
// round, index, claim, step (the step answered), by (bech32 of the
// signer).
type EventChallengeAnswered struct {
	Cycle               uint64
	Round, Index, Claim uint32
	Step                string
	By                  address.Address
}

// Event implements event.Typed.
func (e EventChallengeAnswered) Event() event.Event {
	return event.Event{Type: "challenge_answered", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "index", Value: u32(e.Index)},
		{Key: "claim", Value: u32(e.Claim)},
		{Key: "step", Value: e.Step},
		{Key: "by", Value: e.By.String()},
	}}
}

// EventChallengeStep: type "challenge_step", attributes cycle, round,
// index, step (the step now awaited), lo, hi (the search's run of
// justification leaves), search_steps, deadline.
type EventChallengeStep struct {
	Cycle        uint64
	Round, Index uint32
	Step         string
	Lo, Hi       uint64
	SearchSteps  uint32
	Deadline     int64
}

// Event implements event.Typed.
func (e EventChallengeStep) Event() event.Event {
	return event.Event{Type: "challenge_step", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "index", Value: u32(e.Index)},
		{Key: "step", Value: e.Step},
		{Key: "lo", Value: u(e.Lo)},
		{Key: "hi", Value: u(e.Hi)},
		{Key: "search_steps", Value: u32(e.SearchSteps)},
		{Key: "deadline", Value: i64(e.Deadline)},
	}}
}

// EventChallengeDecided: type "challenge_decided", attributes cycle,
// round, index, winner (claim id, empty when both sides lost),
// invalidated (claim ids, comma-separated), reason (ReasonTimeout,
// ReasonLeafCount, ReasonSingleUpdate).
type EventChallengeDecided struct {
	Cycle        uint64
	Round, Index uint32
	HasWinner    bool
	Winner       uint32
	Invalidated  []uint32
	Reason       string
}

// Event implements event.Typed.
func (e EventChallengeDecided) Event() event.Event {
	winner := ""
	if e.HasWinner {
		winner = u32(e.Winner)
	}
	lost := make([]string, len(e.Invalidated))
	for i, c := range e.Invalidated {
		lost[i] = u32(c)
	}
	return event.Event{Type: "challenge_decided", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "round", Value: u32(e.Round)},
		{Key: "index", Value: u32(e.Index)},
		{Key: "winner", Value: winner},
		{Key: "invalidated", Value: strings.Join(lost, ",")},
		{Key: "reason", Value: e.Reason},
	}}
}

// EventMinerSlashed: type "miner_slashed", attributes cycle, claim,
// miner (bech32), stake (ucell taken), defenders (ucell paid to the
// defenders of the winning claim), treasury (ucell to the treasury).
type EventMinerSlashed struct {
	Cycle                      uint64
	Claim                      uint32
	Miner                      address.Address
	Stake, Defenders, Treasury uint64
}

// Event implements event.Typed.
func (e EventMinerSlashed) Event() event.Event {
	return event.Event{Type: "miner_slashed", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "claim", Value: u32(e.Claim)},
		{Key: "miner", Value: e.Miner.String()},
		{Key: "stake", Value: u(e.Stake)},
		{Key: "defenders", Value: u(e.Defenders)},
		{Key: "treasury", Value: u(e.Treasury)},
	}}
}

// EventMiningReopened: type "mining_reopened", attributes cycle,
// window_start, window_end: every claim of the cycle lost its challenge,
// and the submission window opens again (the lost claims stay barred).
type EventMiningReopened struct {
	Cycle                  uint64
	WindowStart, WindowEnd int64
}

// Event implements event.Typed.
func (e EventMiningReopened) Event() event.Event {
	return event.Event{Type: "mining_reopened", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "window_start", Value: i64(e.WindowStart)},
		{Key: "window_end", Value: i64(e.WindowEnd)},
	}}
}

func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// EventMiningStarted: type "mining_started", attributes cycle,
// window_start, window_end: the cycle before it was accepted, and this
// cycle, frozen earlier, is mined at once (a backlog, which recovery mode
// leaves when it sets an older root).
type EventMiningStarted struct {
	Cycle                  uint64
	WindowStart, WindowEnd int64
}

// Event implements event.Typed.
func (e EventMiningStarted) Event() event.Event {
	return event.Event{Type: "mining_started", Attributes: []event.Attribute{
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "window_start", Value: i64(e.WindowStart)},
		{Key: "window_end", Value: i64(e.WindowEnd)},
	}}
}

// optCycle renders an optional cycle: empty when absent.
func optCycle(c uint64, ok bool) string {
	if !ok {
		return ""
	}
	return u(c)
}

// EventRecoveryEntered: type "recovery_entered", attributes by (bech32),
// open_cycle, mining (the cycle being mined, empty when none),
// challenging ("true" while its claims are challenged).
type EventRecoveryEntered struct {
	By                  address.Address
	OpenCycle           uint64
	Mining, Challenging bool
	MiningCycle         uint64
}

// Event implements event.Typed.
func (e EventRecoveryEntered) Event() event.Event {
	return event.Event{Type: "recovery_entered", Attributes: []event.Attribute{
		{Key: "by", Value: e.By.String()},
		{Key: "open_cycle", Value: u(e.OpenCycle)},
		{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
		{Key: "challenging", Value: strconv.FormatBool(e.Challenging)},
	}}
}

// EventRecoveryRootSet: type "recovery_root_set", attributes by, edit
// (the edit sequence after it), cycle, root, n_leaves, jrh (hex), mining
// (the cycle mined next, from the end of recovery mode; empty when the
// open cycle must freeze first), dropped (submissions of the cycle that
// was being mined, dropped without rewards or slashing).
type EventRecoveryRootSet struct {
	By          address.Address
	Edit, Cycle uint64
	Root        []byte
	NLeaves     uint64
	JRH         []byte
	Mining      bool
	MiningCycle uint64
	Dropped     uint64
}

// Event implements event.Typed.
func (e EventRecoveryRootSet) Event() event.Event {
	return event.Event{Type: "recovery_root_set", Attributes: []event.Attribute{
		{Key: "by", Value: e.By.String()},
		{Key: "edit", Value: u(e.Edit)},
		{Key: "cycle", Value: u(e.Cycle)},
		{Key: "root", Value: hex.EncodeToString(e.Root)},
		{Key: "n_leaves", Value: u(e.NLeaves)},
		{Key: "jrh", Value: hex.EncodeToString(e.JRH)},
		{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
		{Key: "dropped", Value: u(e.Dropped)},
	}}
}

// EventRecoveryExitApproved: type "recovery_exit_approved", attributes
// by, edit (the edit sequence it approves), approvals (counted, this one
// included), needed.
type EventRecoveryExitApproved struct {
	By                address.Address
	Edit              uint64
	Approvals, Needed int
}

// Event implements event.Typed.
func (e EventRecoveryExitApproved) Event() event.Event {
	return event.Event{Type: "recovery_exit_approved", Attributes: []event.Attribute{
		{Key: "by", Value: e.By.String()},
		{Key: "edit", Value: u(e.Edit)},
		{Key: "approvals", Value: strconv.Itoa(e.Approvals)},
		{Key: "needed", Value: strconv.Itoa(e.Needed)},
	}}
}

// EventRecoveryExited: type "recovery_exited", attributes edit,
// approvals, paused (blocks spent in recovery mode), open_cycle_start
// (moved forward by paused), mining (the cycle being mined, empty when
// none), window_start, window_end (its new submission window; 0 while
// its claims are challenged), challenges (open challenges whose step
// deadline restarted).
type EventRecoveryExited struct {
	Edit                   uint64
	Approvals              int
	Paused, OpenCycleStart int64
	Mining                 bool
	MiningCycle            uint64
	WindowStart, WindowEnd int64
	Challenges             int
}

// Event implements event.Typed.
func (e EventRecoveryExited) Event() event.Event {
	return event.Event{Type: "recovery_exited", Attributes: []event.Attribute{
		{Key: "edit", Value: u(e.Edit)},
		{Key: "approvals", Value: strconv.Itoa(e.Approvals)},
		{Key: "paused", Value: i64(e.Paused)},
		{Key: "open_cycle_start", Value: i64(e.OpenCycleStart)},
		{Key: "mining", Value: optCycle(e.MiningCycle, e.Mining)},
		{Key: "window_start", Value: i64(e.WindowStart)},
		{Key: "window_end", Value: i64(e.WindowEnd)},
		{Key: "challenges", Value: strconv.Itoa(e.Challenges)},
	}}
}

// EventRecoveryAddressesSet: type "recovery_addresses_set", attributes
// addresses (bech32, comma-separated, in order), recovery ("true" in
// recovery mode, where it is an edit), edit (the edit sequence after it).
type EventRecoveryAddressesSet struct {
	Addresses []address.Address
	Recovery  bool
	Edit      uint64
}

// Event implements event.Typed.
func (e EventRecoveryAddressesSet) Event() event.Event {
	s := make([]string, len(e.Addresses))
	for i, a := range e.Addresses {
		s[i] = a.String()
	}
	return event.Event{Type: "recovery_addresses_set", Attributes: []event.Attribute{
		{Key: "addresses", Value: strings.Join(s, ",")},
		{Key: "recovery", Value: strconv.FormatBool(e.Recovery)},
		{Key: "edit", Value: u(e.Edit)},
	}}
}

package reputation

import (
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventCreateSkill: type "create_skill", attributes id, parent (0 for a
// root skill), path.
type EventCreateSkill struct {
	ID     uint64 `event:"id"`
	Parent uint64 `event:"parent"`
	Path   string `event:"path"`
}

// EventType implements event.Typed.
func (EventCreateSkill) EventType() string { return "create_skill" }

// EventUpdate: type "reputation_update", attributes cycle, index (in the
// cycle's log), colony, user (bech32), skill (id), amount (decimal, signed),
// n_updates, n_previous_updates.
type EventUpdate struct {
	Cycle            uint64          `event:"cycle"`
	Index            uint64          `event:"index"`
	Colony           address.Address `event:"colony"`
	User             address.Address `event:"user"`
	Skill            uint64          `event:"skill"`
	Amount           *big.Int        `event:"amount"`
	NUpdates         uint64          `event:"n_updates"`
	NPreviousUpdates uint64          `event:"n_previous_updates"`
}

// EventType implements event.Typed.
func (EventUpdate) EventType() string { return "reputation_update" }

// EventCycle: type "reputation_cycle", attributes mining (the cycle whose
// log was frozen), open (the new cycle), entries and updates (of the
// frozen log).
type EventCycle struct {
	Mining  uint64 `event:"mining"`
	Open    uint64 `event:"open"`
	Entries uint64 `event:"entries"`
	Updates uint64 `event:"updates"`
}

// EventType implements event.Typed.
func (EventCycle) EventType() string { return "reputation_cycle" }

// EventMinerStaked: type "miner_staked", attributes miner, amount, stake
// (after), since_height.
type EventMinerStaked struct {
	Miner       address.Address `event:"miner"`
	Amount      uint64          `event:"amount"`
	Stake       uint64          `event:"stake"`
	SinceHeight int64           `event:"since_height"`
}

// EventType implements event.Typed.
func (EventMinerStaked) EventType() string { return "miner_staked" }

// EventMinerUnstaked: type "miner_unstaked", attributes miner, amount,
// stake (after; 0 removes the miner).
type EventMinerUnstaked struct {
	Miner  address.Address `event:"miner"`
	Amount uint64          `event:"amount"`
	Stake  uint64          `event:"stake"`
}

// EventType implements event.Typed.
func (EventMinerUnstaked) EventType() string { return "miner_unstaked" }

// EventCycleFrozen: type "cycle_frozen", attributes cycle (frozen, now
// mined), open (the new cycle), window_start, window_end.
type EventCycleFrozen struct {
	Cycle       uint64 `event:"cycle"`
	Open        uint64 `event:"open"`
	WindowStart int64  `event:"window_start"`
	WindowEnd   int64  `event:"window_end"`
}

// EventType implements event.Typed.
func (EventCycleFrozen) EventType() string { return "cycle_frozen" }

// EventRootSubmitted: type "root_submitted", attributes cycle, miner,
// entry_index, root, n_leaves, jrh (hex), position (among the
// submissions of the same hash), claim (the id of its Claim).
type EventRootSubmitted struct {
	Cycle      uint64          `event:"cycle"`
	Miner      address.Address `event:"miner"`
	EntryIndex uint64          `event:"entry_index"`
	Root       []byte          `event:"root"`
	NLeaves    uint64          `event:"n_leaves"`
	JRH        []byte          `event:"jrh"`
	Position   uint32          `event:"position"`
	Claim      uint32          `event:"claim"`
}

// EventType implements event.Typed.
func (EventRootSubmitted) EventType() string { return "root_submitted" }

// EventWindowReopened: type "mining_window_reopened", attributes cycle,
// window_start, window_end: a window closed without submissions.
type EventWindowReopened struct {
	Cycle       uint64 `event:"cycle"`
	WindowStart int64  `event:"window_start"`
	WindowEnd   int64  `event:"window_end"`
}

// EventType implements event.Typed.
func (EventWindowReopened) EventType() string { return "mining_window_reopened" }

// EventRootAccepted: type "root_accepted", attributes cycle, root,
// n_leaves, jrh, submissions.
type EventRootAccepted struct {
	Cycle       uint64 `event:"cycle"`
	Root        []byte `event:"root"`
	NLeaves     uint64 `event:"n_leaves"`
	JRH         []byte `event:"jrh"`
	Submissions int    `event:"submissions"`
}

// EventType implements event.Typed.
func (EventRootAccepted) EventType() string { return "root_accepted" }

// EventMinersRewarded: type "miners_rewarded", attributes cycle, miners
// (submissions rewarded), paid (ucell from the miners' reward pool and
// the treasury), reputation
// (appended in the skill "mining").
type EventMinersRewarded struct {
	Cycle      uint64 `event:"cycle"`
	Miners     int    `event:"miners"`
	Paid       uint64 `event:"paid"`
	Reputation uint64 `event:"reputation"`
}

// EventType implements event.Typed.
func (EventMinersRewarded) EventType() string { return "miners_rewarded" }

// EventRoundStarted: type "challenge_round", attributes cycle, round,
// claims (alive at its start), challenges, bye ("true" when the last
// claim advances without an opponent). Emitted when a submission window
// closes with two or more distinct claims, and whenever a round ends with
// two or more claims left.
type EventRoundStarted struct {
	Cycle      uint64 `event:"cycle"`
	Round      uint32 `event:"round"`
	Claims     int    `event:"claims"`
	Challenges int    `event:"challenges"`
	Bye        bool   `event:"bye"`
}

// EventType implements event.Typed.
func (EventRoundStarted) EventType() string { return "challenge_round" }

// EventClaimBye: type "claim_bye", attributes cycle, round, claim: the
// claim has no opponent in the round and advances.
type EventClaimBye struct {
	Cycle uint64 `event:"cycle"`
	Round uint32 `event:"round"`
	Claim uint32 `event:"claim"`
}

// EventType implements event.Typed.
func (EventClaimBye) EventType() string { return "claim_bye" }

// EventChallengeOpened: type "challenge_opened", attributes cycle, round,
// index, claim0, claim1, step (StepName), deadline.
type EventChallengeOpened struct {
	Cycle    uint64    `event:"cycle"`
	Round    uint32    `event:"round"`
	Index    uint32    `event:"index"`
	Claims   [2]uint32 `event:"claim"`
	Step     string    `event:"step"`
	Deadline int64     `event:"deadline"`
}

// EventType implements event.Typed.
func (EventChallengeOpened) EventType() string { return "challenge_opened" }

// EventChallengeAnswered: type "challenge_answered", attributes cycle,
// round, index, claim, step (the step answered), by (bech32 of the
// signer).
type EventChallengeAnswered struct {
	Cycle uint64          `event:"cycle"`
	Round uint32          `event:"round"`
	Index uint32          `event:"index"`
	Claim uint32          `event:"claim"`
	Step  string          `event:"step"`
	By    address.Address `event:"by"`
}

// EventType implements event.Typed.
func (EventChallengeAnswered) EventType() string { return "challenge_answered" }

// EventChallengeStep: type "challenge_step", attributes cycle, round,
// index, step (the step now awaited), lo, hi (the search's run of
// justification leaves), search_steps, deadline.
type EventChallengeStep struct {
	Cycle       uint64 `event:"cycle"`
	Round       uint32 `event:"round"`
	Index       uint32 `event:"index"`
	Step        string `event:"step"`
	Lo          uint64 `event:"lo"`
	Hi          uint64 `event:"hi"`
	SearchSteps uint32 `event:"search_steps"`
	Deadline    int64  `event:"deadline"`
}

// EventType implements event.Typed.
func (EventChallengeStep) EventType() string { return "challenge_step" }

// EventChallengeDecided: type "challenge_decided", attributes cycle,
// round, index, winner (claim id, empty when both sides lost),
// invalidated (claim ids, comma-separated), reason (ReasonTimeout,
// ReasonLeafCount, ReasonSingleUpdate).
type EventChallengeDecided struct {
	Cycle       uint64   `event:"cycle"`
	Round       uint32   `event:"round"`
	Index       uint32   `event:"index"`
	HasWinner   bool     `event:"-"`
	Winner      uint32   `event:"winner,if=HasWinner"`
	Invalidated []uint32 `event:"invalidated"`
	Reason      string   `event:"reason"`
}

// EventType implements event.Typed.
func (EventChallengeDecided) EventType() string { return "challenge_decided" }

// EventMinerSlashed: type "miner_slashed", attributes cycle, claim,
// miner (bech32), stake (ucell taken), defenders (ucell paid to the
// defenders of the winning claim), treasury (ucell to the treasury).
type EventMinerSlashed struct {
	Cycle     uint64          `event:"cycle"`
	Claim     uint32          `event:"claim"`
	Miner     address.Address `event:"miner"`
	Stake     uint64          `event:"stake"`
	Defenders uint64          `event:"defenders"`
	Treasury  uint64          `event:"treasury"`
}

// EventType implements event.Typed.
func (EventMinerSlashed) EventType() string { return "miner_slashed" }

// EventMiningReopened: type "mining_reopened", attributes cycle,
// window_start, window_end: every claim of the cycle lost its challenge,
// and the submission window opens again (the lost claims stay barred).
type EventMiningReopened struct {
	Cycle       uint64 `event:"cycle"`
	WindowStart int64  `event:"window_start"`
	WindowEnd   int64  `event:"window_end"`
}

// EventType implements event.Typed.
func (EventMiningReopened) EventType() string { return "mining_reopened" }

// EventMiningStarted: type "mining_started", attributes cycle,
// window_start, window_end: the cycle before it was accepted, and this
// cycle, frozen earlier, is mined at once (a backlog, which recovery mode
// leaves when it sets an older root).
type EventMiningStarted struct {
	Cycle       uint64 `event:"cycle"`
	WindowStart int64  `event:"window_start"`
	WindowEnd   int64  `event:"window_end"`
}

// EventType implements event.Typed.
func (EventMiningStarted) EventType() string { return "mining_started" }

// EventRecoveryEntered: type "recovery_entered", attributes by (bech32),
// open_cycle, mining (the cycle being mined, empty when none),
// challenging ("true" while its claims are challenged).
type EventRecoveryEntered struct {
	By          address.Address `event:"by"`
	OpenCycle   uint64          `event:"open_cycle"`
	Mining      bool            `event:"-"`
	MiningCycle uint64          `event:"mining,if=Mining"`
	Challenging bool            `event:"challenging"`
}

// EventType implements event.Typed.
func (EventRecoveryEntered) EventType() string { return "recovery_entered" }

// EventRecoveryRootSet: type "recovery_root_set", attributes by, edit
// (the edit sequence after it), cycle, root, n_leaves, jrh (hex), mining
// (the cycle mined next, from the end of recovery mode; empty when the
// open cycle must freeze first), dropped (submissions of the cycle that
// was being mined, dropped without rewards or slashing).
type EventRecoveryRootSet struct {
	By          address.Address `event:"by"`
	Edit        uint64          `event:"edit"`
	Cycle       uint64          `event:"cycle"`
	Root        []byte          `event:"root"`
	NLeaves     uint64          `event:"n_leaves"`
	JRH         []byte          `event:"jrh"`
	Mining      bool            `event:"-"`
	MiningCycle uint64          `event:"mining,if=Mining"`
	Dropped     uint64          `event:"dropped"`
}

// EventType implements event.Typed.
func (EventRecoveryRootSet) EventType() string { return "recovery_root_set" }

// EventRecoveryExitApproved: type "recovery_exit_approved", attributes
// by, edit (the edit sequence it approves), approvals (counted, this one
// included), needed.
type EventRecoveryExitApproved struct {
	By        address.Address `event:"by"`
	Edit      uint64          `event:"edit"`
	Approvals int             `event:"approvals"`
	Needed    int             `event:"needed"`
}

// EventType implements event.Typed.
func (EventRecoveryExitApproved) EventType() string { return "recovery_exit_approved" }

// EventRecoveryExited: type "recovery_exited", attributes edit,
// approvals, paused (blocks spent in recovery mode), open_cycle_start
// (moved forward by paused), mining (the cycle being mined, empty when
// none), window_start, window_end (its new submission window; 0 while
// its claims are challenged), challenges (open challenges whose step
// deadline restarted).
type EventRecoveryExited struct {
	Edit           uint64 `event:"edit"`
	Approvals      int    `event:"approvals"`
	Paused         int64  `event:"paused"`
	OpenCycleStart int64  `event:"open_cycle_start"`
	Mining         bool   `event:"-"`
	MiningCycle    uint64 `event:"mining,if=Mining"`
	WindowStart    int64  `event:"window_start"`
	WindowEnd      int64  `event:"window_end"`
	Challenges     int    `event:"challenges"`
}

// EventType implements event.Typed.
func (EventRecoveryExited) EventType() string { return "recovery_exited" }

// EventRecoveryAddressesSet: type "recovery_addresses_set", attributes
// addresses (bech32, comma-separated, in order), recovery ("true" in
// recovery mode, where it is an edit), edit (the edit sequence after it).
type EventRecoveryAddressesSet struct {
	Addresses []address.Address `event:"addresses"`
	Recovery  bool              `event:"recovery"`
	Edit      uint64            `event:"edit"`
}

// EventType implements event.Typed.
func (EventRecoveryAddressesSet) EventType() string { return "recovery_addresses_set" }

// Events lists the events of the reputation module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{
		EventCreateSkill{},
		EventUpdate{},
		EventCycle{},
		EventMinerStaked{},
		EventMinerUnstaked{},
		EventCycleFrozen{},
		EventRootSubmitted{},
		EventWindowReopened{},
		EventRootAccepted{},
		EventMinersRewarded{},
		EventRoundStarted{},
		EventClaimBye{},
		EventChallengeOpened{},
		EventChallengeAnswered{},
		EventChallengeStep{},
		EventChallengeDecided{},
		EventMinerSlashed{},
		EventMiningReopened{},
		EventMiningStarted{},
		EventRecoveryEntered{},
		EventRecoveryRootSet{},
		EventRecoveryExitApproved{},
		EventRecoveryExited{},
		EventRecoveryAddressesSet{},
	}
}

package gov

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventProposalSubmitted: a proposal was submitted. ABCI type
// "proposal_submitted".
type EventProposalSubmitted struct {
	ProposalID       uint64          `event:"proposal_id"`
	Proposer         address.Address `event:"proposer"`
	Deposit          uint64          `event:"deposit"`
	DepositEndHeight int64           `event:"deposit_end_height"`
	NeedsReputation  bool            `event:"needs_reputation"`
}

// EventType implements event.Typed.
func (EventProposalSubmitted) EventType() string { return "proposal_submitted" }

// EventProposalDeposit: a deposit was added (also the initial one).
// ABCI type "proposal_deposit".
type EventProposalDeposit struct {
	ProposalID uint64          `event:"proposal_id"`
	Depositor  address.Address `event:"depositor"`
	Amount     uint64          `event:"amount"`
	Total      uint64          `event:"total"`
}

// EventType implements event.Typed.
func (EventProposalDeposit) EventType() string { return "proposal_deposit" }

// EventVotingStarted: the deposit reached gov_min_deposit; votes are
// taken below voting_end_height. ABCI type "voting_started".
type EventVotingStarted struct {
	ProposalID      uint64 `event:"proposal_id"`
	VotingEndHeight int64  `event:"voting_end_height"`
}

// EventType implements event.Typed.
func (EventVotingStarted) EventType() string { return "voting_started" }

// EventVoteCast: a vote was cast or replaced. Reputation is the proven
// reputation in decimal, empty without a proof. ABCI type "vote_cast".
type EventVoteCast struct {
	ProposalID uint64          `event:"proposal_id"`
	Voter      address.Address `event:"voter"`
	Option     string          `event:"option"`
	Reputation string          `event:"reputation"`
}

// EventType implements event.Typed.
func (EventVoteCast) EventType() string { return "vote_cast" }

// EventProposalTallied: voting ended (begin block). Status is "queued",
// "rejected" or "vetoed"; the counts are ucell of bonded stake.
// ABCI type "proposal_tallied".
type EventProposalTallied struct {
	ProposalID      uint64 `event:"proposal_id"`
	Status          string `event:"status"`
	Yes             uint64 `event:"yes"`
	No              uint64 `event:"no"`
	Abstain         uint64 `event:"abstain"`
	Veto            uint64 `event:"veto"`
	TotalBonded     uint64 `event:"total_bonded"`
	ReputationYes   string `event:"reputation_yes"`
	ReputationNo    string `event:"reputation_no"`
	ExecutionHeight int64  `event:"execution_height"`
}

// EventType implements event.Typed.
func (EventProposalTallied) EventType() string { return "proposal_tallied" }

// EventProposalExecuted: a passed proposal's messages ran (begin block).
// ABCI type "proposal_executed".
type EventProposalExecuted struct {
	ProposalID uint64 `event:"proposal_id"`
}

// EventType implements event.Typed.
func (EventProposalExecuted) EventType() string { return "proposal_executed" }

// EventProposalFailed: a passed proposal's execution failed and changed
// nothing (begin block). ABCI type "proposal_failed".
type EventProposalFailed struct {
	ProposalID uint64 `event:"proposal_id"`
	Reason     string `event:"reason"`
}

// EventType implements event.Typed.
func (EventProposalFailed) EventType() string { return "proposal_failed" }

// EventProposalCancelled: the proposer cancelled; Burned ucell of
// deposits were burned. ABCI type "proposal_cancelled".
type EventProposalCancelled struct {
	ProposalID uint64 `event:"proposal_id"`
	Burned     uint64 `event:"burned"`
}

// EventType implements event.Typed.
func (EventProposalCancelled) EventType() string { return "proposal_cancelled" }

// EventProposalExpired: the deposit period ended below gov_min_deposit;
// the deposits were returned (begin block). ABCI type "proposal_expired".
type EventProposalExpired struct {
	ProposalID uint64 `event:"proposal_id"`
}

// EventType implements event.Typed.
func (EventProposalExpired) EventType() string { return "proposal_expired" }

// Events lists the events of the gov module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{EventProposalSubmitted{}, EventProposalDeposit{}, EventVotingStarted{}, EventVoteCast{},
		EventProposalTallied{}, EventProposalExecuted{}, EventProposalFailed{}, EventProposalCancelled{}, EventProposalExpired{}}
}

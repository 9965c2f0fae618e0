package gov

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the gov module's codes.
const Codespace = "gov"

// Codes of codespace "gov". Numbers are appended, never renumbered.
var (
	// ErrInvalidProposal: a proposal's title, description or message
	// list breaks its rule (lengths, counts, a message not set).
	ErrInvalidProposal = codes.New(Codespace, 1, "invalid proposal")
	// ErrInvalidParamChange: a param change names no field of the params,
	// has a value that does not parse, or gives params that their
	// validation refuses.
	ErrInvalidParamChange = codes.New(Codespace, 2, "invalid param change")
	// ErrInvalidAmount: an amount is 0 where it must be positive, or a
	// sum overflows.
	ErrInvalidAmount = codes.New(Codespace, 3, "invalid amount")
	// ErrInvalidAddress: an address does not parse.
	ErrInvalidAddress = codes.New(Codespace, 4, "invalid address")
	// ErrNoProposal: no proposal has this id.
	ErrNoProposal = codes.New(Codespace, 5, "no such proposal")
	// ErrWrongStatus: the proposal is not in the period the message needs
	// (deposit, voting).
	ErrWrongStatus = codes.New(Codespace, 6, "wrong proposal status")
	// ErrInvalidOption: a vote's option is not yes, no, abstain or veto.
	ErrInvalidOption = codes.New(Codespace, 7, "invalid vote option")
	// ErrNotProposer: only the proposer may cancel a proposal.
	ErrNotProposer = codes.New(Codespace, 8, "not the proposer")
	// ErrNoReputation: a reputation proof proves no reputation.
	ErrNoReputation = codes.New(Codespace, 9, "no reputation")
)

// Codes lists the codes of the gov module, for schema.Codes.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidProposal, ErrInvalidParamChange, ErrInvalidAmount, ErrInvalidAddress,
		ErrNoProposal, ErrWrongStatus, ErrInvalidOption, ErrNotProposer, ErrNoReputation}
}

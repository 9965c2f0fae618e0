package gov

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the gov module. Every key starts with "gov/"; integers
// are 8 bytes big-endian, so byte order is numeric order.
//
//	"gov/next_id"                                 →  uint64, the id of the next proposal (from 1)
//	"gov/proposal/" ‖ id (8)                      →  ledgerpb.Proposal
//	"gov/deposit/" ‖ id (8) ‖ depositor (20)      →  ledgerpb.Deposit; removed when the deposit is returned or burned
//	"gov/vote/" ‖ id (8) ‖ voter (20)             →  ledgerpb.Vote
//	"gov/due/" ‖ height (8) ‖ id (8)              →  0x01: the block hook of height handles the proposal (end
//	                                                 of its deposit period, of its voting period, or its execution)
const (
	keyNextID      = "gov/next_id"
	prefixProposal = "gov/proposal/"
	prefixDeposit  = "gov/deposit/"
	prefixVote     = "gov/vote/"
	prefixDue      = "gov/due/"
)

// NextIDKey returns the state key of the next proposal id.
func NextIDKey() []byte { return []byte(keyNextID) }

// ProposalKey returns the state key of proposal id.
func ProposalKey(id uint64) []byte { return store.Key([]byte(prefixProposal), store.Uint64(id)) }

// ProposalPrefix returns the prefix shared by every proposal key.
func ProposalPrefix() []byte { return []byte(prefixProposal) }

// DepositKey returns the state key of depositor's deposit on proposal id.
func DepositKey(id uint64, depositor address.Address) []byte {
	return store.Key([]byte(prefixDeposit), store.Uint64(id), depositor[:])
}

// DepositPrefix returns the prefix of the deposits on proposal id.
func DepositPrefix(id uint64) []byte { return store.Key([]byte(prefixDeposit), store.Uint64(id)) }

// VoteKey returns the state key of voter's vote on proposal id.
func VoteKey(id uint64, voter address.Address) []byte {
	return store.Key([]byte(prefixVote), store.Uint64(id), voter[:])
}

// VotePrefix returns the prefix of the votes on proposal id.
func VotePrefix(id uint64) []byte { return store.Key([]byte(prefixVote), store.Uint64(id)) }

// DueKey returns the state key that makes the block hook of height handle
// proposal id.
func DueKey(height int64, id uint64) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(height)), store.Uint64(id))
}

// DepositTablePrefix returns the prefix shared by every deposit key.
func DepositTablePrefix() []byte { return []byte(prefixDeposit) }

// VoteTablePrefix returns the prefix shared by every vote key.
func VoteTablePrefix() []byte { return []byte(prefixVote) }

// DueTablePrefix returns the prefix shared by every due key.
func DueTablePrefix() []byte { return []byte(prefixDue) }

// DuePrefix returns the prefix of the proposals due at height.
func DuePrefix(height int64) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(height)))
}

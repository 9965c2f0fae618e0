package distribution

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the distribution module. Every key starts with
// "distribution/".
//
//	"distribution/validator/" ‖ operator (20)              →  ledgerpb.DistributionValidator
//	"distribution/start/" ‖ operator (20) ‖ delegator (20)  →  ledgerpb.DistributionStart
//	"distribution/outstanding"                             →  ucell allocated and not yet paid, 8 bytes big-endian
const (
	prefixValidator = "distribution/validator/"
	prefixStart     = "distribution/start/"
	keyOutstanding  = "distribution/outstanding"
)

// ValidatorKey returns the state key of the reward state of operator's
// validator.
func ValidatorKey(operator address.Address) []byte {
	return store.Key([]byte(prefixValidator), operator[:])
}

// StartKey returns the state key of where delegator's unpaid rewards at
// operator's validator start.
func StartKey(operator, delegator address.Address) []byte {
	return store.Key([]byte(prefixStart), operator[:], delegator[:])
}

// OutstandingKey returns the state key of the ucell allocated to
// validators and delegators but not yet paid.
func OutstandingKey() []byte { return []byte(keyOutstanding) }

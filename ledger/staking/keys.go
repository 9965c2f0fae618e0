package staking

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the staking module. Every key starts with "staking/";
// integers are 8 bytes big-endian, so byte order is numeric order.
//
//	"staking/validator/" ‖ operator (20)                  →  ledgerpb.Validator
//	"staking/consensus/" ‖ consensus address (20)         →  operator (20 bytes); a consensus key once used stays taken
//	"staking/power/" ‖ operator (20)                      →  voting power last sent to CometBFT, int64 as 8 bytes; absent = 0
//	"staking/unbonding/" ‖ completion height (8) ‖ operator (20) ‖ creation height (8) ‖ delegator (20)
//	                                                      →  ledgerpb.UnbondingEntry; walked in completion order
//	"staking/delegation/" ‖ operator (20) ‖ delegator (20) →  ledgerpb.Delegation
//	"staking/delegator/" ‖ delegator (20) ‖ operator (20)  →  empty: index of a delegator's delegations
//	"staking/redelegation/" ‖ completion height (8) ‖ src operator (20) ‖ creation height (8) ‖ delegator (20) ‖ dst operator (20)
//	                                                      →  ledgerpb.RedelegationEntry; walked in completion order
//	"staking/redelegated/" ‖ delegator (20) ‖ dst operator (20) ‖ completion height (8)
//	                                                      →  0x01: index of the redelegations that reached dst (the hop check)
//	"staking/unbonding_by_validator/" ‖ operator (20) ‖ creation height (8) ‖ completion height (8) ‖ delegator (20)
//	                                                      →  empty: index of the unbonding entries by validator, for slashes
//	"staking/redelegation_by_src/" ‖ src operator (20) ‖ creation height (8) ‖ completion height (8) ‖ delegator (20) ‖ dst operator (20)
//	                                                      →  empty: index of the redelegation entries by source, for slashes
//	"staking/signing/" ‖ operator (20)                    →  ledgerpb.SigningInfo
//	"staking/missed/" ‖ operator (20) ‖ window index (8)  →  0x01: the validator missed the block at that index of its window
//	"staking/changed"                                     →  0x01 while the validator set may have changed in the current block;
//	                                                         set by the handlers, removed by EndBlock, never committed
const (
	prefixValidator    = "staking/validator/"
	prefixConsensus    = "staking/consensus/"
	prefixPower        = "staking/power/"
	prefixUnbonding    = "staking/unbonding/"
	prefixDelegation   = "staking/delegation/"
	prefixDelegator    = "staking/delegator/"
	prefixRedelegation = "staking/redelegation/"
	prefixSigning      = "staking/signing/"
	prefixRedelegated  = "staking/redelegated/"
	prefixUnbondingVal = "staking/unbonding_by_validator/"
	prefixRedelegSrc   = "staking/redelegation_by_src/"
	prefixMissed       = "staking/missed/"
	keyChanged         = "staking/changed"
)

// ValidatorKey returns the state key of the validator of operator.
func ValidatorKey(operator address.Address) []byte {
	return store.Key([]byte(prefixValidator), operator[:])
}

// ValidatorPrefix returns the prefix shared by every validator key.
func ValidatorPrefix() []byte { return []byte(prefixValidator) }

// ConsensusKey returns the state key that maps a consensus address (the
// CometBFT validator address, sha256(consensus pubkey)[:20]) to the
// operator of the validator that uses the key.
func ConsensusKey(consAddr address.Address) []byte {
	return store.Key([]byte(prefixConsensus), consAddr[:])
}

// ConsensusPrefix returns the prefix shared by every consensus key.
func ConsensusPrefix() []byte { return []byte(prefixConsensus) }

// PowerKey returns the state key of the voting power last sent to
// CometBFT for the validator of operator.
func PowerKey(operator address.Address) []byte {
	return store.Key([]byte(prefixPower), operator[:])
}

// PowerPrefix returns the prefix shared by every power key.
func PowerPrefix() []byte { return []byte(prefixPower) }

// UnbondingKey returns the state key of the unbonding entry of delegator
// from the validator of operator created at creationHeight and completing
// at completionHeight.
func UnbondingKey(completionHeight int64, operator address.Address, creationHeight int64, delegator address.Address) []byte {
	return store.Key([]byte(prefixUnbonding), store.Uint64(uint64(completionHeight)), operator[:], store.Uint64(uint64(creationHeight)), delegator[:])
}

// DelegationKey returns the state key of delegator's delegation to the
// validator of operator.
func DelegationKey(operator, delegator address.Address) []byte {
	return store.Key([]byte(prefixDelegation), operator[:], delegator[:])
}

// DelegationPrefix returns the prefix of the delegations to operator's
// validator.
func DelegationPrefix(operator address.Address) []byte {
	return store.Key([]byte(prefixDelegation), operator[:])
}

// DelegatorKey returns the index key of delegator's delegation to the
// validator of operator.
func DelegatorKey(delegator, operator address.Address) []byte {
	return store.Key([]byte(prefixDelegator), delegator[:], operator[:])
}

// DelegatorPrefix returns the prefix of delegator's index keys.
func DelegatorPrefix(delegator address.Address) []byte {
	return store.Key([]byte(prefixDelegator), delegator[:])
}

// RedelegationKey returns the state key of a redelegation entry.
func RedelegationKey(completionHeight int64, src address.Address, creationHeight int64, delegator, dst address.Address) []byte {
	return store.Key([]byte(prefixRedelegation), store.Uint64(uint64(completionHeight)), src[:], store.Uint64(uint64(creationHeight)), delegator[:], dst[:])
}

// RedelegationPrefix returns the prefix shared by every redelegation key.
func RedelegationPrefix() []byte { return []byte(prefixRedelegation) }

// RedelegationEnd returns the exclusive end of the redelegation entries
// that complete at or before height.
func RedelegationEnd(height int64) []byte {
	return store.Key([]byte(prefixRedelegation), store.Uint64(uint64(height)+1))
}

// RedelegatedKey returns the index key of the redelegations of delegator
// into dst that stay slashable until completionHeight.
func RedelegatedKey(delegator, dst address.Address, completionHeight int64) []byte {
	return store.Key([]byte(prefixRedelegated), delegator[:], dst[:], store.Uint64(uint64(completionHeight)))
}

// RedelegatedPrefix returns the prefix of the index keys of delegator's
// redelegations into dst.
func RedelegatedPrefix(delegator, dst address.Address) []byte {
	return store.Key([]byte(prefixRedelegated), delegator[:], dst[:])
}

// UnbondingByValidatorKey returns the index key of an unbonding entry by
// its validator and creation height.
func UnbondingByValidatorKey(operator address.Address, creationHeight, completionHeight int64, delegator address.Address) []byte {
	return store.Key([]byte(prefixUnbondingVal), operator[:], store.Uint64(uint64(creationHeight)), store.Uint64(uint64(completionHeight)), delegator[:])
}

// UnbondingByValidatorPrefix returns the prefix of the index keys of the
// unbonding entries from operator's validator.
func UnbondingByValidatorPrefix(operator address.Address) []byte {
	return store.Key([]byte(prefixUnbondingVal), operator[:])
}

// RedelegationBySrcKey returns the index key of a redelegation entry by
// its source and creation height.
func RedelegationBySrcKey(src address.Address, creationHeight, completionHeight int64, delegator, dst address.Address) []byte {
	return store.Key([]byte(prefixRedelegSrc), src[:], store.Uint64(uint64(creationHeight)), store.Uint64(uint64(completionHeight)), delegator[:], dst[:])
}

// RedelegationBySrcPrefix returns the prefix of the index keys of the
// redelegations out of src's validator.
func RedelegationBySrcPrefix(src address.Address) []byte {
	return store.Key([]byte(prefixRedelegSrc), src[:])
}

// SigningKey returns the state key of the signing info of operator's
// validator.
func SigningKey(operator address.Address) []byte {
	return store.Key([]byte(prefixSigning), operator[:])
}

// MissedKey returns the state key of the missed-block bit at index of
// operator's window.
func MissedKey(operator address.Address, index uint64) []byte {
	return store.Key([]byte(prefixMissed), operator[:], store.Uint64(index))
}

// MissedPrefix returns the prefix of operator's missed-block bits.
func MissedPrefix(operator address.Address) []byte {
	return store.Key([]byte(prefixMissed), operator[:])
}

// UnbondingPrefix returns the prefix shared by every unbonding key.
func UnbondingPrefix() []byte { return []byte(prefixUnbonding) }

// UnbondingEnd returns the exclusive end of the unbonding entries that
// complete at or before height.
func UnbondingEnd(height int64) []byte {
	return store.Key([]byte(prefixUnbonding), store.Uint64(uint64(height)+1))
}

func changedKey() []byte { return []byte(keyChanged) }

// DecodePower decodes the value of a power key.
func DecodePower(value []byte) (int64, error) {
	v, err := store.ParseUint64(value)
	if err != nil || v > 1<<62 {
		return 0, fmt.Errorf("staking: %x is not a voting power", value)
	}
	return int64(v), nil
}

func encodePower(p int64) []byte { return store.Uint64(uint64(p)) }

func operatorOf(key []byte, prefix string) address.Address {
	return address.Address(key[len(prefix) : len(prefix)+address.Size])
}

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
//	"staking/unbonding/" ‖ completion height (8) ‖ operator (20) ‖ creation height (8)
//	                                                      →  ledgerpb.UnbondingEntry; walked in completion order
//	"staking/changed"                                     →  0x01 while the validator set may have changed in the current block;
//	                                                         set by the handlers, removed by EndBlock, never committed
const (
	prefixValidator = "staking/validator/"
	prefixConsensus = "staking/consensus/"
	prefixPower     = "staking/power/"
	prefixUnbonding = "staking/unbonding/"
	keyChanged      = "staking/changed"
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

// UnbondingKey returns the state key of the unbonding entry of operator
// created at creationHeight and completing at completionHeight.
func UnbondingKey(completionHeight int64, operator address.Address, creationHeight int64) []byte {
	return store.Key([]byte(prefixUnbonding), store.Uint64(uint64(completionHeight)), operator[:], store.Uint64(uint64(creationHeight)))
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

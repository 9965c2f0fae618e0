package reputation

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the reputation module. Every key starts with
// "reputation/"; integers are 8 bytes big-endian, so byte order is numeric
// order.
//
//	"reputation/skill/" ‖ id (8)                       →  ledgerpb.Skill
//	"reputation/children/" ‖ id (8) ‖ n (8)            →  id (8 bytes) of the n-th descendant (0-based) of skill id,
//	                                                      in creation order; n < Skill.n_children
//	"reputation/name/" ‖ path (UTF-8, variable)        →  id (8 bytes) of the skill with that path
//	"reputation/skill_count"                           →  number of skills = highest id (8 bytes); absent = 0
//	"reputation/cycle"                                 →  number of the open cycle (8 bytes); absent = 0
//	"reputation/log/" ‖ cycle (8) ‖ index (8)          →  ledgerpb.ReputationLogEntry; index 0, 1, 2, … per cycle
//	"reputation/mining_state"                          →  ledgerpb.MiningState; absent = cycle 0 open since height 0, no mining
//	"reputation/root"                                  →  ledgerpb.ReputationRoot, the latest accepted; absent = none
//	"reputation/miner/" ‖ address (20)                 →  ledgerpb.Miner
//	"reputation/submission/" ‖ cycle (8) ‖ n (8)       →  ledgerpb.Submission, the n-th (0-based) of the cycle
//	"reputation/entry/" ‖ cycle (8) ‖ miner (20) ‖ entry index (8)
//	                                                   →  0x01: the miner used the entry index in the cycle
//	"reputation/claim_hash/" ‖ cycle (8) ‖ submission hash (32)
//	                                                   →  id (8 bytes) of the claim of that (root, n_leaves, jrh) in the cycle
//	"reputation/claim/" ‖ cycle (8) ‖ id (8)           →  ledgerpb.Claim
//	"reputation/challenge/" ‖ cycle (8) ‖ round (8) ‖ index (8)
//	                                                   →  ledgerpb.Challenge
//	"reputation/challenge_due/" ‖ deadline (8) ‖ cycle (8) ‖ round (8) ‖ index (8)
//	                                                   →  0x01: the open challenge's step ends at deadline (a height ≥ 0)
//	"reputation/recovery"                              →  ledgerpb.RecoveryState; absent = no recovery addresses, not in recovery
//
// A name key ends with the path, which is the only variable-length part;
// nothing follows it, so two paths never share a key.
const (
	prefixSkill    = "reputation/skill/"
	prefixChildren = "reputation/children/"
	prefixName     = "reputation/name/"
	keySkillCount  = "reputation/skill_count"
	keyCycle       = "reputation/cycle"
	prefixLog      = "reputation/log/"

	keyMiningState   = "reputation/mining_state"
	keyRoot          = "reputation/root"
	prefixMiner      = "reputation/miner/"
	prefixSubmission = "reputation/submission/"
	prefixEntry      = "reputation/entry/"
	prefixClaimHash  = "reputation/claim_hash/"
	prefixClaim      = "reputation/claim/"
	prefixChallenge  = "reputation/challenge/"
	prefixDue        = "reputation/challenge_due/"
	keyRecovery      = "reputation/recovery"
)

// RecoveryKey returns the state key of the recovery record.
func RecoveryKey() []byte { return []byte(keyRecovery) }

// MiningStateKey returns the state key of the mining record.
func MiningStateKey() []byte { return []byte(keyMiningState) }

// RootKey returns the state key of the latest accepted reputation root.
func RootKey() []byte { return []byte(keyRoot) }

// MinerKey returns the state key of the miner addr.
func MinerKey(addr address.Address) []byte { return store.Key([]byte(prefixMiner), addr.Bytes()) }

// MinerPrefix returns the prefix shared by every miner key.
func MinerPrefix() []byte { return []byte(prefixMiner) }

// SubmissionKey returns the state key of the n-th submission of cycle.
func SubmissionKey(cycle, n uint64) []byte {
	return store.Key([]byte(prefixSubmission), store.Uint64(cycle), store.Uint64(n))
}

// SubmissionPrefix returns the prefix of the submissions of cycle.
func SubmissionPrefix(cycle uint64) []byte {
	return store.Key([]byte(prefixSubmission), store.Uint64(cycle))
}

// SubmissionTablePrefix returns the prefix shared by every submission key.
func SubmissionTablePrefix() []byte { return []byte(prefixSubmission) }

// EntryKey returns the state key marking that miner used entry index in
// cycle.
func EntryKey(cycle uint64, miner address.Address, index uint64) []byte {
	return store.Key([]byte(prefixEntry), store.Uint64(cycle), miner.Bytes(), store.Uint64(index))
}

// EntryMinerPrefix returns the prefix of the entry keys of miner in cycle.
func EntryMinerPrefix(cycle uint64, miner address.Address) []byte {
	return store.Key([]byte(prefixEntry), store.Uint64(cycle), miner.Bytes())
}

// EntryPrefix returns the prefix of the entry keys of cycle.
func EntryPrefix(cycle uint64) []byte { return store.Key([]byte(prefixEntry), store.Uint64(cycle)) }

// EntryTablePrefix returns the prefix shared by every entry key.
func EntryTablePrefix() []byte { return []byte(prefixEntry) }

// ClaimHashKey returns the state key of the id of the claim with
// submission hash h (SubmissionHash) in cycle.
func ClaimHashKey(cycle uint64, h [32]byte) []byte {
	return store.Key([]byte(prefixClaimHash), store.Uint64(cycle), h[:])
}

// ClaimHashPrefix returns the prefix of the claim hash keys of cycle.
func ClaimHashPrefix(cycle uint64) []byte {
	return store.Key([]byte(prefixClaimHash), store.Uint64(cycle))
}

// ClaimHashTablePrefix returns the prefix shared by every claim hash key.
func ClaimHashTablePrefix() []byte { return []byte(prefixClaimHash) }

// ClaimKey returns the state key of claim id of cycle.
func ClaimKey(cycle uint64, id uint32) []byte {
	return store.Key([]byte(prefixClaim), store.Uint64(cycle), store.Uint64(uint64(id)))
}

// ClaimPrefix returns the prefix of the claims of cycle.
func ClaimPrefix(cycle uint64) []byte { return store.Key([]byte(prefixClaim), store.Uint64(cycle)) }

// ClaimTablePrefix returns the prefix shared by every claim key.
func ClaimTablePrefix() []byte { return []byte(prefixClaim) }

// ChallengeKey returns the state key of challenge index of round of cycle.
func ChallengeKey(cycle uint64, round, index uint32) []byte {
	return store.Key([]byte(prefixChallenge), store.Uint64(cycle), store.Uint64(uint64(round)), store.Uint64(uint64(index)))
}

// ChallengeRoundPrefix returns the prefix of the challenges of round of
// cycle.
func ChallengeRoundPrefix(cycle uint64, round uint32) []byte {
	return store.Key([]byte(prefixChallenge), store.Uint64(cycle), store.Uint64(uint64(round)))
}

// ChallengePrefix returns the prefix of the challenges of cycle.
func ChallengePrefix(cycle uint64) []byte {
	return store.Key([]byte(prefixChallenge), store.Uint64(cycle))
}

// ChallengeTablePrefix returns the prefix shared by every challenge key.
func ChallengeTablePrefix() []byte { return []byte(prefixChallenge) }

// ChallengeDueKey returns the key marking that the step of challenge
// index of round of cycle ends at height deadline.
func ChallengeDueKey(deadline int64, cycle uint64, round, index uint32) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(deadline)), store.Uint64(cycle), store.Uint64(uint64(round)), store.Uint64(uint64(index)))
}

// ChallengeDuePrefix returns the prefix shared by every due key.
func ChallengeDuePrefix() []byte { return []byte(prefixDue) }

// ChallengeDueHeightPrefix returns the first due key of deadline height:
// iterating from ChallengeDuePrefix up to it visits the steps that ended
// before height.
func ChallengeDueHeightPrefix(height int64) []byte {
	return store.Key([]byte(prefixDue), store.Uint64(uint64(height)))
}

// DecodeChallengeDueKey returns the parts of a ChallengeDueKey. It panics
// on a key of another shape: due keys are only written by ChallengeDueKey.
func DecodeChallengeDueKey(key []byte) (deadline int64, cycle uint64, round, index uint32) {
	rest := key[len(prefixDue):]
	if len(rest) != 32 {
		panic(fmt.Sprintf("reputation: corrupt state: due key %x", key))
	}
	n := func(i int) uint64 { v, _ := store.ParseUint64(rest[8*i : 8*i+8]); return v }
	return int64(n(0)), n(1), uint32(n(2)), uint32(n(3))
}

// SkillKey returns the state key of the skill id.
func SkillKey(id uint64) []byte { return store.Key([]byte(prefixSkill), store.Uint64(id)) }

// SkillPrefix returns the prefix shared by every skill key.
func SkillPrefix() []byte { return []byte(prefixSkill) }

// ChildKey returns the state key of the n-th (0-based) descendant of the
// skill id.
func ChildKey(id, n uint64) []byte {
	return store.Key([]byte(prefixChildren), store.Uint64(id), store.Uint64(n))
}

// ChildrenPrefix returns the prefix of the descendant keys of the skill id.
func ChildrenPrefix(id uint64) []byte { return store.Key([]byte(prefixChildren), store.Uint64(id)) }

// ChildrenTablePrefix returns the prefix shared by every descendant key.
func ChildrenTablePrefix() []byte { return []byte(prefixChildren) }

// NameKey returns the state key of the skill path.
func NameKey(path string) []byte { return store.Key([]byte(prefixName), []byte(path)) }

// NamePrefix returns the prefix shared by every name key.
func NamePrefix() []byte { return []byte(prefixName) }

// SkillCountKey returns the state key of the number of skills.
func SkillCountKey() []byte { return []byte(keySkillCount) }

// CycleKey returns the state key of the number of the open cycle.
func CycleKey() []byte { return []byte(keyCycle) }

// LogKey returns the state key of entry index of the log of cycle.
func LogKey(cycle, index uint64) []byte {
	return store.Key([]byte(prefixLog), store.Uint64(cycle), store.Uint64(index))
}

// LogPrefix returns the prefix of the entries of the log of cycle.
func LogPrefix(cycle uint64) []byte { return store.Key([]byte(prefixLog), store.Uint64(cycle)) }

// LogTablePrefix returns the prefix shared by every log entry key.
func LogTablePrefix() []byte { return []byte(prefixLog) }

// DecodeID decodes the value of a descendant, name, skill-count or cycle
// key: an 8-byte big-endian integer.
func DecodeID(value []byte) (uint64, error) {
	v, err := store.ParseUint64(value)
	if err != nil {
		return 0, fmt.Errorf("reputation: %w", err)
	}
	return v, nil
}

func mustUint64(value []byte) uint64 {
	if value == nil {
		return 0
	}
	v, err := DecodeID(value)
	if err != nil {
		panic(fmt.Sprintf("reputation: corrupt state: %v", err))
	}
	return v
}

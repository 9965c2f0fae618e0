package reputation

import (
	"fmt"

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
)

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

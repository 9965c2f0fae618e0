package reputation

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the reputation module's codes.
const Codespace = "reputation"

// Codes of codespace "reputation". Numbers are appended, never renumbered.
var (
	// ErrInvalidSkillName: a skill name or path breaks the naming rules
	// (segments of [a-z0-9_-], at most MaxSegmentBytes each, at most
	// MaxSkillDepth segments, at most MaxSkillPathBytes in all).
	ErrInvalidSkillName = codes.New(Codespace, 1, "invalid skill name")
	// ErrUnknownSkill: a skill id or path names no skill.
	ErrUnknownSkill = codes.New(Codespace, 2, "unknown skill")
	// ErrSkillExists: a skill with that path exists already.
	ErrSkillExists = codes.New(Codespace, 3, "skill already exists")
	// ErrInvalidRating: stars outside 0 to 5.
	ErrInvalidRating = codes.New(Codespace, 4, "invalid rating")
)

// Codes lists the codes of codespace "reputation" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidSkillName, ErrUnknownSkill, ErrSkillExists, ErrInvalidRating}
}

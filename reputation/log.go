package reputation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
)

// AddressSize is the length of an address in bytes.
const AddressSize = 20

// Address is a 20-byte user or colony address, raw as in Colony. The zero
// Address, as a user, holds a colony's colony-wide totals.
type Address [AddressSize]byte

// IsZero reports whether a is the zero Address.
func (a Address) IsZero() bool { return a == Address{} }

var (
	maxAmount = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
	minAmount = new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127))
)

// MaxAmount returns 2^127 − 1, the highest amount of a log entry and the
// highest reputation (reputation.md: "clamped to [−2^127, 2^127−1]").
func MaxAmount() *big.Int { return new(big.Int).Set(maxAmount) }

// MinAmount returns −2^127, the lowest amount of a log entry.
func MinAmount() *big.Int { return new(big.Int).Set(minAmount) }

// Clamp returns a new big.Int: amount limited to [MinAmount, MaxAmount].
func Clamp(amount *big.Int) *big.Int {
	switch {
	case amount.Cmp(minAmount) < 0:
		return MinAmount()
	case amount.Cmp(maxAmount) > 0:
		return MaxAmount()
	}
	return new(big.Int).Set(amount)
}

// Entry is one entry of the reputation update log (reputation.md: "The
// reputation update log"; Colony's ReputationLogEntry).
type Entry struct {
	// User gains or loses reputation; the zero address only in miner
	// rewards.
	User Address
	// Amount of reputation, in [MinAmount, MaxAmount]; never nil.
	Amount *big.Int
	// Skill is the id of the skill (or domain), the origin of the updates.
	Skill uint64
	// Colony the reputation is held in.
	Colony Address
	// NUpdates is the number of updates the entry expands into:
	// 2 × (nParents + 1), plus 2 × nChildren when Amount < 0, as the skill
	// stood when the entry was appended.
	NUpdates uint64
	// NPreviousUpdates is the sum of NUpdates of the entries before this
	// one in the same log (0 for the first); decays are not counted.
	NPreviousUpdates uint64
}

// Log is a cycle's reputation update log, in order.
type Log []Entry

// NUpdates returns the number of updates the log expands into: the last
// entry's NPreviousUpdates + NUpdates, 0 for an empty log.
func (l Log) NUpdates() uint64 {
	if len(l) == 0 {
		return 0
	}
	e := l[len(l)-1]
	return e.NPreviousUpdates + e.NUpdates
}

// Append appends an entry for user in skill of colony, as Colony's
// appendReputationUpdateLog (reputation.md: "The reputation update log"):
// nothing is appended when amount is 0 or user is the zero address;
// otherwise the amount is clamped to [MinAmount, MaxAmount] and NUpdates
// and NPreviousUpdates are computed from the skill as it stands now. It
// reports whether an entry was appended, and returns an error when skill
// is not in skills.
func (l *Log) Append(skills *SkillTree, colony, user Address, skill uint64, amount *big.Int) (bool, error) {
	s, ok := skills.skill(skill)
	if !ok {
		return false, fmt.Errorf("reputation: append: skill %d: no such skill", skill)
	}
	if amount.Sign() == 0 || user.IsZero() {
		return false, nil
	}
	l.append(s, colony, user, amount)
	return true, nil
}

// AppendMinerReward appends the entry of a reputation miner's reward:
// unlike Append it appends a zero amount and a zero user too, as Colony's
// rewardStakersWithReputation does. It returns an error when skill is not
// in skills, or for a loss (a negative amount) of the zero address, which
// no replay accepts (see ErrBadEntry).
func (l *Log) AppendMinerReward(skills *SkillTree, colony, miner Address, skill uint64, amount *big.Int) error {
	s, ok := skills.skill(skill)
	if !ok {
		return fmt.Errorf("reputation: append miner reward: skill %d: no such skill", skill)
	}
	if amount.Sign() < 0 && miner.IsZero() {
		return fmt.Errorf("reputation: append miner reward: a loss of %v for the zero address", amount)
	}
	l.append(s, colony, miner, amount)
	return nil
}

func (l *Log) append(s *Skill, colony, user Address, amount *big.Int) {
	e := Entry{User: user, Amount: Clamp(amount), Skill: s.ID, Colony: colony}
	e.NUpdates = 2 * (s.NParents + 1)
	if e.Amount.Sign() < 0 {
		e.NUpdates += 2 * uint64(len(s.Children))
	}
	e.NPreviousUpdates = l.NUpdates()
	*l = append(*l, e)
}

// Key identifies a leaf of the reputation tree: the reputation of User (the
// zero Address for the colony-wide total) in Skill of Colony.
type Key struct {
	Colony Address
	Skill  uint64
	User   Address
}

// KeySize is the length of an encoded Key in bytes.
const KeySize = 72

// Bytes returns the tree key (reputation.md: "Key (72 bytes): colony (20)
// ‖ skill id (uint256 big-endian, 32) ‖ user (20)").
func (k Key) Bytes() [KeySize]byte {
	var b [KeySize]byte
	copy(b[:20], k.Colony[:])
	binary.BigEndian.PutUint64(b[44:52], k.Skill)
	copy(b[52:], k.User[:])
	return b
}

// StepKind says which rule of reputation.md §Values an update follows.
type StepKind uint8

// The kinds of update of an entry, in the order they run (reputation.md:
// "colony-wide children, parents, origin; then the user's children,
// parents, origin").
const (
	// StepChild updates a descendant of the origin skill (negative
	// amounts only).
	StepChild StepKind = iota + 1
	// StepParent updates an ancestor of the origin skill.
	StepParent
	// StepOrigin updates the entry's own skill.
	StepOrigin
)

// String returns "child", "parent" or "origin".
func (k StepKind) String() string {
	switch k {
	case StepChild:
		return "child"
	case StepParent:
		return "parent"
	case StepOrigin:
		return "origin"
	}
	return fmt.Sprintf("StepKind(%d)", uint8(k))
}

// Update is one reputation update of an entry: the leaf it changes and
// the rule it follows.
type Update struct {
	Key  Key
	Kind StepKind
}

// ErrBadEntry is returned for a log entry that cannot be expanded: its
// skill is unknown, its NUpdates or NPreviousUpdates do not fit the
// skill tree and the log, or it is a loss for the zero address. (Such a
// loss would update the colony-wide totals twice, the second time with
// the origin's reputation O taken before the first: no single state
// before an update shows that O, so no challenge could check it. Neither
// Append nor AppendMinerReward appends one.)
var ErrBadEntry = errors.New("reputation: bad log entry")

// checkAmount returns ErrBadEntry unless the entry's amount is in
// [MinAmount, MaxAmount] and is not a loss for the zero address.
func (e Entry) checkAmount() error {
	if e.Amount == nil || e.Amount.Cmp(minAmount) < 0 || e.Amount.Cmp(maxAmount) > 0 {
		return fmt.Errorf("%w: amount %v outside [-2^127, 2^127-1]", ErrBadEntry, e.Amount)
	}
	if e.Amount.Sign() < 0 && e.User.IsZero() {
		return fmt.Errorf("%w: a loss of %v for the zero address", ErrBadEntry, e.Amount)
	}
	return nil
}

// check returns the entry's skill, or ErrBadEntry.
func (e Entry) check(skills *SkillTree) (*Skill, error) {
	s, ok := skills.skill(e.Skill)
	if !ok {
		return nil, fmt.Errorf("%w: skill %d: no such skill", ErrBadEntry, e.Skill)
	}
	if err := e.checkAmount(); err != nil {
		return nil, err
	}
	_, kind, _ := Expansion(e.NUpdates, s.NParents, e.Amount.Sign() < 0, 0)
	if kind == 0 || e.NUpdates/2-1-s.NParents > uint64(len(s.Children)) {
		return nil, fmt.Errorf("%w: %d updates do not fit skill %d (%d parents, %d children, amount %v)",
			ErrBadEntry, e.NUpdates, e.Skill, s.NParents, len(s.Children), e.Amount)
	}
	return s, nil
}

// Update returns update r (0 ≤ r < NUpdates) of the entry (reputation.md:
// "Expanding an entry into updates"): for r < NUpdates/2 the colony-wide
// total, else the user; then, with j = r mod NUpdates/2, the child j, the
// ancestor at distance j − nChildUpdates + 1, or the origin. Errors:
// ErrBadEntry.
func (e Entry) Update(skills *SkillTree, r uint64) (Update, error) {
	s, err := e.check(skills)
	if err != nil {
		return Update{}, err
	}
	if r >= e.NUpdates {
		return Update{}, fmt.Errorf("%w: update %d of %d", ErrBadEntry, r, e.NUpdates)
	}
	return expand(e, s, r), nil
}

// Expansion is the rule of reputation.md "Expanding an entry into
// updates" (Colony whitepaper §7.6.1: "children are always updated in
// order, then parents, and then the reputation in question itself", "all
// colony-wide totals ... before any user-specific reputation"), on
// numbers alone, so that code without the skill tree (the ledger checking
// a challenge) applies the same rule as Replay. For update r of an entry
// of nUpdates updates in a skill with nParents ancestors, negative when
// its amount is: colonyWide when r < nUpdates/2; with j = r mod
// nUpdates/2 and nChild = nUpdates/2 − 1 − nParents for a loss (0
// otherwise), kind is StepChild for j < nChild with i = j, the index in
// Skill.Children; StepParent for j < nChild + nParents with i = j −
// nChild, the index in Skill.Ancestors (0 = the parent); StepOrigin with
// i = 0 otherwise. kind is 0 when the arguments describe no update: r ≥
// nUpdates, nUpdates odd, nUpdates/2 < nParents + 1, or nUpdates/2 ≠
// nParents + 1 for a gain. (That nChild does not exceed the skill's
// descendants is for the caller to check.)
func Expansion(nUpdates, nParents uint64, negative bool, r uint64) (colonyWide bool, kind StepKind, i uint64) {
	half := nUpdates / 2
	if nUpdates%2 != 0 || r >= nUpdates || half == 0 || half-1 < nParents {
		return false, 0, 0
	}
	var nChild uint64
	if negative {
		nChild = half - 1 - nParents
	} else if half-1 != nParents {
		return false, 0, 0
	}
	colonyWide = r < half
	switch j := r % half; {
	case j < nChild:
		return colonyWide, StepChild, j
	case j < nChild+nParents:
		return colonyWide, StepParent, j - nChild
	}
	return colonyWide, StepOrigin, 0
}

// expand returns update r of e, which check accepted with skill s.
func expand(e Entry, s *Skill, r uint64) Update {
	colonyWide, kind, i := Expansion(e.NUpdates, s.NParents, e.Amount.Sign() < 0, r)
	u := Update{Key: Key{Colony: e.Colony, Skill: e.Skill}, Kind: kind}
	if !colonyWide {
		u.Key.User = e.User
	}
	switch kind {
	case StepChild:
		u.Key.Skill = s.Children[i]
	case StepParent:
		u.Key.Skill = s.Ancestors[i]
	}
	return u
}

// Updates returns the NUpdates updates of the entry in order. Errors:
// ErrBadEntry.
func (e Entry) Updates(skills *SkillTree) ([]Update, error) {
	s, err := e.check(skills)
	if err != nil {
		return nil, err
	}
	out := make([]Update, e.NUpdates)
	for r := range out {
		out[r] = expand(e, s, uint64(r))
	}
	return out, nil
}

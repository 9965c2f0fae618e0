package reputation

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// AmountBytes is the size of an amount in state: a 16-byte big-endian
// two's complement integer, which holds exactly [MinAmount, MaxAmount].
const AmountBytes = 16

// MinAmount returns −2^127, the lowest amount of a log entry.
func MinAmount() *big.Int { return new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), 127)) }

// MaxAmount returns 2^127 − 1, the highest amount of a log entry.
func MaxAmount() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 127), big.NewInt(1))
}

// Clamp returns a new big.Int: amount limited to [MinAmount, MaxAmount]
// (reputation.md: "The amount is clamped to [−2^127, 2^127−1] when
// appended").
func Clamp(amount *big.Int) *big.Int {
	if lo := MinAmount(); amount.Cmp(lo) < 0 {
		return lo
	}
	if hi := MaxAmount(); amount.Cmp(hi) > 0 {
		return hi
	}
	return new(big.Int).Set(amount)
}

// EncodeAmount returns amount as AmountBytes bytes of big-endian two's
// complement. It panics outside [MinAmount, MaxAmount]: amounts are
// clamped before they are stored.
func EncodeAmount(amount *big.Int) []byte {
	if amount.Cmp(MinAmount()) < 0 || amount.Cmp(MaxAmount()) > 0 {
		panic(fmt.Sprintf("reputation: amount %s outside [-2^127, 2^127-1]", amount))
	}
	v := new(big.Int).Set(amount)
	if v.Sign() < 0 {
		v.Add(v, new(big.Int).Lsh(big.NewInt(1), 8*AmountBytes))
	}
	return v.FillBytes(make([]byte, AmountBytes))
}

// DecodeAmount is the inverse of EncodeAmount; it returns an error unless
// b is exactly AmountBytes long.
func DecodeAmount(b []byte) (*big.Int, error) {
	if len(b) != AmountBytes {
		return nil, fmt.Errorf("reputation: amount: want %d bytes, got %d", AmountBytes, len(b))
	}
	v := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), 8*AmountBytes))
	}
	return v, nil
}

// Entry is one entry of a reputation update log (reputation.md: "The
// reputation update log").
type Entry struct {
	// User gains or loses reputation; the zero address only in miner
	// rewards.
	User address.Address
	// Amount of reputation, in [MinAmount, MaxAmount]; never nil.
	Amount *big.Int
	// Skill is the id of the skill (or domain).
	Skill uint64
	// Colony the reputation is held in.
	Colony address.Address
	// NUpdates is the number of reputation updates the entry expands into:
	// 2 × (nParents + 1), plus 2 × nChildren when Amount < 0.
	NUpdates uint64
	// NPreviousUpdates is the sum of NUpdates of the entries before this
	// one in the same cycle (0 for the first); decays are not counted.
	NPreviousUpdates uint64
}

// Record returns the state record of e. It panics when e.Amount is
// outside [MinAmount, MaxAmount] (EncodeAmount).
func (e Entry) Record() *ledgerpb.ReputationLogEntry {
	return &ledgerpb.ReputationLogEntry{
		User:             e.User.Bytes(),
		Amount:           EncodeAmount(e.Amount),
		Skill:            e.Skill,
		Colony:           e.Colony.Bytes(),
		NUpdates:         e.NUpdates,
		NPreviousUpdates: e.NPreviousUpdates,
	}
}

// EntryFromRecord decodes a state record; it returns an error for an
// address that is not 20 bytes or an amount that is not 16.
func EntryFromRecord(r *ledgerpb.ReputationLogEntry) (Entry, error) {
	user, err := address.FromBytes(r.User)
	if err != nil {
		return Entry{}, fmt.Errorf("reputation: log entry: user: %w", err)
	}
	colony, err := address.FromBytes(r.Colony)
	if err != nil {
		return Entry{}, fmt.Errorf("reputation: log entry: colony: %w", err)
	}
	amount, err := DecodeAmount(r.Amount)
	if err != nil {
		return Entry{}, fmt.Errorf("reputation: log entry: %w", err)
	}
	return Entry{User: user, Amount: amount, Skill: r.Skill, Colony: colony, NUpdates: r.NUpdates, NPreviousUpdates: r.NPreviousUpdates}, nil
}

func mustEntry(value []byte) Entry {
	r := &ledgerpb.ReputationLogEntry{}
	codec.MustUnmarshal(value, r)
	e, err := EntryFromRecord(r)
	if err != nil {
		panic(fmt.Sprintf("reputation: corrupt state: %v", err))
	}
	return e
}

// NUpdates returns the number of reputation updates an entry of amount in
// skill s expands into: 2 × (nParents + 1), plus 2 × nChildren when
// amount < 0 (reputation.md; Colony's appendReputationUpdateLog).
func NUpdates(s *ledgerpb.Skill, amount *big.Int) uint64 {
	n := 2 * (s.NParents + 1)
	if amount.Sign() < 0 {
		n += 2 * s.NChildren
	}
	return n
}

// CurrentCycle returns the number of the open cycle, whose log receives
// new entries. The first cycle is 0.
func (k Keeper) CurrentCycle(st store.KVStore) uint64 { return mustUint64(st.Get(CycleKey())) }

// MiningCycle returns the number of the latest frozen cycle
// (CurrentCycle − 1), and false before the first StartCycle. Whether it
// is still being mined or accepted is in MiningState.
func (k Keeper) MiningCycle(st store.KVStore) (uint64, bool) {
	c := k.CurrentCycle(st)
	if c == 0 {
		return 0, false
	}
	return c - 1, true
}

// StartCycle freezes the log of the open cycle, which becomes the one
// being mined, and opens the next (reputation.md: "Each cycle the ledger
// freezes the log being mined and starts a new one"). It returns the
// numbers of both. When cycles start, and what happens to the mining of
// the previous one, is the caller's business.
func (k Keeper) StartCycle(st store.KVStore, ev *event.Log) (mining, open uint64) {
	mining = k.CurrentCycle(st)
	open = mining + 1
	st.Set(CycleKey(), store.Uint64(open))
	entries, updates := k.LogLength(st, mining)
	ev.Emit(EventCycle{Mining: mining, Open: open, Entries: entries, Updates: updates})
	return mining, open
}

// LogLength returns the number of entries of the log of cycle and the
// number of updates they expand into (the last entry's NPreviousUpdates
// + NUpdates); 0, 0 for an empty or unknown cycle.
func (k Keeper) LogLength(st store.KVStore, cycle uint64) (entries, updates uint64) {
	index, last, ok := k.lastEntry(st, cycle)
	if !ok {
		return 0, 0
	}
	return index + 1, last.NPreviousUpdates + last.NUpdates
}

func (k Keeper) lastEntry(st store.KVStore, cycle uint64) (uint64, Entry, bool) {
	p := LogPrefix(cycle)
	it := st.ReverseIterator(p, store.PrefixEnd(p))
	defer it.Close()
	if !it.Valid() {
		return 0, Entry{}, false
	}
	index := mustUint64(it.Key()[len(p):])
	return index, mustEntry(it.Value()), true
}

// LogEntry returns entry index of the log of cycle, and false if there is
// none.
func (k Keeper) LogEntry(st store.KVStore, cycle, index uint64) (Entry, bool) {
	b := st.Get(LogKey(cycle, index))
	if b == nil {
		return Entry{}, false
	}
	return mustEntry(b), true
}

// Log returns the entries of the log of cycle in order.
func (k Keeper) Log(st store.KVStore, cycle uint64) []Entry {
	p := LogPrefix(cycle)
	var out []Entry
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out = append(out, mustEntry(it.Value()))
	}
	return out
}

// Append appends an entry for user in skill of colony to the log of the
// open cycle, as Colony's appendReputationUpdateLog: nothing is appended
// when amount is 0 or user is the zero address (which holds the
// colony-wide totals); otherwise the amount is clamped to [MinAmount,
// MaxAmount] and NUpdates and NPreviousUpdates are computed from the
// skill as it stands now. It reports whether an entry was appended.
// Errors: ErrUnknownSkill.
func (k Keeper) Append(st store.KVStore, ev *event.Log, colony, user address.Address, skill uint64, amount *big.Int) (bool, error) {
	s := k.Skill(st, skill)
	if s == nil {
		return false, ErrUnknownSkill.Errorf("append: skill %d: no such skill", skill)
	}
	if amount.Sign() == 0 || user.IsZero() {
		return false, nil
	}
	k.append(st, ev, s, colony, user, amount)
	return true, nil
}

// AppendMinerReward appends the entry of a reputation miner's reward in
// skill of colony (normally SkillMining of NetworkColony) to the log of
// the open cycle. Unlike Append it appends a zero amount too, as Colony's
// rewardStakersWithReputation does, so that every miner of the accepted
// submission has its entry; the amount is clamped all the same. Errors:
// ErrUnknownSkill.
func (k Keeper) AppendMinerReward(st store.KVStore, ev *event.Log, colony, miner address.Address, skill uint64, amount *big.Int) error {
	s := k.Skill(st, skill)
	if s == nil {
		return ErrUnknownSkill.Errorf("append miner reward: skill %d: no such skill", skill)
	}
	k.append(st, ev, s, colony, miner, amount)
	return nil
}

func (k Keeper) append(st store.KVStore, ev *event.Log, s *ledgerpb.Skill, colony, user address.Address, amount *big.Int) {
	cycle := k.CurrentCycle(st)
	e := Entry{User: user, Amount: Clamp(amount), Skill: s.Id, Colony: colony}
	e.NUpdates = NUpdates(s, e.Amount)
	var index uint64
	if i, last, ok := k.lastEntry(st, cycle); ok {
		index = i + 1
		var carry uint64
		e.NPreviousUpdates, carry = bits.Add64(last.NPreviousUpdates, last.NUpdates, 0)
		if carry != 0 {
			panic("reputation: a cycle's update count overflows uint64") // needs 2^64 updates
		}
	}
	st.Set(LogKey(cycle, index), codec.Marshal(e.Record()))
	ev.Emit(EventUpdate{Cycle: cycle, Index: index, Colony: e.Colony, User: e.User, Skill: e.Skill, Amount: e.Amount,
		NUpdates: e.NUpdates, NPreviousUpdates: e.NPreviousUpdates})
}

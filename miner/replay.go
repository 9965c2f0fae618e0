package miner

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// Source is what a Replayer reads from the ledger: the skill tree, the
// frozen reputation update logs and the decay parameters. The chain
// implements it with the ledger's queries; tests use a fake.
type Source interface {
	// Skills returns every skill in creation order, ids 1, 2, 3, …
	// (query.Skills).
	Skills(ctx context.Context) ([]*ledgerpb.Skill, error)
	// Log iterates over the pages of the log of cycle from its first
	// entry, all read at one height (query.ReputationLog,
	// client.Client.ReputationLog).
	Log(ctx context.Context, cycle uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error]
	// Decay returns the decay parameters of the chain (params
	// decay_numerator and decay_denominator).
	Decay(ctx context.Context) (reputation.Params, error)
}

// Cycle is the reputation state a miner computed for one cycle: the state
// after replaying the frozen logs of cycles 0 … Cycle, each cycle decaying
// the previous state once before its log (reputation.md: "Decay").
type Cycle struct {
	// Cycle is the number of the cycle, from 0.
	Cycle uint64
	// State is the reputation state after the cycle; it is never modified.
	State *reputation.State
	// Root and NLeaves are the reputation root and its number of leaves,
	// JRH the justification root hash: what a miner submits.
	Root    patricia.Hash
	NLeaves uint64
	JRH     patricia.Hash
	// Justified is false for a cycle that Sync only passed through on the
	// way to a later one (neither the last asked for nor kept): its
	// justification tree was not built and JRH is zero.
	Justified bool
	// Entries is the number of entries of the cycle's log and Updates the
	// number of updates they expand into (decays not counted).
	Entries int
	Updates uint64
}

// SkillInfo names a skill of the tree.
type SkillInfo struct {
	ID   uint64
	Path string
}

// Replayer replays the frozen cycles of the chain in order and keeps the
// computed Cycle of the latest one and of the ones Keep asks for; the
// others are dropped once their successor is computed. Of the latest
// cycle, when its justification tree was built, it also keeps what
// answering its challenges takes (Defense). It is safe for concurrent
// use: Sync runs one at a time, readers never wait for a replay.
type Replayer struct {
	src Source

	sync sync.Mutex // one Sync at a time

	mu      sync.RWMutex
	skills  *reputation.SkillTree
	paths   []string // paths[id-1]
	parents []uint64 // parents[id-1]
	cycles  map[uint64]*Cycle
	latest  *Cycle
	defense *ledgerrep.Defense // of latest, nil when it is not justified
	keep    map[uint64]bool
}

// NewReplayer returns a Replayer of src that has replayed nothing yet.
func NewReplayer(src Source) *Replayer {
	return &Replayer{src: src, skills: &reputation.SkillTree{}, cycles: map[uint64]*Cycle{}, keep: map[uint64]bool{}}
}

// Sync replays every cycle up to and including through that is not
// replayed yet, from the state of the previous one (the first cycle
// starts from the empty state). It builds the justification tree (the
// JRH) of through and of the kept cycles only; the others are computed
// with reputation.Apply. The latest cycle's Defense is kept when its
// tree was built: through, the cycle a miner submits for and defends, is
// never only passed through. It returns the number of cycles replayed.
// Errors: those of the Source, a log that is not frozen yet (its cycle is
// not below the chain's current one), a log entry that does not decode or
// does not fit the skill tree (reputation.ErrBadEntry), a skill tree that
// is not in creation order. Cycles replayed before an error are kept.
func (r *Replayer) Sync(ctx context.Context, through uint64) (int, error) {
	r.sync.Lock()
	defer r.sync.Unlock()
	n := 0
	for {
		r.mu.RLock()
		prev := r.latest
		r.mu.RUnlock()
		next := uint64(0)
		if prev != nil {
			next = prev.Cycle + 1
		}
		if next > through {
			return n, nil
		}
		if err := r.syncSkills(ctx); err != nil {
			return n, err
		}
		log, err := FetchLog(ctx, r.src, next)
		if err != nil {
			return n, err
		}
		p, err := r.src.Decay(ctx)
		if err != nil {
			return n, fmt.Errorf("decay params: %w", err)
		}
		var prevState *reputation.State
		if prev != nil {
			prevState = prev.State
		}
		c := &Cycle{Cycle: next, Entries: len(log), Updates: log.NUpdates()}
		r.mu.RLock()
		justify := next == through || r.keep[next]
		r.mu.RUnlock()
		var defense *ledgerrep.Defense
		if justify {
			res, err := reputation.Replay(prevState, r.skills, p, log)
			if err != nil {
				return n, fmt.Errorf("replay cycle %d: %w", next, err)
			}
			c.State, c.Root, c.NLeaves, c.JRH, c.Justified = res.State, res.Root, res.NLeaves, res.Justification.Root(), true
			// The defense gets a skill tree of its own: answers are built
			// while later Syncs add skills to r.skills.
			skills, err := treeOf(r.parents)
			if err != nil {
				return n, err
			}
			defense = &ledgerrep.Defense{Cycle: next, Prev: prevState, Skills: skills, Params: p, Log: log, Result: res}
		} else {
			// A cycle passed on the way to through: only its state is
			// needed, and Apply costs a tenth of Replay.
			st, err := reputation.Apply(prevState, r.skills, p, log)
			if err != nil {
				return n, fmt.Errorf("replay cycle %d: %w", next, err)
			}
			c.State, c.Root, c.NLeaves = st, st.Root(), st.NLeaves()
		}
		r.mu.Lock()
		r.cycles[next] = c
		r.latest, r.defense = c, defense
		if prev != nil && !r.keep[prev.Cycle] {
			delete(r.cycles, prev.Cycle)
		}
		r.mu.Unlock()
		n++
	}
}

// syncSkills adds the skills created since the last call to the tree.
// The skill tree is read whole each time: skills are only ever added, and
// a replay may use a tree newer than its log (reputation.Replay).
func (r *Replayer) syncSkills(ctx context.Context) error {
	skills, err := r.src.Skills(ctx)
	if err != nil {
		return fmt.Errorf("skills: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := r.skills.Len(); i < len(skills); i++ {
		s := skills[i]
		id, err := r.skills.Add(s.GetParent())
		if err != nil {
			return fmt.Errorf("skill %d (%s): %w", s.GetId(), s.GetPath(), err)
		}
		if id != s.GetId() {
			return fmt.Errorf("skill %q: id %d, but it is skill number %d in creation order", s.GetPath(), s.GetId(), id)
		}
		r.paths = append(r.paths, s.GetPath())
		r.parents = append(r.parents, s.GetParent())
	}
	return nil
}

// treeOf builds the skill tree whose skill id i has parent parents[i-1].
func treeOf(parents []uint64) (*reputation.SkillTree, error) {
	t := &reputation.SkillTree{}
	for _, p := range parents {
		if _, err := t.Add(p); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Keep marks cycle as one to keep after its successor is computed (the
// accepted cycle, whose state the proofs are against), and lets go of the
// cycle kept before, unless it is the latest.
func (r *Replayer) Keep(cycle uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.keep {
		if c != cycle {
			delete(r.keep, c)
			if r.latest == nil || r.latest.Cycle != c {
				delete(r.cycles, c)
			}
		}
	}
	r.keep[cycle] = true
}

// Cycle returns the computed cycle c, and false when it is not replayed
// yet or was dropped.
func (r *Replayer) Cycle(c uint64) (*Cycle, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	cy, ok := r.cycles[c]
	return cy, ok
}

// Defense returns what answering the challenges of cycle takes, the
// replay that gave its root (ledger/reputation.Defense), and false unless
// cycle is the latest replayed and its justification tree was built.
func (r *Replayer) Defense(cycle uint64) (*ledgerrep.Defense, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.defense == nil || r.defense.Cycle != cycle {
		return nil, false
	}
	return r.defense, true
}

// Latest returns the latest replayed cycle, and false before the first.
func (r *Replayer) Latest() (*Cycle, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.latest, r.latest != nil
}

// Skills returns the skills known to the replayer, by id.
func (r *Replayer) Skills() []SkillInfo {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]SkillInfo, len(r.paths))
	for i, p := range r.paths {
		out[i] = SkillInfo{ID: uint64(i + 1), Path: p}
	}
	return out
}

// FetchLog reads the whole log of a frozen cycle from src, page by page,
// and decodes it. Errors: those of src; a cycle that is not frozen (not
// below the page's current_cycle); a page that is not the one asked for;
// an entry that does not decode.
func FetchLog(ctx context.Context, src Source, cycle uint64) (reputation.Log, error) {
	var log reputation.Log
	for page, err := range src.Log(ctx, cycle) {
		start := uint64(len(log))
		if err != nil {
			return nil, fmt.Errorf("log of cycle %d from %d: %w", cycle, start, err)
		}
		if page.GetCurrentCycle() <= cycle {
			return nil, fmt.Errorf("log of cycle %d: not frozen yet (the open cycle is %d)", cycle, page.GetCurrentCycle())
		}
		if page.GetCycle() != cycle || (len(page.GetEntries()) > 0 && page.GetStart() != start) {
			return nil, fmt.Errorf("log of cycle %d from %d: got the page of cycle %d from %d", cycle, start, page.GetCycle(), page.GetStart())
		}
		for i, rec := range page.GetEntries() {
			e, err := DecodeEntry(rec)
			if err != nil {
				return nil, fmt.Errorf("log of cycle %d, entry %d: %w", cycle, start+uint64(i), err)
			}
			log = append(log, e)
		}
	}
	return log, nil
}

// DecodeEntry converts a ledger log record into the entry the reputation
// library replays. Errors: an address that is not 20 bytes, an amount
// that is not 16.
func DecodeEntry(rec *ledgerpb.ReputationLogEntry) (reputation.Entry, error) {
	e, err := ledgerrep.EntryFromRecord(rec)
	if err != nil {
		return reputation.Entry{}, err
	}
	return reputation.Entry{
		User: reputation.Address(e.User), Amount: e.Amount, Skill: e.Skill, Colony: reputation.Address(e.Colony),
		NUpdates: e.NUpdates, NPreviousUpdates: e.NPreviousUpdates,
	}, nil
}

// NetworkColony returns the network colony's address as a reputation key
// holds it (ledger/reputation.NetworkColony).
func NetworkColony() reputation.Address { return reputation.Address(ledgerrep.NetworkColony()) }

// userKey returns the key of user's reputation in skill of the network
// colony.
func userKey(user address.Address, skill uint64) reputation.Key {
	return reputation.Key{Colony: NetworkColony(), Skill: skill, User: reputation.Address(user)}
}

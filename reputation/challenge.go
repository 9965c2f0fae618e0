package reputation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// The challenge-response protocol of Colony whitepaper §7.5.1 and
// reputation.md "Mining (on chain)", as pure functions: the ledger holds
// only roots and calls them on what the miners send; a miner calls them,
// with StateBefore and WitnessesFor, to answer.

var (
	// ErrBadSearchStep is returned by Search.CheckChildren and
	// Search.CheckLeaf for hashes that are not the side's own.
	ErrBadSearchStep = errors.New("reputation: bad search step")
	// ErrBadWitness is returned for a Witness that proves nothing against
	// the root it is checked against, or proves something impossible.
	ErrBadWitness = errors.New("reputation: bad witness")
	// ErrWrongKey is returned for a Witness of another key (or, for a
	// decay, another UID) than the update needs.
	ErrWrongKey = errors.New("reputation: witness of the wrong key")
	// ErrNoSuchUpdate is returned for an update index past the cycle's
	// last update.
	ErrNoSuchUpdate = errors.New("reputation: no such update")
)

// JustState is one leaf of a justification tree (reputation.md:
// "Justification tree"): a reputation root and its number of leaves. The
// zero JustState is the empty state, leaf 0 of the first cycle.
type JustState struct {
	Root    patricia.Hash
	NLeaves uint64
}

// Value returns the leaf's value, JustificationValue(s.Root, s.NLeaves).
func (s JustState) Value() patricia.Value { return JustificationValue(s.Root, s.NLeaves) }

// JustStateOf decodes a justification leaf value: the root from bytes
// [0, 32), nLeaves from bytes [56, 64). Bytes [32, 56), the high bytes of
// the uint256 nLeaves, are ignored: no state of this package has 2^64
// leaves, and JustStateOf(v).Value() == v only when they are zero, which
// a caller decoding a value from outside must check.
func JustStateOf(v patricia.Value) JustState {
	return JustState{Root: patricia.Hash(v[:32]), NLeaves: binary.BigEndian.Uint64(v[56:])}
}

// Search is the binary search over two justification trees of n leaves
// (indices 0 … n−1, n ≥ 2) for the first leaf where they differ (Colony
// whitepaper §7.5.1: "we must establish where the two submissions first
// differ"). Both trees agree on leaf 0, the accepted state, which the
// ledger checks before the search, and both have their last leaf at
// n − 1 (patricia.SequenceBranchMask).
//
// The search walks down the shape of a patricia.Sequence of n leaves: at
// each step both sides send the two child edge hashes of the current
// node (Justification.Children), the ledger checks each side's pair with
// CheckChildren and moves with Descend. It takes at most ⌈log₂ n⌉ steps.
// A Search is a value; its methods return a new one.
type Search struct {
	// Lo and Hi are the current run [Lo, Hi] of leaf indices, a node of
	// the tree; Lo == Hi when the search is done.
	Lo, Hi uint64
	// Start is the first bit of the edge into that node (0 at the root).
	Start int
	// Edge holds each side's edge hash into that node, initially its JRH.
	Edge [2]patricia.Hash
	// Steps is the number of steps taken.
	Steps int
}

// NewSearch starts the search over two trees of n leaves with roots jrh0
// and jrh1 (side 0 and side 1). It panics when n < 2: with one leaf there
// is no update to dispute.
func NewSearch(n uint64, jrh0, jrh1 patricia.Hash) Search {
	if n < 2 {
		panic(fmt.Sprintf("reputation: search over %d justification leaves", n))
	}
	return Search{Lo: 0, Hi: n - 1, Edge: [2]patricia.Hash{jrh0, jrh1}}
}

// Done reports whether the search has reached a leaf.
func (s Search) Done() bool { return s.Lo == s.Hi }

// CheckChildren reports whether e0 and e1 are side's (0 or 1) child edge
// hashes of the current node: EdgeHash(BranchHash(e0, e1),
// IndexPath(Lo), Start, bit) == Edge[side], bit being the node's branch
// bit (patricia.SequenceSplit(Lo, Hi)). Errors: ErrBadSearchStep, naming
// the side, also when the search is done or side is neither 0 nor 1.
func (s Search) CheckChildren(side int, e0, e1 patricia.Hash) error {
	if side != 0 && side != 1 {
		return fmt.Errorf("%w: no side %d", ErrBadSearchStep, side)
	}
	if s.Done() {
		return fmt.Errorf("%w: side %d: the search is done at leaf %d", ErrBadSearchStep, side, s.Lo)
	}
	bit, _ := patricia.SequenceSplit(s.Lo, s.Hi)
	h := patricia.NewHasher()
	if h.EdgeHash(h.BranchHash(e0, e1), patricia.IndexPath(s.Lo), s.Start, bit) != s.Edge[side] {
		return fmt.Errorf("%w: side %d: children do not hash to its edge into leaves [%d, %d]", ErrBadSearchStep, side, s.Lo, s.Hi)
	}
	return nil
}

// Descend takes both sides' checked children, c[side] = [e0, e1], and
// moves to the left child when the sides' left children differ, else to
// the right child, counting a step. Equal left children mean equal left
// subtrees, so the search ends at the first (leftmost) leaf L where the
// trees differ: leaf L − 1 is the last state both agree on and the
// disputed update is L − 1 (whitepaper §7.5.1: "the transition from RHi
// to RHi+1 ... where they agree on the starting state but disagree on the
// result"). It returns s unchanged, Steps included, when s is done or
// when the sides' children are equal on both sides, which checked
// children cannot be, since the two Edges differ.
func (s Search) Descend(c [2][2]patricia.Hash) Search {
	if s.Done() {
		return s
	}
	bit, m := patricia.SequenceSplit(s.Lo, s.Hi)
	switch {
	case c[0][0] != c[1][0]:
		s.Hi, s.Edge = m-1, [2]patricia.Hash{c[0][0], c[1][0]}
	case c[0][1] != c[1][1]:
		s.Lo, s.Edge = m, [2]patricia.Hash{c[0][1], c[1][1]}
	default:
		return s
	}
	s.Start = bit + 1
	s.Steps++
	return s
}

// CheckLeaf reports, once the search is done, whether v is the value of
// side's leaf Lo: EdgeHash(keccak256(v), IndexPath(Lo), Start, 256) ==
// Edge[side]. So the ledger learns each side's state after the disputed
// update without another proof. Errors: ErrBadSearchStep, naming the
// side, also when the search is not done or side is neither 0 nor 1.
func (s Search) CheckLeaf(side int, v patricia.Value) error {
	if side != 0 && side != 1 {
		return fmt.Errorf("%w: no side %d", ErrBadSearchStep, side)
	}
	if !s.Done() {
		return fmt.Errorf("%w: side %d: the search is at leaves [%d, %d], not at a leaf", ErrBadSearchStep, side, s.Lo, s.Hi)
	}
	h := patricia.NewHasher()
	if h.EdgeHash(h.Sum(v[:]), patricia.IndexPath(s.Lo), s.Start, 256) != s.Edge[side] {
		return fmt.Errorf("%w: side %d: the value does not hash to its edge into leaf %d", ErrBadSearchStep, side, s.Lo)
	}
	return nil
}

// Disputed returns the index of the disputed update, L − 1 for the leaf
// L the search ended at: justification leaf L − 1 is the state before
// it, leaf L the state after. It panics unless the search is done at a
// leaf L ≥ 1 (both trees agree on leaf 0, so a search of two different
// trees never ends there).
func (s Search) Disputed() uint64 {
	if !s.Done() || s.Lo == 0 {
		panic(fmt.Sprintf("reputation: no disputed update in a search at leaves [%d, %d]", s.Lo, s.Hi))
	}
	return s.Lo - 1
}

// Children returns the edge hashes of the two children of the node over
// the leaves [a, b] (a < b) of the justification tree, and false when
// [a, b] is not a node (patricia.Sequence.Children): what a miner sends
// at each step of a Search.
func (j *Justification) Children(a, b uint64) (e0, e1 patricia.Hash, ok bool) {
	return j.seq.Children(a, b)
}

// LocateUpdate returns what update t of a cycle is, the previous state
// having decays leaves (whitepaper §7.6.1: "A decay transition is
// identified by ... an index in the justification tree smaller than the
// number of leaves in the reputation tree at the end of the last
// successful update"; reputation.md "Decay"): for t < decays, the decay
// of the leaf with UID uid = t + 1 (entry −1, r 0); otherwise update r of
// log entry entry, the one with NPreviousUpdates ≤ t − decays <
// NPreviousUpdates + NUpdates, found by binary search, r = t − decays −
// NPreviousUpdates (uid 0). Errors: ErrNoSuchUpdate when t ≥ decays +
// log.NUpdates(); ErrBadEntry when the log's NPreviousUpdates do not add
// up.
func LocateUpdate(decays uint64, log Log, t uint64) (decay bool, uid uint64, entry int, r uint64, err error) {
	if t < decays {
		return true, t + 1, -1, 0, nil
	}
	u := t - decays
	if u >= log.NUpdates() {
		return false, 0, -1, 0, fmt.Errorf("%w: update %d of a cycle of %d decays and %d log updates", ErrNoSuchUpdate, t, decays, log.NUpdates())
	}
	i := sort.Search(len(log), func(i int) bool { return log[i].NPreviousUpdates+log[i].NUpdates > u })
	if i == len(log) || u < log[i].NPreviousUpdates {
		return false, 0, -1, 0, fmt.Errorf("%w: no entry holds log update %d", ErrBadEntry, u)
	}
	return false, 0, i, u - log[i].NPreviousUpdates, nil
}

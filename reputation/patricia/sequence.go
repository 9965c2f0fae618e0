package patricia

import (
	"fmt"
	"math/bits"
	"slices"
)

// Sequence is the unhashed Patricia tree whose leaves sit at the paths
// IndexPath(0), IndexPath(1), …, IndexPath(n−1): the shape of the
// justification tree (reputation.md: "the path is the update index itself
// as a uint256"). It gives the same root and proofs as a Tree holding the
// same leaves, but stores only the values and, once Root is called, one
// hash per node, laid out in pre-order: the tree over a run of
// consecutive indices splits at the highest bit in which its first and
// last index differ.
//
// Append is O(1); Root rehashes the whole sequence if anything was
// appended since the last call (2n−1 edges); Prove is O(depth) after Root.
// The zero Sequence is empty and usable.
type Sequence struct {
	values []Value
	hashes []Hash // edge hash of each node in pre-order; valid when len(hashes) == 2·len(values) − 1
	h      *Hasher
}

// Append adds a leaf at path IndexPath(s.Len()).
func (s *Sequence) Append(v *Value) {
	s.values = append(s.values, *v)
	s.hashes = s.hashes[:0]
}

// Grow makes room for n more leaves without reallocating.
func (s *Sequence) Grow(n int) { s.values = slices.Grow(s.values, n) }

// Len returns the number of leaves.
func (s *Sequence) Len() uint64 { return uint64(len(s.values)) }

// Leaf returns the value of leaf i and whether there is one.
func (s *Sequence) Leaf(i uint64) (Value, bool) {
	if i >= s.Len() {
		return Value{}, false
	}
	return s.values[i], true
}

// Root returns the root hash; the empty sequence's root is the zero Hash.
func (s *Sequence) Root() Hash {
	n := len(s.values)
	if n == 0 {
		return Hash{}
	}
	if len(s.hashes) != 2*n-1 {
		if s.h == nil {
			s.h = NewHasher()
		}
		if cap(s.hashes) >= 2*n-1 {
			s.hashes = s.hashes[:2*n-1]
		} else {
			s.hashes = make([]Hash, 2*n-1)
		}
		s.hash(0, uint64(n-1), 0, 0)
	}
	return s.hashes[0]
}

// split returns the branch bit of the run [a, b] (a < b) and the first
// index whose path takes the 1 side.
func split(a, b uint64) (d int, m uint64) {
	h := bits.Len64(a^b) - 1
	return 255 - h, b >> uint(h) << uint(h)
}

// hash fills s.hashes[pos] with the hash of the edge, starting at bit
// start, into the node of the run [a, b], and the hashes of its subtree.
func (s *Sequence) hash(a, b uint64, start, pos int) {
	w := words{0, 0, 0, a}
	if a == b {
		nodeHash := s.h.Sum(s.values[a][:])
		s.hashes[pos] = s.h.edgeHash(&nodeHash, &w, start, 256)
		return
	}
	d, m := split(a, b)
	right := pos + 2*int(m-a)
	s.hash(a, m-1, d+1, pos+1)
	s.hash(m, b, d+1, right)
	nodeHash := s.h.branchHash(&s.hashes[pos+1], &s.hashes[right])
	s.hashes[pos] = s.h.edgeHash(&nodeHash, &w, start, d)
}

// Prove returns the value of leaf i and its proof against Root, or false
// when there is no leaf i.
func (s *Sequence) Prove(i uint64) (Value, Proof, bool) {
	if i >= s.Len() {
		return Value{}, Proof{}, false
	}
	s.Root()
	var p Proof
	a, b, pos := uint64(0), s.Len()-1, 0
	for a != b {
		d, m := split(a, b)
		p.BranchMask[d>>3] |= 0x80 >> uint(d&7)
		right := pos + 2*int(m-a)
		if i < m {
			p.Siblings = append(p.Siblings, s.hashes[right])
			b, pos = m-1, pos+1
		} else {
			p.Siblings = append(p.Siblings, s.hashes[pos+1])
			a, pos = m, right
		}
	}
	return s.values[i], p, true
}

// SequenceSplit returns where the tree of a Sequence branches over the
// run [a, b] of consecutive indices (a < b): the branch bit (0 = the most
// significant bit of the 256-bit path), the highest bit in which a and b
// differ, and m, the first index of the run whose path has a 1 there, so
// that the children are the runs [a, m−1] and [m, b]. It panics unless
// a < b.
func SequenceSplit(a, b uint64) (bit int, m uint64) {
	if a >= b {
		panic(fmt.Sprintf("patricia: split of the run [%d, %d]", a, b))
	}
	return split(a, b)
}

// SequenceBranchMask returns the branch mask of the proof of leaf i in a
// Sequence of n leaves, the mask Sequence.Prove returns: a branch bit is
// set for each split on the way from the run [0, n−1] down to i. It
// panics unless i < n.
//
// For the last leaf, SequenceBranchMask(N+1, N) is N itself as a uint256:
// leaf N has a branch at bit b exactly when some leaf agrees with N above
// b and differs at b. Where N has a 1, the leaf with that prefix and a 0
// at b is below N, so it exists; where N has a 0, such a leaf is above N.
// A tree holding leaf N and any leaf X > N therefore has a branch on N's
// path at the highest bit where X has a 1 and N a 0, a bit that
// SequenceBranchMask(N+1, N) does not have: a verified proof of leaf N
// with this mask shows that the tree has no leaf past N (Colony
// whitepaper §7.5.1: "by noting the steps at which a hash is hashed with
// itself, we can determine the index of the last leaf").
func SequenceBranchMask(n, i uint64) [32]byte {
	if i >= n {
		panic(fmt.Sprintf("patricia: branch mask of leaf %d of %d", i, n))
	}
	var mask [32]byte
	a, b := uint64(0), n-1
	for a != b {
		d, m := split(a, b)
		mask[d>>3] |= 0x80 >> uint(d&7)
		if i < m {
			b = m - 1
		} else {
			a = m
		}
	}
	return mask
}

// Children returns the edge hashes of the two children of the node over
// the run [a, b] (a < b), the hashes that proofs through that node carry
// as siblings, and false when [a, b] is not a node of the tree: not a run
// reached from [0, Len()−1] by SequenceSplit. It is O(depth) after Root.
func (s *Sequence) Children(a, b uint64) (e0, e1 Hash, ok bool) {
	if a >= b || b >= s.Len() {
		return Hash{}, Hash{}, false
	}
	s.Root()
	lo, hi, pos := uint64(0), s.Len()-1, 0
	for lo != hi {
		_, m := split(lo, hi)
		right := pos + 2*int(m-lo)
		switch {
		case lo == a && hi == b:
			return s.hashes[pos+1], s.hashes[right], true
		case b < m:
			hi, pos = m-1, pos+1
		case a >= m:
			lo, pos = m, right
		default:
			return Hash{}, Hash{}, false // [a, b] straddles the split
		}
	}
	return Hash{}, Hash{}, false
}

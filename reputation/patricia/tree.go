package patricia

import (
	"errors"
	"fmt"
	"math/bits"
)

// ValueSize is the size of a leaf value in bytes: both trees of
// reputation.md store 64-byte values (reputation ‖ uid, or root ‖
// nLeaves).
const ValueSize = 64

// Value is a leaf value.
type Value [ValueSize]byte

// none marks a missing node index.
const none = -1

// node is a leaf or a branch, kept in Tree.nodes and addressed by index.
type node struct {
	path   words // a path under this node: every path below shares its bits [0, end)
	hash   Hash  // hash of the edge into this node; valid unless dirty
	child  [2]int32
	parent int32
	end    uint16 // branch: the bit consumed here; leaf: 256
	dirty  bool
	leaf   int32 // leaf: index into Tree.values; branch: none
}

// Tree is a keccak256 binary Patricia tree over 256-bit paths with 64-byte
// values. The zero Tree is not usable; make one with New.
type Tree struct {
	nodes  []node
	values []Value
	leaves []int32 // node of each leaf, by leaf index
	root   int32
	h      *Hasher
}

// New returns an empty tree; its root is the zero Hash.
func New() *Tree { return &Tree{root: none, h: NewHasher()} }

// Clone returns an independent copy of t.
func (t *Tree) Clone() *Tree {
	return &Tree{
		nodes:  append([]node(nil), t.nodes...),
		values: append([]Value(nil), t.values...),
		leaves: append([]int32(nil), t.leaves...),
		root:   t.root,
		h:      NewHasher(),
	}
}

// Len returns the number of leaves.
func (t *Tree) Len() int { return len(t.values) }

// Set inserts or updates the leaf at path and returns its leaf index:
// 0, 1, 2, … in order of first insertion. Leaves are never deleted.
func (t *Tree) Set(path Path, v *Value) int {
	w := toWords(path)
	if t.root == none {
		t.root = t.newLeaf(w, v, none)
		t.markDirty(t.root)
		return len(t.values) - 1
	}
	n, start := t.root, 0
	for {
		nd := &t.nodes[n]
		end := int(nd.end)
		if p := firstDiff(&w, &nd.path, start, end); p < end {
			// A new branch at bit p above n: n keeps its subtree, its
			// label now starts after p.
			parent := nd.parent
			b := int32(len(t.nodes))
			t.nodes = append(t.nodes, node{path: w, parent: parent, end: uint16(p), leaf: none})
			l := t.newLeaf(w, v, b)
			side := w.bit(p)
			t.nodes[b].child[side] = l
			t.nodes[b].child[1-side] = n
			t.nodes[n].parent = b
			t.nodes[n].dirty = true
			if parent == none {
				t.root = b
			} else if t.nodes[parent].child[0] == n {
				t.nodes[parent].child[0] = b
			} else {
				t.nodes[parent].child[1] = b
			}
			t.markDirty(l)
			return len(t.values) - 1
		}
		if nd.leaf != none {
			t.values[nd.leaf] = *v
			t.markDirty(n)
			return int(nd.leaf)
		}
		n, start = nd.child[w.bit(end)], end+1
	}
}

func (t *Tree) newLeaf(w words, v *Value, parent int32) int32 {
	n := int32(len(t.nodes))
	t.nodes = append(t.nodes, node{path: w, child: [2]int32{none, none}, parent: parent, end: 256, leaf: int32(len(t.values))})
	t.values = append(t.values, *v)
	t.leaves = append(t.leaves, n)
	return n
}

// SetLeaf replaces the value of leaf i (an index returned by Set). It
// panics if there is no such leaf.
func (t *Tree) SetLeaf(i int, v *Value) {
	if t.values[i] == *v {
		return // the same value: nothing to rehash
	}
	t.values[i] = *v
	t.markDirty(t.leaves[i])
}

// Leaf returns the value of leaf i (an index returned by Set). It panics
// if there is no such leaf.
func (t *Tree) Leaf(i int) Value { return t.values[i] }

// markDirty marks n and its ancestors for rehashing. A dirty node's
// ancestors are always dirty, so the walk stops at the first one.
func (t *Tree) markDirty(n int32) {
	for n != none && !t.nodes[n].dirty {
		t.nodes[n].dirty = true
		n = t.nodes[n].parent
	}
}

// find returns the node of the leaf at path, or none.
func (t *Tree) find(w *words) int32 {
	n, start := t.root, 0
	for n != none {
		nd := &t.nodes[n]
		end := int(nd.end)
		if firstDiff(w, &nd.path, start, end) < end {
			return none
		}
		if nd.leaf != none {
			return n
		}
		n, start = nd.child[w.bit(end)], end+1
	}
	return none
}

// Get returns the value at path and whether there is a leaf there.
func (t *Tree) Get(path Path) (Value, bool) {
	w := toWords(path)
	n := t.find(&w)
	if n == none {
		return Value{}, false
	}
	return t.values[t.nodes[n].leaf], true
}

// Root returns the root hash (reputation.md: "root = edge hash of the
// root edge; the empty tree's root is 32 zero bytes"), rehashing only
// the nodes changed since the last call.
func (t *Tree) Root() Hash {
	if t.root == none {
		return Hash{}
	}
	t.rehash(t.root, 0)
	return t.nodes[t.root].hash
}

func (t *Tree) rehash(n int32, start int) {
	nd := &t.nodes[n]
	if !nd.dirty {
		return
	}
	var nodeHash Hash
	if nd.leaf != none {
		nodeHash = t.h.Sum(t.values[nd.leaf][:])
	} else {
		c0, c1 := nd.child[0], nd.child[1]
		t.rehash(c0, int(nd.end)+1)
		t.rehash(c1, int(nd.end)+1)
		nodeHash = t.h.branchHash(&t.nodes[c0].hash, &t.nodes[c1].hash)
	}
	nd.hash = t.h.edgeHash(&nodeHash, &nd.path, start, int(nd.end))
	nd.dirty = false
}

// Proof is a Merkle proof of one leaf (reputation.md: "A proof is
// (branchMask, siblings)"): bit 255 − d of BranchMask (a uint256,
// big-endian) is set for each branch at depth d on the way to the leaf,
// and Siblings holds the edge hash of the other child of each of those
// branches, from the root down.
type Proof struct {
	BranchMask [32]byte
	Siblings   []Hash
}

// Prove returns the value at path and its proof, or false when there is no
// leaf at path.
func (t *Tree) Prove(path Path) (Value, Proof, bool) {
	w := toWords(path)
	if t.find(&w) == none {
		return Value{}, Proof{}, false
	}
	t.Root()
	var p Proof
	n := t.root
	for {
		nd := &t.nodes[n]
		if nd.leaf != none {
			return t.values[nd.leaf], p, true
		}
		d := int(nd.end)
		p.BranchMask[d>>3] |= 0x80 >> uint(d&7) // bit 255 − d of the uint256
		side := w.bit(d)
		p.Siblings = append(p.Siblings, t.nodes[nd.child[1-side]].hash)
		n = nd.child[side]
	}
}

// ErrBadProof is returned by ImpliedRoot for a proof whose branch mask
// and siblings disagree.
var ErrBadProof = errors.New("patricia: malformed proof")

// ImpliedRoot returns the root of a tree in which the leaf at path has
// value v and whose proof is p, as Colony's getImpliedRoot computes it. It
// returns ErrBadProof when the number of siblings is not the number of
// bits set in the branch mask.
func ImpliedRoot(h *Hasher, path Path, v *Value, p Proof) (Hash, error) {
	mask := toWords(Path(p.BranchMask))
	n := 0
	for _, x := range mask {
		n += bits.OnesCount64(x)
	}
	if n != len(p.Siblings) {
		return Hash{}, fmt.Errorf("%w: %d branches in the mask, %d siblings", ErrBadProof, n, len(p.Siblings))
	}
	w := toWords(path)
	node := h.Sum(v[:])
	end := 256
	i := len(p.Siblings) - 1
	// Walk the branches from the deepest (lowest set bit of the mask) up.
	for d := 255; d >= 0; d-- {
		if mask.bit(d) == 0 {
			continue
		}
		e := h.edgeHash(&node, &w, d+1, end)
		if w.bit(d) == 0 {
			node = h.branchHash(&e, &p.Siblings[i])
		} else {
			node = h.branchHash(&p.Siblings[i], &e)
		}
		i--
		end = d
	}
	return h.edgeHash(&node, &w, 0, end), nil
}

// Verify reports whether p proves that the tree with the given root holds
// value v at path.
func Verify(root Hash, path Path, v *Value, p Proof) bool {
	got, err := ImpliedRoot(NewHasher(), path, v, p)
	return err == nil && got == root
}

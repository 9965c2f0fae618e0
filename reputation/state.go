package reputation

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// u128 is a reputation: an integer in [0, 2^127 − 1].
type u128 struct{ hi, lo uint64 }

var maxRep = u128{1<<63 - 1, ^uint64(0)}

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

// add returns min(a + b, 2^127 − 1); a and b are at most 2^127.
func (a u128) add(b u128) u128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, _ := bits.Add64(a.hi, b.hi, c)
	if s := (u128{hi, lo}); !maxRep.less(s) {
		return s
	}
	return maxRep
}

// sub returns max(a − b, 0).
func (a u128) sub(b u128) u128 {
	if a.less(b) {
		return u128{}
	}
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return u128{hi, lo}
}

func minU128(a, b u128) u128 {
	if a.less(b) {
		return a
	}
	return b
}

func (a u128) setBig(z *big.Int) *big.Int {
	z.SetUint64(a.hi)
	z.Lsh(z, 64)
	var lo big.Int
	return z.Or(z, lo.SetUint64(a.lo))
}

// u128From returns |x| for |x| ≤ 2^128 − 1.
func u128From(x *big.Int) u128 {
	var b [16]byte
	var abs big.Int
	abs.Abs(x).FillBytes(b[:])
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

// LeafValue returns a leaf's value in the reputation tree (reputation.md:
// "Value (64 bytes): reputation (uint256 BE) ‖ uid (uint256 BE)"). It
// returns an error when rep is outside [0, 2^127 − 1].
func LeafValue(rep *big.Int, uid uint64) (patricia.Value, error) {
	if rep.Sign() < 0 || rep.Cmp(maxAmount) > 0 {
		return patricia.Value{}, fmt.Errorf("reputation: %v outside [0, 2^127-1]", rep)
	}
	return leafValue(u128From(rep), uid), nil
}

func leafValue(rep u128, uid uint64) patricia.Value {
	var v patricia.Value
	binary.BigEndian.PutUint64(v[16:], rep.hi)
	binary.BigEndian.PutUint64(v[24:], rep.lo)
	binary.BigEndian.PutUint64(v[56:], uid)
	return v
}

func repOf(v *patricia.Value) u128 {
	return u128{binary.BigEndian.Uint64(v[16:]), binary.BigEndian.Uint64(v[24:])}
}

// Leaf is one leaf of a State: the reputation of Key, in [0, 2^127 − 1],
// and its UID.
type Leaf struct {
	UID        uint64
	Key        Key
	Reputation *big.Int
}

// State is a reputation state: the leaves of the reputation tree, by UID
// and by key, and the tree itself (reputation.md: "The reputation tree and
// its root"). Leaf i of the tree is UID i + 1. The zero State is not
// usable; make one with NewState.
type State struct {
	tree  *patricia.Tree
	keys  []Key          // by UID − 1
	index map[Key]uint64 // UID of each key
	h     *patricia.Hasher
}

// NewState returns an empty state: no leaves, root 32 zero bytes.
func NewState() *State {
	return &State{tree: patricia.New(), index: map[Key]uint64{}, h: patricia.NewHasher()}
}

// Clone returns an independent copy of s.
func (s *State) Clone() *State {
	c := &State{tree: s.tree.Clone(), keys: append([]Key(nil), s.keys...), index: make(map[Key]uint64, len(s.keys)), h: patricia.NewHasher()}
	for i, k := range c.keys {
		c.index[k] = uint64(i) + 1
	}
	return c
}

// NLeaves returns the number of leaves, which is also the highest UID.
func (s *State) NLeaves() uint64 { return uint64(len(s.keys)) }

// Root returns the reputation root hash.
func (s *State) Root() patricia.Hash { return s.tree.Root() }

// Get returns the leaf of k and whether there is one.
func (s *State) Get(k Key) (Leaf, bool) {
	uid, ok := s.index[k]
	if !ok {
		return Leaf{}, false
	}
	return s.leaf(uid), true
}

// Leaf returns the leaf of uid (1 … NLeaves) and whether there is one.
func (s *State) Leaf(uid uint64) (Leaf, bool) {
	if uid == 0 || uid > s.NLeaves() {
		return Leaf{}, false
	}
	return s.leaf(uid), true
}

func (s *State) leaf(uid uint64) Leaf {
	v := s.tree.Leaf(int(uid - 1))
	return Leaf{UID: uid, Key: s.keys[uid-1], Reputation: repOf(&v).setBig(new(big.Int))}
}

// Leaves returns every leaf in UID order.
func (s *State) Leaves() []Leaf {
	out := make([]Leaf, len(s.keys))
	for i := range out {
		out[i] = s.leaf(uint64(i) + 1)
	}
	return out
}

// Set sets the reputation of k, inserting a new leaf (with the next UID)
// if k has none, and returns its UID. It returns an error when rep is
// outside [0, 2^127 − 1]. It is how a state is built outside of a replay,
// e.g. from a snapshot.
func (s *State) Set(k Key, rep *big.Int) (uint64, error) {
	if rep.Sign() < 0 || rep.Cmp(maxAmount) > 0 {
		return 0, fmt.Errorf("reputation: set skill %d of %x: %v outside [0, 2^127-1]", k.Skill, k.User, rep)
	}
	return s.set(k, u128From(rep)), nil
}

// get returns the reputation of k, 0 when k has no leaf.
func (s *State) get(k Key) u128 {
	uid, ok := s.index[k]
	if !ok {
		return u128{}
	}
	v := s.tree.Leaf(int(uid - 1))
	return repOf(&v)
}

// set sets the reputation of k, inserting a leaf even when rep is 0
// (reputation.md: "A key that does not exist yet counts as 0 and is
// inserted as a new leaf even when its new value is 0").
func (s *State) set(k Key, rep u128) uint64 {
	if uid, ok := s.index[k]; ok {
		v := leafValue(rep, uid)
		s.tree.SetLeaf(int(uid-1), &v)
		return uid
	}
	uid := uint64(len(s.keys)) + 1
	kb := k.Bytes()
	v := leafValue(rep, uid)
	s.tree.Set(patricia.Path(s.h.Sum(kb[:])), &v)
	s.keys = append(s.keys, k)
	s.index[k] = uid
	return uid
}

// Prove returns the leaf of k, its value in the tree and its proof against
// Root, or false when k has no leaf. Check it with Verify.
func (s *State) Prove(k Key) (Leaf, patricia.Proof, bool) {
	uid, ok := s.index[k]
	if !ok {
		return Leaf{}, patricia.Proof{}, false
	}
	kb := k.Bytes()
	_, p, _ := s.tree.Prove(patricia.HashKey(kb[:]))
	return s.leaf(uid), p, true
}

// Verify reports whether p proves that the reputation tree with the given
// root holds leaf l (Colony's verifyReputationProof).
func Verify(root patricia.Hash, l Leaf, p patricia.Proof) bool {
	v, err := LeafValue(l.Reputation, l.UID)
	if err != nil {
		return false
	}
	kb := l.Key.Bytes()
	return patricia.Verify(root, patricia.HashKey(kb[:]), &v, p)
}

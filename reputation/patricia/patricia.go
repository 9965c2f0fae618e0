// Package patricia is the keccak256 binary Patricia tree of the Colony
// Network's reputation mining, byte for byte (reputation.md: "The
// reputation tree and its root"; Colony's PatriciaTree.sol and
// PatriciaTreeNoHash.sol).
//
// A Tree maps 256-bit paths to values. Its shape depends only on the set
// of paths: a binary radix tree, most significant bit first, whose edges
// carry the bits between two branches. Hashes:
//
//   - a leaf's node hash is keccak256(value);
//   - an edge's hash is keccak256(node hash ‖ uint256(label length in
//     bits) ‖ label bits left-aligned in 32 bytes, zero-padded);
//   - a branch's node hash is keccak256(edge hash of child 0 ‖ edge hash
//     of child 1); the bit consumed at the branch belongs to neither
//     child's label;
//   - the root is the hash of the root edge, whose label is the longest
//     common prefix of all paths; the empty tree's root is 32 zero bytes.
//
// The reputation tree hashes its 72-byte keys into paths (Tree.Set with
// HashKey); the justification tree uses the update index itself as the
// path (IndexPath). Leaves are never deleted.
//
// Proofs, checked by code that holds only roots (the ledger, in the
// challenge-response protocol of Colony whitepaper §7.5.1):
//
//   - membership: Tree.Prove and Sequence.Prove give (branch mask,
//     siblings); Verify and ImpliedRoot check them.
//   - absence: Tree.ProveAbsence gives a leaf whose path the absent path
//     leaves inside an edge, with its membership proof; VerifyAbsence
//     checks it, and InsertedRoots turns it into the roots before and
//     after inserting a leaf at the absent path (whitepaper §7.6.2).
//   - the justification tree: SequenceSplit says where a run of indices
//     branches, Sequence.Children gives a node's two child edge hashes,
//     which EdgeHash and BranchHash combine into the node's edge hash,
//     so a binary search can descend both sides' trees one level at a
//     time; SequenceBranchMask(N+1, N) is the mask that proves leaf N to
//     be the last.
//
// Node hashes are cached: Set marks the path from the leaf to the root
// dirty, and Root rehashes only dirty nodes, so re-rooting after one
// update costs two keccak256 per branch above the leaf, plus two. A Tree
// is not safe for concurrent use.
package patricia

import (
	"encoding/binary"
	"fmt"
	"hash"
	"math/bits"

	"golang.org/x/crypto/sha3"
)

// Hash is a keccak256 digest, or a root: 32 bytes.
type Hash [32]byte

// Path is a 256-bit path through a tree, big-endian: bit 0 is the most
// significant bit of byte 0.
type Path [32]byte

// Hasher computes keccak256 (Ethereum's original Keccak, not NIST
// SHA3-256) without allocating. The zero Hasher is not usable; get one
// from NewHasher.
type Hasher struct {
	h   keccak
	buf [96]byte
	out Hash
}

// keccak is the state returned by sha3.NewLegacyKeccak256: a hash.Hash
// that also reads its digest out without copying the state, as Sum does.
type keccak interface {
	hash.Hash
	Read([]byte) (int, error)
}

// NewHasher returns a reusable keccak256 hasher.
func NewHasher() *Hasher {
	return &Hasher{h: sha3.NewLegacyKeccak256().(keccak)}
}

// Sum returns keccak256(b).
func (k *Hasher) Sum(b []byte) Hash {
	k.h.Reset()
	k.h.Write(b)
	k.h.Read(k.out[:])
	return k.out
}

// Keccak256 returns keccak256(b). It allocates a hasher; in loops use a
// Hasher.
func Keccak256(b []byte) Hash { return NewHasher().Sum(b) }

// HashKey returns the path of a key in a hashed tree: keccak256(key)
// (reputation.md: "Path = keccak256(key)").
func HashKey(key []byte) Path { return Path(Keccak256(key)) }

// IndexPath returns the path of leaf i of an unhashed tree such as the
// justification tree: i as a uint256, big-endian.
func IndexPath(i uint64) Path {
	var p Path
	binary.BigEndian.PutUint64(p[24:], i)
	return p
}

// words is a path as four big-endian 64-bit words, most significant first.
type words [4]uint64

func toWords(p Path) words {
	return words{binary.BigEndian.Uint64(p[0:]), binary.BigEndian.Uint64(p[8:]), binary.BigEndian.Uint64(p[16:]), binary.BigEndian.Uint64(p[24:])}
}

// bit returns bit i (0 = most significant) of w.
func (w *words) bit(i int) int { return int(w[i>>6]>>(63-uint(i&63))) & 1 }

// firstDiff returns the first bit index in [start, end) where a and b
// differ, or end when they agree on the whole range.
func firstDiff(a, b *words, start, end int) int {
	for wi := start >> 6; wi < 4 && wi<<6 < end; wi++ {
		x := a[wi] ^ b[wi]
		if wi == start>>6 {
			x &= ^uint64(0) >> uint(start&63)
		}
		if x != 0 {
			if d := wi<<6 + bits.LeadingZeros64(x); d < end {
				return d
			}
			return end
		}
	}
	return end
}

// label writes bits [start, end) of w, left-aligned and zero-padded, into
// out.
func label(w *words, start, end int, out []byte) {
	var l words
	// Shift left by start bits.
	ws, bs := start>>6, uint(start&63)
	for i := 0; i < 4; i++ {
		if i+ws < 4 {
			l[i] = w[i+ws] << bs
			if bs != 0 && i+ws+1 < 4 {
				l[i] |= w[i+ws+1] >> (64 - bs)
			}
		}
	}
	// Keep the first end-start bits.
	n := end - start
	for i := 0; i < 4; i++ {
		switch {
		case n <= 0:
			l[i] = 0
		case n < 64:
			l[i] &= ^(^uint64(0) >> uint(n))
		}
		n -= 64
	}
	for i := 0; i < 4; i++ {
		binary.BigEndian.PutUint64(out[8*i:], l[i])
	}
}

// edgeHash returns keccak256(node ‖ uint256(end − start) ‖ label), the
// label being bits [start, end) of w.
func (k *Hasher) edgeHash(node *Hash, w *words, start, end int) Hash {
	copy(k.buf[:32], node[:])
	clear(k.buf[32:62])
	binary.BigEndian.PutUint16(k.buf[62:64], uint16(end-start))
	label(w, start, end, k.buf[64:96])
	return k.Sum(k.buf[:96])
}

// branchHash returns keccak256(e0 ‖ e1).
func (k *Hasher) branchHash(e0, e1 *Hash) Hash {
	copy(k.buf[:32], e0[:])
	copy(k.buf[32:64], e1[:])
	return k.Sum(k.buf[:64])
}

// EdgeHash returns the hash of an edge (reputation.md: "edge hash =
// keccak256(node hash (32) ‖ uint256(label length in bits) (32) ‖ label
// bits (32 bytes, left-aligned, zero-padded))"), the label being bits
// [start, end) of path: an edge that leaves a branch at bit b starts at
// b + 1, the root edge at 0, and an edge ends at the bit of the branch
// below it, or at 256 above a leaf. It panics unless 0 ≤ start ≤ end ≤
// 256.
func (k *Hasher) EdgeHash(node Hash, path Path, start, end int) Hash {
	if start < 0 || start > end || end > 256 {
		panic(fmt.Sprintf("patricia: edge [%d, %d) outside [0, 256)", start, end))
	}
	w := toWords(path)
	return k.edgeHash(&node, &w, start, end)
}

// BranchHash returns the node hash of a branch whose children's edge
// hashes are e0 (bit 0) and e1 (bit 1): keccak256(e0 ‖ e1).
func (k *Hasher) BranchHash(e0, e1 Hash) Hash { return k.branchHash(&e0, &e1) }

// SingleLeafRoot returns the root of the tree holding only v at path
// (reputation.md: "With a single leaf: root = keccak256(keccak256(value)
// ‖ uint256(256) ‖ path)").
func SingleLeafRoot(h *Hasher, path Path, v *Value) Hash {
	node := h.Sum(v[:])
	w := toWords(path)
	return h.edgeHash(&node, &w, 0, 256)
}

// path returns w as a Path.
func (w *words) path() Path {
	var p Path
	for i, x := range w {
		binary.BigEndian.PutUint64(p[8*i:], x)
	}
	return p
}

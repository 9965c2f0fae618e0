package patricia

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestExportedHashesMatchNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	h := NewHasher()
	for range 200 {
		var node Hash
		var p Path
		binary.BigEndian.PutUint64(node[:], r.Uint64())
		for i := range 4 {
			binary.BigEndian.PutUint64(p[8*i:], r.Uint64())
		}
		start := r.IntN(257)
		end := start + r.IntN(257-start)
		if got, want := h.EdgeHash(node, p, start, end), naiveEdge(node, p, start, end); got != want {
			t.Fatalf("EdgeHash(%d, %d) = %x, naive %x", start, end, got, want)
		}
		e0, e1 := Hash(p), node
		if got, want := h.BranchHash(e0, e1), Keccak256(append(e0[:], e1[:]...)); got != want {
			t.Fatalf("BranchHash = %x, want %x", got, want)
		}
		var v Value
		binary.BigEndian.PutUint64(v[56:], r.Uint64())
		tr := New()
		tr.Set(p, &v)
		if got := SingleLeafRoot(h, p, &v); got != tr.Root() || got != naiveRoot([]leafOf{{p, v}}) {
			t.Fatalf("SingleLeafRoot = %x, tree %x", got, tr.Root())
		}
	}
	for _, bad := range [][2]int{{-1, 3}, {5, 4}, {0, 257}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("EdgeHash(%d, %d) did not panic", bad[0], bad[1])
				}
			}()
			h.EdgeHash(Hash{}, Path{}, bad[0], bad[1])
		}()
	}
}

// sequenceOf returns a Sequence of n leaves with distinct values.
func sequenceOf(n uint64) *Sequence {
	var s Sequence
	for i := range n {
		var v Value
		binary.BigEndian.PutUint64(v[:], i*0x9e3779b97f4a7c15)
		binary.BigEndian.PutUint64(v[56:], i+1)
		s.Append(&v)
	}
	return &s
}

func sizes() []uint64 {
	out := []uint64{}
	for n := uint64(1); n <= 130; n++ {
		out = append(out, n)
	}
	return append(out, 255, 256, 257, 511, 1000, 1024, 1025)
}

// TestSequenceBranchMask checks SequenceBranchMask against Sequence.Prove,
// that the last leaf's mask is its index, and that no longer sequence
// proves leaf N with the mask of the last leaf of N+1 leaves.
func TestSequenceBranchMask(t *testing.T) {
	for _, n := range sizes() {
		s := sequenceOf(n)
		for i := range n {
			_, p, _ := s.Prove(i)
			if got := SequenceBranchMask(n, i); got != p.BranchMask {
				t.Fatalf("n=%d i=%d: mask %x, Prove %x", n, i, got, p.BranchMask)
			}
		}
		last := n - 1
		if got := SequenceBranchMask(n, last); got != [32]byte(IndexPath(last)) {
			t.Fatalf("n=%d: mask of the last leaf %x, want its index", n, got)
		}
		for longer := n + 1; longer <= n+70; longer++ {
			if SequenceBranchMask(longer, last) == SequenceBranchMask(n, last) {
				t.Fatalf("leaf %d has the same mask in %d leaves as in %d", last, longer, n)
			}
		}
	}
	r := rand.New(rand.NewPCG(23, 24))
	for range 1000 {
		n := r.Uint64()>>r.IntN(64) | 1
		if got := SequenceBranchMask(n, n-1); got != [32]byte(IndexPath(n-1)) {
			t.Fatalf("n=%d: mask of the last leaf %x", n, got)
		}
		if n < ^uint64(0) && SequenceBranchMask(n+1+r.Uint64N(1000), n-1) == SequenceBranchMask(n, n-1) {
			t.Fatalf("n=%d: a longer sequence has the same mask", n)
		}
	}
}

func TestSequenceSplitPanics(t *testing.T) {
	for _, f := range []func(){
		func() { SequenceSplit(3, 3) },
		func() { SequenceSplit(4, 3) },
		func() { SequenceBranchMask(3, 3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
	if d, m := SequenceSplit(4, 9); d != 255-3 || m != 8 {
		t.Fatalf("SequenceSplit(4, 9) = %d, %d", d, m)
	}
}

// TestSequenceChildren walks every node of sequences from the root: the
// children's hashes rebuild the parent's edge, as the challenge search
// checks them, and they are the siblings of the proofs through the node;
// runs that are not nodes are refused.
func TestSequenceChildren(t *testing.T) {
	h := NewHasher()
	for _, n := range sizes() {
		s := sequenceOf(n)
		root := s.Root()
		nodes := map[[2]uint64]bool{}
		var walk func(a, b uint64, start int, edge Hash, depth int)
		walk = func(a, b uint64, start int, edge Hash, depth int) {
			nodes[[2]uint64{a, b}] = true
			if a == b {
				v, _ := s.Leaf(a)
				if got := h.EdgeHash(h.Sum(v[:]), IndexPath(a), start, 256); got != edge {
					t.Fatalf("n=%d: leaf %d does not hash to its edge", n, a)
				}
				return
			}
			e0, e1, ok := s.Children(a, b)
			if !ok {
				t.Fatalf("n=%d: Children(%d, %d) refused a node", n, a, b)
			}
			bit, m := SequenceSplit(a, b)
			if got := h.EdgeHash(h.BranchHash(e0, e1), IndexPath(a), start, bit); got != edge {
				t.Fatalf("n=%d: children of [%d, %d] do not hash to its edge", n, a, b)
			}
			_, pa, _ := s.Prove(a)
			_, pb, _ := s.Prove(b)
			if pa.Siblings[depth] != e1 || pb.Siblings[depth] != e0 {
				t.Fatalf("n=%d: children of [%d, %d] are not the proofs' siblings", n, a, b)
			}
			walk(a, m-1, bit+1, e0, depth+1)
			walk(m, b, bit+1, e1, depth+1)
		}
		walk(0, n-1, 0, root, 0)
		if n > 300 {
			continue
		}
		for a := range n {
			for b := a + 1; b < n+2; b++ {
				if _, _, ok := s.Children(a, b); ok != nodes[[2]uint64{a, b}] {
					t.Fatalf("n=%d: Children(%d, %d) ok = %v", n, a, b, ok)
				}
			}
		}
	}
	var empty Sequence
	if _, _, ok := empty.Children(0, 1); ok {
		t.Fatal("children in the empty sequence")
	}
}

// treeOf returns a Tree holding leaves.
func treeOf(leaves []leafOf) *Tree {
	tr := New()
	for _, l := range leaves {
		tr.Set(l.path, &l.v)
	}
	return tr
}

// absentPaths returns paths without a leaf: random ones, and each leaf's
// path with one bit flipped, which leaves the tree at every depth.
func absentPaths(r *rand.Rand, tr *Tree, leaves []leafOf) []Path {
	var out []Path
	for range 10 {
		var p Path
		for i := range 4 {
			binary.BigEndian.PutUint64(p[8*i:], r.Uint64())
		}
		out = append(out, p)
	}
	for _, l := range leaves {
		p := l.path
		b := r.IntN(256)
		if r.IntN(2) == 0 {
			b = 255 - r.IntN(12) // near the leaf
		}
		p[b/8] ^= 0x80 >> (b % 8)
		out = append(out, p)
	}
	var kept []Path
	for _, p := range out {
		if _, ok := tr.Get(p); !ok {
			kept = append(kept, p)
		}
	}
	return kept
}

// TestAbsence checks absence proofs and insertions against a naive
// reference: for random trees and absent paths, ProveAbsence verifies,
// InsertedRoots gives the tree's root before and the root of a tree
// built with the extra leaf after, and tampering is rejected.
func TestAbsence(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	h := NewHasher()
	for _, n := range []int{1, 2, 3, 4, 7, 16, 33, 100, 400} {
		leaves := randomLeaves(r, n)
		tr := treeOf(leaves)
		root := tr.Root()
		for _, path := range absentPaths(r, tr, leaves) {
			adj, av, p, ok := tr.ProveAbsence(path)
			if !ok {
				t.Fatalf("n=%d: no absence proof of an absent path", n)
			}
			if !VerifyAbsence(h, root, path, adj, &av, p) {
				t.Fatalf("n=%d: absence proof does not verify", n)
			}
			var v Value
			binary.BigEndian.PutUint64(v[:], r.Uint64())
			before, after, err := InsertedRoots(h, path, &v, adj, &av, p)
			if err != nil || before != root {
				t.Fatalf("n=%d: InsertedRoots before %x, root %x (%v)", n, before, root, err)
			}
			if want := naiveRoot(append(slices.Clone(leaves), leafOf{path, v})); after != want {
				t.Fatalf("n=%d: InsertedRoots after %x, naive %x", n, after, want)
			}
			bigger := tr.Clone()
			bigger.Set(path, &v)
			if after != bigger.Root() {
				t.Fatalf("n=%d: InsertedRoots after differs from the tree's", n)
			}

			// Tampering.
			if len(p.Siblings) > 0 {
				q := Proof{BranchMask: p.BranchMask, Siblings: slices.Clone(p.Siblings)}
				q.Siblings[r.IntN(len(q.Siblings))][r.IntN(32)] ^= 1 << r.IntN(8)
				if VerifyAbsence(h, root, path, adj, &av, q) {
					t.Fatalf("n=%d: verifies with a tampered sibling", n)
				}
				if b, _, err := InsertedRoots(h, path, &v, adj, &av, q); err == nil && b == root {
					t.Fatalf("n=%d: InsertedRoots implies the root with a tampered sibling", n)
				}
			}
			q := p
			q.BranchMask[r.IntN(32)] ^= 1 << r.IntN(8)
			if VerifyAbsence(h, root, path, adj, &av, q) {
				t.Fatalf("n=%d: verifies with a tampered mask", n)
			}
			if b, _, err := InsertedRoots(h, path, &v, adj, &av, q); err == nil && b == root {
				t.Fatalf("n=%d: InsertedRoots implies the root with a tampered mask", n)
			}
			bad := av
			bad[r.IntN(64)] ^= 1 << r.IntN(8)
			if VerifyAbsence(h, root, path, adj, &bad, p) {
				t.Fatalf("n=%d: verifies with a tampered value", n)
			}
			badAdj := adj
			badAdj[r.IntN(32)] ^= 1 << r.IntN(8)
			if badAdj != path && VerifyAbsence(h, root, path, badAdj, &av, p) {
				t.Fatalf("n=%d: verifies with a tampered adjacent path", n)
			}
			if VerifyAbsence(h, Hash{1}, path, adj, &av, p) {
				t.Fatalf("n=%d: verifies against another root", n)
			}
		}
		// Present paths: no absence proof, and another leaf's proof
		// does not show them absent.
		for i, l := range leaves {
			if _, _, _, ok := tr.ProveAbsence(l.path); ok {
				t.Fatalf("n=%d: absence proof of a present leaf", n)
			}
			other := leaves[(i+1)%n]
			ov, op, _ := tr.Prove(other.path)
			if VerifyAbsence(h, root, l.path, other.path, &ov, op) {
				t.Fatalf("n=%d: leaf %d shown absent", n, i)
			}
			var v Value
			if _, _, err := InsertedRoots(h, l.path, &v, other.path, &ov, op); !errors.Is(err, ErrNotAbsent) {
				t.Fatalf("n=%d: InsertedRoots of a present leaf: %v", n, err)
			}
		}
	}
}

func TestAbsenceEmptyTree(t *testing.T) {
	h := NewHasher()
	tr := New()
	path := HashKey([]byte("k"))
	if _, _, _, ok := tr.ProveAbsence(path); ok {
		t.Fatal("absence proof in the empty tree")
	}
	var zero Value
	if !VerifyAbsence(h, Hash{}, path, Path{}, &zero, Proof{}) {
		t.Fatal("empty tree: the zero proof does not verify")
	}
	v := Value{63: 1}
	before, after, err := InsertedRoots(h, path, &v, Path{}, &zero, Proof{})
	tr.Set(path, &v)
	if err != nil || before != (Hash{}) || after != tr.Root() {
		t.Fatalf("empty tree: InsertedRoots = %x, %x, %v", before, after, err)
	}
	tests := []struct {
		name string
		adj  Path
		v    Value
		p    Proof
	}{
		{"adjacent path", Path{1}, Value{}, Proof{}},
		{"value", Path{}, Value{63: 1}, Proof{}},
		{"mask", Path{}, Value{}, Proof{BranchMask: [32]byte{0x80}}},
		{"siblings", Path{}, Value{}, Proof{Siblings: []Hash{{}}}},
	}
	for _, tt := range tests {
		if VerifyAbsence(h, Hash{}, path, tt.adj, &tt.v, tt.p) {
			t.Errorf("empty tree: a non-zero %s verifies", tt.name)
		}
	}
	// A zero proof does not show absence from a non-empty tree.
	if VerifyAbsence(h, tr.Root(), HashKey([]byte("other")), Path{}, &zero, Proof{}) {
		t.Fatal("the empty tree's proof verifies against a non-empty root")
	}
}

func TestInsertedRootsRejectsMalformed(t *testing.T) {
	h := NewHasher()
	var v Value
	p := Proof{Siblings: []Hash{{1}}}
	if _, _, err := InsertedRoots(h, Path{1}, &v, Path{2}, &v, p); !errors.Is(err, ErrBadProof) {
		t.Fatalf("a sibling without a branch: %v", err)
	}
	p = Proof{}
	p.BranchMask[0] = 0x80
	if _, _, err := InsertedRoots(h, Path{1}, &v, Path{2}, &v, p); !errors.Is(err, ErrBadProof) {
		t.Fatalf("a branch without a sibling: %v", err)
	}
	if _, _, err := InsertedRoots(h, Path{2}, &v, Path{2}, &Value{1}, Proof{}); !errors.Is(err, ErrNotAbsent) {
		t.Fatalf("the adjacent leaf's own path: %v", err)
	}
}

// decodeProof reads a proof from raw fuzz input: the mask from the first
// 32 bytes, the siblings after.
func decodeProof(raw []byte) Proof {
	var p Proof
	copy(p.BranchMask[:], raw)
	for rest := raw[min(len(raw), 32):]; len(rest) > 0; rest = rest[min(len(rest), 32):] {
		var h Hash
		copy(h[:], rest)
		p.Siblings = append(p.Siblings, h)
	}
	return p
}

// fuzzTree returns a tree of n keyed leaves and a path absent from it.
func fuzzTree(n uint64, salt uint16) (*Tree, Path) {
	tr := New()
	for i := range n {
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], i)
		var v Value
		binary.BigEndian.PutUint64(v[56:], i+1)
		tr.Set(HashKey(key[:]), &v)
	}
	var key [10]byte
	binary.BigEndian.PutUint16(key[8:], salt)
	return tr, HashKey(key[:])
}

// FuzzVerifyAbsence checks that VerifyAbsence never panics on arbitrary
// input, and that a valid absence proof with one bit flipped in the
// adjacent path, value, mask or siblings stops verifying.
func FuzzVerifyAbsence(f *testing.F) {
	f.Add(uint64(5), []byte{}, []byte{1}, uint16(0))
	f.Add(uint64(1), []byte{0x80, 1, 2}, bytes.Repeat([]byte{0xff}, 32), uint16(9))
	f.Add(uint64(40), bytes.Repeat([]byte{0xff}, 64), []byte{}, uint16(700))
	f.Fuzz(func(t *testing.T, n uint64, raw, adjRaw []byte, flip uint16) {
		h := NewHasher()
		var adj, path Path
		copy(adj[:], adjRaw)
		var v Value
		copy(v[:], raw)
		VerifyAbsence(h, Keccak256(raw), path, adj, &v, decodeProof(raw))
		VerifyAbsence(h, Hash{}, path, adj, &v, decodeProof(raw))

		tr, path := fuzzTree(n%64+1, flip)
		root := tr.Root()
		adj, av, p, ok := tr.ProveAbsence(path)
		if !ok || !VerifyAbsence(h, root, path, adj, &av, p) {
			t.Fatal("valid absence proof rejected")
		}
		bits := 8 * (32 + 64 + 32 + 32*len(p.Siblings))
		b := int(flip) % bits
		switch {
		case b < 256:
			adj[b/8] ^= 1 << (b % 8)
		case b < 256+512:
			av[(b-256)/8] ^= 1 << (b % 8)
		case b < 256+512+256:
			p.BranchMask[(b-768)/8] ^= 1 << (b % 8)
		default:
			b -= 256 + 512 + 256
			p.Siblings[b/256][(b%256)/8] ^= 1 << (b % 8)
		}
		if VerifyAbsence(h, root, path, adj, &av, p) {
			t.Fatalf("absence proof still verifies after flipping bit %d", b)
		}
	})
}

// FuzzInsertedRoots checks that InsertedRoots never panics on arbitrary
// input, that from a valid absence proof it gives the roots of the tree
// without and with the new leaf, and that a tampered proof no longer
// implies the tree's root.
func FuzzInsertedRoots(f *testing.F) {
	f.Add(uint64(5), []byte{}, []byte{1}, uint16(0))
	f.Add(uint64(2), []byte{0x80, 1, 2}, bytes.Repeat([]byte{0xff}, 32), uint16(9))
	f.Add(uint64(63), bytes.Repeat([]byte{0x0f}, 96), []byte{}, uint16(1000))
	f.Fuzz(func(t *testing.T, n uint64, raw, adjRaw []byte, flip uint16) {
		h := NewHasher()
		var adj, path Path
		copy(adj[:], adjRaw)
		copy(path[:], raw)
		var v Value
		copy(v[:], adjRaw)
		InsertedRoots(h, path, &v, adj, &v, decodeProof(raw))

		tr, path := fuzzTree(n%64+1, flip)
		root := tr.Root()
		adj, av, p, ok := tr.ProveAbsence(path)
		if !ok {
			t.Fatal("no absence proof")
		}
		v = Value{63: byte(flip)}
		before, after, err := InsertedRoots(h, path, &v, adj, &av, p)
		tr.Set(path, &v)
		if err != nil || before != root || after != tr.Root() {
			t.Fatalf("InsertedRoots = %x, %x, %v; want %x, %x", before, after, err, root, tr.Root())
		}
		bits := 8 * (64 + 32 + 32*len(p.Siblings))
		b := int(flip) % bits
		switch {
		case b < 512:
			av[b/8] ^= 1 << (b % 8)
		case b < 512+256:
			p.BranchMask[(b-512)/8] ^= 1 << (b % 8)
		default:
			b -= 512 + 256
			p.Siblings[b/256][(b%256)/8] ^= 1 << (b % 8)
		}
		if got, _, err := InsertedRoots(h, path, &v, adj, &av, p); err == nil && got == root {
			t.Fatalf("a proof with bit %d flipped still implies the root", b)
		}
	})
}

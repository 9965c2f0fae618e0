package patricia

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// leafOf is one leaf of a naive tree.
type leafOf struct {
	path Path
	v    Value
}

// naiveRoot computes the root of the tree holding leaves straight from
// reputation.md's definition, splitting the sorted paths at their longest
// common prefix, recursively.
func naiveRoot(leaves []leafOf) Hash {
	if len(leaves) == 0 {
		return Hash{}
	}
	s := slices.Clone(leaves)
	slices.SortFunc(s, func(a, b leafOf) int { return bytes.Compare(a.path[:], b.path[:]) })
	node, end := naiveNode(s)
	return naiveEdge(node, s[0].path, 0, end)
}

func bitOf(p Path, i int) int { return int(p[i/8]>>(7-i%8)) & 1 }

// naiveNode returns the node hash of the subtree of sorted leaves sharing
// a prefix, and the bit at which it branches (256 for a leaf).
func naiveNode(s []leafOf) (Hash, int) {
	if len(s) == 1 {
		return Keccak256(s[0].v[:]), 256
	}
	first, last := s[0].path, s[len(s)-1].path
	d := 0
	for bitOf(first, d) == bitOf(last, d) {
		d++
	}
	m := 0
	for bitOf(s[m].path, d) == 0 {
		m++
	}
	n0, e0 := naiveNode(s[:m])
	n1, e1 := naiveNode(s[m:])
	h0 := naiveEdge(n0, s[0].path, d+1, e0)
	h1 := naiveEdge(n1, s[m].path, d+1, e1)
	return Keccak256(append(h0[:], h1[:]...)), d
}

// naiveEdge hashes node ‖ uint256(end − start) ‖ bits [start, end) of p,
// built one bit at a time.
func naiveEdge(node Hash, p Path, start, end int) Hash {
	var buf [96]byte
	copy(buf[:], node[:])
	binary.BigEndian.PutUint64(buf[56:64], uint64(end-start))
	for i := start; i < end; i++ {
		if bitOf(p, i) == 1 {
			j := i - start
			buf[64+j/8] |= 0x80 >> (j % 8)
		}
	}
	return Keccak256(buf[:])
}

func randomLeaves(r *rand.Rand, n int) []leafOf {
	out := make([]leafOf, n)
	for i := range out {
		var key [8]byte
		binary.BigEndian.PutUint64(key[:], r.Uint64())
		out[i].path = HashKey(key[:])
		binary.BigEndian.PutUint64(out[i].v[56:], uint64(i+1))
		binary.BigEndian.PutUint64(out[i].v[24:], r.Uint64())
	}
	return out
}

func TestKeccak256IsLegacyKeccak(t *testing.T) {
	// keccak256("") as in Ethereum; NIST SHA3-256("") is a7ffc6f8….
	want := "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
	if got := Keccak256(nil); hexOf(got[:]) != want {
		t.Fatalf("keccak256(\"\") = %x, want %s", got, want)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func TestEmptyRoot(t *testing.T) {
	if got := New().Root(); got != (Hash{}) {
		t.Fatalf("empty root = %x", got)
	}
	var s Sequence
	if got := s.Root(); got != (Hash{}) {
		t.Fatalf("empty sequence root = %x", got)
	}
}

// TestSingleLeafRoot checks reputation.md: "With a single leaf: root =
// keccak256(keccak256(value) ‖ uint256(256) ‖ keccak256(key))".
func TestSingleLeafRoot(t *testing.T) {
	key := []byte("a key of any length")
	var v Value
	v[31], v[63] = 7, 1
	tr := New()
	tr.Set(HashKey(key), &v)
	vh, kh := Keccak256(v[:]), Keccak256(key)
	var buf []byte
	buf = append(buf, vh[:]...)
	buf = append(buf, make([]byte, 30)...)
	buf = append(buf, 1, 0) // 256
	buf = append(buf, kh[:]...)
	if got, want := tr.Root(), Keccak256(buf); got != want {
		t.Fatalf("root = %x, want %x", got, want)
	}
}

func TestRootMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 5, 17, 100, 1000} {
		leaves := randomLeaves(r, n)
		tr := New()
		for i, l := range leaves {
			tr.Set(l.path, &l.v)
			if i%7 == 0 || i == n-1 {
				if got, want := tr.Root(), naiveRoot(leaves[:i+1]); got != want {
					t.Fatalf("n=%d after %d: root %x, naive %x", n, i+1, got, want)
				}
			}
		}
		// Updates in place.
		for i := 0; i < n; i += 3 {
			leaves[i].v[0]++
			tr.Set(leaves[i].path, &leaves[i].v)
		}
		if got, want := tr.Root(), naiveRoot(leaves); got != want {
			t.Fatalf("n=%d after updates: root %x, naive %x", n, got, want)
		}
	}
}

// TestRootIndependentOfInsertionOrder: "its shape depends only on the key
// set".
func TestRootIndependentOfInsertionOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	leaves := randomLeaves(r, 300)
	want := Hash{}
	for round := range 5 {
		tr := New()
		for _, l := range leaves {
			tr.Set(l.path, &l.v)
			if round%2 == 1 {
				tr.Root() // interleaving roots must not matter either
			}
		}
		got := tr.Root()
		if round == 0 {
			want = got
		} else if got != want {
			t.Fatalf("round %d: root %x, want %x", round, got, want)
		}
		r.Shuffle(len(leaves), func(i, j int) { leaves[i], leaves[j] = leaves[j], leaves[i] })
	}
}

func TestGet(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	leaves := randomLeaves(r, 50)
	tr := New()
	for i, l := range leaves {
		if idx := tr.Set(l.path, &l.v); idx != i {
			t.Fatalf("leaf index %d, want %d", idx, i)
		}
	}
	for _, l := range leaves {
		if v, ok := tr.Get(l.path); !ok || v != l.v {
			t.Fatalf("Get(%x) = %x, %v", l.path, v, ok)
		}
	}
	if _, ok := tr.Get(HashKey([]byte("absent"))); ok {
		t.Fatal("Get of an absent path succeeded")
	}
	if tr.Len() != len(leaves) {
		t.Fatalf("Len = %d", tr.Len())
	}
}

// TestProofs checks that every proof verifies, and that changing the
// value, a sibling, the mask or the path makes it fail.
func TestProofs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1, 2, 9, 200} {
		leaves := randomLeaves(r, n)
		tr := New()
		for _, l := range leaves {
			tr.Set(l.path, &l.v)
		}
		root := tr.Root()
		for i, l := range leaves {
			v, p, ok := tr.Prove(l.path)
			if !ok || v != l.v {
				t.Fatalf("Prove(%d): %v", i, ok)
			}
			if !Verify(root, l.path, &v, p) {
				t.Fatalf("n=%d: proof of leaf %d does not verify", n, i)
			}
			bad := v
			bad[63] ^= 1
			if Verify(root, l.path, &bad, p) {
				t.Fatalf("n=%d: proof verifies a wrong value", n)
			}
			if len(p.Siblings) > 0 {
				q := Proof{BranchMask: p.BranchMask, Siblings: slices.Clone(p.Siblings)}
				q.Siblings[r.IntN(len(q.Siblings))][r.IntN(32)] ^= 1
				if Verify(root, l.path, &v, q) {
					t.Fatalf("n=%d: proof verifies with a tampered sibling", n)
				}
			}
			q := p
			q.BranchMask[r.IntN(32)] ^= 1 << r.IntN(8)
			if Verify(root, l.path, &v, q) {
				t.Fatalf("n=%d: proof verifies with a tampered mask", n)
			}
			if other := leaves[(i+1)%n].path; other != l.path && Verify(root, other, &v, p) {
				t.Fatalf("n=%d: proof verifies at another path", n)
			}
		}
		if _, _, ok := tr.Prove(HashKey([]byte("absent"))); ok {
			t.Fatal("proof of an absent path")
		}
	}
}

// TestSequenceMatchesTree checks the justification tree's shortcut
// against a Tree over the same unhashed paths.
func TestSequenceMatchesTree(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var s Sequence
	tr := New()
	for n := 1; n <= 300; n++ {
		var v Value
		binary.BigEndian.PutUint64(v[:], r.Uint64())
		binary.BigEndian.PutUint64(v[56:], uint64(n))
		s.Append(&v)
		tr.Set(IndexPath(uint64(n-1)), &v)
		if n > 40 && n%37 != 0 && n != 300 {
			continue
		}
		root := s.Root()
		if want := tr.Root(); root != want {
			t.Fatalf("n=%d: sequence root %x, tree root %x", n, root, want)
		}
		for i := uint64(0); i < uint64(n); i++ {
			v, p, ok := s.Prove(i)
			tv, tp, _ := tr.Prove(IndexPath(i))
			if !ok || v != tv || p.BranchMask != tp.BranchMask || !slices.Equal(p.Siblings, tp.Siblings) {
				t.Fatalf("n=%d: proof of %d differs from the tree's", n, i)
			}
			if !Verify(root, IndexPath(i), &v, p) {
				t.Fatalf("n=%d: proof of %d does not verify", n, i)
			}
		}
		if _, _, ok := s.Prove(uint64(n)); ok {
			t.Fatalf("proof of leaf %d of %d", n, n)
		}
	}
}

func TestImpliedRootRejectsMalformed(t *testing.T) {
	var v Value
	p := Proof{Siblings: []Hash{{1}}}
	if _, err := ImpliedRoot(NewHasher(), Path{}, &v, p); err == nil {
		t.Fatal("a sibling without a branch was accepted")
	}
	p = Proof{}
	p.BranchMask[0] = 0x80
	if _, err := ImpliedRoot(NewHasher(), Path{}, &v, p); err == nil {
		t.Fatal("a branch without a sibling was accepted")
	}
}

// FuzzVerify checks that ImpliedRoot never panics on arbitrary proofs, and
// that a valid proof with one bit flipped anywhere stops verifying.
func FuzzVerify(f *testing.F) {
	f.Add(uint64(5), []byte{}, uint16(0))
	f.Add(uint64(1), []byte{0x80, 1, 2}, uint16(9))
	f.Add(uint64(40), bytes.Repeat([]byte{0xff}, 64), uint16(700))
	f.Fuzz(func(t *testing.T, n uint64, raw []byte, flip uint16) {
		// Arbitrary proof: mask from the first 32 bytes, siblings after.
		var p Proof
		copy(p.BranchMask[:], raw)
		for rest := raw[min(len(raw), 32):]; len(rest) > 0; rest = rest[min(len(rest), 32):] {
			var h Hash
			copy(h[:], rest)
			p.Siblings = append(p.Siblings, h)
		}
		var v Value
		ImpliedRoot(NewHasher(), Path{}, &v, p)

		// A valid proof, tampered with.
		n = n%64 + 1
		tr := New()
		var paths []Path
		for i := uint64(0); i < n; i++ {
			var key [8]byte
			binary.BigEndian.PutUint64(key[:], i)
			paths = append(paths, HashKey(key[:]))
			binary.BigEndian.PutUint64(v[56:], i)
			tr.Set(paths[i], &v)
		}
		root := tr.Root()
		target := paths[int(flip)%len(paths)]
		val, proof, _ := tr.Prove(target)
		if !Verify(root, target, &val, proof) {
			t.Fatal("valid proof rejected")
		}
		bits := 8 * (32 + 64 + 32*len(proof.Siblings))
		b := int(flip) % bits
		switch {
		case b < 256:
			proof.BranchMask[b/8] ^= 1 << (b % 8)
		case b < 256+512:
			val[(b-256)/8] ^= 1 << (b % 8)
		default:
			b -= 256 + 512
			proof.Siblings[b/256][(b%256)/8] ^= 1 << (b % 8)
		}
		if Verify(root, target, &val, proof) {
			t.Fatalf("proof still verifies after flipping bit %d", b)
		}
	})
}

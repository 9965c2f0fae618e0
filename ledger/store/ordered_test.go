package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveOrdered is the reference for ordered: a slice kept sorted by
// insertion, walked by copying the range.
type naiveOrdered struct{ items []item }

func (n *naiveOrdered) find(key []byte) (int, bool) {
	return slices.BinarySearchFunc(n.items, key, func(it item, k []byte) int { return bytes.Compare(it.key, k) })
}

func (n *naiveOrdered) put(key []byte, e entry) {
	i, ok := n.find(key)
	if ok {
		n.items[i].entry = e
		return
	}
	n.items = slices.Insert(n.items, i, item{key: bytes.Clone(key), entry: e})
}

func (n *naiveOrdered) remove(key []byte) {
	if i, ok := n.find(key); ok {
		n.items = slices.Delete(n.items, i, i+1)
	}
}

func (n *naiveOrdered) walk(start, end []byte, reverse bool) []string {
	var out []string
	for _, it := range n.items {
		if inRange(it.key, start, end) {
			out = append(out, fmt.Sprintf("%s=%s/%v", it.key, it.value, it.deleted))
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

// TestOrderedAgainstNaive runs random writes, lookups and walks on the
// B-tree map and on the naive reference, with enough keys that walks span
// many chunks and tree nodes, and compares them. Some walks stay open
// across later writes, half way through: they must finish with the
// entries as they were when they started. The seed is fixed, so a failure
// reproduces.
func TestOrderedAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const nkeys = 3000
	key := func() []byte {
		if rng.IntN(50) == 0 {
			return nil
		}
		return fmt.Appendf(nil, "k%05d", rng.IntN(nkeys))
	}
	type pending struct {
		c    *cursor
		want []string
		got  []string
	}
	drain := func(c *cursor, n int) []string {
		var out []string
		for ; c.valid() && n != 0; c.next() {
			it := c.item()
			out = append(out, fmt.Sprintf("%s=%s/%v", it.key, it.value, it.deleted))
			n--
		}
		return out
	}
	o, ref := newOrdered(), &naiveOrdered{}
	var open []*pending
	for step := range 40_000 {
		k := key()
		if k == nil {
			k = []byte("k")
		}
		switch op := rng.IntN(20); {
		case op < 9:
			e := entry{value: fmt.Appendf(nil, "%d", step), deleted: rng.IntN(8) == 0}
			o.put(k, e)
			ref.put(k, e)
		case op < 12:
			o.remove(k)
			ref.remove(k)
		case op < 16:
			wantE, wantOK := entry{}, false
			if i, ok := ref.find(k); ok {
				wantE, wantOK = ref.items[i].entry, true
			}
			if e, ok := o.get(k); ok != wantOK || !bytes.Equal(e.value, wantE.value) || e.deleted != wantE.deleted {
				t.Fatalf("step %d: get(%s) = %v %v, want %v %v", step, k, e, ok, wantE, wantOK)
			}
			if o.len() != len(ref.items) {
				t.Fatalf("step %d: len %d, want %d", step, o.len(), len(ref.items))
			}
		case op < 19:
			start, end := key(), key()
			rev := rng.IntN(2) == 0
			c := o.cursor(start, end, rev)
			want := ref.walk(start, end, rev)
			if rng.IntN(3) > 0 {
				if got := drain(c, -1); !slices.Equal(got, want) {
					t.Fatalf("step %d: walk [%s,%s) rev=%v:\n got %d %v\nwant %d %v", step, start, end, rev, len(got), got, len(want), want)
				}
				c.close()
				continue
			}
			p := &pending{c: c, want: want}
			p.got = drain(c, rng.IntN(len(want)+1))
			open = append(open, p)
		default:
			for _, p := range open {
				if got := append(p.got, drain(p.c, -1)...); !slices.Equal(got, p.want) {
					t.Fatalf("step %d: walk opened earlier:\n got %v\nwant %v", step, got, p.want)
				}
				p.c.close()
			}
			open = nil
		}
		if len(o.open) > len(open)+1 {
			t.Fatalf("step %d: %d cursors registered, %d open", step, len(o.open), len(open))
		}
	}
}

// TestManyDueOrdersIteratorCostIsFlat: a block hook that handles
// thousands of due orders writes to one branch and opens an iterator
// after each order's writes. The cost of a write and an iterator must not
// grow with the writes before it; it did, when the branch merged its
// whole sorted key list into a new one at each iterator (a block of
// 6,400 due orders took 15 s, of 3,200 1.7 s).
func TestManyDueOrdersIteratorCostIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	perOp := func(n int) float64 {
		r := testing.Benchmark(func(b *testing.B) {
			for range b.N {
				c := NewCache(NewMemStore())
				for i := range n {
					c.Set(Uint64(uint64(i*7919%n)), []byte{1})
					it := c.Iterator(Uint64(uint64(i)), nil)
					it.Close()
				}
			}
		})
		return float64(r.NsPerOp()) / float64(n)
	}
	small, large := perOp(2_000), perOp(32_000)
	if large > 4*small {
		t.Fatalf("%.0f ns per write+iterator at 2,000 keys, %.0f at 32,000: not O(log n)", small, large)
	}
}

package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// model is the naive reference: a map, sorted on every walk.
type model map[string]string

func (m model) clone() model {
	c := model{}
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (m model) walk(start, end []byte, reverse bool) []string {
	var out []string
	for k, v := range m {
		if inRange([]byte(k), start, end) {
			out = append(out, k+"="+v)
		}
	}
	slices.Sort(out) // keys contain no '=' so this is key order
	if reverse {
		slices.Reverse(out)
	}
	return out
}

func collect(it Iterator) []string {
	defer it.Close()
	var out []string
	for ; it.Valid(); it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	return out
}

// recorder is a KVStore that logs the writes it receives.
type recorder struct {
	*MemStore
	log []string
}

func (r *recorder) Set(k, v []byte) { r.log = append(r.log, "set "+string(k)); r.MemStore.Set(k, v) }
func (r *recorder) Delete(k []byte) { r.log = append(r.log, "del "+string(k)); r.MemStore.Delete(k) }

func TestMemStoreBasics(t *testing.T) {
	s := NewMemStore()
	if s.Get([]byte("a")) != nil || s.Has([]byte("a")) {
		t.Fatal("empty store has a")
	}
	v := []byte("1")
	s.Set([]byte("a"), v)
	v[0] = '9' // Set must copy
	if got := string(s.Get([]byte("a"))); got != "1" {
		t.Fatalf("Get = %q", got)
	}
	s.Set([]byte("a"), []byte{}) // empty, non-nil value is a value
	if !s.Has([]byte("a")) || s.Get([]byte("a")) == nil {
		t.Fatal("empty value lost")
	}
	s.Delete([]byte("a"))
	s.Delete([]byte("zz"))
	if s.Has([]byte("a")) || s.Len() != 0 {
		t.Fatal("delete failed")
	}
	for _, f := range []func(){
		func() { s.Set([]byte("k"), nil) },
		func() { s.Set(nil, []byte("v")) },
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
}

func TestIteratorSnapshot(t *testing.T) {
	s := NewMemStore()
	for _, k := range []string{"a", "b", "c"} {
		s.Set([]byte(k), []byte(k))
	}
	it := s.Iterator(nil, nil)
	s.Delete([]byte("b"))
	s.Set([]byte("bb"), []byte("x"))
	if got := collect(it); !slices.Equal(got, []string{"a=a", "b=b", "c=c"}) {
		t.Fatalf("snapshot changed: %v", got)
	}
}

func TestCacheWriteOrderAndDiscard(t *testing.T) {
	r := &recorder{MemStore: NewMemStore()}
	r.MemStore.Set([]byte("b"), []byte("old"))
	c := NewCache(r)
	c.Set([]byte("d"), []byte("4"))
	c.Set([]byte("a"), []byte("1"))
	c.Delete([]byte("b"))
	c.Set([]byte("c"), []byte("3"))
	if r.Get([]byte("a")) != nil || string(c.Get([]byte("b"))) != "" || c.Has([]byte("b")) {
		t.Fatal("branch leaked or tombstone not seen")
	}
	discarded := NewCache(r)
	discarded.Set([]byte("z"), []byte("z"))
	c.Write()
	if want := []string{"set a", "del b", "set c", "set d"}; !slices.Equal(r.log, want) {
		t.Fatalf("write order %v, want %v", r.log, want)
	}
	if r.Has([]byte("z")) {
		t.Fatal("discarded branch reached the parent")
	}
	c.Set([]byte("e"), []byte("5")) // reusable after Write
	c.Write()
	if string(r.Get([]byte("e"))) != "5" {
		t.Fatal("second Write lost")
	}
}

func TestPrefix(t *testing.T) {
	s := NewMemStore()
	s.Set([]byte("a/1"), []byte("x"))
	s.Set([]byte("b"), []byte("y"))
	s.Set([]byte("b/1"), []byte("1"))
	s.Set([]byte("b/2"), []byte("2"))
	s.Set([]byte("b0"), []byte("z"))
	p := Prefix(s, []byte("b/"))
	if got := collect(p.Iterator(nil, nil)); !slices.Equal(got, []string{"1=1", "2=2"}) {
		t.Fatalf("prefix iterator %v", got)
	}
	if got := collect(p.ReverseIterator([]byte("2"), nil)); !slices.Equal(got, []string{"2=2"}) {
		t.Fatalf("prefix reverse iterator %v", got)
	}
	p.Set([]byte("3"), []byte("3"))
	p.Delete([]byte("1"))
	if !s.Has([]byte("b/3")) || s.Has([]byte("b/1")) || string(p.Get([]byte("2"))) != "2" {
		t.Fatal("prefix writes")
	}
	all := Prefix(s, []byte{0xff, 0xff})
	s.Set([]byte{0xff, 0xff, 1}, []byte("m"))
	if got := collect(all.Iterator(nil, nil)); len(got) != 1 {
		t.Fatalf("0xff prefix: %v", got)
	}
}

func TestKeyHelpers(t *testing.T) {
	if got := Uint64(0x0102030405060708); !bytes.Equal(got, []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Fatalf("Uint64 = %x", got)
	}
	if v, err := ParseUint64(Uint64(42)); err != nil || v != 42 {
		t.Fatal("ParseUint64 round trip")
	}
	if _, err := ParseUint64([]byte{1}); err == nil {
		t.Fatal("ParseUint64 accepted 1 byte")
	}
	for _, tc := range []struct{ in, want []byte }{
		{[]byte("ab"), []byte("ac")},
		{[]byte{1, 0xff}, []byte{2}},
		{[]byte{0xff, 0xff}, nil},
		{nil, nil},
	} {
		if got := PrefixEnd(tc.in); !bytes.Equal(got, tc.want) {
			t.Errorf("PrefixEnd(%x) = %x, want %x", tc.in, got, tc.want)
		}
	}
	if got := Key([]byte("a/"), Uint64(1), []byte{9}); !bytes.Equal(got, []byte{'a', '/', 0, 0, 0, 0, 0, 0, 0, 1, 9}) {
		t.Fatalf("Key = %x", got)
	}
}

// TestCacheAgainstModel runs random operations on a MemStore with two
// levels of Cache (as a transaction's message branch sits on its fee
// branch) and on naive map models of each level, and compares every read
// and every iteration. The seed is fixed, so a failure reproduces.
func TestCacheAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]string, 40)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%02d", i)
	}
	randKey := func() []byte {
		if rng.IntN(10) == 0 {
			return nil
		}
		return []byte(keys[rng.IntN(len(keys))])
	}
	for round := range 200 {
		base := NewMemStore()
		mBase := model{}
		for range rng.IntN(30) {
			k, v := keys[rng.IntN(len(keys))], fmt.Sprint(rng.IntN(100))
			base.Set([]byte(k), []byte(v))
			mBase[k] = v
		}
		outer := NewCache(base)
		mOuter := mBase.clone()
		inner := NewCache(outer)
		mInner := mOuter.clone()
		for step := range 300 {
			// Pick the level to act on: the inner branch most of the time.
			st, m := KVStore(inner), mInner
			if rng.IntN(4) == 0 {
				st, m = outer, mOuter
			}
			k := keys[rng.IntN(len(keys))]
			switch op := rng.IntN(10); {
			case op < 4:
				v := fmt.Sprint(rng.IntN(1000))
				st.Set([]byte(k), []byte(v))
				m[k] = v
				if st == outer { // inner was branched earlier; model it as a fresh branch
					inner, mInner = NewCache(outer), mOuter.clone()
				}
			case op < 6:
				st.Delete([]byte(k))
				delete(m, k)
				if st == outer {
					inner, mInner = NewCache(outer), mOuter.clone()
				}
			case op < 8:
				v, ok := m[k]
				if got := st.Get([]byte(k)); ok != (got != nil) || string(got) != v || st.Has([]byte(k)) != ok {
					t.Fatalf("round %d step %d: Get(%s) = %q, want %q (%v)", round, step, k, got, v, ok)
				}
			case op < 9:
				start, end := randKey(), randKey()
				rev := rng.IntN(2) == 0
				var it Iterator
				if rev {
					it = st.ReverseIterator(start, end)
				} else {
					it = st.Iterator(start, end)
				}
				if got, want := collect(it), m.walk(start, end, rev); !slices.Equal(got, want) {
					t.Fatalf("round %d step %d: iterate [%s,%s) rev=%v:\n got %v\nwant %v", round, step, start, end, rev, got, want)
				}
			default:
				// Commit or discard the inner branch.
				if rng.IntN(2) == 0 {
					inner.Write()
					mOuter = mInner.clone()
					if rng.IntN(2) == 0 {
						// The written branch stays usable, and what it
						// handed to outer is outer's alone.
						continue
					}
				} else {
					mInner = mOuter.clone()
				}
				inner = NewCache(outer)
			}
		}
		outer.Write()
		if got, want := collect(base.Iterator(nil, nil)), mOuter.walk(nil, nil, false); !slices.Equal(got, want) {
			t.Fatalf("round %d: after Write base holds\n%v\nwant\n%v", round, got, want)
		}
	}
}

func TestDigest(t *testing.T) {
	a, b := NewMemStore(), NewMemStore()
	a.Set([]byte("ab"), []byte("c"))
	b.Set([]byte("a"), []byte("bc"))
	if Digest(a) == Digest(b) {
		t.Fatal("digest is ambiguous")
	}
	c := NewCache(b)
	c.Delete([]byte("a"))
	c.Set([]byte("ab"), []byte("c"))
	if Digest(c) != Digest(a) {
		t.Fatal("digest of a branch differs from the equal store")
	}
}

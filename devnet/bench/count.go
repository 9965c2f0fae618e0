package bench

import "github.com/celltonomy/celltonomy/ledger/store"

// StoreOps counts the operations a block's execution sends to the ledger
// state's tree (chain.Application.ObserveState): the reads that miss the
// block's branch, and the sets and deletes of the branch's write. A block
// that touches only what is due at its height has the same counts over a
// small state and a large one.
type StoreOps struct {
	Gets      int64 `json:"gets"`
	Has       int64 `json:"has"`
	Sets      int64 `json:"sets"`
	Deletes   int64 `json:"deletes"`
	Iterators int64 `json:"iterators"` // iterators opened, either direction
	Steps     int64 `json:"steps"`     // Next calls of those iterators
}

// Total is the sum of the counts.
func (o StoreOps) Total() int64 {
	return o.Gets + o.Has + o.Sets + o.Deletes + o.Iterators + o.Steps
}

// countingStore passes every call to its parent and counts it into ops.
type countingStore struct {
	parent store.KVStore
	ops    *StoreOps
}

var _ store.KVStore = countingStore{}

func (c countingStore) Get(key []byte) []byte { c.ops.Gets++; return c.parent.Get(key) }
func (c countingStore) Has(key []byte) bool   { c.ops.Has++; return c.parent.Has(key) }
func (c countingStore) Set(key, value []byte) { c.ops.Sets++; c.parent.Set(key, value) }
func (c countingStore) Delete(key []byte)     { c.ops.Deletes++; c.parent.Delete(key) }

func (c countingStore) Iterator(start, end []byte) store.Iterator {
	c.ops.Iterators++
	return countingIterator{c.parent.Iterator(start, end), c.ops}
}

func (c countingStore) ReverseIterator(start, end []byte) store.Iterator {
	c.ops.Iterators++
	return countingIterator{c.parent.ReverseIterator(start, end), c.ops}
}

type countingIterator struct {
	store.Iterator
	ops *StoreOps
}

func (it countingIterator) Next() { it.ops.Steps++; it.Iterator.Next() }

package store

import "bytes"

// Cache is a write-back branch of a parent KVStore: reads see the branch's
// own writes first, iterators merge the branch into the parent in key order
// (deletions hide parent entries), and nothing reaches the parent until
// Write. Dropping a Cache without calling Write discards it. A Cache may
// branch another Cache; this is how a transaction's messages run in a
// branch of the branch that charged its fee.
//
// The parent must not be written to while a Cache on it is in use.
type Cache struct {
	parent KVStore
	o      *ordered
}

// NewCache returns an empty branch of parent.
func NewCache(parent KVStore) *Cache { return &Cache{parent: parent, o: newOrdered()} }

// Get implements KVStore.
func (c *Cache) Get(key []byte) []byte {
	if e, ok := c.o.get(key); ok {
		return e.value // nil for a tombstone
	}
	return c.parent.Get(key)
}

// Has implements KVStore.
func (c *Cache) Has(key []byte) bool {
	if e, ok := c.o.get(key); ok {
		return !e.deleted
	}
	return c.parent.Has(key)
}

// Set implements KVStore; it copies value. It panics on a nil value or an
// empty key.
func (c *Cache) Set(key, value []byte) {
	checkSet(key, value)
	c.o.put(key, entry{value: bytes.Clone(value)})
}

// Delete implements KVStore.
func (c *Cache) Delete(key []byte) { c.o.put(key, entry{deleted: true}) }

// Iterator implements KVStore.
func (c *Cache) Iterator(start, end []byte) Iterator {
	return newMergeIterator(c.parent.Iterator(start, end), c.o.cursor(start, end, false), false)
}

// ReverseIterator implements KVStore.
func (c *Cache) ReverseIterator(start, end []byte) Iterator {
	return newMergeIterator(c.parent.ReverseIterator(start, end), c.o.cursor(start, end, true), true)
}

// Write flushes the branch to the parent in ascending key order (so that
// an IAVL parent receives the same sequence of writes on every node) and
// empties the branch, which stays usable. It costs O(log n) per key
// written, plus what the parent's writes cost. Iterators of the branch
// opened before Write keep reading what it held.
func (c *Cache) Write() {
	if p, ok := c.parent.(*Cache); ok {
		// A branch of a branch (a transaction's messages in its block)
		// hands its entries over: they are copies it owns, and it drops
		// them here, so the parent need not copy them again.
		c.o.ascend(func(it item) bool {
			p.o.adopt(it)
			return true
		})
	} else {
		c.o.ascend(func(it item) bool {
			if it.deleted {
				c.parent.Delete(it.key)
			} else {
				c.parent.Set(it.key, it.value)
			}
			return true
		})
	}
	c.o = newOrdered()
}

// mergeIterator merges a parent iterator with a cursor over a Cache's
// entries in the same direction; a Cache entry shadows the parent entry of
// the same key, and a tombstone hides it.
type mergeIterator struct {
	parent     Iterator
	cache      *cursor
	reverse    bool
	valid      bool
	fromParent bool
	key, value []byte
}

func newMergeIterator(parent Iterator, cache *cursor, reverse bool) *mergeIterator {
	it := &mergeIterator{parent: parent, cache: cache, reverse: reverse}
	it.settle()
	return it
}

// settle moves to the first visible entry at or after the current
// positions of both sources.
func (it *mergeIterator) settle() {
	for {
		pv, cv := it.parent.Valid(), it.cache.valid()
		if !pv && !cv {
			it.valid = false
			return
		}
		if pv && cv {
			cmp := bytes.Compare(it.parent.Key(), it.cache.item().key)
			if it.reverse {
				cmp = -cmp
			}
			if cmp == 0 {
				it.parent.Next() // shadowed by the Cache entry
				continue
			}
			if cmp < 0 {
				it.emitParent()
				return
			}
		}
		if !cv {
			it.emitParent()
			return
		}
		c := it.cache.item()
		if c.deleted {
			it.cache.next()
			continue
		}
		it.valid, it.fromParent, it.key, it.value = true, false, c.key, c.value
		return
	}
}

func (it *mergeIterator) emitParent() {
	it.valid, it.fromParent, it.key, it.value = true, true, it.parent.Key(), it.parent.Value()
}

func (it *mergeIterator) Valid() bool { return it.valid }

func (it *mergeIterator) Next() {
	if !it.valid {
		panic("store: Next on an invalid iterator")
	}
	if it.fromParent {
		it.parent.Next()
	} else {
		it.cache.next()
	}
	it.settle()
}

func (it *mergeIterator) Key() []byte {
	if !it.valid {
		panic("store: Key on an invalid iterator")
	}
	return it.key
}

func (it *mergeIterator) Value() []byte {
	if !it.valid {
		panic("store: Value on an invalid iterator")
	}
	return it.value
}

func (it *mergeIterator) Close() error {
	it.cache.close()
	return it.parent.Close()
}

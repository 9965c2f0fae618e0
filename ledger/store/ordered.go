package store

import (
	"bytes"

	"github.com/google/btree"
)

// entry is the value of a key in an ordered map; deleted marks a Cache
// tombstone (a MemStore removes the key instead).
type entry struct {
	value   []byte
	deleted bool
}

// item is one key of an ordered map with its entry; the map owns key.
type item struct {
	key []byte
	entry
}

func lessItem(a, b item) bool { return bytes.Compare(a.key, b.key) < 0 }

// btreeDegree is the B-tree's minimum degree: nodes hold 31 to 63 items.
const btreeDegree = 32

// Chunks in which a cursor reads the tree: the first is small, since many
// walks stop at their first key, and they double up to the last.
const (
	firstChunk = 8
	lastChunk  = 256
)

// ordered is a sorted map of byte-string keys: a B-tree, so that a
// lookup, a write and each step of an ordered walk cost O(log n) whatever
// was written before. Nothing about it depends on the order of writes
// beyond their effect, and nothing is random: walks are in key order.
//
// Walks are cursors that read the tree lazily, in chunks. A cursor
// still reading registers in open; a write to the map first makes every
// registered cursor read the rest of its range (detach), so a cursor
// sees the entries as they were when it was created, at no cost when,
// as KVStore requires, nothing is written while it is open.
type ordered struct {
	t    *btree.BTreeG[item] // nil until the first write
	open []*cursor
}

func newOrdered() *ordered { return &ordered{} }

func (o *ordered) get(key []byte) (entry, bool) {
	if o.t == nil {
		return entry{}, false
	}
	it, ok := o.t.Get(item{key: key})
	return it.entry, ok
}

// put sets key (copied) to e.
func (o *ordered) put(key []byte, e entry) {
	o.adopt(item{key: bytes.Clone(key), entry: e})
}

// adopt sets it.key to it.entry, taking both: the caller does not use
// them again.
func (o *ordered) adopt(it item) {
	o.detach()
	if o.t == nil {
		// No free list: a branch lives for a transaction or a block and
		// rarely deletes, and btree.NewG allocates a list of 32 node
		// slots for every branch (9.5 MB of the 873 MB allocated by
		// 30,000 transfers of cell bench ledger).
		o.t = btree.NewWithFreeListG(btreeDegree, lessItem, btree.NewFreeListG[item](0))
	}
	o.t.ReplaceOrInsert(it)
}

func (o *ordered) remove(key []byte) {
	if o.t == nil {
		return
	}
	o.detach()
	o.t.Delete(item{key: key})
}

func (o *ordered) len() int {
	if o.t == nil {
		return 0
	}
	return o.t.Len()
}

// ascend calls fn on every item in key order, until fn returns false.
func (o *ordered) ascend(fn func(item) bool) {
	if o.t != nil {
		o.t.Ascend(fn)
	}
}

// detach makes every open cursor read the rest of its range now, before
// the map changes.
func (o *ordered) detach() {
	open := o.open
	o.open = nil // read unregisters each cursor from it
	for _, c := range open {
		c.read(-1)
	}
	clear(open)
	o.open = open[:0]
}

// cursor walks the items with start <= key < end (a nil or empty bound
// is open), ascending or, if reverse, descending. Tombstones are items
// too. Use it as
//
//	c := o.cursor(start, end, false)
//	for ; c.valid(); c.next() { … c.item() … }
//	c.close()
func (o *ordered) cursor(start, end []byte, reverse bool) *cursor {
	c := &cursor{o: o, start: start, end: end, reverse: reverse, chunk: firstChunk, more: o.t != nil}
	if c.more {
		o.open = append(o.open, c)
		c.read(c.chunk)
	}
	return c
}

type cursor struct {
	o          *ordered // the map, while the cursor is registered in o.open
	start, end []byte
	reverse    bool
	buf        []item // buf[i] is the current item
	i          int
	last       []byte // the key of the last item read; nil before the first
	more       bool   // the tree may hold items of the range after last
	chunk      int
}

func (c *cursor) valid() bool { return c.i < len(c.buf) }

func (c *cursor) item() item { return c.buf[c.i] }

func (c *cursor) next() {
	c.i++
	if c.i == len(c.buf) && c.more {
		c.chunk = min(2*c.chunk, lastChunk)
		c.read(c.chunk)
	}
}

// read drops the items consumed and appends up to n more of the range
// (all of them if n < 0). Once the range is exhausted the cursor needs
// the map no more and leaves o.open.
func (c *cursor) read(n int) {
	if !c.more {
		return
	}
	kept := copy(c.buf, c.buf[c.i:])
	clear(c.buf[kept:])
	c.buf, c.i = c.buf[:kept], 0
	got := 0
	visit := func(it item) bool {
		if c.last != nil && bytes.Equal(it.key, c.last) {
			return true // read in the previous chunk
		}
		if c.reverse {
			if c.last == nil && len(c.end) > 0 && bytes.Compare(it.key, c.end) >= 0 {
				return true // DescendLessOrEqual includes end
			}
			if len(c.start) > 0 && bytes.Compare(it.key, c.start) < 0 {
				c.more = false
				return false
			}
		} else if len(c.end) > 0 && bytes.Compare(it.key, c.end) >= 0 {
			c.more = false
			return false
		}
		c.buf = append(c.buf, it)
		got++
		return n < 0 || got < n
	}
	t := c.o.t
	switch {
	case c.reverse && c.last != nil:
		t.DescendLessOrEqual(item{key: c.last}, visit)
	case c.reverse && len(c.end) > 0:
		t.DescendLessOrEqual(item{key: c.end}, visit)
	case c.reverse:
		t.Descend(visit)
	case c.last != nil:
		t.AscendGreaterOrEqual(item{key: c.last}, visit)
	case len(c.start) > 0:
		t.AscendGreaterOrEqual(item{key: c.start}, visit)
	default:
		t.Ascend(visit)
	}
	if n < 0 || got < n {
		c.more = false
	}
	if got > 0 {
		c.last = c.buf[len(c.buf)-1].key
	}
	if !c.more {
		c.unregister()
	}
}

func (c *cursor) close() {
	if c.more {
		c.more = false
		c.unregister()
	}
	c.buf, c.i = nil, 0
}

// unregister removes c from its map's open cursors.
func (c *cursor) unregister() {
	open := c.o.open
	for i := len(open) - 1; i >= 0; i-- {
		if open[i] == c {
			last := len(open) - 1
			open[i] = open[last]
			open[last] = nil
			c.o.open = open[:last]
			break
		}
	}
	c.o = nil
}

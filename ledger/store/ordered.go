package store

import (
	"slices"
	"strings"
)

// entry is the value of a key in an ordered map; deleted marks a Cache
// tombstone (a MemStore removes the key instead).
type entry struct {
	value   []byte
	deleted bool
}

// ordered is a hash map whose keys can also be walked in order. Lookups
// and writes are O(1); new keys are appended to pending and merged into
// sorted only when an ordered walk needs them, so a transaction that never
// iterates never sorts. It is never ranged over as a map: every walk goes
// through sorted, which is what keeps output deterministic.
type ordered struct {
	m       map[string]entry
	sorted  []string // ascending and unique; may still hold keys removed from m
	pending []string // keys added to m since the last merge, in arrival order
	removed bool     // a key was removed from m since the last merge
}

func newOrdered() ordered { return ordered{m: make(map[string]entry)} }

func (o *ordered) get(key []byte) (entry, bool) {
	e, ok := o.m[string(key)]
	return e, ok
}

func (o *ordered) put(key []byte, e entry) {
	k := string(key)
	if _, ok := o.m[k]; !ok {
		o.pending = append(o.pending, k)
	}
	o.m[k] = e
}

func (o *ordered) remove(key []byte) {
	k := string(key)
	if _, ok := o.m[k]; ok {
		delete(o.m, k)
		o.removed = true
	}
}

// merge folds pending into sorted and drops keys no longer present.
func (o *ordered) merge() {
	if len(o.pending) == 0 && !o.removed {
		return
	}
	slices.Sort(o.pending)
	merged := make([]string, 0, len(o.sorted)+len(o.pending))
	i, j := 0, 0
	for i < len(o.sorted) || j < len(o.pending) {
		var k string
		switch {
		case j == len(o.pending) || (i < len(o.sorted) && o.sorted[i] < o.pending[j]):
			k = o.sorted[i]
			i++
		case i == len(o.sorted) || o.pending[j] < o.sorted[i]:
			k = o.pending[j]
			j++
		default: // equal: a key removed and added again
			k = o.sorted[i]
			i++
			j++
		}
		if _, ok := o.m[k]; !ok {
			continue
		}
		if n := len(merged); n > 0 && merged[n-1] == k {
			continue // added, removed and added again within pending
		}
		merged = append(merged, k)
	}
	o.sorted, o.pending, o.removed = merged, nil, false
}

// snapshot returns the entries (tombstones included) with start <= key <
// end, ascending or, if reverse, descending. The values are shared, not
// copied: stored values are never modified in place.
func (o *ordered) snapshot(start, end []byte, reverse bool) []kv {
	o.merge()
	lo, hi := 0, len(o.sorted)
	if len(start) > 0 {
		lo, _ = slices.BinarySearchFunc(o.sorted, start, compareKey)
	}
	if len(end) > 0 {
		hi, _ = slices.BinarySearchFunc(o.sorted, end, compareKey)
	}
	if hi < lo {
		hi = lo
	}
	items := make([]kv, 0, hi-lo)
	for i := lo; i < hi; i++ {
		k := o.sorted[i]
		e := o.m[k]
		items = append(items, kv{key: []byte(k), value: e.value, deleted: e.deleted})
	}
	if reverse {
		slices.Reverse(items)
	}
	return items
}

func compareKey(k string, target []byte) int { return strings.Compare(k, string(target)) }

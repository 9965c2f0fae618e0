// Package store defines the ledger's state: an ordered byte-key/value map
// (KVStore), a write-back branch of it (Cache) in which every transaction
// runs, an in-memory implementation (MemStore) for tests and for mempool
// branches, a prefixed view (Prefix), and the fixed-width big-endian key
// helpers that every module's keys.go builds its keys with.
//
// The ledger never sees storage errors: an implementation panics on I/O
// failure (chain/ adapts an IAVL tree), because a node that cannot read its
// state must stop rather than compute a different result from its peers.
//
// Keys and values handed to Set are copied by the stores of this package;
// slices returned by Get, Key and Value must not be modified.
//
// Cache and MemStore keep their entries in a B-tree: a lookup, a write and
// each step of an iterator cost O(log n) however many writes came before,
// so a block that writes n keys to one branch and iterates between the
// writes, as the block hooks do, costs O(n log n) in this package.
package store

import "bytes"

// KVStore is the ledger's state: an ordered byte-key/value map.
// Implementations (chain/ adapts an IAVL tree) panic on I/O failure; the
// ledger never sees errors.
type KVStore interface {
	// Get returns the value of key, or nil if it is absent.
	Get(key []byte) []byte
	// Has reports whether key is present.
	Has(key []byte) bool
	// Set writes value (non-nil) under key.
	Set(key, value []byte)
	// Delete removes key; deleting an absent key does nothing.
	Delete(key []byte)
	// Iterator returns the entries with start <= key < end in ascending
	// key order; a nil (or empty) start or end leaves that side open. The
	// caller must not write to the store before closing the iterator.
	Iterator(start, end []byte) Iterator
	// ReverseIterator is Iterator in descending key order.
	ReverseIterator(start, end []byte) Iterator
}

// Iterator walks the entries of a key range. Use it as
//
//	it := st.Iterator(start, end)
//	defer it.Close()
//	for ; it.Valid(); it.Next() { … it.Key(), it.Value() … }
type Iterator interface {
	// Valid reports whether the iterator is at an entry.
	Valid() bool
	// Next moves to the next entry; it panics if !Valid().
	Next()
	// Key returns the current key.
	Key() []byte
	// Value returns the current value.
	Value() []byte
	// Close releases the iterator.
	Close() error
}

// inRange reports whether start <= key < end, a nil or empty bound being
// open.
func inRange(key, start, end []byte) bool {
	if len(start) > 0 && bytes.Compare(key, start) < 0 {
		return false
	}
	if len(end) > 0 && bytes.Compare(key, end) >= 0 {
		return false
	}
	return true
}

// cursorIterator is the Iterator of a MemStore: a cursor over its map,
// which sees the entries as they were when it was created.
type cursorIterator struct{ c *cursor }

func (it *cursorIterator) Valid() bool { return it.c.valid() }

func (it *cursorIterator) Next() {
	if !it.c.valid() {
		panic("store: Next on an invalid iterator")
	}
	it.c.next()
}

func (it *cursorIterator) Key() []byte {
	if !it.c.valid() {
		panic("store: Key on an invalid iterator")
	}
	return it.c.item().key
}

func (it *cursorIterator) Value() []byte {
	if !it.c.valid() {
		panic("store: Value on an invalid iterator")
	}
	return it.c.item().value
}

func (it *cursorIterator) Close() error {
	it.c.close()
	return nil
}

// checkSet panics on a nil value: KVStore.Set requires one, and IAVL
// refuses it too, so a nil must not pass in tests and fail on a node.
func checkSet(key, value []byte) {
	if value == nil {
		panic("store: Set with a nil value")
	}
	if len(key) == 0 {
		panic("store: Set with an empty key")
	}
}

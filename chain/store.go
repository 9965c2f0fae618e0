package chain

import (
	"fmt"

	"github.com/cosmos/iavl"
	dbm "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/ledger/store"
)

var _ store.KVStore = (*treeStore)(nil)

// treeStore adapts an IAVL tree to the ledger's KVStore. The ledger never
// sees errors: an I/O failure of the tree's database means the node cannot
// go on, so it panics, and CometBFT replays the block after a restart.
type treeStore struct {
	get  func([]byte) ([]byte, error)
	iter func(start, end []byte, ascending bool) (dbm.Iterator, error)
	tree *iavl.MutableTree // nil for a read-only snapshot
}

func newTreeStore(t *iavl.MutableTree) *treeStore {
	return &treeStore{get: t.Get, iter: t.Iterator, tree: t}
}

func newSnapshotStore(t *iavl.ImmutableTree) *treeStore {
	return &treeStore{get: t.Get, iter: t.Iterator}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Errorf("ledger state: %w", err))
	}
	return v
}

// Get returns the value at key, or nil.
func (s *treeStore) Get(key []byte) []byte { return must(s.get(key)) }

// Has reports whether key is set.
func (s *treeStore) Has(key []byte) bool { return s.Get(key) != nil }

// Set writes key; it panics on a read-only snapshot.
func (s *treeStore) Set(key, value []byte) {
	if s.tree == nil {
		panic("ledger state: write to a read-only snapshot")
	}
	must(s.tree.Set(key, value))
}

// Delete removes key; it panics on a read-only snapshot.
func (s *treeStore) Delete(key []byte) {
	if s.tree == nil {
		panic("ledger state: delete in a read-only snapshot")
	}
	_, _, err := s.tree.Remove(key)
	must(0, err)
}

// Iterator iterates [start, end) in ascending key order.
func (s *treeStore) Iterator(start, end []byte) store.Iterator {
	return iterator{must(s.iter(start, end, true))}
}

// ReverseIterator iterates [start, end) in descending key order.
func (s *treeStore) ReverseIterator(start, end []byte) store.Iterator {
	return iterator{must(s.iter(start, end, false))}
}

type iterator struct{ dbm.Iterator }

func (it iterator) Close() error { return it.Iterator.Close() }

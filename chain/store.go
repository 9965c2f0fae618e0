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

// newSnapshotStore is a read-only view of t for the consensus methods,
// which hold the consensus lock: t.Get and t.Iterator may read IAVL's fast
// index, which only Commit (under the same lock) changes.
func newSnapshotStore(t *iavl.ImmutableTree) *treeStore {
	return &treeStore{get: t.Get, iter: t.Iterator}
}

// newQueryStore is a read-only view of t that reads its nodes only, never
// IAVL's fast index, and is therefore a snapshot even while Commit saves
// the next version (see Application, "Queries and IAVL's concurrency
// rules").
func newQueryStore(t *iavl.ImmutableTree) *treeStore {
	return &treeStore{
		get: func(key []byte) ([]byte, error) {
			_, v, err := t.GetWithIndex(key)
			return v, err
		},
		iter: func(start, end []byte, ascending bool) (dbm.Iterator, error) {
			return iavl.NewIterator(start, end, ascending, t), nil
		},
	}
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

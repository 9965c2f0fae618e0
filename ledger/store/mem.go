package store

import "bytes"

// MemStore is an in-memory KVStore, for tests and for branches of state
// that are never persisted. Its zero value is not usable; call NewMemStore.
// Iterators see the entries as they were when the iterator was created.
type MemStore struct {
	o *ordered
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore { return &MemStore{o: newOrdered()} }

// Get implements KVStore.
func (s *MemStore) Get(key []byte) []byte {
	e, _ := s.o.get(key)
	return e.value
}

// Has implements KVStore.
func (s *MemStore) Has(key []byte) bool {
	_, ok := s.o.get(key)
	return ok
}

// Set implements KVStore; it copies value. It panics on a nil value or an
// empty key.
func (s *MemStore) Set(key, value []byte) {
	checkSet(key, value)
	s.o.put(key, entry{value: bytes.Clone(value)})
}

// Delete implements KVStore.
func (s *MemStore) Delete(key []byte) { s.o.remove(key) }

// Iterator implements KVStore.
func (s *MemStore) Iterator(start, end []byte) Iterator {
	return &cursorIterator{s.o.cursor(start, end, false)}
}

// ReverseIterator implements KVStore.
func (s *MemStore) ReverseIterator(start, end []byte) Iterator {
	return &cursorIterator{s.o.cursor(start, end, true)}
}

// Len returns the number of keys.
func (s *MemStore) Len() int { return s.o.len() }

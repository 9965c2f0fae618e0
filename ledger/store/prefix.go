package store

import "bytes"

// Prefix returns the view of parent under prefix: keys are given and
// returned without the prefix, and iterators with open bounds stay inside
// it. Writes go straight to parent.
func Prefix(parent KVStore, prefix []byte) KVStore {
	return &prefixStore{parent: parent, prefix: bytes.Clone(prefix)}
}

type prefixStore struct {
	parent KVStore
	prefix []byte
}

func (p *prefixStore) key(k []byte) []byte { return Key(p.prefix, k) }

func (p *prefixStore) Get(key []byte) []byte { return p.parent.Get(p.key(key)) }
func (p *prefixStore) Has(key []byte) bool   { return p.parent.Has(p.key(key)) }
func (p *prefixStore) Set(key, value []byte) { p.parent.Set(p.key(key), value) }
func (p *prefixStore) Delete(key []byte)     { p.parent.Delete(p.key(key)) }

func (p *prefixStore) bounds(start, end []byte) ([]byte, []byte) {
	s := p.key(start)
	e := PrefixEnd(p.prefix)
	if len(end) > 0 {
		e = p.key(end)
	}
	return s, e
}

func (p *prefixStore) Iterator(start, end []byte) Iterator {
	s, e := p.bounds(start, end)
	return &prefixIterator{Iterator: p.parent.Iterator(s, e), n: len(p.prefix)}
}

func (p *prefixStore) ReverseIterator(start, end []byte) Iterator {
	s, e := p.bounds(start, end)
	return &prefixIterator{Iterator: p.parent.ReverseIterator(s, e), n: len(p.prefix)}
}

// prefixIterator strips the n prefix bytes from the keys of its parent.
type prefixIterator struct {
	Iterator
	n int
}

func (it *prefixIterator) Key() []byte { return it.Iterator.Key()[it.n:] }

// Count returns the number of keys of st that start with prefix.
func Count(st KVStore, prefix []byte) int {
	n := 0
	it := st.Iterator(prefix, PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		n++
	}
	return n
}

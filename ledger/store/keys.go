package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Key returns the concatenation of parts in a new slice. Modules build
// their keys as a constant prefix followed by fixed-width parts, so that
// concatenation is unambiguous and byte order is the order of the parts.
func Key(parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	k := make([]byte, 0, n)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// Uint64 returns v as 8 bytes, big-endian, so that byte order is numeric
// order. Heights (non-negative int64) are stored this way too.
func Uint64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// ParseUint64 is the inverse of Uint64; it returns an error unless b is
// exactly 8 bytes.
func ParseUint64(b []byte) (uint64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("store: fixed-width integer: want 8 bytes, got %d", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix, for use as the exclusive end of an iterator; nil (open) if
// prefix is empty or all 0xff.
func PrefixEnd(prefix []byte) []byte {
	end := Key(prefix)
	for len(end) > 0 {
		if end[len(end)-1] != 0xff {
			end[len(end)-1]++
			return end
		}
		end = end[:len(end)-1]
	}
	return nil
}

// Digest returns the SHA-256 of every entry of st in ascending key order,
// each written as 8-byte big-endian lengths followed by the bytes of the
// key and of the value. Two stores with equal digests hold the same
// entries. It is what tests compare; the app hash of a node is IAVL's root.
func Digest(st KVStore) [32]byte {
	h := sha256.New()
	it := st.Iterator(nil, nil)
	defer it.Close()
	for ; it.Valid(); it.Next() {
		h.Write(Uint64(uint64(len(it.Key()))))
		h.Write(it.Key())
		h.Write(Uint64(uint64(len(it.Value()))))
		h.Write(it.Value())
	}
	return [32]byte(h.Sum(nil))
}

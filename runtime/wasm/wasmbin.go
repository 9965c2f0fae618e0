package wasm

import (
	"errors"
	"fmt"
)

// pageSize is the size of a WebAssembly memory page, in bytes.
const pageSize = 1 << 16

var errMalformed = errors.New("malformed module")

// initialMemory returns the bytes of linear memory that the module defines
// at instantiation: the sum of the minimum sizes in its memory section. It
// reads the binary directly because wazero reports only the memories a
// module exports or imports, and a memory above the limit must be refused
// before it is allocated. It expects a module that wazero has compiled.
func initialMemory(bin []byte) (int64, error) {
	if len(bin) < 8 {
		return 0, errMalformed
	}
	r := reader{b: bin, i: 8} // magic and version
	for r.i < len(r.b) {
		id, ok := r.byte()
		if !ok {
			return 0, errMalformed
		}
		size, ok := r.uleb()
		if !ok || size > uint64(len(r.b)-r.i) {
			return 0, errMalformed
		}
		if id != 5 { // not the memory section
			r.i += int(size)
			continue
		}
		sec := reader{b: r.b[r.i : r.i+int(size)]}
		count, ok := sec.uleb()
		if !ok {
			return 0, errMalformed
		}
		var total int64
		for range count {
			flags, ok1 := sec.byte()
			minPages, ok2 := sec.uleb()
			if !ok1 || !ok2 || minPages > 1<<16 {
				return 0, fmt.Errorf("memory section: %w", errMalformed)
			}
			if flags&1 != 0 { // has a maximum
				if _, ok := sec.uleb(); !ok {
					return 0, fmt.Errorf("memory section: %w", errMalformed)
				}
			}
			total += int64(minPages) * pageSize
		}
		return total, nil
	}
	return 0, nil
}

type reader struct {
	b []byte
	i int
}

func (r *reader) byte() (byte, bool) {
	if r.i >= len(r.b) {
		return 0, false
	}
	r.i++
	return r.b[r.i-1], true
}

// uleb reads an unsigned LEB128 integer of up to 64 bits.
func (r *reader) uleb() (uint64, bool) {
	var v uint64
	for shift := 0; shift < 64; shift += 7 {
		c, ok := r.byte()
		if !ok {
			return 0, false
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, true
		}
	}
	return 0, false
}

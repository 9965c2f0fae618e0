package wasmbin

import (
	"errors"
	"fmt"
)

// reader reads the WebAssembly binary format. The first error sticks: later
// reads return zero values and the reader stays at its end, so callers
// check r.err once after a sequence.
type reader struct {
	b   []byte
	off int
	err error
}

var errEOF = errors.New("unexpected end")

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.off = len(r.b)
}

func (r *reader) failf(format string, args ...any) { r.fail(fmt.Errorf(format, args...)) }

// context prefixes a pending error with where it happened.
func (r *reader) context(format string, args ...any) {
	if r.err != nil {
		r.err = &contextError{fmt.Sprintf(format, args...), r.err}
	}
}

// left is the number of unread bytes.
func (r *reader) left() int { return len(r.b) - r.off }

// end fails unless everything was read.
func (r *reader) end() {
	if r.err == nil && r.off != len(r.b) {
		r.failf("%d bytes after the end", r.left())
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail(errEOF)
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// peek returns the next byte without reading it, or 0 at the end.
func (r *reader) peek() byte {
	if r.err != nil || r.off >= len(r.b) {
		return 0
	}
	return r.b[r.off]
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.left() < n {
		r.fail(errEOF)
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

// leb reads an LEB128 number of at most bits bits and returns its low 64
// bits; it does not check the sign or padding bits of the last byte, which
// the runtime's own decoder validates.
func (r *reader) leb(bits int) uint64 {
	var v uint64
	maxShift := (bits + 6) / 7 * 7
	for shift := 0; ; shift += 7 {
		if shift >= maxShift {
			r.failf("LEB128 longer than %d bits", bits)
			return 0
		}
		c := r.byte()
		if r.err != nil {
			return 0
		}
		if shift < 64 {
			v |= uint64(c&0x7f) << shift
		}
		if c&0x80 == 0 {
			return v
		}
	}
}

func (r *reader) u32() uint32 { return uint32(r.leb(32)) }

// vec reads the length of a vector of what, each element of which takes at
// least one byte, and fails, returning 0, if the rest of the input cannot
// hold that many. This is the rule that keeps the runtime's decoder, which
// allocates a vector's elements before reading them, proportional to the
// input.
func (r *reader) vec(what string) uint32 {
	n := r.u32()
	if r.err == nil && uint64(n) > uint64(r.left()) {
		r.failf("%d %s but only %d bytes left", n, what, r.left())
	}
	if r.err != nil {
		return 0
	}
	return n
}

// name reads a length-prefixed byte string.
func (r *reader) name(what string) []byte {
	n := r.u32()
	if r.err == nil && uint64(n) > uint64(r.left()) {
		r.failf("%s of %d bytes but only %d bytes left", what, n, r.left())
	}
	return r.bytes(int(n))
}

// valType reads a value type: a one-byte type or a reference type with a
// heap type.
func (r *reader) valType() {
	switch b := r.byte(); b {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69: // i32 i64 f32 f64 v128 funcref externref exnref
	case 0x63, 0x64: // (ref null ht), (ref ht)
		r.leb(33)
	default:
		if r.err == nil {
			r.failf("invalid value type 0x%02x", b)
		}
	}
}

// refType reads the reference type of a table or element segment. The
// runtime checks which types it accepts.
func (r *reader) refType() {
	if b := r.byte(); b == 0x63 || b == 0x64 {
		r.leb(33)
	}
}

// limits reads table or memory limits, including the shared and 64-bit
// forms, and returns the minimum.
func (r *reader) limits() uint64 {
	flags := r.byte()
	if flags > 0x07 {
		r.failf("limits flags 0x%02x", flags)
		return 0
	}
	bits := 32
	if flags&0x04 != 0 {
		bits = 64
	}
	minimum := r.leb(bits)
	if flags&0x01 != 0 {
		r.leb(bits)
	}
	return minimum
}

// constExpr reads a constant expression up to and including its end.
func (r *reader) constExpr() {
	for r.err == nil {
		switch op := r.byte(); op {
		case 0x0b: // end
			return
		case 0x41: // i32.const
			r.leb(32)
		case 0x42: // i64.const
			r.leb(64)
		case 0x43: // f32.const
			r.bytes(4)
		case 0x44: // f64.const
			r.bytes(8)
		case 0x23, 0xd2: // global.get, ref.func
			r.u32()
		case 0xd0: // ref.null
			r.leb(33)
		case 0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e: // extended constants: add, sub, mul
		case 0xfd: // v128.const
			if sub := r.byte(); sub != 0x0c && r.err == nil {
				r.failf("instruction 0xfd %d in a constant expression", sub)
			}
			r.bytes(16)
		default:
			if r.err == nil {
				r.failf("instruction 0x%02x in a constant expression", op)
			}
		}
	}
}

// contextError is an error with a prefix that says where it happened. It
// keeps the chain, so errors.Is sees ErrLimit through it.
type contextError struct {
	where string
	err   error
}

func (e *contextError) Error() string { return e.where + ": " + e.err.Error() }
func (e *contextError) Unwrap() error { return e.err }

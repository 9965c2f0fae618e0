package labsim

import (
	"crypto/sha256"
	"encoding/binary"
)

// stream is the simulator's only source of randomness: a SHA-256 counter
// stream over the seed, block k = SHA-256(seed ‖ tag ‖ u64be(k)). The same
// seed and tag give the same numbers in the same order on every machine.
type stream struct {
	seed [32]byte
	tag  string
	k    uint64
	buf  []byte
}

func newStream(seed [32]byte, tag string) *stream { return &stream{seed: seed, tag: tag} }

// u64 returns the next 8 bytes of the stream as a big-endian integer.
func (s *stream) u64() uint64 {
	if len(s.buf) < 8 {
		h := sha256.New()
		h.Write(s.seed[:])
		h.Write([]byte(s.tag))
		var k [8]byte
		binary.BigEndian.PutUint64(k[:], s.k)
		h.Write(k[:])
		s.k++
		s.buf = h.Sum(nil)
	}
	v := binary.BigEndian.Uint64(s.buf)
	s.buf = s.buf[8:]
	return v
}

// within returns a number uniform in [−a, a] (a ≥ 0; the modulo bias is
// below 2⁻⁵⁰ for the amplitudes used).
func (s *stream) within(a int64) int64 {
	if a <= 0 {
		return 0
	}
	return int64(s.u64()%uint64(2*a+1)) - a
}

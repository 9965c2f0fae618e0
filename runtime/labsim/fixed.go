package labsim

import "math/bits"

// Fixed-point arithmetic for the models: the simulator uses no floating
// point (internal/purity), so logarithms and powers of two are computed on
// integers. A Q16 value v stands for v/65536.

// one16 is 1.0 in Q16.
const one16 = 1 << 16

// log2Q16 returns log₂(x) in Q16 for x ≥ 1, exact to the last bit but one:
// the integer part is the bit length, the fraction is found bit by bit by
// squaring the mantissa (the classic shift-and-square method).
func log2Q16(x uint64) int64 {
	if x == 0 {
		return 0
	}
	n := bits.Len64(x) - 1
	// mantissa m in [1, 2) as Q30
	var m uint64
	if n >= 30 {
		m = x >> (n - 30)
	} else {
		m = x << (30 - n)
	}
	r := int64(n) << 16
	for b := int64(1 << 15); b > 0; b >>= 1 {
		m = m * m >> 30
		if m >= 2<<30 {
			m >>= 1
			r |= b
		}
	}
	return r
}

// pow2Roots[i] is 2^(2^-(i+1)) in Q30, rounded: the factors whose products
// give 2 to any 16-bit fraction.
var pow2Roots = [16]uint64{
	1518500250, // 2^(2^-1)
	1276901417, // 2^(2^-2)
	1170923762, // 2^(2^-3)
	1121280436, // 2^(2^-4)
	1097253708, // 2^(2^-5)
	1085434106, // 2^(2^-6)
	1079572136, // 2^(2^-7)
	1076653033, // 2^(2^-8)
	1075196443, // 2^(2^-9)
	1074468888, // 2^(2^-10)
	1074105294, // 2^(2^-11)
	1073923544, // 2^(2^-12)
	1073832680, // 2^(2^-13)
	1073787251, // 2^(2^-14)
	1073764537, // 2^(2^-15)
	1073753181, // 2^(2^-16)
}

// exp2Q16 returns 2^(v/65536) in Q16 for 0 ≤ v < 40·65536 (saturating
// beyond), to about 1 part in 10⁸ of the fraction.
func exp2Q16(v int64) uint64 {
	if v <= 0 {
		return one16 // callers pass non-negative exponents
	}
	if v >= 40<<16 {
		v = 40<<16 - 1
	}
	f := uint64(1) << 30
	for i := 0; i < 16; i++ {
		if v&(1<<(15-i)) != 0 {
			f = f * pow2Roots[i] >> 30
		}
	}
	// f in [1, 2) as Q30; times 2^int, back to Q16
	if n := v >> 16; n >= 14 {
		return f << (n - 14)
	} else {
		return f >> (14 - n)
	}
}

// mulDiv returns a·b/c for non-negative values without overflowing the
// product, rounding down; c must not be 0.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return 1<<63 - 1 // saturate: the quotient does not fit
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}

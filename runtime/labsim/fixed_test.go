package labsim

import (
	"math"
	"testing"
)

// The fixed-point functions against the float64 library (tests may use
// floats; the simulator may not).
func TestLog2Q16(t *testing.T) {
	for _, x := range []uint64{1, 2, 3, 100, 500, 1000, 5643, 5804, 21226, 48502, 1 << 40, 1<<63 + 12345} {
		got := float64(log2Q16(x)) / one16
		if want := math.Log2(float64(x)); math.Abs(got-want) > 2.0/one16 {
			t.Errorf("log2(%d) = %.6f, want %.6f", x, got, want)
		}
	}
}

func TestExp2Q16(t *testing.T) {
	for _, v := range []int64{0, 1, 1000, 32768, 65535, 65536, 100000, 5 << 16, 14<<16 + 12345, 39 << 16} {
		got := float64(exp2Q16(v)) / one16
		want := math.Exp2(float64(v) / one16)
		if math.Abs(got-want)/want > 1e-4 {
			t.Errorf("exp2(%d/65536) = %.6f, want %.6f", v, got, want)
		}
	}
}

func TestMulDiv(t *testing.T) {
	if got := mulDiv(1<<40, 1<<40, 1<<50); got != 1<<30 {
		t.Errorf("mulDiv = %d", got)
	}
	if got := mulDiv(1<<62, 1<<62, 3); got != 1<<63-1 {
		t.Errorf("mulDiv overflow = %d, want saturated", got)
	}
}

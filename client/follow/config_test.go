package follow

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name     string
		cfg      Config
		failures []int
		want     []time.Duration
	}{
		{"defaults double from 100 ms to 30 s", NewConfig(),
			[]int{0, 1, 2, 8, 9, 100},
			[]time.Duration{100 * ms, 200 * ms, 400 * ms, 25600 * ms, 30 * time.Second, 30 * time.Second}},
		{"custom bounds", NewConfig().WithBackoff(50*ms, 300*ms),
			[]int{0, 1, 2, 3},
			[]time.Duration{50 * ms, 100 * ms, 200 * ms, 300 * ms}},
		{"max below min is raised to min", NewConfig().WithBackoff(time.Second, ms),
			[]int{0, 5},
			[]time.Duration{time.Second, time.Second}},
		{"non-positive values keep the defaults", NewConfig().WithBackoff(0, -1),
			[]int{0},
			[]time.Duration{DefaultMinBackoff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, f := range tt.failures {
				if got := tt.cfg.backoff(f); got != tt.want[i] {
					t.Errorf("backoff(%d) = %v, want %v", f, got, tt.want[i])
				}
			}
		})
	}
}

// TestJitter: with a seeded source the waits lie in [d/2, d] and repeat
// with the seed; without one they are exact.
func TestJitter(t *testing.T) {
	draw := func(seed uint64) []time.Duration {
		c := NewConfig().WithBackoff(time.Second, time.Minute).WithJitter(rand.NewPCG(seed, 0))
		var ds []time.Duration
		for f := range 6 {
			d := c.backoff(f)
			nominal := time.Second << f
			if d < nominal/2 || d > nominal {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", f, d, nominal/2, nominal)
			}
			ds = append(ds, d)
		}
		return ds
	}
	a, b := draw(7), draw(7)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different waits: %v vs %v", a, b)
		}
	}
	if c := NewConfig().WithJitter(rand.NewPCG(1, 2)).WithJitter(nil); c.backoff(0) != DefaultMinBackoff {
		t.Fatalf("jitter turned off: backoff(0) = %v", c.backoff(0))
	}
}

func TestConfigIsImmutable(t *testing.T) {
	base := NewConfig()
	_ = base.WithPollInterval(time.Millisecond).WithStallTimeout(time.Millisecond).WithBackoff(time.Millisecond, time.Millisecond)
	if base.pollInterval != DefaultPollInterval || base.stallTimeout != DefaultStallTimeout || base.minBackoff != DefaultMinBackoff || base.maxBackoff != DefaultMaxBackoff {
		t.Fatalf("With methods changed the receiver: %+v", base)
	}
}

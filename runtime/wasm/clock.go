package wasm

import (
	"math"
	"sync/atomic"
	"time"
)

// The virtual clock of a run; see "Clocks" in the package documentation.
const (
	// clockEpoch is the wall clock's first reading: 2022-01-01T00:00:00Z, in
	// nanoseconds since the Unix epoch (the same as wazero's fake clock).
	clockEpoch int64 = 1640995200 * int64(time.Second)
	// clockStep is how far each clock reading advances the clock.
	clockStep = int64(time.Millisecond)
	// clockMax caps the elapsed time so the wall clock cannot overflow.
	clockMax = math.MaxInt64 - clockEpoch
)

// clock is the virtual clock of one run: the monotonic and the wall clock
// share one elapsed time that only readings and sleeps advance.
type clock struct {
	elapsed atomic.Int64 // nanoseconds since the start of the run
}

// advance adds d nanoseconds (saturating) and returns the elapsed time
// before the addition.
func (c *clock) advance(d int64) int64 {
	for {
		old := c.elapsed.Load()
		next := old + d
		if next > clockMax || next < old {
			next = clockMax
		}
		if c.elapsed.CompareAndSwap(old, next) {
			return old
		}
	}
}

// nanotime implements sys.Nanotime: 0 on the first reading, then 1 ms more
// on each reading, plus the time slept.
func (c *clock) nanotime() int64 { return c.advance(clockStep) }

// walltime implements sys.Walltime: clockEpoch plus what nanotime would read.
func (c *clock) walltime() (sec int64, nsec int32) {
	t := clockEpoch + c.advance(clockStep)
	return t / int64(time.Second), int32(t % int64(time.Second))
}

// nanosleep implements sys.Nanosleep: it returns at once, having advanced
// the clock by ns.
func (c *clock) nanosleep(ns int64) {
	if ns > 0 {
		c.advance(ns)
	}
}

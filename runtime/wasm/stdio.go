package wasm

import (
	"context"
	"errors"
	"sync"
)

// errStreamFull is what a write refused by a stream's limit returns to
// wazero, which passes EIO to the module; the run is ended anyway.
var errStreamFull = errors.New("stream limit reached")

// tripwire records the first deterministic limit (memory, output, stdout,
// stderr) that a run hits, and cancels the run with it as the cause. The
// meters of a run share one: once it has tripped, the streams and /outputs
// accept nothing more, so that what they hold is what the module wrote
// before the event, whatever the module does until it is stopped. A
// module's host calls are made one at a time, by the goroutine running it,
// so "before" is the module's own order of events, the same on every
// machine. For the same reason the fuel the module has used is exact at
// that moment, and the tripwire records it.
type tripwire struct {
	cancel context.CancelCauseFunc
	// fuel returns the loop iterations executed so far; nil until the
	// module is instantiated. It is set before the module runs.
	fuel func() uint64

	mu      sync.Mutex
	hit     *LimitError
	fuelHit uint64 // fuel used when hit was recorded
}

// trip records err unless a limit was hit already, and cancels the run.
// Only the goroutine running the module calls it.
func (t *tripwire) trip(err *LimitError) {
	var used uint64
	if t.fuel != nil {
		used = t.fuel()
	}
	t.mu.Lock()
	first := t.hit == nil
	if first {
		t.hit, t.fuelHit = err, used
	}
	t.mu.Unlock()
	if first {
		t.cancel(err)
	}
}

// tripped returns the first limit hit, or nil.
func (t *tripwire) tripped() *LimitError {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.hit
}

// fuelAtHit returns the fuel used when the first limit was hit.
func (t *tripwire) fuelAtHit() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.fuelHit
}

// boundedBuffer captures a stream (stdout or stderr) up to max bytes. The
// first write that does not fit keeps the bytes that fit, so the buffer
// then holds the first max bytes the module wrote, and trips the run's
// tripwire; nothing is accepted once the tripwire has tripped.
type boundedBuffer struct {
	limit string // LimitStdout or LimitStderr
	max   int64
	trip  *tripwire

	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer.
func (b *boundedBuffer) Write(p []byte) (int, error) {
	if b.trip.tripped() != nil {
		return 0, errStreamFull
	}
	b.mu.Lock()
	room := b.max - int64(len(b.buf))
	if int64(len(p)) <= room {
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	b.buf = append(b.buf, p[:room]...)
	b.mu.Unlock()
	b.trip.trip(&LimitError{Limit: b.limit, Max: b.max})
	return int(room), errStreamFull
}

// bytes returns what was captured.
func (b *boundedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf
}

package wasm

import (
	"errors"
	"sync"
)

// errStreamFull is what a write beyond a stream's limit returns to wazero,
// which passes EIO to the module; the run is ended anyway.
var errStreamFull = errors.New("stream limit reached")

// boundedBuffer captures a stream (stdout or stderr) up to max bytes. The
// first write that does not fit keeps the bytes that fit, records the
// overflow and calls onFull, which cancels the run.
type boundedBuffer struct {
	mu     sync.Mutex
	buf    []byte
	max    int64
	full   bool
	onFull func()
}

// Write implements io.Writer.
func (b *boundedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	room := b.max - int64(len(b.buf))
	if int64(len(p)) <= room {
		b.buf = append(b.buf, p...)
		b.mu.Unlock()
		return len(p), nil
	}
	b.buf = append(b.buf, p[:room]...)
	first := !b.full
	b.full = true
	b.mu.Unlock()
	if first {
		b.onFull()
	}
	return int(room), errStreamFull
}

// bytes returns what was captured and whether the limit was hit.
func (b *boundedBuffer) bytes() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf, b.full
}

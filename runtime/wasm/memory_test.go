package wasm

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"unsafe"
)

// TestLinearMemoryGrowth: a large grow reserves an eighth more than it
// asks, so that the small grows that follow it (a program's allocations
// after reading an input whole) reuse the same buffer instead of copying
// it; the contents are kept and the new bytes are zero; the capacity never
// passes the limit; and a grow past the limit returns nil and trips the
// run with the memory limit.
func TestLinearMemoryGrowth(t *testing.T) {
	const page = 64 << 10
	const limit = 64 << 20
	_, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	trip := &tripwire{cancel: cancel}
	meter := &memoryMeter{max: limit, trip: trip}
	mem := meter.Allocate(2*page, 1<<32).(*linearMemory)

	buf := mem.Reallocate(2 * page)
	copy(buf, "start")
	big := uint64(80 * page) // 5 MiB
	buf = mem.Reallocate(big)
	if got, want := uint64(cap(buf)), big+big/8; got < want {
		t.Fatalf("grow to %d bytes: capacity %d, want at least %d", big, got, want)
	}
	if !bytes.HasPrefix(buf, []byte("start")) {
		t.Fatal("grow lost the contents")
	}
	base := unsafe.SliceData(buf)
	for _, size := range []uint64{big + page, big + 4*page, big + 10*page} {
		buf = mem.Reallocate(size)
		if uint64(len(buf)) != size || unsafe.SliceData(buf) != base {
			t.Fatalf("small grow to %d bytes after a large one moved the memory (len %d)", size, len(buf))
		}
	}
	if !bytes.Equal(buf[big:], make([]byte, len(buf)-int(big))) {
		t.Error("grown bytes are not zero")
	}

	buf = mem.Reallocate(limit - page)
	if cap(buf) > limit {
		t.Errorf("capacity %d beyond the limit %d", cap(buf), limit)
	}
	if mem.Reallocate(limit+page) != nil {
		t.Fatal("grow past the limit succeeded")
	}
	var le *LimitError
	if hit := trip.tripped(); hit == nil || !errors.As(error(hit), &le) || le.Limit != LimitMemory {
		t.Errorf("grow past the limit tripped %v, want the memory limit", hit)
	}
	if meter.usage() != limit-page {
		t.Errorf("peak %d, want %d", meter.usage(), limit-page)
	}
}

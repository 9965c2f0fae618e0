package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkDesignWarm: a design of the README's region (826 candidates
// checked by the seq-index child) through a running instance whose child
// is started and whose index is built; the first call, which starts the
// child and builds the index, is reported as first-call-ms.
func BenchmarkDesignWarm(b *testing.B) {
	w := startWorld(b, nil)
	req := []byte(fmt.Sprintf(region, w.index.ID()))
	start := time.Now()
	if _, err := w.root.Call(context.Background(), PortDesign, req); err != nil {
		b.Fatal(err)
	}
	first := time.Since(start)
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.root.Call(context.Background(), PortDesign, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(first.Milliseconds()), "first-call-ms")
}

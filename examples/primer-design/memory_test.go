package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

// TestMemoryStaysBounded: twenty designs in a row through one instance
// keep its memory small and give the same answer: a call's garbage is
// collected, and the pairs are chosen without holding every pair of the
// window (100,000s for the default window).
func TestMemoryStaysBounded(t *testing.T) {
	w := startWorld(t, nil)
	req := []byte(fmt.Sprintf(region, w.index.ID()))
	var first []byte
	for i := range 20 {
		resp, err := w.root.Call(context.Background(), PortDesign, req)
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
		if first == nil {
			first = resp
		} else if !bytes.Equal(resp, first) {
			t.Fatalf("call %d answers differently", i)
		}
	}
	if m := w.root.MemoryBytes(); m > 32<<20 {
		t.Errorf("after 20 calls the instance holds %d MiB", m>>20)
	}
	t.Logf("after 20 calls: %d MiB", w.root.MemoryBytes()>>20)
}

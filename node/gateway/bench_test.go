package gateway_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/spec"
)

// cached is a Fetcher holding decoded packages, as a node's memory would.
type cached map[spec.ID]*spec.Package

func (c cached) Fetch(_ context.Context, id spec.ID) (*spec.Package, error) { return c[id], nil }

// BenchmarkStartChild measures StartChild + StopChild of a child service
// whose package is at hand and whose module is compiled: the cost of
// starting a cached child (the svc test service, a Go reactor), and a call
// to it through the gateway.
func BenchmarkStartChild(b *testing.B) {
	e := newExecutor(b, 0)
	child := buildPackage(b, pkgSpec{})
	parent := buildPackage(b, pkgSpec{child: child.ID().String()})
	tree, err := gateway.NewTree(gateway.Config{
		Fetcher: cached{child.ID(): child},
		Runner:  gateway.LocalRunner{Executor: e},
		Memory:  1 << 30,
	})
	if err != nil {
		b.Fatal(err)
	}
	g := tree.Root(parent.ID(), parent.Spec())
	id := child.ID()
	ctx := context.Background()
	h, err := g.StartChild(ctx, id[:]) // compiles
	if err != nil {
		b.Fatal(err)
	}
	g.StopChild(ctx, h)

	b.Run("start", func(b *testing.B) {
		times := make([]time.Duration, 0, b.N)
		cpu := cpuTime()
		for range b.N {
			start := time.Now()
			h, err := g.StartChild(ctx, id[:])
			if err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
			g.StopChild(ctx, h)
		}
		reportCPU(b, cpu)
		report(b, times)
	})
	b.Run("call", func(b *testing.B) {
		h, err := g.StartChild(ctx, id[:])
		if err != nil {
			b.Fatal(err)
		}
		defer g.StopChild(ctx, h)
		req := make([]byte, 64)
		times := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		cpu := cpuTime()
		for range b.N {
			start := time.Now()
			if _, err := g.CallChild(ctx, h, 1, req); err != nil {
				b.Fatal(err)
			}
			times = append(times, time.Since(start))
		}
		reportCPU(b, cpu)
		report(b, times)
	})
}

func report(b *testing.B, times []time.Duration) {
	b.StopTimer()
	slices.Sort(times)
	at := func(q float64) float64 { return float64(times[int(q*float64(len(times)-1))].Microseconds()) }
	b.ReportMetric(at(0.5), "p50-µs")
	b.ReportMetric(at(0.99), "p99-µs")
}

// cpuTime returns the CPU time the process has used (user and system): on
// a loaded machine, CPU per operation says more than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since start (a cpuTime).
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N), "cpu-µs/op")
}

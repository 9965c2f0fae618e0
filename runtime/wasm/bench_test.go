package wasm_test

import (
	"context"
	"slices"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// benchModules are the modules the benchmarks run: the "ok" mode of
// testdata/hostile (a Go program: 3 MB of wasm, reads an input, writes two
// outputs) and the hand-assembled hello module (a few dozen bytes).
func benchModules() []struct {
	name string
	job  func(b *testing.B) wasm.Job
} {
	return []struct {
		name string
		job  func(b *testing.B) wasm.Job
	}{
		{"go", func(b *testing.B) wasm.Job { return hostileJob(b, "ok") }},
		{"hello", func(b *testing.B) wasm.Job { return moduleJob(b, helloModule()) }},
	}
}

func runOK(b *testing.B, e *wasm.Executor, job wasm.Job) {
	res, err := e.Run(context.Background(), job)
	if err != nil || res.ExitCode != 0 {
		b.Fatalf("run: exit %v, %v", res, err)
	}
}

// BenchmarkStartupCached measures NewExecutor + Run + Close with a warm
// on-disk compilation cache: the cost of a run in a fresh process.
func BenchmarkStartupCached(b *testing.B) {
	ctx := context.Background()
	for _, m := range benchModules() {
		b.Run(m.name, func(b *testing.B) {
			cfg := wasm.NewConfig().WithCacheDir(b.TempDir())
			warm, err := wasm.NewExecutor(ctx, cfg)
			if err != nil {
				b.Fatal(err)
			}
			runOK(b, warm, m.job(b))
			warm.Close(ctx)

			jobs := make([]wasm.Job, b.N)
			for i := range jobs {
				jobs[i] = m.job(b)
			}
			b.ResetTimer()
			for i := range b.N {
				e, err := wasm.NewExecutor(ctx, cfg)
				if err != nil {
					b.Fatal(err)
				}
				runOK(b, e, jobs[i])
				if err := e.Close(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRunCachedExecutor measures Run on an Executor that has already
// compiled the module: the cost of a run in a long-lived node.
func BenchmarkRunCachedExecutor(b *testing.B) {
	ctx := context.Background()
	for _, m := range benchModules() {
		b.Run(m.name, func(b *testing.B) {
			e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(sharedCacheDir))
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close(ctx)
			runOK(b, e, m.job(b))

			jobs := make([]wasm.Job, b.N)
			for i := range jobs {
				jobs[i] = m.job(b)
			}
			b.ResetTimer()
			for i := range b.N {
				runOK(b, e, jobs[i])
			}
		})
	}
}

// BenchmarkServiceCall measures a call round trip to a warm service
// instance (testdata/svc's echo slot, 64 bytes each way) and reports its
// p50 and p99 besides the mean; calls/s is 1e9 / ns/op.
func BenchmarkServiceCall(b *testing.B) {
	e := newExecutor(b, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(b, e, svcJob(b))
	ctx := context.Background()
	req := make([]byte, 64)
	for range 100 { // warm up
		if _, err := inst.Call(ctx, 1, req); err != nil {
			b.Fatal(err)
		}
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		start := time.Now()
		if _, err := inst.Call(ctx, 1, req); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportCPU(b, cpu)
	reportPercentiles(b, times)
}

// BenchmarkServiceCallParallel measures calls/s to one instance from
// several goroutines: calls are serialised, so this is the instance's
// throughput with callers queueing.
func BenchmarkServiceCallParallel(b *testing.B) {
	e := newExecutor(b, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(b, e, svcJob(b))
	ctx := context.Background()
	req := make([]byte, 64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := inst.Call(ctx, 1, req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkServiceStartCached measures StartService of a module already
// compiled by the Executor: the cost of starting a cached child service.
// "small" is the hand-assembled echo reactor; "go" the svc test service, a
// Go reactor of 3 MB, most of whose start is Go's runtime initialisation
// in _initialize.
func BenchmarkServiceStartCached(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		benchStart(b, wasm.ServiceJob{
			Root:  fstest.MapFS{"echo.wasm": {Data: echoReactorModule()}},
			Entry: "echo.wasm",
			Slots: []int32{80},
		})
	})
	b.Run("go", func(b *testing.B) { benchStart(b, svcJob(b)) })
}

func benchStart(b *testing.B, j wasm.ServiceJob) {
	e := newExecutor(b, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	ctx := context.Background()
	startSvc(b, e, j) // compiles
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	cpu := cpuTime()
	for range b.N {
		start := time.Now()
		inst, err := e.StartService(ctx, j)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
		inst.Stop(ctx)
	}
	b.StopTimer()
	reportCPU(b, cpu)
	reportPercentiles(b, times)
}

func reportPercentiles(b *testing.B, times []time.Duration) {
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

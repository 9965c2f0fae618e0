package wasm_test

import (
	"context"
	"testing"

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

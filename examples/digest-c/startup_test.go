package digestc

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// BenchmarkStartup measures the start-up of a cached module: Executor.Run
// of a module compiled by an earlier run (the executor keeps it in memory),
// on a tiny input, so that the figure is validating the job,
// instantiating, running to exit and hashing the outputs. Modules: the
// smallest C module (testdata/empty), the C digest and the Go digest on
// the toy genome, and the smallest Go module (testdata/emptygo), the floor
// of any Go module. "disk" variants start from wazero's on-disk
// compilation cache in a new Executor each time, as a new process (the
// CLI) does. It reports ms/start (the mean of the whole Run), best-ms/start
// (the fastest, the figure least disturbed by other work on a shared
// machine) and run-ms (the mean Usage.WallTime, instantiation to exit).
//
//	go test -run '^$' -bench Startup ./examples/digest-c
func BenchmarkStartup(b *testing.B) {
	genome := filepath.Join(b.TempDir(), "genome")
	if err := os.WriteFile(genome, []byte(toy), 0o444); err != nil {
		b.Fatal(err)
	}
	digestParams := map[string]string{"ENZYMES": "EcoRI,BamHI"}
	modules := []struct {
		name   string
		module func(testing.TB) []byte
		params map[string]string
	}{
		{"empty-c", func(tb testing.TB) []byte { return wasmbuild.C(tb, "testdata/empty", "empty.c") }, nil},
		{"digest-c", cModule, digestParams},
		{"digest-go", goModule, digestParams},
		{"empty-go", func(tb testing.TB) []byte { return wasmbuild.Build(tb, "testdata/emptygo") }, nil},
	}
	ctx := context.Background()
	cacheDir := b.TempDir()
	for _, m := range modules {
		job := wasm.Job{
			Root:   fstest.MapFS{"m.wasm": {Data: m.module(b), Mode: 0o444}},
			Entry:  "m.wasm",
			Inputs: []wasm.Input{{Name: "genome", Path: genome}},
			Params: m.params,
		}
		run := func(b *testing.B, ex *wasm.Executor) time.Duration {
			job.OutputDir = b.TempDir()
			res, err := ex.Run(ctx, job)
			if err != nil || res.ExitCode != 0 {
				b.Fatalf("run: %v (%+v)", err, res)
			}
			return res.Usage.WallTime
		}
		b.Run(m.name, func(b *testing.B) {
			ex, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(cacheDir))
			if err != nil {
				b.Fatal(err)
			}
			defer ex.Close(ctx)
			run(b, ex) // compiles
			var total, inside time.Duration
			best := time.Hour
			for b.Loop() {
				t0 := time.Now()
				inside += run(b, ex)
				d := time.Since(t0)
				total += d
				best = min(best, d)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
			b.ReportMetric(float64(best.Microseconds())/1000, "best-ms/start")
			b.ReportMetric(float64(inside.Microseconds())/1000/float64(b.N), "run-ms")
		})
		b.Run(m.name+"-disk", func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				t0 := time.Now()
				ex, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(cacheDir))
				if err != nil {
					b.Fatal(err)
				}
				run(b, ex)
				total += time.Since(t0)
				ex.Close(ctx)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
		})
	}
}

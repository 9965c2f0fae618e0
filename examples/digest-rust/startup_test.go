package digestrust

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// BenchmarkStartup measures the start-up of the cached Rust digest beside
// the C one, as examples/digest-c's BenchmarkStartup does: Executor.Run of
// a module compiled by an earlier run (kept in memory by the executor) on
// the toy genome, so that the figure is validating the job, instantiating,
// running to exit and hashing the outputs. It reports ms/start (the mean),
// best-ms/start (the fastest, least disturbed by other work) and run-ms
// (the mean Usage.WallTime, instantiation to exit).
//
//	go test -run '^$' -bench Startup -benchtime 30x ./examples/digest-rust
func BenchmarkStartup(b *testing.B) {
	genome := filepath.Join(b.TempDir(), "genome")
	if err := os.WriteFile(genome, []byte(digesttest.Toy), 0o444); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, m := range []struct {
		name   string
		module func(testing.TB) []byte
	}{
		{"digest-rust", rustModule},
		{"digest-c", func(tb testing.TB) []byte { return wasmbuild.C(tb, "../digest-c", "src/digest.c") }},
	} {
		b.Run(m.name, func(b *testing.B) {
			job := wasm.Job{
				Root:   fstest.MapFS{"m.wasm": {Data: m.module(b), Mode: 0o444}},
				Entry:  "m.wasm",
				Inputs: []wasm.Input{{Name: "genome", Path: genome}},
				Params: map[string]string{"ENZYMES": "EcoRI,BamHI"},
			}
			ex := digesttest.NewExecutor(b)
			run := func() time.Duration {
				job.OutputDir = b.TempDir()
				res, err := ex.Run(ctx, job)
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("run: %v (%+v)", err, res)
				}
				return res.Usage.WallTime
			}
			run() // compiles
			var total, inside time.Duration
			best := time.Hour
			for b.Loop() {
				t0 := time.Now()
				inside += run()
				d := time.Since(t0)
				total += d
				best = min(best, d)
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/start")
			b.ReportMetric(float64(best.Microseconds())/1000, "best-ms/start")
			b.ReportMetric(float64(inside.Microseconds())/1000/float64(b.N), "run-ms")
		})
	}
}

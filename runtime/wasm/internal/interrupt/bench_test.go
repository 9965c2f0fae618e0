package interrupt

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"
)

// BenchmarkLoop measures a tight loop of 10⁸ iterations with and without
// the instrumentation; ns/iter is the time per iteration.
func BenchmarkLoop(b *testing.B) {
	const n = 100_000_000
	ctx := context.Background()
	plain := module(typeVoid, funcs1, exportStart, loopCode(n))
	instrumented, err := Instrument(plain)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range []struct {
		name string
		bin  []byte
	}{{"plain", plain}, {"instrumented", instrumented}} {
		b.Run(m.name, func(b *testing.B) {
			r := wazero.NewRuntime(ctx)
			defer r.Close(ctx)
			mod, err := r.InstantiateModule(ctx, compile(b, r, m.bin), wazero.NewModuleConfig().WithStartFunctions())
			if err != nil {
				b.Fatal(err)
			}
			start := mod.ExportedFunction("_start")
			for b.Loop() {
				if _, err := start.Call(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/iter")
		})
	}
}

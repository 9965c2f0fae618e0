package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = "../data/lambda_virus.fa"

// readLambda returns the λ record.
func readLambda(tb testing.TB) restriction.Record {
	tb.Helper()
	f, err := os.Open(lambdaPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rec, err := restriction.ReadFASTA(f, 0)
	if err != nil {
		tb.Fatalf("%s: %v", lambdaPath, err)
	}
	return rec
}

// writeLambdaX100 writes into dir a FASTA file named genome that holds one
// record, phage λ repeated 100 times (4,850,200 bp), in 70-column lines, and
// returns its path. dir can then be used as a package's inputs directory.
func writeLambdaX100(tb testing.TB, dir string) string {
	tb.Helper()
	seq := bytes.Repeat(readLambda(tb).Seq, 100)
	var buf bytes.Buffer
	buf.WriteString(">lambda_x100 phage lambda NC_001416.1 repeated 100 times\n")
	for i := 0; i < len(seq); i += 70 {
		buf.Write(seq[i:min(i+70, len(seq))])
		buf.WriteByte('\n')
	}
	path := filepath.Join(dir, genomeName)
	if err := os.WriteFile(path, buf.Bytes(), 0o444); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkDigestNative runs the whole program natively, reading and
// writing files, on 4.85 Mbp with three enzymes. Bytes are those of the
// input file.
func BenchmarkDigestNative(b *testing.B) {
	in, out := b.TempDir(), b.TempDir()
	info, err := os.Stat(writeLambdaX100(b, in))
	if err != nil {
		b.Fatal(err)
	}
	vars := env(map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII"})
	b.SetBytes(info.Size())
	b.ReportAllocs()
	for b.Loop() {
		if code := run(vars, in, out, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("run = %d", code)
		}
	}
}

// BenchmarkDigestWasmVsNative runs the same program on the same 4.85 Mbp
// input natively and as the package's WebAssembly module in the sandbox,
// alternating the two in every iteration so that both see the same machine,
// and reports each one's time per run and their ratio (wasm/native). The
// module is compiled before the timer starts: the figure is execution,
// including instantiation, mounts and output hashing, not compilation.
func BenchmarkDigestWasmVsNative(b *testing.B) {
	ctx := context.Background()
	in := b.TempDir()
	genome := writeLambdaX100(b, in)
	params := map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII"}
	vars := env(params)

	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close(ctx)
	job := wasm.Job{
		Root:   fstest.MapFS{"digest.wasm": {Data: wasmbuild.Build(b, "."), Mode: 0o444}},
		Entry:  "digest.wasm",
		Inputs: []wasm.Input{{Name: genomeName, Path: genome}},
		Params: params,
	}
	runWasm := func() *wasm.Result {
		job.OutputDir = b.TempDir()
		res, err := ex.Run(ctx, job)
		if err != nil || res.ExitCode != exitOK {
			b.Fatalf("wasm run: %v (%+v)", err, res)
		}
		return res
	}
	warm := runWasm() // compiles the module

	// Both must produce the same fragments.json.
	outNative := b.TempDir()
	if code := run(vars, in, outNative, io.Discard, io.Discard); code != exitOK {
		b.Fatalf("native run = %d", code)
	}
	native, err := os.ReadFile(filepath.Join(outNative, "fragments.json"))
	if err != nil {
		b.Fatal(err)
	}
	wasmOut, err := os.ReadFile(filepath.Join(job.OutputDir, "fragments.json"))
	if err != nil || !bytes.Equal(native, wasmOut) {
		b.Fatalf("fragments.json differs between native and wasm (%v)", err)
	}

	var tNative, tWasm time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if code := run(vars, in, b.TempDir(), io.Discard, io.Discard); code != exitOK {
			b.Fatalf("native run = %d", code)
		}
		t1 := time.Now()
		runWasm()
		tNative += t1.Sub(t0)
		tWasm += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tNative.Milliseconds())/n, "native-ms/op")
	b.ReportMetric(float64(tWasm.Milliseconds())/n, "wasm-ms/op")
	b.ReportMetric(float64(tWasm)/float64(tNative), "wasm/native")
	b.ReportMetric(float64(warm.Usage.MemoryPeakBytes)/(1<<20), "wasm-MiB")
}

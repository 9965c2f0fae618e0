package digesttest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// WriteLambdaX100 writes into dir a FASTA file named genome holding phage λ
// repeated 100 times (4,850,200 bp) in 70-column lines, as examples/digest's
// benchmark does, and returns its path.
func WriteLambdaX100(tb testing.TB, dir string) string {
	tb.Helper()
	rec, err := restriction.ReadFASTA(bytes.NewReader(ReadFile(tb, LambdaPath)), 0)
	if err != nil {
		tb.Fatal(err)
	}
	seq := bytes.Repeat(rec.Seq, 100)
	var buf bytes.Buffer
	buf.WriteString(">lambda_x100 phage lambda NC_001416.1 repeated 100 times\n")
	for i := 0; i < len(seq); i += 70 {
		buf.Write(seq[i:min(i+70, len(seq))])
		buf.WriteByte('\n')
	}
	path := filepath.Join(dir, "genome")
	if err := os.WriteFile(path, buf.Bytes(), 0o444); err != nil {
		tb.Fatal(err)
	}
	return path
}

// CPUTime returns the CPU time (user and system) this process has used.
func CPUTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// WasmVsNative benchmarks a digest program on λ×100 (4.85 Mbp, EcoRI, BamHI
// and HindIII, the set of examples/digest's benchmark) natively — native
// is the executable of the same source built for the host, which takes the
// inputs and outputs directories as its two arguments — and as module in
// the sandbox, with the loop instrumentation that every run has,
// alternating the two in every iteration so that both see the same
// machine. Both must write the same outputs. It reports each one's wall
// time per run and the ratio wasm/native, and the same for CPU time (the
// native processes' user and system time; this process's during the wasm
// runs), which a shared machine disturbs less than wall time. The module is
// compiled before the timer starts; the wasm figure includes
// instantiation, mounts, reading the input through WASI and hashing the
// outputs, the native one starting a process.
func WasmVsNative(b *testing.B, module []byte, native string) {
	ctx := context.Background()
	in := b.TempDir()
	genome := WriteLambdaX100(b, in)
	params := map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII"}

	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		b.Fatal(err)
	}
	defer ex.Close(ctx)
	job := wasm.Job{
		Root:   fstest.MapFS{"digest.wasm": {Data: module, Mode: 0o444}},
		Entry:  "digest.wasm",
		Inputs: []wasm.Input{{Name: "genome", Path: genome}},
		Params: params,
	}
	runWasm := func() *wasm.Result {
		job.OutputDir = b.TempDir()
		res, err := ex.Run(ctx, job)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("wasm run: %v (%+v)", err, res)
		}
		return res
	}
	var cpuNative time.Duration // CPU time of the native processes
	runNative := func() (stdout []byte, outDir string) {
		outDir = b.TempDir()
		cmd := exec.Command(native, in, outDir)
		cmd.Env = []string{"ENZYMES=" + params["ENZYMES"]}
		var so bytes.Buffer
		cmd.Stdout = &so
		if err := cmd.Run(); err != nil {
			b.Fatalf("native run: %v", err)
		}
		cpuNative += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		return so.Bytes(), outDir
	}
	warm := runWasm() // compiles the module

	// Both must produce the same outputs.
	nativeOut, nativeDir := runNative()
	a := ReadFile(b, filepath.Join(nativeDir, "fragments.json"))
	w := ReadFile(b, filepath.Join(job.OutputDir, "fragments.json"))
	if !bytes.Equal(a, w) || !bytes.Equal(nativeOut, warm.Stdout) {
		b.Fatal("outputs differ between native and wasm")
	}

	var tNative, tWasm, cpuWasm time.Duration
	cpuNative = 0
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		runNative()
		t1 := time.Now()
		c0 := CPUTime(b)
		runWasm()
		cpuWasm += CPUTime(b) - c0
		tNative += t1.Sub(t0)
		tWasm += time.Since(t1)
	}
	n := float64(b.N)
	b.ReportMetric(float64(tNative.Microseconds())/1000/n, "native-ms/op")
	b.ReportMetric(float64(tWasm.Microseconds())/1000/n, "wasm-ms/op")
	b.ReportMetric(float64(tWasm)/float64(tNative), "wasm/native")
	b.ReportMetric(float64(cpuNative.Microseconds())/1000/n, "native-cpu-ms/op")
	b.ReportMetric(float64(cpuWasm.Microseconds())/1000/n, "wasm-cpu-ms/op")
	b.ReportMetric(float64(cpuWasm)/float64(cpuNative), "wasm/native-cpu")
	b.ReportMetric(float64(warm.Usage.MemoryPeakBytes)/(1<<20), "wasm-MiB")
}

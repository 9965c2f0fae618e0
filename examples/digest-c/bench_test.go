package digestc

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// nativeBinary builds src/digest.c for the host with clang -O2 and returns
// the executable's path.
func nativeBinary(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath(wasmbuild.Clang); err != nil {
		tb.Fatalf("clang not found: %s", wasmbuild.MissingToolchain)
	}
	bin := filepath.Join(tb.TempDir(), "digest")
	if out, err := exec.Command(wasmbuild.Clang, "-O2", "-o", bin, "src/digest.c").CombinedOutput(); err != nil {
		tb.Fatalf("clang -O2 src/digest.c: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkDigestWasmVsNative runs the C digest on λ×100 (4.85 Mbp, EcoRI,
// BamHI and HindIII, the set of examples/digest's benchmark) natively — the
// same source built by the host's clang -O2, run as a process — and as the
// package's module in the sandbox, with the loop instrumentation that every
// run has, alternating the two in every iteration so that both see the same
// machine (digesttest.WasmVsNative, which examples/digest-rust runs too). It
// reports each one's wall time per run and the ratio wasm/native, and the
// same for CPU time (the native processes' user and system time; this
// process's during the wasm runs), which a shared machine disturbs less than
// wall time. The module is compiled before the timer starts; the wasm
// figure includes instantiation, mounts, reading the input through WASI and
// hashing the outputs, the native one starting a process. The Go digest's
// figure is BenchmarkDigestWasmVsNative in examples/digest:
//
//	go test -run '^$' -bench WasmVsNative -benchtime 20x ./examples/digest ./examples/digest-c
func BenchmarkDigestWasmVsNative(b *testing.B) {
	digesttest.WasmVsNative(b, cModule(b), nativeBinary(b))
}

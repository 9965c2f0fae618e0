package digestrust

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// nativeRust builds src/main.rs for the host with rustc -O (opt-level 2,
// as the module) and returns the executable's path.
func nativeRust(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath(wasmbuild.Rustc); err != nil {
		tb.Fatalf("rustc not found: %s", wasmbuild.MissingToolchain)
	}
	bin := filepath.Join(tb.TempDir(), "digest")
	if out, err := exec.Command(wasmbuild.Rustc, "--edition", "2021", "-O", "-o", bin, "src/main.rs").CombinedOutput(); err != nil {
		tb.Fatalf("rustc -O src/main.rs: %v\n%s", err, out)
	}
	return bin
}

// nativeC builds examples/digest-c's src/digest.c for the host with clang
// -O2, as digest-c's own benchmark does, and returns the executable's path.
func nativeC(tb testing.TB) string {
	tb.Helper()
	if _, err := exec.LookPath(wasmbuild.Clang); err != nil {
		tb.Fatalf("clang not found: %s", wasmbuild.MissingToolchain)
	}
	bin := filepath.Join(tb.TempDir(), "digest")
	if out, err := exec.Command(wasmbuild.Clang, "-O2", "-o", bin, "../digest-c/src/digest.c").CombinedOutput(); err != nil {
		tb.Fatalf("clang -O2 ../digest-c/src/digest.c: %v\n%s", err, out)
	}
	return bin
}

// BenchmarkDigestWasmVsNative runs the Rust digest on λ×100 (4.85 Mbp,
// EcoRI, BamHI and HindIII) natively — the same source built by the host's
// rustc -O, run as a process — and as the package's module in the sandbox,
// alternating the two (digesttest.WasmVsNative); then, in the same process,
// the C digest of examples/digest-c the same way, so that the two ratios
// come from one run on one machine:
//
//	go test -run '^$' -bench WasmVsNative -benchtime 20x ./examples/digest-rust
func BenchmarkDigestWasmVsNative(b *testing.B) {
	b.Run("lang=rust", func(b *testing.B) {
		digesttest.WasmVsNative(b, rustModule(b), nativeRust(b))
	})
	b.Run("lang=c", func(b *testing.B) {
		digesttest.WasmVsNative(b, wasmbuild.C(b, "../digest-c", "src/digest.c"), nativeC(b))
	})
}

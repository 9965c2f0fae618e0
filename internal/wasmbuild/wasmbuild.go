// Package wasmbuild compiles Go main packages (GOOS=wasip1, GOARCH=wasm),
// C programs (clang + wasi-libc) and Rust crates (rustc's wasm32-wasi) into
// WebAssembly modules for tests and benchmarks.
//
// It is test support only: it shells out to the go command of the toolchain
// that runs the tests, and it must never be imported by production code.
//
// Usage, in a test or benchmark:
//
//	module := wasmbuild.Build(t, "testdata/hostile") // the module's bytes
//	cmod := wasmbuild.C(t, "../digest-c", "src/digest.c")
//	rmod := wasmbuild.Rust(t, ".", "src/main.rs")
//
// The foreign-language examples' tests of their published build share
// Generate (gen.go's compiler directive), CheckGenerate (its flags are
// CFlags or RustFlags), BuildCopy (gen.go's build in a copy of the sources
// elsewhere, for reproducibility), NoPaths (no build-machine path in a
// module) and CheckFresh (a generated source is up to date).
//
// Builds are memoized per process by the absolute package directory (and
// the sources), so the many tests of a package share one build. C and Rust
// need Debian's toolchains (see MissingToolchain); a test that needs one
// that is missing fails with a message naming the packages, it never skips.
package wasmbuild

import (
	"bytes"
	"fmt"
	gobuild "go/build"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// builds memoizes Build per process, keyed by absolute package directory.
// It is the one piece of package-level state, acceptable because this
// package only serves tests.
var builds sync.Map // string -> *build

type build struct {
	once   sync.Once
	module []byte
	err    error
}

// Build compiles the Go main package in pkgDir (a directory path, relative
// to the test's working directory or absolute) with
//
//	GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags=-buildid=
//
// — the flags of a reproducible build (see examples/digest/gen.go) — and
// returns the module's bytes. The go binary is the one of the running
// toolchain (runtime.GOROOT()/bin/go), falling back to "go" on PATH.
//
// The first call for a directory builds it; later calls in the same process
// return the same bytes, which callers must not modify. A failed build fails
// tb with the compiler's output (tb.Fatalf).
func Build(tb testing.TB, pkgDir string) []byte {
	tb.Helper()
	module, err := build1(pkgDir, false)
	if err != nil {
		tb.Fatalf("wasmbuild: %v", err)
	}
	return module
}

// BuildReactor is Build for a service module: a WASI reactor, built with
// -buildmode=c-shared in addition to Build's flags (see sdk/service).
func BuildReactor(tb testing.TB, pkgDir string) []byte {
	tb.Helper()
	module, err := build1(pkgDir, true)
	if err != nil {
		tb.Fatalf("wasmbuild: %v", err)
	}
	return module
}

func build1(pkgDir string, reactor bool) ([]byte, error) {
	abs, err := filepath.Abs(pkgDir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", pkgDir, err)
	}
	key := abs
	if reactor {
		key += " (reactor)"
	}
	v, _ := builds.LoadOrStore(key, &build{})
	b := v.(*build)
	b.once.Do(func() { b.module, b.err = compile(abs, reactor) })
	return b.module, b.err
}

func compile(pkgDir string, reactor bool) ([]byte, error) {
	out, err := os.MkdirTemp("", "wasmbuild-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", pkgDir, err)
	}
	defer os.RemoveAll(out)
	target := filepath.Join(out, "main.wasm")

	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags=-buildid=", "-o", target}
	if reactor {
		args = append(args, "-buildmode=c-shared")
	}
	cmd := exec.Command(goBinary(), append(args, ".")...)
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout = &output
	cmd.Stderr = &output
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s: %w\n%s", pkgDir, err, output.Bytes())
	}
	module, err := os.ReadFile(target)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", pkgDir, err)
	}
	return module, nil
}

// goBinary returns the go command of the toolchain running the tests.
func goBinary() string {
	if root := gobuild.Default.GOROOT; root != "" {
		name := filepath.Join(root, "bin", "go")
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		if _, err := os.Stat(name); err == nil {
			return name
		}
	}
	return "go"
}

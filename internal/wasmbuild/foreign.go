package wasmbuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// CFlags are the clang flags of a reproducible C build for the sandbox,
// after the compiler's name: the wasm32-wasi target (WASI preview 1, the
// sandbox's wasm32-wasip1) against Debian's wasi-libc, -O2, and no debug
// information (wasi-libc's archives carry DWARF that names the build
// machine's include paths; the "name" section is kept for traps). Without
// -g, clang and wasm-ld put no path, time or host name into the module, so
// one source and one toolchain version give the same bytes anywhere. The
// example packages' gen.go files spell the same flags (their reproducibility
// tests check it).
var CFlags = []string{"--target=wasm32-wasi", "-O2", "-Wl,--strip-debug"}

// RustFlags are the rustc flags of a reproducible Rust build for the
// sandbox: Debian's wasm32-wasi standard library (libstd-rust-dev-wasm32),
// edition 2021, opt-level 2, one codegen unit, no debug information. With
// the crate root given as a relative path, panic locations name it
// relatively (the standard library's are /usr/src/rustc-VERSION/...), so the
// module holds no path of the build machine. The stack is 64 KiB, clang's
// default, not rustc's 1 MiB: the sandbox zeroes a module's whole memory at
// every start, and the larger stack doubled the Rust digest's cached
// start-up (1.1 ms against 0.6 ms, examples/digest-rust BenchmarkStartup).
// rustc places the stack first in memory, so a program that outgrows it
// traps on an out-of-bounds access rather than overwriting its data.
var RustFlags = []string{"--target", "wasm32-wasi", "--edition", "2021", "-C", "opt-level=2", "-C", "strip=debuginfo", "-C", "codegen-units=1", "-C", "link-arg=-zstack-size=65536"}

// Clang and Rustc are the compilers C and Rust use; Debian's /usr/bin/rustc
// is the one whose wasm32-wasi standard library is installed (a rustup
// toolchain on PATH usually lacks it).
const (
	Clang = "clang"
	Rustc = "/usr/bin/rustc"
)

// MissingToolchain is the message of a build whose compiler is missing.
const MissingToolchain = "install the Debian packages clang lld wasi-libc libclang-rt-14-dev-wasm32 (C) and rustc libstd-rust-dev-wasm32 (Rust); .ci/run does"

// C compiles the C sources (paths relative to dir) into a WebAssembly
// command module with `clang CFlags -o OUT sources...` run in dir, and
// returns its bytes. Every file in the sources' directories is read first,
// so that the go command's test cache sees a change to any of them. Builds are memoized per process like Build's. A
// missing clang or a failed build fails tb, naming the packages to install
// or with the compiler's output.
func C(tb testing.TB, dir string, sources ...string) []byte {
	tb.Helper()
	module, err := foreign(dir, "c:"+strings.Join(sources, ","), sources, func(out string) *exec.Cmd {
		args := append(append([]string(nil), CFlags...), "-o", out)
		return exec.Command(Clang, append(args, sources...)...)
	})
	if err != nil {
		tb.Fatalf("wasmbuild: %v", err)
	}
	return module
}

// Rust compiles the Rust crate whose root is source (a path relative to
// dir) into a WebAssembly command module with `/usr/bin/rustc RustFlags -o
// OUT source` run in dir, and returns its bytes. Builds are memoized per process like Build's; failures fail tb as
// C's do.
func Rust(tb testing.TB, dir, source string) []byte {
	tb.Helper()
	module, err := foreign(dir, "rust:"+source, []string{source}, func(out string) *exec.Cmd {
		args := append(append([]string(nil), RustFlags...), "-o", out, source)
		return exec.Command(Rustc, args...)
	})
	if err != nil {
		tb.Fatalf("wasmbuild: %v", err)
	}
	return module
}

func foreign(dir, what string, sources []string, command func(out string) *exec.Cmd) ([]byte, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", dir, err)
	}
	// The compiler runs in another process, so the go command's test cache
	// would not know the sources: reading every file of their directories
	// here makes it rerun the tests when one changes.
	seen := map[string]bool{}
	for _, src := range sources {
		d := filepath.Join(abs, filepath.Dir(src))
		if seen[d] {
			continue
		}
		seen[d] = true
		entries, err := os.ReadDir(d)
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", abs, err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if _, err := os.ReadFile(filepath.Join(d, e.Name())); err != nil {
					return nil, fmt.Errorf("build %s: %w", abs, err)
				}
			}
		}
	}
	v, _ := builds.LoadOrStore(abs+"\x00"+what, &build{})
	b := v.(*build)
	b.once.Do(func() {
		tmp, err := os.MkdirTemp("", "wasmbuild-")
		if err != nil {
			b.err = err
			return
		}
		defer os.RemoveAll(tmp)
		out := filepath.Join(tmp, "main.wasm")
		cmd := command(out)
		if _, err := exec.LookPath(cmd.Path); err != nil {
			b.err = fmt.Errorf("build %s: %s not found: %s", abs, cmd.Args[0], MissingToolchain)
			return
		}
		cmd.Dir = abs
		var output bytes.Buffer
		cmd.Stdout, cmd.Stderr = &output, &output
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("build %s: %s: %w\n%s", abs, strings.Join(cmd.Args, " "), err, output.Bytes())
			return
		}
		b.module, b.err = os.ReadFile(out)
	})
	return b.module, b.err
}

package wasmbuild

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Generate returns the arguments of the `//go:generate COMPILER …`
// directive of gen.go in the test's working directory (compiler is spelled
// as in the directive: Clang or Rustc). A missing gen.go or directive fails
// tb.
func Generate(tb testing.TB, compiler string) []string {
	tb.Helper()
	b, err := os.ReadFile("gen.go")
	if err != nil {
		tb.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "//go:generate "+compiler+" "); ok {
			return strings.Fields(line)
		}
	}
	tb.Fatal("gen.go has no //go:generate " + compiler + " … directive")
	return nil
}

// CheckGenerate fails tb unless gen.go's compiler directive (see Generate)
// is `COMPILER flags... -o output source`: `go generate` builds the module
// with the flags the tests and benchmarks build it with (CFlags,
// RustFlags), so they measure what is published.
func CheckGenerate(tb testing.TB, compiler string, flags []string, output, source string) {
	tb.Helper()
	args := Generate(tb, compiler)
	want := append(append([]string(nil), flags...), "-o", output, source)
	if !slices.Equal(args, want) {
		name := filepath.Base(compiler)
		tb.Errorf("gen.go: %s %s\nwant:   %s %s", name, strings.Join(args, " "), name, strings.Join(want, " "))
	}
}

// BuildCopy copies the files sources (paths relative to the test's working
// directory, kept relative under dir) into dir, creating it, runs
// `compiler args...` in dir with HOME and TMPDIR set to a new empty
// directory, and returns the bytes of output (a path relative to dir). It
// is not memoized: reproducibility tests build with it in directories of
// their choosing and compare. A missing compiler fails tb naming the
// packages to install (MissingToolchain); a failed build fails tb with the
// compiler's output.
func BuildCopy(tb testing.TB, dir, compiler string, args, sources []string, output string) []byte {
	tb.Helper()
	if _, err := exec.LookPath(compiler); err != nil {
		tb.Fatalf("%s not found: %s", filepath.Base(compiler), MissingToolchain)
	}
	for _, f := range sources {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	cmd := exec.Command(compiler, args...)
	cmd.Dir = dir
	home := tb.TempDir()
	cmd.Env = append(os.Environ(), "HOME="+home, "TMPDIR="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("%s %s: %v\n%s", filepath.Base(compiler), strings.Join(args, " "), err, out)
	}
	module, err := os.ReadFile(filepath.Join(dir, output))
	if err != nil {
		tb.Fatal(err)
	}
	return module
}

// NoPaths fails tb for the test's working directory and each of paths
// (empty and "/" are passed over) that module's bytes contain: a module
// that names a path of the machine that built it differs between machines.
func NoPaths(tb testing.TB, module []byte, paths ...string) {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for _, s := range append([]string{wd}, paths...) {
		if s != "" && s != "/" && bytes.Contains(module, []byte(s)) {
			tb.Errorf("the module holds the path %q", s)
		}
	}
}

// CheckFresh fails tb unless `go run generator -o OUT`, run in the test's
// working directory with the go command of the running toolchain, writes
// exactly the bytes of file (a path relative to that directory): a file
// generated from the module's Go code and checked in is stale once that
// code changes. A generator that fails fails tb with its output.
func CheckFresh(tb testing.TB, generator, file string) {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), filepath.Base(file))
	if b, err := exec.Command(goBinary(), "run", generator, "-o", out).CombinedOutput(); err != nil {
		tb.Fatalf("go run %s: %v\n%s", generator, err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	want, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		wd, _ := os.Getwd()
		tb.Errorf("%s is stale: run go generate in %s", file, wd)
	}
}

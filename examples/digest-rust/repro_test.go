package digestrust

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// generateRustc returns the arguments of gen.go's //go:generate rustc
// directive.
func generateRustc(t *testing.T) []string {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(digesttest.ReadFile(t, "gen.go")))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "//go:generate "+wasmbuild.Rustc+" "); ok {
			return strings.Fields(line)
		}
	}
	t.Fatal("gen.go has no //go:generate " + wasmbuild.Rustc + " … directive")
	return nil
}

// TestBuildFlags: `go generate` builds the module with wasmbuild.RustFlags,
// the flags the tests and benchmarks build it with, so they measure what
// is published.
func TestBuildFlags(t *testing.T) {
	args := generateRustc(t)
	want := append(append([]string(nil), wasmbuild.RustFlags...), "-o", "digest.wasm", "src/main.rs")
	if !slices.Equal(args, want) {
		t.Errorf("gen.go: rustc %s\nwant:   rustc %s", strings.Join(args, " "), strings.Join(want, " "))
	}
}

// TestReproducibleBuild builds the module with gen.go's command in two
// copies of the sources at different paths, under different HOMEs and
// temporary directories: the bytes are the same, and the same as the
// tests' build, hence one package id whoever builds it; and the module
// holds no path of the machine that built it.
func TestReproducibleBuild(t *testing.T) {
	if _, err := exec.LookPath(wasmbuild.Rustc); err != nil {
		t.Fatalf("rustc not found: %s", wasmbuild.MissingToolchain)
	}
	args := generateRustc(t)
	var dirs []string
	build := func(parent string) []byte {
		t.Helper()
		dir := filepath.Join(t.TempDir(), parent, "where")
		dirs = append(dirs, dir)
		if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"src/main.rs", "src/enzymes.rs"} {
			if err := os.WriteFile(filepath.Join(dir, f), digesttest.ReadFile(t, f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(wasmbuild.Rustc, args...)
		cmd.Dir = dir
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "TMPDIR="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rustc %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return digesttest.ReadFile(t, filepath.Join(dir, "digest.wasm"))
	}
	first, second := build("some"), build("other/place")
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(first), len(second))
	}
	if !bytes.Equal(first, rustModule(t)) {
		t.Error("gen.go's build differs from wasmbuild.Rust's")
	}
	wd, _ := os.Getwd()
	for _, s := range append(dirs, wd, "/tmp", "/home", os.Getenv("HOME")) {
		if s != "" && s != "/" && bytes.Contains(first, []byte(s)) {
			t.Errorf("the module holds the path %q", s)
		}
	}
}

// TestEnzymeTableIsFresh: src/enzymes.rs is what gentable.go writes from
// bio/restriction's table now; run `go generate` after changing the table.
func TestEnzymeTableIsFresh(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out := filepath.Join(t.TempDir(), "enzymes.rs")
	if b, err := exec.Command(gobin, "run", "gentable.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gentable.go: %v\n%s", err, b)
	}
	if !bytes.Equal(digesttest.ReadFile(t, out), digesttest.ReadFile(t, "src/enzymes.rs")) {
		t.Error("src/enzymes.rs is stale: run go generate in examples/digest-rust")
	}
}

package digestc

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

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// generateClang returns the arguments of gen.go's //go:generate clang
// directive.
func generateClang(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "//go:generate clang "); ok {
			return strings.Fields(line)
		}
	}
	t.Fatal("gen.go has no //go:generate clang … directive")
	return nil
}

// TestBuildFlags: `go generate` builds the module with wasmbuild.CFlags, the
// flags the tests and benchmarks build it with, so they measure what is
// published.
func TestBuildFlags(t *testing.T) {
	args := generateClang(t)
	want := append(append([]string(nil), wasmbuild.CFlags...), "-o", "digest.wasm", "src/digest.c")
	if !slices.Equal(args, want) {
		t.Errorf("gen.go: clang %s\nwant:   clang %s", strings.Join(args, " "), strings.Join(want, " "))
	}
}

// TestReproducibleBuild builds the module with gen.go's command in two
// copies of the sources at different paths, under different HOMEs and
// temporary directories, the second from an absolute source path: the
// bytes are the same, and the same as the tests' build, hence one package
// id whoever builds it.
func TestReproducibleBuild(t *testing.T) {
	if _, err := exec.LookPath(wasmbuild.Clang); err != nil {
		t.Fatalf("clang not found: %s", wasmbuild.MissingToolchain)
	}
	args := generateClang(t)
	build := func(absolute bool) []byte {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "some", "where")
		if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"src/digest.c", "src/enzymes.h"} {
			if err := os.WriteFile(filepath.Join(dir, f), readFile(t, f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		a := slices.Clone(args)
		if absolute {
			a[len(a)-1] = filepath.Join(dir, a[len(a)-1])
		}
		cmd := exec.Command(wasmbuild.Clang, a...)
		cmd.Dir = dir
		home := t.TempDir()
		cmd.Env = append(os.Environ(), "HOME="+home, "TMPDIR="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("clang %s: %v\n%s", strings.Join(a, " "), err, out)
		}
		return readFile(t, filepath.Join(dir, "digest.wasm"))
	}
	first, second := build(false), build(true)
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(first), len(second))
	}
	if !bytes.Equal(first, cModule(t)) {
		t.Error("gen.go's build differs from wasmbuild.C's")
	}
	wd, _ := os.Getwd()
	for _, s := range []string{wd, "/tmp", "/usr/", "/home"} {
		if bytes.Contains(first, []byte(s)) {
			t.Errorf("the module holds the path %q", s)
		}
	}
}

// TestEnzymeHeaderIsFresh: src/enzymes.h is what gentable.go writes from
// bio/restriction's table now; run `go generate` after changing the table.
func TestEnzymeHeaderIsFresh(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	out := filepath.Join(t.TempDir(), "enzymes.h")
	if b, err := exec.Command(gobin, "run", "gentable.go", "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("go run gentable.go: %v\n%s", err, b)
	}
	if !bytes.Equal(readFile(t, out), readFile(t, "src/enzymes.h")) {
		t.Error("src/enzymes.h is stale: run go generate in examples/digest-c")
	}
}

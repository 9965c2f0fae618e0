package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestReproducibleBuild runs the package's own //go:generate command twice
// in this directory — under two different HOMEs and Go caches, the second
// time with the worktree dirty (an untracked file in the package
// directory) — writing the module to temporary files: both builds give
// the same bytes, hence one package id. Without -buildvcs=false and an
// empty build id, Go stamps the git revision, the "modified" flag and a
// cache-dependent build id into the module, and every rebuild of one
// commit could change the package id.
func TestReproducibleBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the module twice")
	}
	args := generateArgs(t)
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	var last string
	build := func(home string) [32]byte {
		t.Helper()
		out := filepath.Join(t.TempDir(), "digest.wasm")
		last = out
		a := append([]string(nil), args...)
		for i := range a {
			if a[i] == "digest.wasm" {
				a[i] = out
			}
		}
		cmd := exec.Command(gobin, a...)
		cmd.Env = append(os.Environ(), "HOME="+home, "GOCACHE="+filepath.Join(home, "cache"), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(a, " "), err, b)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	first := build(t.TempDir())
	dirty := "untracked-by-TestReproducibleBuild.txt"
	if err := os.WriteFile(dirty, []byte("a dirty worktree\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dirty) })
	second := build(t.TempDir())
	if first != second {
		t.Fatalf("two builds of one commit: module sha256 %x and %x", first, second)
	}
	// Whatever the worktree's state while the test runs, the module holds
	// no VCS stamp and no build id.
	module, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(module, []byte("\tvcs.")) {
		t.Error("the module is stamped with VCS settings (build\tvcs.…): build with -buildvcs=false")
	}
	id, err := exec.Command(gobin, "tool", "buildid", last).Output()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(id)); got != "" {
		t.Errorf("the module has the build id %q: build with -ldflags=-buildid=", got)
	}
}

// generateArgs returns the arguments of the go command of gen.go's
// //go:generate directive ("env VAR=… go ARGS" → ARGS).
func generateArgs(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//go:generate ")
		if !ok {
			continue
		}
		f := strings.Fields(line)
		for i, w := range f {
			if w == "go" {
				return f[i+1:]
			}
		}
	}
	t.Fatal("gen.go has no //go:generate go … directive")
	return nil
}

package digestrust

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// TestBuildFlags: `go generate` builds the module with wasmbuild.RustFlags,
// the flags the tests and benchmarks build it with, so they measure what
// is published.
func TestBuildFlags(t *testing.T) {
	wasmbuild.CheckGenerate(t, wasmbuild.Rustc, wasmbuild.RustFlags, "digest.wasm", "src/main.rs")
}

// TestReproducibleBuild builds the module with gen.go's command in two
// copies of the sources at different paths, under different HOMEs and
// temporary directories: the bytes are the same, and the same as the
// tests' build, hence one package id whoever builds it; and the module
// holds no path of the machine that built it.
func TestReproducibleBuild(t *testing.T) {
	args := wasmbuild.Generate(t, wasmbuild.Rustc)
	var dirs []string
	build := func(parent string) []byte {
		t.Helper()
		dir := filepath.Join(t.TempDir(), parent, "where")
		dirs = append(dirs, dir)
		return wasmbuild.BuildCopy(t, dir, wasmbuild.Rustc, args, []string{"src/main.rs", "src/enzymes.rs"}, "digest.wasm")
	}
	first, second := build("some"), build("other/place")
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(first), len(second))
	}
	if !bytes.Equal(first, rustModule(t)) {
		t.Error("gen.go's build differs from wasmbuild.Rust's")
	}
	wasmbuild.NoPaths(t, first, append(dirs, "/tmp", "/home", os.Getenv("HOME"))...)
}

// TestEnzymeTableIsFresh: src/enzymes.rs is what gentable.go writes from
// bio/restriction's table now; run `go generate` after changing the table.
func TestEnzymeTableIsFresh(t *testing.T) {
	wasmbuild.CheckFresh(t, "gentable.go", "src/enzymes.rs")
}

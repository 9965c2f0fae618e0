package digestc

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// TestBuildFlags: `go generate` builds the module with wasmbuild.CFlags, the
// flags the tests and benchmarks build it with, so they measure what is
// published.
func TestBuildFlags(t *testing.T) {
	wasmbuild.CheckGenerate(t, wasmbuild.Clang, wasmbuild.CFlags, "digest.wasm", "src/digest.c")
}

// TestReproducibleBuild builds the module with gen.go's command in two
// copies of the sources at different paths, under different HOMEs and
// temporary directories, the second from an absolute source path: the
// bytes are the same, and the same as the tests' build, hence one package
// id whoever builds it.
func TestReproducibleBuild(t *testing.T) {
	args := wasmbuild.Generate(t, wasmbuild.Clang)
	build := func(absolute bool) []byte {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "some", "where")
		a := slices.Clone(args)
		if absolute {
			a[len(a)-1] = filepath.Join(dir, a[len(a)-1])
		}
		return wasmbuild.BuildCopy(t, dir, wasmbuild.Clang, a, []string{"src/digest.c", "src/enzymes.h"}, "digest.wasm")
	}
	first, second := build(false), build(true)
	if !bytes.Equal(first, second) {
		t.Fatalf("two builds differ (%d and %d bytes)", len(first), len(second))
	}
	if !bytes.Equal(first, cModule(t)) {
		t.Error("gen.go's build differs from wasmbuild.C's")
	}
	wasmbuild.NoPaths(t, first, "/tmp", "/usr/", "/home")
}

// TestEnzymeHeaderIsFresh: src/enzymes.h is what gentable.go writes from
// bio/restriction's table now; run `go generate` after changing the table.
func TestEnzymeHeaderIsFresh(t *testing.T) {
	wasmbuild.CheckFresh(t, "gentable.go", "src/enzymes.h")
}

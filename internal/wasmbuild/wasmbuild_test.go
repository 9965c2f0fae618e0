package wasmbuild_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

func TestBuild(t *testing.T) {
	first := wasmbuild.Build(t, "testdata/hello")
	if !bytes.HasPrefix(first, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("not a WebAssembly module: % x", first[:min(8, len(first))])
	}
	// The second call, also spelled differently, reuses the first build.
	again := wasmbuild.Build(t, "./testdata/../testdata/hello")
	if &again[0] != &first[0] {
		t.Error("the build was not memoized")
	}
}

func TestC(t *testing.T) {
	first := wasmbuild.C(t, "testdata/c", "hello.c")
	if !bytes.HasPrefix(first, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("not a WebAssembly module: % x", first[:min(8, len(first))])
	}
	if again := wasmbuild.C(t, "./testdata/c", "hello.c"); &again[0] != &first[0] {
		t.Error("the build was not memoized")
	}
}

func TestRust(t *testing.T) {
	module := wasmbuild.Rust(t, "testdata/rust", "hello.rs")
	if !bytes.HasPrefix(module, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatalf("not a WebAssembly module: % x", module[:min(8, len(module))])
	}
	abs, err := filepath.Abs("testdata/rust")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(module, []byte(abs)) {
		t.Errorf("the module holds the build directory's path %s", abs)
	}
}

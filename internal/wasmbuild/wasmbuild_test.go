package wasmbuild_test

import (
	"bytes"
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

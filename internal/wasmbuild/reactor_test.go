package wasmbuild

import (
	"bytes"
	"path/filepath"
	"testing"
)

// TestReactorReproducible builds a reactor twice, outside the memo: the
// bytes are the same (so a service package has one id), and differ from
// the command built from the same source.
func TestReactorReproducible(t *testing.T) {
	dir, err := filepath.Abs("testdata/hello")
	if err != nil {
		t.Fatal(err)
	}
	first, err := compile(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	second, err := compile(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("two builds of one reactor differ")
	}
	if bytes.Equal(first, Build(t, "testdata/hello")) {
		t.Error("the reactor is the command")
	}
	if !bytes.Contains(first, []byte("_initialize")) {
		t.Error("the reactor exports no _initialize")
	}
}

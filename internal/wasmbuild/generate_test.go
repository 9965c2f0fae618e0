package wasmbuild_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// recorder is a testing.TB that keeps the errors reported to it instead of
// failing the test, to check that the helpers fail when they should.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// writeGen writes gen.go with the given directive lines into a new
// directory and makes it the working directory for the rest of the test.
func writeGen(t *testing.T, lines ...string) {
	t.Helper()
	dir := t.TempDir()
	src := "package x\n\n" + strings.Join(lines, "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "gen.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
}

func TestGenerate(t *testing.T) {
	writeGen(t, "//go:generate go run gentable.go", "//go:generate clang  -O2  -o x.wasm x.c")
	if got, want := wasmbuild.Generate(t, "clang"), []string{"-O2", "-o", "x.wasm", "x.c"}; !slices.Equal(got, want) {
		t.Errorf("Generate = %q, want %q", got, want)
	}
}

func TestCheckGenerate(t *testing.T) {
	writeGen(t, "//go:generate "+wasmbuild.Rustc+" "+strings.Join(wasmbuild.RustFlags, " ")+" -o x.wasm src/main.rs")
	tests := []struct {
		name           string
		output, source string
		wantErr        bool
	}{
		{"same", "x.wasm", "src/main.rs", false},
		{"other output", "y.wasm", "src/main.rs", true},
		{"other source", "x.wasm", "src/lib.rs", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			wasmbuild.CheckGenerate(r, wasmbuild.Rustc, wasmbuild.RustFlags, tt.output, tt.source)
			if (len(r.errs) > 0) != tt.wantErr {
				t.Errorf("errors %q, want an error: %v", r.errs, tt.wantErr)
			}
			if tt.wantErr && len(r.errs) > 0 && !strings.Contains(r.errs[0], "want:   rustc ") {
				t.Errorf("message %q does not show the wanted command", r.errs[0])
			}
		})
	}
}

// TestBuildCopy builds testdata/c in a copy elsewhere: the bytes are C's,
// and NoPaths finds no path in them but finds one that is there.
func TestBuildCopy(t *testing.T) {
	want := wasmbuild.C(t, "testdata/c", "hello.c")
	t.Chdir("testdata/c")
	dir := filepath.Join(t.TempDir(), "else", "where")
	args := append(append([]string(nil), wasmbuild.CFlags...), "-o", "out/hello.wasm", "hello.c")
	if err := os.MkdirAll(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := wasmbuild.BuildCopy(t, dir, wasmbuild.Clang, args, []string{"hello.c"}, "out/hello.wasm")
	if !bytes.Equal(got, want) {
		t.Error("a copy's build differs from wasmbuild.C's")
	}
	wasmbuild.NoPaths(t, got, dir, "/tmp", "", "/")

	r := &recorder{TB: t}
	wasmbuild.NoPaths(r, append(slices.Clone(got), dir...), dir)
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], dir) {
		t.Errorf("NoPaths on a module holding %s: errors %q", dir, r.errs)
	}
}

func TestCheckFresh(t *testing.T) {
	dir := t.TempDir()
	gen := `package main

import (
	"flag"
	"os"
)

func main() {
	out := flag.String("o", "", "output")
	flag.Parse()
	if err := os.WriteFile(*out, []byte("table v2\n"), 0o644); err != nil {
		panic(err)
	}
}
`
	for name, data := range map[string]string{"gentable.go": gen, "fresh.txt": "table v2\n", "stale.txt": "table v1\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	wasmbuild.CheckFresh(t, "gentable.go", "fresh.txt")
	r := &recorder{TB: t}
	wasmbuild.CheckFresh(r, "gentable.go", "stale.txt")
	if len(r.errs) != 1 || !strings.Contains(r.errs[0], "stale.txt is stale: run go generate in ") {
		t.Errorf("a stale file: errors %q", r.errs)
	}
}

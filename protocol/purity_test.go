package protocol

import (
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// TestProtocolIsPure fails if code of protocol/ (tests aside) uses a clock,
// randomness, I/O, goroutines, map iteration or floating point
// (purity.Check), or imports anything outside the standard library
// (ARCHITECTURE.md: protocol/ sits beside spec/ and reputation/).
func TestProtocolIsPure(t *testing.T) {
	const module = "github.com/celltonomy/celltonomy/protocol"
	fset := token.NewFileSet()
	dirs, files, err := purity.ParseTree(fset, ".")
	if err != nil {
		t.Fatal(err)
	}
	imp := purity.ExportImporter(t, fset)
	for _, dir := range dirs {
		path := module
		if dir != "." {
			path += "/" + dir
		}
		problems, err := purity.Check(fset, imp, path, files[dir])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Error(p)
		}
		for _, f := range files[dir] {
			for _, is := range f.Imports {
				p, _ := strconv.Unquote(is.Path.Value)
				first, _, _ := strings.Cut(p, "/")
				if strings.Contains(first, ".") {
					t.Errorf("%s: imports %q: protocol/ may import only the standard library", fset.Position(is.Pos()), p)
				}
			}
		}
	}
}

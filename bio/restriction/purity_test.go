package restriction

import (
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// TestRestrictionIsPure fails if the package's code (tests aside) uses a
// clock, randomness, I/O, goroutines, map iteration or floating point
// (purity.Check), or imports anything but the standard library: the lab
// simulator must give the same bytes on every machine, and it runs these
// rules.
func TestRestrictionIsPure(t *testing.T) {
	const pkgPath = "github.com/celltonomy/celltonomy/bio/restriction"
	fset := token.NewFileSet()
	dirs, files, err := purity.ParseTree(fset, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 1 || dirs[0] != "." || len(files["."]) < 4 {
		t.Fatalf("found packages %v with %d files in ., want this package's files", dirs, len(files["."]))
	}
	problems, err := purity.Check(fset, purity.ExportImporter(t, fset), pkgPath, files["."])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, f := range files["."] {
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
				t.Errorf("%s: imports %q: bio/restriction may import only the standard library", fset.Position(is.Pos()), p)
			}
		}
	}
}

package labsim

import (
	"go/token"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// TestLabsimIsPure fails if code of runtime/labsim (tests aside) uses a
// clock, randomness other than the seed, I/O, goroutines, map iteration or
// floating point (purity.Check): fabrication.md, "The simulator", asks
// that the same order on any node yield a byte-identical log and datasets.
func TestLabsimIsPure(t *testing.T) {
	const module = "github.com/celltonomy/celltonomy/runtime/labsim"
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
	}
}

package reputation

import (
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// allowedModules are the only imports outside the standard library that
// packages under reputation/ may have.
var allowedModules = []string{
	"golang.org/x/crypto/sha3",
	"github.com/btcsuite/btcd/btcutil/bech32", // cell1… addresses in replay files
}

// TestReputationIsPure fails if code under reputation/ (tests aside) uses
// a clock, randomness, I/O, goroutines, map iteration or floating point
// (purity.Check), or imports anything but the standard library, its own
// sub-packages and allowedModules.
func TestReputationIsPure(t *testing.T) {
	const module = "github.com/celltonomy/celltonomy/reputation"
	fset := token.NewFileSet()
	dirs, files, err := purity.ParseTree(fset, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 3 {
		t.Fatalf("found only %d packages under reputation/: %v", len(dirs), dirs)
	}
	imp := purity.ExportImporter(t, fset)
	for _, dir := range dirs {
		path := module
		if dir != "." {
			path += "/" + filepath.ToSlash(dir)
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
				stdlib := !strings.Contains(first, ".")
				if !stdlib && p != module && !strings.HasPrefix(p, module+"/") && !slices.Contains(allowedModules, p) {
					t.Errorf("%s: imports %q: reputation/ may import only the standard library, %v and itself", fset.Position(is.Pos()), p, allowedModules)
				}
			}
		}
	}
}

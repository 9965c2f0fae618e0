package ledger

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// TestLedgerIsPure fails if code under ledger/ (tests aside) could make two
// nodes disagree: see purity.ForbiddenImports and purity.Check. Two imports
// are allowed where they are safe: reflect and sync in ledger/event (see
// below).
func TestLedgerIsPure(t *testing.T) {
	fset := token.NewFileSet()
	imp := purity.ExportImporter(t, fset)
	pkgs := map[string][]*ast.File{}
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && path != ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if pkgs[dir] == nil {
			dirs = append(dirs, dir)
		}
		pkgs[dir] = append(pkgs[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("found only %d packages under ledger/: %v", len(dirs), dirs)
	}
	for _, dir := range dirs {
		path := "github.com/celltonomy/celltonomy/ledger"
		if dir != "." {
			path += "/" + filepath.ToSlash(dir)
		}
		problems, err := purity.Check(fset, imp, path, pkgs[dir])
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			if dir == "event" && (strings.HasSuffix(p, `imports "reflect"`) || strings.HasSuffix(p, `imports "sync"`)) {
				// The event codec reflects over the fields of event
				// structs, in declaration order, and refuses maps; it
				// caches each type's field plan, a function of the type
				// alone. Its output is the same on every machine.
				continue
			}
			t.Error(p)
		}
	}
}

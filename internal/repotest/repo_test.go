// Package repotest holds tests about the repository as a whole: every
// package says what it is for, and imports point downward as
// ARCHITECTURE.md draws them.
package repotest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/celltonomy/celltonomy/"

// packages returns the directories of the module's Go packages, relative to
// the module root, with the parsed non-test files of each.
func packages(t *testing.T) map[string][]string {
	t.Helper()
	root := "../.."
	pkgs := map[string][]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			pkgs[filepath.ToSlash(rel)] = append(pkgs[filepath.ToSlash(rel)], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

// TestPackageDocs checks that every package has a package comment.
func TestPackageDocs(t *testing.T) {
	for dir, files := range packages(t) {
		documented := false
		for _, f := range files {
			src, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if src.Doc != nil && strings.TrimSpace(src.Doc.Text()) != "" {
				documented = true
			}
		}
		if !documented {
			t.Errorf("package %s has no package comment saying what it is for", dir)
		}
	}
}

// forbidden lists, for each layer of ARCHITECTURE.md, the layers above it
// that it must not import ("A package imports only downward").
var forbidden = map[string][]string{
	"spec":       {"runtime", "ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd", "reputation"},
	"reputation": {"runtime", "ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd", "spec"},
	"runtime":    {"ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd"},
	"ledger":     {"runtime", "chain", "node", "miner", "client", "api", "devnet", "cmd"},
	"examples":   {"cmd", "node", "chain", "ledger", "devnet"},
}

// TestImportsPointDownward checks the layering of ARCHITECTURE.md, and that
// test-support packages are not imported by production code.
func TestImportsPointDownward(t *testing.T) {
	for dir, files := range packages(t) {
		top, _, _ := strings.Cut(dir, "/")
		for _, f := range files {
			src, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range src.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				rel, ok := strings.CutPrefix(path, module)
				if !ok {
					continue
				}
				target, _, _ := strings.Cut(rel, "/")
				for _, bad := range forbidden[top] {
					if target == bad {
						t.Errorf("%s imports %s: %s must not depend on %s", f, path, top, bad)
					}
				}
				if rel == "internal/wasmbuild" {
					t.Errorf("%s imports %s, which is for tests only", f, path)
				}
			}
		}
	}
}

func TestMain(m *testing.M) {
	if _, err := os.Stat("../../go.mod"); err != nil {
		panic("repotest must run from internal/repotest")
	}
	os.Exit(m.Run())
}

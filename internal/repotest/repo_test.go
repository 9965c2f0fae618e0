// Package repotest holds tests about the repository as a whole: every
// package says what it is for, and imports point downward as
// ARCHITECTURE.md draws them.
package repotest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
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

// TestExportedDocs checks that every exported identifier outside generated
// code has a doc comment (methods of unexported types excepted).
func TestExportedDocs(t *testing.T) {
	for dir, files := range packages(t) {
		for _, f := range files {
			if strings.HasSuffix(f, ".pb.go") {
				continue
			}
			src, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range undocumented(src) {
				t.Errorf("%s: exported %s has no doc comment (package %s)", f, name, dir)
			}
		}
	}
}

// undocumented returns the exported names of a file that lack a doc
// comment.
func undocumented(f *ast.File) []string {
	var out []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv != nil {
				t := d.Recv.List[0].Type
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				if g, ok := t.(*ast.IndexExpr); ok {
					t = g.X
				}
				if id, ok := t.(*ast.Ident); ok && !id.IsExported() {
					continue
				}
			}
			out = append(out, d.Name.Name)
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && d.Doc == nil && s.Doc == nil {
						out = append(out, s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && d.Doc == nil && s.Doc == nil && s.Comment == nil {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// forbidden lists, for each layer of ARCHITECTURE.md, the layers above it
// that it must not import ("A package imports only downward").
var forbidden = map[string][]string{
	"spec":       {"runtime", "ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd", "reputation"},
	"reputation": {"runtime", "ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd", "spec"},
	"protocol":   {"runtime", "ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd", "spec", "reputation", "nodeapi"},
	"runtime":    {"ledger", "chain", "node", "miner", "client", "api", "devnet", "cmd"},
	"ledger":     {"runtime", "chain", "node", "miner", "client", "api", "devnet", "cmd"},
	"examples":   {"cmd", "node", "chain", "ledger", "devnet"},
	// sdk is compiled into service modules (GOOS=wasip1): it may use only
	// the service ABI (runtime/wasm/abi).
	"sdk": {"ledger", "chain", "node", "nodeapi", "miner", "client", "api", "devnet", "cmd", "spec", "reputation", "protocol", "examples"},
	// bio holds pure domain rules (bio/restriction) that example programs
	// and runtime/labsim share; it is below every other layer.
	"bio": {"runtime", "ledger", "chain", "node", "nodeapi", "miner", "client", "api", "devnet", "cmd", "spec", "reputation", "examples", "internal"},
}

// testOnly are the packages that only tests, and other test-support
// packages, may import.
var testOnly = map[string]bool{"internal/wasmbuild": true, "internal/digesttest": true, "internal/testhome": true, "internal/testchain": true, "client/order/ordertest": true, "client/service/servicetest": true}

// wireLeaves are the wire protocols that both sides of a protocol import
// (ARCHITECTURE.md: nodeapi, the miner's proof API): for each, the
// packages of the module it must not link, directly or not (a listed
// directory covers its sub-packages).
var wireLeaves = map[string][]string{
	"nodeapi":        {"node", "miner", "chain", "ledger/app", "client", "api", "devnet", "cmd"},
	"miner/proofapi": {"miner", "node", "nodeapi", "chain", "ledger/app", "client", "api", "devnet", "cmd"},
}

// TestWireProtocolsAreLeaves checks wireLeaves on the packages' full
// dependency lists (go list -deps).
func TestWireProtocolsAreLeaves(t *testing.T) {
	for pkg, banned := range wireLeaves {
		cmd := exec.Command("go", "list", "-deps", "./"+pkg)
		cmd.Dir = "../.."
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list -deps ./%s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			rel, ok := strings.CutPrefix(dep, module)
			if !ok || rel == pkg {
				continue
			}
			for _, bad := range banned {
				if rel == bad || strings.HasPrefix(rel, bad+"/") {
					t.Errorf("%s links %s: a wire protocol must not depend on %s", pkg, dep, bad)
				}
			}
		}
	}
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
				if testOnly[rel] && !testOnly[dir] {
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

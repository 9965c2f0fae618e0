package client_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/query"
)

// TestEveryQueryPathHasAMethod checks that the typed client asks every
// path of the ledger's query table (query.Paths): each path constant of
// package query is used by a file of package client.
func TestEveryQueryPathHasAMethod(t *testing.T) {
	// The path constants of package query: name → path.
	consts := map[string]string{}
	qf, err := parser.ParseFile(token.NewFileSet(), "../ledger/query/query.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range qf.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i < len(vs.Values) {
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						consts[n.Name], _ = strconv.Unquote(lit.Value)
					}
				}
			}
		}
	}
	// The constants package client uses.
	used := map[string]bool{}
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range pkgs {
		if name != "client" {
			continue
		}
		ast.Inspect(p, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "query" {
					if path, ok := consts[sel.Sel.Name]; ok {
						used[path] = true
					}
				}
			}
			return true
		})
	}
	for _, path := range query.Names() {
		if !used[path] {
			t.Errorf("query path %q has no method in package client", path)
		}
	}
}

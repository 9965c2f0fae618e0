package purity

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// TestCheckCatches makes sure the check itself works: each violation in
// this source must be reported.
func TestCheckCatches(t *testing.T) {
	const src = `package bad

import (
	"sync"
	"time"
)

var mu sync.Mutex

type balances map[string]uint64

func f(b balances) (n uint64) {
	go func() {}()
	for _, v := range b {
		n += v
	}
	half := float64(n) / 2
	_ = half
	_ = time.Second
	return n
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "bad.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := Check(fset, ExportImporter(t, fset), "bad", []*ast.File{f})
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{`imports "sync"`, `imports "time"`, "go statement", "range over a map", "floating-point value of type float64"} {
		if !strings.Contains(all, want) {
			t.Errorf("not reported: %s\nreported:\n%s", want, all)
		}
	}
}

package repotest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

// heavy are the packages a node, a miner or a client must not link
// (ARCHITECTURE.md: "a node, a miner or a client never links CometBFT's
// node, IAVL or the state machine"): our chain adapter and state machine,
// CometBFT's node and the parts only a full node runs, and IAVL.
var heavy = []string{
	module + "chain",
	module + "ledger/app",
	"github.com/cometbft/cometbft/node",
	"github.com/cometbft/cometbft/internal/consensus",
	"github.com/cometbft/cometbft/internal/blocksync",
	"github.com/cometbft/cometbft/mempool",
	"github.com/cometbft/cometbft/state",
	"github.com/cometbft/cometbft/store",
	"github.com/cometbft/cometbft/proxy",
	"github.com/cosmos/iavl",
}

// TestLightDependencies checks, with the go command, every package that
// client, node and miner link, directly or not.
func TestLightDependencies(t *testing.T) {
	for _, pkg := range []string{"client", "node", "miner"} {
		out, err := exec.Command("go", "list", "-deps", "../../"+pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, h := range heavy {
				if dep == h || strings.HasPrefix(dep, h+"/") {
					t.Errorf("%s links %s: it must not link %s", pkg, dep, h)
				}
			}
		}
	}
}

// eventCondition matches a condition of CometBFT's event query language,
// capturing the event type.
var eventCondition = regexp.MustCompile(`\b([a-z][a-z0-9_]*)\.[a-z0-9_]+\s*(=|<|>|EXISTS|CONTAINS)`)

// TestNoLedgerStringsOutsideTheSeam checks that no production code outside
// ledger/ and client/ spells an event type or a query path as a string
// literal (one with an underscore or a slash: a plain word like "fee" is
// no evidence): it names them through the ledger's event structs (event.Find,
// client.Match) and the typed client's methods.
func TestNoLedgerStringsOutsideTheSeam(t *testing.T) {
	reserved := map[string]string{}
	for _, typ := range schema.Events().Types() {
		reserved[typ] = "the event type"
	}
	for _, name := range query.Names() {
		reserved[name] = "the query path"
		reserved[query.AppPrefix+name] = "the query path"
	}
	reserved[query.Store] = "the query path"
	for dir, files := range packages(t) {
		if dir == "ledger" || strings.HasPrefix(dir, "ledger/") || dir == "client" {
			continue
		}
		for _, f := range files {
			fset := token.NewFileSet()
			src, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(src, func(n ast.Node) bool {
				// A constant of a type of its own (client/order's StepKind
				// "dispute_opened") is that type's vocabulary, not a
				// ledger name.
				if vs, ok := n.(*ast.ValueSpec); ok && vs.Type != nil {
					if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "string" {
						return false
					}
				}
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err != nil {
					return true
				}
				// A plain word ("tx", "fee", "params") is no evidence; an
				// event type with an underscore or a path with a slash is.
				if what, ok := reserved[s]; ok && strings.ContainsAny(s, "_/") {
					t.Errorf("%s: %q is %s: use the ledger's typed definitions (client, event.Find, client.Match)", fset.Position(lit.Pos()), s, what)
				}
				// An event query of CometBFT's language names a type as
				// "type.attribute='value'".
				for _, m := range eventCondition.FindAllStringSubmatch(s, -1) {
					if what, ok := reserved[m[1]]; ok {
						t.Errorf("%s: %q names %s %q: use client.Match", fset.Position(lit.Pos()), s, what, m[1])
					}
				}
				return true
			})
		}
	}
}

// maxCommandLines is the longest function body of package cmd/cell and
// its subpackages, in lines: a command is parse → one call → print, and
// the workflows live in packages.
const maxCommandLines = 100

// TestThinCLI checks that no function of the CLI (cmd/cell, its tests
// aside) is longer than maxCommandLines.
func TestThinCLI(t *testing.T) {
	for dir, files := range packages(t) {
		if dir != "cmd/cell" && !strings.HasPrefix(dir, "cmd/cell/") {
			continue
		}
		for _, f := range files {
			fset := token.NewFileSet()
			src, err := parser.ParseFile(fset, f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(src, func(n ast.Node) bool {
				var body *ast.BlockStmt
				switch fn := n.(type) {
				case *ast.FuncDecl:
					body = fn.Body
				case *ast.FuncLit:
					body = fn.Body
				}
				if body != nil {
					if lines := fset.Position(body.End()).Line - fset.Position(body.Pos()).Line; lines > maxCommandLines {
						t.Errorf("%s: a function of %d lines: the CLI stays thin (at most %d); move the workflow into a package", fset.Position(body.Pos()), lines, maxCommandLines)
					}
				}
				return true
			})
		}
	}
}

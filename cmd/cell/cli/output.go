package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"

	"github.com/celltonomy/celltonomy/ledger/codes"
)

// The rules of --output json, in one place. Every command prints through
// globals.json (one document) or globals.jsonLine (one line of a stream),
// and Run prints a failed command's error through printError:
//
//   - every object printed carries "schema": "cell/v1/KIND" as its first
//     field, KIND naming the shape (order, tx, balance, …; see the kind*
//     constants); a KIND's fields are only ever added to, never renamed or
//     retyped, and a change that would break a reader gets a new version;
//   - a list is never a bare array: it is the object
//     {"schema": "cell/v1/KIND-list", "items": [...]}, plus paging fields
//     such as "next_id" where the command pages;
//   - an error is the object {"schema": "cell/v1/error", "error": "...",
//     "code": N, "codespace": "..."} on stdout (code and codespace when the
//     error carries a ledger code, codes.Error), and the exit code is not
//     zero: 2 for a usage error, 1 for any other.
//
// Only the top-level objects carry the schema: the objects nested inside
// them are part of their parent's shape.
const schemaPrefix = "cell/v1/"

// kindError is the kind of a failed command's error object. The other
// kinds are named where they are printed: a lowercase noun of the shape,
// e.g. "order", "tx", "balance", "order-step" (see README, JSON output).
const kindError = "error"

// schema returns the "schema" value of kind.
func schema(kind string) string { return schemaPrefix + kind }

// listKind is the kind of a list of kind.
func listKind(kind string) string { return kind + "-list" }

// list is the JSON shape of a list without paging.
type list[T any] struct {
	Items []T `json:"items"`
}

// listOf returns items as a list object (an empty list for nil).
func listOf[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}

// json prints v as one indented JSON document on stdout: an object of kind,
// or, when v is a slice, the list of kind (see the rules above).
func (g *globals) json(kind string, v any) error {
	b, err := encodeJSON(kind, v)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = g.stdout.Write(out.Bytes())
	return err
}

// jsonLine prints v as one line of a stream of JSON objects (as json
// does, unindented) on w.
func jsonLine(w io.Writer, kind string, v any) error {
	b, err := encodeJSON(kind, v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// encodeJSON encodes v as an object whose first field is "schema": a
// slice becomes the list object of kind, a struct or map the object of
// kind. Anything else is a programming error.
func encodeJSON(kind string, v any) ([]byte, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice {
		items := make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
		v, kind = listOf(items), listKind(kind)
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("output %s: a %T is not a JSON object", kind, v)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, err
	}
	if _, ok := fields["schema"]; ok {
		return nil, fmt.Errorf("output %s: %T has a field named schema", kind, v)
	}
	head, _ := json.Marshal(schema(kind))
	out := append([]byte(`{"schema":`), head...)
	if len(fields) > 0 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// outFlagUsage is the help of --out of the order commands.
const outFlagUsage = "directory that receives ORDER_ID/ with the results (default ~/.cell/results/CHAIN_ID)"

// resultsDir is where the order commands write the results of the orders
// of chain chainID when --out is not given: ~/.cell/results/CHAIN_ID, so
// that the results of order ORDER_ID are in ~/.cell/results/CHAIN_ID/ORDER_ID.
// It is under the directory of the configuration file (~/.cell, see
// client/config.BaseDir), not under the home, so that results outlive a
// devnet's home and `cell devnet --reset`; each new devnet has a chain id
// of its own (devnet.ChainIDPrefix), so the restarted order ids of a reset
// devnet never meet older results.
func resultsDir(chainID string) string {
	return filepath.Join(baseDir(), "results", chainID)
}

// errorJSON is the JSON shape of a failed command.
type errorJSON struct {
	Error string `json:"error"`
	// Code and Codespace are the ledger's code of the failure, when it
	// carries one (ledger/codes; ledger/schema lists them all).
	Code      uint32 `json:"code,omitempty"`
	Codespace string `json:"codespace,omitempty"`
}

// errorOf is the JSON of err: its text, and the ledger code it carries
// (a *codes.Error, or a codes.Code itself), if any.
func errorOf(err error) errorJSON {
	v := errorJSON{Error: err.Error()}
	c, ok := codes.Of(err)
	if !ok {
		ok = errors.As(err, &c)
	}
	if ok {
		v.Code, v.Codespace = c.Number, c.Codespace
	}
	return v
}

// printError prints a failed command's error: under --output json the
// error object on stdout, on one line so that it also ends a stream of
// JSON lines (cell order run), else "cell: ERROR" on stderr, with a hint
// at the help for a usage error.
func (g *globals) printError(err error, usage bool) {
	if g.output == outputJSON {
		if jerr := jsonLine(g.stdout, kindError, errorOf(err)); jerr == nil {
			return
		}
	}
	fmt.Fprintf(g.stderr, "cell: %v\n", err)
	if usage {
		fmt.Fprintln(g.stderr, "Run 'cell --help' for usage.")
	}
}

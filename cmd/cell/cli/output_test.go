package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/market"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/output")

// golden compares got with testdata/output/NAME, or rewrites it with
// -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "output", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, got)
	}
}

// TestOutputGolden pins the JSON output of a few commands and shapes: an
// object, a list, a page of a list, a transaction and errors, as
// scripts read them.
func TestOutputGolden(t *testing.T) {
	a := address.Address{1, 2, 3}
	b := address.Address{9, 8, 7}
	tx := client.TxResult{Hash: bytes.Repeat([]byte{0xab}, 32), Height: 42, Events: []event.Typed{
		bank.EventTransfer{From: a, To: b, Amount: 1500},
		market.EventOrderCreated{OrderID: 7, Buyer: a, PackageID: []byte{0xca, 0xfe}, MaxPrice: 5000, POStake: 100, BidDeadline: 52},
	}}
	refused := client.TxResult{Hash: bytes.Repeat([]byte{0x01}, 32), Height: 43, Code: 2, Codespace: "bank",
		Log: "bank: send: balance 10 is less than 1500"}
	order := orderJSON{ID: 7, Buyer: a.String(), PackageID: "cafe", InputRoot: "00", State: "open", MaxPrice: 5000, POStake: 100,
		CreatedHeight: 42, BidDeadline: 52}
	print := func(kind string, v any) func(g *globals) error {
		return func(g *globals) error { return g.json(kind, v) }
	}
	for _, tc := range []struct {
		name string
		run  func(g *globals) error
	}{
		{"tx.json", print("tx", txJSON(tx))},
		{"tx-refused.json", print("tx", txJSON(refused))},
		{"order.json", print("order", order)},
		{"order-list.json", print("order", []orderJSON{order})},
		{"order-list-empty.json", print("order", []orderJSON(nil))},
		{"order-page.json", print("order-list", ordersJSON{Items: []orderJSON{order}, NextID: 8})},
		{"error-ledger.json", func(g *globals) error {
			g.printError(fmt.Errorf("tx bank send: %w", bank.ErrInsufficientFunds.Errorf("send: balance 10 is less than 1500")), false)
			return nil
		}},
		{"error-code.json", func(g *globals) error {
			g.printError(fmt.Errorf("account: %w", bank.ErrInsufficientFunds), false)
			return nil
		}},
		{"error-plain.json", func(g *globals) error {
			g.printError(errors.New("node: connection refused"), false)
			return nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			g := &globals{output: outputJSON, stdout: &out, stderr: &errb}
			if err := tc.run(g); err != nil {
				t.Fatal(err)
			}
			if errb.Len() != 0 {
				t.Errorf("stderr: %q", errb.String())
			}
			golden(t, tc.name, out.String())
		})
	}
}

// TestOutputCommands runs commands that need no chain with --output json:
// every document names its schema, a list is an object with items, and a
// failed command prints the error object on stdout, nothing on stderr,
// and exits non-zero.
func TestOutputCommands(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		golden string
		schema string
	}{
		{"empty key list", []string{"keys", "list"}, 0, "key-list-empty.json", "cell/v1/key-list"},
		{"usage error", []string{"query", "market", "order", "0"}, 2, "error-usage.json", "cell/v1/error"},
		{"unknown key", []string{"keys", "show", "nobody"}, 1, "", "cell/v1/error"},
		{"version", []string{"version"}, 0, "", "cell/v1/version"},
		{"replay", []string{"rep", "replay", repExample}, 0, "", "cell/v1/reputation-replay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := cell(t, append([]string{"--output", "json"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc["schema"] != tc.schema {
				t.Fatalf("stdout is not one %s document (%v):\n%s", tc.schema, err, out)
			}
			if !strings.HasPrefix(out, `{`+"\n"+`  "schema": `) && !strings.HasPrefix(out, `{"schema":`) {
				t.Errorf("schema is not the first field:\n%s", out)
			}
			if tc.code != 0 && errOut != "" {
				t.Errorf("stderr of a JSON error: %q", errOut)
			}
			if tc.golden != "" {
				golden(t, tc.golden, out)
			}
		})
	}
}

// TestEncodeJSON checks the rules on shapes that are not objects.
func TestEncodeJSON(t *testing.T) {
	if _, err := encodeJSON("n", 3); err == nil {
		t.Error("a number was printed as an object")
	}
	if _, err := encodeJSON("s", map[string]string{"schema": "x"}); err == nil {
		t.Error("an object with its own schema field was printed")
	}
	b, err := encodeJSON("empty", struct{}{})
	if err != nil || string(b) != `{"schema":"cell/v1/empty"}` {
		t.Errorf("empty object: %s, %v", b, err)
	}
	b, err = encodeJSON("key", []keyJSON{})
	var l struct {
		Schema string `json:"schema"`
		Items  []any  `json:"items"`
	}
	if err != nil || json.Unmarshal(b, &l) != nil || l.Schema != "cell/v1/key-list" || l.Items == nil || len(l.Items) != 0 {
		t.Errorf("empty list: %s, %v", b, err)
	}
	if !reflect.DeepEqual(errorOf(bank.ErrInsufficientFunds), errorJSON{Error: "bank: insufficient funds", Code: 2, Codespace: "bank"}) {
		t.Errorf("errorOf(code) = %+v", errorOf(bank.ErrInsufficientFunds))
	}
}

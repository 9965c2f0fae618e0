package cli

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/node/config"
)

// TestPricesCLI: against a devnet whose node publishes the default price
// list, `cell order quote` names the node, its price and the buyer's
// cost, and `cell query market prices` lists it, in text and JSON.
func TestPricesCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a devnet")
	}
	userHome(t)
	runDevnetCLI(t)
	digest, _ := filepath.Abs("../../../examples/digest")
	genome, _ := filepath.Abs("../../../examples/data/lambda.fa")
	price := uint64(config.DefaultPrice)
	stdout, errOut, code := cellNoHome(t, "query", "registry", "nodes", "--output", "json")
	var nodeList struct {
		Items []nodeJSON `json:"items"`
	}
	err := json.Unmarshal([]byte(stdout), &nodeList)
	nodes := nodeList.Items
	if code != 0 || err != nil || len(nodes) != 1 || nodes[0].Prices == nil ||
		nodes[0].Prices.Base != price || nodes[0].Prices.Minimum != price {
		t.Fatalf("query registry nodes: the node's price list is not shown: %d %s\n%s", code, errOut, stdout)
	}
	quote := func(args ...string) order.Quote {
		t.Helper()
		stdout, errOut, code := cellNoHome(t, append([]string{"order", "quote", "--output", "json"}, args...)...)
		var q order.Quote
		if code != 0 || json.Unmarshal([]byte(stdout), &q) != nil {
			t.Fatalf("order quote %v: %d %s\n%s", args, code, errOut, stdout)
		}
		if q.InputBytes == 0 || len(q.Offers) != 1 || q.Offers[0].Price != price || q.Offers[0].NodeKey != nodes[0].NodePubkey || q.Cost == nil ||
			q.Cost.Price != price || q.Cost.Total != price+q.Cost.TxFees || !strings.HasPrefix(q.Winner, nodes[0].Operator) {
			t.Fatalf("order quote %v: %s", args, stdout)
		}
		return q
	}
	// The devnet of this test registers no package: ordering the
	// directory would publish it, one transaction more.
	q := quote(digest, "genome="+genome)
	if q.Registered || q.Cost.Txs != 4 {
		t.Fatalf("quote of an unregistered package: %+v", q)
	}
	if _, errOut, code := cellNoHome(t, "query", "market", "prices", q.PackageID); code == 0 || !strings.Contains(errOut, "not registered") {
		t.Errorf("prices of an unregistered package: %d %s", code, errOut)
	}
	if _, errOut, code := cellNoHome(t, "order", "run", digest, "-i", "genome="+genome, "-p", "ENZYMES=EcoRI", "--max-price", strconv.FormatUint(q.Cost.Price, 10),
		"--bid-window", "3", "--no-wait-final", "--out", t.TempDir()); code != 0 {
		t.Fatalf("order run at the quoted price: %d %s", code, errOut)
	}
	q = quote(q.PackageID, "-i", "genome="+genome)
	if !q.Registered || q.Cost.Txs != 3 {
		t.Fatalf("quote of the registered package: %+v", q)
	}
	stdout, errOut, code = cellNoHome(t, "order", "quote", q.PackageID, "-i", "genome="+genome)
	if code != 0 || !strings.Contains(stdout, strconv.FormatUint(price, 10)+" ucell") || !strings.Contains(stdout, "likely winner: "+nodes[0].Operator) ||
		!strings.Contains(stdout, "your cost: price") {
		t.Fatalf("order quote text: %d %s\n%s", code, errOut, stdout)
	}

	stdout, errOut, code = cellNoHome(t, "query", "market", "prices", q.PackageID, "--input-bytes", "3000000", "--output", "json")
	var list struct {
		InputBytes uint64          `json:"input_bytes"`
		Items      []nodePriceJSON `json:"items"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &list) != nil || list.InputBytes != 3_000_000 || len(list.Items) != 1 ||
		list.Items[0].Price != price || list.Items[0].Provider != nodes[0].Operator || list.Items[0].Minimum != price {
		t.Fatalf("query market prices: %d %s\n%s", code, errOut, stdout)
	}
	stdout, _, code = cellNoHome(t, "query", "market", "prices", q.PackageID)
	if code != 0 || !strings.Contains(stdout, nodes[0].Operator) {
		t.Fatalf("query market prices text: %d\n%s", code, stdout)
	}
	if _, errOut, code := cellNoHome(t, "query", "market", "prices", "nothex"); code == 0 || !strings.Contains(errOut, "PACKAGE_ID") {
		t.Errorf("a bad package id: %d %s", code, errOut)
	}
	if _, errOut, code := cellNoHome(t, "order", "quote", digest, "genome"); code == 0 || !strings.Contains(errOut, "NAME=FILE") {
		t.Errorf("a bad input: %d %s", code, errOut)
	}
}

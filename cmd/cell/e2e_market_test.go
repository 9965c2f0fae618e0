package main_test

// An end-to-end test of the market: one purchase order taken from creation
// to final ratings through the cell binary, against a running node, as a
// buyer, a provider and a package author would do it.

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

// The package of the test: a compute package in a skill that exists at
// genesis, whose module is never run.
const marketManifest = `
name = "e2e-digest"
version = "1.0.0"
kind = "compute"
skill = "compute/genomics/digest"
prose = "Restriction digest, for the market end-to-end test."
architecture = "wasm32-wasip1"
files = ["digest.wasm"]

[entry]
path = "digest.wasm"

[license]
royalty_bps = 250

[[parameter]]
name = "ENZYMES"
required = true

[[input]]
name = "genome"
format = "fasta"

[[output]]
name = "fragments.json"
format = "json"
`

// orderView is the part of `cell query market order --output json` the
// test reads.
type orderView struct {
	ID               uint64 `json:"id"`
	Buyer            string `json:"buyer"`
	PackageID        string `json:"package_id"`
	State            string `json:"state"`
	MaxPrice         uint64 `json:"max_price"`
	POStake          uint64 `json:"po_stake"`
	BidDeadline      int64  `json:"bid_deadline"`
	Provider         string `json:"provider"`
	Price            uint64 `json:"price"`
	BidStake         uint64 `json:"bid_stake"`
	DeliveryDeadline int64  `json:"delivery_deadline"`
	OutputRoot       string `json:"output_root"`
	ConfirmDeadline  int64  `json:"confirm_deadline"`
	RevealDeadline   int64  `json:"reveal_deadline"`
	RatingsFinal     bool   `json:"ratings_final"`
	Bids             []struct {
		Provider string `json:"provider"`
		NodeKey  string `json:"node_key"`
		Price    uint64 `json:"price"`
		Stake    uint64 `json:"stake"`
	} `json:"bids"`
}

// txView is `cell tx … --output json`.
type txView struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace"`
	Log       string `json:"log"`
	Events    []struct {
		Type       string
		Attributes map[string]string
	} `json:"events"`
}

// event returns the attributes of the first event of type typ.
func (v txView) event(t *testing.T, typ string) map[string]string {
	t.Helper()
	for _, e := range v.Events {
		if e.Type == typ {
			return e.Attributes
		}
	}
	t.Fatalf("tx %s has no %s event: %+v", v.Hash, typ, v.Events)
	return nil
}

// setRevealWindow rewrites the genesis of home with reveal_window_blocks
// set to blocks, keeping its accounts, validators and chain id.
// treasuryIncome returns what the treasury received from fees and minting
// in blocks from+1 … to: its shares in their tx (a transaction's fee),
// fee (a fee a message paid) and minted events.
func treasuryIncome(t *testing.T, c *client.Client, from, to int64) uint64 {
	t.Helper()
	var sum uint64
	for h := from + 1; h <= to; h++ {
		res, err := c.RPC().BlockResults(t.Context(), &h)
		if err != nil {
			t.Fatalf("block results %d: %v", h, err)
		}
		for _, tx := range res.TxResults {
			for _, e := range client.Events(schema.Events(), tx.Events) {
				switch e := e.(type) {
				case auth.EventTx:
					sum += e.Treasury
				case mint.EventFee:
					sum += e.Treasury
				}
			}
		}
		for _, e := range client.Events(schema.Events(), res.FinalizeBlockEvents) {
			switch e := e.(type) {
			case mint.EventMinted:
				sum += e.Treasury
			case mint.EventFee: // a network fee of a payout in a block hook
				sum += e.Treasury
			}
		}
	}
	return sum
}

func setRevealWindow(t *testing.T, home, chainID string, blocks uint64) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		AppState json.RawMessage `json:"app_state"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var g ledgerpb.Genesis
	if err := protojson.Unmarshal(doc.AppState, &g); err != nil {
		t.Fatalf("genesis app_state: %v", err)
	}
	g.Params.RevealWindowBlocks = blocks
	appState, err := chain.LedgerGenesis(g.Accounts, g.Validators, g.Params)
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.WriteGenesis(home, chainID, time.Now(), appState); err != nil {
		t.Fatal(err)
	}
}

func hexHash(label string) string {
	h := sha256.Sum256([]byte(label))
	return hex.EncodeToString(h[:])
}

// TestMarketEndToEnd funds a buyer, a provider and an author, registers a
// node and a signed package, and runs one order through create, bid,
// award, deliver, a refused close, close, both reveals and final ratings,
// then checks the order, the balances and the reputation log.
func TestMarketEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	const (
		chainID        = "market-test"
		fee            = 1_000 // min_fee, the CLI's default --fee
		fund           = 10_000_000
		authorFund     = 1_000_000
		maxPrice       = 1_000_000
		poStake        = 100_000 // min_po_stake
		price          = 900_000
		bidStake       = 90_000 // bid_stake_ratio_bps 1000 of the price
		networkFee     = price * 100 / 10_000
		royalty        = price * 250 / 10_000
		bidWindow      = 5
		deliveryWindow = 10
		confirmWindow  = 10
		revealWindow   = 6
		buyerStars     = 4 // the buyer's rating of the provider
		providerStars  = 5 // the provider's rating of the buyer
	)
	home := t.TempDir()
	initSolo(t, home, chainID, 1)
	setRevealWindow(t, home, chainID, revealWindow)
	p := start(t, home)
	c := nodeClient(t, home)
	waitHeight(t, c, 2, p)

	run := func(args ...string) string {
		t.Helper()
		return cell(t, append([]string{"--home", home, "--output", "json"}, args...)...)
	}
	// decode reads one JSON document of --output json, which always
	// names its schema.
	decode := func(out string, v any) {
		t.Helper()
		var head struct {
			Schema string `json:"schema"`
		}
		if err := json.Unmarshal([]byte(out), &head); err != nil || !strings.HasPrefix(head.Schema, "cell/v1/") {
			t.Fatalf("decode %T: no cell/v1 schema (%v)\n%s", v, err, out)
		}
		if err := json.Unmarshal([]byte(out), v); err != nil {
			t.Fatalf("decode %T: %v\n%s", v, err, out)
		}
	}
	// lastTx is the height of the latest transaction signed.
	var lastTx int64
	tx := func(args ...string) txView {
		t.Helper()
		var v txView
		decode(run(append([]string{"tx"}, args...)...), &v)
		if v.Code != 0 || v.Height == 0 {
			t.Fatalf("cell tx %v: %+v", args, v)
		}
		lastTx = max(lastTx, v.Height)
		return v
	}
	order := func(id string) orderView {
		t.Helper()
		var o orderView
		decode(run("query", "market", "order", id), &o)
		return o
	}
	// waitOrder polls the order until ok holds.
	waitOrder := func(id, what string, ok func(orderView) bool) orderView {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			o := order(id)
			if ok(o) {
				return o
			}
			if time.Now().After(deadline) {
				t.Fatalf("order %s never %s: %+v\n%s", id, what, o, p.tail())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// balance reads who's balance once the state it is proven in holds
	// the last transaction: a proof at height h needs the app hash in the
	// header of block h+1, so a balance read right after a commit may be
	// one block older.
	balanceHeight := func(who string) (uint64, int64) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var b struct {
				Balance uint64 `json:"balance"`
				Height  int64  `json:"height"`
			}
			decode(run("query", "bank", "balance", who), &b)
			if b.Height >= lastTx {
				return b.Balance, b.Height
			}
			if time.Now().After(deadline) {
				t.Fatalf("balance of %s stays at height %d, below %d\n%s", who, b.Height, lastTx, p.tail())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	balance := func(who string) uint64 {
		t.Helper()
		b, _ := balanceHeight(who)
		return b
	}

	// Keys, funded by the operator.
	addr := map[string]string{}
	for _, name := range []string{"buyer", "provider", "author"} {
		cell(t, "--home", home, "keys", "add", name, "--dev")
		addr[name] = strings.TrimSpace(cell(t, "--home", home, "keys", "show", name, "--address"))
	}
	tx("bank", "send", "buyer", strconv.Itoa(fund))
	tx("bank", "send", "provider", strconv.Itoa(fund))
	tx("bank", "send", "author", strconv.Itoa(authorFund))
	treasury := bank.ModuleAddress("treasury").String()
	treasuryStart, treasuryStartHeight := balanceHeight(treasury)

	// The provider's profile and wasm node.
	tx("registry", "set-profile", "Provider Lab", "--role", "vendor", "--from", "provider")
	nodeKey := hex.EncodeToString(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32)).Public().(ed25519.PublicKey))
	nodeKeyFile := filepath.Join(t.TempDir(), "node_key.json")
	if err := os.WriteFile(nodeKeyFile, []byte(`{"type": "ed25519", "public_key": "`+nodeKey+`", "seed": "`+strings.Repeat("09", 32)+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tx("registry", "announce-node", "http://127.0.0.1:1", "--node-key-file", nodeKeyFile, "--arch", "wasm32-wasip1", "--from", "provider")

	// The package, built and signed by its author, then registered.
	pkgDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(pkgDir, "cell.toml"), []byte(marketManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pkgDir, "digest.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	pkgFile := filepath.Join(t.TempDir(), "e2e-digest.cellpkg")
	var built struct {
		ID string `json:"id"`
	}
	decode(run("package", "build", pkgDir, "--key", "author", "-o", pkgFile), &built)
	reg := tx("registry", "register-package", pkgFile, "--location", "http://127.0.0.1:1/v1/blobs/"+built.ID, "--from", "author")
	if e := reg.event(t, "package_registered"); e["package_id"] != built.ID {
		t.Fatalf("registered %v, built %s", e, built.ID)
	}
	// Registering it again: the simulation refuses it before any
	// broadcast, so the author pays no fee and cell exits non-zero.
	authorBefore := balance(addr["author"])
	again := exec.Command(cellBin, "--home", home, "--output", "json", "tx", "registry", "register-package", pkgFile,
		"--location", "http://127.0.0.1:1/v1/blobs/"+built.ID, "--from", "author")
	againOut, err := again.Output()
	var dup txView
	decode(string(againOut), &dup)
	if err == nil || dup.Code == 0 || dup.Height != 0 || dup.Codespace != "registry" {
		t.Fatalf("a double registration: %v, %+v", err, dup)
	}
	if got := balance(addr["author"]); got != authorBefore {
		t.Fatalf("a refused double registration cost the author %d ucell", authorBefore-got)
	}

	// The order.
	created := tx("market", "create-order", built.ID, hexHash("genome"), strconv.Itoa(maxPrice), strconv.Itoa(poStake),
		"--param", "ENZYMES=EcoRI", "--bid-window", strconv.Itoa(bidWindow), "--delivery-window", strconv.Itoa(deliveryWindow),
		"--confirm-window", strconv.Itoa(confirmWindow), "--from", "buyer")
	id := created.event(t, "order_created")["order_id"]
	var listed struct {
		Orders []orderView `json:"items"`
	}
	decode(run("query", "market", "orders", "--buyer", "buyer"), &listed)
	if len(listed.Orders) != 1 || strconv.FormatUint(listed.Orders[0].ID, 10) != id || listed.Orders[0].State != "open" {
		t.Fatalf("orders of the buyer: %+v; want order %s open", listed.Orders, id)
	}
	if o := listed.Orders[0]; o.BidDeadline != created.Height+bidWindow || o.PackageID != built.ID || o.MaxPrice != maxPrice || o.POStake != poStake {
		t.Fatalf("order %+v, created at %d", o, created.Height)
	}

	// The bid, then the award at the bid deadline.
	tx("market", "bid", id, nodeKey, strconv.Itoa(price), strconv.Itoa(bidStake), "--from", "provider")
	if o := order(id); o.State != "open" || len(o.Bids) != 1 || o.Bids[0].Provider != addr["provider"] || o.Bids[0].NodeKey != nodeKey || o.Bids[0].Price != price {
		t.Fatalf("order after the bid: %+v", o)
	}
	awarded := waitOrder(id, "awarded", func(o orderView) bool { return o.State != "open" })
	if awarded.State != "awarded" || awarded.Provider != addr["provider"] || awarded.Price != price || awarded.BidStake != bidStake ||
		awarded.DeliveryDeadline != awarded.BidDeadline+deliveryWindow {
		t.Fatalf("order after the bid deadline: %+v", awarded)
	}

	// Delivery, a close with the wrong completion code, and the close.
	code := strings.Repeat("c0de", 8)
	buyerSalt, providerSalt := hexHash("buyer salt"), hexHash("provider salt")
	outputRoot := hexHash("fragments")
	delivered := tx("market", "deliver", id, outputRoot, hexHash("event log"), code, strconv.Itoa(providerStars), providerSalt, "--from", "provider")
	if o := order(id); o.State != "delivered" || o.OutputRoot != outputRoot || o.ConfirmDeadline != delivered.Height+confirmWindow {
		t.Fatalf("order after delivery at %d: %+v", delivered.Height, o)
	}

	// The close is simulated first and refused: it is not broadcast and
	// costs no fee.
	cmd := exec.Command(cellBin, "--home", home, "--output", "json", "tx", "market", "close", id, strings.Repeat("bad0", 8),
		strconv.Itoa(buyerStars), buyerSalt, "--from", "buyer")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("close with a wrong completion code: %v, want a non-zero exit\n%s%s", err, out, stderr.String())
	}
	var refused txView
	decode(string(out), &refused)
	if refused.Code != 20 || refused.Codespace != "market" || refused.Height != 0 ||
		!strings.Contains(refused.Log, "completion_code does not match") {
		t.Fatalf("refused close: %+v, want market code 20 (wrong completion code) naming the rule", refused)
	}
	if o := order(id); o.State != "delivered" {
		t.Fatalf("order after the refused close: %+v", o)
	}

	closed := tx("market", "close", id, code, strconv.Itoa(buyerStars), buyerSalt, "--from", "buyer")
	if o := order(id); o.State != "closed" || o.RevealDeadline != closed.Height+revealWindow || o.RatingsFinal {
		t.Fatalf("order after close at %d: %+v", closed.Height, o)
	}

	// Both reveal, then the ratings become final at the reveal deadline.
	tx("market", "reveal-rating", id, strconv.Itoa(buyerStars), buyerSalt, "--from", "buyer")
	tx("market", "reveal-rating", id, strconv.Itoa(providerStars), providerSalt, "--from", "provider")
	final := waitOrder(id, "final", func(o orderView) bool { return o.RatingsFinal })
	if final.State != "closed" || final.Provider != addr["provider"] || final.Price != price {
		t.Fatalf("final order: %+v", final)
	}

	// Balances: the provider paid 5 fees (profile, node, bid, deliver,
	// reveal) and got its stake back and the price less network fee and
	// royalty; the buyer paid 3 fees (create, close, reveal; the refused
	// close was never broadcast) and the price; the author 1 fee and earned the royalty; the treasury holds
	// its share of every fee (the network fee of the payout included) and of each block's minting since it was read.
	if got, want := balance("provider"), uint64(fund-5*fee+price-networkFee-royalty); got != want {
		t.Errorf("provider balance %d, want %d", got, want)
	}
	if got, want := balance("buyer"), uint64(fund-3*fee-price); got != want {
		t.Errorf("buyer balance %d, want %d", got, want)
	}
	if got, want := balance("author"), uint64(authorFund-fee+royalty); got != want {
		t.Errorf("author balance %d, want %d", got, want)
	}
	treasuryEnd, treasuryEndHeight := balanceHeight(treasury)
	if got, want := treasuryEnd, treasuryStart+treasuryIncome(t, c, treasuryStartHeight, treasuryEndHeight); got != want {
		t.Errorf("treasury balance %d at height %d, want %d (from %d at height %d)", got, treasuryEndHeight, want, treasuryStart, treasuryStartHeight)
	}

	// The reputation log: the provider earns from the buyer's stars in the
	// package's skill, the buyer from the provider's in "buyer", both on
	// the payment (the price less the network fee and the royalty).
	skillID := func(path string) uint64 {
		t.Helper()
		var sk struct {
			ID uint64 `json:"id"`
		}
		decode(run("query", "reputation", "skill", path), &sk)
		if sk.ID == 0 {
			t.Fatalf("skill %s has no id", path)
		}
		return sk.ID
	}
	var log struct {
		Entries []struct {
			User   string `json:"user"`
			Amount string `json:"amount"`
			Skill  uint64 `json:"skill"`
		} `json:"items"`
	}
	decode(run("query", "reputation", "log"), &log)
	want := map[string]struct {
		amount string
		skill  uint64
	}{
		addr["provider"]: {reputation.RatingAmount(price-networkFee-royalty, buyerStars).String(), skillID("compute/genomics/digest")},
		addr["buyer"]:    {reputation.RatingAmount(price-networkFee-royalty, providerStars).String(), skillID(reputation.SkillBuyer)},
	}
	if len(log.Entries) != 2 {
		t.Fatalf("reputation log: %+v, want the two ratings", log.Entries)
	}
	for _, e := range log.Entries {
		w, ok := want[e.User]
		if !ok || e.Amount != w.amount || e.Skill != w.skill {
			t.Errorf("reputation entry %+v; want %+v for %s", e, w, e.User)
		}
		delete(want, e.User)
	}

	if h := waitHeight(t, c, 0, nil); h < final.RevealDeadline {
		t.Fatalf("ratings final at height %d before the reveal deadline %d", h, final.RevealDeadline)
	}
}

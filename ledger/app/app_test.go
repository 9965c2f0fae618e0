package app

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/schema"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

func TestInitChain(t *testing.T) {
	c := newTestChain(t)
	// val0 bonds 50,000 ucell at 100 ucell per power.
	if want := []ValidatorUpdate{update(cons0, 500)}; !slices.EqualFunc(c.initial, want, eqUpdate) {
		t.Fatalf("initial set %v, want %v", c.initial, want)
	}
	if got := c.balance(val0); got != 50_000 {
		t.Errorf("val0 balance %d after self-bond, want 50000", got)
	}
	if got := c.app.bank.Supply(c.st); got != 1_700_000 {
		t.Errorf("supply %d, want 1700000", got)
	}
	if c.power(val0) != 500 {
		t.Errorf("stored power %d", c.power(val0))
	}
	if _, err := c.app.InitChain(c.st, testChainID, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second InitChain: %v", err)
	}
}

func TestInitChainDefaultsParams(t *testing.T) {
	g := testGenesis(nil)
	g.Validators[0].SelfBond = params.Default().MinSelfBond
	g.Accounts[2].Balance = params.Default().MinSelfBond
	c := newChain(t, g)
	if !proto.Equal(c.p, params.Default()) {
		t.Fatalf("params %v, want the defaults", c.p)
	}
}

func eqUpdate(a, b ValidatorUpdate) bool {
	return bytes.Equal(a.PubKey, b.PubKey) && a.Power == b.Power
}

func TestGenesisRejections(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(g *ledgerpb.Genesis)
		json   string
		chain  string
		wantIn string
	}{
		{name: "empty app_state", json: " ", wantIn: "app_state is empty"},
		{name: "not json", json: "{", wantIn: "not a ledger genesis"},
		{name: "unknown field", json: `{"accountz": []}`, wantIn: "not a ledger genesis"},
		{name: "empty chain id", chain: "-", wantIn: "chain id"},
		{name: "bad params", edit: func(g *ledgerpb.Genesis) { g.Params.PowerReduction = 0 }, wantIn: "power_reduction"},
		{name: "min self bond below power reduction", edit: func(g *ledgerpb.Genesis) { g.Params.MinSelfBond = 1 }, wantIn: "min_self_bond"},
		{name: "bad address", edit: func(g *ledgerpb.Genesis) { g.Accounts[0].Address = "cosmos1xyz" }, wantIn: "accounts[0].address"},
		{name: "zero balance", edit: func(g *ledgerpb.Genesis) { g.Accounts[1].Balance = 0 }, wantIn: "accounts[1].balance 0"},
		{name: "duplicate account", edit: func(g *ledgerpb.Genesis) { g.Accounts[1].Address = g.Accounts[0].Address }, wantIn: "listed twice"},
		{name: "supply overflow", edit: func(g *ledgerpb.Genesis) { g.Accounts[1].Balance = math.MaxUint64 }, wantIn: "overflows"},
		{name: "module account", edit: func(g *ledgerpb.Genesis) { g.Accounts[1].Address = treasury.Address().String() }, wantIn: "module account"},
		{name: "no validators", edit: func(g *ledgerpb.Genesis) { g.Validators = nil }, wantIn: "at least one"},
		{name: "bad consensus key", edit: func(g *ledgerpb.Genesis) { g.Validators[0].ConsensusPubkey = []byte{1} }, wantIn: "consensus_pubkey"},
		{name: "self bond too low", edit: func(g *ledgerpb.Genesis) { g.Validators[0].SelfBond = 999 }, wantIn: "min_self_bond"},
		{name: "self bond above balance", edit: func(g *ledgerpb.Genesis) { g.Validators[0].SelfBond = 100_001 }, wantIn: "insufficient funds"},
		{name: "bad moniker", edit: func(g *ledgerpb.Genesis) { g.Validators[0].Moniker = "" }, wantIn: "moniker"},
		{name: "duplicate consensus key", edit: func(g *ledgerpb.Genesis) {
			g.Validators = append(g.Validators, &ledgerpb.GenesisValidator{Operator: val1.addr.String(), ConsensusPubkey: cons0.pub(), SelfBond: 1000, Moniker: "v1"})
		}, wantIn: "already used"},
		{name: "duplicate operator", edit: func(g *ledgerpb.Genesis) {
			g.Validators = append(g.Validators, &ledgerpb.GenesisValidator{Operator: val0.addr.String(), ConsensusPubkey: cons1.pub(), SelfBond: 1000, Moniker: "v1"})
		}, wantIn: "already operates"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			js := []byte(tc.json)
			if tc.json == "" {
				g := testGenesis(testParams())
				if tc.edit != nil {
					tc.edit(g)
				}
				var err error
				if js, err = EncodeGenesis(g); err != nil {
					t.Fatal(err)
				}
			}
			chainID := testChainID
			if tc.chain == "-" {
				chainID = ""
			}
			st := store.NewMemStore()
			_, err := New().InitChain(st, chainID, js)
			if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
				t.Fatalf("error %v, want one containing %q", err, tc.wantIn)
			}
			if st.Len() != 0 {
				t.Fatalf("failed InitChain wrote %d keys", st.Len())
			}
		})
	}
}

func TestSend(t *testing.T) {
	c := newTestChain(t)
	res := c.mustBlock(c.tx(alice, send(carol, 1234)))
	if got := c.balance(carol); got != 1234 {
		t.Fatalf("carol %d", got)
	}
	if got := c.balance(alice); got != 1_000_000-1234-10 {
		t.Fatalf("alice %d", got)
	}
	if c.treasuryBalance() != 10 || c.seq(alice) != 1 {
		t.Fatalf("treasury %d, alice sequence %d", c.treasuryBalance(), c.seq(alice))
	}
	// The fee is reported by the transaction (its split on "tx") and
	// moved with the block's other fees at its end ("fees_settled").
	types := eventTypes(res.TxResults[0].Events)
	if want := []string{"tx", "transfer"}; !slices.Equal(types, want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	// The test chain's params send the whole fee to the treasury
	// (TestTokenomicsBlock checks a split three ways).
	if want := (event.Event{Type: "tx", Attributes: []event.Attribute{
		{Key: "signer", Value: alice.addr.String()}, {Key: "sequence", Value: "0"}, {Key: "fee", Value: "10"},
		{Key: "burned", Value: "0"}, {Key: "validators", Value: "0"}, {Key: "treasury", Value: "10"}}}); !eqEvent(res.TxResults[0].Events[0], want) {
		t.Fatalf("tx event %v, want %v", res.TxResults[0].Events[0], want)
	}
	if types := eventTypes(res.Events); !slices.Contains(types, "fees_settled") {
		t.Fatalf("block events %v: no fees_settled", types)
	}
	last := res.TxResults[0].Events[1]
	if want := (event.Event{Type: "transfer", Attributes: []event.Attribute{
		{Key: "from", Value: alice.addr.String()}, {Key: "to", Value: carol.addr.String()}, {Key: "amount", Value: "1234"}}}); !eqEvent(last, want) {
		t.Fatalf("transfer event %v", last)
	}
	// The account and its key are registered by the first transaction.
	if acct := c.app.auth.Account(c.st, alice.addr); !bytes.Equal(acct.GetPublicKey(), alice.pub()) {
		t.Fatalf("account %v", acct)
	}
	// Carol, who only received, can spend with sequence 0.
	c.mustBlock(c.tx(carol, send(alice, 1000)))
	if c.balance(carol) != 224 || c.seq(carol) != 1 {
		t.Fatalf("carol balance %d seq %d", c.balance(carol), c.seq(carol))
	}
}

func eventTypes(evs []Event) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func eqEvent(a, b Event) bool { return a.Type == b.Type && slices.Equal(a.Attributes, b.Attributes) }

func TestMultiMessageIsAllOrNothing(t *testing.T) {
	c := newTestChain(t)
	// The second send exceeds what is left after the first.
	res := c.block(c.tx(bob, send(carol, 300_000), send(carol, 300_000)))
	r := res.TxResults[0]
	if r.Codespace != "bank" || r.Code != 2 || !strings.HasPrefix(r.Log, "messages[1]: bank: send: insufficient funds") {
		t.Fatalf("result %+v", r)
	}
	if c.balance(carol) != 0 || c.balance(bob) != 500_000-10 || c.seq(bob) != 1 {
		t.Fatalf("carol %d bob %d seq %d: first message not discarded or fee not charged", c.balance(carol), c.balance(bob), c.seq(bob))
	}
	if types := eventTypes(r.Events); !slices.Equal(types, []string{"tx"}) {
		t.Fatalf("failed tx events %v, want only the fee's", types)
	}
	c.mustBlock(c.tx(bob, send(carol, 300_000), send(carol, 100_000)))
	if c.balance(carol) != 400_000 {
		t.Fatalf("carol %d", c.balance(carol))
	}
}

// TestFreeTransactionIsNotCharged: a transaction that passed CheckTx, but
// whose fee its signer can no longer pay when the block runs (an earlier
// transaction of the same block spent the balance), is refused without
// running and is reported not charged, so that the chain adapter can
// refuse a block that holds it; a transaction whose messages fail is
// still charged.
func TestFreeTransactionIsNotCharged(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, send(carol, 25)))
	mempool := store.NewCache(c.st)
	spend := c.tx(carol, send(bob, 15)) // 15 + fee 10: all of carol's 25
	b := c.body(carol, send(bob, 1))
	b.Sequence = 1
	free := signBody(t, carol, b)
	for i, raw := range [][]byte{spend, free} {
		if r := c.app.CheckTx(mempool, testChainID, raw); r.Code != 0 || !r.Charged {
			t.Fatalf("CheckTx %d: %+v", i, r)
		}
	}
	failing := c.tx(alice, send(bob, 10_000_000))
	bobBefore, treasuryBefore := c.balance(bob), c.treasuryBalance()
	res := c.block(spend, free, failing)
	if got := res.Uncharged(); got != 1 {
		t.Fatalf("Uncharged = %d, want 1; results %+v", got, res.TxResults)
	}
	if r := res.TxResults[1]; r.Charged || r.Codespace != "bank" || r.Code != 2 || len(r.Events) != 0 {
		t.Fatalf("free transaction: %+v", r)
	}
	if r := res.TxResults[0]; !r.Charged || r.Code != 0 {
		t.Fatalf("spend: %+v", r)
	}
	if r := res.TxResults[2]; !r.Charged || r.Code == 0 {
		t.Fatalf("failing messages: %+v, want charged with a code", r)
	}
	if c.balance(carol) != 0 || c.seq(carol) != 1 || c.balance(bob) != bobBefore+15 || c.treasuryBalance() != treasuryBefore+20 {
		t.Fatalf("carol %d seq %d, bob %d, treasury %d", c.balance(carol), c.seq(carol), c.balance(bob), c.treasuryBalance())
	}
	if got := c.block(spend).Uncharged(); got != 0 {
		t.Fatalf("replay: Uncharged = %d, want 0", got)
	}
	if got := c.block(c.tx(alice, send(bob, 1))).Uncharged(); got != -1 {
		t.Fatalf("honest block: Uncharged = %d, want -1", got)
	}
}

func TestCheckTxChargesFeeAndSequenceInItsBranch(t *testing.T) {
	c := newTestChain(t)
	mempool := store.NewCache(c.st)
	first := c.tx(alice, send(bob, 1))
	b := c.body(alice, send(bob, 1))
	b.Sequence = 1
	second := signBody(t, alice, b)
	if r := c.app.CheckTx(mempool, testChainID, second); r.Code == 0 {
		t.Fatal("sequence 1 accepted before sequence 0")
	}
	for i, raw := range [][]byte{first, second} {
		if r := c.app.CheckTx(mempool, testChainID, raw); r.Code != 0 {
			t.Fatalf("tx %d: %s", i, r.Log)
		}
	}
	if r := c.app.CheckTx(mempool, testChainID, first); r.Codespace != "auth" || r.Code != 1 || !strings.Contains(r.Log, "expected 2, got 0") {
		t.Fatalf("replay in the mempool: %+v", r)
	}
	if got := c.app.bank.Balance(mempool, alice.addr); got != 1_000_000-20 {
		t.Fatalf("mempool balance %d: fees not deducted", got)
	}
	// The fee of the whole mempool counts against the balance.
	poor := c.body(carol, send(bob, 1))
	if r := c.app.CheckTx(mempool, testChainID, signBody(t, carol, poor)); r.Codespace != "bank" || r.Code != 2 {
		t.Fatalf("fee above balance: %+v", r)
	}
	if c.seq(alice) != 0 {
		t.Fatal("CheckTx wrote through its branch")
	}
	c.mustBlock(first, second)
}

func TestQuery(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, send(carol, 5)))
	q := func(path string, data []byte, m proto.Message) {
		t.Helper()
		b, err := c.app.Query(c.st, path, data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
	}
	var bal ledgerpb.BalanceResponse
	q(query.Balance, addrReq(carol.addr), &bal)
	if bal.Balance != 5 {
		t.Errorf("carol balance %d", bal.Balance)
	}
	var acct ledgerpb.Account
	q(query.Account, addrReq(alice.addr), &acct)
	if acct.Sequence != 1 {
		t.Errorf("alice sequence %d", acct.Sequence)
	}
	q(query.Account, addrReq(carol.addr), &acct)
	if acct.Sequence != 0 || !bytes.Equal(acct.Address, carol.addr.Bytes()) {
		t.Errorf("carol account %v", &acct)
	}
	var tb ledgerpb.BalanceResponse
	q(query.TreasuryBalance, nil, &tb)
	if tb.Balance != 10 {
		t.Errorf("treasury %d", tb.Balance)
	}
	var sup ledgerpb.SupplyResponse
	q(query.Supply, nil, &sup)
	if sup.Supply != 1_700_000 {
		t.Errorf("supply %d", sup.Supply)
	}
	var vals ledgerpb.ValidatorsResponse
	q(query.Validators, nil, &vals)
	if len(vals.Validators) != 1 || vals.Validators[0].Power != 500 || vals.Validators[0].Validator.Moniker != "val0" {
		t.Errorf("validators %v", &vals)
	}
	var vs ledgerpb.ValidatorStatus
	q(query.Validator, addrReq(val0.addr), &vs)
	if vs.Validator.Bonded != 50_000 {
		t.Errorf("validator %v", &vs)
	}
	var p ledgerpb.Params
	q(query.Params, nil, &p)
	if !proto.Equal(&p, testParams()) {
		t.Errorf("params %v", &p)
	}
	var ub ledgerpb.UnbondingsResponse
	q(query.Unbondings, nil, &ub)
	if len(ub.Entries) != 0 {
		t.Errorf("unbondings %v", &ub)
	}
	for _, tc := range []struct {
		path string
		data []byte
		want error
	}{
		{"bank/nope", nil, query.ErrUnknownPath},
		{query.Balance, []byte{1, 2}, query.ErrInvalidQuery},
		{query.Balance, mustMarshal(&ledgerpb.AddressRequest{Address: []byte{1, 2}}), query.ErrInvalidQuery},
		{query.Validator, addrReq(carol.addr), query.ErrNotFound},
		{query.Simulate, nil, query.ErrUnknownPath},
	} {
		if _, err := c.app.Query(c.st, tc.path, tc.data); !errors.Is(err, tc.want) {
			t.Errorf("Query(%s, %x) = %v, want %v", tc.path, tc.data, err, tc.want)
		}
	}
	if _, err := c.app.Query(store.NewMemStore(), query.Params, nil); !errors.Is(err, query.ErrNotInitialized) {
		t.Errorf("params of an empty store: %v", err)
	}
}

func TestCodesAreUnique(t *testing.T) {
	seen := map[[2]any]bool{}
	for _, c := range schema.Codes() {
		k := [2]any{c.Codespace, c.Number}
		if seen[k] || c.Number == 0 || c.Name == "" {
			t.Errorf("code %v repeated, zero or unnamed", c)
		}
		seen[k] = true
	}
}

func TestCheckTxBeforeInitChain(t *testing.T) {
	r := New().CheckTx(store.NewMemStore(), testChainID, []byte{1})
	if r.Codespace != query.Codespace || r.Code != query.ErrNotInitialized.Number {
		t.Fatalf("%+v", r)
	}
}

// rawTx assembles a Tx from parts, for transactions Sign would not make.
func rawTx(t testing.TB, body, pub, sig []byte) []byte {
	b, err := proto.Marshal(&ledgerpb.Tx{Body: body, PublicKey: pub, Signature: sig})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signRaw signs raw body bytes with k.
func signRaw(t testing.TB, k key, body []byte) []byte {
	return rawTx(t, body, k.pub(), ed25519.Sign(k.priv, tx.SignBytes(body)))
}

func marshalBody(t testing.TB, b *ledgerpb.TxBody) []byte {
	raw, err := proto.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRejections checks every kind of bad input of issue 3 ("Bad input"):
// the code, that the log names the rule, and that the state is unchanged —
// except, for a transaction that reached a block with a valid signature,
// sequence and fee, the fee and the sequence (ledger/doc.go: "Fees and
// sequences").
func TestRejections(t *testing.T) {
	type tcase struct {
		name      string
		setup     func(c *chain)
		build     func(c *chain) []byte
		codespace string
		code      uint32
		log       string
		// charged: the transaction passes CheckTx, and FinalizeBlock
		// charges its fee and sequence but discards its messages.
		charged bool
	}
	good := func(c *chain) *ledgerpb.TxBody { return c.body(alice, send(bob, 1)) }
	withBody := func(edit func(b *ledgerpb.TxBody)) func(c *chain) []byte {
		return func(c *chain) []byte {
			b := good(c)
			edit(b)
			return signBody(t, alice, b)
		}
	}
	msgTx := func(k key, m *ledgerpb.Msg) func(c *chain) []byte {
		return func(c *chain) []byte { return c.tx(k, m) }
	}
	cases := []tcase{
		{name: "undecodable bytes", build: func(*chain) []byte { return []byte{0xff, 0xff, 0xff} },
			codespace: "tx", code: 2, log: "not a serialized Tx"},
		{name: "empty bytes", build: func(*chain) []byte { return nil },
			codespace: "tx", code: 2, log: "empty"},
		{name: "too large", build: func(c *chain) []byte { return rawTx(t, make([]byte, tx.MaxTxBytes), alice.pub(), make([]byte, 64)) },
			codespace: "tx", code: 1, log: "must be at most 65536 bytes"},
		{name: "non-canonical tx", build: func(c *chain) []byte {
			raw := c.tx(alice, send(bob, 1))
			raw = protowire.AppendTag(raw, 2, protowire.BytesType)
			return protowire.AppendBytes(raw, alice.pub()) // public_key twice
		}, codespace: "tx", code: 2, log: "canonical"},
		{name: "body not protobuf", build: func(*chain) []byte { return signRaw(t, alice, []byte{0xff}) },
			codespace: "tx", code: 2, log: "body: not a serialized TxBody"},
		{name: "wrong chain id", build: withBody(func(b *ledgerpb.TxBody) { b.ChainId = "other-chain" }),
			codespace: "tx", code: 3, log: `body.chain_id "other-chain": must be "celltonomy-test-1"`},
		{name: "no messages", build: withBody(func(b *ledgerpb.TxBody) { b.Messages = nil }),
			codespace: "tx", code: 4, log: "at least one message"},
		{name: "too many messages", build: withBody(func(b *ledgerpb.TxBody) {
			b.Messages = []*ledgerpb.Msg{send(bob, 1), send(bob, 1), send(bob, 1), send(bob, 1), send(bob, 1)}
		}), codespace: "tx", code: 5, log: "5 messages: must be at most max_msgs_per_tx 4"},
		{name: "memo too long", build: withBody(func(b *ledgerpb.TxBody) { b.Memo = strings.Repeat("m", 17) }),
			codespace: "tx", code: 6, log: "17 bytes: must be at most max_memo_bytes 16"},
		{name: "unknown message type: empty", build: withBody(func(b *ledgerpb.TxBody) { b.Messages = []*ledgerpb.Msg{{}} }),
			codespace: "tx", code: 7, log: "body.messages[0]: no message type set"},
		{name: "unknown message type: new field", build: func(c *chain) []byte {
			var msg []byte
			msg = protowire.AppendTag(msg, 99, protowire.BytesType)
			msg = protowire.AppendBytes(msg, []byte{8, 1})
			body := marshalBody(t, good(c))
			body = protowire.AppendTag(body, 1, protowire.BytesType)
			body = protowire.AppendBytes(body, msg)
			return signRaw(t, alice, body)
		}, codespace: "tx", code: 7, log: "body.messages[1]: field 99: not a message type this ledger knows"},
		{name: "unknown field in body", build: func(c *chain) []byte {
			body := protowire.AppendVarint(protowire.AppendTag(marshalBody(t, good(c)), 50, protowire.VarintType), 1)
			return signRaw(t, alice, body)
		}, codespace: "tx", code: 8, log: "body: field 50: unknown"},
		{name: "unknown field in a message", build: func(c *chain) []byte {
			var sendMsg []byte
			sendMsg = protowire.AppendTag(sendMsg, 1, protowire.BytesType)
			sendMsg = protowire.AppendBytes(sendMsg, bob.addr.Bytes())
			sendMsg = protowire.AppendTag(sendMsg, 2, protowire.VarintType)
			sendMsg = protowire.AppendVarint(sendMsg, 1)
			sendMsg = protowire.AppendTag(sendMsg, 7, protowire.VarintType)
			sendMsg = protowire.AppendVarint(sendMsg, 1)
			msg := protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), sendMsg)
			b := good(c)
			b.Messages = nil
			body := marshalBody(t, b)
			body = protowire.AppendBytes(protowire.AppendTag(body, 1, protowire.BytesType), msg)
			return signRaw(t, alice, body)
		}, codespace: "tx", code: 8, log: "body.messages[0].send: field 7"},
		{name: "public key too short", build: func(c *chain) []byte {
			return rawTx(t, marshalBody(t, good(c)), alice.pub()[:31], make([]byte, 64))
		}, codespace: "tx", code: 9, log: "public_key: must be 32 bytes, got 31"},
		{name: "bad signature: flipped bit", build: func(c *chain) []byte {
			body := marshalBody(t, good(c))
			sig := ed25519.Sign(alice.priv, tx.SignBytes(body))
			sig[10] ^= 1
			return rawTx(t, body, alice.pub(), sig)
		}, codespace: "tx", code: 10, log: "signature: does not verify"},
		{name: "bad signature: another key", build: func(c *chain) []byte {
			body := marshalBody(t, good(c))
			return rawTx(t, body, alice.pub(), ed25519.Sign(bob.priv, tx.SignBytes(body)))
		}, codespace: "tx", code: 10, log: "signature: does not verify"},
		{name: "bad signature: no domain", build: func(c *chain) []byte {
			body := marshalBody(t, good(c))
			return rawTx(t, body, alice.pub(), ed25519.Sign(alice.priv, body))
		}, codespace: "tx", code: 10, log: "signature: does not verify"},
		{name: "bad signature: short", build: func(c *chain) []byte {
			return rawTx(t, marshalBody(t, good(c)), alice.pub(), make([]byte, 63))
		}, codespace: "tx", code: 10, log: "signature: must be 64 bytes"},
		{name: "reused sequence", setup: func(c *chain) { c.mustBlock(c.tx(alice, send(bob, 1))) },
			build:     withBody(func(b *ledgerpb.TxBody) { b.Sequence = 0 }),
			codespace: "auth", code: 1, log: "sequence: expected 1, got 0: already used"},
		{name: "skipped sequence", build: withBody(func(b *ledgerpb.TxBody) { b.Sequence = 5 }),
			codespace: "auth", code: 1, log: "sequence: expected 0, got 5: an earlier transaction is missing"},
		{name: "fee too low", build: withBody(func(b *ledgerpb.TxBody) { b.Fee = 9 }),
			codespace: "auth", code: 2, log: "fee 9 ucell: must be at least min_fee 10 ucell"},
		{name: "insufficient funds for the fee", build: withBody(func(b *ledgerpb.TxBody) { b.Fee = 1_000_001 }),
			codespace: "bank", code: 2, log: "auth: fee 1000001 ucell: bank: insufficient funds"},
		{name: "insufficient funds for the fee: no account", build: func(c *chain) []byte { return c.tx(unknown, send(bob, 1)) },
			codespace: "bank", code: 2, log: "holds 0 ucell, needs 10 ucell"},
		{name: "zero amount", build: msgTx(alice, send(bob, 0)),
			codespace: "bank", code: 1, log: "messages[0]: bank: send: amount 0: must be positive"},
		{name: "short recipient", build: withBody(func(b *ledgerpb.TxBody) { b.Messages[0].GetSend().To = []byte{1, 2, 3} }),
			codespace: "bank", code: 3, log: "send: to: must be 20 bytes, got 3"},
		{name: "insufficient funds", build: msgTx(alice, send(bob, 1_000_000)),
			codespace: "bank", code: 2, log: "bank: send: insufficient funds: " + alice.addr.String() + " holds 999990 ucell, needs 1000000 ucell", charged: true},
		{name: "overflowing amount (a negative int64 sent as uint64)", build: msgTx(alice, send(bob, math.MaxUint64)),
			codespace: "bank", code: 2, log: "needs 18446744073709551615 ucell", charged: true},
		{name: "send to a module account", build: func(c *chain) []byte {
			return c.tx(alice, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: treasury.Address().Bytes(), Amount: 5}}})
		}, codespace: "bank", code: 5, log: "is a module account", charged: true},
		{name: "consensus key of the wrong size", build: func(c *chain) []byte {
			m := createValidator(cons1, 2000, "v1")
			m.GetCreateValidator().ConsensusPubkey = cons1.pub()[:16]
			return c.tx(val1, m)
		}, codespace: "staking", code: 1, log: "consensus_pubkey: must be 32 bytes, got 16"},
		{name: "validator key squatting: a consensus key without its signature", build: func(c *chain) []byte {
			m := createValidator(cons1, 2000, "v1")
			m.GetCreateValidator().ConsensusSignature = []byte{}
			return c.tx(val1, m)
		}, codespace: "staking", code: 12, log: "consensus_signature: must be 64 bytes, got 0"},
		{name: "validator key squatting: another operator's proof replayed", build: func(c *chain) []byte {
			m := createValidator(cons1, 2000, "v1")
			m.GetCreateValidator().ConsensusSignature = staking.SignConsensusKeyProof(cons1.priv, testChainID, val0.addr)
			return c.tx(val1, m)
		}, codespace: "staking", code: 12, log: "does not verify under consensus_pubkey", charged: true},
		{name: "validator key squatting: a proof for another chain", build: func(c *chain) []byte {
			m := createValidator(cons1, 2000, "v1")
			m.GetCreateValidator().ConsensusSignature = staking.SignConsensusKeyProof(cons1.priv, "other-chain", val1.addr)
			return c.tx(val1, m)
		}, codespace: "staking", code: 12, log: "does not verify under consensus_pubkey", charged: true},
		{name: "validator key squatting: a key signed by another key", build: func(c *chain) []byte {
			m := createValidator(cons1, 2000, "v1")
			m.GetCreateValidator().ConsensusSignature = staking.SignConsensusKeyProof(cons0.priv, testChainID, val1.addr)
			return c.tx(val1, m)
		}, codespace: "staking", code: 12, log: "does not verify under consensus_pubkey", charged: true},
		{name: "validator key already in use", build: msgTx(val1, createValidator(cons0, 2000, "v1")),
			codespace: "staking", code: 2, log: "consensus_pubkey " + hexOf(cons0.pub()) + ": already used by validator " + val0.addr.String(), charged: true},
		{name: "validator already exists", build: msgTx(val0, createValidator(cons1, 2000, "again")),
			codespace: "staking", code: 3, log: "already operates a validator", charged: true},
		{name: "self bond too low", build: msgTx(val1, createValidator(cons1, 999, "v1")),
			codespace: "staking", code: 4, log: "self_bond 999 ucell: must be at least min_self_bond 1000 ucell"},
		{name: "self bond above balance", build: msgTx(val1, createValidator(cons1, 100_000, "v1")),
			codespace: "bank", code: 2, log: "staking: create_validator: self_bond: bank: insufficient funds", charged: true},
		{name: "moniker with a control character", build: msgTx(val1, createValidator(cons1, 2000, "v\n1")),
			codespace: "staking", code: 9, log: "must not contain control characters"},
		{name: "moniker too long", build: msgTx(val1, createValidator(cons1, 2000, strings.Repeat("v", 65))),
			codespace: "staking", code: 9, log: "moniker: 65 bytes: must be 1 to 64"},
		{name: "bond zero", build: msgTx(val0, bond(val0, 0)),
			codespace: "staking", code: 7, log: "bond: amount 0: must be positive"},
		{name: "bond overflowing", build: msgTx(val0, bond(val0, math.MaxUint64)),
			codespace: "staking", code: 7, log: "bonded stake overflows", charged: true},
		{name: "bond to another's validator", build: msgTx(val1, bond(val0, 10)),
			codespace: "staking", code: 6, log: "only its operator may bond", charged: true},
		{name: "bond without a validator", build: msgTx(val1, bond(val1, 10)),
			codespace: "staking", code: 5, log: "does not exist", charged: true},
		{name: "bond with a short validator address", build: func(c *chain) []byte {
			m := bond(val0, 10)
			m.GetBond().Validator = []byte{1}
			return c.tx(val0, m)
		}, codespace: "staking", code: 11, log: "bond: validator: must be 20 bytes, got 1"},
		{name: "unbond zero", build: msgTx(val0, unbond(0)),
			codespace: "staking", code: 7, log: "unbond: amount 0: must be positive"},
		{name: "unbond more than bonded", build: msgTx(val0, unbond(50_001)),
			codespace: "staking", code: 8, log: "unbond: amount 50001 ucell: only 50000 ucell bonded", charged: true},
		{name: "unbond leaving less than the min self bond", build: msgTx(val0, unbond(49_500)),
			codespace: "staking", code: 4, log: "would leave 500 ucell bonded", charged: true},
		{name: "unbond without a validator", build: msgTx(alice, unbond(1)),
			codespace: "staking", code: 5, log: "operates no validator", charged: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChain(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			checkRejection(t, c, tc.build(c), tc.codespace, tc.code, tc.log, tc.charged)
		})
	}
}

// checkRejection runs raw through CheckTx on a mempool branch and then in
// the next block, and checks that both refuse it with codespace/code and a
// log containing log, and that the state is left as it was — but for the
// fee and sequence when charged (the transaction passes CheckTx and only
// its messages fail when executed).
func checkRejection(t *testing.T, c *chain, raw []byte, codespace string, code uint32, log string, charged bool) {
	t.Helper()
	check := func(where string, r TxResult) {
		t.Helper()
		t.Logf("%s: %s/%d %s", where, r.Codespace, r.Code, r.Log)
		if r.Codespace != codespace || r.Code != code || !strings.Contains(r.Log, log) {
			t.Fatalf("%s: got %s/%d %q\nwant %s/%d with %q", where, r.Codespace, r.Code, r.Log, codespace, code, log)
		}
	}

	// CheckTx, on a mempool branch.
	mempool := clone(c.st)
	before := store.Digest(mempool)
	r := c.app.CheckTx(mempool, testChainID, raw)
	if charged {
		if r.Code != 0 {
			t.Fatalf("CheckTx refused a tx that only fails when executed: %s", r.Log)
		}
	} else {
		check("CheckTx", r)
		if store.Digest(mempool) != before {
			t.Fatalf("CheckTx changed the state:\n%s", dump(mempool))
		}
	}

	// FinalizeBlock.
	want := clone(c.st)
	if charged {
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		var fees mint.BlockFees
		if err := c.app.auth.Ante(want, &event.Log{}, c.p, d, &fees); err != nil {
			t.Fatal(err)
		}
		c.app.mint.SettleFees(want, &event.Log{}, 0, fees)
	}
	res := c.block(raw)
	check("FinalizeBlock", res.TxResults[0])
	if c.digest() != store.Digest(want) {
		t.Fatalf("FinalizeBlock left\n%s\nwant\n%s", dump(c.st), dump(want))
	}
	if len(res.ValidatorUpdates) != 0 {
		t.Fatalf("validator updates %v", res.ValidatorUpdates)
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
)

func consAddr(k key) []byte {
	a, _ := address.FromPubKey(k.pub())
	return a.Bytes()
}

func wantUpdates(t *testing.T, res BlockResult, want ...ValidatorUpdate) {
	t.Helper()
	if !slices.EqualFunc(res.ValidatorUpdates, want, eqUpdate) {
		t.Fatalf("validator updates %v, want %v", res.ValidatorUpdates, want)
	}
}

func TestCreateValidator(t *testing.T) {
	c := newTestChain(t)
	res := c.mustBlock(c.tx(val1, createValidator(cons1, 2_050, "val1")))
	wantUpdates(t, res, update(cons1, 20)) // 2,050 / 100, rounded down
	if got := c.balance(val1); got != 100_000-2_050-10 {
		t.Fatalf("val1 balance %d", got)
	}
	if types := eventTypes(res.TxResults[0].Events); !slices.Equal(types, []string{"tx", "transfer", "create_validator"}) {
		t.Fatalf("events %v", types)
	}
	if types := eventTypes(res.Events); !slices.Equal(types, []string{"fees_settled", "power"}) {
		t.Fatalf("block events %v", types)
	}
	// The next block has no change, so no updates.
	wantUpdates(t, c.mustBlock())
	// A consensus key stays taken, even by its own operator's second try.
	r := c.block(c.tx(alice, createValidator(cons1, 2_000, "copy"))).TxResults[0]
	if r.Codespace != staking.Codespace || r.Code != staking.ErrPubKeyInUse.Number {
		t.Fatalf("%+v", r)
	}
}

func TestBondAndUnbond(t *testing.T) {
	c := newTestChain(t) // unbonding_blocks = 5
	wantUpdates(t, c.mustBlock(c.tx(val0, bond(val0, 10_000))), update(cons0, 600))
	if c.bonded(val0) != 60_000 || c.balance(val0) != 50_000-10_000-10 {
		t.Fatalf("bonded %d balance %d", c.bonded(val0), c.balance(val0))
	}

	before := c.balance(val0)
	res := c.mustBlock(c.tx(val0, unbond(20_000)))
	unbondHeight := c.height
	wantUpdates(t, res, update(cons0, 400))
	before -= 10 // the unbond's fee
	if c.balance(val0) != before {
		t.Fatalf("balance changed at unbond: %d", c.balance(val0))
	}
	entries := c.app.staking.Unbondings(c.st)
	if len(entries) != 1 || entries[0].Amount != 20_000 || entries[0].CompletionHeight != unbondHeight+5 {
		t.Fatalf("unbonding entries %v", entries)
	}
	// One block before completion: nothing paid.
	for c.height < unbondHeight+4 {
		c.mustBlock()
	}
	if c.balance(val0) != before {
		t.Fatalf("height %d: paid early: %d", c.height, c.balance(val0))
	}
	// At completion (unbond height + unbonding_blocks): paid, exactly.
	res = c.mustBlock()
	if c.height != unbondHeight+5 || c.balance(val0) != before+20_000 {
		t.Fatalf("height %d: balance %d, want %d", c.height, c.balance(val0), before+20_000)
	}
	if types := eventTypes(res.Events); !slices.Equal(types, []string{"transfer", "unbonding_complete"}) {
		t.Fatalf("block events %v", types)
	}
	wantUpdates(t, res)
	// After: paid once.
	c.mustBlock()
	if c.balance(val0) != before+20_000 || len(c.app.staking.Unbondings(c.st)) != 0 {
		t.Fatalf("paid twice or entry left: %d", c.balance(val0))
	}
}

func TestTwoUnbondsInOneBlockMerge(t *testing.T) {
	c := newTestChain(t)
	first := c.tx(val0, unbond(1_000))
	b := c.body(val0, unbond(2_000))
	b.Sequence++
	c.mustBlock(first, signBody(t, val0, b))
	if e := c.app.staking.Unbondings(c.st); len(e) != 1 || e[0].Amount != 3_000 {
		t.Fatalf("entries %v", e)
	}
}

func TestFullUnbondRemovesAndBondRestores(t *testing.T) {
	c := newTestChain(t)
	wantUpdates(t, c.mustBlock(c.tx(val0, unbond(50_000))), update(cons0, 0))
	// Bonding back must reach the min self-bond.
	r := c.block(c.tx(val0, bond(val0, 999))).TxResults[0]
	if r.Codespace != "staking" || r.Code != 4 || !strings.Contains(r.Log, "bonded would be 999 ucell") {
		t.Fatalf("%+v", r)
	}
	wantUpdates(t, c.mustBlock(c.tx(val0, bond(val0, 1_000))), update(cons0, 10))
}

func TestSlashAndJail(t *testing.T) {
	c := newTestChain(t) // slash_fraction_bps = 1000 (10%)
	c.mustBlock(c.tx(val1, createValidator(cons1, 10_000, "val1")))
	infraction := c.height
	c.mustBlock(c.tx(val1, unbond(4_000))) // after the infraction: slashable
	supply := c.app.bank.Supply(c.st)

	res := c.blockWith([]Misbehavior{{ValidatorAddress: consAddr(cons1), Height: infraction}})
	wantUpdates(t, res, update(cons1, 0))
	if c.bonded(val1) != 5_400 || !c.jailed(val1) {
		t.Fatalf("bonded %d jailed %v", c.bonded(val1), c.jailed(val1))
	}
	if e := c.app.staking.Unbondings(c.st); len(e) != 1 || e[0].Amount != 3_600 {
		t.Fatalf("unbonding not slashed: %v", e)
	}
	if got := c.app.bank.Supply(c.st); got != supply-600-400 {
		t.Fatalf("supply %d, want %d: slashed stake is burned", got, supply-1000)
	}
	if types := eventTypes(res.Events); !slices.Equal(types, []string{"burn", "burn", "slash", "jail", "power"}) {
		t.Fatalf("block events %v", types)
	}
	slash := res.Events[2]
	if slash.Attributes[3] != (Attribute{Key: "amount", Value: "1000"}) {
		t.Fatalf("slash event %v", slash)
	}

	// The same evidence again, twice in one block and once more later:
	// slashed once.
	d := c.digest()
	again := Misbehavior{ValidatorAddress: consAddr(cons1), Height: infraction}
	res = c.blockWith([]Misbehavior{again, again})
	wantUpdates(t, res)
	if c.digest() != d || len(res.Events) != 0 {
		t.Fatalf("evidence applied twice: bonded %d, events %v", c.bonded(val1), res.Events)
	}

	// A jailed validator cannot bond, but can unbond what is left.
	r := c.block(c.tx(val1, bond(val1, 100))).TxResults[0]
	if r.Codespace != "staking" || r.Code != 10 {
		t.Fatalf("bond while jailed: %+v", r)
	}
	c.mustBlock(c.tx(val1, unbond(5_400)))
	wantUpdates(t, c.mustBlock()) // jailed: no power to remove twice
}

func TestSlashSparesEarlierUnbonding(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(val0, unbond(10_000)))
	c.mustBlock()
	infraction := c.height // after the unbond
	c.blockWith([]Misbehavior{{ValidatorAddress: consAddr(cons0), Height: infraction}})
	if e := c.app.staking.Unbondings(c.st); len(e) != 1 || e[0].Amount != 10_000 {
		t.Fatalf("unbonding before the infraction slashed: %v", e)
	}
	if c.bonded(val0) != 36_000 {
		t.Fatalf("bonded %d", c.bonded(val0))
	}
}

func TestEvidenceForUnknownValidatorsIsIgnored(t *testing.T) {
	c := newTestChain(t)
	d := c.digest()
	res := c.blockWith([]Misbehavior{
		{ValidatorAddress: consAddr(unknown), Height: 1},
		{ValidatorAddress: []byte{1, 2, 3}, Height: 1},   // not an address
		{ValidatorAddress: val0.addr.Bytes(), Height: 1}, // an operator, not a consensus address
	})
	if c.digest() != d || len(res.Events) != 0 || len(res.ValidatorUpdates) != 0 {
		t.Fatalf("state changed: %v", res)
	}
}

func TestMaxValidators(t *testing.T) {
	p := testParams()
	p.MaxValidators = 1
	c := newChain(t, testGenesis(p))
	// val1 bonds more than val0 and takes the only seat.
	wantUpdates(t, c.mustBlock(c.tx(val1, createValidator(cons1, 60_000, "val1"))), update(cons0, 0), update(cons1, 600))
	// val1 unbonds below val0 and the seat goes back.
	wantUpdates(t, c.mustBlock(c.tx(val1, unbond(20_000))), update(cons0, 500), update(cons1, 0))
	// A tie goes to the lower operator address.
	c.mustBlock(c.tx(val1, bond(val1, 10_000)))
	low := cons0
	if string(val1.addr[:]) < string(val0.addr[:]) {
		low = cons1
	}
	var vals ledgerpb.ValidatorsResponse
	b, _ := c.app.Query(c.st, query.Validators, nil)
	_ = protoUnmarshal(b, &vals)
	for _, v := range vals.Validators {
		if (v.Power != 0) != slices.Equal(v.Validator.ConsensusPubkey, low.pub()) {
			t.Fatalf("tie at 500: %v holds the seat", v)
		}
	}
}

func TestCheckInvariantsCatchesBrokenBooks(t *testing.T) {
	c := newTestChain(t)
	for _, tc := range []struct {
		name    string
		corrupt func(st store.KVStore)
		want    string
	}{
		{"supply", func(st store.KVStore) { st.Set([]byte("bank/supply"), store.Uint64(1)) }, "supply"},
		{"bonded pool", func(st store.KVStore) {
			v := c.app.staking.Validator(st, val0.addr)
			v.Bonded++
			st.Set([]byte("staking/validator/"+string(val0.addr[:])), mustMarshal(v))
		}, "bonded pool"},
		{"power", func(st store.KVStore) { st.Set([]byte("staking/power/"+string(val0.addr[:])), store.Uint64(7)) }, "active set"},
	} {
		st := clone(c.st)
		tc.corrupt(st)
		if err := CheckInvariants(st); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

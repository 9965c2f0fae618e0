package bank

import (
	"errors"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

func TestMintBurnAndModuleMoves(t *testing.T) {
	k := New("pool", "sink")
	st := store.NewMemStore()
	a := address.Address{1}
	var ev event.Log
	if err := k.InitGenesis(st, []*ledgerpb.GenesisAccount{{Address: a.String(), Balance: 100}}); err != nil {
		t.Fatal(err)
	}
	steps := []func() error{
		func() error { return k.Mint(st, &ev, a, 50) },
		func() error { return k.MoveToModule(st, &ev, a, "pool", 120) },
		func() error { return k.MoveBetweenModules(st, &ev, "pool", "sink", 20) },
		func() error { return k.BurnFromModule(st, &ev, "sink", 5) },
		func() error { return k.MoveFromModule(st, &ev, "pool", a, 100) },
		func() error { return k.Burn(st, &ev, a, 0) },
	}
	for i, step := range steps {
		if err := step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if err := k.CheckInvariants(st); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if k.Balance(st, a) != 130 || k.ModuleBalance(st, "pool") != 0 || k.ModuleBalance(st, "sink") != 15 || k.Supply(st) != 145 {
		t.Fatalf("a %d pool %d sink %d supply %d", k.Balance(st, a), k.ModuleBalance(st, "pool"), k.ModuleBalance(st, "sink"), k.Supply(st))
	}
	if k.GenesisSupply(st) != 100 || k.Minted(st) != 50 || k.Burned(st) != 5 {
		t.Fatalf("genesis %d minted %d burned %d", k.GenesisSupply(st), k.Minted(st), k.Burned(st))
	}
	// A total that disagrees with the supply breaks the invariant.
	st.Set(BurnedKey(), EncodeAmount(6))
	if err := k.CheckInvariants(st); err == nil || !strings.Contains(err.Error(), "genesis supply 100 + minted 50 - burned 6") {
		t.Fatalf("CheckInvariants with a wrong burned total: %v", err)
	}
	st.Set(BurnedKey(), EncodeAmount(5))
	if st.Has(BalanceKey(ModuleAddress("pool"))) {
		t.Fatal("zero balance stored")
	}
	d := store.Digest(st)
	if err := k.MoveToModule(st, &ev, a, "pool", 131); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("overdraft: %v", err)
	}
	if err := k.Burn(st, &ev, a, 131); !errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("burn overdraft: %v", err)
	}
	if err := k.Mint(st, &ev, a, ^uint64(0)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("supply overflow: %v", err)
	}
	if store.Digest(st) != d {
		t.Fatal("a failed operation wrote")
	}
	if len(ev.Events()) != 5 { // mint, 3 transfers, burn; Burn(0) emits nothing
		t.Fatalf("%d events: %v", len(ev.Events()), ev.Events())
	}
}

func TestUnknownModulePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	New("pool").ModuleBalance(store.NewMemStore(), "nope")
}

package bank

import (
	"errors"
	"reflect"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// TestPayFeeIsBurnThenMoves: PayFee leaves the state and emits the
// events of Burn followed by one MoveToModule per share, for every shape
// of fee — zero parts, two shares to one module, a payer that is itself
// a module account — and fails, writing nothing, where that sequence
// could not complete.
func TestPayFeeIsBurnThenMoves(t *testing.T) {
	k := New("pool", "sink")
	payer := address.Address{1}
	for _, c := range []struct {
		name    string
		payer   address.Address
		balance uint64
		burn    uint64
		shares  []Share
		err     error
	}{
		{name: "burn and two shares", payer: payer, balance: 1_000, burn: 200, shares: []Share{{"pool", 500}, {"sink", 300}}},
		{name: "whole balance", payer: payer, balance: 1_000, burn: 1, shares: []Share{{"pool", 998}, {"sink", 1}}},
		{name: "no burn", payer: payer, balance: 1_000, shares: []Share{{"pool", 5}, {"sink", 7}}},
		{name: "zero shares", payer: payer, balance: 1_000, burn: 3, shares: []Share{{"pool", 0}, {"sink", 0}}},
		{name: "nothing", payer: payer, balance: 1_000},
		{name: "one module twice", payer: payer, balance: 1_000, burn: 2, shares: []Share{{"pool", 5}, {"pool", 7}}},
		{name: "a module pays", payer: k.module("pool"), balance: 1_000, burn: 10, shares: []Share{{"pool", 5}, {"sink", 7}}},
		{name: "short by one", payer: payer, balance: 1_000, burn: 200, shares: []Share{{"pool", 501}, {"sink", 300}}, err: ErrInsufficientFunds},
		{name: "empty account", payer: address.Address{2}, balance: 0, burn: 1, err: ErrInsufficientFunds},
	} {
		t.Run(c.name, func(t *testing.T) {
			genesis := func() store.KVStore {
				// A funder pays the payer its balance (a module account
				// cannot be funded at genesis).
				st := store.NewMemStore()
				funder := address.Address{9}
				if err := k.InitGenesis(st, []*ledgerpb.GenesisAccount{{Address: funder.String(), Balance: 50 + c.balance}}); err != nil {
					t.Fatal(err)
				}
				var ev event.Log
				if err := k.transfer(st, &ev, "", funder, c.payer, c.balance); err != nil {
					t.Fatal(err)
				}
				return st
			}
			got, want := genesis(), genesis()
			before := store.Digest(got)
			var gotEv, wantEv event.Log
			err := k.PayFee(got, &gotEv, c.payer, c.burn, c.shares...)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("PayFee = %v, want %v", err, c.err)
				}
				if store.Digest(got) != before || len(gotEv.Events()) != 0 {
					t.Fatal("a failed PayFee wrote or emitted something")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Burn(want, &wantEv, c.payer, c.burn); err != nil {
				t.Fatal(err)
			}
			for _, sh := range c.shares {
				if err := k.MoveToModule(want, &wantEv, c.payer, sh.Module, sh.Amount); err != nil {
					t.Fatal(err)
				}
			}
			if store.Digest(got) != store.Digest(want) {
				t.Fatal("the state differs from Burn then MoveToModule")
			}
			if !reflect.DeepEqual(gotEv.Events(), wantEv.Events()) {
				t.Fatalf("events %v, want %v", gotEv.Events(), wantEv.Events())
			}
			if err := k.CheckInvariants(got); err != nil {
				t.Fatal(err)
			}
		})
	}
}

package bank

import (
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every bank key: clients verify proofs of
// these keys and a node's state is laid out by them, so they never change.
func TestKeys(t *testing.T) {
	addr := address.Address{0: 0x01, 19: 0xff}
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"balance", BalanceKey(addr), hex.EncodeToString([]byte("bank/balance/")) + "01000000000000000000000000000000000000ff"},
		{"supply", SupplyKey(), hex.EncodeToString([]byte("bank/supply"))},
		{"genesis supply", GenesisSupplyKey(), hex.EncodeToString([]byte("bank/genesis_supply"))},
		{"minted", MintedKey(), hex.EncodeToString([]byte("bank/minted"))},
		{"burned", BurnedKey(), hex.EncodeToString([]byte("bank/burned"))},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
	if got, err := AddressFromBalanceKey(BalanceKey(addr)); err != nil || got != addr {
		t.Errorf("AddressFromBalanceKey = %v, %v", got, err)
	}
	if n := testing.AllocsPerRun(100, func() { keySink = BalanceKey(addr) }); n != 1 {
		t.Errorf("BalanceKey: %v allocations, want 1 (the key)", n)
	}
	if _, err := AddressFromBalanceKey(SupplyKey()); err == nil {
		t.Error("AddressFromBalanceKey accepted the supply key")
	}
	if v, err := DecodeAmount(EncodeAmount(1_000_000)); err != nil || v != 1_000_000 || hex.EncodeToString(EncodeAmount(1_000_000)) != "00000000000f4240" {
		t.Errorf("amount encoding")
	}
	// Module account addresses are pinned too: funds live at them.
	if got := hex.EncodeToString(ModuleAddress("treasury").Bytes()); got != "d8ee12e0d93afa2377349ac2fd9ffcc2d012d1a5" {
		t.Errorf("treasury address %s", got)
	}
}

// keySink keeps a key alive, so that counting its allocations counts it.
var keySink []byte

package auth

import (
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of the auth keys.
func TestKeys(t *testing.T) {
	addr := address.Address{0: 0x01, 19: 0xff}
	want := hex.EncodeToString([]byte("auth/account/")) + "01000000000000000000000000000000000000ff"
	if got := hex.EncodeToString(AccountKey(addr)); got != want {
		t.Errorf("account key %s, want %s", got, want)
	}
	if n := testing.AllocsPerRun(100, func() { keySink = AccountKey(addr) }); n != 1 {
		t.Errorf("AccountKey: %v allocations, want 1 (the key)", n)
	}
}

// keySink keeps a key alive, so that counting its allocations counts it.
var keySink []byte

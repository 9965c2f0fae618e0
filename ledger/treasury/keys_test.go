package treasury

import (
	"encoding/hex"
	"testing"
)

// TestKeys pins the treasury's balance key: the bank balance of the
// module account "treasury".
func TestKeys(t *testing.T) {
	want := hex.EncodeToString([]byte("bank/balance/")) + "d8ee12e0d93afa2377349ac2fd9ffcc2d012d1a5"
	if got := hex.EncodeToString(BalanceKey()); got != want {
		t.Errorf("balance key %s, want %s", got, want)
	}
}

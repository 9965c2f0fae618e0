package distribution

import (
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every distribution key.
func TestKeys(t *testing.T) {
	op := address.Address{0: 0x01, 19: 0xff}
	const opHex = "01000000000000000000000000000000000000ff"
	del := address.Address{0: 0x02, 19: 0xee}
	const delHex = "02000000000000000000000000000000000000ee"
	h := func(s string) string { return hex.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"validator", ValidatorKey(op), h("distribution/validator/") + opHex},
		{"start", StartKey(op, del), h("distribution/start/") + opHex + delHex},
		{"outstanding", OutstandingKey(), h("distribution/outstanding")},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
}

package gov

import (
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every gov key.
func TestKeys(t *testing.T) {
	a := address.Address{0: 0x01, 19: 0xff}
	const aHex = "01000000000000000000000000000000000000ff"
	h := func(s string) string { return hex.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"next id", NextIDKey(), h("gov/next_id")},
		{"proposal", ProposalKey(0x0102), h("gov/proposal/") + "0000000000000102"},
		{"proposal prefix", ProposalPrefix(), h("gov/proposal/")},
		{"deposit", DepositKey(7, a), h("gov/deposit/") + "0000000000000007" + aHex},
		{"deposit prefix", DepositPrefix(7), h("gov/deposit/") + "0000000000000007"},
		{"vote", VoteKey(7, a), h("gov/vote/") + "0000000000000007" + aHex},
		{"vote prefix", VotePrefix(7), h("gov/vote/") + "0000000000000007"},
		{"due", DueKey(0x0a, 7), h("gov/due/") + "000000000000000a" + "0000000000000007"},
		{"due prefix", DuePrefix(0x0a), h("gov/due/") + "000000000000000a"},
		{"deposit table", DepositTablePrefix(), h("gov/deposit/")},
		{"vote table", VoteTablePrefix(), h("gov/vote/")},
		{"due table", DueTablePrefix(), h("gov/due/")},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
}

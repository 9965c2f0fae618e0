package market

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestKeys pins the bytes of every market key.
func TestKeys(t *testing.T) {
	addr := address.Address{0: 0x01, 19: 0xff}
	const addrHex = "01000000000000000000000000000000000000ff"
	h := func(s string) string { return hex.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"next id", NextIDKey(), h("market/next_id")},
		{"order", OrderKey(0x0102), h("market/order/") + "0000000000000102"},
		{"bid", BidKey(7, addr), h("market/bid/") + "0000000000000007" + addrHex},
		{"bid prefix", BidPrefix(7), h("market/bid/") + "0000000000000007"},
		{"due", DueKey(0x0a0b, 7), h("market/due/") + "0000000000000a0b" + "0000000000000007"},
		{"due prefix", DuePrefix(0x0a0b), h("market/due/") + "0000000000000a0b"},
		{"buyer", BuyerKey(addr, 7), h("market/buyer/") + addrHex + "0000000000000007"},
		{"all buyers", BuyerPrefix(address.Address{}), h("market/buyer/")},
		{"provider", ProviderKey(addr, 7), h("market/provider/") + addrHex + "0000000000000007"},
		{"all providers", ProviderPrefix(address.Address{}), h("market/provider/")},
		{"state", StateKey(ledgerpb.OrderState_ORDER_STATE_DELIVERED, 7), h("market/state/") + "03" + "0000000000000007"},
		{"all states", StatePrefix(ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED), h("market/state/")},
		{"verifier", VerifierKey([]byte{0xaa, 0xbb}), h("market/verifier/") + "aabb"},
		{"credit", CreditKey(addr), h("market/credit/") + addrHex},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDisputeEnumNames(t *testing.T) {
	for v := ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT; v <= ledgerpb.DisputeClaim_DISPUTE_CLAIM_TOO_SLOW; v++ {
		if back, err := ParseClaim(ClaimName(v)); err != nil || back != v {
			t.Errorf("claim %v: %q → %v, %v", v, ClaimName(v), back, err)
		}
	}
	for v := ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND; v <= ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION; v++ {
		if back, err := ParseOutcome(OutcomeName(v)); err != nil || back != v {
			t.Errorf("outcome %v: %q → %v, %v", v, OutcomeName(v), back, err)
		}
	}
	if _, err := ParseClaim("bad"); err == nil || !strings.Contains(err.Error(), "claim") {
		t.Errorf("bad claim: %v", err)
	}
	if _, err := ParseOutcome("bad"); err == nil || !strings.Contains(err.Error(), "outcome") {
		t.Errorf("bad outcome: %v", err)
	}
	if VerdictName(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON) != "buyer_won" {
		t.Error("verdict name")
	}
}

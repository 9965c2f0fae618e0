package staking

import (
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every staking key.
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
		{"validator", ValidatorKey(op), h("staking/validator/") + opHex},
		{"consensus", ConsensusKey(op), h("staking/consensus/") + opHex},
		{"power", PowerKey(op), h("staking/power/") + opHex},
		{"unbonding", UnbondingKey(0x0102, op, 7, del), h("staking/unbonding/") + "0000000000000102" + opHex + "0000000000000007" + delHex},
		{"delegation", DelegationKey(op, del), h("staking/delegation/") + opHex + delHex},
		{"delegation prefix", DelegationPrefix(op), h("staking/delegation/") + opHex},
		{"delegator", DelegatorKey(del, op), h("staking/delegator/") + delHex + opHex},
		{"delegator prefix", DelegatorPrefix(del), h("staking/delegator/") + delHex},
		{"redelegation", RedelegationKey(0x0102, op, 7, del, op), h("staking/redelegation/") + "0000000000000102" + opHex + "0000000000000007" + delHex + opHex},
		{"redelegation end", RedelegationEnd(0x0102), h("staking/redelegation/") + "0000000000000103"},
		{"redelegated", RedelegatedKey(del, op, 0x0102), h("staking/redelegated/") + delHex + opHex + "0000000000000102"},
		{"redelegated prefix", RedelegatedPrefix(del, op), h("staking/redelegated/") + delHex + opHex},
		{"unbonding by validator", UnbondingByValidatorKey(op, 7, 0x0102, del), h("staking/unbonding_by_validator/") + opHex + "0000000000000007" + "0000000000000102" + delHex},
		{"unbonding by validator prefix", UnbondingByValidatorPrefix(op), h("staking/unbonding_by_validator/") + opHex},
		{"redelegation by src", RedelegationBySrcKey(op, 7, 0x0102, del, op), h("staking/redelegation_by_src/") + opHex + "0000000000000007" + "0000000000000102" + delHex + opHex},
		{"redelegation by src prefix", RedelegationBySrcPrefix(op), h("staking/redelegation_by_src/") + opHex},
		{"signing", SigningKey(op), h("staking/signing/") + opHex},
		{"missed", MissedKey(op, 9), h("staking/missed/") + opHex + "0000000000000009"},
		{"missed prefix", MissedPrefix(op), h("staking/missed/") + opHex},
		{"unbonding end", UnbondingEnd(0x0102), h("staking/unbonding/") + "0000000000000103"},
		{"changed", changedKey(), h("staking/changed")},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
	if p, err := DecodePower(encodePower(500)); err != nil || p != 500 {
		t.Errorf("power round trip: %d, %v", p, err)
	}
}

package reputation

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every reputation key.
func TestKeys(t *testing.T) {
	h := func(s string) string { return hex.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"skill", SkillKey(0x0102), h("reputation/skill/") + "0000000000000102"},
		{"child", ChildKey(5, 0x0a), h("reputation/children/") + "0000000000000005" + "000000000000000a"},
		{"children prefix", ChildrenPrefix(5), h("reputation/children/") + "0000000000000005"},
		{"name", NameKey("compute/genomics"), h("reputation/name/compute/genomics")},
		{"skill count", SkillCountKey(), h("reputation/skill_count")},
		{"cycle", CycleKey(), h("reputation/cycle")},
		{"log", LogKey(3, 0x0100), h("reputation/log/") + "0000000000000003" + "0000000000000100"},
		{"log prefix", LogPrefix(3), h("reputation/log/") + "0000000000000003"},
		{"mining state", MiningStateKey(), h("reputation/mining_state")},
		{"root", RootKey(), h("reputation/root")},
		{"miner", MinerKey(address.Address{19: 7}), h("reputation/miner/") + "0000000000000000000000000000000000000007"},
		{"submission", SubmissionKey(2, 5), h("reputation/submission/") + "0000000000000002" + "0000000000000005"},
		{"entry", EntryKey(2, address.Address{19: 7}, 3), h("reputation/entry/") + "0000000000000002" + "0000000000000000000000000000000000000007" + "0000000000000003"},
		{"claim hash", ClaimHashKey(2, [32]byte{31: 9}), h("reputation/claim_hash/") + "0000000000000002" + "0000000000000000000000000000000000000000000000000000000000000009"},
		{"claim", ClaimKey(2, 3), h("reputation/claim/") + "0000000000000002" + "0000000000000003"},
		{"challenge", ChallengeKey(2, 1, 4), h("reputation/challenge/") + "0000000000000002" + "0000000000000001" + "0000000000000004"},
		{"challenge due", ChallengeDueKey(90, 2, 1, 4), h("reputation/challenge_due/") + "000000000000005a" + "0000000000000002" + "0000000000000001" + "0000000000000004"},
		{"recovery", RecoveryKey(), h("reputation/recovery")},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
}

// TestAmountEncoding pins the 16-byte two's complement form and checks
// that decoding is exact at and near the bounds.
func TestAmountEncoding(t *testing.T) {
	for _, tc := range []struct {
		amount *big.Int
		want   string
	}{
		{big.NewInt(0), "00000000000000000000000000000000"},
		{big.NewInt(1), "00000000000000000000000000000001"},
		{big.NewInt(-1), "ffffffffffffffffffffffffffffffff"},
		{big.NewInt(-100), "ffffffffffffffffffffffffffffff9c"},
		{big.NewInt(1000), "000000000000000000000000000003e8"},
		{MaxAmount(), "7fffffffffffffffffffffffffffffff"},
		{MinAmount(), "80000000000000000000000000000000"},
		{new(big.Int).Add(MinAmount(), big.NewInt(1)), "80000000000000000000000000000001"},
	} {
		b := EncodeAmount(tc.amount)
		if got := hex.EncodeToString(b); got != tc.want {
			t.Errorf("EncodeAmount(%s) = %s, want %s", tc.amount, got, tc.want)
		}
		back, err := DecodeAmount(b)
		if err != nil || back.Cmp(tc.amount) != 0 {
			t.Errorf("DecodeAmount(%s) = %v, %v; want %s", tc.want, back, err, tc.amount)
		}
	}
	for _, n := range []int{0, 15, 17, 32} {
		if _, err := DecodeAmount(make([]byte, n)); err == nil {
			t.Errorf("DecodeAmount of %d bytes: no error", n)
		}
	}
	for _, out := range []*big.Int{new(big.Int).Add(MaxAmount(), big.NewInt(1)), new(big.Int).Sub(MinAmount(), big.NewInt(1))} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("EncodeAmount(%s) did not panic", out)
				}
			}()
			EncodeAmount(out)
		}()
	}
}

func TestDecodeChallengeDueKey(t *testing.T) {
	d, c, r, i := DecodeChallengeDueKey(ChallengeDueKey(90, 2, 1, 4))
	if d != 90 || c != 2 || r != 1 || i != 4 {
		t.Errorf("decoded %d %d %d %d", d, c, r, i)
	}
}

func TestDecodeID(t *testing.T) {
	if v, err := DecodeID([]byte{0, 0, 0, 0, 0, 0, 1, 2}); err != nil || v != 0x0102 {
		t.Errorf("DecodeID = %d, %v", v, err)
	}
	if _, err := DecodeID([]byte{1}); err == nil {
		t.Error("DecodeID of 1 byte: no error")
	}
}

// TestKeyPrefixesAreDisjoint: no table's prefix is a prefix of another's.
func TestKeyPrefixesAreDisjoint(t *testing.T) {
	prefixes := [][]byte{SkillPrefix(), ChildrenTablePrefix(), NamePrefix(), SkillCountKey(), CycleKey(), LogTablePrefix(),
		MiningStateKey(), RootKey(), MinerPrefix(), SubmissionTablePrefix(), EntryTablePrefix(),
		ClaimHashTablePrefix(), ClaimTablePrefix(), ChallengeTablePrefix(), ChallengeDuePrefix(), RecoveryKey()}
	for i, a := range prefixes {
		for j, b := range prefixes {
			if i != j && bytes.HasPrefix(b, a) {
				t.Errorf("%q is a prefix of %q", a, b)
			}
		}
	}
}

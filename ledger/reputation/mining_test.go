package reputation

import (
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

func maxUint256() *big.Int {
	return new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
}

// TestTarget: (2^256 − 1) × (h − start + 1) / W, from W⁻¹ of the range at
// the window's first block to all of it at its last.
func TestTarget(t *testing.T) {
	max := maxUint256()
	third := new(big.Int).Quo(max, big.NewInt(3))
	twoThirds := new(big.Int).Quo(new(big.Int).Mul(max, big.NewInt(2)), big.NewInt(3))
	for _, tc := range []struct {
		name               string
		height, start, end int64
		want               *big.Int
	}{
		{"one block before", 9, 10, 12, new(big.Int)},
		{"first block", 10, 10, 12, third},
		{"middle", 11, 10, 12, twoThirds},
		{"last block", 12, 10, 12, max},
		{"after", 13, 10, 12, max},
		{"window of one block", 10, 10, 10, max},
	} {
		if got := Target(tc.height, tc.start, tc.end); got.Cmp(tc.want) != 0 {
			t.Errorf("%s: %x, want %x", tc.name, got, tc.want)
		}
	}
}

// TestMinerWeight checks the exact weights against the formula
// (1 − 1/e3(t/T)) × (1 − n/24) computed with rationals directly.
func TestMinerWeight(t *testing.T) {
	ref := func(t, T uint64, n int) *big.Rat {
		x := new(big.Rat).SetFrac(new(big.Int).SetUint64(t), new(big.Int).SetUint64(T))
		x2 := new(big.Rat).Mul(x, x)
		x3 := new(big.Rat).Mul(x2, x)
		e3 := new(big.Rat).Add(big.NewRat(1, 1), x)
		e3.Add(e3, new(big.Rat).Quo(x2, big.NewRat(2, 1)))
		e3.Add(e3, new(big.Rat).Quo(x3, big.NewRat(6, 1)))
		w := new(big.Rat).Sub(big.NewRat(1, 1), new(big.Rat).Inv(e3))
		return w.Mul(w, big.NewRat(int64(24-n), 24))
	}
	for _, tc := range []struct {
		t, T uint64
		n    int
	}{{0, 100, 0}, {1, 100, 0}, {18, 100, 1}, {100, 100, 0}, {100, 100, 11}, {1_296_000, 1_296_000, 5}, {1 << 40, 1_296_000, 3}} {
		if got, want := MinerWeight(tc.t, tc.T, tc.n), ref(tc.t, tc.T, tc.n); got.Cmp(want) != 0 {
			t.Errorf("MinerWeight(%d, %d, %d) = %v, want %v", tc.t, tc.T, tc.n, got, want)
		}
	}
	// t = T: 1 − 1/e3(1) = 1 − 3/8.
	if got := MinerWeight(100, 100, 0); got.Cmp(big.NewRat(5, 8)) != 0 {
		t.Errorf("weight at maturity %v, want 5/8", got)
	}
	if got := MinerWeight(0, 100, 0); got.Sign() != 0 {
		t.Errorf("weight of a fresh stake %v, want 0", got)
	}
	for _, n := range []int{-1, MaxSubmissionsPerHash} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("position %d: no panic", n)
				}
			}()
			MinerWeight(1, 1, n)
		}()
	}
}

// TestRewardShares: shares are floor(total × w / Σw); they never sum
// above total, and lose less than one ucell per share.
func TestRewardShares(t *testing.T) {
	var ws []*big.Rat
	for n := range MaxSubmissionsPerHash {
		ws = append(ws, MinerWeight(uint64(10*n+1), 100, n))
	}
	for _, total := range []uint64{0, 1, 7, 1_000_000, 1<<64 - 1} {
		shares := RewardShares(total, ws)
		var sum big.Int
		for _, s := range shares {
			sum.Add(&sum, new(big.Int).SetUint64(s))
		}
		lost := new(big.Int).Sub(new(big.Int).SetUint64(total), &sum)
		if lost.Sign() < 0 || lost.Cmp(big.NewInt(int64(len(ws)))) >= 0 {
			t.Errorf("total %d: shares %v sum to %v", total, shares, &sum)
		}
	}
	if s := RewardShares(100, []*big.Rat{new(big.Rat), new(big.Rat)}); s[0] != 0 || s[1] != 0 {
		t.Errorf("zero weights: %v", s)
	}
}

// TestEligibilityHash pins the hashed bytes: miner (20) ‖ uint256 entry
// index ‖ root.
func TestEligibilityHash(t *testing.T) {
	miner := address.Address{0: 0xaa, 19: 0xbb}
	root := make([]byte, 32)
	root[31] = 1
	in := append(append(miner.Bytes(), make([]byte, 31)...), 5)
	in = append(in, root...)
	want := patricia.Keccak256(in)
	if got := EligibilityHash(miner, 5, root); got != want {
		t.Errorf("hash %x, want %x", got, want)
	}
}

// TestProvenReputation proves a leaf of a state built with the library
// against a root written as accepted.
func TestProvenReputation(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	colony, user := NetworkColony(), address.Address{19: 9}
	s := colonyrep.NewState()
	key := colonyrep.Key{Colony: colonyrep.Address(colony), Skill: 3, User: colonyrep.Address(user)}
	if _, err := s.Set(colonyrep.Key{Colony: colonyrep.Address(colony), Skill: 3}, big.NewInt(7)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(key, big.NewInt(1234)); err != nil {
		t.Fatal(err)
	}
	leaf, p, _ := s.Prove(key)
	v, _ := colonyrep.LeafValue(leaf.Reputation, leaf.UID)
	proof := &ledgerpb.ReputationProof{Colony: colony.Bytes(), Skill: 3, User: user.Bytes(), Value: v[:], BranchMask: p.BranchMask[:]}
	for _, sib := range p.Siblings {
		proof.Siblings = append(proof.Siblings, sib[:])
	}
	if _, err := k.ProvenReputation(st, "op", "proof", proof, colony, user, 3); err == nil {
		t.Fatal("a proof before any root")
	}
	root := s.Root()
	st.Set(RootKey(), codec.Marshal(&ledgerpb.ReputationRoot{Root: root[:], NLeaves: 2}))
	got, err := k.ProvenReputation(st, "op", "proof", proof, colony, user, 3)
	if err != nil || got.Int64() != 1234 {
		t.Fatalf("ProvenReputation = %v, %v", got, err)
	}
	proof.Value[63]++ // another uid
	if _, err := k.ProvenReputation(st, "op", "proof", proof, colony, user, 3); err == nil {
		t.Fatal("a tampered proof verified")
	}
	if got := hex.EncodeToString(EncodeReputation(big.NewInt(258))); got != "0000000000000000000000000000000000000000000000000000000000000102" {
		t.Errorf("EncodeReputation = %s", got)
	}
}

package proofapi

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// testUser returns a deterministic user address.
func testUser(i int) address.Address {
	h := sha256.Sum256(fmt.Appendf(nil, "user-%d", i))
	a, _ := address.FromBytes(h[:address.Size])
	return a
}

// skillPaths names the skills of the test state.
var skillPaths = map[uint64]string{1: "compute", 2: "lab", 3: "compute/genomics", 4: "compute/genomics/digest", 5: "compute/genomics/digest/fast"}

// testState returns a state where user 1 has reputation in skills 1, 2, 3
// and 5 and user 2 in skills 1 and 3 of the network colony, and its root
// as the chain would accept it.
func testState(t testing.TB) (*reputation.State, Root) {
	t.Helper()
	s := reputation.NewState()
	for _, l := range []struct {
		user   int
		skill  uint64
		amount int64
	}{{1, 3, 100}, {2, 3, 100}, {1, 2, 700}, {1, 1, 1000}, {2, 1, 5}, {1, 5, 70}} {
		if _, err := s.Set(userKey(testUser(l.user), l.skill), big.NewInt(l.amount)); err != nil {
			t.Fatal(err)
		}
	}
	return s, Root{Cycle: 2, Root: s.Root(), NLeaves: s.NLeaves(), JRH: patricia.Hash{1, 2, 3}, Height: 40}
}

// respond answers GET /v1/reputation/{user} from s, as a miner does.
func respond(t testing.TB, s *reputation.State, cycle uint64, user address.Address) *ReputationResponse {
	t.Helper()
	colony := networkColony()
	root := s.Root()
	resp := &ReputationResponse{Cycle: cycle, Root: hex0x(root[:]), Colony: hex0x(colony[:]), User: user.String(), Leaves: []LeafProof{}}
	for skill := uint64(1); skill <= 5; skill++ {
		leaf, proof, ok := s.Prove(userKey(user, skill))
		if !ok {
			continue
		}
		v, err := reputation.LeafValue(leaf.Reputation, leaf.UID)
		if err != nil {
			t.Fatal(err)
		}
		lp := LeafProof{Skill: skill, Path: skillPaths[skill], UID: leaf.UID, Amount: leaf.Reputation.String(), Value: hex0x(v[:]), BranchMask: hex0x(proof.BranchMask[:])}
		for _, h := range proof.Siblings {
			lp.Siblings = append(lp.Siblings, hex0x(h[:]))
		}
		resp.Leaves = append(resp.Leaves, lp)
	}
	return resp
}

func TestVerifyReputation(t *testing.T) {
	s, acc := testState(t)
	user := testUser(1)
	resp := respond(t, s, acc.Cycle, user)
	if len(resp.Leaves) != 4 {
		t.Fatalf("%d leaves, want 4", len(resp.Leaves))
	}
	leaves, err := VerifyReputation(resp, acc, user)
	if err != nil {
		t.Fatal(err)
	}
	if len(leaves) != 4 {
		t.Fatalf("%d verified leaves, want 4", len(leaves))
	}
	for i, l := range leaves {
		want, _ := s.Get(userKey(user, l.Skill))
		if l.Skill != resp.Leaves[i].Skill || l.Reputation.Cmp(want.Reputation) != 0 || l.UID != want.UID || l.Path != skillPaths[l.Skill] {
			t.Errorf("leaf %d = %+v, state has %+v", i, l, want)
		}
	}
	// Colony and user may be left out.
	resp.Colony, resp.User = "", ""
	if _, err := VerifyReputation(resp, acc, user); err != nil {
		t.Errorf("without colony and user: %v", err)
	}
	// A user with nothing gets no leaves, which verifies.
	empty := respond(t, s, acc.Cycle, testUser(99))
	if got, err := VerifyReputation(empty, acc, testUser(99)); err != nil || len(got) != 0 {
		t.Errorf("empty answer: %v, %v", got, err)
	}
}

func TestVerifyReputationTampered(t *testing.T) {
	s, acc := testState(t)
	user := testUser(1)
	other := testUser(2)
	flip := func(s string) string { // flips the last hex digit
		b := []byte(s)
		if b[len(b)-1] == '0' {
			b[len(b)-1] = '1'
		} else {
			b[len(b)-1] = '0'
		}
		return string(b)
	}
	otherLeaves := respond(t, s, acc.Cycle, other).Leaves
	for _, tc := range []struct {
		name   string
		mutate func(*ReputationResponse, *Root)
		proof  bool // the error wraps ErrProof
	}{
		{"amount", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Amount = "1" }, true},
		{"amount and value", func(p *ReputationResponse, _ *Root) {
			p.Leaves[0].Value = p.Leaves[0].Value[:2+32*2-1] + "1" + p.Leaves[0].Value[2+32*2:]
			p.Leaves[0].Amount = "1"
		}, true},
		{"uid", func(p *ReputationResponse, _ *Root) { p.Leaves[0].UID++ }, true},
		{"skill", func(p *ReputationResponse, _ *Root) { p.Leaves[1].Skill = 4 }, true},
		{"sibling", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Siblings[0] = flip(p.Leaves[0].Siblings[0]) }, true},
		{"missing sibling", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Siblings = p.Leaves[0].Siblings[1:] }, true},
		{"branch mask", func(p *ReputationResponse, _ *Root) { p.Leaves[0].BranchMask = flip(p.Leaves[0].BranchMask) }, true},
		{"other user's leaf", func(p *ReputationResponse, _ *Root) { p.Leaves[0] = otherLeaves[0] }, true},
		{"duplicate", func(p *ReputationResponse, _ *Root) { p.Leaves[1] = p.Leaves[0] }, true},
		{"root", func(p *ReputationResponse, _ *Root) { p.Root = flip(p.Root) }, true},
		{"accepted root", func(_ *ReputationResponse, a *Root) { a.Root[0] ^= 1 }, true},
		{"cycle", func(p *ReputationResponse, _ *Root) { p.Cycle-- }, true},
		{"user", func(p *ReputationResponse, _ *Root) { p.User = other.String() }, true},
		{"colony", func(p *ReputationResponse, _ *Root) { p.Colony = "0x" + strings.Repeat("ab", 20) }, true},
		{"value not hex", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Value = "0xzz" }, false},
		{"short value", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Value = p.Leaves[0].Value[:100] }, false},
		{"amount not a number", func(p *ReputationResponse, _ *Root) { p.Leaves[0].Amount = "ten" }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := respond(t, s, acc.Cycle, user)
			a := acc
			tc.mutate(resp, &a)
			_, err := VerifyReputation(resp, a, user)
			if err == nil {
				t.Fatal("tampered answer verified")
			}
			if tc.proof != errors.Is(err, ErrProof) {
				t.Errorf("err = %v; wraps ErrProof: %v, want %v", err, errors.Is(err, ErrProof), tc.proof)
			}
		})
	}
}

func TestLeafProofProto(t *testing.T) {
	s, _ := testState(t)
	user := testUser(1)
	colony := networkColony()
	for _, lp := range respond(t, s, 2, user).Leaves {
		p, err := lp.Proto(user)
		if err != nil {
			t.Fatal(err)
		}
		if p.Skill != lp.Skill || !bytes.Equal(p.User, user[:]) || !bytes.Equal(p.Colony, colony[:]) || len(p.Value) != 64 ||
			len(p.BranchMask) != 32 || len(p.Siblings) != len(lp.Siblings) || hex0x(p.Value) != lp.Value {
			t.Errorf("Proto of skill %d = %v", lp.Skill, p)
		}
	}
	if _, err := (LeafProof{Value: "0x12"}).Proto(user); err == nil {
		t.Error("Proto of a short value accepted")
	}
}

func TestRootFromProto(t *testing.T) {
	_, acc := testState(t)
	pr, err := RootFromProto(&ledgerpb.ReputationRoot{Cycle: acc.Cycle, Root: acc.Root[:], NLeaves: acc.NLeaves, Jrh: acc.JRH[:], AcceptedHeight: 40})
	if err != nil || pr != acc {
		t.Errorf("RootFromProto = %+v, %v; want %+v", pr, err, acc)
	}
	if _, err := RootFromProto(&ledgerpb.ReputationRoot{Root: make([]byte, 31), Jrh: make([]byte, 32)}); err == nil {
		t.Error("31-byte root accepted")
	}
	info := acc.Info()
	want := RootInfo{Cycle: acc.Cycle, Root: hex0x(acc.Root[:]), NLeaves: acc.NLeaves, JRH: hex0x(acc.JRH[:]), AcceptedHeight: 40}
	if *info != want {
		t.Errorf("Info = %+v, want %+v", *info, want)
	}
}

func TestParseAddress(t *testing.T) {
	u := testUser(1)
	for _, s := range []string{u.String(), hex0x(u[:]), "0X" + strings.ToUpper(hex0x(u[:])[2:])} {
		got, err := ParseAddress(s)
		if err != nil || got != u {
			t.Errorf("ParseAddress(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "0x12", "cell1xyz", hex0x(u[:]) + "00", "0x" + strings.Repeat("g", 40)} {
		if _, err := ParseAddress(s); err == nil {
			t.Errorf("ParseAddress(%q) accepted", s)
		}
	}
}

package miner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// acceptedCycle replays fillCycles and returns the last cycle and its
// root as the chain would accept it.
func acceptedCycle(t *testing.T) (*Replayer, *Cycle, Root) {
	t.Helper()
	f := newFakeChain(t)
	fillCycles(t, f)
	r := NewReplayer(f)
	if _, err := r.Sync(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	c, _ := r.Latest()
	return r, c, Root{Cycle: c.Cycle, Root: c.Root, NLeaves: c.NLeaves, JRH: c.JRH, Height: 40}
}

func TestReputationResponseRoundTrip(t *testing.T) {
	r, c, acc := acceptedCycle(t)
	user := testUser(1)
	resp := NewReputationResponse(c, user, r.Skills())
	if len(resp.Leaves) != 4 { // skills 1, 2, 3 and 5
		t.Fatalf("%d leaves, want 4: %+v", len(resp.Leaves), resp.Leaves)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	var back ReputationResponse
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	leaves, err := VerifyReputation(&back, acc, user)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range leaves {
		want, _ := c.State.Get(userKey(user, l.Skill))
		if l.Reputation.Cmp(want.Reputation) != 0 || l.UID != want.UID || l.Path != resp.Leaves[i].Path {
			t.Errorf("leaf %d = %+v, state has %+v", i, l, want)
		}
	}
	// The ledger's form of each proof.
	for _, lp := range resp.Leaves {
		p, err := lp.Proto(user)
		if err != nil {
			t.Fatal(err)
		}
		colony := NetworkColony()
		if p.Skill != lp.Skill || !bytes.Equal(p.User, user[:]) || !bytes.Equal(p.Colony, colony[:]) || len(p.Value) != 64 ||
			len(p.BranchMask) != 32 || len(p.Siblings) != len(lp.Siblings) || hex0x(p.Value) != lp.Value {
			t.Errorf("Proto of skill %d = %v", lp.Skill, p)
		}
	}
	if _, err := (LeafProof{Value: "0x12"}).Proto(user); err == nil {
		t.Error("Proto of a short value accepted")
	}
	// A user with nothing gets no leaves, which verifies.
	empty := NewReputationResponse(c, testUser(99), r.Skills())
	if got, err := VerifyReputation(empty, acc, testUser(99)); err != nil || len(got) != 0 {
		t.Errorf("empty answer: %v, %v", got, err)
	}
	// Root from the ledger's message.
	pr, err := RootFromProto(&ledgerpb.ReputationRoot{Cycle: acc.Cycle, Root: acc.Root[:], NLeaves: acc.NLeaves, Jrh: acc.JRH[:], AcceptedHeight: 40})
	if err != nil || pr != acc {
		t.Errorf("RootFromProto = %+v, %v; want %+v", pr, err, acc)
	}
	if _, err := RootFromProto(&ledgerpb.ReputationRoot{Root: make([]byte, 31), Jrh: make([]byte, 32)}); err == nil {
		t.Error("31-byte root accepted")
	}
}

func TestVerifyReputationTampered(t *testing.T) {
	r, c, acc := acceptedCycle(t)
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
	otherLeaves := NewReputationResponse(c, other, r.Skills()).Leaves
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
			resp := NewReputationResponse(c, user, r.Skills())
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

package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

func TestDomainVoteArgs(t *testing.T) {
	salt := strings.Repeat("ab", 32)
	id, vote, s, err := domainVoteArgs([]string{"7", "buyer-won", salt})
	if err != nil || id != 7 || vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON || len(s) != 32 {
		t.Fatalf("domainVoteArgs: %d %v %x %v", id, vote, s, err)
	}
	if _, vote, _, err := domainVoteArgs([]string{"7", "provider-won", salt}); err != nil || vote != ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON {
		t.Fatalf("provider-won: %v %v", vote, err)
	}
	for _, bad := range [][]string{{"0", "buyer-won", salt}, {"7", "undecided", salt}, {"7", "buyer-won", "ab"}} {
		if _, _, _, err := domainVoteArgs(bad); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestReadProofFile(t *testing.T) {
	p := &ledgerpb.ReputationProof{Colony: bytes.Repeat([]byte{1}, 20), Skill: 2, User: bytes.Repeat([]byte{3}, 20),
		Value: bytes.Repeat([]byte{4}, 64), BranchMask: bytes.Repeat([]byte{5}, 32), Siblings: [][]byte{bytes.Repeat([]byte{6}, 32)}}
	b, err := protojson.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "proof.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := readProofFile(file)
	if err != nil || got.Skill != 2 || !bytes.Equal(got.Value, p.Value) || len(got.Siblings) != 1 {
		t.Fatalf("readProofFile: %v %v", got, err)
	}
	if err := os.WriteFile(file, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readProofFile(file); err == nil {
		t.Fatal("a malformed proof file accepted")
	}
}

// TestDomainVoteNeedsProof: without --proof-from or --proof-file the
// command refuses before it signs anything.
func TestDomainVoteNeedsProof(t *testing.T) {
	salt := strings.Repeat("ab", 32)
	for _, sub := range []string{"domain-vote-commit", "domain-vote-reveal"} {
		if _, errOut, code := cell(t, "tx", "market", sub, "3", "buyer-won", salt); code != 2 || !strings.Contains(errOut, "--proof-from") {
			t.Errorf("%s: code %d, %q", sub, code, errOut)
		}
	}
}

// TestRootOrVerdictArgs: verifier-commit and verifier-reveal take an
// output root (compute dispute) or a verdict name (protocol dispute).
func TestRootOrVerdictArgs(t *testing.T) {
	salt, root := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	id, r, v, s, err := rootAndSaltArgs([]string{"7", root, salt})
	if err != nil || id != 7 || len(r) != 32 || v != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED || len(s) != 32 {
		t.Fatalf("root: %d %x %v %x %v", id, r, v, s, err)
	}
	for name, want := range map[string]ledgerpb.ProtocolVerdict{"conforms": ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS,
		"violates": ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES, "undecidable": ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE} {
		if _, r, v, _, err := rootAndSaltArgs([]string{"7", name, salt}); err != nil || r != nil || v != want {
			t.Errorf("%s: %x %v %v", name, r, v, err)
		}
	}
	if _, _, _, _, err := rootAndSaltArgs([]string{"7", "violated", salt}); err == nil || !strings.Contains(err.Error(), "or a verdict") {
		t.Errorf("a misspelt verdict: %v", err)
	}
}

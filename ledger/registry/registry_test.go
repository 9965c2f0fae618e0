package registry

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// skillSet is a skill tree of listed paths.
type skillSet []string

func (s skillSet) SkillExists(_ store.KVStore, path string) bool {
	for _, p := range s {
		if p == path {
			return true
		}
	}
	return false
}

func signedPackage(t *testing.T, skill string) (address.Address, *ledgerpb.MsgRegisterPackage) {
	t.Helper()
	seed := sha256.Sum256([]byte("author"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	author, _ := address.FromPubKey(pub)
	id := sha256.Sum256([]byte("spec"))
	raw, err := proto.Marshal(&specpb.Envelope{PackageId: id[:], Name: "digest", Version: "1.0.0",
		Kind: specpb.Kind_KIND_PROTOCOL, Skill: skill, Author: author.Bytes()})
	if err != nil {
		t.Fatal(err)
	}
	return author, &ledgerpb.MsgRegisterPackage{Envelope: raw, AuthorPublicKey: pub, AuthorSignature: ed25519.Sign(priv, raw), SpecSize: 10,
		BlobLocations: []string{"https://blobs.example.org/digest"}}
}

// TestRegisterPackageNeedsALocation: a package names at least one URL of
// its bytes, so that a node can fetch it (ErrNoLocation).
func TestRegisterPackageNeedsALocation(t *testing.T) {
	_, m := signedPackage(t, "lab/pcr")
	m.BlobLocations = nil
	if err := ValidateRegisterPackage(m); !errors.Is(err, ErrNoLocation) {
		t.Fatalf("no location: %v", err)
	}
}

// TestRegisterPackageNeedsSkill: a package names a skill of the skill
// tree the registry is given.
func TestRegisterPackageNeedsSkill(t *testing.T) {
	k := New(skillSet{"lab/pcr"})
	st := store.NewMemStore()
	author, m := signedPackage(t, "lab/elisa")
	if err := k.RegisterPackage(st, &event.Log{}, params.Default(), 1, author, m); !errors.Is(err, ErrUnknownSkill) || st.Len() != 0 {
		t.Fatalf("unknown skill: %v, %d keys written", err, st.Len())
	}
	author, m = signedPackage(t, "lab/pcr")
	if err := k.RegisterPackage(st, &event.Log{}, params.Default(), 1, author, m); err != nil {
		t.Fatal(err)
	}
	if p := k.Package(st, k.PackagesByName(st, "digest")[0].PackageId); p.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL || p.Skill != "lab/pcr" {
		t.Fatalf("package %v", p)
	}
}

func TestExpired(t *testing.T) {
	p := &ledgerpb.Params{NodeTtlBlocks: 100}
	n := &ledgerpb.Node{LastAnnouncedHeight: 50}
	for h, want := range map[int64]bool{50: false, 149: false, 150: false, 151: true} {
		if got := Expired(n, p, h); got != want {
			t.Errorf("Expired at %d = %v, want %v", h, got, want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://node.example.org":        true,
		"http://10.0.0.1:8080/jobs?x=1#f": true,
		"https://[::1]:8443":              true,
		"HTTPS://node.example.org":        false,
		"https://":                        false,
		"https://?q":                      false,
		"http://user@host":                false,
		"https://h\x7f":                   false,
		"https://héllo":                   false,
		"javascript:alert(1)":             false,
	} {
		if got := checkURL(s) == ""; got != ok {
			t.Errorf("checkURL(%q) ok = %v, want %v", s, got, ok)
		}
	}
}

// TestCheckInvariantsCatchesBrokenIndexes: each index the handlers keep
// is checked against its records.
func TestCheckInvariantsCatchesBrokenIndexes(t *testing.T) {
	k := New(allSkills{})
	build := func(t *testing.T) (*store.MemStore, address.Address, []byte) {
		st := store.NewMemStore()
		author, m := signedPackage(t, "lab/pcr")
		ev := &event.Log{}
		nodePriv := ed25519.NewKeyFromSeed(make([]byte, 32))
		node := []byte(nodePriv.Public().(ed25519.PublicKey))
		env := &specpb.Envelope{}
		if err := proto.Unmarshal(m.Envelope, env); err != nil {
			t.Fatal(err)
		}
		p := params.Default()
		for _, err := range []error{
			k.RegisterPackage(st, ev, p, 3, author, m),
			k.SetProfile(st, ev, 3, author, &ledgerpb.MsgSetProfile{Name: "a", Roles: []ledgerpb.Role{ledgerpb.Role_ROLE_VENDOR}}),
			k.AnnounceNode(st, ev, "c", 3, author, &ledgerpb.MsgAnnounceNode{NodePubkey: node, Endpoint: "https://n", Architectures: []string{"wasm32-wasip1"},
				BotspecHashes: [][]byte{bytes.Repeat([]byte{7}, 32)}, Capacity: 1, NodeSignature: SignNodeKeyProof(nodePriv, "c", author)}),
			k.SetOffering(st, ev, p, 3, author, &ledgerpb.MsgSetOffering{PackageId: env.PackageId, Price: p.MinPrice, LeadTimeBlocks: 1, NodeKey: node, Stake: p.MinBidStake,
				BotspecId: bytes.Repeat([]byte{7}, 32)}),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := k.CheckInvariants(st); err != nil {
			t.Fatal(err)
		}
		return st, author, env.PackageId
	}
	for _, tc := range []struct {
		name    string
		corrupt func(st *store.MemStore, author address.Address, id []byte)
	}{
		{"operator index", func(st *store.MemStore, a address.Address, _ []byte) {
			st.Delete(OperatorNodeKey(a, ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)))
		}},
		{"node history", func(st *store.MemStore, a address.Address, _ []byte) {
			st.Delete(NodeHistoryKey(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey), a))
		}},
		{"stray operator index", func(st *store.MemStore, a address.Address, _ []byte) { st.Set(OperatorNodeKey(a, bytes32(1)), marker) }},
		{"name index", func(st *store.MemStore, _ address.Address, id []byte) { st.Delete(PackageNameKey("digest", 3, id)) }},
		{"name author", func(st *store.MemStore, _ address.Address, _ []byte) {
			st.Set(NameAuthorKey("digest"), make([]byte, 20))
		}},
		{"package offering index", func(st *store.MemStore, a address.Address, id []byte) { st.Delete(PackageOfferingKey(id, a)) }},
		{"offering of a missing package", func(st *store.MemStore, _ address.Address, id []byte) { st.Delete(PackageKey(id)) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, author, id := build(t)
			tc.corrupt(st, author, id)
			if err := k.CheckInvariants(st); err == nil {
				t.Fatal("broken state passes")
			}
		})
	}
}

func bytes32(b byte) []byte {
	out := make([]byte, 32)
	out[0] = b
	return out
}

// allSkills is a Skills in which every path exists.
type allSkills struct{}

func (allSkills) SkillExists(store.KVStore, string) bool { return true }

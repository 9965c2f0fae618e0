package reputation

import (
	"bytes"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/store"
	"google.golang.org/protobuf/proto"
)

// The registry checks packages' skills against this module.
var _ registry.Skills = Keeper{}

// FuzzAmount: every 16 bytes decode to an amount in range that encodes
// back to the same bytes.
func FuzzAmount(f *testing.F) {
	f.Add(make([]byte, AmountBytes))
	f.Add(bytes.Repeat([]byte{0xff}, AmountBytes))
	f.Add(append([]byte{0x80}, make([]byte, AmountBytes-1)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAmount(b)
		if len(b) != AmountBytes {
			if err == nil {
				t.Fatalf("%d bytes decoded", len(b))
			}
			return
		}
		if err != nil || a.Cmp(MinAmount()) < 0 || a.Cmp(MaxAmount()) > 0 {
			t.Fatalf("DecodeAmount(%x) = %v, %v", b, a, err)
		}
		if got := EncodeAmount(a); !bytes.Equal(got, b) {
			t.Fatalf("EncodeAmount(DecodeAmount(%x)) = %x", b, got)
		}
	})
}

// FuzzCreateSkill: any MsgCreateSkill bytes either fail to decode, are
// refused with a code and no state change, or create a skill whose path
// passes CheckSkillPath.
func FuzzCreateSkill(f *testing.F) {
	f.Add(codec.Marshal(&ledgerpb.MsgCreateSkill{ParentPath: "compute", Name: "genomics"}))
	f.Add(codec.Marshal(&ledgerpb.MsgCreateSkill{ParentPath: "compute", Name: "a/b"}))
	f.Add(codec.Marshal(&ledgerpb.MsgCreateSkill{Name: "x"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		m := &ledgerpb.MsgCreateSkill{}
		if proto.Unmarshal(b, m) != nil {
			return
		}
		st := store.NewMemStore()
		k := New()
		if err := k.InitGenesis(st, DefaultGenesisSkills()); err != nil {
			t.Fatal(err)
		}
		before := store.Digest(st)
		var ev event.Log
		id, err := k.HandleCreateSkill(st, &ev, address.Address{1}, m)
		if err != nil {
			if store.Digest(st) != before {
				t.Fatalf("refused %v changed the state", m)
			}
			return
		}
		s := k.Skill(st, id)
		if s == nil || CheckSkillPath(s.Path) != nil || s.Path != m.ParentPath+"/"+m.Name {
			t.Fatalf("created %v from %v", s, m)
		}
	})
}

// FuzzEntryRecord: a decoded record re-encodes to the same record.
func FuzzEntryRecord(f *testing.F) {
	f.Add(codec.Marshal(Entry{User: address.Address{1}, Amount: MinAmount(), Skill: 3, Colony: NetworkColony(), NUpdates: 4, NPreviousUpdates: 8}.Record()))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &ledgerpb.ReputationLogEntry{}
		if proto.Unmarshal(b, r) != nil {
			return
		}
		e, err := EntryFromRecord(r)
		if err != nil {
			return
		}
		r.ProtoReflect().SetUnknown(nil) // fields unknown to this version are not part of an entry
		if !proto.Equal(e.Record(), r) {
			t.Fatalf("round trip of %v gave %v", r, e.Record())
		}
	})
}

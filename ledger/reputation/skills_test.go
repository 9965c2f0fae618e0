package reputation

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/codes"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec"
)

// mustCreate creates each path in order (its parent already created) and
// fails the test on any error.
func mustCreate(t *testing.T, st store.KVStore, paths ...string) {
	t.Helper()
	var ev event.Log
	k := New()
	for _, p := range paths {
		parent, name := parentPath(p)
		if _, err := k.CreateSkill(st, &ev, parent, name); err != nil {
			t.Fatalf("create %q: %v", p, err)
		}
	}
}

type skillWant struct {
	path      string
	parent    uint64
	ancestors []uint64
	children  []uint64
}

func checkSkills(t *testing.T, st store.KVStore, want map[uint64]skillWant) {
	t.Helper()
	k := New()
	if got := k.SkillCount(st); got != uint64(len(want)) {
		t.Errorf("SkillCount = %d, want %d", got, len(want))
	}
	for id := uint64(1); id <= uint64(len(want)); id++ {
		w := want[id]
		s := k.Skill(st, id)
		if s == nil {
			t.Errorf("skill %d missing", id)
			continue
		}
		if s.Id != id || s.Path != w.path || s.Parent != w.parent || s.NParents != uint64(len(w.ancestors)) ||
			!slices.Equal(s.Ancestors, w.ancestors) || s.NChildren != uint64(len(w.children)) {
			t.Errorf("skill %d = %v, want path %q parent %d ancestors %v nChildren %d", id, s, w.path, w.parent, w.ancestors, len(w.children))
		}
		if got := k.Children(st, id); !slices.Equal(got, w.children) {
			t.Errorf("children of %d (%s) = %v, want %v", id, w.path, got, w.children)
		}
		if got, ok := k.SkillID(st, w.path); !ok || got != id {
			t.Errorf("SkillID(%q) = %d, %v; want %d", w.path, got, ok, id)
		}
		if !k.SkillExists(st, w.path) {
			t.Errorf("SkillExists(%q) = false", w.path)
		}
	}
}

// TestSkillTree: ids in creation order, ancestors nearest first, children
// = every descendant in creation order (reputation.md: "Skills and
// domains"), whatever the order in which branches grow.
func TestSkillTree(t *testing.T) {
	for _, tc := range []struct {
		name  string
		paths []string
		want  map[uint64]skillWant
	}{
		{
			name:  "reputation.md tree 1 → 5 → 6",
			paths: []string{"a", "b", "c", "d", "a/e", "a/e/f"},
			want: map[uint64]skillWant{
				1: {"a", 0, nil, []uint64{5, 6}},
				2: {"b", 0, nil, nil},
				3: {"c", 0, nil, nil},
				4: {"d", 0, nil, nil},
				5: {"a/e", 1, []uint64{1}, []uint64{6}},
				6: {"a/e/f", 5, []uint64{5, 1}, nil},
			},
		},
		{
			name:  "interleaved branches",
			paths: []string{"a", "b", "a/x", "b/y", "a/x/z", "a/w", "b/y/v", "a/x/z/q"},
			want: map[uint64]skillWant{
				1: {"a", 0, nil, []uint64{3, 5, 6, 8}},
				2: {"b", 0, nil, []uint64{4, 7}},
				3: {"a/x", 1, []uint64{1}, []uint64{5, 8}},
				4: {"b/y", 2, []uint64{2}, []uint64{7}},
				5: {"a/x/z", 3, []uint64{3, 1}, []uint64{8}},
				6: {"a/w", 1, []uint64{1}, nil},
				7: {"b/y/v", 4, []uint64{4, 2}, nil},
				8: {"a/x/z/q", 5, []uint64{5, 3, 1}, nil},
			},
		},
		{
			name:  "same name under different parents",
			paths: []string{"a", "b", "a/x", "b/x", "a/x/x"},
			want: map[uint64]skillWant{
				1: {"a", 0, nil, []uint64{3, 5}},
				2: {"b", 0, nil, []uint64{4}},
				3: {"a/x", 1, []uint64{1}, []uint64{5}},
				4: {"b/x", 2, []uint64{2}, nil},
				5: {"a/x/x", 3, []uint64{3, 1}, nil},
			},
		},
		{
			name:  "deep chain first, then siblings",
			paths: []string{"r", "r/a", "r/a/b", "r/a/b/c", "r/d", "r/a/e"},
			want: map[uint64]skillWant{
				1: {"r", 0, nil, []uint64{2, 3, 4, 5, 6}},
				2: {"r/a", 1, []uint64{1}, []uint64{3, 4, 6}},
				3: {"r/a/b", 2, []uint64{2, 1}, []uint64{4}},
				4: {"r/a/b/c", 3, []uint64{3, 2, 1}, nil},
				5: {"r/d", 1, []uint64{1}, nil},
				6: {"r/a/e", 2, []uint64{2, 1}, nil},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := store.NewMemStore()
			mustCreate(t, st, tc.paths...)
			checkSkills(t, st, tc.want)
		})
	}
}

// TestAddSkillByID: Colony's addSkill(parentSkillId), 0 meaning a root.
func TestAddSkillByID(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	var ev event.Log
	steps := []struct {
		parent uint64
		name   string
		want   uint64
	}{{0, "root", 1}, {1, "kid", 2}, {2, "grandkid", 3}, {0, "other", 4}, {1, "kid2", 5}}
	for _, s := range steps {
		id, err := k.AddSkill(st, &ev, s.parent, s.name)
		if err != nil || id != s.want {
			t.Fatalf("AddSkill(%d, %q) = %d, %v; want %d", s.parent, s.name, id, err, s.want)
		}
	}
	checkSkills(t, st, map[uint64]skillWant{
		1: {"root", 0, nil, []uint64{2, 3, 5}},
		2: {"root/kid", 1, []uint64{1}, []uint64{3}},
		3: {"root/kid/grandkid", 2, []uint64{2, 1}, nil},
		4: {"other", 0, nil, nil},
		5: {"root/kid2", 1, []uint64{1}, nil},
	})
	if _, err := k.AddSkill(st, &ev, 6, "x"); !errors.Is(err, ErrUnknownSkill) {
		t.Errorf("AddSkill under 6: %v, want ErrUnknownSkill", err)
	}
	if k.Skill(st, 0) != nil {
		t.Error("skill 0 exists")
	}
	want := []event.Event{
		{Type: "create_skill", Attributes: []event.Attribute{{Key: "id", Value: "1"}, {Key: "parent", Value: "0"}, {Key: "path", Value: "root"}}},
		{Type: "create_skill", Attributes: []event.Attribute{{Key: "id", Value: "2"}, {Key: "parent", Value: "1"}, {Key: "path", Value: "root/kid"}}},
	}
	if got := ev.Events()[:2]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestCreateSkillRefused: every refusal has its code and leaves the state
// as it was.
func TestCreateSkillRefused(t *testing.T) {
	long := strings.Repeat("x", MaxSegmentBytes+1)
	deep := "d" + strings.Repeat("/d", MaxSkillDepth-1) // MaxSkillDepth segments
	for _, tc := range []struct {
		name         string
		parent, leaf string
		want         codes.Code
	}{
		{"duplicate root", "", "compute", ErrSkillExists},
		{"duplicate child", "compute", "genomics", ErrSkillExists},
		{"unknown parent", "nope", "x", ErrUnknownSkill},
		{"unknown nested parent", "compute/proteomics", "x", ErrUnknownSkill},
		{"empty name", "compute", "", ErrInvalidSkillName},
		{"two segments", "compute", "a/b", ErrInvalidSkillName},
		{"upper case", "compute", "Genomics", ErrInvalidSkillName},
		{"space", "compute", "gen omics", ErrInvalidSkillName},
		{"dot", "compute", "a.b", ErrInvalidSkillName},
		{"non-ascii", "compute", "é", ErrInvalidSkillName},
		{"segment too long", "compute", long, ErrInvalidSkillName},
		{"too deep", deep, "x", ErrInvalidSkillName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := store.NewMemStore()
			mustCreate(t, st, "compute", "compute/genomics")
			parts := strings.Split(deep, "/")
			for i := range parts {
				mustCreate(t, st, strings.Join(parts[:i+1], "/"))
			}
			before := store.Digest(st)
			var ev event.Log
			_, err := New().CreateSkill(st, &ev, tc.parent, tc.leaf)
			if c, _ := codes.Of(err); c != tc.want {
				t.Fatalf("CreateSkill(%q, %q) = %v, want code %v", tc.parent, tc.leaf, err, tc.want)
			}
			if store.Digest(st) != before || len(ev.Events()) != 0 {
				t.Error("a refused CreateSkill changed the state or emitted events")
			}
		})
	}
}

// TestCheckSkillPath agrees with spec.CheckSkill, the rule a package's
// skill follows, and adds the length bounds.
func TestCheckSkillPath(t *testing.T) {
	for _, p := range []string{"compute", "compute/genomics/digest", "a-b_c/0", "", "/a", "a/", "a//b", "A", "a b", "a.b", "ü",
		strings.Repeat("a", MaxSegmentBytes), strings.Repeat("a", MaxSegmentBytes+1),
		"a" + strings.Repeat("/a", MaxSkillDepth-1), "a" + strings.Repeat("/a", MaxSkillDepth),
		strings.Repeat(strings.Repeat("a", 63)+"/", 4) + "a", // 257 bytes
	} {
		err := CheckSkillPath(p)
		specOK := spec.CheckSkill(p) == nil
		boundsOK := len(p) <= MaxSkillPathBytes && strings.Count(p, "/") < MaxSkillDepth && !strings.Contains(p, strings.Repeat("a", MaxSegmentBytes+1))
		if (err == nil) != (specOK && boundsOK) {
			t.Errorf("CheckSkillPath(%q) = %v; spec.CheckSkill ok %v, within bounds %v", p, err, specOK, boundsOK)
		}
		if err != nil && !errors.Is(err, ErrInvalidSkillName) {
			t.Errorf("CheckSkillPath(%q) = %v, want ErrInvalidSkillName", p, err)
		}
	}
}

func TestHandleCreateSkill(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	if err := k.InitGenesis(st, DefaultGenesisSkills()); err != nil {
		t.Fatal(err)
	}
	var ev event.Log
	id, err := k.HandleCreateSkill(st, &ev, [20]byte{1}, &ledgerpb.MsgCreateSkill{ParentPath: "compute", Name: "genomics"})
	if err != nil || id != 5 {
		t.Fatalf("HandleCreateSkill = %d, %v; want 5", id, err)
	}
	for _, m := range []*ledgerpb.MsgCreateSkill{
		{ParentPath: "", Name: "newroot"},
		{ParentPath: "compute", Name: ""},
		{ParentPath: "compute", Name: "a/b"},
		{ParentPath: "Compute", Name: "x"},
	} {
		if err := ValidateCreateSkill(m); !errors.Is(err, ErrInvalidSkillName) {
			t.Errorf("ValidateCreateSkill(%v) = %v, want ErrInvalidSkillName", m, err)
		}
		if _, err := k.HandleCreateSkill(st, &ev, [20]byte{1}, m); !errors.Is(err, ErrInvalidSkillName) {
			t.Errorf("HandleCreateSkill(%v) = %v, want ErrInvalidSkillName", m, err)
		}
	}
	if _, err := k.HandleCreateSkill(st, &ev, [20]byte{1}, &ledgerpb.MsgCreateSkill{ParentPath: "compute/x", Name: "y"}); !errors.Is(err, ErrUnknownSkill) {
		t.Errorf("unknown parent: %v", err)
	}
	if _, err := k.HandleCreateSkill(st, &ev, [20]byte{1}, &ledgerpb.MsgCreateSkill{ParentPath: "compute", Name: "genomics"}); !errors.Is(err, ErrSkillExists) {
		t.Errorf("duplicate: %v", err)
	}
}

func TestGenesis(t *testing.T) {
	st := store.NewMemStore()
	k := New()
	if err := k.InitGenesis(st, DefaultGenesisSkills()); err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{SkillCompute, SkillProtocol, SkillBuyer, SkillMining} {
		if id, ok := k.SkillID(st, p); !ok || id != uint64(i+1) {
			t.Errorf("SkillID(%q) = %d, %v; want %d", p, id, ok, i+1)
		}
	}
	if k.SkillExists(st, "compute/genomics") || k.SkillByPath(st, "nope") != nil {
		t.Error("a skill that was never created exists")
	}
	if got := len(k.Skills(st)); got != 4 {
		t.Errorf("%d skills, want 4", got)
	}
	for _, tc := range []struct {
		paths []string
		want  codes.Code
	}{
		{[]string{"a", "a"}, ErrSkillExists},
		{[]string{"a/b"}, ErrUnknownSkill},
		{[]string{"a/b/c", "a", "a/b"}, ErrUnknownSkill},
		{[]string{"a", "A"}, ErrInvalidSkillName},
		{[]string{""}, ErrInvalidSkillName},
	} {
		if err := ValidateGenesis(tc.paths); !errors.Is(err, tc.want) {
			t.Errorf("ValidateGenesis(%q) = %v, want %v", tc.paths, err, tc.want)
		}
	}
	if err := ValidateGenesis([]string{"a", "a/b", "c", "a/b/d"}); err != nil {
		t.Errorf("ValidateGenesis: %v", err)
	}
}

// TestSkillTreeAgainstNaive grows random forests and checks every skill
// against a naive model that derives ancestors and descendants from
// parent pointers alone.
func TestSkillTreeAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 20; round++ {
		st := store.NewMemStore()
		k := New()
		var ev event.Log
		parents := []uint64{0} // parents[id] = parent of id; index 0 unused
		for n := 0; n < 60; n++ {
			parent := uint64(0)
			if len(parents) > 1 && rng.IntN(4) != 0 {
				parent = uint64(1 + rng.IntN(len(parents)-1))
			}
			depth := 1
			for p := parent; p != 0; p = parents[p] {
				depth++
			}
			id, err := k.AddSkill(st, &ev, parent, fmt.Sprintf("s%d", n))
			if depth > MaxSkillDepth {
				if !errors.Is(err, ErrInvalidSkillName) {
					t.Fatalf("depth %d: %v", depth, err)
				}
				continue
			}
			if err != nil || id != uint64(len(parents)) {
				t.Fatalf("AddSkill: %d, %v; want id %d", id, err, len(parents))
			}
			parents = append(parents, parent)
		}
		for id := uint64(1); id < uint64(len(parents)); id++ {
			var anc []uint64
			for p := parents[id]; p != 0; p = parents[p] {
				anc = append(anc, p)
			}
			var desc []uint64
			for d := id + 1; d < uint64(len(parents)); d++ {
				for p := parents[d]; p != 0; p = parents[p] {
					if p == id {
						desc = append(desc, d)
						break
					}
				}
			}
			s := k.Skill(st, id)
			if !slices.Equal(s.Ancestors, anc) || s.NParents != uint64(len(anc)) || s.Parent != parents[id] {
				t.Fatalf("skill %d: ancestors %v nParents %d parent %d; naive %v, parent %d", id, s.Ancestors, s.NParents, s.Parent, anc, parents[id])
			}
			if got := k.Children(st, id); !slices.Equal(got, desc) || s.NChildren != uint64(len(desc)) {
				t.Fatalf("skill %d: children %v (n %d); naive %v", id, got, s.NChildren, desc)
			}
		}
	}
}

const networkColonyHex = "fc4ab27962749daaa7348bcd30a2acc15692f759"

func TestColonyAddresses(t *testing.T) {
	if NetworkColony() != ColonyAddress("network") || NetworkColony().IsZero() || ColonyAddress("a") == ColonyAddress("b") {
		t.Error("colony addresses")
	}
	// Pinned: sha256("colony/network")[:20].
	if c := NetworkColony(); hex.EncodeToString(c[:]) != networkColonyHex {
		t.Errorf("NetworkColony = %x, want %s", c[:], networkColonyHex)
	}
}

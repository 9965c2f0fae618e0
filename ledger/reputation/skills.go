package reputation

import (
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec"
)

// Bounds on skill names. They keep a skill record, and the number of
// updates a log entry expands into (2 × (nParents + 1) and more), small.
const (
	// MaxSegmentBytes bounds one segment of a path, in bytes.
	MaxSegmentBytes = 64
	// MaxSkillDepth bounds the number of segments of a path, so a skill
	// has at most MaxSkillDepth − 1 ancestors.
	MaxSkillDepth = 16
	// MaxSkillPathBytes bounds a whole path, in bytes.
	MaxSkillPathBytes = 256
)

// Paths of the root skills of the default genesis (DefaultGenesisSkills).
const (
	// SkillCompute is the root of the skills of compute packages.
	SkillCompute = "compute"
	// SkillProtocol is the root of the skills of lab protocol packages.
	SkillProtocol = "protocol"
	// SkillBuyer is the skill in which buyers earn reputation from the
	// providers' ratings (market.md: "Reputation from the market").
	SkillBuyer = "buyer"
	// SkillMining is the skill in which reputation miners are rewarded
	// (reputation.md: "Mining").
	SkillMining = "mining"
)

// DefaultGenesisSkills returns the skills a new network starts with, in
// creation order: compute (id 1), protocol (2), buyer (3), mining (4).
func DefaultGenesisSkills() []string {
	return []string{SkillCompute, SkillProtocol, SkillBuyer, SkillMining}
}

// NetworkColony returns the colony of the Celltonomy network itself:
// sha256("colony/network")[:20], as bank.ModuleAddress derives module
// accounts. No key has this address (a key's address is the hash of 32
// key bytes). Reputation keys use its raw 20 bytes, as Colony uses a
// colony's contract address.
func NetworkColony() address.Address { return ColonyAddress("network") }

// ColonyAddress returns the address of the colony name:
// sha256("colony/" ‖ name)[:20].
func ColonyAddress(name string) address.Address {
	h := sha256.Sum256([]byte("colony/" + name))
	return address.Address(h[:address.Size])
}

// Keeper is the reputation module. It holds no configuration and needs
// nothing from other modules; all state is in the store passed to each
// method.
type Keeper struct{}

// New returns the reputation module.
func New() Keeper { return Keeper{} }

// CheckSkillPath checks a skill path without state: spec.CheckSkill's
// rule (one or more "/"-separated segments of [a-z0-9_-]), at most
// MaxSegmentBytes per segment, MaxSkillDepth segments and
// MaxSkillPathBytes in all. It returns ErrInvalidSkillName.
func CheckSkillPath(path string) error {
	if p := pathProblem(path); p != "" {
		return ErrInvalidSkillName.Errorf("skill %s", p)
	}
	return nil
}

// pathProblem returns what is wrong with a skill path, or "".
func pathProblem(path string) string {
	if err := spec.CheckSkill(path); err != nil {
		return err.Error()
	}
	if len(path) > MaxSkillPathBytes {
		return fmt.Sprintf("%q: %d bytes: at most %d", path, len(path), MaxSkillPathBytes)
	}
	segs := strings.Split(path, "/")
	if len(segs) > MaxSkillDepth {
		return fmt.Sprintf("%q: %d segments: at most %d", path, len(segs), MaxSkillDepth)
	}
	for _, seg := range segs {
		if len(seg) > MaxSegmentBytes {
			return fmt.Sprintf("%q: a segment of %d bytes: at most %d", path, len(seg), MaxSegmentBytes)
		}
	}
	return ""
}

// parentPath splits a path into the path of its parent ("" for a root)
// and its last segment.
func parentPath(path string) (parent, name string) {
	i := strings.LastIndexByte(path, '/')
	if i < 0 {
		return "", path
	}
	return path[:i], path[i+1:]
}

// SkillCount returns the number of skills, which is the highest id.
func (k Keeper) SkillCount(st store.KVStore) uint64 { return mustUint64(st.Get(SkillCountKey())) }

// Skill returns the skill id, or nil if there is none (id 0 never is).
func (k Keeper) Skill(st store.KVStore, id uint64) *ledgerpb.Skill {
	b := st.Get(SkillKey(id))
	if b == nil {
		return nil
	}
	s := &ledgerpb.Skill{}
	codec.MustUnmarshal(b, s)
	return s
}

// SkillID returns the id of the skill path, and false if there is none.
func (k Keeper) SkillID(st store.KVStore, path string) (uint64, bool) {
	b := st.Get(NameKey(path))
	if b == nil {
		return 0, false
	}
	return mustUint64(b), true
}

// SkillExists reports whether the skill path exists. The registry calls it
// to check that a package names an existing skill.
func (k Keeper) SkillExists(st store.KVStore, path string) bool { return st.Has(NameKey(path)) }

// SkillByPath returns the skill path, or nil if there is none.
func (k Keeper) SkillByPath(st store.KVStore, path string) *ledgerpb.Skill {
	id, ok := k.SkillID(st, path)
	if !ok {
		return nil
	}
	return k.Skill(st, id)
}

// Skills returns every skill in id (creation) order.
func (k Keeper) Skills(st store.KVStore) []*ledgerpb.Skill {
	var out []*ledgerpb.Skill
	it := st.Iterator(SkillPrefix(), store.PrefixEnd(SkillPrefix()))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		s := &ledgerpb.Skill{}
		codec.MustUnmarshal(it.Value(), s)
		out = append(out, s)
	}
	return out
}

// Children returns the ids of every descendant of the skill id, at any
// depth, in creation order (Colony's children[]); nil for an unknown skill
// or a leaf.
func (k Keeper) Children(st store.KVStore, id uint64) []uint64 {
	p := ChildrenPrefix(id)
	var out []uint64
	it := st.Iterator(p, store.PrefixEnd(p))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		out = append(out, mustUint64(it.Value()))
	}
	return out
}

// AddSkill creates a skill named name under the skill parentID, or a root
// skill when parentID is 0, as Colony's addSkill(parentSkillId). The new
// skill gets the next id (the first is 1), its ancestors nearest first,
// and is appended to the descendants of every ancestor
// (reputation.md: "Skills and domains"). Errors: ErrUnknownSkill for an
// unknown parent; ErrInvalidSkillName when name is not one segment or the
// new path breaks CheckSkillPath; ErrSkillExists when the path exists.
func (k Keeper) AddSkill(st store.KVStore, ev *event.Log, parentID uint64, name string) (uint64, error) {
	var parent *ledgerpb.Skill
	if parentID != 0 {
		if parent = k.Skill(st, parentID); parent == nil {
			return 0, ErrUnknownSkill.Errorf("create_skill: parent %d: no such skill", parentID)
		}
	}
	return k.addSkill(st, ev, parent, name)
}

// CreateSkill is AddSkill with the parent named by its path; "" creates a
// root skill. Errors as AddSkill.
func (k Keeper) CreateSkill(st store.KVStore, ev *event.Log, parentPath, name string) (uint64, error) {
	var parent *ledgerpb.Skill
	if parentPath != "" {
		if parent = k.SkillByPath(st, parentPath); parent == nil {
			return 0, ErrUnknownSkill.Errorf("create_skill: parent %q: no such skill", parentPath)
		}
	}
	return k.addSkill(st, ev, parent, name)
}

func (k Keeper) addSkill(st store.KVStore, ev *event.Log, parent *ledgerpb.Skill, name string) (uint64, error) {
	if strings.Contains(name, "/") || name == "" {
		return 0, ErrInvalidSkillName.Errorf("create_skill: name %q: must be one non-empty segment", name)
	}
	path := name
	var ancestors []uint64
	var parentID uint64
	if parent != nil {
		path = parent.Path + "/" + name
		parentID = parent.Id
		ancestors = append([]uint64{parent.Id}, parent.Ancestors...)
	}
	if p := pathProblem(path); p != "" {
		return 0, ErrInvalidSkillName.Errorf("create_skill: skill %s", p)
	}
	if st.Has(NameKey(path)) {
		return 0, ErrSkillExists.Errorf("create_skill: skill %q exists already", path)
	}
	id := k.SkillCount(st) + 1
	for _, a := range ancestors {
		s := k.Skill(st, a)
		if s == nil {
			panic(fmt.Sprintf("reputation: corrupt state: ancestor %d of skill %q missing", a, path))
		}
		st.Set(ChildKey(a, s.NChildren), store.Uint64(id))
		s.NChildren++
		st.Set(SkillKey(a), codec.Marshal(s))
	}
	st.Set(SkillKey(id), codec.Marshal(&ledgerpb.Skill{
		Id:        id,
		Path:      path,
		Parent:    parentID,
		NParents:  uint64(len(ancestors)),
		Ancestors: ancestors,
	}))
	st.Set(NameKey(path), store.Uint64(id))
	st.Set(SkillCountKey(), store.Uint64(id))
	ev.Emit(EventCreateSkill{ID: id, Parent: parentID, Path: path})
	return id, nil
}

// ValidateCreateSkill checks a MsgCreateSkill without state: a non-empty
// parent_path (root skills come only from genesis) and a new path
// parent_path/name that passes CheckSkillPath, name being one segment.
// It returns ErrInvalidSkillName.
func ValidateCreateSkill(m *ledgerpb.MsgCreateSkill) error {
	if m.ParentPath == "" {
		return ErrInvalidSkillName.Errorf("create_skill: parent_path: must name an existing skill (root skills come from genesis)")
	}
	if m.Name == "" || strings.Contains(m.Name, "/") {
		return ErrInvalidSkillName.Errorf("create_skill: name %q: must be one non-empty segment", m.Name)
	}
	if p := pathProblem(m.ParentPath + "/" + m.Name); p != "" {
		return ErrInvalidSkillName.Errorf("create_skill: skill %s", p)
	}
	return nil
}

// HandleCreateSkill executes a MsgCreateSkill signed by signer:
// ValidateCreateSkill's rules, then CreateSkill's. Any account may create
// a skill under an existing one; the fee is what limits it. It returns
// the new skill's id.
func (k Keeper) HandleCreateSkill(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgCreateSkill) (uint64, error) {
	if err := ValidateCreateSkill(m); err != nil {
		return 0, err
	}
	return k.CreateSkill(st, ev, m.ParentPath, m.Name)
}

// ValidateGenesis checks the skills of a genesis without state: each path
// passes CheckSkillPath, appears once, and comes after its parent.
func ValidateGenesis(paths []string) error {
	return New().InitGenesis(store.NewMemStore(), paths)
}

// InitGenesis creates the skills paths in order, ids 1, 2, … in that
// order; each path's parent must be listed before it. Errors:
// CheckSkillPath's, ErrUnknownSkill for a parent not yet created,
// ErrSkillExists for a repeated path; each names the genesis index.
func (k Keeper) InitGenesis(st store.KVStore, paths []string) error {
	var ev event.Log // genesis emits no events
	for i, p := range paths {
		if err := CheckSkillPath(p); err != nil {
			return fmt.Errorf("genesis: skills[%d]: %w", i, err)
		}
		parent, name := parentPath(p)
		if _, err := k.CreateSkill(st, &ev, parent, name); err != nil {
			return fmt.Errorf("genesis: skills[%d]: %w", i, err)
		}
	}
	return nil
}

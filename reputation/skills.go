package reputation

import "fmt"

// Skill is one skill (or domain) of a SkillTree (reputation.md: "Skills
// and domains"; Colony's addSkill). Its slices belong to the tree and must
// not be modified.
type Skill struct {
	// ID is 1, 2, 3, … in creation order.
	ID uint64
	// Parent is the id of the parent skill, 0 for a root.
	Parent uint64
	// NParents is the number of ancestors, 0 for a root.
	NParents uint64
	// Ancestors are the ids of the ancestors, nearest first: parent,
	// grandparent, …, root. len(Ancestors) == NParents.
	Ancestors []uint64
	// Children are the ids of all descendants at any depth, in creation
	// order: creating a skill appends it to the Children of every ancestor.
	Children []uint64
}

// SkillTree is a forest of skills, ids assigned in creation order. The
// zero SkillTree is empty and ready to use.
type SkillTree struct {
	skills []Skill // skill id i at index i − 1
}

// Add creates a skill under parent (0 for a new root) and returns its id.
// It returns an error when parent is not a skill.
func (t *SkillTree) Add(parent uint64) (uint64, error) {
	id := uint64(len(t.skills)) + 1
	s := Skill{ID: id, Parent: parent}
	if parent != 0 {
		p, ok := t.skill(parent)
		if !ok {
			return 0, fmt.Errorf("reputation: add skill %d: parent %d is not a skill", id, parent)
		}
		s.Ancestors = append(append(make([]uint64, 0, len(p.Ancestors)+1), parent), p.Ancestors...)
		s.NParents = uint64(len(s.Ancestors))
	}
	t.skills = append(t.skills, s)
	for _, a := range s.Ancestors {
		t.skills[a-1].Children = append(t.skills[a-1].Children, id)
	}
	return id, nil
}

// Len returns the number of skills; the ids are 1 … Len().
func (t *SkillTree) Len() int { return len(t.skills) }

// Skill returns skill id and whether it exists.
func (t *SkillTree) Skill(id uint64) (Skill, bool) {
	s, ok := t.skill(id)
	if !ok {
		return Skill{}, false
	}
	return *s, true
}

func (t *SkillTree) skill(id uint64) (*Skill, bool) {
	if id == 0 || id > uint64(len(t.skills)) {
		return nil, false
	}
	return &t.skills[id-1], true
}

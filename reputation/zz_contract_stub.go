package reputation

// Temporary: the signatures of the challenge primitives, until they land.

import (
	"errors"
	"math/big"

	"github.com/celltonomy/celltonomy/reputation/patricia"
)

var errStub = errors.New("not yet")

type JustState struct {
	Root    patricia.Hash
	NLeaves uint64
}

func (s JustState) Value() patricia.Value { return JustificationValue(s.Root, s.NLeaves) }

type Search struct {
	Lo, Hi uint64
	Start  int
	Edge   [2]patricia.Hash
	Steps  int
}

func NewSearch(n uint64, jrh0, jrh1 patricia.Hash) Search {
	return Search{Lo: 0, Hi: n - 1, Edge: [2]patricia.Hash{jrh0, jrh1}}
}
func (s Search) Done() bool                                        { return s.Lo == s.Hi }
func (s Search) CheckChildren(side int, e0, e1 patricia.Hash) error { return errStub }
func (s Search) Descend(c [2][2]patricia.Hash) Search               { return s }
func (s Search) Disputed() uint64                                  { return s.Lo - 1 }

var ErrBadSearchStep = errors.New("bad search step")
var ErrBadWitness = errors.New("bad witness")
var ErrWrongKey = errors.New("wrong key")

func Expansion(nUpdates, nParents uint64, negative bool, r uint64) (colonyWide bool, kind StepKind, i uint64) {
	return
}

type Witness struct {
	Key      Key
	Present  bool
	Value    patricia.Value
	Adjacent patricia.Path
	Proof    patricia.Proof
}

func (w Witness) Check(root patricia.Hash) (*big.Int, uint64, error) { return nil, 0, errStub }
func VerifyDecay(before JustState, uid uint64, p Params, subject Witness) (JustState, error) {
	return JustState{}, errStub
}
func VerifyUpdate(before JustState, e Entry, u Update, subject, origin, child Witness) (JustState, error) {
	return JustState{}, errStub
}

func JustStateOf(v patricia.Value) JustState { return JustState{} }

func StateBefore(prev *State, skills *SkillTree, p Params, log Log, t uint64) (*State, error) {
	return nil, errStub
}
func WitnessesFor(before *State, decays uint64, log Log, skills *SkillTree, t uint64) (subject, origin, child Witness, err error) {
	return
}
func (s *State) Witness(k Key) Witness { return Witness{} }
func (j *Justification) Children(a, b uint64) (e0, e1 patricia.Hash, ok bool) {
	return
}
func LocateUpdate(decays uint64, log Log, t uint64) (decay bool, uid uint64, entry int, r uint64, err error) {
	return
}
func ReplayForged(prev *State, skills *SkillTree, p Params, log Log, at uint64) (*Result, error) {
	return nil, errStub
}

package reputation_test

import (
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/reputation"
)

// Example 2 of reputation.md: a loss in skill 5 reaches its parent 1 and,
// in proportion, its child 6.
func ExampleReplay() {
	var skills reputation.SkillTree
	one, _ := skills.Add(0)
	five, _ := skills.Add(one)
	six, _ := skills.Add(five)

	colony := reputation.Address{0xc0}
	other, worker := reputation.Address{1}, reputation.Address{2}
	var log reputation.Log
	log.Append(&skills, colony, other, six, big.NewInt(100))
	log.Append(&skills, colony, worker, six, big.NewInt(100))
	log.Append(&skills, colony, other, five, big.NewInt(900))
	log.Append(&skills, colony, other, five, big.NewInt(-200))

	res, err := reputation.Replay(nil, &skills, reputation.DefaultParams(), log)
	if err != nil {
		panic(err)
	}
	for _, s := range []uint64{six, five, one} {
		l, _ := res.State.Get(reputation.Key{Colony: colony, Skill: s, User: other})
		total, _ := res.State.Get(reputation.Key{Colony: colony, Skill: s})
		fmt.Printf("skill %d: other %v, colony-wide %v\n", s, l.Reputation, total.Reputation)
	}
	fmt.Println("leaves:", res.NLeaves, "justification leaves:", res.Justification.Len())
	// Output:
	// skill 3: other 80, colony-wide 180
	// skill 2: other 800, colony-wide 900
	// skill 1: other 800, colony-wide 900
	// leaves: 9 justification leaves: 23
}

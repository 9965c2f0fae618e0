package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestWriteMiningStatus pins what `cell query reputation mining` prints
// during a challenge: the round, every claim's state (alive, lost and to
// whom, a bye), every pairing with the step it awaits and its deadline,
// and the accepted root. Golden file: testdata/mining_status.txt
// (rewrite with CELL_UPDATE_GOLDEN=1).
func TestWriteMiningStatus(t *testing.T) {
	h := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	side := func(claim uint32, answered bool) *ledgerpb.ChallengeSide {
		return &ledgerpb.ChallengeSide{Claim: claim, Answered: answered}
	}
	s := &ledgerpb.MiningStatus{
		Mining: true, MiningCycle: 7, WindowStart: 101, WindowEnd: 160, OpenCycle: 8, OpenCycleStart: 100,
		Challenging: true, Round: 2, Updates: 689_312,
		Submissions: []*ledgerpb.Submission{
			{Miner: address.Address{19: 1}.Bytes(), EntryIndex: 3, Height: 102, Claim: 0},
			{Miner: address.Address{19: 2}.Bytes(), EntryIndex: 1, Height: 140, Claim: 1},
		},
		Claims: []*ledgerpb.Claim{
			{Id: 0, Root: h(0xaa), NLeaves: 221_094, Jrh: h(0xa1), State: ledgerpb.ClaimState_CLAIM_STATE_ALIVE, Round: 2},
			{Id: 1, Root: h(0xbb), NLeaves: 221_094, Jrh: h(0xb1), State: ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED, Round: 1,
				Reason: "single-update", HasLostTo: true, LostTo: 0},
			{Id: 2, Root: h(0xcc), NLeaves: 5, Jrh: h(0xc1), State: ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED, Round: 1, Reason: "timeout"},
			{Id: 3, Root: h(0xdd), NLeaves: 221_094, Jrh: h(0xd1), State: ledgerpb.ClaimState_CLAIM_STATE_ALIVE, Round: 2},
			{Id: 4, Root: h(0xee), NLeaves: 221_095, Jrh: h(0xe1), State: ledgerpb.ClaimState_CLAIM_STATE_ALIVE, Round: 2, Bye: true},
		},
		Challenges: []*ledgerpb.Challenge{
			{Round: 2, Index: 0, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH, Deadline: 190, Lo: 172_328, Hi: 215_410, SearchSteps: 4,
				Sides: []*ledgerpb.ChallengeSide{side(0, true), side(3, false)}},
		},
		Accepted: &ledgerpb.ReputationRoot{Cycle: 6, Root: h(0x11), NLeaves: 220_000},
	}
	var out bytes.Buffer
	writeMiningStatus(&out, s)
	// The other steps, one challenge each.
	for _, ch := range []*ledgerpb.Challenge{
		{Round: 1, Index: 1, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_LEAF_COUNT, Deadline: 170, Sides: []*ledgerpb.ChallengeSide{side(4, false), side(5, false)}},
		{Round: 1, Index: 2, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Deadline: 171, Sides: []*ledgerpb.ChallengeSide{side(6, true), side(7, false)}},
		{Round: 1, Index: 3, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND, Deadline: 172, Lo: 211_230, Hi: 211_230, Sides: []*ledgerpb.ChallengeSide{side(8, false), side(9, false)}},
		{Round: 1, Index: 4, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED, HasWinner: true, Winner: 10, Reason: "single-update", Sides: []*ledgerpb.ChallengeSide{side(10, true), side(11, false)}},
		{Round: 1, Index: 5, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED, Reason: "timeout", Sides: []*ledgerpb.ChallengeSide{side(12, false), side(13, false)}},
	} {
		writeMiningStatus(&out, &ledgerpb.MiningStatus{Mining: true, Challenging: true, Round: 1, Challenges: []*ledgerpb.Challenge{ch}})
	}
	golden := filepath.Join("testdata", "mining_status.txt")
	if os.Getenv("CELL_UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("got\n%s\nwant\n%s", out.Bytes(), want)
	}
}

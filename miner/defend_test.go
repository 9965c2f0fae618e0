package miner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// miningCycle0 writes cycle 0 — gains, a loss that reaches the
// descendants, a newcomer — freezes it, and sets the status of its
// mining with the window [11, 70].
func miningCycle0(t *testing.T, f *fakeChain) {
	t.Helper()
	a, b := testUser(1), testUser(2)
	f.append(t, a, 3, 100)
	f.append(t, b, 3, 100)
	f.append(t, a, 2, 900)
	f.append(t, a, 3, -40)
	f.append(t, b, 4, 5)
	f.freeze()
	f.status.Mining, f.status.MiningCycle, f.status.WindowStart, f.status.WindowEnd = true, 0, 11, 70
}

// reference returns the defense of cycle 0 computed apart from the miner:
// honest, or forged at update at (≥ 0).
func reference(t *testing.T, f *fakeChain, at int64) *ledgerrep.Defense {
	t.Helper()
	log := f.frozenLogs()[0]
	d := &ledgerrep.Defense{Cycle: 0, Skills: &f.tree, Params: f.decay, Log: log}
	var err error
	if at >= 0 {
		d.Result, err = reputation.ReplayForged(nil, &f.tree, f.decay, log, uint64(at))
	} else {
		d.Result, err = reputation.Replay(nil, &f.tree, f.decay, log)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func claimOf(d *ledgerrep.Defense, id uint32) *ledgerpb.Claim {
	jrh := d.Result.Justification.Root()
	return &ledgerpb.Claim{Cycle: d.Cycle, Id: id, Root: bytes.Clone(d.Result.Root[:]), NLeaves: d.Result.NLeaves, Jrh: jrh[:],
		State: ledgerpb.ClaimState_CLAIM_STATE_ALIVE, Round: 1, Submissions: 1}
}

// sentSince returns the messages sent from index from on.
func (f *fakeChain) sentSince(from int) []*ledgerpb.Msg {
	return f.sentMsgs()[from:]
}

// challenge sets the status to the challenge phase of cycle 0 with the
// given claims and the one challenge of round 1, and returns the
// challenge (the status holds a copy).
func (f *fakeChain) challenge(claims []*ledgerpb.Claim, ch *ledgerpb.Challenge) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status.Challenging, f.status.Round = true, 1
	f.status.Claims = nil
	for _, c := range claims {
		f.status.Claims = append(f.status.Claims, proto.Clone(c).(*ledgerpb.Claim))
	}
	f.status.Challenges = []*ledgerpb.Challenge{proto.Clone(ch).(*ledgerpb.Challenge)}
}

// TestDefendAnswersEveryStep drives a challenge between a forged claim
// (side 0, nobody's here) and the miner's honest one (side 1) as the
// ledger does: the miner answers each step once, with what
// Defense.Answer gives from a replay of its own, never for the other
// side, and the search ends at the forged update.
func TestDefendAnswersEveryStep(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	miningCycle0(t, f)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 0, &logs)
	var wg sync.WaitGroup
	m.step(ctx, 1, &wg) // replays cycle 0
	wg.Wait()
	honest := reference(t, f, -1)
	n := honest.Result.Justification.Len() - 1
	forged := reference(t, f, int64(n/2))
	c0, c1 := claimOf(forged, 0), claimOf(honest, 1)
	ch := &ledgerpb.Challenge{Cycle: 0, Round: 1, Index: 0, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Deadline: 10,
		Sides: []*ledgerpb.ChallengeSide{{Claim: 0, Edge: c0.Jrh}, {Claim: 1, Edge: c1.Jrh}}}
	search := reputation.NewSearch(n+1, patricia.Hash(c0.Jrh), patricia.Hash(c1.Jrh))
	h := int64(5)
	for steps := 0; ; steps++ {
		if steps > 64 {
			t.Fatal("the challenge does not end")
		}
		f.challenge([]*ledgerpb.Claim{c0, c1}, ch)
		from := len(f.sentMsgs())
		m.step(ctx, h, &wg)
		wg.Wait()
		m.step(ctx, h+1, &wg) // the same step again: answered already
		wg.Wait()
		h += 2
		sent := f.sentSince(from)
		want, err := honest.Answer(ch, 1, c0)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) != 1 || !proto.Equal(sent[0], want) {
			t.Fatalf("step %s [%d, %d]: sent %v, want once %v", ledgerrep.StepName(ch.Step), ch.Lo, ch.Hi, sent, want)
		}
		ch.Deadline = h + 5
		switch ch.Step {
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH:
			ch.Step, ch.Lo, ch.Hi = ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH, 0, n
			continue
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH:
			other, err := forged.Answer(ch, 0, c1)
			if err != nil {
				t.Fatal(err)
			}
			o, mine := other.GetChallengeSearch(), sent[0].GetChallengeSearch()
			search = search.Descend([2][2]patricia.Hash{
				{patricia.Hash(o.Child0), patricia.Hash(o.Child1)}, {patricia.Hash(mine.Child0), patricia.Hash(mine.Child1)}})
			ch.Lo, ch.Hi, ch.Start, ch.SearchSteps = search.Lo, search.Hi, uint32(search.Start), uint32(search.Steps)
			ch.Sides[0].Edge, ch.Sides[1].Edge = search.Edge[0][:], search.Edge[1][:]
			if search.Done() {
				ch.Step = ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND
			}
			continue
		}
		break // RESPOND was answered
	}
	if ch.Lo != n/2+1 {
		t.Errorf("the search ended at leaf %d, want %d: the first after the forged update %d", ch.Lo, n/2+1, n/2)
	}
	if r := f.sentMsgs()[len(f.sentMsgs())-1].GetRespondToChallenge(); r == nil || r.Claim != 1 {
		t.Errorf("last answer %v, want the response for claim 1", r)
	}
	for _, want := range []string{"our claim is challenged", "answering challenge", "challenge answered", "step=respond"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, logs.String())
		}
	}
}

// TestDefendRetriesAndRefusals: an answer that does not reach the chain
// is sent again after the next block; one the ledger refuses is logged
// and not sent again; a step past its deadline is not answered; a
// challenge of other claims is left alone.
func TestDefendRetriesAndRefusals(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	miningCycle0(t, f)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 0, &logs)
	var wg sync.WaitGroup
	m.step(ctx, 1, &wg)
	wg.Wait()
	honest := reference(t, f, -1)
	n := honest.Result.Justification.Len() - 1
	c0, c1 := claimOf(reference(t, f, 0), 0), claimOf(honest, 1)
	c2 := claimOf(reference(t, f, int64(n-1)), 2)
	confirm := func(deadline int64) *ledgerpb.Challenge {
		return &ledgerpb.Challenge{Cycle: 0, Round: 1, Index: 0, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Deadline: deadline,
			Sides: []*ledgerpb.ChallengeSide{{Claim: 0, Edge: c0.Jrh}, {Claim: 1, Edge: c1.Jrh}}}
	}
	steps := func(from, to int64) int {
		before := len(f.sentMsgs())
		for h := from; h <= to; h++ {
			m.step(ctx, h, &wg)
			wg.Wait()
		}
		return len(f.sentMsgs()) - before
	}

	// Two transient failures, then it goes through.
	failures := 2
	f.refuse = func(*ledgerpb.Msg) (client.TxResult, error) {
		if failures > 0 {
			failures--
			return client.TxResult{}, errors.New("connection refused")
		}
		return client.TxResult{}, nil
	}
	f.challenge([]*ledgerpb.Claim{c0, c1}, confirm(100))
	if got := steps(2, 6); got != 3 {
		t.Errorf("sent %d times, want 3 (two failures, then once)", got)
	}
	if !strings.Contains(logs.String(), "challenge answer not sent: trying again after the next block") {
		t.Errorf("no log of the retry:\n%s", logs.String())
	}

	// A refusal is final. (Another round: a new step to answer.)
	ch := confirm(100)
	ch.Round = 2
	f.refuse = func(*ledgerpb.Msg) (client.TxResult, error) {
		res := client.TxResult{Code: ledgerrep.ErrInvalidJustification.Number, Codespace: ledgerrep.Codespace, Log: "reputation: bad proof"}
		return res, fmt.Errorf("code %d: %s", res.Code, res.Log)
	}
	f.challenge([]*ledgerpb.Claim{c0, c1}, ch)
	if got := steps(7, 10); got != 1 {
		t.Errorf("refused: sent %d times, want once", got)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"challenge answer refused\"") {
		t.Errorf("no error logged for the refusal:\n%s", logs.String())
	}
	f.refuse = nil

	// Past its deadline: the next block cannot take the answer.
	ch = confirm(20)
	ch.Round = 3
	f.challenge([]*ledgerpb.Claim{c0, c1}, ch)
	if got := steps(20, 22); got != 0 {
		t.Errorf("past the deadline: sent %d", got)
	}
	if !strings.Contains(logs.String(), "too late to answer a challenge step") {
		t.Errorf("no log of the missed deadline:\n%s", logs.String())
	}

	// Claims 0 and 2 are both wrong: not the miner's challenge.
	ch = &ledgerpb.Challenge{Cycle: 0, Round: 4, Index: 0, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Deadline: 100,
		Sides: []*ledgerpb.ChallengeSide{{Claim: 0, Edge: c0.Jrh}, {Claim: 2, Edge: c2.Jrh}}}
	c1.Bye = true
	f.challenge([]*ledgerpb.Claim{c0, c1, c2}, ch)
	if got := steps(23, 25); got != 0 {
		t.Errorf("answered for claims not its own: %v", f.sentMsgs())
	}
	if !strings.Contains(logs.String(), "our claim has a bye") {
		t.Errorf("no log of the bye:\n%s", logs.String())
	}
	c1.Bye = false
	c1.State = ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED
	f.challenge([]*ledgerpb.Claim{c0, c1, c2}, ch)
	steps(26, 26)
	if !strings.Contains(logs.String(), "OUR CLAIM LOST ITS CHALLENGE") {
		t.Errorf("no log of the loss:\n%s", logs.String())
	}
}

// TestFaultWrongRoot: with FaultWrongRoot the miner submits the root of
// its replay forged at update N/2, defends that claim and not the honest
// one, and submits nothing for a cycle without updates.
func TestFaultWrongRoot(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	miningCycle0(t, f)
	var logs bytes.Buffer
	m := newTestMinerWith(t, f, &logs, func(o *Options) { o.Fault = FaultWrongRoot })
	if err := m.EnsureStake(ctx); err != nil {
		t.Fatal(err)
	}
	honest := reference(t, f, -1)
	n := honest.Result.Justification.Len() - 1
	forged := reference(t, f, int64(n/2))
	var wg sync.WaitGroup
	for h := int64(1); h <= 70; h++ {
		m.step(ctx, h, &wg)
		wg.Wait()
	}
	var subs []*ledgerpb.MsgSubmitRootHash
	for _, msg := range f.sentMsgs() {
		if s := msg.GetSubmitRootHash(); s != nil {
			subs = append(subs, s)
		}
	}
	jrh := forged.Result.Justification.Root()
	if len(subs) != 1 || !bytes.Equal(subs[0].Root, forged.Result.Root[:]) || !bytes.Equal(subs[0].Jrh, jrh[:]) || subs[0].NLeaves != forged.Result.NLeaves {
		t.Fatalf("submissions %v, want the forged root %x", subs, forged.Result.Root)
	}
	if forged.Result.Root == honest.Result.Root {
		t.Fatal("the forged root is the honest one")
	}
	if !strings.Contains(logs.String(), "fault wrong-root: the replay is forged, its claim is submitted and defended") {
		t.Errorf("the fault is not logged:\n%s", logs.String())
	}

	// Challenged: it answers for the forged claim (1), not the honest (0).
	c0, c1 := claimOf(honest, 0), claimOf(forged, 1)
	ch := &ledgerpb.Challenge{Cycle: 0, Round: 1, Index: 0, Step: ledgerpb.ChallengeStep_CHALLENGE_STEP_CONFIRM_JRH, Deadline: 100,
		Sides: []*ledgerpb.ChallengeSide{{Claim: 0, Edge: c0.Jrh}, {Claim: 1, Edge: c1.Jrh}}}
	f.challenge([]*ledgerpb.Claim{c0, c1}, ch)
	from := len(f.sentMsgs())
	m.step(ctx, 71, &wg)
	wg.Wait()
	want, _ := forged.Answer(ch, 1, c0)
	if sent := f.sentSince(from); len(sent) != 1 || !proto.Equal(sent[0], want) {
		t.Errorf("sent %v, want the forged side's confirmation %v", sent, want)
	}

	// A cycle with no update (no leaf to decay, an empty log): nothing to
	// forge, nothing submitted.
	g := newFakeChain(t)
	g.freeze()
	g.status.Mining, g.status.WindowStart, g.status.WindowEnd = true, 1, 3
	var glogs bytes.Buffer
	gm := newTestMinerWith(t, g, &glogs, func(o *Options) { o.Fault = FaultWrongRoot })
	if err := gm.EnsureStake(ctx); err != nil {
		t.Fatal(err)
	}
	for h := int64(1); h <= 3; h++ {
		gm.step(ctx, h, &wg)
		wg.Wait()
	}
	for _, msg := range g.sentMsgs() {
		if msg.GetSubmitRootHash() != nil {
			t.Errorf("submitted %v for a cycle without updates", msg)
		}
	}
	if !strings.Contains(glogs.String(), "fault wrong-root: the cycle has no update to forge") {
		t.Errorf("no log of the empty cycle:\n%s", glogs.String())
	}
}

func TestParseFault(t *testing.T) {
	for _, s := range []string{"", "wrong-root"} {
		if f, err := ParseFault(s); err != nil || string(f) != s {
			t.Errorf("ParseFault(%q) = %q, %v", s, f, err)
		}
	}
	if _, err := ParseFault("wrong"); err == nil || !strings.Contains(err.Error(), "wrong-root") {
		t.Errorf("ParseFault(wrong): %v", err)
	}
	if _, err := New(Options{Key: mustKey("m"), Fault: "nope", Listen: "127.0.0.1:0"}); err == nil {
		t.Error("New took an unknown fault")
	}
}

func mustKey(label string) []byte {
	k, _ := testKey(label)
	return k
}

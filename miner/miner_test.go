package miner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// newTestMiner returns a miner of f whose log goes to logs.
func newTestMiner(t *testing.T, f *fakeChain, stake uint64, logs *bytes.Buffer) *Miner {
	t.Helper()
	return newTestMinerWith(t, f, logs, func(o *Options) { o.Stake = stake })
}

// newTestMinerWith returns a miner of f whose log goes to logs, its
// options edited by edit.
func newTestMinerWith(t *testing.T, f *fakeChain, logs *bytes.Buffer, edit func(*Options)) *Miner {
	t.Helper()
	key, addr := testKey("miner")
	f.signer = addr
	ln := freeport.Listen(t)
	o := Options{Key: key, Chain: f, Listener: ln, DataDir: t.TempDir(),
		Log: slog.New(slog.NewTextHandler(&syncWriter{w: logs}, nil))}
	edit(&o)
	m, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestEnsureStake(t *testing.T) {
	f := newFakeChain(t)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 35, &logs)
	f.stake(m.Address(), 10, 0)
	if err := m.EnsureStake(context.Background()); err != nil {
		t.Fatal(err)
	}
	sent := f.sentMsgs()
	if len(sent) != 1 || sent[0].GetStakeMiner().GetAmount() != 25 {
		t.Fatalf("sent %v, want one MsgStakeMiner of 25", sent)
	}
	// Enough stake: nothing more.
	if err := m.EnsureStake(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(f.sentMsgs()) != 1 {
		t.Errorf("staked again: %v", f.sentMsgs())
	}
	if m.record.GetStake() != 35 || m.params.GetMinMinerStake() != 10 {
		t.Errorf("stake %d, min %d; want 35, 10", m.record.GetStake(), m.params.GetMinMinerStake())
	}
}

// TestStepSubmitsWhenEligible follows a cycle: frozen, replayed,
// submitted at the first height one of the miner's entry indices is
// eligible, accepted; then a cycle whose accepted root is not the miner's.
func TestStepSubmitsWhenEligible(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 30, &logs)
	if err := m.EnsureStake(ctx); err != nil {
		t.Fatal(err)
	}
	f.append(t, testUser(1), 3, 100)
	f.append(t, testUser(2), 1, -5)
	f.freeze()
	const start, end = 11, 70
	f.status.Mining, f.status.MiningCycle, f.status.WindowStart, f.status.WindowEnd = true, 0, start, end
	want := replayAll(t, f, f.frozenLogs())[0]
	n, hash := BestEntry(m.Address(), want.Root, 3)
	at := EligibleAt(hash, start, start, end)
	if at == 0 {
		t.Fatal("no entry index is ever eligible")
	}
	var wg sync.WaitGroup
	submissions := func() []*ledgerpb.MsgSubmitRootHash {
		var out []*ledgerpb.MsgSubmitRootHash
		for _, msg := range f.sentMsgs() {
			if s := msg.GetSubmitRootHash(); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	for h := int64(1); h < at-1; h++ {
		m.step(ctx, h, &wg)
		wg.Wait()
		if s := submissions(); len(s) != 0 {
			t.Fatalf("submitted after height %d, eligible only at %d: %v", h, at, s)
		}
	}
	if !strings.Contains(logs.String(), "waiting: no entry index eligible yet") {
		t.Errorf("no log of the wait:\n%s", logs.String())
	}
	m.step(ctx, at-1, &wg) // the next block, at, is eligible
	wg.Wait()
	s := submissions()
	if len(s) != 1 {
		t.Fatalf("after height %d: %d submissions, want 1", at-1, len(s))
	}
	jrh := want.Justification.Root()
	if got := s[0]; got.Cycle != 0 || !bytes.Equal(got.Root, want.Root[:]) || got.NLeaves != want.NLeaves ||
		!bytes.Equal(got.Jrh, jrh[:]) || got.EntryIndex != n {
		t.Errorf("submission %v; want cycle 0, root %x, n_leaves %d, entry %d", got, want.Root, want.NLeaves, n)
	}
	for h := at; h < at+3; h++ {
		m.step(ctx, h, &wg)
		wg.Wait()
	}
	if len(submissions()) != 1 {
		t.Errorf("submitted %d times, want once", len(submissions()))
	}

	// The chain accepts it; the miner agrees.
	f.status = &ledgerpb.MiningStatus{OpenCycle: 1, Accepted: &ledgerpb.ReputationRoot{Cycle: 0, Root: want.Root[:], NLeaves: want.NLeaves, Jrh: jrh[:], AcceptedHeight: at + 5}}
	m.step(ctx, at+5, &wg)
	acc, agrees := m.snapshot()
	if acc == nil || acc.Cycle != 0 || agrees == nil || !*agrees {
		t.Fatalf("accepted %+v, agrees %v; want cycle 0 agreeing", acc, agrees)
	}

	// Cycle 1 is accepted with a root that is not the miner's.
	f.append(t, testUser(1), 2, 7)
	f.freeze()
	f.status = &ledgerpb.MiningStatus{OpenCycle: 2, Accepted: &ledgerpb.ReputationRoot{Cycle: 1, Root: make([]byte, 32), NLeaves: 9, Jrh: jrh[:], AcceptedHeight: at + 90}}
	m.step(ctx, at+90, &wg)
	if _, agrees := m.snapshot(); agrees == nil || *agrees {
		t.Fatalf("agrees = %v, want false", agrees)
	}
	if !strings.Contains(logs.String(), "REPUTATION ROOT DISAGREEMENT") {
		t.Errorf("disagreement not logged:\n%s", logs.String())
	}
	// The reputation API refuses to prove against a root it disagrees with.
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	c, _ := proofapi.NewClient(srv.URL)
	if _, err := c.Reputation(ctx, testUser(1), 0); err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "is not the accepted root") {
		t.Errorf("reputation against a disagreeing root: err = %v, want 503 and the miner's message", err)
	}
}

func TestStepWaitsWithoutStake(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 0, &logs)
	f.freeze()
	f.status.Mining, f.status.WindowStart, f.status.WindowEnd = true, 1, 2
	var wg sync.WaitGroup
	m.step(ctx, 5, &wg)
	wg.Wait()
	if len(f.sentMsgs()) != 0 {
		t.Errorf("sent %v without stake", f.sentMsgs())
	}
	if !strings.Contains(logs.String(), "stake below min_miner_stake") {
		t.Errorf("no log of the wait:\n%s", logs.String())
	}
}

// TestStepWaitsUntilStakedLongEnough: a miner staked at height 5 on a
// chain of 10-block cycles that asks for 2 staked cycles may submit from
// height 25 on: it says so and waits, then submits at the first height
// that is both that late and eligible.
func TestStepWaitsUntilStakedLongEnough(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	f.params.MinerMinStakedCycles = 2
	var logs bytes.Buffer
	m := newTestMiner(t, f, 0, &logs)
	f.height = 5
	if err := m.EnsureStake(ctx); err != nil {
		t.Fatal(err)
	}
	f.append(t, testUser(1), 3, 100)
	f.freeze()
	const start, end = 11, 70
	f.status.Mining, f.status.WindowStart, f.status.WindowEnd = true, start, end
	want := replayAll(t, f, f.frozenLogs())[0]
	_, hash := BestEntry(m.Address(), want.Root, 1)
	at := max(EligibleAt(hash, 25, start, end), 25)
	var wg sync.WaitGroup
	for h := int64(1); h < at-1; h++ {
		m.step(ctx, h, &wg)
		wg.Wait()
		if n := len(f.sentMsgs()); n != 1 { // the stake
			t.Fatalf("sent %v after height %d; may submit from %d", f.sentMsgs()[1:], h, at)
		}
	}
	if !strings.Contains(logs.String(), "waiting: staked too briefly: may submit from height 25") {
		t.Errorf("no log of the wait:\n%s", logs.String())
	}
	m.step(ctx, at-1, &wg)
	wg.Wait()
	if sent := f.sentMsgs(); len(sent) != 2 || sent[1].GetSubmitRootHash() == nil {
		t.Fatalf("after height %d: sent %v, want the submission", at-1, sent)
	}
}

// TestStakedTooBrieflyIsNotAnAttempt: a submission refused because the
// stake is too recent (ErrStakedTooBriefly, code 30) is tried again
// without using up the attempts of the cycle; other failures do.
func TestStakedTooBrieflyIsNotAnAttempt(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		code      uint32
		wantSends int
	}{
		{"staked too briefly", ledgerrep.ErrStakedTooBriefly.Number, 6},
		{"another refusal", ledgerrep.ErrNotEligible.Number, maxSubmitAttempts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeChain(t)
			var logs bytes.Buffer
			m := newTestMiner(t, f, 0, &logs)
			if err := m.EnsureStake(ctx); err != nil {
				t.Fatal(err)
			}
			f.append(t, testUser(1), 3, 100)
			f.freeze()
			f.status.Mining, f.status.WindowStart, f.status.WindowEnd = true, 1, 2 // eligible at once
			refusals := 5
			f.refuse = func(msg *ledgerpb.Msg) (client.TxResult, error) {
				if msg.GetSubmitRootHash() == nil || refusals == 0 {
					return client.TxResult{}, nil
				}
				refusals--
				res := client.TxResult{Code: tc.code, Codespace: ledgerrep.Codespace, Log: "refused"}
				return res, fmt.Errorf("code %d: refused", tc.code)
			}
			var wg sync.WaitGroup
			for h := int64(1); h <= 10; h++ {
				m.step(ctx, 1, &wg) // the window stays open
				wg.Wait()
			}
			n := 0
			for _, msg := range f.sentMsgs() {
				if msg.GetSubmitRootHash() != nil {
					n++
				}
			}
			if n != tc.wantSends {
				t.Errorf("%d submissions sent, want %d", n, tc.wantSends)
			}
		})
	}
}

// TestStepWaitsInRecoveryMode: in recovery mode the chain refuses
// submissions; the miner waits, even in the window with an eligible entry.
func TestStepWaitsInRecoveryMode(t *testing.T) {
	ctx := context.Background()
	f := newFakeChain(t)
	var logs bytes.Buffer
	m := newTestMiner(t, f, 30, &logs)
	if err := m.EnsureStake(ctx); err != nil {
		t.Fatal(err)
	}
	f.append(t, testUser(1), 3, 100)
	f.freeze()
	f.status.Mining, f.status.MiningCycle, f.status.WindowStart, f.status.WindowEnd, f.status.Recovery = true, 0, 1, 2, true
	var wg sync.WaitGroup
	m.step(ctx, 5, &wg) // past the window: every entry is eligible
	wg.Wait()
	for _, msg := range f.sentMsgs() {
		if msg.GetSubmitRootHash() != nil {
			t.Fatalf("submitted in recovery mode: %v", msg)
		}
	}
	if !strings.Contains(logs.String(), "waiting: reputation mining is in recovery mode") {
		t.Errorf("no log of the wait:\n%s", logs.String())
	}
}

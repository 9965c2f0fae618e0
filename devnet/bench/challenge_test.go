package bench

import (
	"context"
	"strings"
	"testing"
)

// TestRunChallenge: with 2,000 genesis entries, the forged root loses and
// the honest one is accepted within the target of 2·⌈log₂ N⌉ + 6 response
// windows: one confirmation, ⌈log₂(N + 1)⌉ search steps, one response,
// each answered at the next block. RunChallenge itself fails if another
// root is accepted or the search misses the forged update. It takes about
// half a second.
func TestRunChallenge(t *testing.T) {
	res, err := RunChallenge(context.Background(), ChallengeOptions{Entries: 2_000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != "honest" || res.AcceptedRoot != res.HonestRoot || res.ForgedRoot == res.HonestRoot {
		t.Fatalf("accepted %s (%s); honest %s, forged %s", res.Accepted, res.AcceptedRoot, res.HonestRoot, res.ForgedRoot)
	}
	if res.Entries != 2_000 || res.Updates < 2*2_000 || res.Leaves == 0 || res.ForgedAt != DefaultForgedAt(res.Updates) || res.Disputed != res.ForgedAt {
		t.Fatalf("result %+v", res)
	}
	if !res.WithinTarget || res.ResponseWindows > res.TargetWindows {
		t.Errorf("%d response windows, target %d", res.ResponseWindows, res.TargetWindows)
	}
	// Both confirm, both post every search step; both respond, and the
	// forged response is refused.
	steps := res.SearchSteps
	if steps < 1 || steps > res.SearchBound || res.ResponseWindows != steps+2 || res.Blocks != int64(steps+3) {
		t.Errorf("%d search steps (at most %d), %d windows, %d blocks", steps, res.SearchBound, res.ResponseWindows, res.Blocks)
	}
	want := map[string]int{"confirm_justification": 2, "challenge_search": 2 * steps, "respond_to_challenge": 2}
	for k, n := range want {
		if res.Txs[k] != n {
			t.Errorf("%d %s transactions, want %d", res.Txs[k], k, n)
		}
	}
	if len(res.Txs) != len(want) || res.TotalTxs != 2*steps+4 || len(res.Refused) != 1 || res.Refused["respond_to_challenge"] != 1 {
		t.Errorf("txs %v (%d), refused %v", res.Txs, res.TotalTxs, res.Refused)
	}
	if res.MaxBlockSeconds <= 0 || res.ChallengeSeconds <= 0 || res.HonestReplaySeconds <= 0 {
		t.Errorf("times %+v", res)
	}
	t.Logf("N = %d, %d leaves: %d search steps, %d transactions, %d blocks, %d windows (target %d); replays %.2fs + %.2fs, challenge %.3fs, longest block %.1f ms",
		res.Updates, res.Leaves, steps, res.TotalTxs, res.Blocks, res.ResponseWindows, res.TargetWindows,
		res.HonestReplaySeconds, res.ForgedReplaySeconds, res.ChallengeSeconds, 1e3*res.MaxBlockSeconds)
}

// TestRunChallengeEdges forges the first and the last update of a small
// cycle, and refuses an update past the last and an empty cycle.
func TestRunChallengeEdges(t *testing.T) {
	res, err := RunChallenge(context.Background(), ChallengeOptions{Entries: 20, ForgedAt: new(uint64)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Disputed != 0 || res.Accepted != "honest" {
		t.Fatalf("forged at 0: %+v", res)
	}
	last := res.Updates - 1
	res, err = RunChallenge(context.Background(), ChallengeOptions{Entries: 20, ForgedAt: &last})
	if err != nil {
		t.Fatal(err)
	}
	if res.Disputed != last || res.Accepted != "honest" {
		t.Fatalf("forged at %d: %+v", last, res)
	}
	past := res.Updates
	if _, err := RunChallenge(context.Background(), ChallengeOptions{Entries: 20, ForgedAt: &past}); err == nil || !strings.Contains(err.Error(), "forged at update") {
		t.Fatalf("forged past the last update: %v", err)
	}
	if _, err := RunChallenge(context.Background(), ChallengeOptions{}); err == nil || !strings.Contains(err.Error(), "entries") {
		t.Fatalf("no entries: %v", err)
	}
}

package miner

import (
	"testing"

	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

func TestBestEntry(t *testing.T) {
	_, miner := testKey("miner")
	root := patricia.Keccak256([]byte("root"))
	if n, _ := BestEntry(miner, root, 0); n != 0 {
		t.Errorf("BestEntry with no entries = %d, want 0", n)
	}
	n, h := BestEntry(miner, root, 50)
	if n < 1 || n > 50 {
		t.Fatalf("BestEntry = %d, outside 1 … 50", n)
	}
	if h != patricia.Hash(ledgerrep.EligibilityHash(miner, n, root[:])) {
		t.Error("BestEntry's hash is not the ledger's eligibility hash")
	}
	for i := uint64(1); i <= 50; i++ {
		if hi := patricia.Hash(ledgerrep.EligibilityHash(miner, i, root[:])); hashLess(hi, h) {
			t.Errorf("entry %d has a lower hash than the best, %d", i, n)
		}
	}
}

func TestEntries(t *testing.T) {
	for _, tc := range []struct{ stake, min, want uint64 }{
		{0, 10, 0}, {9, 10, 0}, {10, 10, 1}, {35, 10, 3}, {5, 0, 0}, {1 << 40, 1, MaxEntries},
	} {
		if got := Entries(tc.stake, tc.min); got != tc.want {
			t.Errorf("Entries(%d, %d) = %d, want %d", tc.stake, tc.min, got, tc.want)
		}
	}
}

func TestEligibleAt(t *testing.T) {
	const start, end = 100, 159
	var zero, max, mid patricia.Hash
	for i := range max {
		max[i] = 0xff
	}
	mid[0] = 0x80 // half of 2^256
	if Eligible(zero, start-1, start, end) {
		t.Error("eligible before the window")
	}
	if at := EligibleAt(zero, 0, start, end); at != start {
		t.Errorf("hash 0: eligible at %d, want %d", at, start)
	}
	if at := EligibleAt(max, 0, start, end); at != 0 {
		t.Errorf("hash 2^256−1: eligible at %d, want never", at)
	}
	at := EligibleAt(mid, 0, start, end)
	if at <= start || at >= end || !Eligible(mid, at, start, end) || Eligible(mid, at-1, start, end) {
		t.Errorf("hash 2^255: eligible at %d, not the first eligible height", at)
	}
	if got := EligibleAt(mid, at+3, start, end); got != at+3 {
		t.Errorf("from %d: %d", at+3, got)
	}
	if got := EligibleAt(zero, end+1, start, end); got != 0 {
		t.Errorf("after the window: %d, want 0", got)
	}
}

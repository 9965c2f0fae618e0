package node

import (
	"math/big"
	"testing"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// TestPeerScore: the score is the expected cost (start + 16 calls),
// made cheaper by 10 % of 1000 per bit of proven reputation; no
// reputation and zero count the same.
func TestPeerScore(t *testing.T) {
	huge := new(big.Int).Lsh(big.NewInt(1), 200)
	tests := []struct {
		name  string
		quote nodeapi.PeerQuote
		rep   *big.Int
		want  uint64
	}{
		{"no reputation", nodeapi.PeerQuote{Start: 1000, PerCall: 10}, nil, 1160},
		{"zero reputation", nodeapi.PeerQuote{Start: 1000, PerCall: 10}, big.NewInt(0), 1160},
		{"reputation 1 (1 bit)", nodeapi.PeerQuote{Start: 1000, PerCall: 10}, big.NewInt(1), 1160 * 1000 / 1100},
		{"reputation 1024 (11 bits)", nodeapi.PeerQuote{Start: 1000, PerCall: 10}, big.NewInt(1024), 1160 * 1000 / 2100},
		{"free", nodeapi.PeerQuote{}, huge, 0},
		{"reputation 2^200 (201 bits)", nodeapi.PeerQuote{Start: 21_100}, huge, 1000},
		{"the largest prices do not overflow", nodeapi.PeerQuote{Start: ^uint64(0), PerCall: ^uint64(0)}, nil, ^uint64(0)},
	}
	for _, tc := range tests {
		if got := score(tc.quote, tc.rep); got != tc.want {
			t.Errorf("%s: score %d, want %d", tc.name, got, tc.want)
		}
	}
	// A cheaper quote wins at equal reputation; a better reputation can
	// make a dearer peer the better.
	if score(nodeapi.PeerQuote{Start: 1000, PerCall: 10}, nil) >= score(nodeapi.PeerQuote{Start: 5000, PerCall: 20}, nil) {
		t.Error("the cheaper peer does not score better")
	}
	if score(nodeapi.PeerQuote{Start: 1500, PerCall: 10}, big.NewInt(1<<20)) >= score(nodeapi.PeerQuote{Start: 1000, PerCall: 10}, nil) {
		t.Error("a reputation of 2^20 does not outweigh a 1.4 times higher cost")
	}
}

package node

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
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

// TestParsePeerStart: each rule of a start request, named in its error.
func TestParsePeerStart(t *testing.T) {
	id := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)
	seed := strings.Repeat("00", 32)
	body := func(r nodeapi.PeerStartRequest) []byte { b, _ := json.Marshal(r); return b }
	tests := []struct {
		name    string
		body    []byte
		want    string // "" accepts
		refused bool   // wraps errTreeRefused
	}{
		{"valid", body(nodeapi.PeerStartRequest{ServiceID: id, Seed: seed, Ancestors: []string{other}}), "", false},
		{"not json", []byte("{"), "body:", false},
		{"upper-case id", body(nodeapi.PeerStartRequest{ServiceID: strings.ToUpper(id), Seed: seed}), "service_id", false},
		{"short seed", body(nodeapi.PeerStartRequest{ServiceID: id, Seed: "00"}), "seed: want 32 bytes", false},
		{"bad ancestor", body(nodeapi.PeerStartRequest{ServiceID: id, Seed: seed, Ancestors: []string{"x"}}), "ancestors[0] \"x\"", false},
		{"cycle", body(nodeapi.PeerStartRequest{ServiceID: id, Seed: seed, Ancestors: []string{other, id}}), "ancestors[1]", true},
		{"too deep", body(nodeapi.PeerStartRequest{ServiceID: id, Seed: seed, Ancestors: slices.Repeat([]string{other}, 8)}), "ancestors: 8, at most 7", true},
	}
	for _, tc := range tests {
		_, _, err := parsePeerStart(tc.body)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		case tc.want != "" && errors.Is(err, errTreeRefused) != tc.refused:
			t.Errorf("%s: %v: refused tree %v, want %v", tc.name, err, errors.Is(err, errTreeRefused), tc.refused)
		}
	}
}

// FuzzParsePeerStart: a start request from a peer, any bytes: never a
// panic, and an accepted one has a canonical id, a 32-byte seed and a
// bounded chain of ancestors without the child.
func FuzzParsePeerStart(f *testing.F) {
	id := strings.Repeat("ab", 32)
	f.Add([]byte(`{"service_id":"` + id + `","seed":"` + strings.Repeat("00", 32) + `","ancestors":[]}`))
	f.Add([]byte(`{"service_id":"` + id + `","seed":"","ancestors":["` + id + `"]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		req, seed, err := parsePeerStart(b)
		if err != nil {
			return
		}
		if hex.EncodeToString(seed[:]) != strings.ToLower(req.Seed) {
			t.Fatalf("seed %x from %q", seed, req.Seed)
		}
		if len(req.Ancestors) > nodeapi.MaxPeerAncestors || slices.Contains(req.Ancestors, req.ServiceID) {
			t.Fatalf("accepted ancestors %q of %s", req.Ancestors, req.ServiceID)
		}
	})
}

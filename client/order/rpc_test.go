package order

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/market"
)

func TestBlip(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"connection refused", fmt.Errorf("post failed: %w", &url.Error{Op: "Post", URL: "http://rpc", Err: syscall.ECONNREFUSED}), true},
		{"connection cut", fmt.Errorf("query: %w", &url.Error{Op: "Post", URL: "http://rpc", Err: io.EOF}), true},
		{"unexpected end", io.ErrUnexpectedEOF, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"proxy's 502", errors.New("error in json rpc client, with http response metadata: (Status: 502 Bad Gateway, Protocol HTTP/1.1). error unmarshalling: invalid character '<'"), true},
		{"node catching up", errors.New("broadcast: node is catching up, so this endpoint is not available"), true},
		{"refused transaction", fmt.Errorf("broadcast: %w: market: code 13: window closed", client.ErrRefused), false},
		{"an answer of the chain", errors.New("query market/order: order 9: no such order"), false},
		{"an RPC error in a 200 answer", errors.New("error in json rpc client, with http response metadata: (Status: 200 OK, Protocol HTTP/1.1). RPC error -32603 - Internal error: tx already exists in cache"), false},
	}
	for _, tt := range tests {
		if got := blip(tt.err); got != tt.want {
			t.Errorf("%s: blip(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestRPCRetries(t *testing.T) {
	b := &Buyer{}
	var reported []string
	b.OnRetry = func(what string, err error, wait time.Duration) { reported = append(reported, what) }
	calls := 0
	err := b.rpc(context.Background(), "status", func(context.Context) error {
		calls++
		if calls < 3 {
			return &url.Error{Op: "Post", URL: "http://rpc", Err: syscall.ECONNREFUSED}
		}
		return nil
	})
	if err != nil || calls != 3 || len(reported) != 2 || reported[0] != "status" {
		t.Errorf("through two blips: %v after %d calls, retries reported %v", err, calls, reported)
	}
	answer := errors.New("order 4: no such order")
	calls = 0
	if err := b.rpc(context.Background(), "order", func(context.Context) error { calls++; return answer }); err != answer || calls != 1 {
		t.Errorf("an answer: %v after %d calls, want it at once", err, calls)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = b.rpc(ctx, "order", func(context.Context) error { return io.ErrUnexpectedEOF })
	if !errors.Is(err, context.DeadlineExceeded) || !bytes.Contains([]byte(err.Error()), []byte("unexpected EOF")) {
		t.Errorf("a chain that never answers: %v, want the context's error with the last blip", err)
	}
}

func TestSeedChainAndState(t *testing.T) {
	chain, err := NewSeedChain(3)
	if err != nil || len(chain) != 4 {
		t.Fatalf("NewSeedChain: %d seeds, %v", len(chain), err)
	}
	for k := 1; k < len(chain); k++ {
		if h := market.SeedHash(chain[k]); !bytes.Equal(h[:], chain[k-1]) {
			t.Errorf("SeedHash(seed %d) is not seed %d", k, k-1)
		}
	}
	if again, _ := NewSeedChain(3); bytes.Equal(again[3], chain[3]) {
		t.Error("two seed chains share their secret")
	}
	if _, err := NewSeedChain(0); err == nil {
		t.Error("a seed chain of no round")
	}

	dir := t.TempDir()
	if s, err := LoadState(dir, 5); err != nil || s.OrderID != 5 || s.Seeds != nil || s.Rating != nil {
		t.Fatalf("state of an order without a file: %+v, %v", s, err)
	}
	want := &State{OrderID: 5, InputReceipt: bytes.Repeat([]byte{7}, 64), Seeds: chain, Rating: &SavedRating{Stars: 3, Salt: bytes.Repeat([]byte{1}, 32)}}
	if err := SaveState(dir, want); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(StatePath(dir, 5)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, %v: want mode 0600", info, err)
	}
	got, err := LoadState(dir, 5)
	if err != nil || !bytes.Equal(got.InputReceipt, want.InputReceipt) || len(got.Seeds) != 4 || !bytes.Equal(got.Seeds[2], chain[2]) ||
		got.Rating.Stars != 3 || !bytes.Equal(got.Rating.Salt, want.Rating.Salt) {
		t.Errorf("loaded %+v, %v; saved %+v", got, err, want)
	}
	if err := os.Rename(StatePath(dir, 5), StatePath(dir, 6)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadState(dir, 6); err == nil {
		t.Error("the state of order 5 loaded as order 6's")
	}

	// Without a StateDir the buyer keeps copies in memory.
	b := &Buyer{}
	if err := b.saveState(want); err != nil {
		t.Fatal(err)
	}
	want.Seeds[1][0] ^= 1
	if s, _ := b.state(5); bytes.Equal(s.Seeds[1], want.Seeds[1]) {
		t.Error("the memory state shares the caller's bytes")
	}
	b.forget(5)
	if s, _ := b.state(5); s.Seeds != nil {
		t.Error("forgotten state still there")
	}
}

// flakyProxy is a proxy in front of a chain's RPC that drops every
// connection while it is down, and can forward one broadcast and lose
// its answer.
type flakyProxy struct {
	*httptest.Server
	rp            *httputil.ReverseProxy
	until         atomic.Int64 // unix nanoseconds until which it is down
	lose          atomic.Bool
	dropped, lost atomic.Int32
}

func newFlakyProxy(t *testing.T, target string) *flakyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	px := &flakyProxy{rp: httputil.NewSingleHostReverseProxy(u)}
	px.Server = httptest.NewServer(http.HandlerFunc(px.serve))
	t.Cleanup(px.Close)
	return px
}

// down drops every connection for d.
func (px *flakyProxy) down(d time.Duration) { px.until.Store(time.Now().Add(d).UnixNano()) }

// loseNextBroadcast forwards the next broadcast but cuts the connection
// instead of answering.
func (px *flakyProxy) loseNextBroadcast() { px.lose.Store(true) }

func (px *flakyProxy) serve(w http.ResponseWriter, r *http.Request) {
	if time.Now().UnixNano() < px.until.Load() {
		px.dropped.Add(1)
		hangUp(w)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("broadcast_tx_sync")) && px.lose.CompareAndSwap(true, false) {
		px.rp.ServeHTTP(httptest.NewRecorder(), r)
		px.lost.Add(1)
		hangUp(w)
		return
	}
	px.rp.ServeHTTP(w, r)
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

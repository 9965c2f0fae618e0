package follow_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

const chainID = "follow"

func startChain(t *testing.T) *testchain.Chain {
	return testchain.Start(t, testchain.Options{ChainID: chainID, Operator: alice})
}

// alice is the validator's operator.
var alice = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))

// recorder is a handler that keeps what it was given.
type recorder struct {
	mu     sync.Mutex
	blocks []follow.Block
}

func (r *recorder) handle(_ context.Context, b follow.Block) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.blocks = append(r.blocks, b)
	return nil
}

func (r *recorder) last() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.blocks) == 0 {
		return 0
	}
	return r.blocks[len(r.blocks)-1].Height
}

func (r *recorder) heights() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var hs []int64
	for _, b := range r.blocks {
		hs = append(hs, b.Height)
	}
	return hs
}

// waitFor waits until the recorder has handled height h.
func (r *recorder) waitFor(t *testing.T, h int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.last() < h {
		if time.Now().After(deadline) {
			t.Fatalf("block %d was not delivered; delivered up to %d", h, r.last())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// consecutive checks that hs is from, from+1, … with no gap or repeat.
func consecutive(t *testing.T, hs []int64, from int64) {
	t.Helper()
	for i, h := range hs {
		if h != from+int64(i) {
			t.Fatalf("delivered heights %v: position %d is %d, want %d", hs, i, h, from+int64(i))
		}
	}
}

// run starts f.Run in the background and returns a stop function that
// cancels it and returns its error.
func run(t *testing.T, f *follow.Follower, from int64, h follow.Handler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx, from, h) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				err = errors.New("Run did not return after cancellation")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestCatchUpThenFollow: a follower started at height 1 on a chain that is
// already a few blocks in delivers the past blocks, then the live ones
// announced over the websocket (the poll fallback is disabled in effect),
// each once and in order.
func TestCatchUpThenFollow(t *testing.T) {
	d := startChain(t)
	d.WaitHeight(t, 5)
	cfg := follow.NewConfig().WithPollInterval(time.Hour).WithStallTimeout(5 * time.Second)
	var r recorder
	stop := run(t, follow.New(d.RPC, cfg, nil), 1, r.handle)
	live := d.Height() + 10
	r.waitFor(t, live)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	consecutive(t, r.heights(), 1)
	for _, b := range r.blocks {
		if len(b.Hash) != 32 || b.Time.IsZero() {
			t.Fatalf("block %d: hash %X, time %v", b.Height, b.Hash, b.Time)
		}
	}
}

// TestTransactionEvents: a transfer's result and its "transfer" event are
// in the delivered block, under the transaction's hash.
func TestTransactionEvents(t *testing.T) {
	d := startChain(t)
	d.WaitHeight(t, 2)
	var r recorder
	run(t, follow.New(d.RPC, follow.NewConfig().WithPollInterval(200*time.Millisecond), nil), 1, r.handle)

	var bob address.Address
	bob[0] = 0xb0
	msg := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob[:], Amount: 12_345}}}
	raw, err := client.BuildTx(alice, chainID, 0, 1000, "", msg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(d.RPC)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Broadcast(ctx, raw, client.WaitCommit)
	if err != nil || res.Code != 0 {
		t.Fatalf("send: %v %+v", err, res)
	}
	r.waitFor(t, res.Height)

	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.blocks[res.Height-1]
	if b.Height != res.Height || len(b.Txs) != 1 {
		t.Fatalf("block %d: %d transactions, want the transfer alone", b.Height, len(b.Txs))
	}
	tx := b.Txs[0]
	if !bytes.Equal(tx.Hash, res.Hash) || tx.Code != 0 || tx.Index != 0 {
		t.Fatalf("tx = %+v, want hash %X and code 0", tx, res.Hash)
	}
	found := false
	for _, e := range tx.Events {
		if t, ok := e.(bank.EventTransfer); ok && t.To == bob {
			found = true
		}
	}
	if !found {
		t.Fatalf("no transfer event to %s among %+v", bob, tx.Events)
	}
}

// TestRestartFromCursor: Run stops on a handler error and on cancellation;
// restarted from the caller's cursor, it continues with no gap and no
// repeat.
func TestRestartFromCursor(t *testing.T) {
	d := startChain(t)
	d.WaitHeight(t, 3)
	f := follow.New(d.RPC, follow.NewConfig().WithPollInterval(200*time.Millisecond), nil)
	var (
		mu      sync.Mutex
		handled []int64
		cursor  int64 = 1
	)
	errFull := errors.New("disk full")
	handler := func(failAt int64) follow.Handler {
		return func(_ context.Context, b follow.Block) error {
			if b.Height == failAt {
				return errFull
			}
			mu.Lock()
			defer mu.Unlock()
			handled = append(handled, b.Height)
			cursor = b.Height + 1
			return nil
		}
	}
	// The handler fails at height 5: Run returns its error, and the cursor
	// stays at 5.
	err := f.Run(context.Background(), cursor, handler(5))
	if !errors.Is(err, errFull) {
		t.Fatalf("Run = %v, want the handler's error", err)
	}
	if cursor != 5 {
		t.Fatalf("cursor = %d after a failure at 5", cursor)
	}
	// Restarted from the cursor, then cancelled.
	var r recorder
	stop := run(t, f, cursor, func(ctx context.Context, b follow.Block) error {
		r.handle(ctx, b)
		return handler(0)(ctx, b)
	})
	r.waitFor(t, 12)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	// And again from the cursor.
	mu.Lock()
	from := cursor
	mu.Unlock()
	r = recorder{}
	stop = run(t, f, from, func(ctx context.Context, b follow.Block) error {
		r.handle(ctx, b)
		return handler(0)(ctx, b)
	})
	r.waitFor(t, from+5)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	consecutive(t, handled, 1)
}

// TestReconnectAfterNodeRestart: the node goes away while Run is
// following it and comes back on the same home and ports; the follower
// reconnects and delivers every block, none twice.
func TestReconnectAfterNodeRestart(t *testing.T) {
	d := testchain.Start(t, testchain.Options{ChainID: chainID, Operator: alice, NoIndex: true})
	d.WaitHeight(t, 3)
	cfg := follow.NewConfig().
		WithPollInterval(200*time.Millisecond).
		WithStallTimeout(2*time.Second).
		WithBackoff(50*time.Millisecond, 400*time.Millisecond)
	logs := &countingHandler{Handler: slog.NewTextHandler(t.Output(), nil), msg: "connection lost; reconnecting"}
	var r recorder
	stop := run(t, follow.New(d.RPC, cfg, slog.New(logs)), 1, r.handle)
	r.waitFor(t, d.Height()+3)

	d.Stop(t)
	down := r.last()
	time.Sleep(time.Second) // several failed reconnections
	d.Restart(t)
	r.waitFor(t, down+10)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	consecutive(t, r.heights(), 1)
	if logs.count() == 0 {
		t.Fatal("the follower never logged a reconnection")
	}
}

// TestStalledSubscription: a subscription that announces nothing within the
// stall timeout is dropped and replaced, and the blocks keep coming, each
// once and in order. A stall timeout below the block time makes every
// subscription stall.
func TestStalledSubscription(t *testing.T) {
	d := startChain(t)
	d.WaitHeight(t, 2)
	cfg := follow.NewConfig().
		WithPollInterval(time.Hour).
		WithStallTimeout(20*time.Millisecond).
		WithBackoff(10*time.Millisecond, 10*time.Millisecond)
	logs := &countingHandler{Handler: slog.NewTextHandler(t.Output(), nil), msg: "connection lost; reconnecting"}
	var r recorder
	stop := run(t, follow.New(d.RPC, cfg, slog.New(logs)), 1, r.handle)
	r.waitFor(t, d.Height()+8)
	if err := stop(); err != nil {
		t.Fatalf("Run after cancellation: %v", err)
	}
	consecutive(t, r.heights(), 1)
	if logs.count() == 0 {
		t.Fatal("no stalled subscription was replaced")
	}
}

// countingHandler counts the log records whose message is msg.
type countingHandler struct {
	slog.Handler
	msg string
	n   atomic.Int64
}

func (h *countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingAttrs{Handler: h.Handler.WithAttrs(as), parent: h}
}

func (h *countingHandler) count() int64 { return h.n.Load() }

// countingAttrs is a countingHandler with attributes, counting into its
// parent.
type countingAttrs struct {
	slog.Handler
	parent *countingHandler
}

func (h *countingAttrs) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.parent.msg {
		h.parent.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h *countingAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	return &countingAttrs{Handler: h.Handler.WithAttrs(as), parent: h.parent}
}

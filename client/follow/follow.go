// Package follow delivers every committed block of a chain to a handler, in
// height order and exactly once, as a fulfillment node needs to react to
// orders, awards and disputes.
//
// It reads blocks through a node's CometBFT RPC: it catches up by height
// with /block and /block_results, then follows new blocks through the
// websocket's NewBlock subscription. A missed event is never a missed
// block: each event only says "the chain reached height h", and the follower
// fetches every height up to h that it has not delivered yet. When the
// websocket fails or stays silent for longer than the stall timeout, it
// reconnects with exponential backoff and catches up again.
//
// Usage:
//
//	f := follow.New("http://127.0.0.1:26657", follow.NewConfig(), logger)
//	err := f.Run(ctx, cursor, func(ctx context.Context, b follow.Block) error {
//		// switch on the events of b (e.g. market.EventOrderCreated),
//		// then persist b.Height+1 as the cursor
//		return nil
//	})
//
// The caller owns the cursor: Run starts at the first height not yet
// handled, and a handler error stops Run, so that the caller can retry
// from the height it persisted.
package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	cmttypes "github.com/cometbft/cometbft/types"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

// Block is one committed block and the results of its execution.
type Block struct {
	Height int64
	// Time is the block header's time.
	Time time.Time
	// Hash is the block's hash (its BlockID hash).
	Hash []byte
	// Txs are the block's transactions in block order.
	Txs []TxResult
	// Events are the block's own events, emitted by FinalizeBlock outside
	// any transaction, decoded into the ledger's event structs
	// (client.Events).
	Events []event.Typed
}

// TxResult is the outcome of one transaction of a block.
type TxResult struct {
	// Index is the transaction's position in the block, from 0.
	Index uint32
	// Hash is the SHA-256 of the transaction bytes.
	Hash []byte
	// Code is 0 on success; Codespace and Log name the failed rule otherwise.
	Code      uint32
	Codespace string
	Log       string
	// Events are the transaction's events, decoded into the ledger's
	// event structs (client.Events).
	Events []event.Typed
}

// Handler handles one block. An error stops Run, which returns it wrapped.
type Handler func(ctx context.Context, b Block) error

// Follower follows the chain of one node's RPC. It holds no state between
// calls of Run; one Follower may run several times, one at a time.
type Follower struct {
	addr   string
	cfg    Config
	log    *slog.Logger
	events *event.Registry
}

// New returns a follower of the node whose CometBFT RPC is at addr, e.g.
// "http://127.0.0.1:26657". A nil log discards the follower's logs.
func New(addr string, cfg Config, log *slog.Logger) *Follower {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Follower{addr: addr, cfg: cfg, log: log.With("component", "follow", "rpc", addr), events: schema.Events()}
}

// newBlockQuery selects the websocket events that announce a block.
const newBlockQuery = "tm.event='NewBlock'"

// subscriber names the follower's subscription to the node.
const subscriber = "celltonomy-follow"

// handlerError marks an error of the handler, which ends Run, among errors
// of the connection, which only end a session.
type handlerError struct{ err error }

func (e *handlerError) Error() string { return e.err.Error() }
func (e *handlerError) Unwrap() error { return e.err }

// Run delivers to handle every block from height from (the first height not
// yet handled; below 1 means 1) onwards, in order and once each, until ctx
// is done or handle fails. It returns nil when ctx is done, and handle's
// error, wrapped with the height, when handle fails; errors of the node or
// the connection never end Run: it reconnects after a backoff (see Config)
// and resumes at the first height not yet delivered.
func (f *Follower) Run(ctx context.Context, from int64, handle Handler) error {
	if from < 1 {
		from = 1
	}
	next := from
	failures := 0
	for {
		before := next
		err := f.session(ctx, &next, handle, &failures)
		if ctx.Err() != nil {
			return nil
		}
		if herr, ok := errors.AsType[*handlerError](err); ok {
			return herr.err
		}
		if next > before {
			// Progress since the last failure: start the backoff afresh.
			failures = 0
		}
		d := f.cfg.backoff(failures)
		failures++
		f.log.Warn("connection lost; reconnecting", "err", err, "next_height", next, "backoff", d, "attempt", failures)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session connects once, catches up, and follows until the connection
// fails or stalls (returning why), ctx is done, or the handler fails
// (returning a *handlerError). *next is the first height not yet delivered.
// A successful subscription resets *failures.
func (f *Follower) session(ctx context.Context, next *int64, handle Handler, failures *int) error {
	c, err := rpchttp.New(f.addr)
	if err != nil {
		return fmt.Errorf("rpc client: %w", err)
	}
	if err := f.catchUp(ctx, c, next, handle); err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("websocket: %w", err)
	}
	defer stop(c)
	events, err := c.Subscribe(ctx, subscriber, newBlockQuery, eventBuffer)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", newBlockQuery, err)
	}
	*failures = 0
	f.log.Info("subscribed", "query", newBlockQuery, "next_height", *next)
	// Blocks committed between the first catch-up and the subscription
	// announce nothing: fetch them now.
	if err := f.catchUp(ctx, c, next, handle); err != nil {
		return err
	}

	stall := time.NewTimer(f.cfg.stallTimeout)
	defer stall.Stop()
	poll := time.NewTicker(f.cfg.pollInterval)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-events:
			stall.Reset(f.cfg.stallTimeout)
			nb, ok := ev.Data.(cmttypes.EventDataNewBlock)
			if !ok || nb.Block == nil {
				// Not what the query promised; the height is still
				// known to the node.
				if err := f.catchUp(ctx, c, next, handle); err != nil {
					return err
				}
				continue
			}
			if err := f.deliverTo(ctx, c, next, nb.Block.Height, handle); err != nil {
				return err
			}
		case <-poll.C:
			// The websocket drops events when its buffer is full and says
			// nothing when the node restarts: polling bounds the delay of a
			// missed block and notices a node that went away.
			if err := f.catchUp(ctx, c, next, handle); err != nil {
				return err
			}
		case <-stall.C:
			return fmt.Errorf("no block announced for %v", f.cfg.stallTimeout)
		}
	}
}

// eventBuffer is the capacity of the subscription's channel. The websocket
// client drops an event that does not fit; the next event or poll catches
// the missed height up.
const eventBuffer = 100

// stopWait bounds how long a session waits for its websocket to close.
const stopWait = 2 * time.Second

// stop closes c's websocket without letting a hung connection hold Run.
func stop(c *rpchttp.HTTP) {
	done := make(chan struct{})
	go func() {
		_ = c.Stop()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopWait):
	}
}

// catchUp delivers every height from *next to the node's latest.
func (f *Follower) catchUp(ctx context.Context, c *rpchttp.HTTP, next *int64, handle Handler) error {
	st, err := c.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	return f.deliverTo(ctx, c, next, st.SyncInfo.LatestBlockHeight, handle)
}

// deliverTo delivers every height from *next to last, advancing *next past
// each height the handler accepted.
func (f *Follower) deliverTo(ctx context.Context, c *rpchttp.HTTP, next *int64, last int64, handle Handler) error {
	for *next <= last {
		h := *next
		b, err := f.fetch(ctx, c, h)
		if err != nil {
			return err
		}
		if err := handle(ctx, b); err != nil {
			return &handlerError{fmt.Errorf("follow: handle block %d: %w", h, err)}
		}
		*next = h + 1
		f.log.Debug("delivered", "height", h, "txs", len(b.Txs))
	}
	return nil
}

// fetch reads block h and its results.
func (f *Follower) fetch(ctx context.Context, c *rpchttp.HTTP, h int64) (Block, error) {
	rb, err := c.Block(ctx, &h)
	if err != nil {
		return Block{}, fmt.Errorf("block %d: %w", h, err)
	}
	rr, err := c.BlockResults(ctx, &h)
	if err != nil {
		return Block{}, fmt.Errorf("block results %d: %w", h, err)
	}
	if rb.Block == nil || rb.Block.Height != h || rr.Height != h {
		return Block{}, fmt.Errorf("block %d: the node answered with another height", h)
	}
	txs := rb.Block.Txs
	if len(rr.TxResults) != len(txs) {
		return Block{}, fmt.Errorf("block %d: %d transactions but %d results", h, len(txs), len(rr.TxResults))
	}
	b := Block{
		Height: h,
		Time:   rb.Block.Time,
		Hash:   rb.BlockID.Hash,
		Events: client.Events(f.events, rr.FinalizeBlockEvents),
	}
	for i, r := range rr.TxResults {
		b.Txs = append(b.Txs, TxResult{
			Index:     uint32(i),
			Hash:      txs[i].Hash(),
			Code:      r.Code,
			Codespace: r.Codespace,
			Log:       r.Log,
			Events:    client.Events(f.events, r.Events),
		})
	}
	return b, nil
}

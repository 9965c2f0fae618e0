package devnet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// BenchOptions configure BenchOrders.
type BenchOptions struct {
	// Orders is the number of orders (default 20).
	Orders int
	// Nodes is the number of fulfillment nodes (default 2), each with
	// capacity Concurrency.
	Nodes int
	// Concurrency is the number of buyers ordering at once, each from its
	// own account (default min(Orders, 4)).
	Concurrency int
	// BlockTime is the devnet's block time (default 250 ms).
	BlockTime time.Duration
	// BidWindow is each order's bid window in blocks (default 2).
	BidWindow uint64
	// Package is the package directory (default the example digest) and
	// Genome the input (default examples/data/lambda.fa next to it).
	Package, Genome string
	// Log receives the devnet's logs (default: discarded).
	Log io.Writer
}

// Percentiles are the 50th and 95th percentiles of a latency.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
}

// BenchResult is what BenchOrders measured. Latencies are in blocks and in
// seconds of block time (the header times of the blocks that committed
// each step), per completed order.
type BenchResult struct {
	Orders      int     `json:"orders"`
	Completed   int     `json:"completed"`
	Failed      int     `json:"failed"`
	Nodes       int     `json:"nodes"`
	Concurrency int     `json:"concurrency"`
	BlockTimeMs int64   `json:"block_time_ms"`
	BidWindow   uint64  `json:"bid_window"`
	Seconds     float64 `json:"seconds"`
	// OrdersPerSec is Completed / Seconds, from the first order's creation
	// to the last close.
	OrdersPerSec float64 `json:"orders_per_sec"`
	// From creation to delivery, and to close.
	DeliveryBlocks  Percentiles `json:"delivery_blocks"`
	DeliverySeconds Percentiles `json:"delivery_seconds"`
	CloseBlocks     Percentiles `json:"close_blocks"`
	CloseSeconds    Percentiles `json:"close_seconds"`
	// From the award to the delivery (the target: at most 4 blocks at
	// p50 with 250 ms blocks).
	AwardToDeliveryBlocks  Percentiles `json:"award_to_delivery_blocks"`
	AwardToDeliverySeconds Percentiles `json:"award_to_delivery_seconds"`
	// Errors are the first few errors of failed orders.
	Errors []string `json:"errors,omitempty"`
}

// BenchOrders starts a fresh devnet in a temporary directory and takes
// Orders orders of the digest of phage λ through the whole buyer flow of
// client/order (create, bids, award, upload, run, delivery, download and
// verification, close, rating), Concurrency at a time, and reports the
// latencies and the throughput. One warm-up order goes first, outside the
// measurement: the nodes fetch and compile the package on their first
// order of it.
func BenchOrders(ctx context.Context, o BenchOptions) (*BenchResult, error) {
	if o.Orders <= 0 {
		o.Orders = 20
	}
	if o.Nodes <= 0 {
		o.Nodes = 2
	}
	if o.Concurrency <= 0 {
		o.Concurrency = min(o.Orders, 4)
	}
	if o.BlockTime == 0 {
		o.BlockTime = 250 * time.Millisecond
	}
	if o.BidWindow == 0 {
		o.BidWindow = 2
	}
	if o.Package == "" {
		dirs := DefaultPackageDirs()
		if len(dirs) == 0 {
			return nil, errors.New("examples/digest/digest.wasm not found: run make examples in the repository")
		}
		o.Package = dirs[0]
	}
	if o.Genome == "" {
		o.Genome = filepath.Join(o.Package, "..", "data", "lambda.fa")
	}
	home, err := os.MkdirTemp("", "cell-bench-order-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(home)
	nodes := make([]NodeOptions, o.Nodes)
	for i := range nodes {
		nodes[i].Capacity = o.Concurrency
	}
	d, err := Start(ctx, Options{Home: home, Nodes: o.Nodes, BlockTime: o.BlockTime, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1,
		Node: nodes, Packages: []string{o.Package}, Log: o.Log})
	if err != nil {
		return nil, err
	}
	defer d.Stop()

	// One funded account per concurrent buyer.
	funder, err := d.Key(KeyBuyer)
	if err != nil {
		return nil, err
	}
	keys := make([]ed25519.PrivateKey, o.Concurrency)
	var msgs []*ledgerpb.Msg
	for i := range keys {
		_, keys[i], _ = ed25519.GenerateKey(nil)
		a, _ := address.FromPubKey(keys[i].Public().(ed25519.PublicKey))
		msgs = append(msgs, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: a[:], Amount: BuyerBalance / uint64(2*o.Concurrency)}}})
	}
	if res, err := d.Client.Send(ctx, funder, d.ChainID, params.Default().MinFee, msgs...); err != nil || res.Code != 0 {
		return nil, fmt.Errorf("bench: fund buyers: %v %s", err, res.Log)
	}

	// One order first, outside the measurement: it makes every node fetch
	// and compile the package, which a node does once per package.
	warm, err := order.NewBuyer(ctx, d.Client, keys[0])
	if err != nil {
		return nil, err
	}
	if _, err := warm.Run(ctx, order.Request{
		Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": o.Genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10, NoWaitFinal: true,
	}); err != nil {
		return nil, fmt.Errorf("bench: warm-up order: %w", err)
	}

	type sample struct {
		res *order.Result
		err error
	}
	var mu sync.Mutex
	var samples []sample
	next := 0
	start := time.Now()
	var wg sync.WaitGroup
	for _, key := range keys {
		b, err := order.NewBuyer(ctx, d.Client, key)
		if err != nil {
			return nil, err
		}
		wg.Go(func() {
			for {
				mu.Lock()
				if next == o.Orders {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				res, err := b.Run(ctx, order.Request{
					Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": o.Genome},
					Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: o.BidWindow, NoWaitFinal: true,
				})
				mu.Lock()
				samples = append(samples, sample{res, err})
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r := &BenchResult{Orders: o.Orders, Nodes: o.Nodes, Concurrency: o.Concurrency, BlockTimeMs: o.BlockTime.Milliseconds(), BidWindow: o.BidWindow}

	times := map[int64]time.Time{}
	blockTime := func(h int64) (time.Time, error) {
		if t, ok := times[h]; ok {
			return t, nil
		}
		hr, err := d.Client.RPC().Header(ctx, &h)
		if err != nil {
			return time.Time{}, err
		}
		times[h] = hr.Header.Time
		return hr.Header.Time, nil
	}
	var dB, dS, cB, cS, aB, aS []float64
	var first, last time.Time
	for _, s := range samples {
		if s.err != nil || s.res == nil || s.res.Heights.Closed == 0 {
			r.Failed++
			if s.err != nil && len(r.Errors) < 5 {
				r.Errors = append(r.Errors, s.err.Error())
			}
			continue
		}
		h := s.res.Heights
		tc, err1 := blockTime(h.Created)
		ta, err2 := blockTime(h.Awarded)
		td, err3 := blockTime(h.Delivered)
		tx, err4 := blockTime(h.Closed)
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return nil, err
		}
		r.Completed++
		dB, dS = append(dB, float64(h.Delivered-h.Created)), append(dS, td.Sub(tc).Seconds())
		cB, cS = append(cB, float64(h.Closed-h.Created)), append(cS, tx.Sub(tc).Seconds())
		aB, aS = append(aB, float64(h.Delivered-h.Awarded)), append(aS, td.Sub(ta).Seconds())
		if first.IsZero() || tc.Before(first) {
			first = tc
		}
		if tx.After(last) {
			last = tx
		}
	}
	r.Seconds = time.Since(start).Seconds()
	if r.Completed > 0 {
		r.Seconds = last.Sub(first).Seconds()
		if r.Seconds > 0 {
			r.OrdersPerSec = float64(r.Completed) / r.Seconds
		}
	}
	r.DeliveryBlocks, r.DeliverySeconds = pct(dB), pct(dS)
	r.CloseBlocks, r.CloseSeconds = pct(cB), pct(cS)
	r.AwardToDeliveryBlocks, r.AwardToDeliverySeconds = pct(aB), pct(aS)
	return r, nil
}

// pct returns the nearest-rank 50th and 95th percentiles.
func pct(v []float64) Percentiles {
	if len(v) == 0 {
		return Percentiles{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return Percentiles{P50: rank(0.50), P95: rank(0.95)}
}

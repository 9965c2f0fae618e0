package bench

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	abci "github.com/cometbft/cometbft/abci/types"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/schema"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// driver runs the blocks of a chain.Application as CometBFT runs them,
// without CometBFT: ProcessProposal, FinalizeBlock, Commit, timing each.
// Block h has the hash sha256("bench block h") and the time 1.7e9 + h
// seconds after the Unix epoch.
type driver struct {
	app    *chain.Application
	height int64 // the last committed height
	// ops, if set (countOps), counts the store operations of the block
	// being run.
	ops *StoreOps
}

// countOps makes the driver count the store operations of each block it
// runs (blockRun.ops), through chain.Application.ObserveState.
func (d *driver) countOps() {
	d.ops = new(StoreOps)
	d.app.ObserveState(func(s store.KVStore) store.KVStore { return countingStore{parent: s, ops: d.ops} })
}

// blockRun is the outcome of one block.
type blockRun struct {
	height                    int64
	process, finalize, commit time.Duration
	// cpu is the CPU time the process used over the three calls, every
	// thread (processCPU): unlike their wall time, it does not grow
	// while other processes hold the machine's cores.
	cpu time.Duration
	res *abci.FinalizeBlockResponse
	ops StoreOps // with driver.countOps
}

// seconds is the time of the whole block.
func (b blockRun) seconds() float64 { return (b.process + b.finalize + b.commit).Seconds() }

// block runs the next block with txs. A rejected proposal is an error;
// failed transactions are not (see res.TxResults).
func (d *driver) block(ctx context.Context, txs [][]byte) (blockRun, error) {
	h := d.height + 1
	hash := sha256.Sum256(fmt.Appendf(nil, "bench block %d", h))
	at := time.Unix(1_700_000_000+h, 0)
	b := blockRun{height: h}
	if d.ops != nil {
		*d.ops = StoreOps{}
	}
	c0 := processCPU()
	t0 := time.Now()
	pp, err := d.app.ProcessProposal(ctx, &abci.ProcessProposalRequest{Txs: txs, Hash: hash[:], Height: h, Time: at})
	if err != nil {
		return b, err
	}
	if pp.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
		return b, fmt.Errorf("block %d: proposal rejected", h)
	}
	t1 := time.Now()
	fb, err := d.app.FinalizeBlock(ctx, &abci.FinalizeBlockRequest{Txs: txs, Hash: hash[:], Height: h, Time: at})
	if err != nil {
		return b, err
	}
	t2 := time.Now()
	if _, err := d.app.Commit(ctx, &abci.CommitRequest{}); err != nil {
		return b, err
	}
	t3 := time.Now()
	b.cpu = processCPU() - c0
	d.height = h
	b.process, b.finalize, b.commit, b.res = t1.Sub(t0), t2.Sub(t1), t3.Sub(t2), fb
	if d.ops != nil {
		b.ops = *d.ops
	}
	return b, nil
}

// mustBlock is block, failing on a failed transaction too.
func (d *driver) mustBlock(ctx context.Context, txs [][]byte) (blockRun, error) {
	b, err := d.block(ctx, txs)
	if err != nil {
		return b, err
	}
	for i, r := range b.res.TxResults {
		if r.Code != 0 {
			return b, fmt.Errorf("block %d: tx %d: code %d (%s): %s", b.height, i, r.Code, r.Codespace, r.Log)
		}
	}
	return b, nil
}

// ask runs the ledger's query path (query.Paths) through abciQuery, which
// takes the full ABCI path: it sends req (nil: no data) and decodes the
// reply into resp.
func ask(ctx context.Context, abciQuery func(ctx context.Context, path string, data []byte) (*abci.QueryResponse, error), path string, req, resp proto.Message) error {
	var data []byte
	if req != nil {
		var err error
		if data, err = proto.Marshal(req); err != nil {
			return fmt.Errorf("query %s: %w", path, err)
		}
	}
	r, err := abciQuery(ctx, query.AppPrefix+path, data)
	if err != nil {
		return fmt.Errorf("query %s: %w", path, err)
	}
	if r.Code != 0 {
		return fmt.Errorf("query %s: code %s/%d: %s", path, r.Codespace, r.Code, r.Log)
	}
	if err := proto.Unmarshal(r.Value, resp); err != nil {
		return fmt.Errorf("query %s: %w", path, err)
	}
	return nil
}

// events is the registry of the ledger's events, to read the results of
// the blocks the benchmarks drive.
var events = schema.Events()

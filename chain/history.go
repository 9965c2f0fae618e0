package chain

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/rpc/grpc/client/privileged"
	"github.com/cometbft/cometbft/types"
)

// CometBFT prunes blocks below the retain height that Commit returns
// (StateConfig.RetainBlocks), but not the rest of a block's history: its
// results (the FinalizeBlock response /block_results serves) and its
// entries in the transaction and block indexes. Those it prunes only below
// the retain heights of a "data companion", set through its privileged
// gRPC pruning service. The node is its own companion: Start enables the
// service on a Unix socket in HOME/data (never on the network) and
// pruneHistory sets the retain heights of block results and indexes to
// the ABCI one, and that of blocks to the same or, while the ABCI one is
// inside the evidence window, the window's horizon (evidenceHorizon), so
// that every part of a block's history goes and an idle node's disk stays
// flat.

// pruningSocket is the name of the privileged gRPC socket in HOME/data;
// maxSocketPath the longest path used for it.
const (
	pruningSocket = "pruning.sock"
	maxSocketPath = 100
)

// enableHistoryPruning configures c for pruneHistory, with CometBFT's
// forced compaction after pruning (storage.compact), and returns the
// socket's path, or "" when the node keeps every block (RetainBlocks -1)
// or its operator configured a privileged gRPC server of their own.
func enableHistoryPruning(c *cfg.Config, home string, sc StateConfig) string {
	if sc.RetainBlocks <= 0 || c.GRPC.Privileged.ListenAddress != "" {
		return ""
	}
	sock := filepath.Join(home, "data", pruningSocket)
	if len(sock) > maxSocketPath {
		// A Unix socket's path is short (108 bytes on Linux): a deep home
		// gets a private directory of the system's temporary one.
		dir, err := os.MkdirTemp("", "cell-pruning-")
		if err != nil {
			return ""
		}
		sock = filepath.Join(dir, pruningSocket)
	}
	os.Remove(sock) // left by a node that did not stop cleanly
	c.GRPC.Privileged.ListenAddress = "unix://" + sock
	c.GRPC.Privileged.PruningService.Enabled = true
	c.Storage.Pruning.DataCompanion.Enabled = true
	// Deleted blocks free their disk only once the database compacts:
	// CometBFT forces it every storage.compaction_interval pruned blocks.
	c.Storage.Compact = true
	return sock
}

// pruneHistory sets, every interval, the companion's retain heights of
// block results and both indexes to last committed height − retain + 1,
// as Commit sets the application's, and its block retain height to the
// same height or, if lower, the evidence horizon of the node's block
// store (evidenceHorizon). It returns the function that stops it.
// Failures are logged and tried again at the next tick: pruning late
// costs disk, never correctness.
func pruneHistory(a *Application, n *node.Node, sock string, retain int64, interval time.Duration, logger cmtlog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := privileged.New(ctx, "unix://"+sock, privileged.WithInsecure())
		if err != nil {
			logger.Error("history pruning: no pruning service", "err", err)
			return
		}
		defer c.Close()
		rpc := local.New(n)
		t := time.NewTicker(max(interval, time.Second))
		defer t.Stop()
		var done, doneBlocks uint64
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			snap := a.last.Load()
			if snap == nil || snap.Version() <= retain {
				continue
			}
			h := uint64(snap.Version() - retain + 1)
			if h > done {
				for _, set := range []func(context.Context, uint64) error{
					c.SetBlockResultsRetainHeight, c.SetTxIndexerRetainHeight, c.SetBlockIndexerRetainHeight,
				} {
					if err = set(ctx, h); err != nil {
						break
					}
				}
				if err != nil {
					if ctx.Err() == nil {
						logger.Error("history pruning: set retain heights", "height", h, "err", err)
					}
					continue
				}
				done = h
			}
			p, err := rpc.ConsensusParams(ctx, nil)
			if err != nil {
				if ctx.Err() == nil {
					logger.Error("history pruning: consensus params", "err", err)
				}
				continue
			}
			bh := min(h, uint64(max(evidenceHorizon(n.BlockStore(), p.ConsensusParams.Evidence), 0)))
			if bh <= doneBlocks {
				continue
			}
			if err := c.SetBlockRetainHeight(ctx, bh); err != nil {
				if ctx.Err() == nil {
					logger.Error("history pruning: set block retain height", "height", bh, "err", err)
				}
				continue
			}
			doneBlocks = bh
		}
	}()
	return func() { cancel(); wg.Wait() }
}

// blockStore is what evidenceHorizon reads of CometBFT's block store.
type blockStore interface {
	Base() int64
	Height() int64
	LoadBlockMeta(height int64) *types.BlockMeta
}

// evidenceHorizon returns the highest retain height r at which every
// block below r is older than the evidence window ep as of the last
// block of bs (more than ep.MaxAgeNumBlocks blocks and ep.MaxAgeDuration
// older), or bs.Base() when there is none above it.
//
// CometBFT prunes a block within the evidence window only in part: it
// keeps its header and commit (and its validator-set entry in the state
// store), which evidence of a fault at that height needs, and never
// returns to delete them once its base has moved past the block (store
// BlockStore.PruneBlocks and state PruneStates of v1.0.1 start from the
// base). With a retain height inside the window, every header and commit
// would stay for ever, some 700 bytes a block; held at the horizon, each
// block is deleted whole, once. Evidence only ages, so a height beyond
// the horizon now is beyond it when CometBFT prunes.
func evidenceHorizon(bs blockStore, ep types.EvidenceParams) int64 {
	base, last := bs.Base(), bs.Height()
	lastMeta := bs.LoadBlockMeta(last)
	if lastMeta == nil {
		return base
	}
	// Blocks below r are expired when last − (r−1) > MaxAgeNumBlocks and
	// their time is more than MaxAgeDuration before the last block's.
	hi := last - ep.MaxAgeNumBlocks
	expired := func(r int64) bool {
		m := bs.LoadBlockMeta(r - 1)
		return m != nil && lastMeta.Header.Time.Sub(m.Header.Time) > ep.MaxAgeDuration
	}
	if hi <= base || !expired(base+1) {
		return base
	}
	// Times grow with heights: the highest r in (base, hi] whose block
	// r−1 has expired, by bisection.
	lo := base + 1
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if expired(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

package chain

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/rpc/grpc/client/privileged"
)

// CometBFT prunes blocks below the retain height that Commit returns
// (StateConfig.RetainBlocks), but not the rest of a block's history: its
// results (the FinalizeBlock response /block_results serves) and its
// entries in the transaction and block indexes. Those it prunes only below
// the retain heights of a "data companion", set through its privileged
// gRPC pruning service. The node is its own companion: Start enables the
// service on a Unix socket in HOME/data (never on the network) and
// pruneHistory sets the four retain heights to the ABCI one, so that
// every part of a block's history goes at the same height and an idle
// node's disk stays flat.

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
// blocks, block results and both indexes to last committed height −
// retain + 1, as Commit sets the application's. It returns the function
// that stops it. Failures are logged and tried again at the next tick:
// pruning late costs disk, never correctness.
func pruneHistory(a *Application, sock string, retain int64, interval time.Duration, logger cmtlog.Logger) (stop func()) {
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
		t := time.NewTicker(max(interval, time.Second))
		defer t.Stop()
		var done uint64
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
			if h <= done {
				continue
			}
			for _, set := range []func(context.Context, uint64) error{
				c.SetBlockRetainHeight, c.SetBlockResultsRetainHeight, c.SetTxIndexerRetainHeight, c.SetBlockIndexerRetainHeight,
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
	}()
	return func() { cancel(); wg.Wait() }
}

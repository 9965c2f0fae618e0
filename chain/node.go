package chain

import (
	"context"
	"fmt"
	"io"

	cfg "github.com/cometbft/cometbft/config"
	cmtlog "github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cosmos/iavl"
	dbm "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/ledger/app"
)

// queryCacheSize is the number of IAVL nodes the query tree keeps in
// memory (the consensus tree's is StateConfig.CacheNodes).
const queryCacheSize = 20_000

// Node is a running validator or full node: CometBFT with the ledger
// application, in this process.
type Node struct {
	cmt *node.Node
	db  dbm.DB
	App *Application
	// pruned stops the retain-height loop (pruneHistory) and the WAL's
	// (pruneWALLoop) and waits for them.
	pruned func()
}

// OpenDB opens (creating if needed) the ledger's database,
// HOME/data/ledger.db: the IAVL tree of the ledger state, every saved
// version of it. Close it once the Application over it is done.
func OpenDB(home string) (dbm.DB, error) {
	return OpenStateDB(home, StateConfig{})
}

// loadTree loads the ledger's IAVL tree from db at its latest version,
// caching cacheNodes nodes.
func loadTree(db dbm.DB, cacheNodes int) (*iavl.MutableTree, error) {
	tree := iavl.NewMutableTree(db, cacheNodes, false, iavl.NewNopLogger())
	if _, err := tree.Load(); err != nil {
		return nil, fmt.Errorf("load ledger state: %w", err)
	}
	return tree, nil
}

// Start starts the node of home, with the process's collector target
// set from its ledger.toml (ApplyGC). CometBFT logs go to logw at the level of
// config.toml's log_level. Stop it with Stop.
func Start(ctx context.Context, home string, logw io.Writer) (*Node, error) {
	c, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	chainID, err := ChainID(home)
	if err != nil {
		return nil, err
	}
	sc, err := LoadStateConfig(home)
	if err != nil {
		return nil, err
	}
	ApplyGC(sc)
	db, err := OpenStateDB(home, sc)
	if err != nil {
		return nil, err
	}
	app, err := OpenApplication(db, chainID, sc)
	if err != nil {
		db.Close()
		return nil, err
	}
	sock := enableHistoryPruning(c, home, sc)
	walLimit := sc.ConsensusWALMB << 20
	if sc.ConsensusWALMB > 0 {
		// Before CometBFT opens the WAL, so that it never reads a file
		// the loop deletes.
		if _, err := pruneWAL(c.Consensus.WalFile(), walLimit); err != nil {
			db.Close()
			return nil, err
		}
	}
	n, err := StartWith(ctx, c, proxy.NewUnsyncLocalClientCreator(app), logw)
	if err != nil {
		db.Close()
		return nil, err
	}
	logger, _ := newLogger(logw, c.LogLevel) // the level was checked by StartWith
	stopHistory, stopWAL := func() {}, func() {}
	if sock != "" {
		stopHistory = pruneHistory(app, n, sock, sc.RetainBlocks, c.Storage.Pruning.Interval, logger)
	}
	if sc.ConsensusWALMB > 0 {
		stopWAL = pruneWALLoop(c.Consensus.WalFile(), walLimit, walCheckInterval, logger)
	}
	return &Node{cmt: n, db: db, App: app, pruned: func() { stopHistory(); stopWAL() }}, nil
}

// StartWith starts CometBFT for the home of config c with the application
// behind clients: the ledger's Application, which does its own locking, is
// served by proxy.NewUnsyncLocalClientCreator; an application that needs
// CometBFT to serialize its calls by proxy.NewLocalClientCreator. Stop it
// with Stop and Wait.
func StartWith(ctx context.Context, c *cfg.Config, clients proxy.ClientCreator, logw io.Writer) (*node.Node, error) {
	nodeKey, err := p2p.LoadNodeKey(c.NodeKeyFile())
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	logger, err := newLogger(logw, c.LogLevel)
	if err != nil {
		return nil, err
	}
	n, err := node.NewNode(ctx, c, pv, nodeKey, clients,
		node.DefaultGenesisDocProviderFunc(c), dbProvider,
		node.DefaultMetricsProvider(c.Instrumentation), logger)
	if err != nil {
		return nil, fmt.Errorf("new node: %w", err)
	}
	if err := n.Start(); err != nil {
		return nil, fmt.Errorf("start node: %w", err)
	}
	return n, nil
}

func newLogger(w io.Writer, level string) (cmtlog.Logger, error) {
	l := cmtlog.NewTMLogger(cmtlog.NewSyncWriter(w))
	opt, err := cmtlog.AllowLevel(level)
	if err != nil {
		return nil, fmt.Errorf("log_level %q: %w", level, err)
	}
	return cmtlog.NewFilter(l, opt), nil
}

// CometBFT returns the CometBFT node, e.g. for its block store.
func (n *Node) CometBFT() *node.Node { return n.cmt }

// Stop stops the node and closes the ledger's database.
func (n *Node) Stop() error {
	n.pruned()
	err := n.cmt.Stop()
	n.cmt.Wait()
	if cerr := n.db.Close(); err == nil {
		err = cerr
	}
	return err
}

// CheckInvariants opens the ledger state of a stopped node's home and
// checks the ledger's invariants (app.CheckInvariants: supply, escrow,
// stakes, indexes) on its latest version. It returns the first broken
// invariant, or an error opening the state.
func CheckInvariants(home string) error {
	db, err := OpenDB(home)
	if err != nil {
		return err
	}
	defer db.Close()
	tree, err := loadTree(db, DefaultCacheNodes)
	if err != nil {
		return err
	}
	snap, err := tree.GetImmutable(tree.Version())
	if err != nil {
		return fmt.Errorf("ledger state version %d: %w", tree.Version(), err)
	}
	return app.CheckInvariants(newSnapshotStore(snap))
}

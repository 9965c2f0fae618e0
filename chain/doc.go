// Package chain runs the ledger on CometBFT: the ABCI 2.0 adapter over an
// IAVL tree on disk (Application), an in-process node (Start), and the
// files of a node's home (InitHome, WriteGenesis, Testnet).
//
// A home directory is CometBFT's, plus the ledger's state:
//
//	HOME/config/config.toml            CometBFT configuration
//	HOME/config/genesis.json           genesis; app_state is the ledger genesis
//	HOME/config/node_key.json          p2p identity
//	HOME/config/priv_validator_key.json consensus key (ed25519)
//	HOME/config/ledger.toml            what the node keeps (StateConfig)
//	HOME/data/                         CometBFT block store and state
//	HOME/data/ledger.db/               the ledger's IAVL tree (goleveldb)
//	HOME/keys/                         the account keyring (client/keyring)
//
// Version v of the IAVL tree is the state after block v, and its root is
// the app hash CometBFT records in block v+1. Nothing in this package
// decides anything about the ledger: it moves bytes between CometBFT, the
// tree and ledger/app.
//
// # Blocks
//
// A block is executed before it is voted on. ProcessProposal runs the
// proposed block with its own header on a branch (store.Cache) of the
// committed state, exactly as FinalizeBlock would, and rejects it if a
// transaction was not charged: one that fails its form, signature,
// sequence or fee check pays nothing and must not take block space
// (app.BlockResult.Uncharged). PrepareProposal runs the mempool's
// transactions the same way and proposes only those that were charged, so
// an honest proposer's block is accepted. FinalizeBlock writes the branch
// of the block ProcessProposal accepted, if it is handed that very block
// (same height, hash and transactions), and otherwise runs the block
// again; either way the tree receives the block's writes once, in key
// order, and computes the same app hash. Writing once at the end also
// keeps a block's cost linear in its work: IAVL's working-tree iterators
// cost more with every unsaved write, and the block hooks iterate after
// each order they handle.
//
// # Transactions, once
//
// Each transaction is decoded once and its signature verified once,
// whichever of CheckTx, PrepareProposal, ProcessProposal and FinalizeBlock
// sees it first: a bounded cache keyed by the transaction's bytes keeps
// both (at most 100,000 transactions and 64 MiB, oldest forgotten first).
// Concurrent CheckTx calls verify their signatures together, in one
// batch, and a block's signatures that the cache lacks are verified
// in batches before it runs; a failed batch is verified one signature at
// a time, and the ledger refuses exactly the transactions whose signature
// is bad (see Application).
//
// # Queries
//
// Query reads a snapshot without the consensus lock: Commit saves the
// version, loads it as an immutable IAVL tree and publishes it atomically,
// and a query reads the last published one (or an earlier version by
// height), so a slow block never stalls a query and a query never delays
// a block. The snapshots come from a second tree over the same database
// that is never written, and are read through their nodes only; see
// Application for IAVL's concurrency rules that make this safe. Only
// before the first Commit, when the genesis state is in the working tree
// alone, does a query take the lock. The paths, their messages and their
// paging are the ledger's query protocol (ledger/query); every list query
// answers one page, and a client follows the cursors, reading every page
// at the height of the first. A failed query carries the code of its
// error, as a refused transaction does. The path query.Simulate runs a
// transaction on a branch of the mempool's state, under the lock, and
// reports the result it would have in the next block.
//
// # History
//
// A node keeps a window of history, not all of it (StateConfig, in
// ledger.toml), and its disk stops growing once the windows are full:
//
//   - ledger.db: Commit deletes the state versions older than the last
//     keep_versions, so a query or proof at an older height fails with
//     query.ErrHeight ("pruned").
//   - blockstore.db, state.db: Commit returns the retain height that
//     makes CometBFT prune the blocks older than the last retain_blocks,
//     and their FinalizeBlock results. CometBFT would keep, for ever, the
//     header and commit of each block it prunes within the evidence
//     window, so the node holds the blocks' retain height at the window's
//     horizon (evidenceHorizon): it keeps the last retain_blocks blocks or
//     the evidence window, whichever is longer, and deletes each older
//     block whole. WriteGenesis sets the window to the ledger's
//     unbonding_blocks (EvidenceParams) rather than CometBFT's default of
//     100,000 blocks and 48 hours, whichever is longer.
//   - tx_index.db: the node sets CometBFT's data-companion retain heights
//     to the same height, so the blocks' results and index entries go too
//     (TestHistoryPruning, TestTxIndexPruning), and it opens the index so
//     that the files a prune compacts are deleted (dbProvider: CometBFT's
//     block indexer leaves its prune iterator open).
//   - cs.wal: CometBFT's consensus WAL rotates itself in 10 MB files and
//     deletes the oldest only beyond 1 GB, limits that CometBFT v1 fixes;
//     the node deletes the oldest rotated files beyond consensus_wal_mb
//     (default 20) itself, never the head or the newest rotated file
//     (wal.go says why that is safe for crash recovery).
//
// CometBFT compacts its databases after every storage.compaction_interval
// pruned blocks (the node turns storage.compact on), so deleted blocks
// free their disk. Between compactions and flushes, each database grows
// by a bounded step: Pebble's memtable journal and LevelDB's, up to 4 MiB.
// TestIdleDiskIsBounded runs an idle node for 1,200 blocks and checks
// that none of CometBFT's databases grows; TestWALPruning restarts a node
// whose WAL the node pruned. -1 keeps everything (an archive node).
//
// Measured on an idle devnet (200 ms blocks, about 4.8 a second,
// retain_blocks 200, keep_versions 20, the devnet's evidence window of
// 1,200 blocks), once the windows were full (after about 6,000 blocks,
// the last compaction steps included): blockstore.db 8.57 MB (four
// Pebble journals of 1,000 blocks and 1.2 MB of tables), state.db
// 2.35 MB, tx_index.db 0.7 MB, ledger.db between 0.4 and 3.6 MB (its
// LevelDB journal), evidence.db 5 KB; cs.wal grew by 1.6 KB a block to
// 20.7 MB, when CometBFT rotated its head a second time and the node
// deleted the oldest file, back to 10.7 MB. Before, the same devnet grew
// by 1.8 KB a block in blockstore.db, 1.2 KB in tx_index.db and 1.6 KB
// in cs.wal (up to 1 GB), without end.
package chain

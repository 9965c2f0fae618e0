package chain

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/BurntSushi/toml"
	cosmosdb "github.com/cosmos/cosmos-db"
	iavldb "github.com/cosmos/iavl/db"
	"github.com/syndtr/goleveldb/leveldb/filter"
	"github.com/syndtr/goleveldb/leveldb/opt"

	"github.com/celltonomy/celltonomy/ledger/store"
)

// StateConfig configures the ledger's state database and what a node
// keeps of its history. It is read from HOME/config/ledger.toml
// (LoadStateConfig), which InitHome writes with the defaults; a missing
// file or key means the default. These are a node's own choices, not
// consensus rules: validators may differ.
type StateConfig struct {
	// CacheNodes is the number of IAVL nodes the consensus tree keeps in
	// memory (ledger.toml: iavl_cache_nodes; default 100,000, about
	// 100 MB: `cell bench scale` measured about 1 KB a node). A larger
	// cache saves disk reads in blocks that touch a large state; 0 means
	// the default.
	CacheNodes int `toml:"iavl_cache_nodes"`
	// KeepVersions is the number of recent versions of the ledger state
	// kept on disk, one per height (ledger.toml: keep_versions; default
	// 1,000). Older versions are deleted after each commit: a query or a
	// proof at a height below the last KeepVersions fails with
	// query.ErrHeight ("pruned"). 0 means the default; -1 keeps every
	// version (an archive node). At least 2, so that the version before
	// the last, which a query may still be reading, is never deleted.
	KeepVersions int64 `toml:"keep_versions"`
	// RetainBlocks is the number of recent blocks CometBFT keeps
	// (ledger.toml: retain_blocks; default 10,000): each Commit asks it to
	// prune the blocks below height − RetainBlocks + 1 (the ABCI retain
	// height). A follower that falls further behind than that cannot
	// catch up from this node. Blocks within the evidence window
	// (EvidenceParams: the ledger's unbonding_blocks) are kept too, whole,
	// so a node keeps the larger of the two (see evidenceHorizon). 0 means
	// the default; -1 keeps every block.
	RetainBlocks int64 `toml:"retain_blocks"`
	// LevelDBCacheMB is the block cache of the state's LevelDB database
	// (ledger.toml: leveldb_cache_mb; default 8, LevelDB's own), in MB:
	// decompressed blocks of the database files kept in memory, which
	// reads of tree nodes missing from the IAVL cache hit instead of the
	// files. 0 means the default. `cell bench scale` measured 64 and
	// 256 MB at the full state: neither brought its blocks within 20 %
	// of a state 100 times smaller, for up to 0.5 GB more memory, so
	// the default stays.
	LevelDBCacheMB int `toml:"leveldb_cache_mb"`
	// GCPercent is the Go collector's target of the node's process
	// (ledger.toml: gc_percent; default 400; runtime/debug.SetGCPercent,
	// applied by ApplyGC): a collection starts once the heap has grown by
	// this percentage of what the last one left live. Transactions
	// allocate briefly (decoding, state branches, events), so a validator
	// under load spends much of its time collecting at Go's own 100; at
	// 400 it collects a fifth as often, for a peak heap up to five times
	// the live heap instead of twice (see README: "memory"). 0 means the
	// default; otherwise at least 25. It is set for the whole process:
	// nodes sharing a process (cell devnet) share it.
	GCPercent int `toml:"gc_percent"`
	// LevelDBCompression is how the state's LevelDB database compresses
	// the blocks of the files it writes (ledger.toml:
	// leveldb_compression): "snappy" (the default, LevelDB's own) or
	// "none". Files already written keep theirs until LevelDB compacts
	// them; a database reads both. "" means the default. `cell bench
	// scale` found no block at the full state faster without
	// compression beyond the machine's noise, so snappy stays.
	LevelDBCompression string `toml:"leveldb_compression"`
	// ConsensusWALMB bounds CometBFT's consensus WAL, HOME/data/cs.wal
	// (ledger.toml: consensus_wal_mb; default 20), in MB: the node
	// deletes the oldest of the WAL's rotated 10 MB files beyond it, on
	// start and every 5 s, but never the head or the newest rotated file,
	// which hold the last committed height's end marker that crash
	// recovery replays from. The WAL then takes at most about 20 MB (the
	// head up to 10 MB and one rotated file) at the default. 0 means the
	// default; -1 leaves the WAL to CometBFT, which deletes its oldest
	// files only beyond 1 GB. See wal.go for why this is safe.
	ConsensusWALMB int64 `toml:"consensus_wal_mb"`
}

// Defaults of StateConfig.
const (
	DefaultCacheNodes     = 100_000
	DefaultKeepVersions   = 1_000
	DefaultRetainBlocks   = 10_000
	DefaultLevelDBCacheMB = 8
	DefaultGCPercent      = 400
	// DefaultLevelDBCompression is StateConfig.LevelDBCompression's
	// default.
	DefaultLevelDBCompression = CompressionSnappy
	// DefaultConsensusWALMB is StateConfig.ConsensusWALMB's default.
	DefaultConsensusWALMB = 20
)

// The values of StateConfig.LevelDBCompression.
const (
	CompressionSnappy = "snappy"
	CompressionNone   = "none"
)

// minGCPercent is the lowest gc_percent a node accepts: below it the
// collector runs nearly all the time.
const minGCPercent = 25

// maxConsensusWALMB bounds consensus_wal_mb (1 TiB), so that it fits in
// bytes.
const maxConsensusWALMB = 1 << 20

// OpenStateDB is OpenDB with the database options of sc: LevelDB with a
// Bloom filter of 10 bits a key (as LevelDB's own default for the
// ledger's state, which reads absent keys) and a block cache of
// sc.LevelDBCacheMB, compressing with sc.LevelDBCompression. Errors: sc breaks a rule of StateConfig, or the
// database does not open.
func OpenStateDB(home string, sc StateConfig) (iavldb.DB, error) {
	if err := sc.validate(); err != nil {
		return nil, err
	}
	sc = sc.withDefaults()
	compression := opt.SnappyCompression
	if sc.LevelDBCompression == CompressionNone {
		compression = opt.NoCompression
	}
	db, err := cosmosdb.NewGoLevelDBWithOpts("ledger", filepath.Join(home, "data"), &opt.Options{
		Filter:             filter.NewBloomFilter(10),
		BlockCacheCapacity: sc.LevelDBCacheMB * opt.MiB,
		Compression:        compression,
	})
	if err != nil {
		return nil, fmt.Errorf("open ledger state: %w", err)
	}
	return iavldb.NewWrapper(db), nil
}

// withDefaults fills the zero fields of c with the defaults.
func (c StateConfig) withDefaults() StateConfig {
	if c.CacheNodes == 0 {
		c.CacheNodes = DefaultCacheNodes
	}
	if c.KeepVersions == 0 {
		c.KeepVersions = DefaultKeepVersions
	}
	if c.RetainBlocks == 0 {
		c.RetainBlocks = DefaultRetainBlocks
	}
	if c.LevelDBCacheMB == 0 {
		c.LevelDBCacheMB = DefaultLevelDBCacheMB
	}
	if c.GCPercent == 0 {
		c.GCPercent = DefaultGCPercent
	}
	if c.LevelDBCompression == "" {
		c.LevelDBCompression = DefaultLevelDBCompression
	}
	if c.ConsensusWALMB == 0 {
		c.ConsensusWALMB = DefaultConsensusWALMB
	}
	return c
}

// validate checks c, naming the field and the rule.
func (c StateConfig) validate() error {
	switch {
	case c.CacheNodes < 0:
		return fmt.Errorf("iavl_cache_nodes %d: must be 0 (default) or positive", c.CacheNodes)
	case c.KeepVersions < -1 || c.KeepVersions == 1:
		return fmt.Errorf("keep_versions %d: must be -1 (keep all), 0 (default) or at least 2", c.KeepVersions)
	case c.RetainBlocks < -1:
		return fmt.Errorf("retain_blocks %d: must be -1 (keep all), 0 (default) or positive", c.RetainBlocks)
	case c.LevelDBCacheMB < 0:
		return fmt.Errorf("leveldb_cache_mb %d: must be 0 (default) or positive", c.LevelDBCacheMB)
	case c.GCPercent != 0 && c.GCPercent < minGCPercent:
		return fmt.Errorf("gc_percent %d: must be 0 (default) or at least %d", c.GCPercent, minGCPercent)
	case c.LevelDBCompression != "" && c.LevelDBCompression != CompressionSnappy && c.LevelDBCompression != CompressionNone:
		return fmt.Errorf("leveldb_compression %q: must be %q (default) or %q", c.LevelDBCompression, CompressionSnappy, CompressionNone)
	case c.ConsensusWALMB < -1 || c.ConsensusWALMB > maxConsensusWALMB:
		return fmt.Errorf("consensus_wal_mb %d: must be -1 (CometBFT's 1 GB), 0 (default) or positive up to %d", c.ConsensusWALMB, maxConsensusWALMB)
	}
	return nil
}

// StateConfigFile is the path of a home's ledger.toml.
func StateConfigFile(home string) string { return filepath.Join(home, "config", "ledger.toml") }

// LoadStateConfig reads HOME/config/ledger.toml; without the file it
// returns the defaults. Errors: the file does not parse, has an unknown
// key, or breaks a rule of StateConfig (the error names the key).
func LoadStateConfig(home string) (StateConfig, error) {
	var c StateConfig
	md, err := toml.DecodeFile(StateConfigFile(home), &c)
	if errors.Is(err, os.ErrNotExist) {
		return c.withDefaults(), nil
	}
	if err != nil {
		return c, fmt.Errorf("%s: %w", StateConfigFile(home), err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return c, fmt.Errorf("%s: unknown key %q", StateConfigFile(home), und[0].String())
	}
	if err := c.validate(); err != nil {
		return c, fmt.Errorf("%s: %w", StateConfigFile(home), err)
	}
	return c.withDefaults(), nil
}

const stateConfigTemplate = `# The ledger state and the history this node keeps (chain.StateConfig).
# These are this node's choices, not consensus rules.

# IAVL nodes the consensus tree caches in memory (about 100 MB per
# 100,000). 0: the default, 100000.
iavl_cache_nodes = %d

# Recent versions of the ledger state kept on disk, one per height; queries
# and proofs at older heights fail ("pruned"). 0: the default, 1000;
# -1: keep every version (archive node); otherwise at least 2.
keep_versions = %d

# Recent blocks CometBFT keeps (the ABCI retain height), or the evidence
# window (the ledger's unbonding_blocks) if that is longer; older blocks
# are pruned. 0: the default, 10000; -1: keep every block.
retain_blocks = %d

# Block cache of the state's LevelDB database, in MB. 0: the default, 8.
leveldb_cache_mb = %d

# The Go collector's target for this process (GOGC): a collection starts
# when the heap has grown by this percentage of the live heap. Higher
# collects less often for a larger peak heap (about live × (1 + gc/100)).
# 0: the default, 400; otherwise at least 25.
gc_percent = %d

# Compression of the blocks LevelDB writes: "snappy" (the default) or
# "none".
leveldb_compression = %q

# Disk CometBFT's consensus WAL (data/cs.wal) may take, in MB: the oldest
# of its rotated 10 MB files beyond it are deleted; the head and the newest
# rotated file always stay. 0: the default, 20; -1: CometBFT's own 1 GB.
consensus_wal_mb = %d
`

// writeStateConfig writes c (with its defaults filled) as a home's
// ledger.toml. A zero c leaves an existing file alone: an operator's
// edits stay.
func writeStateConfig(home string, c StateConfig) error {
	if err := c.validate(); err != nil {
		return err
	}
	if _, err := os.Stat(StateConfigFile(home)); err == nil && c == (StateConfig{}) {
		return nil
	}
	c = c.withDefaults()
	return os.WriteFile(StateConfigFile(home), fmt.Appendf(nil, stateConfigTemplate, c.CacheNodes, c.KeepVersions, c.RetainBlocks, c.LevelDBCacheMB, c.GCPercent, c.LevelDBCompression, c.ConsensusWALMB), 0o600)
}

// ApplyGC sets the Go collector's target of this process to
// c.GCPercent (the default if 0) and returns the previous target, so that
// a caller that runs several configurations in one process (a benchmark)
// can restore it. chain.Start applies the home's ledger.toml; the target
// is the process's, whichever node set it last.
func ApplyGC(c StateConfig) (previous int) {
	return debug.SetGCPercent(c.withDefaults().GCPercent)
}

// ObserveState makes each block the application executes (PrepareProposal,
// ProcessProposal, FinalizeBlock) read and write the tree through
// wrap(tree): wrap sees every read that misses the block's branch and,
// when FinalizeBlock writes the branch, every set and delete, in the
// order the tree receives them. It is for measurements (`cell bench
// scale` counts the operations of a block) and must pass every call on
// unchanged. Call it once, before the first block; nil removes the
// wrapper.
func (a *Application) ObserveState(wrap func(store.KVStore) store.KVStore) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.observe = wrap
}

// StateShape returns the number of keys of the last committed state and
// the height of its IAVL tree (the nodes on the path from the root to a
// leaf, the leaf's excluded): every read and write of a key walks that
// path. 0, 0 before the first commit. For measurements (`cell bench
// scale`).
func (a *Application) StateShape() (keys int64, height int) {
	snap := a.last.Load()
	if snap == nil {
		return 0, 0
	}
	return snap.Size(), int(snap.Height())
}

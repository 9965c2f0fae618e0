package chain

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/types"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// dirSizes returns the bytes of each entry of dir (a directory's: the sum
// of its files').
func dirSizes(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	sizes := map[string]int64{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		filepath.Walk(filepath.Join(dir, e.Name()), func(path string, info os.FileInfo, err error) error {
			if err == nil && info.Mode().IsRegular() {
				sizes[e.Name()] += info.Size()
			}
			return nil
		})
	}
	return sizes
}

// TestIdleDiskIsBounded runs an idle real node that keeps 5 state
// versions and 20 blocks, with an evidence window of 20 blocks
// (unbonding_blocks), CometBFT's pruner every 200 ms and compaction every
// 100 pruned blocks, for 1,200 blocks of 30 ms. Each of CometBFT's
// databases (block store, state, transaction and block index, evidence)
// is as large over its last 400 blocks as over the 300 before, within
// 128 KiB (a database grows in steps: Pebble keeps up to three old
// journals for reuse, each as long as the longest it ever wrote), and
// under 1 MiB; each of the growths this test was written against added
// far more: the block store kept every header and commit of CometBFT's
// default evidence window (about 1.7 KB a block on disk, 680 KB over 400
// blocks), and the index kept every table file that a prune compacted
// (TestBlockIndexPruningFreesDisk).
// The block store's base follows the retain height, and no header below
// it is left (CometBFT keeps those it pruned within the evidence window
// for ever; evidenceHorizon). Not checked here:
// the consensus WAL, which grows to its 10 MB head before it rotates
// (TestWALPruning), and the ledger's state, whose LevelDB journal grows to
// 4 MiB before it is flushed (TestPruning counts its keys).
func TestIdleDiskIsBounded(t *testing.T) {
	home := t.TempDir()
	p := params.Default()
	p.UnbondingBlocks = 20
	n, _ := startNodeParams(t, home, StateConfig{KeepVersions: 5, RetainBlocks: 20}, p, func(c *cfg.Config) { c.Storage.CompactionInterval = 100 }, io.Discard)
	defer n.Stop()
	dbs := []string{"blockstore.db", "state.db", "tx_index.db", "evidence.db"}
	before, after := map[string]int64{}, map[string]int64{}
	bs := n.CometBFT().BlockStore()
	for h := int64(400); h <= 1200; h += 100 {
		for deadline := time.Now().Add(60 * time.Second); bs.Height() < h; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("height %d after 60 s, want %d", bs.Height(), h)
			}
		}
		sizes := dirSizes(t, filepath.Join(home, "data"))
		window := before
		if h > 700 {
			window = after
		}
		var line strings.Builder
		for _, db := range dbs {
			window[db] = max(window[db], sizes[db])
			fmt.Fprintf(&line, " %s=%d", db, sizes[db])
		}
		t.Logf("height %d, base %d:%s cs.wal=%d ledger.db=%d", h, bs.Base(), line.String(), sizes["cs.wal"], sizes["ledger.db"])
		if base := bs.Base(); base < h-100 {
			t.Fatalf("height %d: block store base %d, want the blocks below %d pruned", h, base, h-100)
		}
	}
	for _, db := range dbs {
		if after[db] > before[db]+128<<10 || after[db] > 1<<20 {
			t.Errorf("%s: at most %d bytes over blocks 800-1200, %d over 400-700: it grows", db, after[db], before[db])
		}
	}
	kept := 0
	for h := int64(1); h < bs.Base(); h++ {
		if bs.LoadBlockMeta(h) != nil {
			kept++
		}
	}
	if kept > 0 {
		t.Fatalf("%d headers below the base %d are still stored", kept, bs.Base())
	}
}

// TestEvidenceWindow: WriteGenesis sets CometBFT's evidence window to the
// ledger's unbonding_blocks, by blocks alone, for the default params and
// for a genesis that names its own; an app_state that is not a ledger
// genesis is an error.
func TestEvidenceWindow(t *testing.T) {
	short := params.Default()
	short.UnbondingBlocks = 1_200
	for _, tt := range []struct {
		params *ledgerpb.Params
		want   int64
	}{{nil, 100_800}, {short, 1_200}} {
		home := t.TempDir()
		if err := os.MkdirAll(filepath.Join(home, "config"), 0o700); err != nil {
			t.Fatal(err)
		}
		appState, err := LedgerGenesis(nil, nil, tt.params)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteGenesis(home, "evidence", time.Now(), appState); err != nil {
			t.Fatal(err)
		}
		doc, err := types.GenesisDocFromFile(filepath.Join(home, "config", "genesis.json"))
		if err != nil {
			t.Fatal(err)
		}
		ev := doc.ConsensusParams.Evidence
		if ev.MaxAgeNumBlocks != tt.want || ev.MaxAgeDuration != time.Nanosecond || ev.MaxBytes != types.DefaultEvidenceParams().MaxBytes {
			t.Errorf("evidence params %+v, want %d blocks, 1ns", ev, tt.want)
		}
	}
	if err := WriteGenesis(t.TempDir(), "evidence", time.Now(), []byte(`{"params": 7}`)); err == nil || !strings.Contains(err.Error(), "app_state") {
		t.Fatalf("a bad app_state: %v, want an error naming app_state", err)
	}
}

// metaStore is a block store of blocks base…last, one a second.
type metaStore struct{ base, last int64 }

func (s metaStore) Base() int64   { return s.base }
func (s metaStore) Height() int64 { return s.last }
func (s metaStore) LoadBlockMeta(h int64) *types.BlockMeta {
	if h < s.base || h > s.last {
		return nil
	}
	return &types.BlockMeta{Header: types.Header{Height: h, Time: time.Unix(1_700_000_000+h, 0)}}
}

// TestEvidenceHorizon: the retain height below which every block is
// outside the evidence window, by blocks and by time, never below the
// base.
func TestEvidenceHorizon(t *testing.T) {
	for _, tt := range []struct {
		name   string
		store  metaStore
		blocks int64
		age    time.Duration
		want   int64
	}{
		// Block r−1 must be more than 20 blocks older than block 100.
		{"by blocks", metaStore{10, 100}, 20, time.Nanosecond, 80},
		// … and more than 30 s older.
		{"by time", metaStore{10, 100}, 20, 30 * time.Second, 70},
		{"by time, at the boundary", metaStore{10, 100}, 20, 31 * time.Second, 69},
		{"nothing expired yet", metaStore{1, 15}, 20, time.Nanosecond, 1},
		{"nothing expired above the base", metaStore{85, 100}, 20, time.Nanosecond, 85},
		{"only the base expired", metaStore{79, 100}, 20, time.Nanosecond, 80},
		{"an empty store", metaStore{0, 0}, 20, time.Nanosecond, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ep := types.EvidenceParams{MaxAgeNumBlocks: tt.blocks, MaxAgeDuration: tt.age}
			if got := evidenceHorizon(tt.store, ep); got != tt.want {
				t.Fatalf("horizon %d, want %d", got, tt.want)
			}
		})
	}
}

package chain

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	abci "github.com/cometbft/cometbft/abci/types"
	blockidxkv "github.com/cometbft/cometbft/state/indexer/block/kv"
	"github.com/cometbft/cometbft/types"
)

// TestBlockIndexPruningFreesDisk runs CometBFT's own block indexer over a
// Pebble database as the node opens tx_index.db: 3,000 heights with a
// few indexed events each, pruned to the last 20 every 50 heights with
// compaction after each prune. Its iterators release their snapshot at
// their end, so the table files of the pruned heights are deleted: the
// directory holds a few table files at the end. (Over the database as
// CometBFT opens it, the unclosed prune iterators pin every table file
// the compactions wrote: the test logs both counts.)
func TestBlockIndexPruningFreesDisk(t *testing.T) {
	run := func(wrap bool) (tables int, bytes int64) {
		dir := t.TempDir()
		db, err := dbm.NewPebbleDB("tx_index", dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var store dbm.DB = db
		if wrap {
			store = releasingDB{db}
		}
		idx := blockidxkv.New(dbm.NewPrefixDB(store, []byte("block_events")), blockidxkv.WithCompaction(true, 1))
		for h := int64(1); h <= 3000; h++ {
			var events []abci.Event
			for i := range 5 {
				events = append(events, abci.Event{Type: "transfer", Attributes: []abci.EventAttribute{
					{Key: "amount", Value: fmt.Sprint(h*10 + int64(i)), Index: true},
					{Key: "to", Value: strings.Repeat("x", 40), Index: true},
				}})
			}
			if err := idx.Index(types.EventDataNewBlockEvents{Height: h, Events: events}); err != nil {
				t.Fatal(err)
			}
			if h%50 == 0 {
				if _, _, err := idx.Prune(h - 20); err != nil {
					t.Fatal(err)
				}
			}
		}
		sizes, err := os.ReadDir(filepath.Join(dir, "tx_index.db"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range sizes {
			info, err := e.Info()
			if err != nil {
				continue // deleted since the listing: Pebble deletes in the background
			}
			bytes += info.Size()
			if strings.HasSuffix(e.Name(), ".sst") {
				tables++
			}
		}
		return tables, bytes
	}
	leakTables, leakBytes := run(false)
	tables, bytes := run(true)
	t.Logf("after 3,000 heights, 60 prunes: %d table files, %d bytes; opened as CometBFT does: %d table files, %d bytes", tables, bytes, leakTables, leakBytes)
	if tables > 4 {
		t.Fatalf("%d table files (%d bytes) after 60 prunes and compactions, want at most 4", tables, bytes)
	}
}

// TestPebbleManifestIsBounded: a Pebble database opened as the node
// opens CometBFT's (openPebble) starts a new MANIFEST past its limit, so
// 2,000 compactions (an idle devnet's index compacts at every prune)
// leave a MANIFEST near the limit, not one edit per compaction.
func TestPebbleManifestIsBounded(t *testing.T) {
	const limit = 16 << 10
	dir := t.TempDir()
	db, err := openPebble("state", dir, limit)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The first and last keys: CometBFT's Compact covers [first, last).
	for _, k := range []string{"a", "z"} {
		if err := db.Set([]byte(k), []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2000 {
		key := []byte(fmt.Sprintf("key/%06d", i%50))
		if err := db.Set(key, key); err != nil {
			t.Fatal(err)
		}
		if err := db.Compact(nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	var manifests int64
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "MANIFEST-") {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			manifests += info.Size()
		}
	}
	t.Logf("MANIFEST files after 2,000 compactions: %d bytes (limit %d)", manifests, limit)
	if manifests > 2*limit {
		t.Fatalf("MANIFEST files of %d bytes after 2,000 compactions, want at most %d", manifests, 2*limit)
	}
}

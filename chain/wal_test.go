package chain

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
)

// TestPruneWAL: the oldest rotated files beyond the limit go, newest
// kept first; the head and the newest rotated file always stay; files
// that are not the group's are never touched.
func TestPruneWAL(t *testing.T) {
	const mb = 1 << 20
	type file struct {
		name string
		size int64
	}
	tests := []struct {
		name  string
		files []file
		limit int64
		kept  []string
	}{
		{"no WAL yet", nil, 20 * mb, nil},
		{"head only", []file{{"wal", 9 * mb}}, 1, []string{"wal"}},
		{"within the limit", []file{{"wal", 5 * mb}, {"wal.000", 10 * mb}}, 20 * mb, []string{"wal", "wal.000"}},
		{"the oldest beyond it go", []file{{"wal", 5 * mb}, {"wal.000", 10 * mb}, {"wal.001", 10 * mb}, {"wal.002", 10 * mb}}, 20 * mb,
			[]string{"wal", "wal.002"}},
		{"the newest rotated file stays beyond the limit", []file{{"wal", 10 * mb}, {"wal.007", 10 * mb}, {"wal.006", 10 * mb}}, 1,
			[]string{"wal", "wal.007"}},
		{"a larger limit keeps more", []file{{"wal", 1 * mb}, {"wal.000", 10 * mb}, {"wal.001", 10 * mb}, {"wal.002", 10 * mb}}, 25 * mb,
			[]string{"wal", "wal.001", "wal.002"}},
		{"older than a deleted file goes even when small", []file{{"wal", 1 * mb}, {"wal.000", 0}, {"wal.001", 10 * mb}, {"wal.002", 10 * mb}}, 15 * mb,
			[]string{"wal", "wal.002"}},
		{"indexes sort as numbers", []file{{"wal", 1 * mb}, {"wal.999", 10 * mb}, {"wal.1000", 10 * mb}}, 15 * mb,
			[]string{"wal", "wal.1000"}},
		{"other files stay", []file{{"wal", 1 * mb}, {"wal.000", 10 * mb}, {"wal.001", 10 * mb}, {"wal.01", 10 * mb}, {"wal.CORRUPTED", 10 * mb}, {"other.000", 10 * mb}}, 1,
			[]string{"other.000", "wal", "wal.001", "wal.01", "wal.CORRUPTED"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "cs.wal")
			if tt.files != nil {
				if err := os.Mkdir(dir, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, f.name), nil, 0o600); err != nil {
					t.Fatal(err)
				}
				// Sparse: the sizes are what pruneWAL reads, not the disk.
				if err := os.Truncate(filepath.Join(dir, f.name), f.size); err != nil {
					t.Fatal(err)
				}
			}
			deleted, err := pruneWAL(filepath.Join(dir, "wal"), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var kept []string
			if entries, err := os.ReadDir(dir); err == nil {
				for _, e := range entries {
					kept = append(kept, e.Name())
				}
			}
			if !slices.Equal(kept, tt.kept) {
				t.Fatalf("kept %v, want %v", kept, tt.kept)
			}
			if len(deleted)+len(kept) != len(tt.files) {
				t.Fatalf("deleted %v and kept %v of %d files", deleted, kept, len(tt.files))
			}
		})
	}
}

// lockedBuffer is a log writer that a test reads while the node writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// take returns what was written since the last take.
func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

// TestWALPruning runs a real node whose WAL may take 1 MB and rotates
// its WAL as CometBFT's group does (the head renamed wal.000, wal.001)
// between runs. A 2 MB older rotated file is deleted when the node
// starts, and one that appears while it runs within a few seconds; the
// head and the newest rotated file stay, and every restart replays the
// consensus messages from the last height's end marker (CometBFT logs
// no replay error), also when that marker is in the rotated file.
func TestWALPruning(t *testing.T) {
	home := t.TempDir()
	logs := &lockedBuffer{}
	n, _ := startNode(t, home, StateConfig{KeepVersions: 3, RetainBlocks: 5, ConsensusWALMB: 1}, logs)
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	head := c.Consensus.WalFile()
	rotated := func(i int) string { return fmt.Sprintf("%s.%03d", head, i) }
	oldFile := func(path string) {
		t.Helper()
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 2<<20); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
	}
	height := func() int64 { return n.CometBFT().BlockStore().Height() }
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 30 s (height %d)", what, height())
			}
		}
	}
	restart := func() {
		t.Helper()
		started, err := Start(context.Background(), home, logs)
		if err != nil {
			t.Fatal(err)
		}
		n = started
		from := height()
		waitFor("blocks after the restart", func() bool { return height() >= from+5 })
		l := logs.take()
		if !strings.Contains(l, "Catchup by replaying consensus messages") || strings.Contains(l, "Error on catchup replay") {
			t.Fatalf("restart at height %d: no clean WAL replay in the log:\n%s", from, l)
		}
	}
	defer func() { n.Stop() }()

	waitFor("10 blocks", func() bool { return height() >= 10 })
	// CometBFT's Stop leaves the transaction index's database open, so
	// this process can restart the node only without it.
	c.TxIndex.Indexer = "null"
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	for i := range 2 {
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(head, rotated(i)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			oldFile(rotated(0)) // an old 2 MB file: beyond the limit
		}
		restart()
	}
	if exists(rotated(0)) || !exists(rotated(1)) || !exists(head) {
		t.Fatalf("after start: wal.000 %v, wal.001 %v, head %v; want only the last two", exists(rotated(0)), exists(rotated(1)), exists(head))
	}

	oldFile(rotated(0))
	waitFor("the running node deletes the old file", func() bool { return !exists(rotated(0)) })
	if !exists(rotated(1)) || !exists(head) {
		t.Fatal("the running node deleted the head or the newest rotated file")
	}
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	restart()
}

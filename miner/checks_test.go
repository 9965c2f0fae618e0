package miner

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// TestChecksAreBounded: DATA/checks.jsonl gets one line per check; once
// it holds checksMaxBytes it moves to checks.jsonl.1 (replacing the one
// before), so 10,000 checks take at most 2 MiB and the last ones are
// kept, in order.
func TestChecksAreBounded(t *testing.T) {
	dir := t.TempDir()
	m := &Miner{opts: Options{DataDir: dir}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const n = 10_000
	for i := range uint64(n) {
		m.recordCheck(proofapi.Root{Cycle: i, Height: int64(i)}, &Cycle{Cycle: i}, true)
	}
	path := filepath.Join(dir, "checks.jsonl")
	var total int64
	var last uint64
	lines := 0
	for _, p := range []string{path + ".1", path} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		total += fi.Size()
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var c struct{ Cycle uint64 }
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				t.Fatal(err)
			}
			if lines > 0 && c.Cycle != last+1 {
				t.Fatalf("%s: cycle %d after %d", p, c.Cycle, last)
			}
			last = c.Cycle
			lines++
		}
		f.Close()
	}
	if total > 2*checksMaxBytes || last != n-1 || lines < 1000 {
		t.Fatalf("%d bytes in checks.jsonl and .1, %d lines, last cycle %d; want at most %d bytes ending at cycle %d", total, lines, last, 2*checksMaxBytes, n-1)
	}
}

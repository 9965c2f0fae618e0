package devnet

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenLogRotates writes 5 MB into a log of 1 MB files with 2 backups:
// the log rotates, and at most the current file and 2 backups remain,
// whatever was written.
func TestOpenLogRotates(t *testing.T) {
	dir := t.TempDir()
	w := OpenLog(filepath.Join(dir, "devnet.log"), 1, 2)
	line := bytes.Repeat([]byte("x"), 1023)
	line = append(line, '\n')
	for range 5 * 1024 {
		if _, err := w.Write(line); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// Old files are removed and gzipped in the background.
	var names []string
	var total int64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		names, total = nil, 0
		gz := 0
		for _, e := range entries {
			names = append(names, e.Name())
			fi, _ := e.Info()
			total += fi.Size()
			if strings.HasSuffix(e.Name(), ".log.gz") {
				gz++
			}
		}
		if (len(entries) == 3 && gz == 2) || time.Now().After(deadline) {
			break
		}
	}
	if len(names) != 3 || !strings.Contains(strings.Join(names, " "), "devnet.log") {
		t.Fatalf("files %v: want devnet.log and 2 gzipped backups", names)
	}
	if total > 1<<20+64<<10 {
		t.Fatalf("files %v: %d bytes in all, want about 1 MB at most", names, total)
	}
}

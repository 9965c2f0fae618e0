package chain

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
)

// dirSizes returns the bytes of each entry of dir (a directory's the sum
// of its files).
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

func TestIdleDiskCalibrate(t *testing.T) {
	home := t.TempDir()
	n, _ := startNode(t, home, StateConfig{KeepVersions: 5, RetainBlocks: 20}, io.Discard)
	_ = cfg.DefaultConfig
	defer n.Stop()
	start := time.Now()
	for next := int64(100); next <= 1500; next += 100 {
		for n.CometBFT().BlockStore().Height() < next {
			time.Sleep(20 * time.Millisecond)
		}
		s := dirSizes(t, filepath.Join(home, "data"))
		var names []string
		for k := range s {
			names = append(names, k)
		}
		sort.Strings(names)
		var b strings.Builder
		for _, k := range names {
			b.WriteString(k + "=" + itoa(s[k]) + " ")
		}
		t.Logf("%v h=%d %s", time.Since(start).Round(time.Millisecond), next, b.String())
	}
}

func itoa(i int64) string { return strings.TrimSpace(strings.Repeat(" ", 0) + fmtInt(i)) }
func fmtInt(i int64) string { return string([]byte(func() string { return fmt.Sprint(i) }())) }

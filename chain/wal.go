package chain

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"sync"
	"time"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// CometBFT's consensus WAL (data/cs.wal/wal) is an autofile group: the
// head file, which the group renames to wal.NNN (the next index) once it
// holds 10 MB, and those rotated files, which the group deletes, oldest
// first, only beyond 1 GB in all. CometBFT v1.0.1 opens the group inside
// node.NewNode with those fixed limits (consensus.NewWAL without
// options); no configuration key or node option changes them, and the
// package is internal. So the node deletes the oldest rotated files
// itself, as the group would, against a smaller total
// (StateConfig.ConsensusWALMB): the same operation on the same files,
// never the head and never the newest rotated file.
//
// Why that is safe for crash recovery: on start CometBFT replays the WAL
// from the #ENDHEIGHT marker of the last committed height, which it looks
// for from the newest file backwards, and stops at the first file whose
// markers are all lower. The last committed height's marker is in the
// head or, just after a rotation, in the newest rotated file, unless one
// height's consensus messages alone exceed 10 MB; then CometBFT's own
// 1 GB rule could lose it as well, and CometBFT starts without replaying
// (the WAL restores the round's votes, not safety: the validator's
// last-signed state in priv_validator_state.json is what prevents double
// signing).

// walCheckInterval is how often a running node deletes the WAL's old
// files; CometBFT checks its head's size every 5 s.
const walCheckInterval = 5 * time.Second

// rotatedWAL matches the name of a rotated WAL file: the head's name, a
// dot and an index of at least three digits (autofile's pattern).
var rotatedWAL = regexp.MustCompile(`^(.+)\.([0-9]{3,})$`)

// pruneWAL deletes the oldest rotated files of the WAL group whose head is
// head, keeping the newest rotated file and then, newest first, the files
// that fit within limit bytes with the head and the files kept before
// them (so every file older than one it deletes goes too). It returns the
// paths it deleted. A file that vanished meanwhile is not an error; a
// missing directory means no WAL yet.
func pruneWAL(head string, limit int64) ([]string, error) {
	dir, base := filepath.Split(head)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("consensus WAL: %w", err)
	}
	type rotated struct {
		path  string
		index int
		size  int64
	}
	var files []rotated
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			continue // deleted since the listing
		}
		if e.Name() == base {
			total += info.Size()
			continue
		}
		m := rotatedWAL.FindStringSubmatch(e.Name())
		if m == nil || m[1] != base || !info.Mode().IsRegular() {
			continue
		}
		i, err := strconv.Atoi(m[2])
		if err != nil {
			continue // more digits than an int: not the group's
		}
		files = append(files, rotated{filepath.Join(dir, e.Name()), i, info.Size()})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].index > files[j].index })
	var deleted []string
	for i, f := range files {
		total += f.size
		if i == 0 || total <= limit {
			continue
		}
		if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return deleted, fmt.Errorf("consensus WAL: %w", err)
		}
		deleted = append(deleted, f.path)
	}
	return deleted, nil
}

// pruneWALLoop runs pruneWAL(head, limit) every interval until the
// returned function is called, which waits for it to end. Failures are
// logged and tried again: deleting late costs disk, never correctness.
func pruneWALLoop(head string, limit int64, interval time.Duration, logger cmtlog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			deleted, err := pruneWAL(head, limit)
			if err != nil {
				logger.Error("consensus WAL: delete old files", "err", err)
			}
			if len(deleted) > 0 {
				logger.Info("consensus WAL: deleted old files", "files", deleted)
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// TestFinishedJobsCollected is the attack of filling a node's disk over
// time: before, nothing was ever removed, neither the files of finished
// jobs nor replaced uploads nor packages. Now the inputs and outputs of a
// job the chain finished with go retention_blocks later with the job's
// record, unreferenced files go after a grace period, and packages are
// kept by a bounded least-recently-used cache that spares the packages of
// unfinished jobs.
func TestFinishedJobsCollected(t *testing.T) {
	tn := newTestNode(t, newFakeChain(), func(c *config.Config) { c.RetentionBlocks = 10 })
	tn.gcGrace = 0
	done := tn.awardOrder(t, 1, "genome")
	open := tn.awardOrder(t, 2, "genome")
	doneFile, openFile := []byte("finished order's input"), []byte("open order's input")
	for _, u := range []struct {
		f    orderFixture
		body []byte
	}{{done, doneFile}, {open, openFile}} {
		if status, b := tn.upload(t, u.f, "genome", u.body); status != 201 {
			t.Fatalf("upload: %d %s", status, b)
		}
	}
	orphan, _, _ := tn.files.Put(bytes.NewReader([]byte("an upload no job kept")))
	has := func(b []byte) bool {
		s, _ := blobstore.ParseSum(sumHex(b))
		return tn.files.Has(s)
	}
	tn.height.Store(100)
	tn.markDone(1, nodeapi.RoleProvider)
	time.Sleep(10 * time.Millisecond)

	if err := tn.collect(context.Background(), 105); err != nil {
		t.Fatal(err)
	}
	if tn.files.Has(orphan) || !has(doneFile) || !has(openFile) {
		t.Fatalf("at 105: orphan %v, done %v, open %v; want only the orphan gone", tn.files.Has(orphan), has(doneFile), has(openFile))
	}
	if err := tn.collect(context.Background(), 110); err != nil {
		t.Fatal(err)
	}
	if _, ok := tn.jobs.get(1, nodeapi.RoleProvider); ok || has(doneFile) {
		t.Fatalf("at 110 (retention 10 after 100): job kept %v, file kept %v", ok, has(doneFile))
	}
	if _, err := os.Stat(filepath.Join(tn.cfg.DataDir, "jobs", "1-provider.json")); !os.IsNotExist(err) {
		t.Fatalf("job record: %v", err)
	}
	if _, ok := tn.jobs.get(2, nodeapi.RoleProvider); !ok || !has(openFile) {
		t.Fatal("the open order's job or input was removed")
	}

	// Packages: three of 100 bytes for a cache of 250; the oldest goes,
	// unless an unfinished job needs it.
	tn.cfg.PackageCacheBytes = 250
	var sums [][32]byte
	for i, c := range []byte("abc") {
		sum, _, err := tn.packages.Put(bytes.NewReader(bytes.Repeat([]byte{c}, 100)))
		if err != nil {
			t.Fatal(err)
		}
		used := time.Now().Add(time.Duration(i-10) * time.Minute)
		os.Chtimes(filepath.Join(tn.cfg.DataDir, "blobs", "sha256", hex.EncodeToString(sum[:1]), hex.EncodeToString(sum[:])), used, used)
		sums = append(sums, sum)
	}
	// Job 2's package is the oldest blob.
	tn.fetch.meta.Add(spec.ID(open.pkg), pkgMeta{blobSum: sums[0]})
	if err := tn.collect(context.Background(), 111); err != nil {
		t.Fatal(err)
	}
	if !tn.packages.Has(sums[0]) || tn.packages.Has(sums[1]) || !tn.packages.Has(sums[2]) {
		t.Fatalf("kept %v %v %v, want the needed oldest and the newest", tn.packages.Has(sums[0]), tn.packages.Has(sums[1]), tn.packages.Has(sums[2]))
	}
	if used := tn.quota.Used(); used != int64(len(openFile))+200 {
		t.Fatalf("quota used %d, want %d", used, len(openFile)+200)
	}
}

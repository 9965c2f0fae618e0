package node

import (
	"context"
	"slices"
	"time"

	"github.com/celltonomy/celltonomy/spec"
)

// Garbage collection of the blob store and the jobs (see the package
// documentation, "Storage").
const (
	// gcEveryBlocks is how often, in blocks, the node collects; it also
	// collects when a write finds the quota full.
	gcEveryBlocks = 100
	// gcGrace protects a file stored, put again or touched less than
	// gcGrace ago: a job is about to reference it (an upload between the
	// write of its blob and the update of its job).
	gcGrace = 15 * time.Minute
)

// collect removes what the node no longer needs, at height:
//
//  1. the jobs the chain finished with retention_blocks ago or more,
//     their records, event logs and output directories;
//  2. input and output files no remaining job references (replaced
//     uploads, files of removed jobs), unless used within gcGrace;
//  3. the least recently used packages, while the packages take more
//     than package_cache_bytes, except the packages of unfinished jobs.
func (n *Node) collect(ctx context.Context, height int64) error {
	var freed int64
	for _, j := range n.jobs.all() {
		switch {
		case !j.Done:
		case j.DoneHeight == 0:
			n.jobs.update(j.OrderID, j.Role, func(j *Job) error { j.DoneHeight = height; return nil })
		case height >= j.DoneHeight+n.cfg.RetentionBlocks:
			if err := n.jobs.remove(j.OrderID, j.Role); err != nil {
				return err
			}
			n.log.Info("job removed after its retention", "order", j.OrderID, "role", j.Role, "done_height", j.DoneHeight)
		}
	}
	if ctx.Err() != nil {
		return nil
	}

	jobs := n.jobs.all()
	referenced := map[[32]byte]bool{}
	neededPackages := map[spec.ID]bool{}
	for _, j := range jobs {
		for _, sum := range j.blobSums() {
			referenced[sum] = true
		}
		if !j.Done {
			neededPackages[j.PackageID] = true
		}
	}
	grace := n.now().Add(-n.gcGrace)
	files, err := n.files.List()
	if err != nil {
		return err
	}
	for _, sum := range files {
		if referenced[sum] {
			continue
		}
		size, _, _ := n.files.Stat(sum)
		if gone, err := n.files.DeleteUnusedSince(sum, grace); err != nil {
			return err
		} else if gone {
			freed += size
		}
	}

	protected := map[[32]byte]bool{}
	for id := range neededPackages {
		if m, ok := n.fetch.meta.Peek(id); ok && m.err == nil {
			protected[m.blobSum] = true
		}
	}
	sums, err := n.packages.List()
	if err != nil {
		return err
	}
	type pkg struct {
		sum  [32]byte
		size int64
		used time.Time
	}
	var pkgs []pkg
	var total int64
	for _, sum := range sums {
		size, used, err := n.packages.Stat(sum)
		if err != nil {
			continue
		}
		pkgs = append(pkgs, pkg{sum, size, used})
		total += size
	}
	slices.SortFunc(pkgs, func(a, b pkg) int { return a.used.Compare(b.used) })
	for _, p := range pkgs {
		if total <= n.cfg.PackageCacheBytes || ctx.Err() != nil {
			break
		}
		if protected[p.sum] {
			continue
		}
		// Only if unused since it was listed: a fetch that just used it
		// keeps it.
		if gone, err := n.packages.DeleteUnusedSince(p.sum, p.used.Add(time.Nanosecond)); err != nil {
			return err
		} else if gone {
			total -= p.size
			freed += p.size
		}
	}
	n.metrics.blobBytes.Set(float64(n.quota.Used()))
	if freed > 0 {
		n.metrics.gcFreed.Add(float64(freed))
		n.log.Info("blob store collected", "freed_bytes", freed, "used_bytes", n.quota.Used(), "quota_bytes", n.quota.Limit())
	}
	return nil
}

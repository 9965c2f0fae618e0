package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/celltonomy/celltonomy/chain"
)

// TestRunScale runs the scale benchmark at two small sizes (1/1,000 and
// 1/10,000 of the full state: 1,000 and 100 accounts… at least one of
// each) with 50 transfers, awards and deadlines a block, under the
// default storage and one variant (no compression, other caches), so
// that the benchmark CI cannot run in full still runs; RunScale itself
// checks that each measured block awards or fails exactly Work orders.
// A second run over the same Dir opens the kept states, measures the
// same blocks with the same store operations (it does not see the first
// run's blocks), and leaves the kept states as seeded.
func TestRunScale(t *testing.T) {
	dir := t.TempDir()
	var lines int
	o := ScaleOptions{Scales: []float64{0.001, 0.0001}, Repeat: 2, Work: 50, Dir: dir,
		Variants: []chain.StateConfig{{CacheNodes: 1_000, LevelDBCacheMB: 16, LevelDBCompression: chain.CompressionNone}},
		Progress: func(string, ...any) { lines++ }}
	res, err := RunScale(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.States) != 2 || len(res.Variants) != 2 || res.Work != 50 || res.Repeat != 2 || lines == 0 {
		t.Fatalf("result %+v", res)
	}
	big, small := res.States[0], res.States[1]
	if big.Accounts != 1_000 || big.Orders != 100 || big.Nodes != 10 || big.Delegations != 100 || big.LogEntries != 1_000 ||
		small.Accounts != 100 || small.Orders != 10 || small.Nodes != 1 || big.Reused || small.Reused {
		t.Fatalf("states %+v", res.States)
	}
	for _, st := range res.States {
		if st.DiskBytes <= 0 || st.Height <= 0 || st.AppHash == "" {
			t.Fatalf("state %+v", st)
		}
	}
	for _, v := range res.Variants {
		if len(v.Sizes) != 2 || v.RSSBytes < 0 || v.HeapBytes <= 0 {
			t.Fatalf("variant %+v", v)
		}
		for _, s := range v.Sizes {
			for _, b := range []ScaleBlock{s.Empty, s.Transfers, s.Awards, s.Deadlines} {
				if b.Ms <= 0 || b.MinMs <= 0 || b.MinMs > b.Ms || b.ProcessMs+b.FinalizeMs+b.CommitMs > b.Ms+0.01 ||
					len(b.RoundsMs) != 2 || len(b.RoundsCPUMs) != 2 || b.CPUMs < 0 {
					t.Fatalf("variant %+v size %v: block %+v", v.State, s.Scale, b)
				}
			}
			if s.DiskBytes <= 0 || s.Keys <= 0 || s.TreeHeight <= 0 {
				t.Fatalf("size %+v", s)
			}
		}
		r := v.Ratios
		for _, x := range []ScaleRatio{r.Empty, r.Transfers, r.Awards, r.Deadlines} {
			if x.Ms <= 0 || x.MinMs <= 0 || x.PairedMs <= 0 || x.CPUMs < 0 {
				t.Fatalf("ratios %+v", r)
			}
		}
	}
	// Ten times the state, a taller tree.
	if a, b := res.Variants[0].Sizes[0], res.Variants[0].Sizes[1]; a.Keys <= b.Keys || a.TreeHeight <= b.TreeHeight {
		t.Errorf("scale %v: %d keys, height %d; scale %v: %d keys, height %d", a.Scale, a.Keys, a.TreeHeight, b.Scale, b.Keys, b.TreeHeight)
	}
	// Without compression the rewritten copy is larger than the seeded,
	// compressed state.
	if un, sn := res.Variants[1].Sizes[0].DiskBytes, res.States[0].DiskBytes; un <= sn {
		t.Errorf("uncompressed copy %d bytes, seeded state %d", un, sn)
	}
	for _, s := range o.Scales {
		if _, err := os.Stat(filepath.Join(scaleStateDir(dir, s), "run")); !os.IsNotExist(err) {
			t.Errorf("scale %v: the run's copy is left: %v", s, err)
		}
	}

	o.Variants = nil
	again, err := RunScale(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range again.States {
		if !st.Reused || st.Height != res.States[i].Height || st.AppHash != res.States[i].AppHash {
			t.Errorf("second run: state %+v, first %+v", st, res.States[i])
		}
		a, b := again.Variants[0].Sizes[i], res.Variants[0].Sizes[i]
		if a.Empty.Ops != b.Empty.Ops || a.Transfers.Ops != b.Transfers.Ops || a.Awards.Ops != b.Awards.Ops || a.Deadlines.Ops != b.Deadlines.Ops {
			t.Errorf("scale %v: second run's store operations %+v, first %+v", st.Scale, a, b)
		}
	}
	t.Logf("%+v\nratios %+v", res, res.Variants[0].Ratios)

	// A kept state of another size is refused, not reseeded.
	if _, err := RunScale(context.Background(), ScaleOptions{Scales: []float64{0.001}, Dir: dir, Repeat: 1, Work: 10}); err != nil {
		t.Fatalf("same size, other work: %v", err)
	}
	if err := os.WriteFile(filepath.Join(scaleStateDir(dir, 0.001), "state.json"), []byte(`{"format":1,"scale":0.001,"accounts":7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RunScale(context.Background(), ScaleOptions{Scales: []float64{0.001}, Dir: dir, Repeat: 1, Work: 10}); err == nil {
		t.Fatal("a kept state of another format: no error")
	}
}

// TestRunScaleOptions: a bad scale is an error naming it.
func TestRunScaleOptions(t *testing.T) {
	for _, s := range []float64{0, -1, 11} {
		if _, err := RunScale(context.Background(), ScaleOptions{Scales: []float64{s}}); err == nil {
			t.Errorf("scale %v: no error", s)
		}
	}
}

// TestScaleStoreOps: every kind of measured block sends the same store
// operations to the tree over two states ten times apart (1/1,000 and
// 1/100 of the full state), with the same number of due transfers,
// awards and deadlines: the block hooks and handlers touch only what is
// due, whatever the state's size.
func TestScaleStoreOps(t *testing.T) {
	res, err := RunScale(context.Background(), ScaleOptions{Scales: []float64{0.01, 0.001}, Repeat: 2, Work: 50})
	if err != nil {
		t.Fatal(err)
	}
	big, small := res.Variants[0].Sizes[0], res.Variants[0].Sizes[1]
	for _, k := range []struct {
		kind       string
		big, small ScaleBlock
	}{{"empty", big.Empty, small.Empty}, {"transfers", big.Transfers, small.Transfers},
		{"awards", big.Awards, small.Awards}, {"deadlines", big.Deadlines, small.Deadlines}} {
		if k.big.Ops != k.small.Ops {
			t.Errorf("%s: store operations at scale 0.01 %+v, at 0.001 %+v", k.kind, k.big.Ops, k.small.Ops)
		}
		if k.kind != "empty" && k.big.Ops.Sets == 0 {
			t.Errorf("%s: no sets counted: %+v", k.kind, k.big.Ops)
		}
		t.Logf("%s: %+v", k.kind, k.big.Ops)
	}
}

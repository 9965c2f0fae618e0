package bench

import (
	"context"
	"testing"
)

// TestRunScale runs the scale benchmark at two small sizes (1/10,000 and
// 1/100,000 of the full state: 100 and 10 accounts… at least one of each)
// with 50 transfers, awards and deadlines a block, so that the benchmark
// CI cannot run in full still runs; RunScale itself checks that each
// measured block awards or fails exactly Work orders.
func TestRunScale(t *testing.T) {
	var lines int
	res, err := RunScale(context.Background(), ScaleOptions{Scales: []float64{0.001, 0.0001}, Repeat: 2, Work: 50,
		Progress: func(string, ...any) { lines++ }})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sizes) != 2 || res.Work != 50 || lines == 0 {
		t.Fatalf("result %+v", res)
	}
	big, small := res.Sizes[0], res.Sizes[1]
	if big.Accounts != 1_000 || big.Orders != 100 || big.Nodes != 10 || big.Delegations != 100 || big.LogEntries != 1_000 ||
		small.Accounts != 100 || small.Orders != 10 || small.Nodes != 1 {
		t.Fatalf("sizes %+v", res.Sizes)
	}
	for _, s := range res.Sizes {
		for _, b := range []ScaleBlock{s.Empty, s.Transfers, s.Awards, s.Deadlines} {
			if b.Ms <= 0 || b.ProcessMs+b.FinalizeMs+b.CommitMs > b.Ms+0.01 {
				t.Fatalf("size %v: block %+v", s.Scale, b)
			}
		}
		if s.DiskBytes <= 0 || s.Height <= 0 {
			t.Fatalf("size %+v", s)
		}
	}
	r := res.Ratios()
	if r.Empty <= 0 || r.Transfers <= 0 || r.Awards <= 0 || r.Deadlines <= 0 {
		t.Fatalf("ratios %+v", r)
	}
	t.Logf("%+v\nratios %+v", res, r)
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
	big, small := res.Sizes[0], res.Sizes[1]
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

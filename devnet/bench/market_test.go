package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestRunMarket takes 20 orders from creation to final ratings; RunMarket
// itself checks that every order is CLOSED with both ratings revealed and
// final, and that no transaction failed. It takes about a second.
func TestRunMarket(t *testing.T) {
	res, err := RunMarket(context.Background(), MarketOptions{Orders: 20, Buyers: 5, BlockTime: 50 * time.Millisecond, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Txs != 20*(5+3) || res.OrdersPerSec <= 0 || res.TPS <= 0 || len(res.Phases) != 7 {
		t.Fatalf("result %+v", res)
	}
	t.Logf("%.1f orders/s, %.0f tx/s, %d blocks, phases %+v", res.OrdersPerSec, res.TPS, res.Blocks, res.Phases)
}

// TestRunDue awards 50 orders in one block on a real IAVL-backed
// Application, then 50 more with max_due_per_block 20, carried over three
// blocks; RunDue itself checks that every order was awarded.
func TestRunDue(t *testing.T) {
	res, err := RunDue(context.Background(), DueOptions{Orders: 50, TxsPerBlock: 20, MaxDuePerBlock: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.Awarded != 50 || res.Blocks != 1 || res.Seconds <= 0 {
		t.Fatalf("result %+v", res)
	}
	res, err = RunDue(context.Background(), DueOptions{Orders: 50, TxsPerBlock: 20, MaxDuePerBlock: 20})
	if err != nil {
		t.Fatal(err)
	}
	if res.Awarded != 50 || res.Blocks != 3 || res.MaxDuePerBlock != 20 {
		t.Fatalf("result %+v", res)
	}
}

// BenchmarkDueBlock reports the time of the blocks whose begin-block hooks
// award N orders due at one height, for N = 3,200, 6,400 and 10,000, on a
// real IAVL-backed Application (RunDue): all in one block (cap=N), and
// with the default max_due_per_block of 2,000 (cap=default), carried over
// several blocks; s/block is the longest block, s/total all of them. The
// setup is not timed; run it once per size:
//
//	go test ./devnet/bench -run '^$' -bench DueBlock -benchtime 1x
func BenchmarkDueBlock(b *testing.B) {
	for _, n := range []int{3_200, 6_400, 10_000} {
		for _, capped := range []bool{false, true} {
			name := fmt.Sprintf("orders=%d/cap=%d", n, n)
			o := DueOptions{Orders: n, MaxDuePerBlock: n}
			if capped {
				name, o.MaxDuePerBlock = fmt.Sprintf("orders=%d/cap=default", n), 0
			}
			b.Run(name, func(b *testing.B) {
				var last DueResult
				for range b.N {
					res, err := RunDue(context.Background(), o)
					if err != nil {
						b.Fatal(err)
					}
					last = res
				}
				b.ReportMetric(0, "ns/op")
				b.ReportMetric(last.Seconds, "s/block")
				b.ReportMetric(last.TotalSeconds, "s/total")
				b.ReportMetric(float64(last.Blocks), "blocks")
				b.ReportMetric(last.FinalizeSeconds, "s/finalize")
				b.ReportMetric(last.CommitSeconds, "s/commit")
			})
		}
	}
}

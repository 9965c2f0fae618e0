package bench

import (
	"context"
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

package node_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/client/service/servicetest"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// startOrder orders the test service of s for blocks, at up to twice
// its price, with a delivery window of deliveryWindow blocks, and waits
// up to a minute for the access; it fails tb, with the node's decision
// on the order, if none comes.
func startOrder(tb testing.TB, s *servicetest.Net, blocks, deliveryWindow uint64) (uint64, *nodeapi.ServiceAccess) {
	tb.Helper()
	ctx := context.Background()
	id, err := s.Buyer.Start(ctx, service.Order{Package: s.Pkg, Blocks: blocks, MaxPrice: 2 * servicetest.Price, BidWindow: 10, DeliveryWindow: deliveryWindow, ConfirmWindow: 3})
	if err != nil {
		tb.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	a, err := s.Buyer.WaitAccess(wctx, id, 100*time.Millisecond)
	if err != nil {
		dec, derr := (&nodeapi.Client{Endpoint: s.Cfg.Endpoint}).Decision(ctx, id)
		tb.Fatalf("%v (the node's decision: %+v, %v)", err, dec, derr)
	}
	return id, a
}

// TestServiceOrderOnRealNode: a buyer orders the test service for 200
// blocks, calls its counter through the node (its memory lives across
// calls), stops it early, and pays for the blocks served only.
func TestServiceOrderOnRealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	s := servicetest.Start(t)
	ctx := context.Background()
	before := s.Balance("buyer")
	id, a := startOrder(t, s, 200, 20)
	if !slices.Equal(a.Ports, []int32{1, 2}) || a.State != nodeapi.ServiceRunning || a.EndHeight != a.AwardHeight+200 {
		t.Fatalf("access %+v", a)
	}
	for i := 1; i <= 3; i++ {
		got, err := s.Buyer.Call(ctx, a, 2, nil)
		if err != nil || string(got) != strconv.Itoa(i) {
			t.Fatalf("counter call %d = %q, %v", i, got, err)
		}
	}
	if got, err := s.Buyer.Call(ctx, a, 1, []byte("hello")); err != nil || string(got) != "hello" {
		t.Fatalf("echo = %q, %v", got, err)
	}
	// A forged token, an undeclared port, an oversized request: refused,
	// and the instance keeps serving.
	forged := *a
	forged.Token = strings.Repeat("ab", nodeapi.TokenSize)
	if _, err := s.Buyer.Call(ctx, &forged, 2, nil); !nodeapi.IsStatus(err, 401) {
		t.Fatalf("forged token: %v", err)
	}
	if _, err := s.Buyer.Call(ctx, a, 3, nil); !nodeapi.IsStatus(err, 400) {
		t.Fatalf("undeclared port: %v", err)
	}
	if got, err := s.Buyer.Call(ctx, a, 2, nil); err != nil || string(got) != "4" {
		t.Fatalf("counter after the refusals = %q, %v", got, err)
	}
	// Someone else's signature gets no token.
	other := &service.Buyer{Client: s.Chain.Client, Key: testchain.Key("author"), ChainID: s.Chain.ChainID}
	if _, err := other.Access(ctx, id); !nodeapi.IsStatus(err, 403) {
		t.Fatalf("a token for a non-buyer: %v", err)
	}
	stopAt, err := s.Buyer.Stop(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	o := s.WaitState(id, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	d := o.GetDelivery()
	if want := uint64(stopAt - o.GetContract().GetAwardHeight()); d.GetServedBlocks() != want || d.GetCalls() != 5 {
		t.Fatalf("receipt: %d blocks, %d calls; want %d blocks (stopped at %d, awarded at %d), 5 calls",
			d.GetServedBlocks(), d.GetCalls(), want, stopAt, o.GetContract().GetAwardHeight())
	}
	if _, err := s.Buyer.Call(ctx, a, 2, nil); !nodeapi.IsStatus(err, 401) && !nodeapi.IsStatus(err, 410) {
		t.Fatalf("a call after the stop: %v", err)
	}
	o = s.Settle(id, before, 2)
	t.Logf("served %d of 200 blocks: paid %d of %d ucell", d.GetServedBlocks(), market.ServiceCharge(o.GetContract().GetPrice(), d.GetServedBlocks(), 200), o.GetContract().GetPrice())
	for deadline := time.Now().Add(30 * time.Second); !s.Order(id).GetRatings().GetProviderRevealed(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the node did not reveal its rating of the buyer")
		}
	}
	list, err := s.Buyer.List(ctx)
	if err != nil || len(list) != 1 || list[0].OrderID != id || list[0].Served != d.GetServedBlocks() || list[0].Node != s.Cfg.Endpoint {
		t.Fatalf("list = %+v, %v", list, err)
	}
}

// TestServiceNodeRestartBillsServedBlocks: the node stops while an
// instance runs; it stops the instance at its current height and
// delivers what it served, and after a restart the buyer is billed
// exactly those blocks.
func TestServiceNodeRestartBillsServedBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and a node")
	}
	s := servicetest.Start(t)
	ctx := context.Background()
	before := s.Balance("buyer")
	id, a := startOrder(t, s, 500, 30)
	if _, err := s.Buyer.Call(ctx, a, 2, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	s.StopNode()
	usage := s.Node.Services()
	if len(usage) != 1 || usage[0].StopHeight == 0 {
		t.Fatalf("services after the stop: %+v", usage)
	}
	served := usage[0].ServedBlocks
	s.StartNode()
	if _, err := s.Buyer.Access(ctx, id); !nodeapi.IsStatus(err, 410) && !nodeapi.IsStatus(err, 404) {
		t.Fatalf("the restarted node serves the stopped instance: %v", err)
	}
	o := s.WaitState(id, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	if got := o.GetDelivery().GetServedBlocks(); got != served || got == 0 || got >= 500 || o.GetDelivery().GetCalls() != 1 {
		t.Fatalf("delivered %d blocks, %d calls; the node served %d blocks", got, o.GetDelivery().GetCalls(), served)
	}
	s.Settle(id, before, 1)
}

// BenchmarkServiceCall measures a call round trip to a warm service
// instance through the node's HTTP API on loopback (the counter slot:
// the module's own work is a few instructions): p50 and p95 in µs and
// calls/s.
func BenchmarkServiceCall(b *testing.B) {
	s := servicetest.Start(b)
	ctx := context.Background()
	_, a := startOrder(b, s, 10_000, 20)
	for range 100 { // warm the connection and the instance
		if _, err := s.Buyer.Call(ctx, a, 2, nil); err != nil {
			b.Fatal(err)
		}
	}
	var lat []time.Duration
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		t0 := time.Now()
		if _, err := s.Buyer.Call(ctx, a, 1, []byte("ACGTACGTACGTACGT")); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "calls/s")
}

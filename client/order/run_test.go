package order

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/order/ordertest"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// steps collects the steps of a run.
type steps struct {
	mu   sync.Mutex
	list []Step
}

func (s *steps) add(st Step) {
	s.mu.Lock()
	s.list = append(s.list, st)
	s.mu.Unlock()
}

func (s *steps) kinds() map[StepKind]Step {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[StepKind]Step{}
	for _, st := range s.list {
		if _, ok := m[st.Kind]; !ok {
			m[st.Kind] = st
		}
	}
	return m
}

func (s *steps) need(t *testing.T, kinds ...StepKind) map[StepKind]Step {
	t.Helper()
	m := s.kinds()
	for _, k := range kinds {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s step in %v", k, s.list)
		}
	}
	return m
}

// The shared test network, started by the first test that needs it.
var (
	netOnce sync.Once
	theNet  *ordertest.Net
	netErr  error
)

// bidWindow is the bid window of the tests' orders, in blocks: time
// enough for every node to load the package and bid, so that the node
// asking the least wins.
const bidWindow = 10

// buyers are the accounts the tests order with, one per parallel test.
var buyers = []string{"buyer", "buyer-dispute", "buyer-expiry", "buyer-bad", "buyer-cancel", "buyer-fail", "buyer-close", "buyer-lose", "buyer-resume",
	"buyer-missing", "buyer-blip", "buyer-offering", "buyer-trap",
	"buyer-protocol", "buyer-protocol-bad", "buyer-protocol-skip", "buyer-protocol-uncovered"}

func TestMain(m *testing.M) {
	flag.Parse()
	// The tests on the network wait for blocks, not for the CPU: run
	// every one of them at once unless -parallel says otherwise.
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		flag.Set("test.parallel", strconv.Itoa(len(buyers)))
	}
	code := m.Run()
	if theNet != nil {
		theNet.Close()
	}
	os.Exit(code)
}

func network(t *testing.T) *ordertest.Net {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a chain")
	}
	netOnce.Do(func() { theNet, netErr = ordertest.Start(t, buyers...) })
	if netErr != nil {
		t.Fatal(netErr)
	}
	return theNet
}

// otherNode reports whether key (hex) is the key of a node of the
// network other than the one with fault f.
func otherNode(n *ordertest.Net, key string, f node.Fault) bool {
	for _, x := range n.Nodes {
		if x.Fault != f && hex.EncodeToString(x.NodeKey()) == key {
			return true
		}
	}
	return false
}

// buyerOf returns a Buyer of the named test account, polling fast.
func buyerOf(t *testing.T, n *ordertest.Net, name string) *Buyer {
	t.Helper()
	b, err := NewBuyer(context.Background(), n.Client, ordertest.Key(name))
	if err != nil {
		t.Fatal(err)
	}
	b.Poll = 50 * time.Millisecond
	return b
}

// deliveredOrder takes an order of req through Run's first stages to a
// delivery, and returns its id.
func deliveredOrder(ctx context.Context, t *testing.T, b *Buyer, req Request) uint64 {
	t.Helper()
	pl, err := b.prepare(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	x := &run{b: b, r: &Result{}, haveInputs: true, inputs: req.Inputs, files: pl.inputs}
	evs, _, err := x.send(ctx, "create order", &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: pl.create}})
	if err != nil {
		t.Fatal(err)
	}
	created, _ := event.Find[market.EventOrderCreated](evs)
	x.r.OrderID = created.OrderID
	o, err := x.followBids(ctx)
	if err != nil || o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		t.Fatalf("order %d: %v, %v", x.r.OrderID, o.GetState(), err)
	}
	gw, err := x.awarded(ctx, o)
	if err == nil {
		err = x.sendInputs(ctx, gw, o, o.Contract.DeliveryDeadline, false)
	}
	if err == nil {
		_, err = x.followJob(ctx, gw)
	}
	if err != nil {
		t.Fatal(err)
	}
	return x.r.OrderID
}

func inputFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.txt")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func balanceOf(t *testing.T, b *Buyer) uint64 {
	t.Helper()
	v, err := b.balance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// publishRuns makes the package of each run of the happy path new.
var publishRuns atomic.Int32

// TestRunOnChain runs orders against a real single-validator chain and
// real nodes (ordertest): an honest provider, and a node with a fault for
// each order that needs one, chosen by the package ordered.
func TestRunOnChain(t *testing.T) {
	n := network(t)

	t.Run("happy path: published, closed, rated, files written", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer")
		before := balanceOf(t, b)
		out := t.TempDir()
		var got steps
		stars := uint32(5)
		// A package of the buyer's, new on each run of the test.
		pkgDir := t.TempDir()
		if err := ordertest.WritePackageDir(t, pkgDir, "order-test-b", fmt.Sprintf("Published by the buyer, run %d.", publishRuns.Add(1))); err != nil {
			t.Fatal(err)
		}
		res, err := b.Run(ctx, Request{Package: pkgDir, Inputs: map[string]string{"data": inputFile(t, "acgtacgt\n")},
			MaxPrice: 400_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40, OutDir: out, Stars: &stars, Progress: got.add})
		if err != nil {
			t.Fatalf("Run: %v (steps %v)", err, got.list)
		}
		m := got.need(t, StepPackage, StepPublished, StepCreated, StepBids, StepAwarded, StepUploaded, StepCommitted, StepDelivered,
			StepDownloaded, StepWritten, StepClosed, StepRevealed, StepFinal)
		if m[StepPackage].Registered || m[StepPublished].Count != len(n.Nodes) {
			t.Errorf("package steps %+v %+v: want an unregistered package stored on all %d nodes", m[StepPackage], m[StepPublished], len(n.Nodes))
		}
		if res.State != "closed" {
			t.Errorf("state %s, want closed", res.State)
		}
		h := res.Heights
		if !(h.Published < h.Created && h.Created < h.Awarded && h.Awarded <= h.Delivered && h.Delivered < h.Closed && h.Closed < h.Revealed && h.Revealed < h.Final) {
			t.Errorf("heights out of order: %+v", h)
		}
		if res.Provider != ordertest.Address("provider").String() || res.Price != ordertest.ProviderFloor {
			t.Errorf("provider %s price %d, want %s at %d", res.Provider, res.Price, ordertest.Address("provider"), ordertest.ProviderFloor)
		}
		data, err := os.ReadFile(filepath.Join(out, strconv.FormatUint(res.OrderID, 10), "outputs", "result.txt"))
		if err != nil || string(data) != "ACGTACGT\n" {
			t.Errorf("result.txt = %q, %v", data, err)
		}
		if stdout, _ := os.ReadFile(filepath.Join(res.OutputDir, "stdout.txt")); string(stdout) != res.Stdout || res.Stdout == "" {
			t.Errorf("stdout.txt %q, result %q", stdout, res.Stdout)
		}
		c := res.Cost
		want := Breakdown(400_000, n.Params.MinPoStake, res.Price, n.Params.NetworkFeeBps, 250, 4, n.Params.MinFee)
		// The buyer published the package, so it is its author.
		want.AuthorRefund = want.Royalty
		want.total()
		if c == nil || *c != want {
			t.Errorf("cost %+v, want %+v", c, want)
		}
		if spent := before - balanceOf(t, b); c != nil && spent != c.Total {
			t.Errorf("balance fell by %d ucell, cost says %d", spent, c.Total)
		}
		if len(res.Reputation) != 2 || res.Reputation[0].Role != "provider" || res.Reputation[1].Role != "buyer" {
			t.Errorf("reputation %+v: want the provider's and the buyer's entries", res.Reputation)
		}

		d, err := Show(ctx, n.Client, nil, res.OrderID)
		if err != nil || d.Job == nil || d.Job.State != nodeapi.StateDelivered || d.Order.Ratings == nil || !d.Order.Ratings.Final {
			t.Errorf("Show: %+v, %v", d, err)
		}
		list, err := List(ctx, n.Client, b.Address, ledgerpb.OrderState_ORDER_STATE_CLOSED)
		if err != nil || len(list) == 0 || list[len(list)-1].Id != res.OrderID {
			t.Errorf("List: %v, %v", list, err)
		}
	})

	t.Run("wrong root: dispute opened with a seed chain, the seed draws the verifier, buyer refunded", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-dispute")
		before := balanceOf(t, b)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.Package(node.FaultWrongOutput).String(), Inputs: map[string]string{"data": inputFile(t, "gattaca\n")},
			MaxPrice: 200_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40,
			OutDir: t.TempDir(), Progress: got.add})
		if !errors.Is(err, ErrDisputed) {
			t.Fatalf("Run: %v, want ErrDisputed (steps %v)", err, got.list)
		}
		m := got.need(t, StepPackage, StepCreated, StepAwarded, StepDelivered, StepDisputeOpened, StepDisputeDrawn, StepVerifierInputs, StepDisputeDecided)
		if _, ok := m[StepClosed]; ok {
			t.Error("closed an order whose outputs did not verify")
		}
		if res.Provider != ordertest.Address(string(node.FaultWrongOutput)).String() {
			t.Errorf("provider %s, want the node with the fault %s", res.Provider, node.FaultWrongOutput)
		}
		o, d := m[StepDisputeOpened], m[StepDisputeDrawn]
		if o.Deadline <= o.Height || d.Height <= o.Height || d.Round != 1 || len(d.Verifiers) != 1 || !otherNode(n, d.Verifiers[0], node.FaultWrongOutput) {
			t.Errorf("dispute steps %+v then %+v: want the seed revealed after the opening block, drawing a node other than the provider in round 1", o, d)
		}
		if v := m[StepVerifierInputs]; v.Detail != "" || len(d.Verifiers) != 1 || v.NodeKey != d.Verifiers[0] {
			t.Errorf("verifier step %+v", v)
		}
		dr := res.Dispute
		if dr == nil || dr.Verdict != "buyer_won" || dr.Claim != "wrong-result" || dr.Outcome != "refund" || res.State != "resolved" || dr.Round != 1 {
			t.Fatalf("dispute %+v, state %s", dr, res.State)
		}
		bidStake := market.RequiredBidStake(res.Price, n.Params)
		forfeit := bidStake - bps(bidStake, n.Params.VerifierRewardBps)
		if want := res.Price + n.Params.MinPoStake + n.Params.MinDisputeStake + forfeit; dr.Refund != want {
			t.Errorf("refund %d, want %d", dr.Refund, want)
		}
		// Fees: the order, the dispute and the seed's reveal.
		if after := balanceOf(t, b); after != before-3*n.Params.MinFee+forfeit {
			t.Errorf("balance %d, want %d - 3 fees + forfeit %d", after, before, forfeit)
		}
		if len(res.Reputation) != 2 {
			t.Errorf("reputation %+v: want the dispute's two entries", res.Reputation)
		}
	})

	t.Run("expiry: no bid, every node's reason reported", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-expiry")
		before := balanceOf(t, b)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": inputFile(t, "a\n")},
			MaxPrice: ordertest.ProviderFloor - 1, BidWindow: bidWindow, Progress: got.add})
		if !errors.Is(err, ErrExpired) {
			t.Fatalf("Run: %v, want ErrExpired", err)
		}
		got.need(t, StepCreated, StepExpired)
		reasons := map[string]string{}
		for _, r := range res.Reasons {
			reasons[r.NodeKey] = r.Reason
		}
		for _, f := range n.Nodes {
			if reasons[hex.EncodeToString(f.NodeKey())] != "above-max-price" {
				t.Errorf("reasons %+v: want above-max-price from %s", res.Reasons, f)
			}
		}
		if !bytes.Contains([]byte(err.Error()), []byte("above-max-price")) {
			t.Errorf("error %q does not name the reason", err)
		}
		if after := balanceOf(t, b); after != before-n.Params.MinFee {
			t.Errorf("balance %d, want %d less one fee", after, before)
		}
	})

	t.Run("silent provider: the receipt posted near the deadline pays the buyer its share", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-fail")
		before := balanceOf(t, b)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.Package(node.FaultNoDelivery).String(), Inputs: map[string]string{"data": inputFile(t, "tt\n")},
			MaxPrice: 100_000, BidWindow: bidWindow, DeliveryWindow: 20, Progress: got.add})
		if !errors.Is(err, ErrFailed) {
			t.Fatalf("Run: %v, want ErrFailed (steps %v)", err, got.list)
		}
		m := got.need(t, StepAwarded, StepCommitted, StepReceipt, StepReceiptPosted, StepFailed)
		deadline := m[StepAwarded].Height + 20
		if h := m[StepReceiptPosted].Height; h < deadline-DefaultReceiptMargin || h > deadline {
			t.Errorf("receipt posted at %d: want it within %d blocks before the delivery deadline %d", h, DefaultReceiptMargin, deadline)
		}
		bidStake := market.RequiredBidStake(res.Price, n.Params)
		toBuyer := bps(bidStake, n.Params.FailSlashBuyerBps)
		if m[StepFailed].Slashed != bidStake || res.Refund != res.Price+n.Params.MinPoStake+toBuyer || res.State != "failed" ||
			res.FailReason != "no-delivery-after-receipt" {
			t.Errorf("failed step %+v, result %+v", m[StepFailed], res)
		}
		// Fees: the order and the receipt.
		if after := balanceOf(t, b); after != before-2*n.Params.MinFee+toBuyer {
			t.Errorf("balance %d, want %d - 2 fees + %d", after, before, toBuyer)
		}
	})

	t.Run("false report of missing inputs: the receipt voids it, the provider delivers", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-missing")
		before := balanceOf(t, b)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.Package(node.FaultFalseMissingInputs).String(), Inputs: map[string]string{"data": inputFile(t, "ccaa\n")},
			MaxPrice: 100_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40,
			NoWaitFinal: true, Progress: got.add})
		if err != nil {
			t.Fatalf("Run: %v (steps %v)", err, got.list)
		}
		m := got.need(t, StepReceipt, StepMissingInputs, StepReceiptPosted, StepDelivered, StepClosed, StepRevealed)
		if r, p := m[StepMissingInputs], m[StepReceiptPosted]; p.Height == 0 || p.Height < r.Height || p.Height > r.Deadline {
			t.Errorf("report %+v, receipt %+v: want the receipt posted within the contest window", r, p)
		}
		d, err := Show(ctx, n.Client, nil, res.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if c := d.Order.Contract; c.InputReceiptHeight != res.Heights.ReceiptPosted || c.MissingInputsDeadline != 0 || d.Order.State != ledgerpb.OrderState_ORDER_STATE_CLOSED {
			t.Errorf("order %v: want the report voided by the receipt and the order closed", d.Order)
		}
		// The buyer kept its PO stake and paid the price: the order,
		// the receipt, the close and the reveal cost a fee each.
		if c := res.Cost; c == nil || c.POStakeReturned != n.Params.MinPoStake || c.Txs != 4 || before-balanceOf(t, b) != c.Total {
			t.Errorf("cost %+v, balance fell by %d", c, before-balanceOf(t, b))
		}
	})

	t.Run("Close: a delivered order closed by the helper", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-close")
		inputs := map[string]string{"data": inputFile(t, "ccgg\n")}
		id := deliveredOrder(ctx, t, b, Request{Package: n.PackageID.String(), Inputs: inputs, MaxPrice: 100_000, BidWindow: bidWindow})
		var got steps
		stars := uint32(3)
		out := t.TempDir()
		res, err := b.Close(ctx, id, CloseOptions{OutDir: out, Stars: &stars, Progress: got.add})
		if err != nil {
			t.Fatalf("Close: %v (steps %v)", err, got.list)
		}
		got.need(t, StepDelivered, StepDownloaded, StepWritten, StepClosed, StepRevealed, StepFinal)
		if res.State != "closed" || res.Stars != 3 || res.Cost == nil || res.Cost.Txs != 2 || len(res.Reputation) != 2 {
			t.Errorf("result %+v", res)
		}
		if _, err := b.Close(ctx, id, CloseOptions{}); err == nil {
			t.Error("closed a closed order")
		}
	})

	t.Run("Dispute of a right result, resumed after an interruption from the kept seeds: lost", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-lose")
		b.StateDir = t.TempDir()
		inputs := map[string]string{"data": inputFile(t, "aatt\n")}
		id := deliveredOrder(ctx, t, b, Request{Package: n.PackageID.String(), Inputs: inputs, MaxPrice: 100_000, BidWindow: bidWindow})
		if _, err := b.Dispute(ctx, id, DisputeOptions{Inputs: map[string]string{"data": inputFile(t, "other\n")}}); err == nil {
			t.Fatal("disputed with inputs that are not the order's")
		}
		// The process ends right after the dispute is opened, before the
		// seed of round 1 is revealed.
		stopped, stop := context.WithCancel(ctx)
		var first steps
		_, err := b.Dispute(stopped, id, DisputeOptions{Inputs: inputs, Wait: true, Progress: func(s Step) {
			first.add(s)
			if s.Kind == StepDisputeOpened {
				stop()
			}
		}})
		if err == nil {
			t.Fatal("Dispute went on after its context ended")
		}
		first.need(t, StepDisputeOpened)
		st, err := LoadState(b.StateDir, id)
		if err != nil || len(st.Seeds) != int(n.Params.MaxDisputeRounds)+1 {
			t.Fatalf("kept state %+v, %v: want the seed chain", st, err)
		}
		var got steps
		res, err := b.Dispute(ctx, id, DisputeOptions{Inputs: inputs, Wait: true, Progress: got.add})
		if !errors.Is(err, ErrDisputeLost) {
			t.Fatalf("Dispute: %v, want ErrDisputeLost (steps %v)", err, got.list)
		}
		m := got.need(t, StepDisputeDrawn, StepVerifierInputs, StepDisputeDecided)
		if m[StepDisputeDrawn].Round != 1 {
			t.Errorf("drawn step %+v", m[StepDisputeDrawn])
		}
		if d := res.Dispute; d == nil || d.Verdict != "provider_won" || d.Refund != 0 || res.State != "resolved" {
			t.Errorf("dispute %+v, state %s", d, res.State)
		}
		if _, err := os.Stat(StatePath(b.StateDir, id)); !os.IsNotExist(err) {
			t.Errorf("the state of a resolved order is left: %v", err)
		}
	})

	t.Run("cancel an open order", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-cancel")
		before := balanceOf(t, b)
		res, err := b.send(ctx, "create", &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
			PackageId: n.PackageID[:], InputRoot: bytes.Repeat([]byte{1}, 32), MaxPrice: 1_000, PoStake: n.Params.MinPoStake,
			BidWindow: 50, DeliveryWindow: 10, ConfirmWindow: 10, Replication: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		created, _ := event.Find[market.EventOrderCreated](res.Events)
		id := created.OrderID
		var got steps
		r, err := b.Cancel(ctx, id, got.add)
		if err != nil {
			t.Fatal(err)
		}
		got.need(t, StepCancelled)
		if r.State != "cancelled" || r.Refund != 1_000+n.Params.MinPoStake {
			t.Errorf("cancel: %+v", r)
		}
		if after := balanceOf(t, b); after != before-2*n.Params.MinFee {
			t.Errorf("balance %d, want %d less two fees", after, before)
		}
		if _, err := b.Cancel(ctx, id, nil); err == nil {
			t.Error("cancelled a cancelled order")
		}
	})

	t.Run("bad requests fail before funds move", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-bad")
		before := balanceOf(t, b)
		data := inputFile(t, "acgt")
		cases := []struct {
			name  string
			req   Request
			field string
		}{
			{"missing file", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": "/no/such/file"}, MaxPrice: 100_000}, "inputs.data"},
			{"undeclared input", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data, "extra": data}, MaxPrice: 100_000}, "inputs.extra"},
			{"required input missing", Request{Package: n.PackageID.String(), MaxPrice: 100_000}, "inputs.data"},
			{"undeclared param", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, Params: map[string]string{"FOO": "1"}, MaxPrice: 100_000}, "params.FOO"},
			{"max price 0", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}}, "max_price"},
			{"name of another author", Request{Package: n.PackageOther, Inputs: map[string]string{"data": data}, MaxPrice: 100_000}, "package"},
			{"unregistered id", Request{Package: hex.EncodeToString(bytes.Repeat([]byte{0xab}, 32)), Inputs: map[string]string{"data": data}, MaxPrice: 100_000}, "package"},
			{"bid window too long", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: 100_000, BidWindow: n.Params.MaxBidWindow + 1}, "bid_window"},
			{"max price below min_price", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: n.Params.MinPrice - 1}, "max_price"},
			{"offering of no address", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: 200_000, Offering: "provider"}, "offering"},
			{"vendor without an offering", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: 200_000,
				Offering: ordertest.Address(string(node.FaultNoDelivery)).String()}, "offering"},
			{"offering above max price", Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: ordertest.OfferingPrice - 1,
				Offering: ordertest.Address("provider").String()}, "max_price"},
		}
		for _, c := range cases {
			_, err := b.Run(ctx, c.req)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("%s: %v, want a FieldError on %s", c.name, err, c.field)
			}
		}
		poor := buyerOf(t, n, "poor")
		poorBefore := balanceOf(t, poor)
		if _, err := poor.Run(ctx, Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": data}, MaxPrice: 1_000_000}); !errors.Is(err, ErrInsufficientFunds) {
			t.Errorf("poor buyer: %v, want ErrInsufficientFunds", err)
		}
		if after := balanceOf(t, b); after != before {
			t.Errorf("balance moved from %d to %d", before, after)
		}
		if after := balanceOf(t, poor); after != poorBefore {
			t.Errorf("poor balance moved from %d to %d", poorBefore, after)
		}
		if list, err := List(ctx, n.Client, b.Address, 0); err != nil || len(list) != 0 {
			t.Errorf("orders of a refused buyer: %v, %v", list, err)
		}
	})
}

// TestOfferingAndOutcomes buys the provider's offering, and orders runs
// that trap (the module traps on MODE=trap, on every node).
func TestOfferingAndOutcomes(t *testing.T) {
	n := network(t)

	t.Run("offering: bought without bids, served by the offering's node, closed", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-offering")
		before := balanceOf(t, b)
		var got steps
		res, err := b.Run(ctx, Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": inputFile(t, "gcgc\n")},
			Offering: ordertest.Address("provider").String(), MaxPrice: 200_000, ConfirmWindow: 40, NoWaitFinal: true, Progress: got.add})
		if err != nil {
			t.Fatalf("Run: %v (steps %v)", err, got.list)
		}
		m := got.need(t, StepCreated, StepAwarded, StepUploaded, StepCommitted, StepReceipt, StepDelivered, StepDownloaded, StepClosed, StepRevealed)
		if _, ok := m[StepBids]; ok {
			t.Error("bids on a purchase of an offering")
		}
		if a := m[StepAwarded]; a.Height != m[StepCreated].Height || a.NodeKey != hex.EncodeToString(n.Provider.NodeKey()) || a.Price != ordertest.OfferingPrice {
			t.Errorf("award %+v: want the offering's node at its price, in the purchase's block", a)
		}
		if res.Offering != ordertest.Address("provider").String() || res.State != "closed" || res.Price != ordertest.OfferingPrice {
			t.Errorf("result %+v", res)
		}
		d, err := Show(ctx, n.Client, nil, res.OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Order.Direct || d.Order.DeliveryWindow != ordertest.OfferingLeadTime {
			t.Errorf("order %v: want a direct purchase with the offering's lead time as its delivery window", d.Order)
		}
		if c := res.Cost; c == nil || c.Price != ordertest.OfferingPrice || c.MaxPrice != ordertest.OfferingPrice || before-balanceOf(t, b) != c.Total {
			t.Errorf("cost %+v, balance fell by %d", c, before-balanceOf(t, b))
		}
	})

	t.Run("a run that trapped: reported, not verifiable without an outcome root, closed at 3 stars once verified", func(t *testing.T) {
		t.Parallel()
		ctx := testCtx(t)
		b := buyerOf(t, n, "buyer-trap")
		b.OutcomeRoot = nil // as a buyer that cannot compute the root of an outcome
		req := func(got *steps) Request {
			return Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": inputFile(t, "tttt\n")},
				Params: map[string]string{"MODE": "trap"}, MaxPrice: 100_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40,
				OutDir: t.TempDir(), NoWaitFinal: true, Progress: got.add}
		}
		var got steps
		res, err := b.Run(ctx, req(&got))
		if !errors.Is(err, ErrNotVerifiable) {
			t.Fatalf("Run: %v, want ErrNotVerifiable (steps %v)", err, got.list)
		}
		m := got.need(t, StepDelivered, StepDownloaded, StepRunResult, StepWritten)
		for _, k := range []StepKind{StepClosed, StepDisputeOpened} {
			if _, ok := m[k]; ok {
				t.Errorf("a %s step for a delivery that could not be verified", k)
			}
		}
		if r := m[StepRunResult]; r.Result != "trap" || !strings.Contains(r.Detail, strings.TrimSpace(ordertest.TrapStderr)) || m[StepDelivered].Result != "trap" {
			t.Errorf("steps %+v, %+v: want the result and the package's stderr", m[StepDelivered], r)
		}
		if stderr, _ := os.ReadFile(filepath.Join(res.OutputDir, "stderr.txt")); string(stderr) != ordertest.TrapStderr || res.Verified || res.State != "delivered" {
			t.Errorf("stderr.txt %q, result %+v", stderr, res)
		}
		// The buyer looked and accepts: Close does not rate it 5 stars.
		res, err = b.Close(ctx, res.OrderID, CloseOptions{NoWaitFinal: true})
		if err != nil || res.State != "closed" || res.Stars != NonExitedStars {
			t.Fatalf("Close: %+v, %v: want closed at %d stars", res, err, NonExitedStars)
		}

		b.OutcomeRoot = OutcomeRoot
		got = steps{}
		res, err = b.Run(ctx, req(&got))
		if !errors.Is(err, ErrPackageFailed) || res.State != "delivered" || res.Stars != 0 {
			t.Fatalf("Run with an outcome root, nobody to ask: %+v, %v: want the order left delivered, unrated, ErrPackageFailed", res, err)
		}
		got = steps{}
		r := req(&got)
		r.OnFailure = OnFailureClose
		res, err = b.Run(ctx, r)
		if !errors.Is(err, ErrPackageFailed) || !res.Verified || res.State != "closed" || res.Stars != NonExitedStars || res.RunResult != "trap" {
			t.Fatalf("Run with an outcome root: %+v, %v (steps %v)", res, err, got.list)
		}
		got.need(t, StepRunResult, StepClosed)
	})
}

// TestRPCBlips runs an order through a proxy in front of the chain's
// RPC that drops every connection for a while after the award, then
// loses the answer to the close's broadcast: the buyer retries and goes
// on, and sends the close once.
func TestRPCBlips(t *testing.T) {
	n := network(t)
	ctx := testCtx(t)
	px := newFlakyProxy(t, n.RPC)
	c, err := client.New(px.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewBuyer(ctx, c, ordertest.Key("buyer-blip"))
	if err != nil {
		t.Fatal(err)
	}
	b.Poll = 50 * time.Millisecond
	var retries atomic.Int32
	b.OnRetry = func(string, error, time.Duration) { retries.Add(1) }
	before := balanceOf(t, b)
	var got steps
	res, err := b.Run(ctx, Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": inputFile(t, "acgtt\n")},
		MaxPrice: 100_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40, NoWaitFinal: true,
		Progress: func(s Step) {
			got.add(s)
			switch s.Kind {
			case StepAwarded:
				px.down(1500 * time.Millisecond)
			case StepDownloaded:
				px.loseNextBroadcast()
			}
		}})
	if err != nil {
		t.Fatalf("Run: %v (steps %v)", err, got.list)
	}
	if retries.Load() == 0 || px.dropped.Load() == 0 || px.lost.Load() != 1 {
		t.Errorf("%d retries, %d connections dropped, %d answers lost: the proxy did not get in the way", retries.Load(), px.dropped.Load(), px.lost.Load())
	}
	if res.State != "closed" || res.Cost == nil || res.Cost.Txs != 3 || before-balanceOf(t, b) != res.Cost.Total {
		t.Errorf("result %+v, cost %+v, balance fell by %d: want one close", res, res.Cost, before-balanceOf(t, b))
	}
}

// TestRevealAfterAnInterruptedClose: the buyer's process ends right after
// the close, before the reveal; a later Close reveals the rating it saved
// in StateDir, so the buyer does not take the no-reveal penalty.
func TestRevealAfterAnInterruptedClose(t *testing.T) {
	n := network(t)
	b := buyerOf(t, n, "buyer-resume")
	b.StateDir = t.TempDir()
	ctx, cancel := context.WithCancel(testCtx(t))
	stars := uint32(4)
	var id uint64
	_, err := b.Run(ctx, Request{Package: n.PackageID.String(), Inputs: map[string]string{"data": inputFile(t, "acgt\n")},
		MaxPrice: 400_000, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 40, Stars: &stars,
		Progress: func(s Step) {
			if s.Kind == StepCreated {
				id = s.OrderID
			}
			if s.Kind == StepClosed {
				cancel() // the process ends here
			}
		}})
	if err == nil {
		t.Fatal("Run went on after its context ended")
	}
	o, err := b.Order(testCtx(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if o.Order.State != ledgerpb.OrderState_ORDER_STATE_CLOSED || o.Order.GetRatings().GetBuyerRevealed() {
		t.Fatalf("order %d: %s, revealed %v: want closed and not revealed", id, o.Order.State, o.Order.GetRatings().GetBuyerRevealed())
	}
	if st, err := LoadState(b.StateDir, id); err != nil || st.Rating == nil || st.Rating.Stars != 4 {
		t.Fatalf("saved state %+v, %v: want the rating", st, err)
	}
	res, err := b.Close(testCtx(t), id, CloseOptions{NoWaitFinal: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Heights.Revealed == 0 || res.Stars != 4 {
		t.Errorf("revealed at %d with %d stars, want 4 stars", res.Heights.Revealed, res.Stars)
	}
	o, _ = b.Order(testCtx(t), id)
	if !o.Order.GetRatings().GetBuyerRevealed() || o.Order.GetRatings().GetBuyerStars() != 4 {
		t.Errorf("ratings %v", o.Order.GetRatings())
	}
	if _, err := os.Stat(StatePath(b.StateDir, id)); !os.IsNotExist(err) {
		t.Errorf("the saved state is left after the reveal: %v", err)
	}
}

package devnet

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

func digestDir(t *testing.T) string {
	t.Helper()
	dir, _ := filepath.Abs("../examples/digest")
	if _, err := os.Stat(filepath.Join(dir, "digest.wasm")); err != nil {
		t.Fatalf("examples/digest/digest.wasm missing: run `make examples` (%v)", err)
	}
	return dir
}

func startDevnet(t *testing.T, nodes []NodeOptions) *Devnet {
	t.Helper()
	return startDevnetParams(t, nodes, nil)
}

// startDevnetParams is startDevnet with the genesis params edited by edit
// (if not nil).
func startDevnetParams(t *testing.T, nodes []NodeOptions, edit func(*ledgerpb.Params)) *Devnet {
	t.Helper()
	ctx := context.Background()
	var logw *os.File
	if testing.Verbose() {
		logw = os.Stderr
	}
	o := Options{Home: t.TempDir(), Nodes: len(nodes), BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1,
		Node: nodes, Packages: []string{digestDir(t)}, Params: edit}
	if logw != nil {
		o.Log = logw
	}
	d, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Log("stop:", err)
		}
		// The books balance after everything the test did.
		if err := chain.CheckInvariants(d.Home); err != nil {
			t.Errorf("ledger invariants: %v", err)
		}
	})
	return d
}

func queryOrder(t *testing.T, d *Devnet, id uint64) *ledgerpb.Order {
	t.Helper()
	r, err := d.Client.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetOrder()
}

func waitState(t *testing.T, d *Devnet, id uint64, timeout time.Duration, states ...ledgerpb.OrderState) *ledgerpb.Order {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		o := queryOrder(t, d, id)
		for _, s := range states {
			if o.GetState() == s {
				return o
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %d: still %s after %s", id, market.StateName(o.GetState()), timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestNodesServeAnOrder drives one order by hand through two real nodes:
// create, bids, award, upload, run, delivery, download, close.
func TestNodesServeAnOrder(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Price: 4800}, {Price: 4200}})
	ctx := context.Background()
	buyer, err := d.Key(KeyBuyer)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	in, err := inputroot.HashFile("genome", genome)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := inputroot.Compute([]inputroot.Input{in})
	// Before ordering, the buyer sees both nodes' published prices, and
	// the quote names the cheaper node as the likely winner.
	prices, err := order.Prices(ctx, d.Client, d.Packages[0].ID, uint64(in.Size))
	if err != nil || len(prices) != 2 || prices[0].Price != 4200 || prices[1].Price != 4800 ||
		!bytes.Equal(prices[0].NodePubkey, d.Nodes[1].NodeKey) || !bytes.Equal(prices[0].Operator, d.Nodes[1].Operator.Bytes()) {
		t.Fatalf("prices %v, %v: want the two nodes at 4200 and 4800", prices, err)
	}
	b, err := order.NewBuyer(ctx, d.Client, buyer)
	if err != nil {
		t.Fatal(err)
	}
	q, err := b.Quote(ctx, order.QuoteRequest{Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome}})
	p := params.Default()
	if err != nil || len(q.Offers) != 2 || !q.Registered || q.InputBytes != uint64(in.Size) || !strings.HasPrefix(q.Winner, d.Nodes[1].Operator.String()) ||
		q.Cost.Price != 4200 || q.Cost.Txs != 3 || q.Cost.Total != 4200+3*p.MinFee || q.Cost.Upfront != 4200+p.MinPoStake+3*p.MinFee ||
		q.Offers[0].NetworkFee != 42 || q.Offers[0].Royalty != 42 || q.Offers[0].Payment != 4200-84 {
		t.Fatalf("quote %+v, %v", q, err)
	}
	res, err := d.Client.Send(ctx, buyer, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
		PackageId: d.Packages[0].ID[:], InputRoot: root[:], Params: []*ledgerpb.OrderParam{{Key: "ENZYMES", Value: "EcoRI"}},
		MaxPrice: 5000, PoStake: params.Default().MinPoStake, BidWindow: 10, DeliveryWindow: 40, ConfirmWindow: 20, Replication: 1,
	}}})
	if err != nil || res.Code != 0 {
		t.Fatalf("create order: %v %s", err, res.Log)
	}
	created, _ := event.Find[market.EventOrderCreated](res.Events)
	id := created.OrderID
	o := waitState(t, d, id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	if got, want := hex.EncodeToString(o.GetContract().GetNodeKey()), hex.EncodeToString(d.Nodes[1].NodeKey); got != want {
		t.Fatalf("awarded to %s, want the cheaper node %s", got, want)
	}
	// The node bids its published asking price.
	if price := o.GetContract().GetPrice(); price != 4200 {
		t.Fatalf("price %d, want the node's asking price 4200", price)
	}
	gc := &nodeapi.Client{Endpoint: d.Nodes[1].Endpoint, Key: buyer}
	// The award reaches the node a moment after the block.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = gc.UploadInput(ctx, id, "genome", genome)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	// A wrong input list is refused with the reason.
	bad := []nodeapi.InputFile{{Name: "genome", Size: in.Size + 1, SHA256: hex.EncodeToString(in.SHA256[:])}}
	if _, err := gc.CommitInputs(ctx, id, bad); !nodeapi.IsStatus(err, 400) {
		t.Fatalf("bad input list: %v, want 400", err)
	}
	// Another key cannot fetch the buyer's outputs.
	other, _ := d.Key(KeyAuthor)
	if _, err := (&nodeapi.Client{Endpoint: d.Nodes[1].Endpoint, Key: other}).Outputs(ctx, id); !nodeapi.IsStatus(err, 403) {
		t.Fatalf("outputs by a stranger: %v, want 403", err)
	}
	if _, err := gc.CommitInputs(ctx, id, []nodeapi.InputFile{{Name: "genome", Size: in.Size, SHA256: hex.EncodeToString(in.SHA256[:])}}); err != nil {
		t.Fatal(err)
	}
	o = waitState(t, d, id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	out, err := gc.Outputs(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var files []outputroot.File
	for _, f := range out.Files {
		data, err := gc.OutputFile(ctx, id, f.SHA256, f.Size)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Fatalf("file %s: hash mismatch", f.Path)
		}
		files = append(files, outputroot.File{Path: f.Path, Size: int64(len(data)), SHA256: sum})
	}
	got, err := outputroot.Compute(out.ExitCode, out.Stdout, out.Stderr, files)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got[:]) != hex.EncodeToString(o.GetDelivery().GetOutputRoot()) {
		t.Fatalf("downloaded root %x != delivered %x", got, o.GetDelivery().GetOutputRoot())
	}
	if out.ExitCode != 0 || len(out.Stdout) == 0 {
		t.Fatalf("exit %d, stdout %q", out.ExitCode, out.Stdout)
	}
	code, _ := hex.DecodeString(out.CompletionCode)
	salt := make([]byte, 32)
	rc := market.RatingCommitment(id, 5, salt)
	res, err = d.Client.Send(ctx, buyer, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: &ledgerpb.MsgClose{OrderId: id, CompletionCode: code, BuyerRatingCommitment: rc[:]}}})
	if err != nil || res.Code != 0 {
		t.Fatalf("close: %v %s", err, res.Log)
	}
	res, err = d.Client.Send(ctx, buyer, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{OrderId: id, Stars: 5, Salt: salt}}})
	if err != nil || res.Code != 0 {
		t.Fatalf("reveal: %v %s", err, res.Log)
	}
	deadline = time.Now().Add(20 * time.Second)
	for !queryOrder(t, d, id).GetRatings().GetFinal() {
		if time.Now().After(deadline) {
			t.Fatalf("ratings not final: %v", queryOrder(t, d, id).GetRatings())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if r := queryOrder(t, d, id).GetRatings(); !r.GetProviderRevealed() {
		t.Fatalf("the provider node did not reveal its rating: %v", r)
	}
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("not a number: %q", s)
		}
		v = v*10 + uint64(c-'0')
	}
	return v
}

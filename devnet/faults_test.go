package devnet

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/spec"
)

// buyerRun is one order placed by hand, as a buyer's client would.
type buyerRun struct {
	t      *testing.T
	d      *Devnet
	key    ed25519.PrivateKey
	id     uint64
	genome string
	input  inputroot.Input
}

func send(t *testing.T, d *Devnet, key ed25519.PrivateKey, m *ledgerpb.Msg) client.TxResult {
	t.Helper()
	res, err := d.Client.Send(context.Background(), key, d.ChainID, params.Default().MinFee, m)
	if err != nil || res.Code != 0 {
		t.Fatalf("tx: %v %s", err, res.Log)
	}
	return res
}

func balance(t *testing.T, d *Devnet, a address.Address) uint64 {
	t.Helper()
	b, err := d.Client.Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func createOrder(t *testing.T, d *Devnet, maxPrice, deliveryWindow, confirmWindow uint64) *buyerRun {
	t.Helper()
	key, err := d.Key(KeyBuyer)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	in, err := inputroot.HashFile("genome", genome)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := inputroot.Compute([]inputroot.Input{in})
	res := send(t, d, key, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
		PackageId: d.Packages[0].ID[:], InputRoot: root[:], Params: []*ledgerpb.OrderParam{{Key: "ENZYMES", Value: "EcoRI"}},
		MaxPrice: maxPrice, PoStake: params.Default().MinPoStake, BidWindow: 10, DeliveryWindow: deliveryWindow, ConfirmWindow: confirmWindow, Replication: 1,
	}}})
	r := &buyerRun{t: t, d: d, key: key, genome: genome, input: in}
	created, _ := event.Find[market.EventOrderCreated](res.Events)
	r.id = created.OrderID
	return r
}

func (r *buyerRun) inputs() []nodeapi.InputFile {
	return []nodeapi.InputFile{{Name: "genome", Size: r.input.Size, SHA256: hex.EncodeToString(r.input.SHA256[:])}}
}

// upload sends the inputs to the node with the given endpoint, retrying
// while the node has not yet seen the award or the draw, and returns the
// provider's input receipt (nil from a verifier).
func (r *buyerRun) upload(endpoint string) []byte {
	r.t.Helper()
	gc := &nodeapi.Client{Endpoint: endpoint, Key: r.key}
	ctx := context.Background()
	deadline := time.Now().Add(15 * time.Second)
	var err error
	var st nodeapi.JobStatus
	for {
		if err = gc.UploadInput(ctx, r.id, "genome", r.genome); err == nil {
			st, err = gc.CommitInputs(ctx, r.id, r.inputs())
		}
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("upload to %s: %v", endpoint, err)
	}
	receipt, _ := hex.DecodeString(st.InputReceipt)
	return receipt
}

// dispute opens a dispute of the order with a new seed chain and reveals
// the first round's seed in a later block, which draws the verifiers.
func (r *buyerRun) dispute(outcome ledgerpb.DisputeOutcome) {
	r.t.Helper()
	seeds, err := order.NewSeedChain(2)
	if err != nil {
		r.t.Fatal(err)
	}
	res := send(r.t, r.d, r.key, &ledgerpb.Msg{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: &ledgerpb.MsgOpenDispute{
		OrderId: r.id, Claim: ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT, Outcome: outcome,
		Stake: params.Default().MinDisputeStake, SeedCommitment: seeds[0],
	}}})
	// The seed is revealed after the opening block.
	for r.d.height(r.t) <= res.Height {
		time.Sleep(20 * time.Millisecond)
	}
	send(r.t, r.d, r.key, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{OrderId: r.id, Seed: seeds[1]}}})
}

// height returns the chain's latest height.
func (d *Devnet) height(t *testing.T) int64 {
	t.Helper()
	st, err := d.Client.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.SyncInfo.LatestBlockHeight
}

func (d *Devnet) nodeByKey(t *testing.T, key []byte) NodeInfo {
	t.Helper()
	for _, n := range d.Nodes {
		if string(n.NodeKey) == string(key) {
			return n
		}
	}
	t.Fatalf("no devnet node has key %x", key)
	return NodeInfo{}
}

// TestMissedDelivery: a provider that takes the inputs, signs its input
// receipt and never delivers fails the contract at the end of its
// delivery window; the buyer, who shows the receipt, gets the escrow back
// and half the provider's bid stake, and the provider loses its stake.
func TestMissedDelivery(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Fault: node.FaultNoDelivery}})
	buyerBefore := balance(t, d, d.Buyer)
	vendorBefore := balance(t, d, d.Nodes[0].Operator)
	r := createOrder(t, d, 5000, 15, 10)
	waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	receipt := r.upload(d.Nodes[0].Endpoint)
	send(t, d, r.key, &ledgerpb.Msg{Sum: &ledgerpb.Msg_PostInputReceipt{PostInputReceipt: &ledgerpb.MsgPostInputReceipt{OrderId: r.id, Signature: receipt}}})
	o := waitState(t, d, r.id, 30*time.Second, ledgerpb.OrderState_ORDER_STATE_FAILED)
	if o.GetFailReason() != ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT {
		t.Errorf("fail reason %v", o.GetFailReason())
	}
	stake := o.GetContract().GetBidStake()
	fee := params.Default().MinFee
	if got, want := balance(t, d, d.Buyer), buyerBefore-2*fee+stake/2; got != want {
		t.Errorf("buyer balance %d, want %d (before %d − 2 fees of %d + half the bid stake %d)", got, want, buyerBefore, fee, stake)
	}
	if got := balance(t, d, d.Nodes[0].Operator); got >= vendorBefore {
		t.Errorf("provider balance %d, not below %d: no slashing", got, vendorBefore)
	}
	// The node marks the job done when it handles the block that failed it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, ok := jobOf(d.Nodes[0].Node, r.id, nodeapi.RoleProvider)
		if ok && j.Done && j.State != nodeapi.StateDelivered && j.TxHash.IsZero() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("provider job: state %s, tx %s, done %v: want undelivered and done", j.State, j.TxHash, j.Done)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func jobOf(n *node.Node, id uint64, role string) (node.Job, bool) {
	for _, j := range n.Jobs() {
		if j.OrderID == id && j.Role == role {
			return j, true
		}
	}
	return node.Job{}, false
}

// TestWrongOutputCaughtByVerifiers: the cheapest node delivers a corrupted
// root; the buyer disputes; the other two nodes, drawn as verifiers,
// re-execute, commit and reveal the true root; the provider is slashed and
// the buyer refunded.
func TestWrongOutputCaughtByVerifiers(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Fault: node.FaultWrongOutput, Price: 4000}, {Price: 4500}, {Price: 4500}})
	buyerBefore := balance(t, d, d.Buyer)
	r := createOrder(t, d, 5000, 150, 30)
	o := waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	if string(o.GetContract().GetNodeKey()) != string(d.Nodes[0].NodeKey) {
		t.Fatalf("the faulty node did not win")
	}
	r.upload(d.Nodes[0].Endpoint)
	o = waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	stake := o.GetContract().GetBidStake()
	r.dispute(ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
	o = queryOrder(t, d, r.id)
	vs := o.GetDispute().GetVerifiers()
	if len(vs) != 2 {
		t.Fatalf("%d verifiers drawn, want the 2 honest nodes", len(vs))
	}
	for _, v := range vs {
		r.upload(d.nodeByKey(t, v.GetNodeKey()).Endpoint)
	}
	o = waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_RESOLVED)
	if v := o.GetDispute().GetVerdict(); v != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON {
		t.Fatalf("verdict %s, want buyer won", v)
	}
	for _, v := range o.GetDispute().GetVerifiers() {
		if len(v.GetOutputRoot()) == 0 {
			t.Errorf("verifier %x did not reveal", v.GetNodeKey())
		}
	}
	// The buyer paid three fees (create, dispute, seed) and got
	// everything back, plus its share of the slashed stake.
	fee := params.Default().MinFee
	if got := balance(t, d, d.Buyer); got < buyerBefore-3*fee {
		t.Errorf("buyer balance %d, want at least %d (refunded); bid stake %d", got, buyerBefore-3*fee, stake)
	}
	if j, _ := jobOf(d.Nodes[1].Node, r.id, nodeapi.RoleVerifier); j.OutputRoot.IsZero() {
		j2, _ := jobOf(d.Nodes[2].Node, r.id, nodeapi.RoleVerifier)
		if j2.OutputRoot.IsZero() {
			t.Errorf("no verifier job ran")
		}
	}
}

// TestAutoClose: a buyer who never closes; the confirm window passes and
// the order closes in the provider's favour, who is paid and reveals its
// rating.
func TestAutoClose(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{}})
	vendorBefore := balance(t, d, d.Nodes[0].Operator)
	r := createOrder(t, d, 5000, 150, 5)
	waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	r.upload(d.Nodes[0].Endpoint)
	o := waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_CLOSED)
	if got := balance(t, d, d.Nodes[0].Operator); got <= vendorBefore-10*params.Default().MinFee {
		t.Errorf("provider balance %d after auto-close; before %d", got, vendorBefore)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !o.GetRatings().GetFinal() {
		if time.Now().After(deadline) {
			t.Fatalf("ratings not final: %v", o.GetRatings())
		}
		time.Sleep(100 * time.Millisecond)
		o = queryOrder(t, d, r.id)
	}
	if !o.GetRatings().GetProviderRevealed() {
		t.Errorf("provider did not reveal after the auto-close: %v", o.GetRatings())
	}
}

// TestNobodyServes: an order whose max price is below every node's
// asking price and floor expires; each node tells why it did not bid, and the buyer gets the
// escrow back.
func TestNobodyServes(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Floor: 2000}, {Floor: 3000}})
	before := balance(t, d, d.Buyer)
	r := createOrder(t, d, 1000, 40, 5)
	waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_EXPIRED)
	if got, want := balance(t, d, d.Buyer), before-params.Default().MinFee; got != want {
		t.Errorf("buyer balance %d, want %d: only the fee is spent", got, want)
	}
	for _, n := range d.Nodes {
		dec, err := (&nodeapi.Client{Endpoint: n.Endpoint}).Decision(context.Background(), r.id)
		if err != nil {
			t.Fatal(err)
		}
		if dec.Bid || dec.Reason != "above-max-price" || !strings.Contains(dec.Detail, "floor") {
			t.Errorf("%s decision %+v, want above-max-price", n.Name, dec)
		}
	}
}

// TestGatewayRefusals: the node's HTTP API refuses unsigned requests,
// strangers, uploads for orders it holds no job for, and packages the
// registry does not list at it; health and metrics answer.
func TestGatewayRefusals(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{}})
	ctx := context.Background()
	ep := d.Nodes[0].Endpoint
	r := createOrder(t, d, 5000, 40, 5)
	waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)

	// Unsigned: 401.
	req, _ := http.NewRequest("PUT", ep+"/v1/orders/"+strconv.FormatUint(r.id, 10)+"/inputs/genome", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("unsigned upload: %d, want 401", resp.StatusCode)
	}
	// Signed by someone else: 403.
	author, _ := d.Key(KeyAuthor)
	if err := (&nodeapi.Client{Endpoint: ep, Key: author}).UploadInput(ctx, r.id, "genome", r.genome); !nodeapi.IsStatus(err, 403) {
		t.Errorf("stranger's upload: %v, want 403", err)
	}
	// An order that does not exist: 404.
	if err := (&nodeapi.Client{Endpoint: ep, Key: r.key}).UploadInput(ctx, 999, "genome", r.genome); !nodeapi.IsStatus(err, 404) {
		t.Errorf("unknown order: %v, want 404", err)
	}
	// Outputs before the run: 409.
	r.upload(ep)
	// Bytes that are no package: refused by the client already; a blob
	// the registry does not list at this node: 403, before its body.
	blob := []byte("not a package")
	sum := sha256.Sum256(blob)
	if err := (&nodeapi.Client{Endpoint: ep, Key: author}).PutBlob(ctx, sum, blob); !errors.Is(err, spec.ErrInvalid) {
		t.Errorf("garbage blob: %v, want spec.ErrInvalid", err)
	}
	req, _ = http.NewRequest("PUT", ep+"/v1/blobs/"+hex.EncodeToString(sum[:]), strings.NewReader(string(blob)))
	req.Header.Set(nodeapi.PackageIDHeader, d.Packages[0].ID.String())
	nodeapi.Sign(req, author, nodeapi.BodyOf(blob), time.Now().Add(time.Minute))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("unlisted blob: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		resp, err := http.Get(ep + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
		if path == "/metrics" && !strings.Contains(string(body), "cell_node_height") {
			t.Errorf("metrics lack cell_node_height")
		}
	}
	waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	if _, err := (&nodeapi.Client{Endpoint: ep, Key: r.key}).CommitInputs(ctx, r.id, r.inputs()); err != nil {
		t.Errorf("committing again after the run: %v, want the job's status", err)
	}
	// The same input again is harmless; other bytes are too late.
	if err := (&nodeapi.Client{Endpoint: ep, Key: r.key}).UploadInput(ctx, r.id, "genome", r.genome); err != nil {
		t.Errorf("the same upload after the run: %v, want accepted", err)
	}
	other := filepath.Join(t.TempDir(), "other.fa")
	os.WriteFile(other, []byte(">x\nACGT\n"), 0o644)
	if err := (&nodeapi.Client{Endpoint: ep, Key: r.key}).UploadInput(ctx, r.id, "genome", other); !nodeapi.IsStatus(err, 409) {
		t.Errorf("another upload after the run: %v, want 409", err)
	}
}

// TestOrderRunDisputesWrongOutput: the buyer's own flow (client/order)
// against a node that delivers a wrong root: the downloaded outputs do
// not match, the buyer disputes on its own, sends the inputs to the drawn
// verifiers, and is refunded when they find for it.
func TestOrderRunDisputesWrongOutput(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Fault: node.FaultWrongOutput, Price: 4000}, {Price: 4500}, {Price: 4500}})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(context.Background(), d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	var kinds []order.StepKind
	res, err := b.Run(context.Background(), order.Request{
		Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10,
		Progress: func(s order.Step) { kinds = append(kinds, s.Kind) },
	})
	if !errors.Is(err, order.ErrDisputed) {
		t.Fatalf("run: %v, want ErrDisputed; steps %v", err, kinds)
	}
	if res.Dispute == nil || res.Dispute.Verdict != "buyer_won" || res.Dispute.Refund == 0 {
		t.Fatalf("dispute %+v", res.Dispute)
	}
	if !slices.Contains(kinds, order.StepVerifierInputs) || !slices.Contains(kinds, order.StepDisputeDecided) {
		t.Errorf("steps %v", kinds)
	}
}

// TestVerifiersFetchInputsFromProvider: a buyer disputes and sends the
// verifiers nothing; the drawn verifiers get the inputs from the
// provider's node (checked against the order's input root), re-execute,
// and the wrong output is caught all the same.
func TestVerifiersFetchInputsFromProvider(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{Fault: node.FaultWrongOutput, Price: 4000}, {Price: 4500}, {Price: 4500}})
	r := createOrder(t, d, 5000, 150, 30)
	waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	r.upload(d.Nodes[0].Endpoint)
	waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	r.dispute(ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
	// A stranger cannot read the provider's inputs.
	author, _ := d.Key(KeyAuthor)
	if _, err := (&nodeapi.Client{Endpoint: d.Nodes[0].Endpoint, Key: author}).ProviderInputs(context.Background(), r.id); !nodeapi.IsStatus(err, 403) {
		t.Errorf("inputs to a stranger: %v, want 403", err)
	}
	o := waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_RESOLVED)
	if v := o.GetDispute().GetVerdict(); v != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON {
		t.Fatalf("verdict %s, want buyer won", v)
	}
}

// TestRedoByAnother: the buyer's flow asks for redo-by-another when the
// outputs do not verify. The faulty provider is caught, the order reopens
// without it, an honest node wins the new round and delivers, and the
// buyer closes: one order, two providers, a verified result.
func TestRedoByAnother(t *testing.T) {
	// The reopened order's max price is the price in escrow, the faulty
	// node's (it asks 4,000): the honest nodes ask 4,500 but go down to a
	// floor of 4,000.
	d := startDevnet(t, []NodeOptions{{Fault: node.FaultWrongOutput, Price: 4000}, {Price: 4500, Floor: 4000}, {Price: 4500, Floor: 4000}})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(context.Background(), d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	var kinds []order.StepKind
	res, err := b.Run(context.Background(), order.Request{
		Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10, NoWaitFinal: true,
		DisputeOutcome: ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER,
		Progress:       func(s order.Step) { kinds = append(kinds, s.Kind) },
	})
	if err != nil {
		t.Fatalf("run: %v; steps %v", err, kinds)
	}
	if !slices.Contains(kinds, order.StepRedo) || !slices.Contains(kinds, order.StepClosed) {
		t.Fatalf("steps %v: want a redo, then a close", kinds)
	}
	if res.State != "closed" || res.Provider == d.Nodes[0].Operator.String() {
		t.Fatalf("order %s by %s; the faulty node is %s", res.State, res.Provider, d.Nodes[0].Operator)
	}
	if !strings.Contains(res.Stdout, "21226") {
		t.Errorf("stdout lacks the 21226 bp fragment:\n%s", res.Stdout)
	}
}

// TestBuyerNeverUploads: a buyer orders and never sends its inputs,
// hoping to collect half the provider's stake when the delivery is
// missed. The node reports the inputs missing at the input deadline, the
// report stands, and both get their funds back: the provider pays its
// fees, the buyer its fee, nobody gains.
func TestBuyerNeverUploads(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{}})
	buyerBefore := balance(t, d, d.Buyer)
	vendorBefore := balance(t, d, d.Nodes[0].Operator)
	r := createOrder(t, d, 5000, 80, 10)
	o := waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	if o.GetContract().GetInputDeadline() >= o.GetContract().GetDeliveryDeadline() {
		t.Fatalf("contract %v: the input deadline is not before the delivery deadline", o.GetContract())
	}
	o = waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_FAILED)
	if o.GetFailReason() != ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING {
		t.Fatalf("fail reason %v, want inputs missing", o.GetFailReason())
	}
	fee := params.Default().MinFee
	if got, want := balance(t, d, d.Buyer), buyerBefore-fee; got != want {
		t.Errorf("buyer balance %d, want %d: only its fee", got, want)
	}
	// The node paid for its bid and its report, and its announcements;
	// its stake came back.
	if got := balance(t, d, d.Nodes[0].Operator); got+10*fee < vendorBefore {
		t.Errorf("provider balance %d, was %d: it lost more than fees", got, vendorBefore)
	}
	j, _ := jobOf(d.Nodes[0].Node, r.id, nodeapi.RoleProvider)
	if !j.MissingReported {
		t.Errorf("provider job %+v: no report recorded", j)
	}
}

// TestOfferingServedEndToEnd: a vendor offers the package at a fixed
// price on one of its nodes, with a vendor stake; the buyer's flow buys
// it without bids, the offering's node runs it and delivers, and the
// buyer closes.
func TestOfferingServedEndToEnd(t *testing.T) {
	d := startDevnet(t, []NodeOptions{{}, {}})
	vendor, err := d.Key(VendorKey(2))
	if err != nil {
		t.Fatal(err)
	}
	p := params.Default()
	send(t, d, vendor, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetProfile{SetProfile: &ledgerpb.MsgSetProfile{Name: "Vendor two", Roles: []ledgerpb.Role{ledgerpb.Role_ROLE_VENDOR}}}})
	send(t, d, vendor, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{
		PackageId: d.Packages[0].ID[:], Price: 3_000, LeadTimeBlocks: 40, NodeKey: d.Nodes[1].NodeKey, Stake: p.MinBidStake,
	}}})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(context.Background(), d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	vendorBefore := balance(t, d, d.Nodes[1].Operator)
	res, err := b.Run(context.Background(), order.Request{
		Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, Offering: d.Nodes[1].Operator.String(), NoWaitFinal: true,
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	o := queryOrder(t, d, res.OrderID)
	if !o.GetDirect() || o.GetState() != ledgerpb.OrderState_ORDER_STATE_CLOSED || string(o.GetContract().GetNodeKey()) != string(d.Nodes[1].NodeKey) ||
		o.GetContract().GetPrice() != 3_000 || o.GetContract().GetBidStake() != p.MinBidStake {
		t.Fatalf("order %v: want a direct purchase served by the offering's node and closed", o)
	}
	if !strings.Contains(res.Stdout, "21226") {
		t.Errorf("stdout lacks the 21226 bp fragment:\n%s", res.Stdout)
	}
	// Paid 3,000 less the fee (30) and the royalty (30), its stake back.
	if got := balance(t, d, d.Nodes[1].Operator); got < vendorBefore+2_940-10*p.MinFee {
		t.Errorf("vendor balance %d, was %d: not paid", got, vendorBefore)
	}
}

// TestRunOutOfFuelIsDelivered: a package whose run ends deterministically
// in one of its own limits — here the digest with too little fuel for the
// λ genome — was never delivered before, so its honest provider was
// slashed, and verifiers that re-ran it failed too. Now the provider
// delivers the outcome; the buyer verifies it against the outcome root
// and closes; and a buyer who disputes such a delivery anyway loses,
// because the verifiers' runs end the same way.
func TestRunOutOfFuelIsDelivered(t *testing.T) {
	src := digestDir(t)
	dir := t.TempDir()
	manifest, err := os.ReadFile(filepath.Join(src, "cell.toml"))
	if err != nil {
		t.Fatal(err)
	}
	// 50,000 loop iterations: the λ digest with EcoRI needs about 178,000.
	manifest = []byte(strings.Replace(string(manifest), "[resources]\n", "[resources]\nfuel = 50000\n", 1))
	wasmBytes, err := os.ReadFile(filepath.Join(src, "digest.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digest.wasm"), wasmBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDevnetWith(t, []NodeOptions{{Price: 4000}, {Price: 4500}, {Price: 4500}}, []string{dir})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(context.Background(), d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	req := order.Request{
		Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10, ConfirmWindow: 60, NoWaitFinal: true,
		// A run that ended in a limit is not closed by itself: the buyer
		// chooses to close it.
		OnFailure: order.OnFailureClose,
	}
	res, err := b.Run(context.Background(), req)
	if !errors.Is(err, order.ErrPackageFailed) {
		t.Fatalf("run: %v, want ErrPackageFailed (closed as chosen)", err)
	}
	o := queryOrder(t, d, res.OrderID)
	if res.RunResult != "fuel-limit" || !res.Verified || res.State != "closed" || o.GetDelivery().GetResult() != ledgerpb.RunResult_RUN_RESULT_FUEL_LIMIT {
		t.Fatalf("result %+v, delivery %v: want a verified fuel-limit outcome, closed", res, o.GetDelivery())
	}

	// A second order, disputed although its outcome is right.
	req.NoClose = true
	res, err = b.Run(context.Background(), req)
	if (err != nil && !errors.Is(err, order.ErrPackageFailed)) || res.State != "delivered" {
		t.Fatalf("run: %+v, %v", res, err)
	}
	o = queryOrder(t, d, res.OrderID)
	provider := d.nodeByKey(t, o.GetContract().GetNodeKey())
	buyerBefore, providerBefore := balance(t, d, d.Buyer), balance(t, d, provider.Operator)
	dres, err := b.Dispute(context.Background(), res.OrderID, order.DisputeOptions{Inputs: req.Inputs, Wait: true})
	if dres == nil || dres.Dispute == nil || dres.Dispute.Verdict != "provider_won" {
		t.Fatalf("dispute: %+v, %v: want provider_won", dres, err)
	}
	o = queryOrder(t, d, res.OrderID)
	for _, v := range o.GetDispute().GetVerifiers() {
		if !bytes.Equal(v.GetOutputRoot(), o.GetDelivery().GetOutputRoot()) {
			t.Errorf("verifier %x revealed %x, not the delivered outcome's root", v.GetNodeKey(), v.GetOutputRoot())
		}
	}
	// The buyer loses its dispute stake and pays its fees; the provider,
	// whose outcome was right, is paid.
	p := params.Default()
	if got, want := balance(t, d, d.Buyer), buyerBefore-p.MinDisputeStake; got > want || got < want-5*p.MinFee {
		t.Errorf("buyer balance %d, want %d less fees", got, want)
	}
	if got := balance(t, d, provider.Operator); got <= providerBefore {
		t.Errorf("provider balance %d, was %d: not paid", got, providerBefore)
	}
}

// startDevnetWith is startDevnet with the packages of the given
// directories instead of the example digest.
func startDevnetWith(t *testing.T, nodes []NodeOptions, packages []string) *Devnet {
	t.Helper()
	return startDevnetOptions(t, nodes, packages, nil)
}

// startDevnetOptions is startDevnetWith with the genesis params edited by
// edit (if not nil).
func startDevnetOptions(t *testing.T, nodes []NodeOptions, packages []string, edit func(*ledgerpb.Params)) *Devnet {
	t.Helper()
	o := Options{Home: t.TempDir(), Nodes: len(nodes), BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1,
		Node: nodes, Packages: packages, Params: edit}
	if testing.Verbose() {
		o.Log = os.Stderr
	}
	d, err := Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(); err != nil {
			t.Log("stop:", err)
		}
		if err := chain.CheckInvariants(d.Home); err != nil {
			t.Errorf("ledger invariants: %v", err)
		}
	})
	return d
}

// verifierStake returns the verifier stake of a node, in ucell (0: no
// verifier).
func verifierStake(t *testing.T, d *Devnet, nodeKey []byte) uint64 {
	t.Helper()
	v, err := d.Client.Verifier(context.Background(), nodeKey)
	if err != nil {
		return 0
	}
	return v.GetStake()
}

// TestSlashedVerifierComesBack: a verifier node that stays silent in a
// dispute round loses its verifier stake to the treasury; it sees its
// slash and stakes again at once, from its operator's balance, so it is
// drawable again without waiting for its next re-announcement. The
// honest verifiers keep their stake.
func TestSlashedVerifierComesBack(t *testing.T) {
	// Only the faulty provider bids (the others' floor is above the max
	// price); all three others verify. The operators' miners may not
	// submit during the test, so that the silent operator's balance moves
	// by its verifier stake and fees only, not by mining rewards.
	d := startDevnetParams(t, []NodeOptions{{Fault: node.FaultWrongOutput}, {Floor: 9000}, {Floor: 9000}, {Floor: 9000, Fault: node.FaultSilentVerifier}},
		func(p *ledgerpb.Params) { p.MinerMinStakedCycles = 1_000 })
	silent := d.Nodes[3]
	r := createOrder(t, d, 5000, 150, 30)
	o := waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	if !bytes.Equal(o.GetContract().GetNodeKey(), d.Nodes[0].NodeKey) {
		t.Fatalf("the faulty node did not win")
	}
	r.upload(d.Nodes[0].Endpoint)
	waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	silentBefore := balance(t, d, silent.Operator)
	r.dispute(ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND)
	o = queryOrder(t, d, r.id)
	if len(o.GetDispute().GetVerifiers()) != 3 {
		t.Fatalf("%d verifiers drawn, want the 3 other nodes", len(o.GetDispute().GetVerifiers()))
	}
	for _, v := range o.GetDispute().GetVerifiers() {
		if !bytes.Equal(v.GetNodeKey(), silent.NodeKey) { // the silent node keeps no job
			r.upload(d.nodeByKey(t, v.GetNodeKey()).Endpoint)
		}
	}
	o = waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_RESOLVED)
	if v := o.GetDispute().GetVerdict(); v != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON {
		t.Fatalf("verdict %s, want buyer won", v)
	}
	for _, n := range d.Nodes[1:3] {
		if got := verifierStake(t, d, n.NodeKey); got != VerifierStake {
			t.Errorf("honest verifier %s: stake %d, want %d", n.Name, got, VerifierStake)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for verifierStake(t, d, silent.NodeKey) != VerifierStake {
		if time.Now().After(deadline) {
			t.Fatalf("the slashed verifier did not stake again: stake %d", verifierStake(t, d, silent.NodeKey))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Its operator paid the new stake and the registration's fee; the
	// old stake went to the treasury with the slash.
	fee := params.Default().MinFee
	if got, want := balance(t, d, silent.Operator), silentBefore-VerifierStake; got > want || got < want-3*fee {
		t.Errorf("silent verifier's operator: balance %d, want %d less fees", got, want)
	}
}

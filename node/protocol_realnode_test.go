package node_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/follow"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// labNode is a real node of TestRealNodeProtocolOrder.
type labNode struct {
	name     string
	node     *node.Node
	endpoint string
}

// TestRealNodeProtocolOrder runs protocol orders end to end on a real
// chain (internal/testchain: one CometBFT validator) and two real nodes
// with the simulated lab's bot (driver labsim), both verifiers: "lab",
// honest, and "skipper", whose bot skips a step (node.FaultSkipStep).
// Each serves its own copy of the λ digest protocol (testdata/
// digest-protocol) at the lowest price, so an order of a copy lands on
// its node.
//
//   - An order on lab: the bid names the simulated lab's BotSpec and the
//     contract keeps it; the buyer commits the empty input list; the
//     node runs the protocol on labsim and delivers; the buyer downloads
//     the log and the datasets, the conformance check and the replay
//     accept them against the delivered head and output root, and the
//     label's QR code carries the completion code the delivery commits
//     to.
//   - An order no BotSpec covers (ENZYME=NotI): no bid, and each node's
//     decision names the unmet requirement for the buyer.
//   - An order on skipper: the delivered log fails the check
//     (missing-warp); the buyer disputes; lab, drawn as the verifier,
//     fetches the log and datasets, finds the same violation, commits
//     and reveals "violates", and the dispute is decided for the buyer.
func TestRealNodeProtocolOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain and two nodes")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := func(name string) ed25519.PrivateKey { return testchain.Key("protocol " + name) }
	p := params.Default()
	p.RevealWindowBlocks = 3
	p.VerifiersPerDispute = 1
	p.VerifierCommitWindow = 20
	p.VerifierRevealWindow = 8
	p.MinDisputeQuorum = 1
	p.InputWindowBlocks = 15
	p.InputContestWindowBlocks = 10
	p.DisputeSeedWindowBlocks = 20
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range []string{"author", "buyer", "lab", "skipper"} {
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: testchain.Address(key(name)).String(), Balance: 10_000_000_000})
	}
	c := testchain.Start(t, testchain.Options{Genesis: g})

	// The nodes' listeners first: the packages' locations name them.
	names := []string{"lab", "skipper"}
	var eps []string
	listeners := make([]*labListener, len(names))
	for i := range names {
		listeners[i] = listen(t)
		eps = append(eps, "http://"+listeners[i].ln.Addr().String())
	}

	// Two copies of the protocol package, one per node.
	dir := t.TempDir()
	var blobs [][]byte
	pkgs := map[string]spec.ID{}
	for _, name := range names {
		pdir := filepath.Join(dir, name)
		copyProtocolDir(t, pdir, "digest-"+name)
		pkg, err := packer.BuildSigned(pdir, spec.DefaultLimits(), key("author"))
		if err != nil {
			t.Fatal(err)
		}
		blob := pkg.Encode()
		blobs = append(blobs, blob)
		var locs []string
		for _, ep := range eps {
			locs = append(locs, ep+nodeapi.BlobPath(sha256.Sum256(blob)))
		}
		pub, sig := pkg.Signature()
		c.Send(t, key("author"), &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
			Envelope: pkg.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig, SpecSize: uint64(len(pkg.Spec().Bytes())),
			BlobLocations: locs}}})
		pkgs[name] = pkg.ID()
	}

	simlab, _ := filepath.Abs(filepath.Join("..", "examples", "botspecs", "simlab.json"))
	lab := map[string]*labNode{}
	fcfg := follow.NewConfig().WithPollInterval(100*time.Millisecond).WithBackoff(50*time.Millisecond, time.Second)
	done := make(chan error, len(names))
	for i, name := range names {
		home := filepath.Join(dir, "nodes", name)
		cfg := config.Default(home)
		cfg.ChainRPC, cfg.Listen, cfg.Endpoint = c.RPC, listeners[i].ln.Addr().String(), eps[i]
		cfg.Verifier = config.Verifier{Enabled: true, Stake: p.MinVerifierStake}
		cfg.AllowPrivateFetch = true
		cfg.Bots = []config.Bot{{BotSpec: simlab, Driver: "labsim"}}
		cfg.Pricing = config.Pricing{Base: 1_000_000_000, Minimum: 50_000, Floor: 50_000, PerPackage: map[string]uint64{}}
		for other, id := range pkgs {
			cfg.Pricing.PerPackage[id.String()] = 1_000_000_000
			if other == name {
				cfg.Pricing.PerPackage[id.String()] = 50_000
			}
		}
		bs, err := blobstore.Open(filepath.Join(cfg.DataDir, "blobs"))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range blobs {
			if _, _, err := bs.Put(bytes.NewReader(b)); err != nil {
				t.Fatal(err)
			}
		}
		fault := node.FaultNone
		if name == "skipper" {
			fault = node.FaultSkipStep
		}
		n, err := node.New(ctx, cfg, node.Options{NodeKey: key("node " + name), OperatorKey: key(name), Fault: fault,
			Listener: listeners[i].ln, Follow: &fcfg})
		if err != nil {
			t.Fatal(err)
		}
		lab[name] = &labNode{name: name, node: n, endpoint: eps[i]}
		go func() { done <- n.Run(ctx) }()
	}
	defer func() {
		cancel()
		for range names {
			<-done
		}
	}()
	waitUntil(t, "the nodes follow the chain", func() bool {
		return lab["lab"].node.Healthy() && lab["skipper"].node.Healthy()
	})
	specBot, err := bot.Load(simlab, "labsim")
	if err != nil {
		t.Fatal(err)
	}
	// Both nodes announce the simulated lab and autoprotocol/1.
	for _, ln := range lab {
		st, err := c.Client.Node(ctx, ln.node.NodeKey(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(st.GetNode().GetArchitectures(), bot.Architecture) ||
			!slices.ContainsFunc(st.GetNode().GetBotspecHashes(), func(h []byte) bool { return bytes.Equal(h, specBot.ID[:]) }) {
			t.Fatalf("node %s announced %v and %x", ln.name, st.GetNode().GetArchitectures(), st.GetNode().GetBotspecHashes())
		}
	}
	buyer := key("buyer")
	emptyRoot, _ := inputroot.Compute(nil)

	// run creates an order of pkg and follows it to its delivery.
	run := func(pkg spec.ID, want *labNode) (*ledgerpb.Order, nodeapi.Outputs, map[string][]byte, *eventlog.Log, []nodeapi.JobStatus) {
		t.Helper()
		res := c.Send(t, buyer, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
			PackageId: pkg[:], InputRoot: emptyRoot[:], Params: []*ledgerpb.OrderParam{{Key: "ENZYME", Value: "EcoRI"}},
			MaxPrice: 100_000, PoStake: p.MinPoStake, BidWindow: 8, DeliveryWindow: 60, ConfirmWindow: 30, Replication: 1,
		}}})
		id := orderIDOf(t, res)
		o := waitOrder(t, c, id, func(o *ledgerpb.Order) bool { return o.GetState() == ledgerpb.OrderState_ORDER_STATE_AWARDED })
		if !bytes.Equal(o.GetContract().GetNodeKey(), want.node.NodeKey()) {
			t.Fatalf("order %d awarded to %x, want %s", id, o.GetContract().GetNodeKey(), want.name)
		}
		if !bytes.Equal(o.GetContract().GetBotspecId(), specBot.ID[:]) {
			t.Fatalf("contract names BotSpec %x, want %s", o.GetContract().GetBotspecId(), specBot.ID)
		}
		gw := &nodeapi.Client{Endpoint: want.endpoint, Key: buyer}
		// The node records the job when it handles the award's block,
		// which may come after the buyer saw the award.
		var commitErr error
		waitUntil(t, "the empty input list committed", func() bool {
			_, commitErr = gw.CommitInputs(ctx, id, nil)
			var se *nodeapi.StatusError
			if errors.As(commitErr, &se) && se.Status == 404 {
				return false
			}
			return true
		})
		if commitErr != nil {
			t.Fatalf("commit the empty input list: %v", commitErr)
		}
		var seen []nodeapi.JobStatus
		waitUntil(t, "the delivery", func() bool {
			if st, err := gw.Job(ctx, id); err == nil && (len(seen) == 0 || seen[len(seen)-1].State != st.State ||
				seen[len(seen)-1].Instruction != st.Instruction) {
				seen = append(seen, st)
			}
			r, err := c.Client.Order(ctx, id)
			return err == nil && r.GetOrder().GetState() == ledgerpb.OrderState_ORDER_STATE_DELIVERED
		})
		r, _ := c.Client.Order(ctx, id)
		o = r.GetOrder()
		out, err := gw.Outputs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		datasets := map[string][]byte{}
		for _, f := range out.Files {
			b, err := gw.OutputFile(ctx, id, f.SHA256, f.Size)
			if err != nil {
				t.Fatal(err)
			}
			datasets[f.Path] = b
		}
		raw, err := gw.EventLog(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		l, err := eventlog.Read(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		return o, out, datasets, l, seen
	}
	check := func(pkgID spec.ID, o *ledgerpb.Order, l *eventlog.Log, datasets map[string][]byte) (botlog.CheckInput, *protopkg.Loaded) {
		t.Helper()
		var pkg *spec.Package
		for _, b := range blobs {
			if q, err := spec.DecodePackage(b, spec.DefaultLimits()); err == nil && q.ID() == pkgID {
				pkg = q
			}
		}
		ld, err := protopkg.Load(pkg, map[string]string{"ENZYME": "EcoRI"})
		if err != nil {
			t.Fatal(err)
		}
		return botlog.CheckInput{Log: l, NodeKey: o.GetContract().GetNodeKey(), Head: [32]byte(o.GetDelivery().GetEventLogHead()),
			Protocol: ld.Protocol, ProtocolHash: ld.Hash, BotSpec: specBot.Spec, Datasets: datasets}, ld
	}

	// The honest lab.
	o, out, datasets, l, seen := run(pkgs["lab"], lab["lab"])
	in, ld := check(pkgs["lab"], o, l, datasets)
	if err := botlog.Check(in); err != nil {
		t.Fatalf("the honest delivery fails the conformance check: %v", err)
	}
	decoded, err := botlog.Decode(l)
	if err != nil {
		t.Fatal(err)
	}
	sim := bot.SimInput(bot.Job{OrderID: o.GetId(), PackageID: pkgs["lab"], Protocol: ld.Protocol, ProtocolHash: ld.Hash,
		BotSpec: specBot.Spec, BotSpecID: specBot.ID})
	if err := labsim.Replay(sim, decoded, datasets); err != nil {
		t.Fatalf("replay of the honest delivery: %v", err)
	}
	last := seen[len(seen)-1]
	if n := len(ld.Protocol.Instructions); last.Instruction != n || last.Instructions != n {
		t.Errorf("job progress %d of %d at the end, want %d of %d", last.Instruction, last.Instructions, n, n)
	}
	if out.Label == nil {
		t.Fatal("the delivery stores a tube, but the outputs carry no label")
	}
	img, err := png.Decode(bytes.NewReader(out.Label.PNG))
	if err != nil {
		t.Fatal(err)
	}
	code, err := hex.DecodeString(out.CompletionCode)
	if err != nil || len(code) != 32 {
		t.Fatalf("completion code %q", out.CompletionCode)
	}
	q, err := bot.LabelQR(o.GetId(), out.Label.ID, [32]byte(code))
	if err != nil {
		t.Fatal(err)
	}
	if !labelShows(img, q.Bitmap()) {
		t.Error("the label's QR code is not that of the order, the label id and the completion code")
	}
	if cc := market.CompletionCommitment(o.GetId(), code); !bytes.Equal(cc[:], o.GetDelivery().GetCompletionCommitment()) {
		t.Error("the label's completion code is not the one the delivery commits to")
	}
	if decoded.Pack == nil || decoded.Pack.Label != out.Label.ID {
		t.Errorf("the log's ship.pack names label %v, the outputs %s", decoded.Pack, out.Label.ID)
	}
	t.Logf("order %d on lab: %d warps, makespan %d ms on the bot clock, %d datasets, label %s",
		o.GetId(), len(decoded.Warps), decoded.Warps[len(decoded.Warps)-1].End, len(datasets), out.Label.ID)

	// An order no BotSpec covers (NotI is not in the lab's inventory):
	// no bid, and each node tells the buyer the unmet requirement.
	labPkg := pkgs["lab"]
	res := c.Send(t, buyer, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
		PackageId: labPkg[:], InputRoot: emptyRoot[:], Params: []*ledgerpb.OrderParam{{Key: "ENZYME", Value: "NotI"}},
		MaxPrice: 100_000, PoStake: p.MinPoStake, BidWindow: 8, DeliveryWindow: 60, ConfirmWindow: 30, Replication: 1,
	}}})
	uncovered := orderIDOf(t, res)
	for _, ln := range lab {
		var d nodeapi.Decision
		waitUntil(t, ln.name+"'s decision", func() bool {
			var err error
			d, err = (&nodeapi.Client{Endpoint: ln.endpoint}).Decision(ctx, uncovered)
			return err == nil
		})
		if d.Bid || d.Reason != "not-covered" || !strings.Contains(d.Detail, "resource NotI: not in the bot's inventory") {
			t.Errorf("%s's decision on an uncovered order: %+v", ln.name, d)
		}
	}
	if r, err := c.Client.Order(ctx, uncovered); err != nil || len(r.GetBids()) != 0 {
		t.Errorf("the uncovered order has bids: %v %v", r.GetBids(), err)
	}

	// The skipper: its log fails the check, and the dispute's verifier
	// (lab) says so.
	o, _, datasets, l, _ = run(pkgs["skipper"], lab["skipper"])
	in, _ = check(pkgs["skipper"], o, l, datasets)
	var v *botlog.Violation
	if err := botlog.Check(in); !errors.As(err, &v) || v.Rule != botlog.RuleMissingWarp {
		t.Fatalf("the skip-step delivery: check = %v, want a %s violation", err, botlog.RuleMissingWarp)
	}
	t.Logf("order %d on skipper: %v", o.GetId(), v)
	seeds, err := order.NewSeedChain(p.MaxDisputeRounds)
	if err != nil {
		t.Fatal(err)
	}
	c.Send(t, buyer, &ledgerpb.Msg{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: &ledgerpb.MsgOpenDispute{
		OrderId: o.GetId(), Claim: ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_TO_SPEC, Outcome: ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND,
		Stake: p.MinDisputeStake, SeedCommitment: seeds[0]}}})
	waitOrder(t, c, o.GetId(), func(o *ledgerpb.Order) bool { return o.GetDispute().GetSeedDeadline() != 0 })
	c.Send(t, buyer, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{
		OrderId: o.GetId(), Seed: seeds[1]}}})
	d := waitOrder(t, c, o.GetId(), func(o *ledgerpb.Order) bool { return len(o.GetDispute().GetVerifiers()) > 0 })
	if vs := d.GetDispute().GetVerifiers(); !bytes.Equal(vs[0].GetNodeKey(), lab["lab"].node.NodeKey()) {
		t.Fatalf("verifier drawn %x, want lab's node", vs[0].GetNodeKey())
	}
	final := waitOrder(t, c, o.GetId(), func(o *ledgerpb.Order) bool { return o.GetState() != ledgerpb.OrderState_ORDER_STATE_DISPUTED })
	vj := jobOf(lab["lab"].node, o.GetId(), nodeapi.RoleVerifier)
	if vj == nil || ledgerpb.ProtocolVerdict(vj.Verdict) != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES ||
		!strings.Contains(vj.VerdictDetail, botlog.RuleMissingWarp) {
		t.Fatalf("lab's verifier job %+v, want the verdict violates (missing-warp)", vj)
	}
	if final.GetDispute().GetVerdict() != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON {
		t.Errorf("dispute decided %v (order %s), want for the buyer", final.GetDispute().GetVerdict(), final.GetState())
	}
	t.Logf("order %d: verifier verdict %q, dispute %v, order %v", o.GetId(), vj.VerdictDetail, final.GetDispute().GetVerdict(), final.GetState())
}

// labListener is a node's listener, opened before the node so that the
// packages' locations can name it.
type labListener struct{ ln net.Listener }

func listen(t *testing.T) *labListener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return &labListener{ln: ln}
}

// copyProtocolDir copies testdata/digest-protocol to dir under the
// package name name, its protocol.json followed by as many newlines as
// name has bytes: the same protocol in other bytes, another package id.
func copyProtocolDir(t *testing.T, dir, name string) {
	t.Helper()
	src := filepath.Join("testdata", "digest-protocol")
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "protocol.json"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(strings.Repeat("\n", len(name)))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "cell.toml")
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`name = "node-test-digest"`), []byte(`name = "`+name+`"`), 1)
	if err := os.WriteFile(manifest, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func orderIDOf(t *testing.T, res client.TxResult) uint64 {
	t.Helper()
	created, ok := event.Find[market.EventOrderCreated](res.Events)
	if !ok {
		t.Fatal("no order_created event")
	}
	return created.OrderID
}

// waitOrder polls order id until cond holds (two minutes at most).
func waitOrder(t *testing.T, c *testchain.Chain, id uint64, cond func(*ledgerpb.Order) bool) *ledgerpb.Order {
	t.Helper()
	var o *ledgerpb.Order
	waitUntil(t, "order "+strconv.FormatUint(id, 10), func() bool {
		r, err := c.Client.Order(context.Background(), id)
		if err != nil {
			return false
		}
		o = r.GetOrder()
		return cond(o)
	})
	return o
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// jobOf returns n's job of order id in role, or nil.
func jobOf(n *node.Node, id uint64, role string) *node.Job {
	for _, j := range n.Jobs() {
		if j.OrderID == id && j.Role == role {
			return &j
		}
	}
	return nil
}

// labelShows reports whether img, sampled at the centre of each
// bot.LabelModulePixels square, shows exactly the modules of bm.
func labelShows(img image.Image, bm [][]bool) bool {
	r := img.Bounds()
	if r.Dx() != len(bm)*bot.LabelModulePixels || r.Dy() != r.Dx() {
		return false
	}
	for y := range bm {
		for x := range bm[y] {
			c := img.At(r.Min.X+x*bot.LabelModulePixels+bot.LabelModulePixels/2, r.Min.Y+y*bot.LabelModulePixels+bot.LabelModulePixels/2)
			l, _, _, _ := c.RGBA()
			if (l < 0x8000) != bm[y][x] {
				return false
			}
		}
	}
	return true
}

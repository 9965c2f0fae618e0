package node_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// TestRealNodeUnderAttack runs one real node (devnet: an in-process
// validator and node, the example digest package) against the attacks
// on its bidding and its HTTP server:
//
//   - package hosts that tarpit (one accepts and never answers, one drips a
//     byte a second), registered for 8 orders: the node goes on bidding
//     on the orders of the digest package within their bid windows;
//   - 100 clients each sending a 1 GiB body to the order's input
//     endpoint at once, half without a signature and half as the order's
//     buyer: the node's resident memory stays bounded.
//
// It reports the bids, the decision latency and the peak memory.
func TestRealNodeUnderAttack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	digest, _ := filepath.Abs(filepath.Join("..", "examples", "digest"))
	if _, err := os.Stat(filepath.Join(digest, "digest.wasm")); err != nil {
		t.Skipf("examples/digest/digest.wasm missing: run `make examples` (%v)", err)
	}
	ctx := context.Background()
	o := devnet.Options{Home: t.TempDir(), Nodes: 1, BlockTime: 100 * time.Millisecond, RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1,
		Packages: []string{digest}}
	if testing.Verbose() {
		o.Log = os.Stderr
	}
	d, err := devnet.Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	buyer, _ := d.Key(devnet.KeyBuyer)
	author, _ := d.Key(devnet.KeyAuthor)
	ep := d.Nodes[0].Endpoint

	// Two tarpit hosts, each the only location of a package.
	silent := freeport.Listen(t)
	var held atomic.Int32
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			held.Add(1)
			defer c.Close()
		}
	}()
	stop := make(chan struct{})
	drip := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		held.Add(1)
		for {
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-stop:
				return
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	})}
	dl := freeport.Listen(t)
	go drip.Serve(dl)
	defer func() { close(stop); drip.Close() }()
	var tarpits []spec.ID
	for i, host := range []string{silent.Addr().String(), dl.Addr().String()} {
		tarpits = append(tarpits, registerTarpit(t, d, author, digest, i, "http://"+host))
	}

	genome, _ := filepath.Abs(filepath.Join("..", "examples", "data", "lambda.fa"))
	in, err := inputroot.HashFile("genome", genome)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := inputroot.Compute([]inputroot.Input{in})
	const bidWindow = 20
	create := func(pkg spec.ID) uint64 {
		res, err := d.Client.Send(ctx, buyer, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
			PackageId: pkg[:], InputRoot: root[:], Params: []*ledgerpb.OrderParam{{Key: "ENZYMES", Value: "EcoRI"}},
			MaxPrice: 5000, PoStake: params.Default().MinPoStake, BidWindow: bidWindow, DeliveryWindow: 40, ConfirmWindow: 20, Replication: 1,
		}}})
		if err != nil || res.Code != 0 {
			t.Fatalf("create order: %v %s", err, res.Log)
		}
		created, ok := event.Find[market.EventOrderCreated](res.Events)
		if !ok {
			t.Fatal("no order_created event")
		}
		return created.OrderID
	}
	for i := range 8 {
		create(tarpits[i%2])
	}
	gc := &nodeapi.Client{Endpoint: ep}
	type decided struct {
		id      uint64
		latency time.Duration
		bid     bool
	}
	var mu sync.Mutex
	var results []decided
	var wg sync.WaitGroup
	for range 10 {
		created := time.Now() // before the order's transaction: its block time counts
		id := create(d.Packages[0].ID)
		wg.Go(func() {
			for time.Since(created) < 30*time.Second {
				if dec, err := gc.Decision(ctx, id); err == nil {
					mu.Lock()
					results = append(results, decided{id, time.Since(created), dec.Bid})
					mu.Unlock()
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Errorf("order %d: no decision after 30s", id)
		})
	}
	wg.Wait()
	var lat []time.Duration
	bids := 0
	for _, r := range results {
		lat = append(lat, r.latency)
		if r.bid {
			bids++
		}
	}
	slices.Sort(lat)
	// Every bid placed in time wins the order (the node is alone).
	awarded := 0
	for _, r := range results {
		if waitAwarded(t, d, r.id, 10*time.Second) {
			awarded++
		}
	}
	sum, count := decisionSeconds(t, ep)
	t.Logf("tarpits holding %d connections, 8 orders on them: %d of %d orders of the digest package bid on, %d awarded within their %d-block bid windows (100 ms blocks); "+
		"from the order's transaction to the decision served: median %s, max %s; the node's own time from the order's event to its decision: mean %s over %d decisions",
		held.Load(), bids, len(results), awarded, bidWindow, lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond),
		(time.Duration(sum / float64(max(count, 1)) * float64(time.Second))).Round(time.Microsecond), int(count))
	if bids != 10 || awarded != 10 {
		t.Errorf("%d bids, %d awarded, want 10", bids, awarded)
	}

	// 100 clients × 1 GiB at the awarded order's input endpoint.
	id := results[0].id
	url := fmt.Sprintf("%s/v1/orders/%d/inputs/genome", ep, id)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	before := rss()
	stopMem, peakMem := sampleRSS()
	var sent atomic.Int64
	statuses := map[string]int{}
	start := time.Now()
	for i := range 100 {
		wg.Go(func() {
			body := &counter{r: io.LimitReader(zeros{}, 1<<30), n: &sent}
			req, _ := http.NewRequest("PUT", url, body)
			req.ContentLength = 1 << 30
			kind := "unsigned"
			switch i % 4 {
			case 1:
				kind = "buyer declaring 1 GiB"
				nodeapi.Sign(req, buyer, nodeapi.Body{Length: 1 << 30}, time.Now().Add(time.Minute))
			case 3:
				kind = "buyer declaring 1 MiB, sending 1 GiB"
				nodeapi.Sign(req, buyer, nodeapi.Body{Length: 1 << 20}, time.Now().Add(time.Minute))
				req.ContentLength = -1
			}
			resp, err := hc.Do(req)
			k := kind + ": "
			if err != nil {
				k += "connection cut"
			} else {
				k += strconv.Itoa(resp.StatusCode)
				resp.Body.Close()
			}
			mu.Lock()
			statuses[k]++
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	close(stopMem)
	peak := <-peakMem
	t.Logf("100 clients × 1 GiB at a real node: over in %s; resident memory of the process (validator, node, clients) %s before, peak %s (+%s); the clients sent %s in all; %v",
		took.Round(time.Millisecond), mib(before), mib(peak), mib(peak-before), mib(sent.Load()), statuses)
	if peak-before > 256<<20 {
		t.Errorf("resident memory grew by %s", mib(peak-before))
	}
	for k := range statuses {
		if strings.HasSuffix(k, " 201") || strings.HasSuffix(k, " 200") {
			t.Errorf("an attack was accepted: %v", statuses)
		}
	}
	// The buyer's real upload still goes through.
	if err := (&nodeapi.Client{Endpoint: ep, Key: buyer}).UploadInput(ctx, id, "genome", genome); err != nil {
		t.Errorf("the buyer's upload after the attack: %v", err)
	}
}

// decisionSeconds reads the node's cell_node_bid_decision_seconds sum
// and count from /metrics.
func decisionSeconds(t *testing.T, ep string) (sum, count float64) {
	t.Helper()
	resp, err := http.Get(ep + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		v, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "cell_node_bid_decision_seconds_sum":
			sum = v
		case "cell_node_bid_decision_seconds_count":
			count = v
		}
	}
	return sum, count
}

// registerTarpit registers, as the author, a copy of the digest package
// (made distinct by an extra file) whose only location is at host.
func registerTarpit(t *testing.T, d *devnet.Devnet, author ed25519.PrivateKey, digest string, i int, host string) spec.ID {
	t.Helper()
	dir := t.TempDir()
	manifest, err := os.ReadFile(filepath.Join(digest, packer.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(manifest), `name = "digest"`, fmt.Sprintf(`name = "tarpit-%d"`, i), 1)
	text = strings.Replace(text, `files = ["digest.wasm"]`, `files = ["digest.wasm", "extra.txt"]`, 1)
	os.WriteFile(filepath.Join(dir, packer.ManifestName), []byte(text), 0o644)
	wasm, _ := os.ReadFile(filepath.Join(digest, "digest.wasm"))
	os.WriteFile(filepath.Join(dir, "digest.wasm"), wasm, 0o644)
	os.WriteFile(filepath.Join(dir, "extra.txt"), []byte(strconv.Itoa(i)), 0o644)
	p, err := packer.BuildSigned(dir, spec.DefaultLimits(), author)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(p.Encode())
	pub, sig := p.Signature()
	res, err := d.Client.Send(context.Background(), author, d.ChainID, params.Default().MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: &ledgerpb.MsgRegisterPackage{
		Envelope: p.EnvelopeBytes(), AuthorPublicKey: pub, AuthorSignature: sig,
		SpecSize: uint64(len(p.Spec().Bytes())), BlobLocations: []string{host + "/v1/blobs/" + hex.EncodeToString(sum[:])},
	}}})
	if err != nil || res.Code != 0 {
		t.Fatalf("register tarpit package: %v %s", err, res.Log)
	}
	return p.ID()
}

func waitAwarded(t *testing.T, d *devnet.Devnet, id uint64, timeout time.Duration) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if r, err := d.Client.Order(context.Background(), id); err == nil {
			switch r.GetOrder().GetState() {
			case ledgerpb.OrderState_ORDER_STATE_AWARDED:
				return true
			case ledgerpb.OrderState_ORDER_STATE_OPEN:
			default:
				return false
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type counter struct {
	r io.Reader
	n *atomic.Int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func rss() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// sampleRSS samples the resident memory every 5 ms until stop is closed,
// then sends the peak.
func sampleRSS() (stop chan struct{}, peak chan int64) {
	stop, peak = make(chan struct{}), make(chan int64, 1)
	go func() {
		p := rss()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- max(p, rss())
				return
			case <-tick.C:
				p = max(p, rss())
			}
		}
	}()
	return stop, peak
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

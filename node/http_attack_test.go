package node

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// TestHugeUploadBodies is the attack of 100 clients each sending a 1 GiB
// body at once, half without a signature and half as the buyer of an
// order whose inputs are capped. Before, the node read every body of up
// to 1 GiB into memory before it checked the signature, on
// PUT /v1/orders/{id}/inputs/{name} and PUT /v1/blobs/{sum} alike. Now it
// refuses before reading (no signature, a declared size over the cap, no
// free upload slot) or reads at most the declared size into the blob
// store: its memory stays bounded, the clients get to send little, and
// nothing is stored.
func TestHugeUploadBodies(t *testing.T) {
	const clients, size = 100, 1 << 30
	tn := newTestNode(t, newFakeChain(), func(c *config.Config) {
		c.MaxInputBytes = 1 << 20
		c.MaxOrderInputBytes = 4 << 20
	})
	var names []string
	for i := range clients {
		names = append(names, "in"+strconv.Itoa(i))
	}
	f := tn.awardOrder(t, 1, names...)
	tr := &http.Transport{MaxConnsPerHost: 0, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	before := rss()
	mem := sampleMemory()
	var sent atomic.Int64
	var mu sync.Mutex
	statuses := map[string]int{}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			body := blobstore.CountReader(io.LimitReader(zeros{}, size), &sent)
			var req *http.Request
			switch i % 4 {
			case 0: // unauthenticated input
				req, _ = http.NewRequest("PUT", inputURL(tn, f.id, names[i]), body)
			case 1: // unauthenticated package upload
				req, _ = http.NewRequest("PUT", tn.url+"/v1/blobs/"+strings.Repeat("ab", 32), body)
				req.Header.Set(nodeapi.PackageIDHeader, strings.Repeat("cd", 32))
			case 2: // the buyer, declaring the whole GiB: over the cap
				req = signedRequest(t, f.buyer, "PUT", inputURL(tn, f.id, names[i]), body, nodeapi.Body{Length: size})
			case 3: // the buyer, declaring 1 MiB and sending a GiB
				req = signedRequest(t, f.buyer, "PUT", inputURL(tn, f.id, names[i]), body, nodeapi.Body{Length: 1 << 20})
			}
			req.ContentLength = size
			if i%4 == 3 {
				req.ContentLength = -1 // chunked: Content-Length cannot give the lie away
			}
			resp, err := hc.Do(req)
			key := "error"
			if err == nil {
				key = strconv.Itoa(resp.StatusCode)
				resp.Body.Close()
			}
			mu.Lock()
			statuses[[]string{"unsigned input", "unsigned package", "buyer 1 GiB", "buyer lying 1 MiB"}[i%4]+" "+key]++
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	peak := mem.peak()
	t.Logf("%d clients × 1 GiB: done in %s; resident memory %s before, peak %s (+%s); clients sent %s in all; answers %v",
		clients, took.Round(time.Millisecond), mib(before), mib(peak), mib(peak-before), mib(sent.Load()), statuses)
	if peak-before > 256<<20 {
		t.Errorf("resident memory grew by %s", mib(peak-before))
	}
	if sent.Load() > 2<<30 {
		t.Errorf("the clients sent %s: the node read bodies it should have refused", mib(sent.Load()))
	}
	if took > 30*time.Second {
		t.Errorf("took %s", took)
	}
	for k := range statuses {
		if strings.HasSuffix(k, " 201") || strings.HasSuffix(k, " 200") {
			t.Errorf("accepted: %v", statuses)
		}
	}
	if files, _ := tn.files.List(); len(files) != 0 || tn.quota.Used() != 0 {
		t.Errorf("stored %d files, %d bytes", len(files), tn.quota.Used())
	}
}

// TestUploadLimits is the attack of a buyer filling the node's disk with
// uploads: before, any name was accepted and nothing bounded an order's
// uploads but the 1 GiB body limit. Now the name must be an input the
// package declares, each input is capped (max_input_bytes), an order's
// inputs too (max_order_input_bytes), and the blob store by its quota;
// the body must be the declared one.
func TestUploadLimits(t *testing.T) {
	tn := newTestNode(t, newFakeChain(), func(c *config.Config) {
		c.MaxInputBytes = 600
		c.MaxOrderInputBytes = 1000
	})
	f := tn.awardOrder(t, 1, "a", "b")
	six := bytes.Repeat([]byte("6"), 600)
	for _, tc := range []struct {
		name, input string
		body        []byte
		decl        *nodeapi.Body
		want        int
		wantErr     string
	}{
		{"undeclared name", "other", []byte("x"), nil, 400, "not declared by the package (declared: a, b)"},
		{"over max_input_bytes", "a", bytes.Repeat([]byte("7"), 601), nil, 413, "max_input_bytes 600"},
		{"longer than declared", "a", []byte("abcdef"), &nodeapi.Body{SHA256: nodeapi.BodyOf([]byte("abc")).SHA256, Length: 3}, 400, "Content-Length 6 differs"},
		{"other bytes than declared", "a", []byte("abd"), &nodeapi.Body{SHA256: nodeapi.BodyOf([]byte("abc")).SHA256, Length: 3}, 400, "does not match"},
		{"first input", "a", six, nil, 201, ""},
		{"the same again", "a", six, nil, 200, ""},
		{"order over max_order_input_bytes", "b", six, nil, 413, "max_order_input_bytes 1000"},
		{"within the order's cap", "b", six[:400], nil, 201, ""},
	} {
		decl := nodeapi.BodyOf(tc.body)
		if tc.decl != nil {
			decl = *tc.decl
		}
		req := signedRequest(t, f.buyer, "PUT", inputURL(tn, f.id, tc.input), bytes.NewReader(tc.body), decl)
		status, body := do(t, req)
		if status != tc.want || !strings.Contains(body, tc.wantErr) {
			t.Errorf("%s: %d %s, want %d %q", tc.name, status, body, tc.want, tc.wantErr)
		}
	}
	// A lying chunked body: the hash is checked as it streams.
	decl := nodeapi.BodyOf([]byte("abc"))
	req := signedRequest(t, f.buyer, "PUT", inputURL(tn, f.id, "a"), io.MultiReader(strings.NewReader("abd")), decl)
	req.ContentLength = -1
	if status, body := do(t, req); status != 400 || !strings.Contains(body, "does not match") {
		t.Errorf("chunked lie: %d %s", status, body)
	}
	// Replacing an input frees the file it replaced.
	if status, body := tn.upload(t, f, "a", []byte("short")); status != 201 {
		t.Fatalf("replace: %d %s", status, body)
	}
	sum, _ := blobstore.ParseSum(sumHex(six))
	if tn.files.Has(sum) {
		t.Error("the replaced input is still stored")
	}
	// The quota holds across orders.
	q := newTestNode(t, newFakeChain(), func(c *config.Config) {
		c.MaxInputBytes, c.MaxOrderInputBytes, c.PackageCacheBytes, c.MaxPackageBytes, c.BlobQuotaBytes = 600, 1000, 1000, 1000, 1000
	})
	g := q.awardOrder(t, 2, "a", "b")
	h := q.awardOrder(t, 3, "a", "b")
	if status, _ := q.upload(t, g, "a", six); status != 201 {
		t.Fatalf("first: %d", status)
	}
	if status, body := q.upload(t, h, "a", bytes.Repeat([]byte("9"), 500)); status != http.StatusInsufficientStorage {
		t.Errorf("over the quota: %d %s, want 507", status, body)
	}
	if q.quota.Used() != 600 {
		t.Errorf("quota used %d after a refused upload, want 600", q.quota.Used())
	}
}

// TestSlowloris is the attack of many clients that open connections and
// send their headers a byte at a time, and of a buyer who drips an
// upload's body: before, the server had only a header timeout, no body,
// idle or write timeouts. Now each connection is cut at the header
// timeout, a body at its transfer deadline (transfer base + size /
// min_transfer_bytes_per_second), and the node answers others meanwhile.
func TestSlowloris(t *testing.T) {
	tn := newTestNode(t, newFakeChain(), func(c *config.Config) {
		c.MinTransferBytesPerSecond = 1 << 10
	})
	tn.timeouts.header, tn.timeouts.read, tn.timeouts.idle, tn.timeouts.transfer = time.Second, 2*time.Second, time.Second, 500*time.Millisecond
	// The server reads its timeouts when it is built: start another.
	ln := freeport.Listen(t)
	srv := tn.server()
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String()
	f := tn.awardOrder(t, 1, "genome")

	const conns = 200
	start := time.Now()
	var wg sync.WaitGroup
	var longest atomic.Int64
	var cut atomic.Int32
	for range conns {
		wg.Go(func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			opened := time.Now()
			head := "PUT /v1/orders/1/inputs/genome HTTP/1.1\r\nHost: node\r\nX-Padding: " + strings.Repeat("z", 200)
			for i := 0; i < len(head); i++ {
				c.SetWriteDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte{head[i]}); err != nil {
					break
				}
				// A cut connection reads EOF (or an answer).
				c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
				var b [1]byte
				if _, err := c.Read(b[:]); !isTimeout(err) {
					break
				}
			}
			cut.Add(1)
			longest.Store(max(longest.Load(), int64(time.Since(opened))))
		})
	}
	// The node answers while the attack goes on.
	time.Sleep(300 * time.Millisecond)
	t0 := time.Now()
	status, _ := do(t, mustRequest(t, "GET", url+"/v1/orders/1/job"))
	answered := time.Since(t0)
	if status != 200 {
		t.Errorf("job status during the attack: %d", status)
	}
	// A dripped body: 2 KiB declared, a byte every 100 ms.
	body := bytes.Repeat([]byte("g"), 2<<10)
	pr, pw := io.Pipe()
	go func() {
		for _, b := range body {
			if _, err := pw.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		pw.Close()
	}()
	req := signedRequest(t, f.buyer, "PUT", url+"/v1/orders/1/inputs/genome", pr, nodeapi.BodyOf(body))
	req.ContentLength = int64(len(body))
	t1 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	dripCut := time.Since(t1)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode/100 == 2 {
			t.Errorf("dripped upload accepted")
		}
	}
	pw.CloseWithError(errors.New("done"))
	wg.Wait()
	took := time.Since(start)
	t.Logf("%d slowloris connections cut after at most %s (header timeout %s), all gone in %s; a request during the attack answered in %s; a body dripped at 10 B/s cut after %s (deadline %s)",
		cut.Load(), time.Duration(longest.Load()).Round(time.Millisecond), tn.timeouts.header, took.Round(time.Millisecond), answered.Round(time.Millisecond),
		dripCut.Round(time.Millisecond), tn.transferTimeout(int64(len(body))))
	if time.Duration(longest.Load()) > tn.timeouts.header+time.Second {
		t.Errorf("a slowloris connection lived %s", time.Duration(longest.Load()))
	}
	if answered > time.Second {
		t.Errorf("a request during the attack took %s", answered)
	}
	if dripCut > tn.transferTimeout(int64(len(body)))+2*time.Second {
		t.Errorf("a dripped body held the node %s", dripCut)
	}
	if tn.files.Has([32]byte(nodeapi.BodyOf(body).SHA256)) {
		t.Error("the dripped body was stored")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func mustRequest(t testing.TB, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestPrivateDataPublicByHash is the attack of anyone downloading an
// order's inputs and outputs by their hash: before, GET /v1/blobs/{sum}
// served every blob, inputs and outputs included. Now it serves packages
// only; inputs go to the drawn verifiers and outputs to the buyer, each
// through the signed order endpoints; files a node kept in the public
// store before are moved out when it starts.
func TestPrivateDataPublicByHash(t *testing.T) {
	chain := newFakeChain()
	tn := newTestNode(t, chain, nil)
	f := tn.awardOrder(t, 1, "genome")
	secret := []byte(">patient 17\nACGTACGT\n")
	if status, body := tn.upload(t, f, "genome", secret); status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	output := []byte("the buyer's result")
	outSum, _, err := tn.files.Put(bytes.NewReader(output))
	if err != nil {
		t.Fatal(err)
	}
	tn.jobs.update(1, nodeapi.RoleProvider, func(j *Job) error {
		j.Inputs = []InputFile{j.Uploaded["genome"]}
		j.State = nodeapi.StateExecuted
		j.Files = []OutputFile{{Path: "out.txt", Size: int64(len(output)), SHA256: outSum}}
		return nil
	})
	for _, sum := range []string{sumHex(secret), hex.EncodeToString(outSum[:])} {
		if status, _ := do(t, mustRequest(t, "GET", tn.url+"/v1/blobs/"+sum)); status != 404 {
			t.Errorf("public GET of a private file: %d, want 404", status)
		}
	}
	// Inputs: only to a drawn verifier's node key.
	_, verifier, _ := ed25519.GenerateKey(nil)
	_, stranger, _ := ed25519.GenerateKey(nil)
	chain.mu.Lock()
	chain.orders[1].Dispute = &ledgerpb.Dispute{Verifiers: []*ledgerpb.DrawnVerifier{{NodeKey: verifier.Public().(ed25519.PublicKey)}}}
	chain.mu.Unlock()
	in := inputURL(tn, 1, "genome")
	for _, tc := range []struct {
		name string
		key  ed25519.PrivateKey
		want int
	}{{"unsigned", nil, 401}, {"a stranger", stranger, 403}, {"the buyer", f.buyer, 403}, {"a drawn verifier", verifier, 200}} {
		status, body := do(t, signedRequest(t, tc.key, "GET", in, nil, nodeapi.BodyOf(nil)))
		if status != tc.want || (status == 200 && body != string(secret)) {
			t.Errorf("input to %s: %d, want %d", tc.name, status, tc.want)
		}
	}
	// Outputs: only to the buyer.
	out := tn.url + "/v1/orders/1/outputs/" + hex.EncodeToString(outSum[:])
	for _, tc := range []struct {
		name string
		key  ed25519.PrivateKey
		want int
	}{{"unsigned", nil, 401}, {"a drawn verifier", verifier, 403}, {"the buyer", f.buyer, 200}} {
		status, body := do(t, signedRequest(t, tc.key, "GET", out, nil, nodeapi.BodyOf(nil)))
		if status != tc.want || (status == 200 && body != string(output)) {
			t.Errorf("output to %s: %d, want %d", tc.name, status, tc.want)
		}
	}
	// The job's event log: only to the buyer.
	logURL := tn.url + "/v1/orders/1/log"
	for _, tc := range []struct {
		name string
		key  ed25519.PrivateKey
		want int
	}{{"unsigned", nil, 401}, {"a stranger", stranger, 403}, {"a drawn verifier", verifier, 403}} {
		if status, _ := do(t, signedRequest(t, tc.key, "GET", logURL, nil, nodeapi.BodyOf(nil))); status != tc.want {
			t.Errorf("event log to %s: %d, want %d", tc.name, status, tc.want)
		}
	}
	if status, body := do(t, signedRequest(t, f.buyer, "GET", logURL, nil, nodeapi.BodyOf(nil))); status == 401 || status == 403 {
		t.Errorf("event log to the buyer: %d %s", status, body)
	}
	// A node that kept the files in the public store before moves them.
	dir := tn.cfg.DataDir
	pub, err := blobstore.Open(dir + "/blobs")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{secret, output} {
		pub.Put(bytes.NewReader(b))
		sum, _ := blobstore.ParseSum(sumHex(b))
		tn.files.Delete(sum)
	}
	jobs, _ := openJobs(dir + "/jobs")
	files, _ := blobstore.Open(dir + "/files")
	if err := movePrivateFiles(jobs, pub, files); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{secret, output} {
		sum, _ := blobstore.ParseSum(sumHex(b))
		if pub.Has(sum) || !files.Has(sum) {
			t.Errorf("%q: public %v, private %v after the move", b, pub.Has(sum), files.Has(sum))
		}
	}
}

// TestReplayedGatewaySignature is the attack of a captured signed request
// sent again: before, signatures had no nonce or expiry and a replay was
// accepted. Now the node refuses a nonce it saw and an expired
// signature.
func TestReplayedGatewaySignature(t *testing.T) {
	tn := newTestNode(t, newFakeChain(), nil)
	f := tn.awardOrder(t, 1, "genome")
	body := []byte("ACGT")
	req := signedRequest(t, f.buyer, "PUT", inputURL(tn, 1, "genome"), bytes.NewReader(body), nodeapi.BodyOf(body))
	replay := req.Clone(req.Context())
	replay.Body = io.NopCloser(bytes.NewReader(body))
	if status, b := do(t, req); status != 201 {
		t.Fatalf("first: %d %s", status, b)
	}
	if status, b := do(t, replay); status != 401 || !strings.Contains(b, "replayed") {
		t.Errorf("replay: %d %s, want 401 replayed", status, b)
	}
	old, _ := http.NewRequest("GET", tn.url+"/v1/orders/1/outputs", nil)
	nodeapi.Sign(old, f.buyer, nodeapi.BodyOf(nil), time.Now().Add(-nodeapi.MaxClockSkew-time.Second))
	if status, b := do(t, old); status != 401 || !strings.Contains(b, "expired") {
		t.Errorf("expired: %d %s, want 401 expired", status, b)
	}
	far, _ := http.NewRequest("GET", tn.url+"/v1/orders/1/outputs", nil)
	nodeapi.Sign(far, f.buyer, nodeapi.BodyOf(nil), time.Now().Add(time.Hour))
	if status, b := do(t, far); status != 401 || !strings.Contains(b, nodeapi.ExpiresHeader) {
		t.Errorf("expiry an hour ahead: %d %s, want 401", status, b)
	}
}

// TestPackageUploadChecks: PUT /v1/blobs checks the author, the listed
// location and the registry's size before reading the body, and the
// package id and envelope after.
func TestPackageUploadChecks(t *testing.T) {
	chain := newFakeChain()
	tn := newTestNode(t, chain, nil)
	blob, sum, rec := helloPackage(t)
	_, author, _ := ed25519.GenerateKey(nil)
	_, stranger, _ := ed25519.GenerateKey(nil)
	authorAddr := addrOf(author)
	rec.Author = authorAddr[:]
	rec.BlobLocations = []string{tn.url + "/v1/blobs/" + hex.EncodeToString(sum[:])}
	chain.packages[packageID(rec.PackageId)] = rec
	put := func(key ed25519.PrivateKey, body []byte, decl nodeapi.Body) (int, string) {
		req := signedRequest(t, key, "PUT", tn.url+"/v1/blobs/"+hex.EncodeToString(sum[:]), bytes.NewReader(body), decl)
		req.Header.Set(nodeapi.PackageIDHeader, hex.EncodeToString(rec.PackageId))
		return do(t, req)
	}
	if status, b := put(stranger, blob, nodeapi.BodyOf(blob)); status != 403 || !strings.Contains(b, "not the author") {
		t.Errorf("stranger: %d %s", status, b)
	}
	big := make([]byte, len(blob)+2*PackageBlobMargin)
	if status, b := put(author, big, nodeapi.Body{SHA256: sum, Length: int64(len(big))}); status != 413 {
		t.Errorf("over the registry's size: %d %s", status, b)
	}
	// A record whose envelope is not the blob's: refused after the body,
	// and not kept.
	env := rec.Envelope
	rec.Envelope = envelopeWithInputs("genome")
	if status, b := put(author, blob, nodeapi.BodyOf(blob)); status != 400 || !strings.Contains(b, "envelope") || tn.packages.Has(sum) {
		t.Errorf("another envelope: %d %s, kept %v", status, b, tn.packages.Has(sum))
	}
	rec.Envelope = env
	if status, b := put(author, blob, nodeapi.BodyOf(blob)); status != 201 {
		t.Fatalf("author: %d %s", status, b)
	}
	if status, _ := do(t, mustRequest(t, "GET", tn.url+"/v1/blobs/"+hex.EncodeToString(sum[:]))); status != 200 {
		t.Errorf("the package is not served: %d", status)
	}
}

func addrOf(k ed25519.PrivateKey) address.Address {
	a, _ := address.FromPubKey(k.Public().(ed25519.PublicKey))
	return a
}

// TestBuyerBeforeTheAward: a buyer uploads to the awarded node before
// the node has handled its award block (its follower behind the chain,
// or an award the node could not record). The node reads the order from
// the chain, sees it awarded to itself, records the job and takes the
// input; an order awarded to another node is still refused.
func TestBuyerBeforeTheAward(t *testing.T) {
	tn := newTestNode(t, newFakeChain(), nil)
	f := tn.awardOrder(t, 41, "a")
	if err := tn.jobs.remove(f.id, nodeapi.RoleProvider); err != nil {
		t.Fatal(err)
	}
	if status, body := tn.upload(t, f, "a", []byte("early")); status != 201 {
		t.Fatalf("upload before the award was handled: %d %s", status, body)
	}
	j, ok := tn.jobs.get(f.id, nodeapi.RoleProvider)
	if !ok || j.State != nodeapi.StateAwaitingInputs || j.CompletionCode.IsZero() {
		t.Fatalf("job %+v recorded %v: want the provider's job awaiting inputs, with its secret", j, ok)
	}

	other := tn.awardOrder(t, 42, "a")
	if err := tn.jobs.remove(other.id, nodeapi.RoleProvider); err != nil {
		t.Fatal(err)
	}
	tn.chain.mu.Lock()
	tn.chain.orders[other.id].Contract.NodeKey = bytes.Repeat([]byte{7}, 32)
	tn.chain.mu.Unlock()
	if status, body := tn.upload(t, other, "a", []byte("early")); status != 404 {
		t.Errorf("upload to an order awarded elsewhere: %d %s, want 404", status, body)
	}
}

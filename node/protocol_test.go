package node

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// The engine's protocol tests: a node with the simulated lab's bot
// (examples/botspecs/simlab.json, driver labsim) and a real protocol
// package (testdata/digest-protocol: a λ digest with the enzyme
// ENZYME, run on a gel, the tube stored cold).

// simlab is the path of the simulated lab's BotSpec.
var simlab = filepath.Join("..", "examples", "botspecs", "simlab.json")

func withSimlab(cfg *config.Config) {
	cfg.Bots = []config.Bot{{BotSpec: simlab, Driver: "labsim"}}
}

// simlabID returns the id of the simulated lab's BotSpec.
func simlabID(t *testing.T) protocol.BotSpecID {
	t.Helper()
	b, err := bot.Load(simlab, "labsim")
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}

// protocolWorld is a world whose package is testdata/digest-protocol.
func protocolWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	p, err := packer.Build(filepath.Join("testdata", "digest-protocol"), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	blob := p.Encode()
	sum := sha256.Sum256(blob)
	id := p.ID()
	w.pkg = &ledgerpb.Package{PackageId: id[:], Envelope: p.EnvelopeBytes(), SpecSize: uint64(len(p.Spec().Bytes())),
		Kind: ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL, Skill: "protocol/dna/digest",
		BlobLocations: []string{"http://packages.test/v1/blobs/" + hex.EncodeToString(sum[:])}}
	w.pkgSum = sum
	w.blobs.blobs[sum] = blob
	w.chain.packages[id] = w.pkg
	w.adjust = withSimlab
	return w
}

// addProtocolOrder puts an order of the protocol package, with no
// inputs, in the fake chain.
func (w *world) addProtocolOrder(id uint64, params map[string]string, state ledgerpb.OrderState) order {
	_, buyer, _ := ed25519.GenerateKey(nil)
	addr, _ := address.FromPubKey(buyer.Public().(ed25519.PublicKey))
	root, _ := inputroot.Compute(nil)
	o := &ledgerpb.Order{Id: id, Buyer: addr[:], PackageId: w.pkg.PackageId, InputRoot: root[:], State: state, MaxPrice: 1_000_000}
	for _, k := range []string{"ENZYME"} {
		if v, ok := params[k]; ok {
			o.Params = append(o.Params, &ledgerpb.OrderParam{Key: k, Value: v})
		}
	}
	w.chain.mu.Lock()
	w.chain.orders[id] = o
	w.chain.mu.Unlock()
	return order{id: id, buyer: buyer, root: root}
}

// commitNoInputs commits o's empty input list, as the buyer's client
// does for a protocol order.
func (e *engine) commitNoInputs(t *testing.T, o order) {
	t.Helper()
	list, _ := json.Marshal(nodeapi.InputsRequest{Inputs: []nodeapi.InputFile{}})
	url := e.url + "/v1/orders/" + strconv.FormatUint(o.id, 10) + "/inputs"
	if status, body := do(t, signedRequest(t, o.buyer, "POST", url, bytes.NewReader(list), nodeapi.BodyOf(list))); status != 200 {
		t.Fatalf("commit inputs: %d %s", status, body)
	}
}

// TestEngineProtocolBid: a node bids on a protocol order only when its
// BotSpec covers the protocol filled with the order's parameters, and
// the bid names that BotSpec; otherwise its decision names the first
// unmet requirement.
func TestEngineProtocolBid(t *testing.T) {
	specID := simlabID(t)
	for i, tc := range []struct {
		name   string
		params map[string]string
		noBots bool
		reason string // "" for a bid
		detail string
	}{
		{name: "covered", params: map[string]string{"ENZYME": "EcoRI"}},
		{name: "enzyme not in the inventory", params: map[string]string{"ENZYME": "NotI"},
			reason: "not-covered", detail: "BotSpec simlab (" + specID.String()[:8] + "…): resource NotI: not in the bot's inventory"},
		{name: "no bot", params: map[string]string{"ENZYME": "EcoRI"}, noBots: true,
			reason: "kind", detail: "protocol packages need a lab (autoprotocol/1); this node has no bot"},
		{name: "required parameter missing", params: map[string]string{},
			reason: "order-params", detail: "ENZYME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := protocolWorld(t)
			if tc.noBots {
				w.adjust = nil
			}
			e := w.start(t, t.TempDir(), false)
			id := uint64(i + 1)
			w.addProtocolOrder(id, tc.params, ledgerpb.OrderState_ORDER_STATE_OPEN)
			e.block(t, 10, market.EventOrderCreated{OrderID: id})
			waitFor(t, "the bid decision", func() bool { _, ok := e.decisions.get(id); return ok })
			d, _ := e.decisions.get(id)
			bids, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetBid)
			if tc.reason == "" {
				if !d.Bid || len(bids) != 1 {
					t.Fatalf("decision %+v, bids %v: want a bid", d, bids)
				}
				if d.BotSpecID != specID.String() || !bytes.Equal(bids[0].GetBotspecId(), specID[:]) {
					t.Errorf("bid names BotSpec %x (decision %s), want %s", bids[0].GetBotspecId(), d.BotSpecID, specID)
				}
				return
			}
			if d.Bid || len(bids) != 0 {
				t.Fatalf("decision %+v, bids %v: want no bid", d, bids)
			}
			if d.Reason != tc.reason || !strings.Contains(d.Detail, tc.detail) {
				t.Errorf("decision %s: %s, want %s: …%s…", d.Reason, d.Detail, tc.reason, tc.detail)
			}
			// The buyer sees it.
			var got nodeapi.Decision
			if err := getJSON(e.url+"/v1/orders/"+strconv.FormatUint(id, 10)+"/decision", &got); err != nil || got.Reason != tc.reason {
				t.Errorf("GET decision = %+v, %v", got, err)
			}
		})
	}
}

// runProtocolOrder awards a protocol order (ENZYME=EcoRI) to e, commits
// its empty inputs and waits for the delivery; it returns the order, the
// job, the delivery and the datasets by name.
func runProtocolOrder(t *testing.T, w *world, e *engine, id uint64) (order, Job, *ledgerpb.MsgDeliver, map[string][]byte) {
	t.Helper()
	o := w.addProtocolOrder(id, map[string]string{"ENZYME": "EcoRI"}, ledgerpb.OrderState_ORDER_STATE_OPEN)
	specID := simlabID(t)
	e.award(t, o, 12, 60)
	w.setOrder(id, func(ord *ledgerpb.Order) { ord.Contract.BotspecId = specID[:] })
	e.commitNoInputs(t, o)
	j := e.waitJob(t, id, nodeapi.RoleProvider, nodeapi.StateDelivered)
	delivers, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetDeliver)
	var dv *ledgerpb.MsgDeliver
	for _, d := range delivers {
		if d.GetOrderId() == id {
			dv = d
		}
	}
	if dv == nil {
		t.Fatalf("order %d not delivered", id)
	}
	datasets := map[string][]byte{}
	for _, f := range j.Files {
		datasets[f.Path] = readFile(t, e, f.SHA256)
	}
	return o, j, dv, datasets
}

// checkInput returns the conformance check's input for a delivery of the
// testdata protocol with ENZYME=EcoRI on the simulated lab.
func checkInput(t *testing.T, e *engine, id uint64, dv *ledgerpb.MsgDeliver, datasets map[string][]byte) botlog.CheckInput {
	t.Helper()
	b, _ := bot.Load(simlab, "labsim")
	pkg, err := packer.Build(filepath.Join("testdata", "digest-protocol"), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	l, err := loadProtocol(pkg, map[string]string{"ENZYME": "EcoRI"})
	if err != nil {
		t.Fatal(err)
	}
	return botlog.CheckInput{Log: e.eventLog(t, id, nodeapi.RoleProvider), NodeKey: e.nodePub, Head: [32]byte(dv.GetEventLogHead()),
		Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: b.Spec, Datasets: datasets}
}

// TestEngineProtocolJob runs an awarded protocol order on the labsim
// driver: the job's event log is the bot run's log, which the
// conformance check accepts against the delivered head; the datasets
// are the outputs under the delivered output root; the progress shows
// every instruction done; the buyer's outputs carry the shipping label,
// whose QR code is that of the completion code, and a drawn verifier's
// do not.
func TestEngineProtocolJob(t *testing.T) {
	w := protocolWorld(t)
	e := w.start(t, t.TempDir(), true)
	o, j, dv, datasets := runProtocolOrder(t, w, e, 1)

	in := checkInput(t, e, 1, dv, datasets)
	if err := botlog.Check(in); err != nil {
		t.Fatalf("conformance check of the delivered log: %v", err)
	}
	if head := in.Log.Events[len(in.Log.Events)-1].Hash; !bytes.Equal(dv.GetEventLogHead(), head[:]) {
		t.Errorf("delivered head %x, the log's last event %x", dv.GetEventLogHead(), head)
	}
	var files []outputroot.File
	for _, f := range j.Files {
		files = append(files, outputroot.File{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
	}
	root, _ := outputroot.Compute(0, nil, nil, files)
	if !bytes.Equal(dv.GetOutputRoot(), root[:]) || len(datasets) == 0 {
		t.Errorf("delivered root %x, want %x over %d datasets", dv.GetOutputRoot(), root, len(datasets))
	}
	for _, name := range []string{"gel.png", "gel.json"} {
		if _, ok := datasets[name]; !ok {
			t.Errorf("dataset %s missing (have %v)", name, keys(datasets))
		}
	}
	st := e.status(j)
	if n := len(in.Protocol.Instructions); st.Instruction != n || st.Instructions != n {
		t.Errorf("progress %d of %d, want %d of %d", st.Instruction, st.Instructions, n, n)
	}
	if j.Label == "" {
		t.Fatal("the protocol stores its tube, but the job has no label")
	}

	// The buyer's outputs carry the label; its QR code is the completion
	// code's.
	out := outputsAs(t, e, o.id, o.buyer)
	if out.Label == nil || out.Label.ID != j.Label {
		t.Fatalf("outputs label %+v, want id %s", out.Label, j.Label)
	}
	img, err := png.Decode(bytes.NewReader(out.Label.PNG))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := bot.LabelQR(1, j.Label, j.CompletionCode)
	if !sameModules(q.Bitmap(), img) {
		t.Error("the label's QR code is not that of the order, label id and completion code")
	}
	if out.CompletionCode != hex.EncodeToString(j.CompletionCode[:]) {
		t.Error("buyer's outputs without the completion code")
	}

	// A drawn verifier reads the log and datasets, never the code.
	_, vkey, _ := ed25519.GenerateKey(nil)
	w.setOrder(1, func(ord *ledgerpb.Order) {
		ord.Dispute = &ledgerpb.Dispute{Verifiers: []*ledgerpb.DrawnVerifier{{NodeKey: vkey.Public().(ed25519.PublicKey)}}}
	})
	vout := outputsAs(t, e, o.id, vkey)
	if vout.CompletionCode != "" || vout.Label != nil || len(vout.Files) != len(j.Files) || len(vout.EventLog) == 0 {
		t.Errorf("verifier's outputs: code %q label %v files %d log %d bytes", vout.CompletionCode, vout.Label, len(vout.Files), len(vout.EventLog))
	}
	_, stranger, _ := ed25519.GenerateKey(nil)
	req := signedRequest(t, stranger, "GET", e.url+"/v1/orders/1/outputs", nil, nodeapi.BodyOf(nil))
	if status, _ := do(t, req); status != 403 {
		t.Errorf("a stranger's request for the outputs: %d, want 403", status)
	}
}

// TestEngineSkipStep: a node with the fault skip-step delivers a log
// from which one warp is missing, and the conformance check says so.
func TestEngineSkipStep(t *testing.T) {
	w := protocolWorld(t)
	w.fault = FaultSkipStep
	e := w.start(t, t.TempDir(), true)
	_, _, dv, datasets := runProtocolOrder(t, w, e, 1)
	err := botlog.Check(checkInput(t, e, 1, dv, datasets))
	var v *botlog.Violation
	if !errors.As(err, &v) || v.Rule != botlog.RuleMissingWarp {
		t.Fatalf("check of a skip-step log = %v, want a %s violation", err, botlog.RuleMissingWarp)
	}
}

// TestEngineProtocolVerifier: a verifier (without a bot of its own)
// drawn in the dispute of a protocol order fetches the provider's log and datasets over HTTP,
// checks them, and commits then reveals its verdict: conforms for an
// honest provider, violates for one whose bot skipped a step,
// undecidable when the provider's node cannot be reached.
func TestEngineProtocolVerifier(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fault   Fault
		gone    bool
		verdict ledgerpb.ProtocolVerdict
		detail  string
	}{
		{"honest provider", FaultNone, false, ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS, "conforms"},
		{"skipped step", FaultSkipStep, false, ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES, "missing-warp"},
		{"provider unreachable", FaultNone, true, ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE, "provider's outputs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := protocolWorld(t)
			w.fault = tc.fault
			p := w.start(t, t.TempDir(), true)
			_, _, dv, _ := runProtocolOrder(t, w, p, 1)
			if tc.gone {
				p.stop()
			}
			// The verifier: the same world, its own keys, no fault.
			vw := *w
			vw.fault = FaultNone
			// It has no bot: it checks the simulated lab's runs all the
			// same.
			vw.adjust = func(cfg *config.Config) {
				cfg.AllowPrivateFetch = true // the provider's node is on 127.0.0.1
			}
			_, vw.nodeKey, _ = ed25519.GenerateKey(nil)
			_, vw.opKey, _ = ed25519.GenerateKey(nil)
			v := vw.start(t, t.TempDir(), true)
			w.setOrder(1, func(ord *ledgerpb.Order) {
				ord.State = ledgerpb.OrderState_ORDER_STATE_DISPUTED
				ord.Delivery = &ledgerpb.Delivery{OutputRoot: dv.GetOutputRoot(), EventLogHead: dv.GetEventLogHead()}
				ord.Dispute = &ledgerpb.Dispute{Verifiers: []*ledgerpb.DrawnVerifier{{NodeKey: v.nodePub}}, CommitDeadline: 40, RevealDeadline: 50, Round: 1}
			})
			v.block(t, 30, market.EventDisputeDrawn{OrderID: 1, Verifiers: [][]byte{v.nodePub}, CommitDeadline: 40, RevealDeadline: 50, Round: 1})
			j := v.waitJob(t, 1, nodeapi.RoleVerifier, nodeapi.StateCommitted)
			if ledgerpb.ProtocolVerdict(j.Verdict) != tc.verdict || !strings.Contains(j.VerdictDetail, tc.detail) {
				t.Fatalf("verdict %d (%s), want %v with …%s…", j.Verdict, j.VerdictDetail, tc.verdict, tc.detail)
			}
			commits, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetVerifierCommit)
			vaddr, _ := address.FromPubKey(vw.opKey.Public().(ed25519.PublicKey))
			want := market.VerdictCommitment(1, vaddr, 1, tc.verdict, j.Salt[:])
			if len(commits) != 1 || !bytes.Equal(commits[0].GetCommitment(), want[:]) {
				t.Fatalf("commits %v, want one binding the verdict", commits)
			}
			v.block(t, 40)
			v.waitJob(t, 1, nodeapi.RoleVerifier, nodeapi.StateRevealed)
			reveals, _ := sentMsgs(w.sender, (*ledgerpb.Msg).GetVerifierReveal)
			if len(reveals) != 1 || reveals[0].GetVerdict() != tc.verdict || len(reveals[0].GetOutputRoot()) != 0 || !bytes.Equal(reveals[0].GetSalt(), j.Salt[:]) {
				t.Fatalf("reveals %v", reveals)
			}
		})
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// outputsAs fetches order id's outputs signed by key.
func outputsAs(t *testing.T, e *engine, id uint64, key ed25519.PrivateKey) nodeapi.Outputs {
	t.Helper()
	req := signedRequest(t, key, "GET", e.url+"/v1/orders/"+strconv.FormatUint(id, 10)+"/outputs", nil, nodeapi.BodyOf(nil))
	status, body := do(t, req)
	if status != 200 {
		t.Fatalf("outputs: %d %s", status, body)
	}
	var out nodeapi.Outputs
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// readFile reads a stored file by hash.
func readFile(t *testing.T, e *engine, sum Hash) []byte {
	t.Helper()
	f, _, err := e.files.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// getJSON GETs url and decodes its JSON answer into v.
func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

// sameModules reports whether img, sampled at the centre of each
// bot.LabelModulePixels square, shows exactly the modules of bm.
func sameModules(bm [][]bool, img image.Image) bool {
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

// TestNewLoadsBots: New reads each bot's BotSpec, refuses one that is
// missing, invalid or listed twice naming the entry, and a node with a
// bot announces its BotSpec id and autoprotocol/1.
func TestNewLoadsBots(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name": 1}`), 0o644)
	abs, _ := filepath.Abs(simlab)
	for _, tc := range []struct {
		name string
		bots []config.Bot
		want string
	}{
		{"missing file", []config.Bot{{BotSpec: filepath.Join(dir, "none.json"), Driver: "labsim"}}, "node.toml: bots[0]: open "},
		{"invalid BotSpec", []config.Bot{{BotSpec: bad, Driver: "labsim"}}, "node.toml: bots[0]: " + bad + ": "},
		{"the same BotSpec twice", []config.Bot{{BotSpec: simlab, Driver: "labsim"}, {BotSpec: abs, Driver: "labsim"}},
			"node.toml: bots[1].botspec " + strconv.Quote(abs) + ": BotSpec " + simlabID(t).String() + " listed twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default(t.TempDir())
			cfg.Bots = tc.bots
			_, nk, _ := ed25519.GenerateKey(nil)
			_, op, _ := ed25519.GenerateKey(nil)
			_, err := New(t.Context(), cfg, Options{NodeKey: nk, OperatorKey: op})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, want …%s…", err, tc.want)
			}
		})
	}
	w := protocolWorld(t)
	e := w.start(t, t.TempDir(), false)
	id := simlabID(t)
	if got := e.architectures(); !slices.Equal(got, []string{spec.ArchWasm32WASIP1, bot.Architecture}) {
		t.Errorf("architectures %v", got)
	}
	if got := e.botSpecHashes(); len(got) != 1 || !bytes.Equal(got[0], id[:]) {
		t.Errorf("botspec hashes %x, want %s", got, id)
	}
}

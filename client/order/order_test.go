package order

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client/order/ordertest"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

func testEnvelope() *specpb.Envelope {
	def := "linear"
	return &specpb.Envelope{Name: "digest", Kind: specpb.Kind_KIND_COMPUTE,
		Inputs:     []*specpb.Port{{Name: "genome"}},
		Parameters: []*specpb.Parameter{{Name: "ENZYMES", Required: true}, {Name: "TOPOLOGY", Required: true, Default: &def}}}
}

func TestCheckRequest(t *testing.T) {
	dir := t.TempDir()
	fa := filepath.Join(dir, "lambda.fa")
	if err := os.WriteFile(fa, []byte(">x\nACGT\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	enz := map[string]string{"ENZYMES": "EcoRI"}
	tests := []struct {
		name   string
		inputs map[string]string
		params map[string]string
		field  string // "" for no error
	}{
		{"ok", map[string]string{"genome": fa}, enz, ""},
		{"default covers a required parameter", map[string]string{"genome": fa}, map[string]string{"ENZYMES": "EcoRI", "TOPOLOGY": "circular"}, ""},
		{"required input missing", nil, enz, "inputs.genome"},
		{"undeclared input", map[string]string{"genome": fa, "reads": fa}, enz, "inputs.reads"},
		{"missing file", map[string]string{"genome": filepath.Join(dir, "nope.fa")}, enz, "inputs.genome"},
		{"directory as input", map[string]string{"genome": dir}, enz, "inputs.genome"},
		{"bad input name", map[string]string{"a/b": fa}, enz, "inputs.a/b"},
		{"required parameter missing", map[string]string{"genome": fa}, nil, "params.ENZYMES"},
		{"undeclared parameter", map[string]string{"genome": fa}, map[string]string{"ENZYMES": "EcoRI", "SPEED": "fast"}, "params.SPEED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckRequest(testEnvelope(), tt.inputs, tt.params)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Fatalf("error %v, want a FieldError on %s", err, tt.field)
			}
		})
	}
}

// results are honest outputs of order 7 with their files.
func results(t *testing.T) (nodeapi.Outputs, map[string][]byte) {
	t.Helper()
	out, files := exitedRun(t, 7, []byte("acgt\n"))
	return out, files
}

// completionCode is the completion code of order id in these tests.
func completionCode(id uint64) []byte {
	c := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("completion"), id))
	return c[:]
}

// exitedRun returns what a node serves for a run of ordertest's module
// on data that exited with code 0 (stdout "processed N bytes",
// result.txt the data in upper case), and its files by SHA-256.
func exitedRun(t *testing.T, id uint64, data []byte) (nodeapi.Outputs, map[string][]byte) {
	t.Helper()
	result := bytes.ToUpper(data)
	sum := sha256.Sum256(result)
	stdout := fmt.Appendf(nil, "processed %d bytes\n", len(data))
	root, err := outputroot.Compute(0, stdout, nil, []outputroot.File{{Path: "result.txt", Size: int64(len(result)), SHA256: sum}})
	if err != nil {
		t.Fatal(err)
	}
	out := nodeapi.Outputs{OrderID: id, OutputRoot: hex.EncodeToString(root[:]), Result: market.RunResultName(ledgerpb.RunResult_RUN_RESULT_EXITED),
		Stdout: stdout, Stderr: []byte{}, Files: []nodeapi.OutputFile{{Path: "result.txt", Size: int64(len(result)), SHA256: hex.EncodeToString(sum[:])}},
		CompletionCode: hex.EncodeToString(completionCode(id))}
	return out, map[string][]byte{hex.EncodeToString(sum[:]): result}
}

// trappedRun returns what a node serves for a run of ordertest's module
// on data with MODE=trap, and its output root: the runtime's root of the
// outcome.
func trappedRun(t *testing.T, id uint64, data []byte) (nodeapi.Outputs, [32]byte) {
	t.Helper()
	stdout, stderr := fmt.Appendf(nil, "processed %d bytes\n", len(data)), []byte(ordertest.TrapStderr)
	root, err := outputroot.ComputeOutcome(outputroot.OutcomeTrap, 0, stdout, stderr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return nodeapi.Outputs{OrderID: id, OutputRoot: hex.EncodeToString(root[:]), Result: market.RunResultName(ledgerpb.RunResult_RUN_RESULT_TRAP),
		Stdout: stdout, Stderr: stderr, Files: []nodeapi.OutputFile{}, CompletionCode: hex.EncodeToString(completionCode(id))}, root
}

func TestVerify(t *testing.T) {
	const id = 7
	out, files := results(t)
	root, _ := hex.DecodeString(out.OutputRoot)
	code, _ := hex.DecodeString(out.CompletionCode)
	cc := market.CompletionCommitment(id, code)
	sum := out.Files[0].SHA256
	trapOut, trapRoot := trappedRun(t, id, []byte("acgt\n"))
	exitedOn := func(r ledgerpb.RunResult) *ledgerpb.Delivery {
		return &ledgerpb.Delivery{OutputRoot: root, CompletionCommitment: cc[:], Result: r}
	}
	trapped := &ledgerpb.Delivery{OutputRoot: trapRoot[:], CompletionCommitment: cc[:], Result: ledgerpb.RunResult_RUN_RESULT_TRAP}
	tests := []struct {
		name        string
		out         nodeapi.Outputs
		d           *ledgerpb.Delivery
		outcomeRoot OutcomeRootFunc
		mutate      func(*nodeapi.Outputs, map[string][]byte, *ledgerpb.Delivery)
		want        error
	}{
		{"honest", out, exitedOn(ledgerpb.RunResult_RUN_RESULT_EXITED), nil, func(*nodeapi.Outputs, map[string][]byte, *ledgerpb.Delivery) {}, nil},
		{"a delivery that states no result is read as exited", out, exitedOn(ledgerpb.RunResult_RUN_RESULT_UNSPECIFIED), nil,
			func(*nodeapi.Outputs, map[string][]byte, *ledgerpb.Delivery) {}, nil},
		{"tampered file", out, exitedOn(1), nil, func(_ *nodeapi.Outputs, f map[string][]byte, _ *ledgerpb.Delivery) { f[sum] = []byte("TAMPERED\n") }, ErrOutputMismatch},
		{"file missing", out, exitedOn(1), nil, func(_ *nodeapi.Outputs, f map[string][]byte, _ *ledgerpb.Delivery) { delete(f, sum) }, ErrOutputMismatch},
		{"tampered stdout", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) { o.Stdout = []byte("other\n") }, ErrOutputMismatch},
		{"tampered exit code", out, exitedOn(0), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) { o.ExitCode = 1 }, ErrOutputMismatch},
		{"exit code not the delivery's", out, exitedOn(1), nil, func(_ *nodeapi.Outputs, _ map[string][]byte, d *ledgerpb.Delivery) { d.ExitCode = 3 }, ErrOutputMismatch},
		{"wrong size in manifest", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) { o.Files[0].Size++ }, ErrOutputMismatch},
		{"other root on chain", out, exitedOn(1), nil, func(_ *nodeapi.Outputs, _ map[string][]byte, d *ledgerpb.Delivery) { d.OutputRoot = make([]byte, 32) }, ErrOutputMismatch},
		{"node's root claim ignored", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) {
			o.OutputRoot = strings.Repeat("0", 64)
		}, nil},
		{"node's result claim ignored", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) { o.Result = "trap" }, nil},
		{"wrong completion code", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) {
			o.CompletionCode = strings.Repeat("ab", 32)
		}, ErrCompletionMismatch},
		{"short completion code", out, exitedOn(1), nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) { o.CompletionCode = "abcd" }, ErrCompletionMismatch},
		{"commitment of another order", out, exitedOn(1), nil, func(_ *nodeapi.Outputs, _ map[string][]byte, d *ledgerpb.Delivery) {
			x := market.CompletionCommitment(id+1, code)
			d.CompletionCommitment = x[:]
		}, ErrCompletionMismatch},
		{"trap without an outcome root: not verifiable", trapOut, trapped, nil, func(*nodeapi.Outputs, map[string][]byte, *ledgerpb.Delivery) {}, ErrNotVerifiable},
		{"trap without an outcome root, wrong code: not received", trapOut, trapped, nil, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) {
			o.CompletionCode = strings.Repeat("ab", 32)
		}, ErrCompletionMismatch},
		{"trap verified", trapOut, trapped, OutcomeRoot, func(*nodeapi.Outputs, map[string][]byte, *ledgerpb.Delivery) {}, nil},
		{"trap with a tampered stderr", trapOut, trapped, OutcomeRoot, func(o *nodeapi.Outputs, _ map[string][]byte, _ *ledgerpb.Delivery) {
			o.Stderr = []byte("all fine\n")
		}, ErrOutputMismatch},
		{"trap stated as a fuel limit", trapOut, trapped, OutcomeRoot, func(_ *nodeapi.Outputs, _ map[string][]byte, d *ledgerpb.Delivery) {
			d.Result = ledgerpb.RunResult_RUN_RESULT_FUEL_LIMIT
		}, ErrOutputMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.out
			o.Files = append([]nodeapi.OutputFile(nil), tt.out.Files...)
			f := map[string][]byte{}
			for k, v := range files {
				f[k] = v
			}
			d := proto.Clone(tt.d).(*ledgerpb.Delivery)
			tt.mutate(&o, f, d)
			err := Verify(id, d, o, f, tt.outcomeRoot)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestWriteOutputs(t *testing.T) {
	out, files := results(t)
	dir := t.TempDir()
	base, err := WriteOutputs(dir, 7, out, files)
	if err != nil {
		t.Fatal(err)
	}
	if base != filepath.Join(dir, "7") {
		t.Errorf("base %s", base)
	}
	for name, want := range map[string]string{"outputs/result.txt": "ACGT\n", "stdout.txt": string(out.Stdout), "stderr.txt": ""} {
		got, err := os.ReadFile(filepath.Join(base, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(base, "receipt.json")); err != nil {
		t.Error(err)
	}
	out.Files[0].Path = "../escape"
	if _, err := WriteOutputs(dir, 8, out, files); err == nil {
		t.Error("wrote a file outside the output directory")
	}
}

func TestBreakdown(t *testing.T) {
	tests := []struct {
		name                     string
		price                    uint64
		feeBps, royaltyBps       uint32
		txs                      int
		fee                      uint64
		netFee, royalty, payment uint64
		total                    uint64
	}{
		{"defaults", 500_000, 100, 250, 3, 1_000, 5_000, 12_500, 482_500, 503_000},
		{"rounds down", 999, 100, 250, 0, 0, 9, 24, 966, 999},
		{"royalty capped at price - fee", 1_000, 5_000, 10_000, 1, 10, 500, 500, 0, 1_010},
		{"no fees", 1_000, 0, 0, 0, 0, 0, 0, 1_000, 1_000},
		{"large price does not overflow", 1 << 62, 10_000, 0, 0, 0, 1 << 62, 0, 0, 1 << 62},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Breakdown(2*tt.price, 100, tt.price, tt.feeBps, tt.royaltyBps, tt.txs, tt.fee)
			if c.NetworkFee != tt.netFee || c.Royalty != tt.royalty || c.Payment != tt.payment || c.Total != tt.total {
				t.Fatalf("%+v, want fee %d royalty %d payment %d total %d", c, tt.netFee, tt.royalty, tt.payment, tt.total)
			}
			if c.NetworkFee+c.Royalty+c.Payment != c.Price || c.POStakeReturned != 100 {
				t.Fatalf("%+v: the split does not add up to the price", c)
			}
		})
	}
}

func TestRefunds(t *testing.T) {
	p := &ledgerpb.Params{FailSlashBuyerBps: 5_000, VerifierRewardBps: 5_000}
	order := func(verdict ledgerpb.DisputeVerdict, outcome ledgerpb.DisputeOutcome, roots ...string) *ledgerpb.Order {
		d := &ledgerpb.Dispute{Verdict: verdict, Outcome: outcome, Stake: 300, MajorityRoot: []byte("good")}
		for _, r := range roots {
			d.Verifiers = append(d.Verifiers, &ledgerpb.DrawnVerifier{OutputRoot: []byte(r)})
		}
		return &ledgerpb.Order{PoStake: 200, Contract: &ledgerpb.Contract{Price: 1_001, BidStake: 101}, Dispute: d}
	}
	failed := func(reason ledgerpb.FailReason) *ledgerpb.Order {
		o := order(0, 0)
		o.FailReason = reason
		return o
	}
	fails := []struct {
		name            string
		reason          ledgerpb.FailReason
		refund, slashed uint64
	}{
		{"silent provider, no receipt shown", ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY, 1_001 + 200, 101},
		{"receipt shown: half the bid stake to the buyer", ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT, 1_001 + 200 + 50, 101},
		{"inputs missing: nobody slashed", ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING, 1_001 + 200, 0},
	}
	for _, tt := range fails {
		if got, slashed := FailRefund(failed(tt.reason), p), FailSlashed(failed(tt.reason)); got != tt.refund || slashed != tt.slashed {
			t.Errorf("%s: FailRefund = %d, FailSlashed = %d; want %d, %d", tt.name, got, slashed, tt.refund, tt.slashed)
		}
	}
	tests := []struct {
		name string
		o    *ledgerpb.Order
		want uint64
	}{
		{"provider won", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, "bad"), 0},
		{"an undecided round returns nothing yet", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND), 0},
		// The buyer gets the larger half of an odd price.
		{"split", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND), 501 + 200 + 300},
		{"abandoned: the PO stake only", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND), 200},
		// reward = floor(101 × 0.5) / 2 = 25 each; forfeit share 101 − 50.
		{"buyer won, refund", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, "good", "good", "bad"), 51 + 300 + 1_201},
		{"buyer won, store credit", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT, "good"), 51 + 300},
	}
	for _, tt := range tests {
		if got := DisputeRefund(tt.o, p); got != tt.want {
			t.Errorf("%s: DisputeRefund = %d, want %d", tt.name, got, tt.want)
		}
	}
}

// TestSendInputs checks the upload protocol against a node that does not
// know the order at first (404: retried) and then refuses the input list
// (400: ErrInputsRejected naming the node's reason).
func TestSendInputs(t *testing.T) {
	seed := sha256.Sum256([]byte("buyer"))
	key := ed25519.NewKeyFromSeed(seed[:])
	var uploads, notFound atomic.Int32
	refuse := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig, err := nodeapi.Verify(r, time.Now())
		if err == nil {
			_, err = nodeapi.ReadBody(r.Body, sig, 1<<20)
		}
		if err != nil {
			fail(w, http.StatusUnauthorized, "%v", err)
			return
		}
		if notFound.Add(1) <= 2 {
			fail(w, http.StatusNotFound, "order 3: unknown yet")
			return
		}
		switch {
		case r.Method == http.MethodPut:
			uploads.Add(1)
		case refuse.Load():
			fail(w, http.StatusBadRequest, "inputs: input root does not match the order's")
		default:
			reply(w, nodeapi.JobStatus{OrderID: 3, State: nodeapi.StateRunning})
		}
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "genome.fa")
	os.WriteFile(path, []byte("ACGT"), 0o644)
	files, _, err := hashInputs(map[string]string{"genome": path})
	if err != nil {
		t.Fatal(err)
	}
	b := &Buyer{Key: key, HTTP: srv.Client(), Poll: 1}
	var got steps
	x := &run{b: b, r: &Result{OrderID: 3}, progress: got.add, haveInputs: true, inputs: map[string]string{"genome": path}, files: files}
	o := &ledgerpb.Order{Id: 3, Contract: &ledgerpb.Contract{}}
	if err := x.sendInputs(context.Background(), b.nodeAPI(srv.URL), o, 0, false); err != nil {
		t.Fatal(err)
	}
	if uploads.Load() != 1 {
		t.Errorf("%d uploads, want 1", uploads.Load())
	}
	got.need(t, StepUploaded, StepCommitted)

	refuse.Store(true)
	err = x.sendInputs(context.Background(), b.nodeAPI(srv.URL), o, 0, false)
	if !errors.Is(err, ErrInputsRejected) || !strings.Contains(err.Error(), "input root does not match") {
		t.Fatalf("sendInputs: %v, want ErrInputsRejected with the node's reason", err)
	}
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(nodeapi.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

func reply(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }

func TestAuthorAsBuyer(t *testing.T) {
	dir := t.TempDir()
	if err := ordertest.WritePackageDir(t, dir, "mine", "x"); err != nil {
		t.Fatal(err)
	}
	unsigned, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	b := &Buyer{Key: ordertest.Key("buyer"), Address: ordertest.Address("buyer")}
	r := &resolved{id: unsigned.ID(), pkg: unsigned}
	if err := b.authorAsBuyer(r); err != nil {
		t.Fatal(err)
	}
	if !r.pkg.Signed() || r.pkg.ID() != unsigned.ID() || address.Address(r.pkg.Envelope().GetAuthor()) != b.Address || r.pkg.Verify() != nil {
		t.Errorf("the buyer did not become the signing author of the same package")
	}
	other, err := packer.BuildSigned(dir, spec.DefaultLimits(), ordertest.Key("author"))
	if err != nil {
		t.Fatal(err)
	}
	var fe *FieldError
	if err := b.authorAsBuyer(&resolved{id: other.ID(), pkg: other}); !errors.As(err, &fe) || fe.Field != "package" {
		t.Errorf("a package signed by another author: %v, want a FieldError on package", err)
	}
}

func TestStepText(t *testing.T) {
	s := Step{Kind: StepExpired, Height: 12, Reasons: []Reason{{NodeKey: strings.Repeat("ab", 32), Reason: "below-floor", Detail: "max 10 < 500"}}}
	if got := s.String(); !strings.Contains(got, "below-floor") || !strings.Contains(got, "height 12") {
		t.Errorf("String() = %q", got)
	}
	for _, k := range []StepKind{StepCreated, StepAwarded, StepDelivered, StepClosed} {
		if (Step{Kind: k}).Waiting() == "" {
			t.Errorf("%s: no waiting text", k)
		}
	}
}

func TestRatingOf(t *testing.T) {
	four := uint32(4)
	five := uint32(5)
	tests := []struct {
		name   string
		stars  *uint32
		result ledgerpb.RunResult
		exit   uint32
		want   uint32
	}{
		{"exited, none named", nil, ledgerpb.RunResult_RUN_RESULT_EXITED, 0, DefaultStars},
		{"no result stated, none named", nil, ledgerpb.RunResult_RUN_RESULT_UNSPECIFIED, 0, DefaultStars},
		{"exited non-zero, none named", nil, ledgerpb.RunResult_RUN_RESULT_EXITED, 2, NonExitedStars},
		{"trap, none named", nil, ledgerpb.RunResult_RUN_RESULT_TRAP, 0, NonExitedStars},
		{"fuel limit, none named", nil, ledgerpb.RunResult_RUN_RESULT_FUEL_LIMIT, 0, NonExitedStars},
		{"exited, named", &four, ledgerpb.RunResult_RUN_RESULT_EXITED, 0, 4},
		{"exited non-zero, the buyer's own 5", &five, ledgerpb.RunResult_RUN_RESULT_EXITED, 1, 5},
		{"trap, the buyer's own 5", &five, ledgerpb.RunResult_RUN_RESULT_TRAP, 0, 5},
	}
	for _, tt := range tests {
		if got := ratingOf(tt.stars, tt.result, tt.exit); got != tt.want {
			t.Errorf("%s: %d stars, want %d", tt.name, got, tt.want)
		}
	}
}

func TestValidReceipt(t *testing.T) {
	node := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	o := &ledgerpb.Order{Id: 9, InputRoot: bytes.Repeat([]byte{5}, 32), Contract: &ledgerpb.Contract{NodeKey: node.Public().(ed25519.PublicKey)}}
	other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))
	tests := []struct {
		name string
		sig  []byte
		want bool
	}{
		{"the node's receipt", market.SignInputReceipt(node, "c", 9, o.InputRoot), true},
		{"another chain", market.SignInputReceipt(node, "d", 9, o.InputRoot), false},
		{"another order", market.SignInputReceipt(node, "c", 10, o.InputRoot), false},
		{"other inputs", market.SignInputReceipt(node, "c", 9, make([]byte, 32)), false},
		{"another node", market.SignInputReceipt(other, "c", 9, o.InputRoot), false},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := validReceipt("c", o, tt.sig); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNewStepsText(t *testing.T) {
	tests := []struct {
		step Step
		want []string
	}{
		{Step{Kind: StepMissingInputs, Height: 20, Deadline: 29, Detail: "the buyer answers"}, []string{"missing", "height 20", "29"}},
		{Step{Kind: StepReceiptPosted, Height: 22, Detail: "it voids the report"}, []string{"posted at height 22", "voids"}},
		{Step{Kind: StepReceiptPosted, Detail: "window closed"}, []string{"not posted", "window closed"}},
		{Step{Kind: StepDelivered, Height: 30, Result: "fuel-limit", OutputRoot: "ab"}, []string{"fuel-limit"}},
		{Step{Kind: StepRunResult, Result: "trap", Detail: "wasm error: unreachable"}, []string{"trap", "not the provider's", "unreachable"}},
		{Step{Kind: StepDisputeDrawn, Height: 41, Round: 2, Verifiers: []string{strings.Repeat("cd", 32)}, Deadline: 49}, []string{"round 2", "height 41", "cdcdcdcdcdcd", "49"}},
		{Step{Kind: StepDisputeRound, Round: 2, Deadline: 60}, []string{"round 1", "round 2", "60"}},
		{Step{Kind: StepFailed, Height: 50, Detail: "inputs-missing", Refund: 7}, []string{"inputs-missing", "7 ucell"}},
	}
	for _, tt := range tests {
		got := tt.step.String()
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", tt.step.Kind, got, w)
			}
		}
		if tt.step.Waiting() == "" && tt.step.Kind != StepFailed {
			t.Errorf("%s: no waiting text", tt.step.Kind)
		}
	}
}

func TestDecidedVerdicts(t *testing.T) {
	p := &ledgerpb.Params{VerifierRewardBps: 5_000}
	tests := []struct {
		name    string
		verdict ledgerpb.DisputeVerdict
		why     string
		refund  uint64
		want    []error // each matched with errors.Is
	}{
		{"split after a failed verification", ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, "outputs do not match", 500 + 200 + 300, []error{ErrDisputed, ErrDisputeSplit}},
		{"split of a dispute opened by hand", ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT, "", 500 + 200 + 300, []error{ErrDisputeSplit}},
		{"abandoned", ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED, "", 200, []error{ErrDisputeAbandoned}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Buyer{Params: p}
			var got steps
			x := &run{b: b, r: &Result{OrderID: 4, Dispute: &DisputeReport{}}, progress: got.add}
			o := &ledgerpb.Order{Id: 4, PoStake: 200, State: ledgerpb.OrderState_ORDER_STATE_RESOLVED, UpdatedHeight: 80,
				Buyer: ordertest.Address("buyer").Bytes(), Contract: &ledgerpb.Contract{Price: 1_000, BidStake: 100, Provider: ordertest.Address("provider").Bytes()},
				Dispute: &ledgerpb.Dispute{Verdict: tt.verdict, Outcome: ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, Stake: 300, Round: 2}}
			res, err := x.decided(context.Background(), o, logMark{}, tt.why)
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("error %v does not match %v", err, w)
				}
			}
			if res.Dispute.Refund != tt.refund || res.Dispute.Verdict != market.VerdictName(tt.verdict) || res.State != "resolved" {
				t.Errorf("dispute %+v, state %s", res.Dispute, res.State)
			}
			got.need(t, StepDisputeDecided)
		})
	}
}

// TestOutcomeRootMatchesTheRuntime: the ledger's run results mirror the
// runtime's outcomes number for number and name for name, and
// OutcomeRoot is the runtime's root of an outcome.
func TestOutcomeRootMatchesTheRuntime(t *testing.T) {
	for r := ledgerpb.RunResult_RUN_RESULT_EXITED; r <= ledgerpb.RunResult_RUN_RESULT_STDERR_LIMIT; r++ {
		o := outputroot.Outcome(r)
		if !o.Valid() || o.String() != market.RunResultName(r) {
			t.Fatalf("result %d: the runtime names it %q, the ledger %q", r, o, market.RunResultName(r))
		}
		if r == ledgerpb.RunResult_RUN_RESULT_EXITED {
			continue
		}
		got, err := OutcomeRoot(r, []byte("out"), []byte("err"))
		want, err2 := outputroot.ComputeOutcome(o, 0, []byte("out"), []byte("err"), nil)
		if err != nil || err2 != nil || got != want {
			t.Fatalf("result %d: %x (%v), want %x (%v)", r, got, err, want, err2)
		}
	}
	if _, err := OutcomeRoot(ledgerpb.RunResult_RUN_RESULT_EXITED, nil, nil); err == nil {
		t.Fatal("no error for an exited run")
	}
}

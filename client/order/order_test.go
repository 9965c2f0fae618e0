package order

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
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

	"github.com/celltonomy/celltonomy/client/gateway"
	"github.com/celltonomy/celltonomy/client/order/ordertest"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
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
func results(t *testing.T) (gateway.Outputs, map[string][]byte) {
	t.Helper()
	out, files, _, _ := ordertest.Execute(7, map[string][]byte{"data": []byte("acgt\n")})
	return out, files
}

func TestVerify(t *testing.T) {
	const id = 7
	out, files := results(t)
	root, _ := hex.DecodeString(out.OutputRoot)
	code, _ := hex.DecodeString(out.CompletionCode)
	cc := market.CompletionCommitment(id, code)
	sum := out.Files[0].SHA256
	tests := []struct {
		name   string
		mutate func(*gateway.Outputs, map[string][]byte, *[]byte, *[]byte)
		want   error
	}{
		{"honest", func(*gateway.Outputs, map[string][]byte, *[]byte, *[]byte) {}, nil},
		{"tampered file", func(_ *gateway.Outputs, f map[string][]byte, _, _ *[]byte) { f[sum] = []byte("TAMPERED\n") }, ErrOutputMismatch},
		{"file missing", func(_ *gateway.Outputs, f map[string][]byte, _, _ *[]byte) { delete(f, sum) }, ErrOutputMismatch},
		{"tampered stdout", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) { o.Stdout = []byte("other\n") }, ErrOutputMismatch},
		{"tampered exit code", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) { o.ExitCode = 1 }, ErrOutputMismatch},
		{"wrong size in manifest", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) { o.Files[0].Size++ }, ErrOutputMismatch},
		{"other root on chain", func(_ *gateway.Outputs, _ map[string][]byte, r, _ *[]byte) { *r = make([]byte, 32) }, ErrOutputMismatch},
		{"node's root claim ignored", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) { o.OutputRoot = strings.Repeat("0", 64) }, nil},
		{"wrong completion code", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) {
			o.CompletionCode = strings.Repeat("ab", 32)
		}, ErrCompletionMismatch},
		{"short completion code", func(o *gateway.Outputs, _ map[string][]byte, _, _ *[]byte) { o.CompletionCode = "abcd" }, ErrCompletionMismatch},
		{"commitment of another order", func(_ *gateway.Outputs, _ map[string][]byte, _, c *[]byte) {
			x := market.CompletionCommitment(id+1, code)
			*c = x[:]
		}, ErrCompletionMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := out
			o.Files = append([]gateway.OutputFile(nil), out.Files...)
			f := map[string][]byte{}
			for k, v := range files {
				f[k] = v
			}
			r, c := append([]byte(nil), root...), append([]byte(nil), cc[:]...)
			tt.mutate(&o, f, &r, &c)
			err := Verify(id, o, f, r, c)
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
		return &ledgerpb.Order{PoStake: 200, Contract: &ledgerpb.Contract{Price: 1_000, BidStake: 101}, Dispute: d}
	}
	if got := FailRefund(order(0, 0), p); got != 1_000+200+50 {
		t.Errorf("FailRefund = %d", got)
	}
	tests := []struct {
		name string
		o    *ledgerpb.Order
		want uint64
	}{
		{"provider won", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, "bad"), 0},
		{"undecided", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND), 1_000 + 200 + 300},
		// reward = floor(101 × 0.5) / 2 = 25 each; forfeit share 101 − 50.
		{"buyer won, refund", order(ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON, ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND, "good", "good", "bad"), 51 + 300 + 1_200},
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
		body := make([]byte, r.ContentLength)
		r.Body.Read(body)
		if _, err := gateway.Verify(r, body); err != nil {
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
			reply(w, gateway.JobStatus{OrderID: 3, State: gateway.StateRunning})
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
	if err := x.sendInputs(context.Background(), b.gateway(srv.URL), 0, false); err != nil {
		t.Fatal(err)
	}
	if uploads.Load() != 1 {
		t.Errorf("%d uploads, want 1", uploads.Load())
	}
	got.need(t, StepUploaded, StepCommitted)

	refuse.Store(true)
	err = x.sendInputs(context.Background(), b.gateway(srv.URL), 0, false)
	if !errors.Is(err, ErrInputsRejected) || !strings.Contains(err.Error(), "input root does not match") {
		t.Fatalf("sendInputs: %v, want ErrInputsRejected with the node's reason", err)
	}
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(gateway.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

func reply(w http.ResponseWriter, v any) { json.NewEncoder(w).Encode(v) }

func TestAuthorAsBuyer(t *testing.T) {
	dir := t.TempDir()
	if err := ordertest.WritePackageDir(dir, "mine", "x"); err != nil {
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

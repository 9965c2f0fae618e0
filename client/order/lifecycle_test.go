package order

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

func TestParseOnFailure(t *testing.T) {
	for in, want := range map[string]OnFailure{"": OnFailureAsk, "ask": OnFailureAsk, "close": OnFailureClose, "dispute": OnFailureDispute} {
		if got, err := ParseOnFailure(in); err != nil || got != want {
			t.Errorf("ParseOnFailure(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	var fe *FieldError
	if _, err := ParseOnFailure("pay"); !errors.As(err, &fe) || fe.Field != "on_failure" {
		t.Errorf("ParseOnFailure(pay): %v, want a FieldError naming on_failure", err)
	}
}

func TestNextStep(t *testing.T) {
	p := &ledgerpb.Params{InputWindowBlocks: 30}
	c := &ledgerpb.Contract{InputDeadline: 40, DeliveryDeadline: 110}
	tests := []struct {
		name string
		o    *ledgerpb.Order
		st   *State
		want string
	}{
		{"open", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_OPEN, BidDeadline: 12}, nil, "bids close at height 12; the inputs are then due at the winning node within 30 blocks"},
		{"awarded, no inputs", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_AWARDED, Contract: c}, &State{}, "upload the inputs by height 40"},
		{"awarded, receipt kept", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_AWARDED, Contract: c}, &State{InputReceipt: []byte{1}}, "must deliver by height 110"},
		{"awarded, reported missing", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_AWARDED, Contract: &ledgerpb.Contract{MissingInputsDeadline: 77}}, nil, "before height 77"},
		{"delivered", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_DELIVERED, Delivery: &ledgerpb.Delivery{ConfirmDeadline: 150}}, nil, "before height 150"},
		{"closed, rating kept", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_CLOSED, Ratings: &ledgerpb.Ratings{RevealDeadline: 300}}, &State{Rating: &SavedRating{Stars: 5}}, "reveal your rating (kept locally) before height 300"},
		{"closed, revealed", &ledgerpb.Order{State: ledgerpb.OrderState_ORDER_STATE_CLOSED, Ratings: &ledgerpb.Ratings{BuyerRevealed: true}}, &State{}, ""},
	}
	for _, tt := range tests {
		got := nextStep(tt.o, tt.st, p)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want it to say %q", tt.name, got, tt.want)
		}
	}
}

func TestInterruptedError(t *testing.T) {
	err := error(&InterruptedError{OrderID: 7, Pending: "uploading inputs", Next: "upload the inputs by height 40", Err: context.Canceled})
	if !errors.Is(err, context.Canceled) {
		t.Error("does not match context.Canceled")
	}
	for _, want := range []string{"order 7", "while uploading inputs", "by height 40"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	if s := (&InterruptedError{Pending: "creating the order"}).Error(); !strings.Contains(s, "may have been created") {
		t.Errorf("%q: an interruption before the order id is known must say the order may exist", s)
	}
}

func TestPlanOf(t *testing.T) {
	stars := uint32(4)
	p := planOf(Request{Inputs: map[string]string{"genome": "data/lambda.fa"}, OutDir: "results", Stars: &stars, OnFailure: OnFailureClose})
	if !filepath.IsAbs(p.Inputs["genome"]) || !filepath.IsAbs(p.OutDir) || *p.Stars != 4 || p.OnFailure != OnFailureClose {
		t.Errorf("plan %+v: want absolute paths and the request's choices", p)
	}
	st := &State{OrderID: 1, Plan: p}
	c := st.clone()
	c.Plan.Inputs["genome"], *c.Plan.Stars = "other", 1
	if p.Inputs["genome"] == "other" || *p.Stars != 4 {
		t.Error("clone shares the plan")
	}
}

func TestDiffersErr(t *testing.T) {
	author := address.Address{7}
	r := &resolved{envelope: &specpb.Envelope{Name: "digest", Version: "1.0.0"}}
	registered := []*ledgerpb.Package{
		{PackageId: []byte{0xaa}, Name: "digest", Version: "0.9.0", Author: author.Bytes()},
		{PackageId: []byte{0xbb}, Name: "digest", Version: "1.0.0", Author: author.Bytes()},
	}
	err := differsErr("examples/digest", r, registered)
	var fe *FieldError
	if !errors.As(err, &fe) || fe.Field != "package" {
		t.Fatalf("%v: want a FieldError naming package", err)
	}
	for _, want := range []string{"differs from the registered package digest 1.0.0 (bb)", "registered: digest 1.0.0 = bb; digest 0.9.0 = aa",
		author.String(), "order the registered package by its id (bb)", "rebuild examples/digest from the same sources", "new version"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	r.envelope.Version = "2.0.0"
	if err := differsErr("examples/digest", r, registered[:1]); !strings.Contains(err.Error(), `every registered version of "digest" (digest 0.9.0 = aa)`) {
		t.Errorf("another version: %v", err)
	}
}

func TestFailedRunStepText(t *testing.T) {
	s := Step{Kind: StepRunResult, Result: "exited", ExitCode: 2, Detail: `unknown enzyme "EcoR1" (closest known: EcoRI, EcoRV)`}.String()
	for _, want := range []string{"exited with code 2", "closest known: EcoRI, EcoRV"} {
		if !strings.Contains(s, want) {
			t.Errorf("%q lacks %q", s, want)
		}
	}
}

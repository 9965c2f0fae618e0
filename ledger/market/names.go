package market

import (
	"fmt"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// The names of the dispute enums, as events, the CLI and the buyer's
// client spell them (market.md: "Disputes"). Tables, not maps, so that
// nothing depends on map order.
var (
	claimNames = []struct {
		name string
		v    ledgerpb.DisputeClaim
	}{
		{"wrong-result", ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT},
		{"not-received", ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_RECEIVED},
		{"not-to-spec", ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_TO_SPEC},
		{"too-slow", ledgerpb.DisputeClaim_DISPUTE_CLAIM_TOO_SLOW},
	}
	outcomeNames = []struct {
		name string
		v    ledgerpb.DisputeOutcome
	}{
		{"refund", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND},
		{"redo", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO},
		{"redo-by-another", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REDO_BY_ANOTHER},
		{"store-credit", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_STORE_CREDIT},
		{"litigation", ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION},
	}
)

// ClaimName returns a dispute claim's name: wrong-result, not-received,
// not-to-spec or too-slow; the number of an unknown value.
func ClaimName(c ledgerpb.DisputeClaim) string {
	for _, n := range claimNames {
		if n.v == c {
			return n.name
		}
	}
	return strconv.Itoa(int(c))
}

// ParseClaim is the inverse of ClaimName. The error names the field
// "claim" and the accepted names.
func ParseClaim(s string) (ledgerpb.DisputeClaim, error) {
	for _, n := range claimNames {
		if n.name == s {
			return n.v, nil
		}
	}
	return 0, fmt.Errorf("claim %q: want wrong-result, not-received, not-to-spec or too-slow", s)
}

// OutcomeName returns a dispute outcome's name: refund, redo,
// redo-by-another, store-credit or litigation; the number of an unknown
// value.
func OutcomeName(o ledgerpb.DisputeOutcome) string {
	for _, n := range outcomeNames {
		if n.v == o {
			return n.name
		}
	}
	return strconv.Itoa(int(o))
}

// ParseOutcome is the inverse of OutcomeName. The error names the field
// "outcome" and the accepted names.
func ParseOutcome(s string) (ledgerpb.DisputeOutcome, error) {
	for _, n := range outcomeNames {
		if n.name == s {
			return n.v, nil
		}
	}
	return 0, fmt.Errorf("outcome %q: want refund, redo, redo-by-another, store-credit or litigation", s)
}

// VerdictName returns a dispute verdict's name as the dispute_decided
// event carries it: provider_won, buyer_won, undecided, split,
// abandoned, or "" before the decision.
func VerdictName(v ledgerpb.DisputeVerdict) string {
	switch v {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		return "provider_won"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		return "buyer_won"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED:
		return "undecided"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT:
		return "split"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED:
		return "abandoned"
	}
	return ""
}

// runResultNames are the names of the run results, as events, the CLI
// and the runtime (runtime/wasm: Outcome) spell them.
var runResultNames = []struct {
	name string
	v    ledgerpb.RunResult
}{
	{"exited", ledgerpb.RunResult_RUN_RESULT_EXITED},
	{"trap", ledgerpb.RunResult_RUN_RESULT_TRAP},
	{"fuel-limit", ledgerpb.RunResult_RUN_RESULT_FUEL_LIMIT},
	{"memory-limit", ledgerpb.RunResult_RUN_RESULT_MEMORY_LIMIT},
	{"output-limit", ledgerpb.RunResult_RUN_RESULT_OUTPUT_LIMIT},
	{"stdout-limit", ledgerpb.RunResult_RUN_RESULT_STDOUT_LIMIT},
	{"stderr-limit", ledgerpb.RunResult_RUN_RESULT_STDERR_LIMIT},
}

// RunResultName returns a run result's name: exited, trap, fuel-limit,
// memory-limit, output-limit, stdout-limit or stderr-limit; "exited" for
// unspecified (deliveries written before results were stated); the
// number of an unknown value.
func RunResultName(r ledgerpb.RunResult) string {
	if r == ledgerpb.RunResult_RUN_RESULT_UNSPECIFIED {
		r = ledgerpb.RunResult_RUN_RESULT_EXITED
	}
	for _, n := range runResultNames {
		if n.v == r {
			return n.name
		}
	}
	return strconv.Itoa(int(r))
}

// ParseRunResult is the inverse of RunResultName. The error names the
// field "result" and the accepted names.
func ParseRunResult(s string) (ledgerpb.RunResult, error) {
	for _, n := range runResultNames {
		if n.name == s {
			return n.v, nil
		}
	}
	return 0, fmt.Errorf("result %q: want exited, trap, fuel-limit, memory-limit, output-limit, stdout-limit or stderr-limit", s)
}

// FailReasonName returns why an order failed, as order_failed carries
// it: no-delivery, no-delivery-after-receipt, inputs-missing; "" for
// unspecified.
func FailReasonName(r ledgerpb.FailReason) string {
	switch r {
	case ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY:
		return "no-delivery"
	case ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT:
		return "no-delivery-after-receipt"
	case ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING:
		return "inputs-missing"
	}
	return ""
}

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
// event carries it: provider_won, buyer_won, undecided, or "" before the
// decision.
func VerdictName(v ledgerpb.DisputeVerdict) string {
	switch v {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		return "provider_won"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		return "buyer_won"
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_UNDECIDED:
		return "undecided"
	}
	return ""
}

package cli

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestParseProposal(t *testing.T) {
	for _, tc := range []struct {
		name, in, err string
	}{
		{"a param change", `{"title": "t", "messages": [{"param_change": {"name": "max_bid_window", "value": "7"}}], "deposit": "5"}`, ""},
		{"camel case", `{"title": "t", "messages": [{"treasurySpend": {"recipient": "` + testAddr + `", "amount": "5"}}]}`, ""},
		{"text", `{"title": "t", "messages": [{"text": {}}]}`, ""},
		{"not JSON", `title: t`, "not a proposal"},
		{"an unknown field", `{"title": "t", "messages": [{"text": {}}], "extra": 1}`, "not a proposal"},
		{"no messages", `{"title": "t"}`, "messages: 0"},
		{"an unknown param", `{"title": "t", "messages": [{"param_change": {"name": "nope", "value": "7"}}]}`, "no such param"},
		{"a bad recipient", `{"title": "t", "messages": [{"treasury_spend": {"recipient": "x", "amount": "5"}}]}`, "recipient"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseProposal([]byte(tc.in))
			if tc.err == "" && (err != nil || m == nil) || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("got %v, %v; want error %q", m, err, tc.err)
			}
		})
	}
}

const testAddr = "cell1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqpng3ly"

// FuzzParseProposal: any bytes of a proposal file either give a proposal
// that passes its stateless rules and survives a protobuf round trip, or
// an error; never a panic.
func FuzzParseProposal(f *testing.F) {
	f.Add([]byte(`{"title": "t", "messages": [{"param_change": {"name": "max_bid_window", "value": "7"}}], "deposit": "5"}`))
	f.Add([]byte(`{"title": "t", "messages": [{"release_litigation": {"order_id": "1", "to_buyer_amount": "2"}}, {"set_recovery_addresses": {}}]}`))
	f.Add([]byte(`{"title": "t", "description": "d", "messages": [{"text": {}}, {"treasury_spend": {"recipient": "` + testAddr + `", "amount": "1"}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseProposal(b)
		if err != nil {
			return
		}
		raw, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parseProposal(b); err != nil {
			t.Fatalf("not deterministic: %v", err)
		}
		if len(raw) == 0 {
			t.Fatal("an accepted proposal encodes to nothing")
		}
	})
}

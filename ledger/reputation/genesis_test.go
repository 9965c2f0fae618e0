package reputation

import (
	"strings"
	"testing"
)

// TestParseGrantAmount: a grant's amount is a positive decimal integer of
// at most 2^127 − 1 with one spelling.
func TestParseGrantAmount(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "1", want: "1"},
		{in: "1000000", want: "1000000"},
		{in: "18446744073709551616", want: "18446744073709551616"}, // 2^64
		{in: MaxAmount().String(), want: MaxAmount().String()},
		{in: "170141183460469231731687303715884105728", err: "above 2^127 - 1"},
		{in: strings.Repeat("9", 39), err: "above 2^127 - 1"},
		{in: strings.Repeat("9", 40), err: "above 2^127 - 1"},
		{in: "0", err: "must be positive"},
		{in: "-1", err: "must be positive"},
		{in: "-0", err: "must be positive"},
		{in: "00", err: "leading zero"},
		{in: "01", err: "leading zero"},
		{in: "", err: "not a decimal integer"},
		{in: "-", err: "not a decimal integer"},
		{in: "+1", err: "not a decimal integer"},
		{in: "1e6", err: "not a decimal integer"},
		{in: "1_000", err: "not a decimal integer"},
		{in: " 1", err: "not a decimal integer"},
		{in: "１", err: "not a decimal integer"}, // a fullwidth digit
		{in: strings.Repeat("x", 1000), err: `"` + strings.Repeat("x", 50) + `…": not a decimal integer`},
	} {
		v, err := ParseGrantAmount(tc.in)
		switch {
		case tc.err == "" && (err != nil || v.String() != tc.want):
			t.Errorf("ParseGrantAmount(%q) = %v, %v; want %s", tc.in, v, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseGrantAmount(%q) = %v, %v; want an error containing %q", tc.in, v, err, tc.err)
		}
	}
}

package cli

import (
	"strings"
	"testing"
)

func TestParseOrderParams(t *testing.T) {
	ps, err := parseOrderParams([]string{"z=1", "a=x=y", "m="})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Key+"="+p.Value)
	}
	if strings.Join(got, " ") != "a=x=y m= z=1" {
		t.Fatalf("params %v", got)
	}
	for _, bad := range []string{"novalue", "=v"} {
		if _, err := parseOrderParams([]string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestMarketArgs(t *testing.T) {
	salt := strings.Repeat("ab", 32)
	if stars, s, err := ratingArgs("5", salt); err != nil || stars != 5 || len(s) != 32 {
		t.Fatalf("ratingArgs: %d %x %v", stars, s, err)
	}
	for _, tc := range [][2]string{{"6", salt}, {"-1", salt}, {"3", "ab"}} {
		if _, _, err := ratingArgs(tc[0], tc[1]); err == nil {
			t.Errorf("ratingArgs(%q, %q): no error", tc[0], tc[1])
		}
	}
	if _, err := orderIDArg("0"); err == nil {
		t.Error("order id 0 accepted")
	}
	if _, err := completionCodeArg("abcd"); err == nil {
		t.Error("a 2-byte completion code accepted")
	}
	if c, err := completionCodeArg(strings.Repeat("01", 16)); err != nil || len(c) != 16 {
		t.Errorf("completion code: %x %v", c, err)
	}
}

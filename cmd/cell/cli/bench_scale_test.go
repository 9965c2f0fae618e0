package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchScale runs `cell bench scale` at two tiny sizes: the table has
// a row per kind of block and columns per size (time, store operations)
// plus the ratio; --output json carries the same figures.
func TestBenchScale(t *testing.T) {
	out, errOut, code := cell(t, "bench", "scale", "--scale", "0.0002", "--scale", "0.0001", "--work", "10", "--repeat", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"scale 0.0002", "scale 0.0001", "ratio", "store ops", "empty", "10 transfers", "10 awards", "10 deadlines", "200 accounts, 20 open orders, 2 nodes"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = cell(t, "bench", "scale", "--scale", "0.0001", "--work", "5", "--repeat", "1", "--output", "json")
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut)
	}
	var res struct {
		Work  int `json:"work"`
		Sizes []struct {
			Accounts int `json:"accounts"`
			Awards   struct {
				Ms  float64 `json:"ms"`
				Ops struct {
					Sets int `json:"sets"`
				} `json:"store_ops"`
			} `json:"awards"`
		} `json:"sizes"`
		Ratios struct {
			Awards float64 `json:"awards"`
		} `json:"ratios"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Work != 5 || len(res.Sizes) != 1 || res.Sizes[0].Accounts != 100 || res.Sizes[0].Awards.Ms <= 0 || res.Sizes[0].Awards.Ops.Sets == 0 || res.Ratios.Awards != 1 {
		t.Fatalf("json %s", out)
	}
}

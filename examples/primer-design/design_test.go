package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// naiveIndex is an Indexer that scans seq for each sequence, both strands.
func naiveIndex(t testing.TB, seq []byte) Indexer {
	return func(seqs []string) ([]IndexResult, error) {
		out := make([]IndexResult, len(seqs))
		for i, s := range seqs {
			out[i].Sequence = s
			top, bottom := sitesOf(seq, s)
			for _, p := range top {
				out[i].Sites = append(out[i].Sites, struct {
					Start  int    `json:"start"`
					End    int    `json:"end"`
					Strand string `json:"strand"`
				}{p + 1, p + len(s), "+"})
			}
			for _, p := range bottom {
				out[i].Sites = append(out[i].Sites, struct {
					Start  int    `json:"start"`
					End    int    `json:"end"`
					Strand string `json:"strand"`
				}{p + 1, p + len(s), "-"})
			}
		}
		return out, nil
	}
}

// TestParseRequest: defaults fill the zero fields; each bound is an error
// naming its field.
func TestParseRequest(t *testing.T) {
	r, err := ParseRequest([]byte(`{"start": 100, "end": 200}`), 48502)
	if err != nil {
		t.Fatal(err)
	}
	want := Defaults
	want.Start, want.End = 100, 200
	if r != want {
		t.Fatalf("request %+v, want %+v", r, want)
	}
	for _, tc := range []struct{ req, want string }{
		{`{"start": 48503, "end": 48503}`, "start: 48503, want 1 to 48502"},
		{`{"start": 10, "end": 48503}`, "end: 48503"},
		{`{"start": 100, "end": 200, "min_length": 12}`, "min_length: 12, want 14 to 40"},
		{`{"start": 100, "end": 200, "max_length": 41}`, "max_length: 41"},
		{`{"start": 100, "end": 200, "max_tm": 51}`, "max_tm: 51 °C, want min_tm (52)"},
		{`{"start": 100, "end": 200, "max_tm_diff": -1}`, "max_tm_diff: -1"},
		{`{"start": 100, "end": 200, "min_gc": 101}`, "min_gc: 101"},
		{`{"start": 100, "end": 200, "max_gc": 30}`, "max_gc: 30"},
		{`{"start": 100, "end": 200, "window": 1001}`, "window: 1001 bp"},
		{`{"start": 100, "end": 200, "max_amplicon": 1501}`, "max_amplicon: 1501 bp"},
		{`{"start": 100, "end": 200, "pairs": 51}`, "pairs: 51"},
		{`{"start": 100, "end": 200, "index": "zz"}`, `index: "zz"`},
		{`{"start": 100, "end": 200} {}`, ""}, // one value read; the rest ignored
		{strings.Repeat(" ", MaxRequest+1), "request: 4097 bytes"},
	} {
		_, err := ParseRequest([]byte(tc.req), 48502)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%.50s: %v, want %q", tc.req, err, tc.want)
		}
	}
}

// TestDesignRejectsRepeats: with a genome where the 100 bp upstream of
// the region appear again (an injected repeat), the design run on the
// host with a plain-scan index rejects the forward primers inside it.
func TestDesignRejectsRepeats(t *testing.T) {
	seq := lambda(t)
	r, _ := ParseRequest([]byte(`{"start": 30000, "end": 30400}`), len(seq))
	plain, err := Design(seq, r, naiveIndex(t, seq))
	if err != nil || len(plain.Pairs) != Defaults.Pairs || len(plain.Rejected) != 0 {
		t.Fatalf("plain design: %v, %d pairs, %d rejected", err, len(plain.Pairs), len(plain.Rejected))
	}
	repeated := append(append([]byte(nil), seq...), seq[30000-1-100:30000-1]...)
	out, err := Design(seq, r, naiveIndex(t, repeated))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Rejected) == 0 || len(out.Pairs) == 0 {
		t.Fatalf("%d rejected, %d pairs", len(out.Rejected), len(out.Pairs))
	}
	for _, p := range out.Pairs {
		if p.Forward.Start >= 30000-100 {
			t.Errorf("forward %+v lies in the repeat", p.Forward)
		}
	}
	for _, x := range out.Rejected {
		if x.Strand != "+" || x.Sites != 2 {
			t.Errorf("rejected %+v: want a forward primer with 2 sites", x)
		}
	}
}

// FuzzParseRequest: any request is a checked request or an error, never
// a panic; a checked one has its fields within their bounds.
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte(`{"start": 20200, "end": 20800}`))
	f.Add([]byte(`{"start": 1, "end": 1, "min_length": 40, "max_length": 40, "window": 1000, "pairs": 50}`))
	f.Add([]byte(`{"start": -1, "end": 1e9}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRequest(b, 48502)
		if err != nil {
			return
		}
		if r.Start < 1 || r.End > 48502 || r.MinLength < MinPrimerNT || r.MaxLength > MaxPrimerNT || r.MinTm < MinTmFloor ||
			r.Window > MaxWindow || r.MaxAmplicon > MaxAmpliconBP || r.Pairs < 1 || r.Pairs > MaxPairs {
			b, _ := json.Marshal(r)
			t.Fatalf("accepted %s", b)
		}
	})
}

package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/examples/data"
)

func lambda(t testing.TB) []byte {
	t.Helper()
	rec, err := restriction.ReadFASTA(bytes.NewReader(data.LambdaFASTA), int64(len(data.LambdaFASTA)))
	if err != nil {
		t.Fatal(err)
	}
	return rec.Seq
}

// naive returns the sites of q by a plain scan of both strands.
func naive(seq, q []byte) []Site {
	rc := []byte(restriction.ReverseComplement(string(q)))
	var out []Site
	for i := 0; i+len(q) <= len(seq); i++ {
		if bytes.Equal(seq[i:i+len(q)], q) {
			out = append(out, Site{i + 1, i + len(q), "+"})
		}
		if bytes.Equal(seq[i:i+len(q)], rc) {
			out = append(out, Site{i + 1, i + len(q), "-"})
		}
	}
	return out
}

func equalSites(a, b []Site) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSitesMatchNaiveScan: on λ, the index finds exactly the sites a
// plain scan of both strands finds, for queries taken from both strands
// at many positions and lengths, for queries whose 3' 12-mer matches but
// whose 5' part does not, and for repeated queries.
func TestSitesMatchNaiveScan(t *testing.T) {
	seq := lambda(t)
	ix := NewIndex(seq)
	if ix.Len() != 48502 || ix.Entries() != 2*(48502-K+1) {
		t.Fatalf("index of %d bp, %d entries", ix.Len(), ix.Entries())
	}
	n := 0
	for pos := 0; pos+40 <= len(seq); pos += 397 {
		for _, l := range []int{12, 14, 20, 33, 40} {
			q := append([]byte(nil), seq[pos:pos+l]...)
			rc := []byte(restriction.ReverseComplement(string(q)))
			mut := append([]byte(nil), q...)
			mut[0] = "CGTA"[strings.IndexByte("ACGT", mut[0])] // a 5' mismatch: the 3' 12-mer still hits
			for _, x := range [][]byte{q, rc, mut} {
				got, more := ix.Sites(x, 1000)
				if want := naive(seq, x); !equalSites(got, want) || more {
					t.Fatalf("sites of %s: %v (more %v), want %v", x, got, more, want)
				}
				n++
			}
		}
	}
	// Some 12-mers of λ occur more than once: the first such one, found
	// with a map of the top strand's 12-mers.
	seen := map[string]bool{}
	var q []byte
	for i := 0; i+K <= len(seq) && q == nil; i++ {
		if k := string(seq[i : i+K]); seen[k] {
			q = []byte(k)
		} else {
			seen[k] = true
		}
	}
	got, _ := ix.Sites(q, 1000)
	if want := naive(seq, q); !equalSites(got, want) || len(want) < 2 {
		t.Fatalf("sites of %s: %d, want %d (several)", q, len(got), len(want))
	}
	if got, more := ix.Sites(q, 1); len(got) != 1 || !more {
		t.Errorf("capped at 1: %d sites, more %v", len(got), more)
	}
	t.Logf("%d queries checked", n)
}

// TestSitesOnBothStrandsOfARepeat: a sequence holding a query once on
// each strand and once more on the top strand gives three sites, in
// top-strand order.
func TestSitesOnBothStrandsOfARepeat(t *testing.T) {
	q := "ACGTTGCAAGGCTTAC"
	rc := restriction.ReverseComplement(q)
	seq := []byte("GG" + q + "TTTT" + rc + "CC" + q + "A")
	got, _ := NewIndex(seq).Sites([]byte(q), 10)
	want := []Site{{3, 18, "+"}, {23, 38, "-"}, {41, 56, "+"}}
	if !equalSites(got, want) {
		t.Fatalf("sites %v, want %v", got, want)
	}
}

// TestSitesRequests: the slot's answers and its errors, each naming the
// field and the rule; the index is built once for all calls.
func TestSitesRequests(t *testing.T) {
	index, builds = NewIndex(lambda(t)), 1
	resp, err := sites([]byte(`{"sequences": ["TCCGTGGTGGCACAGAGTAC", "TGGATCATTCCCGAGCGCTG"]}`))
	if err != nil {
		t.Fatal(err)
	}
	var r SitesResponse
	if err := json.Unmarshal(resp, &r); err != nil {
		t.Fatal(err)
	}
	if r.K != K || r.Length != 48502 || len(r.Results) != 2 ||
		!equalSites(r.Results[0].Sites, []Site{{20001, 20020, "+"}}) || !equalSites(r.Results[1].Sites, []Site{{20994, 21013, "-"}}) {
		t.Fatalf("answer %s", resp)
	}
	for _, tc := range []struct{ req, want string }{
		{`{"sequences": []}`, "sequences: 0, want 1 to 1024"},
		{`{"sequences": ["ACGT"]}`, "sequences[0]: length 4 nt, want 12 to 64"},
		{`{"sequences": ["TCCGTGGTGGCACAGAGTAC", "ACGTNACGTACGT"]}`, "sequences[1]: letter 'N' at position 5"},
		{`{"sequences": ["` + strings.Repeat("A", 65) + `"]}`, "length 65 nt"},
		{`{"sequence": "ACGT"}`, `unknown field "sequence"`},
		{`{"sequences": [` + strings.Repeat(`"ACGTACGTACGTA",`, 1024) + `"ACGTACGTACGTA"]}`, "sequences: 1025"},
		{strings.Repeat(" ", MaxRequest+1), "more than 65536"},
	} {
		if _, err := sites([]byte(tc.req)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.60s: %v, want %q", tc.req, err, tc.want)
		}
	}
	b, err := info(nil)
	var in Info
	if err != nil || json.Unmarshal(b, &in) != nil || in.Builds != 1 || in.Entries != 2*(48502-K+1) {
		t.Errorf("info %s %v", b, err)
	}
}

// FuzzSitesRequest: any request is an answer or an error, never a panic,
// and every site answered is an exact occurrence of its query.
func FuzzSitesRequest(f *testing.F) {
	seq := lambda(f)
	index, builds = NewIndex(seq), 1
	f.Add([]byte(`{"sequences": ["TCCGTGGTGGCACAGAGTAC"]}`))
	f.Add([]byte(`{"sequences": ["AAAAAAAAAAAA", "CGCTCAGCGGGA"]}`))
	f.Add([]byte(`{"sequences": null}`))
	f.Fuzz(func(t *testing.T, req []byte) {
		resp, err := sites(req)
		if err != nil {
			return
		}
		var r SitesResponse
		if err := json.Unmarshal(resp, &r); err != nil {
			t.Fatal(err)
		}
		for _, res := range r.Results {
			for _, s := range res.Sites {
				want := res.Sequence
				if s.Strand == "-" {
					want = restriction.ReverseComplement(want)
				}
				if string(seq[s.Start-1:s.End]) != want {
					t.Fatalf("site %+v of %s is not an occurrence", s, res.Sequence)
				}
			}
		}
	})
}

// BenchmarkNewIndex: building the index of λ (both strands), on the host.
func BenchmarkNewIndex(b *testing.B) {
	seq := lambda(b)
	for b.Loop() {
		NewIndex(seq)
	}
}

// BenchmarkSites: the sites of one 20-nt primer, on the host.
func BenchmarkSites(b *testing.B) {
	ix := NewIndex(lambda(b))
	q := []byte("TCCGTGGTGGCACAGAGTAC")
	for b.Loop() {
		ix.Sites(q, MaxSites)
	}
}

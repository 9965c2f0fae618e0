package main

import (
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = "../data/lambda_virus.fa"

// readLambda returns the λ record.
func readLambda(tb testing.TB) fastaRecord {
	tb.Helper()
	f, err := os.Open(lambdaPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rec, err := readFASTA(f, 0)
	if err != nil {
		tb.Fatalf("%s: %v", lambdaPath, err)
	}
	return rec
}

// mustEnzymes parses a comma-separated list of enzyme names.
func mustEnzymes(tb testing.TB, names string) []enzyme {
	tb.Helper()
	enzs, err := parseEnzymes(names)
	if err != nil {
		tb.Fatal(err)
	}
	return enzs
}

// positions returns the cut positions.
func positions(cuts []cut) []int {
	var out []int
	for _, c := range cuts {
		out = append(out, c.position)
	}
	return out
}

// lengths returns the fragment lengths in start order.
func lengths(frags []fragment) []int {
	var out []int
	for _, f := range frags {
		out = append(out, f.length)
	}
	return out
}

// checkTiling fails unless frags cover a molecule of length bp exactly once,
// in start order, each with a consistent length.
func checkTiling(t *testing.T, frags []fragment, length int, topo topology) {
	t.Helper()
	if len(frags) == 0 {
		t.Fatalf("no fragments")
	}
	sum := 0
	for i, f := range frags {
		want := f.end - f.start + 1
		if f.end < f.start {
			if topo == linear {
				t.Fatalf("fragment %d %+v crosses the origin of a linear molecule", i, f)
			}
			want = length - f.start + 1 + f.end
		}
		if f.length != want || f.length < 1 || f.start < 1 || f.start > length || f.end < 1 || f.end > length {
			t.Fatalf("fragment %d %+v: bad coordinates for %d bp", i, f, length)
		}
		if i > 0 && frags[i-1].start >= f.start {
			t.Fatalf("fragments %d and %d out of start order", i-1, i)
		}
		next := frags[(i+1)%len(frags)]
		if i+1 < len(frags) || topo == circular {
			if next.start != f.end%length+1 {
				t.Fatalf("fragment %d %+v is not followed by the next base: %+v", i, f, next)
			}
		}
		sum += f.length
	}
	if sum != length {
		t.Fatalf("fragment lengths sum to %d bp, want %d", sum, length)
	}
	if topo == linear && (frags[0].start != 1 || frags[len(frags)-1].end != length) {
		t.Fatalf("linear fragments run %d..%d, want 1..%d", frags[0].start, frags[len(frags)-1].end, length)
	}
}

// TestLambda digests phage λ. The EcoRI fragments are the commercial
// λ/EcoRI marker (21226, 7421, 5804, 5643, 4878, 3530 bp); the BamHI sites at
// 5505, 22346, 27972, 34499 and 41732 are those of NEB's λ map, and every
// expectation here also agrees with the naive reference scan.
func TestLambda(t *testing.T) {
	rec := readLambda(t)
	if len(rec.seq) != 48502 || rec.id != "gi|9626243|ref|NC_001416.1|" {
		t.Fatalf("λ = %q, %d bp; want NC_001416.1, 48502 bp", rec.id, len(rec.seq))
	}
	tests := []struct {
		name       string
		enzymes    string
		topo       topology
		wantCuts   []int
		wantSizes  []int
		wantLastFr fragment
	}{
		{"EcoRI linear", "EcoRI", linear,
			[]int{21226, 26104, 31747, 39168, 44972},
			[]int{21226, 4878, 5643, 7421, 5804, 3530},
			fragment{44973, 48502, 3530}},
		{"BamHI linear", "BamHI", linear,
			[]int{5505, 22346, 27972, 34499, 41732},
			[]int{5505, 16841, 5626, 6527, 7233, 6770},
			fragment{41733, 48502, 6770}},
		{"EcoRI circular", "EcoRI", circular,
			[]int{21226, 26104, 31747, 39168, 44972},
			[]int{4878, 5643, 7421, 5804, 3530 + 21226},
			fragment{44973, 21226, 24756}},
		{"EcoRI and BamHI", "EcoRI,BamHI", linear,
			[]int{5505, 21226, 22346, 26104, 27972, 31747, 34499, 39168, 41732, 44972},
			[]int{5505, 15721, 1120, 3758, 1868, 3775, 2752, 4669, 2564, 3240, 3530},
			fragment{44973, 48502, 3530}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enzs := mustEnzymes(t, tt.enzymes)
			cuts := findCuts(rec.seq, enzs, tt.topo)
			frags := fragments(cuts, len(rec.seq), tt.topo)
			if got := positions(cuts); !slices.Equal(got, tt.wantCuts) {
				t.Errorf("cuts = %v, want %v", got, tt.wantCuts)
			}
			if got := lengths(frags); !slices.Equal(got, tt.wantSizes) {
				t.Errorf("fragment sizes = %v, want %v", got, tt.wantSizes)
			}
			if got := frags[len(frags)-1]; got != tt.wantLastFr {
				t.Errorf("last fragment = %+v, want %+v", got, tt.wantLastFr)
			}
			checkTiling(t, frags, len(rec.seq), tt.topo)
		})
	}
}

// TestLambdaEveryEnzyme checks every enzyme of the table on λ, both
// topologies, against the naive reference.
func TestLambdaEveryEnzyme(t *testing.T) {
	rec := readLambda(t)
	for _, e := range enzymes {
		for _, topo := range []topology{linear, circular} {
			enzs := []enzyme{e}
			got := findCuts(rec.seq, enzs, topo)
			want := refCuts(rec.seq, enzs, topo)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v: %d cuts %v..., reference %d cuts %v...", e.name, topo,
					len(got), positions(got)[:min(5, len(got))], len(want), positions(want)[:min(5, len(want))])
			}
		}
	}
}

// TestDigestSynthetic covers the rules on sequences small enough to check
// by hand.
func TestDigestSynthetic(t *testing.T) {
	type cutWant struct {
		position int
		enzymes  []string
	}
	tests := []struct {
		name      string
		seq       string
		enzymes   string
		topo      topology
		wantCuts  []cutWant
		wantFrags []fragment
	}{
		{"HincII GTYRAC as GTCGAC", "AAGTCGACAA", "HincII", linear,
			[]cutWant{{5, []string{"HincII"}}}, []fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII GTYRAC as GTTAAC", "AAGTTAACAA", "HincII", linear,
			[]cutWant{{5, []string{"HincII"}}}, []fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII: A is not Y", "AAGTAAACAA", "HincII", linear,
			nil, []fragment{{1, 10, 10}}},
		{"HincII: sequence Y and R match certainly", "AAGTYRACAA", "HincII", linear,
			[]cutWant{{5, []string{"HincII"}}}, []fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII: sequence N is not Y", "AAGTNRACAA", "HincII", linear,
			nil, []fragment{{1, 10, 10}}},
		{"AvaI CYCGRG as CTCGAG", "TTCTCGAGTT", "AvaI", linear,
			[]cutWant{{3, []string{"AvaI"}}}, []fragment{{1, 3, 3}, {4, 10, 7}}},
		{"AvaI CYCGRG as CCCGGG", "TTCCCGGGTT", "AvaI", linear,
			[]cutWant{{3, []string{"AvaI"}}}, []fragment{{1, 3, 3}, {4, 10, 7}}},
		{"AvaI: A is not Y", "TTCACGAGTT", "AvaI", linear,
			nil, []fragment{{1, 10, 10}}},
		{"HinfI GANTC", "AAGAATCAA", "HinfI", linear,
			[]cutWant{{3, []string{"HinfI"}}}, []fragment{{1, 3, 3}, {4, 9, 6}}},
		{"HinfI: sequence N matches site N", "AAGANTCAA", "HinfI", linear,
			[]cutWant{{3, []string{"HinfI"}}}, []fragment{{1, 3, 3}, {4, 9, 6}}},
		{"HinfI: sequence N is not A", "AAGNATCAA", "HinfI", linear,
			nil, []fragment{{1, 9, 9}}},
		// GGTCTC at 2..7 (0-based); the top strand is cut 1 base past it.
		{"BsaI top strand", "AAGGTCTCAAAAAA", "BsaI", linear,
			[]cutWant{{9, []string{"BsaI"}}}, []fragment{{1, 9, 9}, {10, 14, 5}}},
		// GAGACC at 10..15 is GGTCTC on the bottom strand, read leftwards;
		// the enzyme cuts our top strand 5 bases past it: at 10+6-11 = 5.
		{"BsaI bottom strand", "AAAAAAAAAAGAGACCAA", "BsaI", linear,
			[]cutWant{{5, []string{"BsaI"}}}, []fragment{{1, 5, 5}, {6, 18, 13}}},
		{"BsaI bottom strand, cut before the start", "AAAAGAGACCAA", "BsaI", linear,
			nil, []fragment{{1, 12, 12}}},
		{"BsaI bottom strand, cut wraps on a circle", "GAGACCAAAAAAAAAA", "BsaI", circular,
			[]cutWant{{11, []string{"BsaI"}}}, []fragment{{12, 11, 16}}},
		{"EcoRI across the origin", "ATTCAAAAAAGA", "EcoRI", circular,
			[]cutWant{{11, []string{"EcoRI"}}}, []fragment{{12, 11, 12}}},
		{"EcoRI across the origin, linear", "ATTCAAAAAAGA", "EcoRI", linear,
			nil, []fragment{{1, 12, 12}}},
		{"EcoRI cutting at the origin", "AATTCAAAAAAG", "EcoRI", circular,
			[]cutWant{{0, []string{"EcoRI"}}}, []fragment{{1, 12, 12}}},
		{"two cuts on a circle, one at the origin", "AATTCAAGAATTCAAAAG", "EcoRI", circular,
			[]cutWant{{0, []string{"EcoRI"}}, {8, []string{"EcoRI"}}}, []fragment{{1, 8, 8}, {9, 18, 10}}},
		{"two cuts on a circle", "AAGAATTCAAGAATTCAA", "EcoRI", circular,
			[]cutWant{{3, []string{"EcoRI"}}, {11, []string{"EcoRI"}}}, []fragment{{4, 11, 8}, {12, 3, 10}}},
		{"coincident cuts merged", "AAGGATCCAA", "MboI,BamHI", linear,
			[]cutWant{{3, []string{"MboI", "BamHI"}}}, []fragment{{1, 3, 3}, {4, 10, 7}}},
		{"isoschizomers merged", "AAGATCAA", "Sau3AI,DpnII,MboI", linear,
			[]cutWant{{2, []string{"Sau3AI", "DpnII", "MboI"}}}, []fragment{{1, 2, 2}, {3, 8, 6}}},
		{"no cuts", "ACGTACGT", "EcoRI,BamHI", linear,
			nil, []fragment{{1, 8, 8}}},
		{"no cuts, circular", "ACGTACGT", "EcoRI", circular,
			nil, []fragment{{1, 8, 8}}},
		{"cut after the first base", "GAATTCAAAA", "EcoRI", linear,
			[]cutWant{{1, []string{"EcoRI"}}}, []fragment{{1, 1, 1}, {2, 10, 9}}},
		{"cut before the last base", "AAAAGAATTC", "EcoRI", linear,
			[]cutWant{{5, []string{"EcoRI"}}}, []fragment{{1, 5, 5}, {6, 10, 5}}},
		{"cut at the start is dropped", "GATCAAAA", "DpnII", linear,
			nil, []fragment{{1, 8, 8}}},
		{"cut at the end is dropped", "AAAACATG", "NlaIII", linear,
			nil, []fragment{{1, 8, 8}}},
		{"cut at the start of a circle kept", "GATCAAAA", "DpnII", circular,
			[]cutWant{{0, []string{"DpnII"}}}, []fragment{{1, 8, 8}}},
		{"3' overhang enzyme", "AACTGCAGAA", "PstI", linear,
			[]cutWant{{7, []string{"PstI"}}}, []fragment{{1, 7, 7}, {8, 10, 3}}},
		{"adjacent sites", "GAATTCGAATTC", "EcoRI", linear,
			[]cutWant{{1, []string{"EcoRI"}}, {7, []string{"EcoRI"}}}, []fragment{{1, 1, 1}, {2, 7, 6}, {8, 12, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enzs := mustEnzymes(t, tt.enzymes)
			seq := []byte(tt.seq)
			cuts := findCuts(seq, enzs, tt.topo)
			var got []cutWant
			for _, c := range cuts {
				var names []string
				for _, e := range c.enzymes {
					names = append(names, enzs[e].name)
				}
				got = append(got, cutWant{c.position, names})
			}
			if !reflect.DeepEqual(got, tt.wantCuts) {
				t.Errorf("cuts = %v, want %v", got, tt.wantCuts)
			}
			frags := fragments(cuts, len(seq), tt.topo)
			if !slices.Equal(frags, tt.wantFrags) {
				t.Errorf("fragments = %v, want %v", frags, tt.wantFrags)
			}
			checkTiling(t, frags, len(seq), tt.topo)
			if ref := refCuts(seq, enzs, tt.topo); !reflect.DeepEqual(cuts, ref) {
				t.Errorf("cuts = %v, reference %v", cuts, ref)
			}
		})
	}
}

// randomSequence returns n bases, mostly A, C, G and T with some ambiguity
// codes, and with copies of the enzymes' sites planted in it so that long
// sites match too.
func randomSequence(r *rand.Rand, n int, enzs []enzyme) []byte {
	seq := make([]byte, n)
	for i := range seq {
		if r.IntN(10) == 0 {
			seq[i] = canonicalCodes[r.IntN(len(canonicalCodes))]
		} else {
			seq[i] = "ACGT"[r.IntN(4)]
		}
	}
	for range r.IntN(4) {
		e := enzs[r.IntN(len(enzs))]
		site := e.site
		if r.IntN(2) == 0 {
			site = reverseComplement(site)
		}
		at := r.IntN(n)
		for j := range len(site) {
			c := site[j]
			if c == 'N' || r.IntN(2) == 0 {
				// Resolve an ambiguity code to one of its bases.
				bases := refBases[c]
				c = bases[r.IntN(len(bases))]
			}
			seq[(at+j)%n] = c
		}
	}
	return seq
}

// TestDigestMatchesReference compares findCuts and fragments with the
// naive reference on random sequences and enzyme sets.
func TestDigestMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var enzs []enzyme
		for range 1 + r.IntN(12) {
			enzs = append(enzs, enzymes[r.IntN(len(enzymes))])
		}
		seq := randomSequence(r, 1+r.IntN(300), enzs)
		for _, topo := range []topology{linear, circular} {
			cuts := findCuts(seq, enzs, topo)
			if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
				t.Fatalf("case %d %v %s:\ncuts      %v\nreference %v", i, topo, seq, cuts, want)
			}
			frags := fragments(cuts, len(seq), topo)
			if want := refFragments(cuts, len(seq), topo); !slices.Equal(frags, want) {
				t.Fatalf("case %d %v %s:\nfragments %v\nreference %v", i, topo, seq, frags, want)
			}
			checkTiling(t, frags, len(seq), topo)
		}
	}
}

// TestDigestEveryCutPlace plants each enzyme's site at every offset of a
// short sequence, on both strands and both topologies, to reach the cuts
// that fall at, before or past the ends.
func TestDigestEveryCutPlace(t *testing.T) {
	for _, e := range enzymes {
		enzs := []enzyme{e}
		for _, site := range []string{e.site, reverseComplement(e.site)} {
			site = strings.ReplaceAll(site, "N", "A")
			for n := len(site); n <= len(site)+24; n += 3 {
				for at := range n {
					seq := []byte(strings.Repeat("T", n))
					for j := range len(site) {
						seq[(at+j)%n] = site[j]
					}
					for _, topo := range []topology{linear, circular} {
						cuts := findCuts(seq, enzs, topo)
						if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
							t.Fatalf("%s in %s %v: cuts %v, reference %v", e.name, seq, topo, cuts, want)
						}
					}
				}
			}
		}
	}
}

func FuzzDigest(f *testing.F) {
	f.Add([]byte("AAGAATTCAAGGATCC"), uint8(0), uint8(12), false)
	f.Add([]byte("ATTCAAAAAAGA"), uint8(31), uint8(31), true)
	f.Add([]byte{0xff, 0xf0, 0x01, 0x02, 0x03}, uint8(19), uint8(20), true)
	f.Fuzz(func(t *testing.T, data []byte, e1, e2 uint8, circ bool) {
		if len(data) == 0 || len(data) > 4096 {
			return
		}
		// Most bytes give one of A, C, G, T; those from 0xF0 an ambiguity
		// code, so that sites and ambiguity both turn up.
		seq := make([]byte, len(data))
		for i, b := range data {
			if b >= 0xF0 {
				seq[i] = "RYSWKMBDHVN"[int(b-0xF0)%11]
			} else {
				seq[i] = "ACGT"[b&3]
			}
		}
		enzs := []enzyme{enzymes[int(e1)%len(enzymes)], enzymes[int(e2)%len(enzymes)]}
		topo := linear
		if circ {
			topo = circular
		}
		cuts := findCuts(seq, enzs, topo)
		frags := fragments(cuts, len(seq), topo)
		checkTiling(t, frags, len(seq), topo)
		if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
			t.Fatalf("%s %v %s,%s: cuts %v, reference %v", seq, topo, enzs[0].name, enzs[1].name, cuts, want)
		}
	})
}

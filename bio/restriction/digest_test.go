package restriction

import (
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = "../../examples/data/lambda_virus.fa"

// readLambda returns the λ record.
func readLambda(tb testing.TB) Record {
	tb.Helper()
	f, err := os.Open(lambdaPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rec, err := ReadFASTA(f, 0)
	if err != nil {
		tb.Fatalf("%s: %v", lambdaPath, err)
	}
	return rec
}

// mustEnzymes parses a comma-separated list of Enzyme names.
func mustEnzymes(tb testing.TB, names string) []Enzyme {
	tb.Helper()
	var enzs []Enzyme
	for _, name := range strings.Split(names, ",") {
		e, ok := Lookup(name)
		if !ok {
			tb.Fatalf("unknown enzyme %q", name)
		}
		enzs = append(enzs, e)
	}
	return enzs
}

// positions returns the cut positions.
func positions(cuts []Cut) []int {
	var out []int
	for _, c := range cuts {
		out = append(out, c.Position)
	}
	return out
}

// lengths returns the fragment lengths in start order.
func lengths(frags []Fragment) []int {
	var out []int
	for _, f := range frags {
		out = append(out, f.Length)
	}
	return out
}

// checkTiling fails unless frags cover a molecule of length bp exactly once,
// in start order, each with a consistent length.
func checkTiling(t *testing.T, frags []Fragment, length int, topo Topology) {
	t.Helper()
	if len(frags) == 0 {
		t.Fatalf("no fragments")
	}
	sum := 0
	for i, f := range frags {
		want := f.End - f.Start + 1
		if f.End < f.Start {
			if topo == Linear {
				t.Fatalf("fragment %d %+v crosses the origin of a linear molecule", i, f)
			}
			want = length - f.Start + 1 + f.End
		}
		if f.Length != want || f.Length < 1 || f.Start < 1 || f.Start > length || f.End < 1 || f.End > length {
			t.Fatalf("fragment %d %+v: bad coordinates for %d bp", i, f, length)
		}
		if i > 0 && frags[i-1].Start >= f.Start {
			t.Fatalf("fragments %d and %d out of start order", i-1, i)
		}
		next := frags[(i+1)%len(frags)]
		if i+1 < len(frags) || topo == Circular {
			if next.Start != f.End%length+1 {
				t.Fatalf("fragment %d %+v is not followed by the next base: %+v", i, f, next)
			}
		}
		sum += f.Length
	}
	if sum != length {
		t.Fatalf("fragment lengths sum to %d bp, want %d", sum, length)
	}
	if topo == Linear && (frags[0].Start != 1 || frags[len(frags)-1].End != length) {
		t.Fatalf("linear fragments run %d..%d, want 1..%d", frags[0].Start, frags[len(frags)-1].End, length)
	}
}

// TestLambda digests phage λ. The EcoRI fragments are the commercial
// λ/EcoRI marker (21226, 7421, 5804, 5643, 4878, 3530 bp); the BamHI sites at
// 5505, 22346, 27972, 34499 and 41732 are those of NEB's λ map, and every
// expectation here also agrees with the naive reference scan.
func TestLambda(t *testing.T) {
	rec := readLambda(t)
	if len(rec.Seq) != 48502 || rec.ID != "gi|9626243|ref|NC_001416.1|" {
		t.Fatalf("λ = %q, %d bp; want NC_001416.1, 48502 bp", rec.ID, len(rec.Seq))
	}
	tests := []struct {
		name       string
		enzymes    string
		topo       Topology
		wantCuts   []int
		wantSizes  []int
		wantLastFr Fragment
	}{
		{"EcoRI linear", "EcoRI", Linear,
			[]int{21226, 26104, 31747, 39168, 44972},
			[]int{21226, 4878, 5643, 7421, 5804, 3530},
			Fragment{44973, 48502, 3530}},
		{"BamHI linear", "BamHI", Linear,
			[]int{5505, 22346, 27972, 34499, 41732},
			[]int{5505, 16841, 5626, 6527, 7233, 6770},
			Fragment{41733, 48502, 6770}},
		{"EcoRI circular", "EcoRI", Circular,
			[]int{21226, 26104, 31747, 39168, 44972},
			[]int{4878, 5643, 7421, 5804, 3530 + 21226},
			Fragment{44973, 21226, 24756}},
		{"EcoRI and BamHI", "EcoRI,BamHI", Linear,
			[]int{5505, 21226, 22346, 26104, 27972, 31747, 34499, 39168, 41732, 44972},
			[]int{5505, 15721, 1120, 3758, 1868, 3775, 2752, 4669, 2564, 3240, 3530},
			Fragment{44973, 48502, 3530}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enzs := mustEnzymes(t, tt.enzymes)
			cuts := FindCuts(rec.Seq, enzs, tt.topo)
			frags := Fragments(cuts, len(rec.Seq), tt.topo)
			if got := positions(cuts); !slices.Equal(got, tt.wantCuts) {
				t.Errorf("cuts = %v, want %v", got, tt.wantCuts)
			}
			if got := lengths(frags); !slices.Equal(got, tt.wantSizes) {
				t.Errorf("fragment sizes = %v, want %v", got, tt.wantSizes)
			}
			if got := frags[len(frags)-1]; got != tt.wantLastFr {
				t.Errorf("last fragment = %+v, want %+v", got, tt.wantLastFr)
			}
			checkTiling(t, frags, len(rec.Seq), tt.topo)
		})
	}
}

// TestLambdaEveryEnzyme checks every Enzyme of the table on λ, both
// topologies, against the naive reference.
func TestLambdaEveryEnzyme(t *testing.T) {
	rec := readLambda(t)
	for _, e := range table {
		for _, topo := range []Topology{Linear, Circular} {
			enzs := []Enzyme{e}
			got := FindCuts(rec.Seq, enzs, topo)
			want := refCuts(rec.Seq, enzs, topo)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %v: %d cuts %v..., reference %d cuts %v...", e.Name, topo,
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
		topo      Topology
		wantCuts  []cutWant
		wantFrags []Fragment
	}{
		{"HincII GTYRAC as GTCGAC", "AAGTCGACAA", "HincII", Linear,
			[]cutWant{{5, []string{"HincII"}}}, []Fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII GTYRAC as GTTAAC", "AAGTTAACAA", "HincII", Linear,
			[]cutWant{{5, []string{"HincII"}}}, []Fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII: A is not Y", "AAGTAAACAA", "HincII", Linear,
			nil, []Fragment{{1, 10, 10}}},
		{"HincII: sequence Y and R match certainly", "AAGTYRACAA", "HincII", Linear,
			[]cutWant{{5, []string{"HincII"}}}, []Fragment{{1, 5, 5}, {6, 10, 5}}},
		{"HincII: sequence N is not Y", "AAGTNRACAA", "HincII", Linear,
			nil, []Fragment{{1, 10, 10}}},
		{"AvaI CYCGRG as CTCGAG", "TTCTCGAGTT", "AvaI", Linear,
			[]cutWant{{3, []string{"AvaI"}}}, []Fragment{{1, 3, 3}, {4, 10, 7}}},
		{"AvaI CYCGRG as CCCGGG", "TTCCCGGGTT", "AvaI", Linear,
			[]cutWant{{3, []string{"AvaI"}}}, []Fragment{{1, 3, 3}, {4, 10, 7}}},
		{"AvaI: A is not Y", "TTCACGAGTT", "AvaI", Linear,
			nil, []Fragment{{1, 10, 10}}},
		{"HinfI GANTC", "AAGAATCAA", "HinfI", Linear,
			[]cutWant{{3, []string{"HinfI"}}}, []Fragment{{1, 3, 3}, {4, 9, 6}}},
		{"HinfI: sequence N matches site N", "AAGANTCAA", "HinfI", Linear,
			[]cutWant{{3, []string{"HinfI"}}}, []Fragment{{1, 3, 3}, {4, 9, 6}}},
		{"HinfI: sequence N is not A", "AAGNATCAA", "HinfI", Linear,
			nil, []Fragment{{1, 9, 9}}},
		// GGTCTC at 2..7 (0-based); the top strand is cut 1 base past it.
		{"BsaI top strand", "AAGGTCTCAAAAAA", "BsaI", Linear,
			[]cutWant{{9, []string{"BsaI"}}}, []Fragment{{1, 9, 9}, {10, 14, 5}}},
		// GAGACC at 10..15 is GGTCTC on the bottom strand, read leftwards;
		// the Enzyme cuts our top strand 5 bases past it: at 10+6-11 = 5.
		{"BsaI bottom strand", "AAAAAAAAAAGAGACCAA", "BsaI", Linear,
			[]cutWant{{5, []string{"BsaI"}}}, []Fragment{{1, 5, 5}, {6, 18, 13}}},
		{"BsaI bottom strand, cut before the start", "AAAAGAGACCAA", "BsaI", Linear,
			nil, []Fragment{{1, 12, 12}}},
		{"BsaI bottom strand, cut wraps on a circle", "GAGACCAAAAAAAAAA", "BsaI", Circular,
			[]cutWant{{11, []string{"BsaI"}}}, []Fragment{{12, 11, 16}}},
		{"EcoRI across the origin", "ATTCAAAAAAGA", "EcoRI", Circular,
			[]cutWant{{11, []string{"EcoRI"}}}, []Fragment{{12, 11, 12}}},
		{"EcoRI across the origin, linear", "ATTCAAAAAAGA", "EcoRI", Linear,
			nil, []Fragment{{1, 12, 12}}},
		{"EcoRI cutting at the origin", "AATTCAAAAAAG", "EcoRI", Circular,
			[]cutWant{{0, []string{"EcoRI"}}}, []Fragment{{1, 12, 12}}},
		{"two cuts on a circle, one at the origin", "AATTCAAGAATTCAAAAG", "EcoRI", Circular,
			[]cutWant{{0, []string{"EcoRI"}}, {8, []string{"EcoRI"}}}, []Fragment{{1, 8, 8}, {9, 18, 10}}},
		{"two cuts on a circle", "AAGAATTCAAGAATTCAA", "EcoRI", Circular,
			[]cutWant{{3, []string{"EcoRI"}}, {11, []string{"EcoRI"}}}, []Fragment{{4, 11, 8}, {12, 3, 10}}},
		{"coincident cuts merged", "AAGGATCCAA", "MboI,BamHI", Linear,
			[]cutWant{{3, []string{"MboI", "BamHI"}}}, []Fragment{{1, 3, 3}, {4, 10, 7}}},
		{"isoschizomers merged", "AAGATCAA", "Sau3AI,DpnII,MboI", Linear,
			[]cutWant{{2, []string{"Sau3AI", "DpnII", "MboI"}}}, []Fragment{{1, 2, 2}, {3, 8, 6}}},
		{"no cuts", "ACGTACGT", "EcoRI,BamHI", Linear,
			nil, []Fragment{{1, 8, 8}}},
		{"no cuts, circular", "ACGTACGT", "EcoRI", Circular,
			nil, []Fragment{{1, 8, 8}}},
		{"cut after the first base", "GAATTCAAAA", "EcoRI", Linear,
			[]cutWant{{1, []string{"EcoRI"}}}, []Fragment{{1, 1, 1}, {2, 10, 9}}},
		{"cut before the last base", "AAAAGAATTC", "EcoRI", Linear,
			[]cutWant{{5, []string{"EcoRI"}}}, []Fragment{{1, 5, 5}, {6, 10, 5}}},
		{"cut at the start is dropped", "GATCAAAA", "DpnII", Linear,
			nil, []Fragment{{1, 8, 8}}},
		{"cut at the end is dropped", "AAAACATG", "NlaIII", Linear,
			nil, []Fragment{{1, 8, 8}}},
		{"cut at the start of a circle kept", "GATCAAAA", "DpnII", Circular,
			[]cutWant{{0, []string{"DpnII"}}}, []Fragment{{1, 8, 8}}},
		{"3' overhang Enzyme", "AACTGCAGAA", "PstI", Linear,
			[]cutWant{{7, []string{"PstI"}}}, []Fragment{{1, 7, 7}, {8, 10, 3}}},
		{"adjacent sites", "GAATTCGAATTC", "EcoRI", Linear,
			[]cutWant{{1, []string{"EcoRI"}}, {7, []string{"EcoRI"}}}, []Fragment{{1, 1, 1}, {2, 7, 6}, {8, 12, 5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enzs := mustEnzymes(t, tt.enzymes)
			seq := []byte(tt.seq)
			cuts := FindCuts(seq, enzs, tt.topo)
			var got []cutWant
			for _, c := range cuts {
				var names []string
				for _, e := range c.Enzymes {
					names = append(names, enzs[e].Name)
				}
				got = append(got, cutWant{c.Position, names})
			}
			if !reflect.DeepEqual(got, tt.wantCuts) {
				t.Errorf("cuts = %v, want %v", got, tt.wantCuts)
			}
			frags := Fragments(cuts, len(seq), tt.topo)
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
func randomSequence(r *rand.Rand, n int, enzs []Enzyme) []byte {
	seq := make([]byte, n)
	for i := range seq {
		if r.IntN(10) == 0 {
			seq[i] = CanonicalCodes[r.IntN(len(CanonicalCodes))]
		} else {
			seq[i] = "ACGT"[r.IntN(4)]
		}
	}
	for range r.IntN(4) {
		e := enzs[r.IntN(len(enzs))]
		site := e.Site
		if r.IntN(2) == 0 {
			site = ReverseComplement(site)
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

// TestDigestMatchesReference compares FindCuts and fragments with the
// naive reference on random sequences and Enzyme sets.
func TestDigestMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		var enzs []Enzyme
		for range 1 + r.IntN(12) {
			enzs = append(enzs, table[r.IntN(len(table))])
		}
		seq := randomSequence(r, 1+r.IntN(300), enzs)
		for _, topo := range []Topology{Linear, Circular} {
			cuts := FindCuts(seq, enzs, topo)
			if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
				t.Fatalf("case %d %v %s:\ncuts      %v\nreference %v", i, topo, seq, cuts, want)
			}
			frags := Fragments(cuts, len(seq), topo)
			if want := refFragments(cuts, len(seq), topo); !slices.Equal(frags, want) {
				t.Fatalf("case %d %v %s:\nfragments %v\nreference %v", i, topo, seq, frags, want)
			}
			checkTiling(t, frags, len(seq), topo)
		}
	}
}

// TestDigestEveryCutPlace plants each Enzyme's site at every offset of a
// short sequence, on both strands and both topologies, to reach the cuts
// that fall at, before or past the ends.
func TestDigestEveryCutPlace(t *testing.T) {
	for _, e := range table {
		enzs := []Enzyme{e}
		for _, site := range []string{e.Site, ReverseComplement(e.Site)} {
			site = strings.ReplaceAll(site, "N", "A")
			for n := len(site); n <= len(site)+24; n += 3 {
				for at := range n {
					seq := []byte(strings.Repeat("T", n))
					for j := range len(site) {
						seq[(at+j)%n] = site[j]
					}
					for _, topo := range []Topology{Linear, Circular} {
						cuts := FindCuts(seq, enzs, topo)
						if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
							t.Fatalf("%s in %s %v: cuts %v, reference %v", e.Name, seq, topo, cuts, want)
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
		enzs := []Enzyme{table[int(e1)%len(table)], table[int(e2)%len(table)]}
		topo := Linear
		if circ {
			topo = Circular
		}
		cuts := FindCuts(seq, enzs, topo)
		frags := Fragments(cuts, len(seq), topo)
		checkTiling(t, frags, len(seq), topo)
		if want := refCuts(seq, enzs, topo); !reflect.DeepEqual(cuts, want) {
			t.Fatalf("%s %v %s,%s: cuts %v, reference %v", seq, topo, enzs[0].Name, enzs[1].Name, cuts, want)
		}
	})
}

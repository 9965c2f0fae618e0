package restriction

import (
	"slices"
	"strings"
)

// An Enzyme is a Type II restriction enzyme: a recognition site and where it
// cuts the two strands.
//
// Cut positions are counted in bp from the first base of the site on the top
// strand, as in NEB's notation: Top is the number of top-strand bases 5' of
// the top-strand cut, and Bottom the number of top-strand bases 5' of the
// bottom-strand cut. EcoRI, G^AATTC, cuts at Top 1, Bottom 5; BsaI,
// GGTCTC(1/5), cuts 1 and 5 bases past its 6 bp site, at Top 7, Bottom 11.
// A negative or past-the-site value means a cut outside the site.
type Enzyme struct {
	Name     string // canonical REBASE name, e.g. "EcoRI"
	Site     string // recognition site, top strand 5'→3', canonical IUPAC codes (CanonicalCodes)
	Top      int    // top-strand cut, bp from the site's first base
	Bottom   int    // bottom-strand cut, same coordinates
	Notation string // the catalog notation the offsets come from, e.g. "G^AATTC"
}

// table is the table of enzymes the package knows, sorted by name.
//
// Source: REBASE, the Restriction Enzyme Database (rebase.neb.com), as
// printed in the New England Biolabs catalog; notation is NEB's: "^" marks
// the cut in a palindromic site, "(a/b)" gives the top and bottom cuts a and
// b bases past the 3' end of a non-palindromic site. Every row was checked
// against the REBASE data distributed with Biopython (Bio.Restriction, REBASE
// emboss files version 711). The table is never written.
var table = [...]Enzyme{
	{"AatII", "GACGTC", 5, 1, "GACGT^C"},
	{"AccI", "GTMKAC", 2, 4, "GT^MKAC"},
	{"AcuI", "CTGAAG", 22, 20, "CTGAAG(16/14)"},
	{"AfeI", "AGCGCT", 3, 3, "AGC^GCT"},
	{"AflII", "CTTAAG", 1, 5, "C^TTAAG"},
	{"AgeI", "ACCGGT", 1, 5, "A^CCGGT"},
	{"AluI", "AGCT", 2, 2, "AG^CT"},
	{"ApaI", "GGGCCC", 5, 1, "GGGCC^C"},
	{"ApaLI", "GTGCAC", 1, 5, "G^TGCAC"},
	{"AscI", "GGCGCGCC", 2, 6, "GG^CGCGCC"},
	{"AvaI", "CYCGRG", 1, 5, "C^YCGRG"},
	{"AvrII", "CCTAGG", 1, 5, "C^CTAGG"},
	{"BamHI", "GGATCC", 1, 5, "G^GATCC"},
	{"BanI", "GGYRCC", 1, 5, "G^GYRCC"},
	{"BanII", "GRGCYC", 5, 1, "GRGCY^C"},
	{"BbsI", "GAAGAC", 8, 12, "GAAGAC(2/6)"},
	{"BclI", "TGATCA", 1, 5, "T^GATCA"},
	{"BglI", "GCCNNNNNGGC", 7, 4, "GCCNNNN^NGGC"},
	{"BglII", "AGATCT", 1, 5, "A^GATCT"},
	{"BsaI", "GGTCTC", 7, 11, "GGTCTC(1/5)"},
	{"BsmBI", "CGTCTC", 7, 11, "CGTCTC(1/5)"},
	{"BsmI", "GAATGC", 7, 5, "GAATGC(1/-1)"},
	{"BspHI", "TCATGA", 1, 5, "T^CATGA"},
	{"BsrGI", "TGTACA", 1, 5, "T^GTACA"},
	{"BstEII", "GGTNACC", 1, 6, "G^GTNACC"},
	{"Bsu36I", "CCTNAGG", 2, 5, "CC^TNAGG"},
	{"ClaI", "ATCGAT", 2, 4, "AT^CGAT"},
	{"DpnII", "GATC", 0, 4, "^GATC"},
	{"DraI", "TTTAAA", 3, 3, "TTT^AAA"},
	{"EagI", "CGGCCG", 1, 5, "C^GGCCG"},
	{"EarI", "CTCTTC", 7, 10, "CTCTTC(1/4)"},
	{"EcoRI", "GAATTC", 1, 5, "G^AATTC"},
	{"EcoRV", "GATATC", 3, 3, "GAT^ATC"},
	{"FokI", "GGATG", 14, 18, "GGATG(9/13)"},
	{"HaeIII", "GGCC", 2, 2, "GG^CC"},
	{"HhaI", "GCGC", 3, 1, "GCG^C"},
	{"HincII", "GTYRAC", 3, 3, "GTY^RAC"},
	{"HindIII", "AAGCTT", 1, 5, "A^AGCTT"},
	{"HinfI", "GANTC", 1, 4, "G^ANTC"},
	{"HpaI", "GTTAAC", 3, 3, "GTT^AAC"},
	{"HpaII", "CCGG", 1, 3, "C^CGG"},
	{"KpnI", "GGTACC", 5, 1, "GGTAC^C"},
	{"MboI", "GATC", 0, 4, "^GATC"},
	{"MboII", "GAAGA", 13, 12, "GAAGA(8/7)"},
	{"MluI", "ACGCGT", 1, 5, "A^CGCGT"},
	{"MseI", "TTAA", 1, 3, "T^TAA"},
	{"MspI", "CCGG", 1, 3, "C^CGG"},
	{"NcoI", "CCATGG", 1, 5, "C^CATGG"},
	{"NdeI", "CATATG", 2, 4, "CA^TATG"},
	{"NheI", "GCTAGC", 1, 5, "G^CTAGC"},
	{"NlaIII", "CATG", 4, 0, "CATG^"},
	{"NotI", "GCGGCCGC", 2, 6, "GC^GGCCGC"},
	{"NruI", "TCGCGA", 3, 3, "TCG^CGA"},
	{"NsiI", "ATGCAT", 5, 1, "ATGCA^T"},
	{"PacI", "TTAATTAA", 5, 3, "TTAAT^TAA"},
	{"PmeI", "GTTTAAAC", 4, 4, "GTTT^AAAC"},
	{"PstI", "CTGCAG", 5, 1, "CTGCA^G"},
	{"PvuI", "CGATCG", 4, 2, "CGAT^CG"},
	{"PvuII", "CAGCTG", 3, 3, "CAG^CTG"},
	{"RsaI", "GTAC", 2, 2, "GT^AC"},
	{"SacI", "GAGCTC", 5, 1, "GAGCT^C"},
	{"SacII", "CCGCGG", 4, 2, "CCGC^GG"},
	{"SalI", "GTCGAC", 1, 5, "G^TCGAC"},
	{"SapI", "GCTCTTC", 8, 11, "GCTCTTC(1/4)"},
	{"Sau3AI", "GATC", 0, 4, "^GATC"},
	{"ScaI", "AGTACT", 3, 3, "AGT^ACT"},
	{"SfiI", "GGCCNNNNNGGCC", 8, 5, "GGCCNNNN^NGGCC"},
	{"SmaI", "CCCGGG", 3, 3, "CCC^GGG"},
	{"SpeI", "ACTAGT", 1, 5, "A^CTAGT"},
	{"SphI", "GCATGC", 5, 1, "GCATG^C"},
	{"SspI", "AATATT", 3, 3, "AAT^ATT"},
	{"StuI", "AGGCCT", 3, 3, "AGG^CCT"},
	{"StyI", "CCWWGG", 1, 5, "C^CWWGG"},
	{"SwaI", "ATTTAAAT", 4, 4, "ATTT^AAAT"},
	{"TaqI", "TCGA", 1, 3, "T^CGA"},
	{"XbaI", "TCTAGA", 1, 5, "T^CTAGA"},
	{"XhoI", "CTCGAG", 1, 5, "C^TCGAG"},
	{"XmaI", "CCCGGG", 1, 5, "C^CCGGG"},
	{"XmnI", "GAANNNNTTC", 5, 5, "GAANN^NNTTC"},
}

// Enzymes returns a copy of the table of known enzymes, sorted by name
// (ignoring case).
func Enzymes() []Enzyme {
	return slices.Clone(table[:])
}

// Palindromic reports whether e's site reads the same on both strands. Such a
// site is searched once: in the table its cuts are symmetric (Top + Bottom =
// site length), so a match on the other strand would cut at the same place.
func (e Enzyme) Palindromic() bool {
	return ReverseComplement(e.Site) == e.Site
}

// Lookup finds an enzyme of the table by name, ignoring case; ok is false
// when no enzyme has that name.
func Lookup(name string) (e Enzyme, ok bool) {
	for _, e := range table {
		if strings.EqualFold(e.Name, name) {
			return e, true
		}
	}
	return Enzyme{}, false
}

// Closest returns up to three names of the table within edit distance 2 of
// name, ignoring case, closest first and then in table order; none when no
// name is that close. It serves to suggest a name for a misspelt one.
func Closest(name string) []string {
	type candidate struct {
		name string
		dist int
	}
	var cands []candidate
	for _, e := range table {
		if d := editDistance(strings.ToLower(name), strings.ToLower(e.Name)); d <= 2 {
			cands = append(cands, candidate{e.Name, d})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int { return a.dist - b.dist })
	var out []string
	for i := 0; i < len(cands) && i < 3; i++ {
		out = append(out, cands[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

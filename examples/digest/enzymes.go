package main

import (
	"fmt"
	"slices"
	"strings"
)

// An enzyme is a Type II restriction enzyme: a recognition site and where it
// cuts the two strands.
//
// Cut positions are counted in bp from the first base of the site on the top
// strand, as in NEB's notation: top is the number of top-strand bases 5' of
// the top-strand cut, and bottom the number of top-strand bases 5' of the
// bottom-strand cut. EcoRI, G^AATTC, cuts at top 1, bottom 5; BsaI,
// GGTCTC(1/5), cuts 1 and 5 bases past its 6 bp site, at top 7, bottom 11.
// A negative or past-the-site value means a cut outside the site.
type enzyme struct {
	name     string // canonical REBASE name, e.g. "EcoRI"
	site     string // recognition site, top strand 5'→3', canonical IUPAC codes
	top      int    // top-strand cut, bp from the site's first base
	bottom   int    // bottom-strand cut, same coordinates
	notation string // the catalog notation the offsets come from
}

// enzymes is the table of enzymes the program knows, sorted by name.
//
// Source: REBASE, the Restriction Enzyme Database (rebase.neb.com), as
// printed in the New England Biolabs catalog; notation is NEB's: "^" marks
// the cut in a palindromic site, "(a/b)" gives the top and bottom cuts a and
// b bases past the 3' end of a non-palindromic site. Every row was checked
// against the REBASE data distributed with Biopython (Bio.Restriction, REBASE
// emboss files version 711). The table is never written.
var enzymes = [...]enzyme{
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

// palindromic reports whether e's site reads the same on both strands. Such a
// site is searched once: in the table its cuts are symmetric (top + bottom =
// site length), so a match on the other strand would cut at the same place.
func (e enzyme) palindromic() bool {
	return reverseComplement(e.site) == e.site
}

// lookupEnzyme finds an enzyme by name, ignoring case.
func lookupEnzyme(name string) (enzyme, bool) {
	for _, e := range enzymes {
		if strings.EqualFold(e.name, name) {
			return e, true
		}
	}
	return enzyme{}, false
}

// parseEnzymes parses the ENZYMES parameter: comma-separated names matched
// without regard to case, with the white space around each name trimmed. A
// name given twice counts once. The result keeps canonical names in the
// order first given. It is an error for the list to be empty, to hold an
// empty name, or to name an enzyme not in the table; the error for unknown
// names lists them all, each with the closest known names.
func parseEnzymes(value string) ([]enzyme, error) {
	if strings.TrimSpace(value) == "" {
		return nil, fmt.Errorf("ENZYMES is required: a comma-separated list of enzyme names, e.g. ENZYMES=EcoRI,BamHI")
	}
	var out []enzyme
	var unknown []string
	for i, field := range strings.Split(value, ",") {
		name := strings.TrimSpace(field)
		if name == "" {
			return nil, fmt.Errorf("ENZYMES %q: name %d is empty", value, i+1)
		}
		e, ok := lookupEnzyme(name)
		if !ok {
			unknown = append(unknown, unknownEnzyme(name))
			continue
		}
		if !slices.ContainsFunc(out, func(o enzyme) bool { return o.name == e.name }) {
			out = append(out, e)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("ENZYMES: %s", strings.Join(unknown, "; "))
	}
	return out, nil
}

// unknownEnzyme describes an unknown name with its closest known names, or
// with the whole table when none is close.
func unknownEnzyme(name string) string {
	if near := closestEnzymes(name); len(near) > 0 {
		return fmt.Sprintf("unknown enzyme %q (closest known: %s)", name, strings.Join(near, ", "))
	}
	all := make([]string, len(enzymes))
	for i, e := range enzymes {
		all[i] = e.name
	}
	return fmt.Sprintf("unknown enzyme %q (known: %s)", name, strings.Join(all, ", "))
}

// closestEnzymes returns up to three known names within edit distance 2 of
// name, ignoring case, closest first and then in table order.
func closestEnzymes(name string) []string {
	type candidate struct {
		name string
		dist int
	}
	var cands []candidate
	for _, e := range enzymes {
		if d := editDistance(strings.ToLower(name), strings.ToLower(e.name)); d <= 2 {
			cands = append(cands, candidate{e.name, d})
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

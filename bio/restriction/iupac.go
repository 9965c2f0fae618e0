package restriction

// Nucleotide codes follow the IUPAC-IUB recommendations ("Nomenclature for
// incompletely specified bases in nucleic acid sequences", NC-IUB 1985).
// A code stands for a set of bases, written here as a 4-bit mask.
const (
	baseA = 1 << iota
	baseC
	baseG
	baseT
)

// canonicalCode maps every accepted input byte to its canonical code: upper
// case, with U (RNA) read as T. Any other byte maps to 0 and is rejected by
// the FASTA reader. The table is never written.
var canonicalCode = [256]byte{
	'A': 'A', 'C': 'C', 'G': 'G', 'T': 'T', 'U': 'T', 'N': 'N',
	'R': 'R', 'Y': 'Y', 'S': 'S', 'W': 'W', 'K': 'K', 'M': 'M',
	'B': 'B', 'D': 'D', 'H': 'H', 'V': 'V',
	'a': 'A', 'c': 'C', 'g': 'G', 't': 'T', 'u': 'T', 'n': 'N',
	'r': 'R', 'y': 'Y', 's': 'S', 'w': 'W', 'k': 'K', 'm': 'M',
	'b': 'B', 'd': 'D', 'h': 'H', 'v': 'V',
}

// baseSet maps a canonical code to the set of bases it stands for; 0 for any
// other byte. The table is never written.
var baseSet = [256]uint8{
	'A': baseA,
	'C': baseC,
	'G': baseG,
	'T': baseT,
	'R': baseA | baseG,
	'Y': baseC | baseT,
	'S': baseC | baseG,
	'W': baseA | baseT,
	'K': baseG | baseT,
	'M': baseA | baseC,
	'B': baseC | baseG | baseT,
	'D': baseA | baseG | baseT,
	'H': baseA | baseC | baseT,
	'V': baseA | baseC | baseG,
	'N': baseA | baseC | baseG | baseT,
}

// codeOf is the inverse of baseSet: the canonical code of a non-empty set.
const codeOf = "-ACMGRSVTWYHKDBN"

// CanonicalCodes lists the codes a sequence read by ReadFASTA may contain.
const CanonicalCodes = "ACGTRYSWKMBDHVN"

// complementCode returns the code of the complementary set (A↔T, C↔G), so
// R↔Y, K↔M, B↔V, D↔H, and S, W and N are their own complements.
func complementCode(c byte) byte {
	s := baseSet[c]
	var comp uint8
	if s&baseA != 0 {
		comp |= baseT
	}
	if s&baseC != 0 {
		comp |= baseG
	}
	if s&baseG != 0 {
		comp |= baseC
	}
	if s&baseT != 0 {
		comp |= baseA
	}
	return codeOf[comp]
}

// ReverseComplement returns the reverse complement of a string of canonical
// codes: the other strand, read 5'→3'.
func ReverseComplement(s string) string {
	out := make([]byte, len(s))
	for i := range len(s) {
		out[len(s)-1-i] = complementCode(s[i])
	}
	return string(out)
}

// CodeMatches reports whether a sequence code g certainly matches a site code
// s: every base g may stand for is allowed by s. So an N in the sequence
// matches only an N in a site, and an R matches R, D, V or N, never A or G.
func CodeMatches(g, s byte) bool {
	gs := baseSet[g]
	return gs != 0 && gs&^baseSet[s] == 0
}

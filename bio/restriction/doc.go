// Package restriction holds the rules of a restriction digest: the table of
// Type II restriction enzymes (recognition sites and cut positions from
// REBASE), IUPAC nucleotide codes, reading one FASTA record, finding where
// enzymes cut a linear or circular sequence on both strands, and the
// fragments that the cuts leave.
//
// It is the one copy of these rules: the compute example examples/digest
// (a WebAssembly program) imports it, and so does the lab simulator
// (runtime/labsim) for its digest model, so a digest computed by a package
// and one simulated on a bot agree by construction. It lives under bio/, neutral ground below both: it imports
// only the standard library, and it is pure in the sense of internal/purity
// (no clocks, randomness, I/O but an io.Reader given to it, goroutines,
// floating point or map iteration), which TestRestrictionIsPure enforces.
// Its results depend only on its arguments.
//
// # Sequences and sites
//
// Sequences are byte slices of canonical IUPAC codes (CanonicalCodes:
// upper case, U read as T), as ReadFASTA returns them. A site may contain
// ambiguity codes (HinfI G^ANTC, HincII GTY^RAC) and matches every base its
// codes allow. An ambiguity code in the sequence matches a site only where
// every base it may stand for would (CodeMatches): an N in the sequence
// matches an N of a site but never an A, C, G or T, so a reported cut is a
// cut whatever the unknown bases turn out to be. Both strands are searched:
// a site that is its own reverse complement once, any other site also as
// its reverse complement.
//
// # Coordinates
//
// Positions are in bp on the top strand, the strand given. Fragments are
// 1-based and inclusive. A cut at position c is a break between base c and
// base c+1. An enzyme with a staggered cut is reported where it cuts the
// top strand: for a match on the top strand that is its Top cut; for a
// match of a non-palindromic site on the bottom strand, its Bottom cut,
// which then lies on the top strand.
//
// A linear molecule of L bp with k cuts gives k+1 fragments; a cut that
// would fall at or past either end is dropped. A circular molecule with
// k ≥ 1 cuts gives k fragments; sites across the origin are found,
// positions wrap modulo L, a cut at the origin has position 0, and the
// fragment that crosses the origin has Start > End and Length
// L - Start + 1 + End. A circle with no cut is one fragment, 1 to L. Cuts of
// several enzymes at one position are one Cut. Fragments are in order of
// their Start.
package restriction

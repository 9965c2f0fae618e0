// Command digest is the Celltonomy example package "digest": a restriction
// digest of one DNA sequence. It finds where a set of restriction enzymes
// cut the sequence and reports the cut positions and the fragments, with
// their coordinates and sizes, as a gel would show them.
//
// # Running it
//
// digest runs as a package in the wasm sandbox (wasm32-wasip1):
//
//	cell run examples/digest --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI
//
// The module is built with `go generate` in this directory, which writes
// digest.wasm. The same program also builds natively; it then reads
// /inputs and writes /outputs like in the sandbox.
//
// # Input
//
// /inputs/genome is a FASTA file holding exactly one record: a header line
// starting with '>' (the identifier is its first word) and the sequence on
// any number of lines. Sequence letters are IUPAC nucleotide codes, ACGTUN
// and RYSWKMBDHV, in either case; U is read as T. Lines may end in LF or
// CRLF, trailing spaces and tabs are ignored and blank lines are allowed.
// Anything else is an error that names the line: a file without a header,
// a character that is not a nucleotide code (with its column), a second
// record, an empty sequence.
//
// # Parameters
//
// Parameters are environment variables:
//
//	ENZYMES   required. Comma-separated enzyme names, e.g. EcoRI,BamHI.
//	          Names match without regard to case, white space around a name
//	          is ignored, and a name given twice counts once. The output
//	          uses the canonical names in the order first given.
//	TOPOLOGY  linear (the default) or circular, the shape of the molecule.
//
// # Enzymes
//
// The rules below (enzyme table, site search, cuts and fragments, FASTA
// reading) are those of the library package bio/restriction, one copy shared
// with the lab simulator (runtime/labsim); this program holds only the
// package's parameters, files and report.
//
// The program knows 79 Type II enzymes, among them the common cloning
// enzymes and the Type IIS enzymes of Golden Gate assembly (BsaI, BsmBI,
// BbsI, SapI). Their sites and cut positions come from REBASE, the
// Restriction Enzyme Database (rebase.neb.com), written in NEB's notation:
// G^AATTC for EcoRI, GGTCTC(1/5) for BsaI. The table is in
// bio/restriction/enzymes.go.
//
// A site may contain ambiguity codes (HinfI G^ANTC, HincII GTY^RAC) and
// matches every base its codes allow. An ambiguity code in the sequence
// matches a site only where every base it may stand for would: an N in
// the sequence matches an N of a site but never an A, C, G or T, so a
// reported cut is a cut whatever the unknown bases turn out to be.
//
// Both strands are searched. A site that is its own reverse complement is
// searched once; any other site is also searched as its reverse complement.
//
// # Coordinates
//
// Positions are in bp on the top strand, the strand given in the file.
// Fragments are 1-based and inclusive: base 1 is the first base of the
// sequence. A cut at position c is a break between base c and base c+1: a
// fragment ends at base c and the next starts at base c+1. An enzyme whose
// two strands' cuts are staggered (a sticky end) is reported where it cuts
// the top strand: for a match on the top strand that is the site's top cut;
// for a match of a non-palindromic site on the bottom strand, it is the
// enzyme's bottom-strand cut, which then lies on the top strand.
//
// A linear molecule of L bp with k cuts gives k+1 fragments, the first
// starting at 1 and the last ending at L; a cut that would fall at or past
// either end is dropped. A circular molecule with k ≥ 1 cuts gives k
// fragments; sites across the origin are found, positions wrap modulo L,
// a cut at the origin has position 0, and the fragment that crosses the
// origin has start > end and length L - start + 1 + end. A circle with no
// cut is one fragment, 1 to L. Cuts of several enzymes at one position are
// one cut. Fragments are listed in order of their start.
//
// # Outputs
//
// /outputs/fragments.json, for example for phage λ and EcoRI (abridged):
//
//	{
//	  "length": 48502,
//	  "enzymes": ["EcoRI"],
//	  "topology": "linear",
//	  "sequence": "gi|9626243|ref|NC_001416.1|",
//	  "cuts": [{"position": 21226, "enzymes": ["EcoRI"]}, ...],
//	  "fragments": [{"start": 1, "end": 21226, "length": 21226}, ...]
//	}
//
// The file is indented by two spaces and ends in a newline; the same input
// and parameters always give the same bytes. Standard output gets a table
// for people: the sequence, its length, topology, enzymes and number of
// cuts, one row per fragment, and the fragment sizes largest first.
// Diagnostics go to standard error.
//
// # Exit codes
//
//	0  success
//	2  bad parameters: ENZYMES missing or naming an unknown enzyme (the
//	   message lists the closest known names), TOPOLOGY not linear or circular
//	3  bad input: /inputs/genome missing, unreadable or not valid FASTA
//	4  failure writing /outputs/fragments.json or standard output
package main

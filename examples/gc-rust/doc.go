// Package gcrust is the example package "gc-rust": the GC content of one DNA
// sequence, written in Rust (src/main.rs) and built by Debian's rustc for
// the sandbox's wasm32-wasip1 (rustc's target wasm32-wasi). It shows how a
// Rust program becomes a package; it is smaller than the digest, whose
// Rust port is left for later.
//
// The Go package holds only the tests; the package itself is cell.toml and
// the module gc.wasm, built by `go generate` in this directory (see gen.go)
// or `make examples`. The program uses only Rust's standard library: no
// crates, so no network is needed to build it.
//
// # Input
//
// /inputs/genome is one FASTA record, read as examples/digest reads it: a
// '>' header line (the identifier is its first word), then sequence lines of
// IUPAC nucleotide codes (ACGTUN, RYSWKMBDHV) in either case, U read as T;
// LF or CRLF; spaces and tabs at the end of a line ignored; blank lines
// allowed. Errors name the line, and the column of a bad byte.
//
// # Parameters
//
//	WINDOW  optional. A window size in bp (1 to 2^30): the GC content of
//	        each consecutive window is reported too, the last one possibly
//	        shorter.
//
// # Outputs
//
// /outputs/gc.json: the sequence identifier, its length (bp), the counts of
// A, C, G, T and other (ambiguous) codes, the GC content in per mille of all
// bases rounded down (integers only, so every machine writes the same
// bytes), and the windows with their 1-based inclusive start and end. For
// example, for ">toy\nGGCCAT\n" with WINDOW=4:
//
//	{
//	  "sequence": "toy",
//	  "length": 6,
//	  "counts": {"A": 1, "C": 2, "G": 2, "T": 1, "other": 0},
//	  "gc_permille": 666,
//	  "windows": [
//	    {"start": 1, "end": 4, "gc_permille": 1000},
//	    {"start": 5, "end": 6, "gc_permille": 0}
//	  ]
//	}
//
// Standard output gets the same as a table for people; diagnostics go to
// standard error, prefixed "gc: ".
//
// # Exit codes
//
//	0  success
//	2  bad parameters: WINDOW not a whole number from 1 to 2^30
//	3  bad input: /inputs/genome missing or not one valid FASTA record
//	4  failure writing /outputs/gc.json or standard output
package gcrust

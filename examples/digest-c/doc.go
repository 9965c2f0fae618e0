// Package digestc is the example package "digest-c": the restriction digest
// of examples/digest written in C (src/digest.c), built by clang for the
// sandbox's wasm32-wasip1 against wasi-libc. It shows how a C program
// becomes a package, and it is the yardstick of the runtime's speed on
// code from a compiler that is not Go's.
//
// The Go package holds only the tests and benchmarks; the package itself is
// cell.toml and the module digest.wasm, built by `go generate` in this
// directory (see gen.go) or `make examples`.
//
// # Same outputs as examples/digest
//
// The inputs, parameters, outputs and exit codes are those documented in
// examples/digest, and for the same input and parameters the C module writes
// the same bytes as the Go one: fragments.json, the table on stdout, the
// message on stderr, the exit code, hence the same output root
// (TestSameAsGo, TestSameAsGoEveryEnzyme, on the cases of internal/digesttest
// that examples/digest-rust runs too). The enzyme table is not copied:
// src/enzymes.h is generated from bio/restriction's table by gentable.go
// (TestEnzymeHeaderIsFresh). The rules (IUPAC matching, both strands, the
// Shift-And search, cuts and fragments, FASTA reading) are a port of
// bio/restriction.
//
// Where a message quotes text (an unknown enzyme name, a bad character of
// the FASTA file), Go's %q decides which runes are printed as they are and
// which are escaped from Unicode's tables; the C program knows ASCII
// exactly and approximates the rest (see is_print in src/digest.c), so an
// error message about an unusual non-ASCII character can differ. Likewise,
// suggestions for a misspelt name lower-case ASCII letters only.
//
// The C program reads the whole genome into memory at once (Go reads it by
// lines into a copy of the sequence) and searches the sites in the FASTA
// text itself as it parses it, with no copy of the sequence; both are
// bounded by the package's memory limit, and a genome too large for it
// ends the run with the memory-limit outcome in both.
//
// # Native build
//
// The same source builds natively (clang -O2 src/digest.c); it then takes
// the inputs and outputs directories as its two arguments. The benchmarks
// use it as the native reference.
package digestc

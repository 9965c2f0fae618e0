// Package digestrust is the example package "digest-rust": the restriction
// digest of examples/digest written in Rust with the standard library only
// (src/main.rs), built by Debian's rustc for the sandbox's wasm32-wasip1
// (rustc's wasm32-wasi target). It shows how a Rust program becomes a
// package, and it measures the runtime's speed on Rust's code beside C's.
//
// The Go package holds only the tests and benchmarks; the package itself is
// cell.toml and the module digest.wasm, built by `go generate` in this
// directory (see gen.go) or `make examples`.
//
// # Same outputs as examples/digest
//
// The inputs, parameters, outputs and exit codes are those documented in
// examples/digest, and for the same input and parameters the Rust module
// writes the same bytes as the Go one: fragments.json, the table on stdout,
// the message on stderr, the exit code, hence the same output root
// (TestSameAsGo and TestSameAsGoEveryEnzyme, on the cases that
// examples/digest-c's tests use too, from internal/digesttest). The enzyme
// table is not copied: src/enzymes.rs is generated from bio/restriction's
// table by gentable.go (TestEnzymeTableIsFresh). The rules (IUPAC matching,
// both strands, the Shift-And search, cuts and fragments, FASTA reading)
// are a port of bio/restriction, by way of examples/digest-c's C.
//
// The differences from Go are those of the C program. Where a message
// quotes text (an unknown enzyme name, a bad character of the FASTA file),
// Go's %q decides which runes are printed as they are and which are escaped
// from Unicode's tables; the Rust program knows ASCII exactly and
// approximates the rest as digest-c does (is_print in src/main.rs), so an
// error message about an unusual non-ASCII character can differ. Error
// texts of the operating system are the C library's strerror, as Go's on
// wasip1 are. The Rust program reads the whole genome into memory at once
// (Go reads it by lines) and writes the sequence over the text; both are
// bounded by the package's memory limit, and a genome too large for it
// ends the run with the memory-limit outcome in both (Rust aborts when an
// allocation fails, which the sandbox reports as the memory limit).
//
// # Native build
//
// The same source builds natively (/usr/bin/rustc --edition 2021 -O
// src/main.rs); it then takes the inputs and outputs directories as its two
// arguments. BenchmarkDigestWasmVsNative uses it as the native reference,
// and runs digest-c's pair beside it.
package digestrust

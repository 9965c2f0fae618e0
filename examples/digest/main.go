package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// Exit codes; see the package documentation.
const (
	exitOK     = 0 // success
	exitParams = 2 // bad parameters: ENZYMES missing or unknown, bad TOPOLOGY
	exitInput  = 3 // bad input: genome missing, unreadable or not valid FASTA
	exitOutput = 4 // failure writing fragments.json or the table on stdout
)

// Names of the package's files, relative to the inputs and outputs
// directories.
const (
	genomeName    = "genome"
	fragmentsName = "fragments.json"
)

func main() {
	os.Exit(run(os.Getenv, "/inputs", "/outputs", os.Stdout, os.Stderr))
}

// run is the whole program: it reads the parameters with getenv and the
// genome from inputsDir, digests, writes fragments.json into outputsDir and
// the table to stdout, and returns the exit code. Diagnostics go to stderr.
func run(getenv func(string) string, inputsDir, outputsDir string, stdout, stderr io.Writer) int {
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "digest: %v\n", err)
		return code
	}
	enzs, err := parseEnzymes(getenv("ENZYMES"))
	if err != nil {
		return fail(exitParams, err)
	}
	topo, err := parseTopology(getenv("TOPOLOGY"))
	if err != nil {
		return fail(exitParams, err)
	}

	rec, err := readGenome(filepath.Join(inputsDir, genomeName))
	if err != nil {
		return fail(exitInput, err)
	}

	cuts := restriction.FindCuts(rec.Seq, enzs, topo)
	rep := newReport(rec, enzs, topo, cuts, restriction.Fragments(cuts, len(rec.Seq), topo))

	data, err := rep.json()
	if err != nil {
		return fail(exitOutput, fmt.Errorf("encode %s: %w", fragmentsName, err))
	}
	if err := os.WriteFile(filepath.Join(outputsDir, fragmentsName), data, 0o644); err != nil {
		return fail(exitOutput, fmt.Errorf("write output: %w", err))
	}
	if err := rep.writeTable(stdout); err != nil {
		return fail(exitOutput, fmt.Errorf("write table to stdout: %w", err))
	}
	return exitOK
}

// readGenome reads the one FASTA record of the input file at path.
func readGenome(path string) (restriction.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return restriction.Record{}, fmt.Errorf("input %q: %w", genomeName, err)
	}
	defer f.Close()
	var size int64
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
		size = info.Size()
	}
	rec, err := restriction.ReadFASTA(f, size)
	if err != nil {
		return restriction.Record{}, fmt.Errorf("input %q (%s): %w", genomeName, path, err)
	}
	return rec, nil
}

package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// writeLambdaX100 writes into dir a FASTA file named genome that holds one
// record, phage λ repeated 100 times (4,850,200 bp), in 70-column lines, and
// returns its path. dir can then be used as a package's inputs directory.
func writeLambdaX100(tb testing.TB, dir string) string {
	tb.Helper()
	seq := bytes.Repeat(readLambda(tb).seq, 100)
	var buf bytes.Buffer
	buf.WriteString(">lambda_x100 phage lambda NC_001416.1 repeated 100 times\n")
	for i := 0; i < len(seq); i += 70 {
		buf.Write(seq[i:min(i+70, len(seq))])
		buf.WriteByte('\n')
	}
	path := filepath.Join(dir, genomeName)
	if err := os.WriteFile(path, buf.Bytes(), 0o444); err != nil {
		tb.Fatal(err)
	}
	return path
}

// BenchmarkDigestNative runs the whole program natively, reading and
// writing files, on 4.85 Mbp with three enzymes. Bytes are those of the
// input file.
func BenchmarkDigestNative(b *testing.B) {
	in, out := b.TempDir(), b.TempDir()
	info, err := os.Stat(writeLambdaX100(b, in))
	if err != nil {
		b.Fatal(err)
	}
	vars := env(map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII"})
	b.SetBytes(info.Size())
	b.ReportAllocs()
	for b.Loop() {
		if code := run(vars, in, out, io.Discard, io.Discard); code != exitOK {
			b.Fatalf("run = %d", code)
		}
	}
}

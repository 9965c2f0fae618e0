// Package data ships the real input data of the examples as bytes, so
// programs and tests use the same files without reading the disk.
//
// LambdaFASTA is lambda.fa (a symbolic link to lambda_virus.fa, which is
// what is embedded: go:embed does not follow links): Enterobacteria phage λ, complete genome, NCBI
// RefSeq NC_001416.1, 48,502 bp, linear, GC 49.86 %. It is the copy shipped
// as the reference of Debian's bowtie2-examples package
// (/usr/share/doc/bowtie2/examples/reference/lambda_virus.fa.gz).
// Phage λ DNA digests are sold as DNA size markers, so restriction digests
// of this genome have published fragment sizes to check against. This copy
// differs from the commercial λ DNA near position 37,580, so its HindIII
// digest is not the commercial HindIII ladder (shared/data/README.md).
//
// The simulated lab (runtime/labsim, SimlabStock) stocks lambda-dna with
// this sequence; the compute example examples/digest reads it as input.
package data

import _ "embed"

// LambdaFASTA is the bytes of lambda.fa: one FASTA record, a '>' header
// and 48,502 bp of sequence on lines of 70 bases. Callers must not modify it.
//
//go:embed lambda_virus.fa
var LambdaFASTA []byte

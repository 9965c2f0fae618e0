package digestc

import (
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = digesttest.LambdaPath

// toy is the small genome of examples/digest's tests.
const toy = digesttest.Toy

// The two modules: the C program of src/ and the Go package examples/digest.
func cModule(tb testing.TB) []byte  { return wasmbuild.C(tb, ".", "src/digest.c") }
func goModule(tb testing.TB) []byte { return digesttest.GoModule(tb) }

func readFile(tb testing.TB, path string) []byte { return digesttest.ReadFile(tb, path) }

// TestSameAsGo runs the C and the Go module side by side on the cases of
// digesttest.Cases (examples/digest's tests TestRun, TestRunOutputs and
// TestRunLambda, the enzyme set of its benchmark, and more edge cases of
// the parameters, the FASTA reader and the report; examples/digest-rust
// runs the same), and requires identical results and exit codes.
func TestSameAsGo(t *testing.T) {
	digesttest.TestCases(t, "C", cModule(t))
}

// TestSameAsGoEveryEnzyme digests λ with each enzyme of the table alone and
// with all 79 together, linear and circular: the C and Go modules agree.
func TestSameAsGoEveryEnzyme(t *testing.T) {
	digesttest.TestEveryEnzyme(t, "C", cModule(t))
}

// FuzzSameAsGo runs the C and the Go module on arbitrary genomes and
// parameters: they must agree byte for byte (see doc.go for the one known
// difference: how unusual non-ASCII characters are quoted in messages).
func FuzzSameAsGo(f *testing.F) {
	digesttest.Fuzz(f, "C", cModule(f))
}

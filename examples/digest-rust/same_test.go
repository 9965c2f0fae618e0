package digestrust

import (
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
)

// rustModule is the Rust program of src/ built for the sandbox.
func rustModule(tb testing.TB) []byte { return wasmbuild.Rust(tb, ".", "src/main.rs") }

// TestSameAsGo runs the Rust and the Go module side by side on the cases
// digest-c's TestSameAsGo runs (digesttest.Cases: examples/digest's own
// tests, its benchmark's enzyme set, and edge cases of the parameters, the
// FASTA reader and the report), and requires identical results and exit
// codes.
func TestSameAsGo(t *testing.T) {
	digesttest.TestCases(t, "Rust", rustModule(t))
}

// TestSameAsGoEveryEnzyme digests λ with each enzyme of the table alone and
// with all 79 together, linear and circular: the Rust and Go modules agree.
func TestSameAsGoEveryEnzyme(t *testing.T) {
	digesttest.TestEveryEnzyme(t, "Rust", rustModule(t))
}

// FuzzSameAsGo runs the Rust and the Go module on arbitrary genomes and
// parameters: they must agree byte for byte (see doc.go for the one known
// difference: how unusual non-ASCII characters are quoted in messages).
func FuzzSameAsGo(f *testing.F) {
	digesttest.Fuzz(f, "Rust", rustModule(f))
}

// TestHostileInputLimits: the package's limits (memory, stdout, output,
// fuel) bind the Rust module as they bind the Go one; see
// digesttest.HostileInputLimits.
func TestHostileInputLimits(t *testing.T) {
	digesttest.HostileInputLimits(t, rustModule(t))
}

package digestc

import (
	"testing"

	"github.com/celltonomy/celltonomy/internal/digesttest"
)

// TestHostileInputLimits: the package's limits bind the C module as they
// bind the Go one. A genome larger than the memory limit, a table longer
// than the stdout limit, a fragments.json larger than the output limit and
// a fuel budget too small for the search each end the run with that
// limit's outcome, the same on every run; at the stdout limit the module's
// stdout is exactly the first bytes of the full table
// (digesttest.HostileInputLimits, which examples/digest-rust runs too).
func TestHostileInputLimits(t *testing.T) {
	digesttest.HostileInputLimits(t, cModule(t))
}

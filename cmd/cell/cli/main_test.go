package cli

import (
	"os"
	"testing"

	"github.com/celltonomy/celltonomy/internal/testhome"
)

// TestMain gives the tests a home directory of their own: no test reads
// or writes the user's ~/.cell.
func TestMain(m *testing.M) {
	cleanup, err := testhome.Setup()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// Package testhome gives a test binary a home directory of its own, so
// that no test reads or writes the user's ~/.cell (the cell configuration
// file, keys, devnet profiles) or sees the user's CELL_ configuration
// variables, while the go command that tests start keeps the user's
// caches.
//
// It is test support only and must never be imported by production code.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) {
//		cleanup, err := testhome.Setup()
//		if err != nil {
//			panic(err)
//		}
//		code := m.Run()
//		cleanup()
//		os.Exit(code)
//	}
package testhome

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/celltonomy/celltonomy/client/config"
)

// Setup pins the go command's cache, module and configuration locations
// to their current values, points HOME at a new empty directory, and
// unsets the variables of the cell configuration (CELL_HOME, CELL_NODE,
// CELL_KEY, CELL_MINER, CELL_PROFILE). The returned function removes the
// directory. Errors: the go command cannot tell its settings, or the
// directory cannot be made.
func Setup() (cleanup func(), err error) {
	// The go command's settings whose defaults live under HOME.
	goVars := []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOENV"}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	out, err := exec.Command(goBin, append([]string{"env"}, goVars...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("testhome: go env: %w", err)
	}
	values := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(values) != len(goVars) {
		return nil, fmt.Errorf("testhome: go env printed %q", out)
	}
	for i, v := range goVars {
		if err := os.Setenv(v, values[i]); err != nil {
			return nil, err
		}
	}
	home, err := os.MkdirTemp("", "cell-test-home-")
	if err != nil {
		return nil, fmt.Errorf("testhome: %w", err)
	}
	if err := os.Setenv("HOME", home); err != nil {
		return nil, err
	}
	for _, v := range []string{config.EnvHome, config.EnvNode, config.EnvKey, config.EnvMiner, config.EnvProfile} {
		os.Unsetenv(v)
	}
	return func() { os.RemoveAll(home) }, nil
}

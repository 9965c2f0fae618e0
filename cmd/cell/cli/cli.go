// Package cli holds the commands of the cell binary. Each command is a thin
// shell: it parses flags, calls the package that does the work, and prints
// the result, data on stdout and diagnostics on stderr. Every command that
// prints data takes the global --output text|json; JSON output is a stable
// object meant for scripts.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// Output formats of --output.
const (
	outputText = "text"
	outputJSON = "json"
)

// globals are the flags every command shares.
type globals struct {
	home   string
	output string
	stdout io.Writer
	stderr io.Writer
}

// ExitError ends the program with Code after printing nothing more; a
// command returns it to pass on another program's exit code.
type ExitError struct{ Code int }

// Error implements error: "exit code N".
func (e *ExitError) Error() string { return fmt.Sprintf("exit code %d", e.Code) }

// Run executes the command line args and returns the process exit code:
// 0 on success, 1 on an error (printed to stderr), 2 on a usage error, or
// the code a command passes on with ExitError.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	var exit *ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.Code
	case errors.As(err, new(*usageError)):
		fmt.Fprintf(stderr, "cell: %v\nRun 'cell --help' for usage.\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "cell: %v\n", err)
		return 1
	}
}

type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "cell",
		Short: "Celltonomy: order the execution of packages from providers you need not trust",
		Long: `cell is the one binary of Celltonomy, a public, decentralized network where
anyone can order the execution of a package - a deterministic compute service
in WebAssembly, or a lab protocol run by a bot - from providers they need not
trust.

Build a package from a directory with a cell.toml manifest, inspect it, and
run it locally:

  cell package build examples/digest
  cell package inspect digest-1.0.0.cellpkg
  cell run examples/digest --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if g.output != outputText && g.output != outputJSON {
				return &usageError{fmt.Errorf("--output: must be %q or %q, got %q", outputText, outputJSON, g.output)}
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	defaultHome := "~/.cell"
	if h, err := os.UserHomeDir(); err == nil {
		defaultHome = filepath.Join(h, ".cell")
	}
	root.PersistentFlags().StringVar(&g.home, "home", defaultHome, "directory for configuration, keys, caches and chain data")
	root.PersistentFlags().StringVar(&g.output, "output", outputText, "output format of commands that print data: text or json")
	root.AddCommand(newVersionCmd(g), newPackageCmd(g), newRunCmd(g), newOrderCmd(g), newKeysCmd(g),
		newInitCmd(g), newStartCmd(g), newTestnetCmd(g), newStatusCmd(g), newTxCmd(g), newQueryCmd(g), newBenchCmd(g), newNodeCmd(g), newDevnetCmd(g), newDemoCmd(g), newRepCmd(g), newMinerCmd(g))
	return root
}

// json prints v as indented JSON on stdout.
func (g *globals) json(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// cacheDir returns the directory of compiled WebAssembly modules.
func (g *globals) cacheDir() string { return filepath.Join(g.home, "cache", "wasm") }

// exactArgs is cobra.ExactArgs reporting a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

// Package cli holds the commands of the cell binary. Each command is a thin
// shell: it parses flags, calls the package that does the work (one call:
// client, client/order, runtime/batch, devnet, devnet/demo, …), and prints
// the result, data on stdout and diagnostics on stderr. Every command that
// prints data takes the global --output text|json; JSON output is a stable,
// versioned object meant for scripts, by the rules of output.go.
//
// # Files
//
// A command group lives in the file named after its path, the words joined
// by "_": `cell query market …` is query_market.go, `cell tx reputation
// recovery …` is tx_reputation_recovery.go, `cell order …` is order.go. A
// group's small nested groups stay in its file (tx bank and tx staking in
// tx.go); a large group is split by topic as PATH_TOPIC.go
// (tx_market_dispute.go, tx_market_inputs.go). Each command has its own
// constructor, newPATHCmd (newTxMarketBidCmd is `cell tx market bid`). The
// files that are no command: cli.go (the root command and its globals),
// output.go (the JSON rules), flags.go (the --node and --from flags of the
// commands that read or sign) and args.go (arguments and values shared by
// commands).
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/config"
	"github.com/celltonomy/celltonomy/miner"
)

// Output formats of --output.
const (
	outputText = "text"
	outputJSON = "json"
)

// globals are the flags every command shares.
type globals struct {
	// home is --home until a command runs, then the resolved home.
	home    string
	profile string // --profile
	output  string
	stdout  io.Writer
	stderr  io.Writer
	// cfg is the configuration resolved before the command ran
	// (resolveConfig), for the commands that resolve it.
	cfg config.Resolved
}

// ExitError ends the program with Code after printing nothing more; a
// command returns it to pass on another program's exit code.
type ExitError struct{ Code int }

// Error implements error: "exit code N".
func (e *ExitError) Error() string { return fmt.Sprintf("exit code %d", e.Code) }

// Run executes the command line args and returns the process exit code:
// 0 on success, 1 on an error, 2 on a usage error, or the code a command
// passes on with ExitError. An error is printed on stderr, or under
// --output json as the error object on stdout (output.go).
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runIO(ctx, args, nil, stdout, stderr)
}

// runIO is Run with stdin as the commands' standard input (nil: the
// process's).
func runIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	root := newRoot(g)
	if stdin != nil {
		root.SetIn(stdin)
	}
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
		g.printError(err, true)
		return 2
	default:
		g.printError(err, false)
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
			if !needsConfig(cmd) {
				return nil
			}
			return g.applyConfig(cmd)
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().StringVar(&g.home, "home", "", "the cell home: keys, orders, caches and chain data (default: CELL_HOME, else the profile's home, else ~/.cell; see cell config)")
	root.PersistentFlags().StringVar(&g.profile, "profile", "", "use this profile of ~/.cell/config.toml instead of the active one (default: CELL_PROFILE, else the file's)")
	root.PersistentFlags().StringVar(&g.output, "output", outputText, "output format of commands that print data: text or json")
	root.AddCommand(newVersionCmd(g), newPackageCmd(g), newProtocolCmd(g), newRunCmd(g), newOrderCmd(g), newKeysCmd(g),
		newInitCmd(g), newStartCmd(g), newTestnetCmd(g), newStatusCmd(g), newTxCmd(g), newQueryCmd(g), newBenchCmd(g), newNodeCmd(g), newDevnetCmd(g), newDemoCmd(g), newRepCmd(g), newMinerCmd(g),
		newConfigCmd(g), newServiceCmd(g))
	return root
}

// noConfig marks, in a command's Annotations, a command that runs without
// the resolved configuration, so that a broken config file does not stop
// it.
const noConfig = "cell:no-config"

// needsConfig says whether cmd runs with the resolved configuration: every
// command but those marked noConfig (and their subcommands), help and
// completion.
func needsConfig(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if _, ok := c.Annotations[noConfig]; ok || c.Name() == "help" || c.Name() == "completion" {
			return false
		}
	}
	return true
}

// baseDir returns the base directory ~/.cell: the directory of the
// configuration file and the default home.
func baseDir() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join("~", ".cell")
	}
	return config.BaseDir(h)
}

// resolveConfig loads the configuration file and resolves the settings
// for cmd from its flags (--home, --profile and, where cmd has them,
// --node, --from and --miner), the environment, the profile and the
// defaults (package client/config).
func (g *globals) resolveConfig(cmd *cobra.Command) (config.Resolved, *config.File, error) {
	base := baseDir()
	path := config.Path(base)
	f, err := config.Load(path)
	if err != nil {
		return config.Resolved{}, nil, err
	}
	userHome, _ := os.UserHomeDir()
	in := config.Input{Base: base, UserHome: userHome, Profile: g.profile, Getenv: os.Getenv,
		HomeNode: chain.RPCAddress, Defaults: config.Settings{Miner: "http://" + miner.DefaultListen}}
	if fl := cmd.Flags().Lookup("home"); fl != nil && fl.Changed {
		in.Flags.Home = g.home
	}
	for _, k := range []string{config.Node, config.Key, config.Miner, config.Trust} {
		fl := cmd.Flags().Lookup(strings.TrimPrefix(config.Flag(k), "--"))
		if fl == nil {
			continue
		}
		if fl.Changed {
			in.Flags = in.Flags.With(k, fl.Value.String())
		} else if k != config.Node && k != config.Trust {
			// The flag's default is the command's own.
			in.Defaults = in.Defaults.With(k, fl.DefValue)
		}
	}
	r, err := config.Resolve(f, path, in)
	return r, f, err
}

// applyConfig resolves the configuration for cmd and gives its values to
// the home and to the flags --node, --from and --miner that cmd has and
// that were not given.
func (g *globals) applyConfig(cmd *cobra.Command) error {
	r, _, err := g.resolveConfig(cmd)
	if err != nil {
		return err
	}
	g.cfg = r
	g.home = r.Home.Value
	for _, k := range []string{config.Node, config.Key, config.Miner, config.Trust} {
		fl := cmd.Flags().Lookup(strings.TrimPrefix(config.Flag(k), "--"))
		if fl == nil || fl.Changed || r.Get(k).Value == "" {
			continue
		}
		if err := fl.Value.Set(r.Get(k).Value); err != nil {
			return err
		}
	}
	return nil
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

package cli

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

type runFlags struct {
	inputs    []string
	params    []string
	out       string
	seed      string
	memory    string
	timeLimit time.Duration
	botspec   string
}

func newRunCmd(g *globals) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run PACKAGE [--input NAME=FILE]... [--param NAME=VALUE]... [--out DIR]",
		Short: "Run a compute package locally, or a protocol package on the local lab simulator, without any network",
		Long: `Run executes a compute package once on this machine, in the same sandbox a
provider's node uses: the package filesystem read-only at /, each input
read-only at /inputs/NAME, an empty writable /outputs, parameters as
environment variables, fake clocks, a seeded random source, no network.

PACKAGE is a .cellpkg file or a package directory (built in memory).

The run gets the limits a provider's node would give it, all from the package
(or the protocol's defaults): memory, output, stdout, stderr and fuel (loop
iterations). --memory-limit and --time-limit are this machine's ceilings,
as a node's configuration is a node's.

It prints the output root, then the package's stdout; the package's stderr
goes to stderr, followed by a summary with the run's outcome. Outputs are
written to --out DIR (created if missing, must be empty); without --out they
are discarded after the root is computed.

The outcome is how the run ended: "exited" (any exit code), "trap", or a
deterministic limit ("fuel-limit", "memory-limit", "output-limit",
"stdout-limit", "stderr-limit"). Every outcome has an output root, the one a
provider would deliver. When the package exits, cell exits with the package's
exit code; for any other outcome it exits with 125. Running out of wall time
is an error (exit code 1), not an outcome.

A protocol package runs on the lab simulator (runtime/labsim) instead, as a
node with a simulated bot would run it: --param fills its protocol.json
(left-out parameters take their defaults), --botspec names the simulated
bot (default: the simulated lab of examples/botspecs/simlab.json) and
--seed the seed (default: that of an order 0, SHA-256(0 ‖ package id ‖
BotSpec id)). It prints the instruction timeline on the bot clock, the
models' notes, the gel bands and the absorbance reads, and the shipment.
With --out DIR it writes the filled protocol.json, the BotSpec
(botspec.json), the signed event log (eventlog) and the datasets
(datasets/), ready for cell protocol check. The log is signed by a key
derived from the seed: a local run proves what the simulator did, not who
ran it.`,
		Example: `  cell run examples/protocols/lambda-digest-gel --param ENZYME=EcoRI --out gel/
  cell run examples/digest --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI
  cell run digest-1.0.0.cellpkg --input genome=lambda.fa --param ENZYMES=EcoRI,BamHI --param TOPOLOGY=circular --out fragments/`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd, g, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.inputs, "input", "i", nil, "input file as NAME=FILE (repeatable)")
	fl.StringArrayVarP(&f.params, "param", "p", nil, "parameter as NAME=VALUE (repeatable)")
	fl.StringVar(&f.out, "out", "", "directory that receives the outputs")
	fl.StringVar(&f.seed, "seed", "", "random seed, 64 hex digits (default: derived from the package id)")
	fl.StringVar(&f.memory, "memory-limit", "", "most linear memory this machine gives the run, e.g. 256MiB; a package that declares more is refused (default: what the package declares)")
	fl.DurationVar(&f.timeLimit, "time-limit", 0, "longest wall time of the run; running out of it is an error, not an outcome (default 1m)")
	fl.StringVar(&f.botspec, "botspec", "", "protocol packages: the simulated bot's BotSpec JSON file (default: the simulated lab, examples/botspecs/simlab.json)")
	return cmd
}

// exitNotExited is cell's exit code when a run ended with an outcome other
// than exited: a trap or a limit.
const exitNotExited = 125

// runJSON is the JSON shape of `cell run`.
type runJSON struct {
	PackageID  string             `json:"package_id"`
	InputRoot  string             `json:"input_root"`
	OutputRoot string             `json:"output_root"`
	Outcome    outputroot.Outcome `json:"outcome"`
	// Reason says why a run that did not exit ended, e.g. "fuel limit
	// exceeded: limit 1000 loop iterations".
	Reason    string           `json:"reason,omitempty"`
	ExitCode  uint32           `json:"exit_code"`
	Stdout    string           `json:"stdout"`
	Stderr    string           `json:"stderr"`
	OutputDir string           `json:"output_dir,omitempty"`
	Outputs   []outputFileJSON `json:"outputs"`
	Usage     usageJSON        `json:"usage"`
}

type outputFileJSON struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type usageJSON struct {
	MemoryPeakBytes uint64 `json:"memory_peak_bytes"`
	Fuel            int64  `json:"fuel"`
	WallTimeMs      int64  `json:"wall_time_ms"`
	OutputBytes     int64  `json:"output_bytes"`
	Compiled        bool   `json:"compiled"`
}

func runRun(cmd *cobra.Command, g *globals, pkgPath string, f runFlags) error {
	pkg, err := packer.Load(pkgPath, spec.DefaultLimits())
	if err != nil {
		return err
	}
	if pkg.Envelope().GetKind() == specpb.Kind_KIND_PROTOCOL {
		return runProtocol(g, pkg, f)
	}
	if f.botspec != "" {
		return &usageError{fmt.Errorf("--botspec: a compute package runs in the sandbox, not on a bot")}
	}
	l, err := f.local(pkgPath, g.cacheDir())
	if err != nil {
		return err
	}
	res, err := batch.RunLocal(cmd.Context(), l)
	if err != nil {
		if res != nil && len(res.Stderr) > 0 {
			g.stderr.Write(res.Stderr)
		}
		return err
	}
	if g.output == outputJSON {
		if err := g.json("run", runJSONOf(res, f.out)); err != nil {
			return err
		}
	} else {
		printRun(g, res, f.out)
	}
	switch {
	case res.Outcome != outputroot.OutcomeExited:
		return &ExitError{Code: exitNotExited}
	case res.ExitCode != 0:
		return &ExitError{Code: int(min(res.ExitCode, 255))}
	}
	return nil
}

// local turns the flags of `cell run PACKAGE` into a local run; errors
// are usage errors naming the flag.
func (f runFlags) local(pkgPath, cacheDir string) (batch.Local, error) {
	l := batch.Local{Package: pkgPath, OutputDir: f.out, WallTime: f.timeLimit, CacheDir: cacheDir}
	var err error
	if l.Inputs, err = pairs("--input", f.inputs); err != nil {
		return l, err
	}
	if l.Params, err = pairs("--param", f.params); err != nil {
		return l, err
	}
	if f.memory != "" {
		n, err := humanize.ParseBytes(f.memory)
		if err != nil {
			return l, &usageError{fmt.Errorf("--memory-limit: %w", err)}
		}
		l.Memory = int64(min(n, 1<<40))
	}
	if f.seed != "" {
		var seed [32]byte
		b, err := hex.DecodeString(f.seed)
		if err != nil || len(b) != len(seed) {
			return l, &usageError{fmt.Errorf("--seed: must be %d hex digits", 2*len(seed))}
		}
		copy(seed[:], b)
		l.Seed = &seed
	}
	return l, nil
}

func runJSONOf(res *batch.LocalResult, outDir string) runJSON {
	var reason string
	if err := res.Err(); err != nil {
		reason = err.Error()
	}
	v := runJSON{
		PackageID: res.Package.ID().String(), InputRoot: hex.EncodeToString(res.InputRoot[:]), OutputRoot: hex.EncodeToString(res.OutputRoot[:]),
		Outcome: res.Outcome, Reason: reason, ExitCode: res.ExitCode, Stdout: string(res.Stdout), Stderr: string(res.Stderr),
		OutputDir: outDir, Outputs: []outputFileJSON{},
		Usage: usageJSON{
			MemoryPeakBytes: res.Usage.MemoryPeakBytes, Fuel: res.Usage.Fuel, WallTimeMs: res.Usage.WallTime.Milliseconds(),
			OutputBytes: res.Usage.OutputBytes, Compiled: res.Usage.Compiled,
		},
	}
	for _, o := range res.Outputs {
		v.Outputs = append(v.Outputs, outputFileJSON{Path: o.Path, Size: o.Size, SHA256: hex.EncodeToString(o.SHA256[:])})
	}
	return v
}

// printRun prints a run for people: the output root and the package's
// stdout on stdout, its stderr and a summary on stderr.
func printRun(g *globals, res *batch.LocalResult, outDir string) {
	fmt.Fprintf(g.stdout, "output root %x\n", res.OutputRoot)
	g.stdout.Write(res.Stdout)
	g.stderr.Write(res.Stderr)
	var outs []string
	for _, o := range res.Outputs {
		outs = append(outs, fmt.Sprintf("%s (%s)", o.Path, humanize.IBytes(uint64(o.Size))))
	}
	where := "discarded; use --out DIR to keep them"
	if outDir != "" {
		where = "in " + outDir
	}
	ended := fmt.Sprintf("exited with code %d", res.ExitCode)
	if res.Outcome != outputroot.OutcomeExited {
		ended = fmt.Sprintf("ended with outcome %s (%s)", res.Outcome, res.Err())
		where = "not part of the root (the run did not exit)"
	}
	fmt.Fprintf(g.stderr, "cell: package %s %s in %v, fuel %s loop iterations, memory %s; outputs %s: %s\ncell: input root %x\n",
		res.Package.ID().String()[:12], ended, res.Usage.WallTime.Round(time.Millisecond), humanize.Comma(res.Usage.Fuel),
		humanize.IBytes(res.Usage.MemoryPeakBytes), where, orDash(strings.Join(outs, ", ")), res.InputRoot)
}

// pairs parses NAME=VALUE flags into a map; a name given twice is an error.
func pairs(flag string, list []string) (map[string]string, error) {
	m := map[string]string{}
	for _, kv := range list {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &usageError{fmt.Errorf("%s %q: want NAME=VALUE", flag, kv)}
		}
		if _, dup := m[k]; dup {
			return nil, &usageError{fmt.Errorf("%s: %s given twice", flag, k)}
		}
		m[k] = v
	}
	return m, nil
}

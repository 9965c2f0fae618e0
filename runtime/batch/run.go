package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// Executor runs a job: *wasm.Executor, or a test's stand-in.
type Executor interface {
	Run(ctx context.Context, job wasm.Job) (*wasm.Result, error)
}

// Run is the one sequence of a batch run, shared by a provider's node and
// `cell run`: it checks req against p (NewJob), gives the job wallTime
// (the host's limit; zero: the executor's), runs it on ex, and checks that
// the result's output root recomputes from its outcome, exit code,
// stdout, stderr and outputs (outputroot.ComputeOutcome).
//
// A deterministic end of the run (an exit, a trap, a limit of the
// package) is a result, not an error. Errors: NewJob's; the executor's
// (wall time, I/O, a cancelled ctx, ceilings below the package's limits:
// wasm.ErrOverCeiling), returned with the partial result when there is
// one; an output root that does not recompute.
func Run(ctx context.Context, ex Executor, p *spec.Package, req Request, wallTime time.Duration) (*wasm.Result, error) {
	job, err := NewJob(p, req)
	if err != nil {
		return nil, err
	}
	job.Limits.WallTime = wallTime
	res, err := ex.Run(ctx, job)
	if err != nil {
		return res, err
	}
	check, err := outputroot.ComputeOutcome(res.Outcome, res.ExitCode, res.Stdout, res.Stderr, res.Outputs)
	if err != nil {
		return res, fmt.Errorf("output root: %w", err)
	}
	if check != res.OutputRoot {
		return res, fmt.Errorf("output root %x does not recompute (%x)", res.OutputRoot, check)
	}
	return res, nil
}

// Local is a run of a package on this machine, without any network: what
// `cell run` asks.
type Local struct {
	// Package is a .cellpkg file or a package directory (built in memory).
	Package string
	// Inputs maps an input name to the host path of its file; Params are
	// the parameters by name.
	Inputs, Params map[string]string
	// OutputDir receives /outputs; it is created if missing. Empty: a
	// temporary directory, removed after the output root is computed.
	OutputDir string
	// Seed is the random seed; nil: LocalSeed of the package id.
	Seed *[32]byte
	// Memory is this machine's ceiling of linear memory in bytes; a
	// package that declares more is refused (wasm.ErrOverCeiling). Zero:
	// what the package declares.
	Memory int64
	// WallTime is the longest wall time of the run; running out of it is
	// an error, not an outcome. Zero: the executor's default (1 minute).
	WallTime time.Duration
	// CacheDir keeps compiled modules (wasm.Config.WithCacheDir); empty:
	// none.
	CacheDir string
}

// LocalResult is what a local run gives.
type LocalResult struct {
	// Package is the package that ran.
	Package *spec.Package
	// InputRoot is the root of the inputs (inputroot.Files).
	InputRoot [32]byte
	// Result is the run's result (outcome, output root, stdout, stderr,
	// outputs, usage).
	*wasm.Result
}

// RunLocal loads the package of l and runs it as a provider's node would
// (Run), with the package's own limits as this machine's ceilings, so that
// the run ends as it would on the network, unless l.Memory says less.
//
// Errors: the package does not load; NewJob's; Run's errors, wrapped with the package id and, for a limit
// or a ceiling, what stopped the run. On a run error the partial result,
// if any, is returned too (its Stderr may say why).
func RunLocal(ctx context.Context, l Local) (*LocalResult, error) {
	p, err := packer.Load(l.Package, spec.DefaultLimits())
	if err != nil {
		return nil, err
	}
	seed := LocalSeed(p.ID())
	if l.Seed != nil {
		seed = *l.Seed
	}
	outDir := l.OutputDir
	if outDir == "" {
		if outDir, err = os.MkdirTemp("", "cell-run-*"); err != nil {
			return nil, err
		}
		defer os.RemoveAll(outDir)
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	req := Request{Inputs: l.Inputs, Params: l.Params, OutputDir: outDir, Seed: seed}
	if _, err := NewJob(p, req); err != nil {
		return nil, err
	}
	out := &LocalResult{Package: p}
	if out.InputRoot, err = inputroot.Files(l.Inputs); err != nil {
		return nil, err
	}
	ceilings := Limits(p)
	ceilings.WallTime = l.WallTime
	if l.Memory != 0 {
		ceilings.Memory = l.Memory
	}
	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithLimits(ceilings).WithCacheDir(l.CacheDir))
	if err != nil {
		return nil, err
	}
	defer ex.Close(ctx)
	out.Result, err = Run(ctx, ex, p, req, l.WallTime)
	if err != nil {
		var le *wasm.LimitError
		switch {
		case errors.As(err, &le):
			err = fmt.Errorf("run of %s stopped: %w", p.ID(), err)
		case errors.Is(err, wasm.ErrOverCeiling):
			err = fmt.Errorf("run of %s: the package needs more than this machine gives: %w", p.ID(), err)
		default:
			err = fmt.Errorf("run of %s: %w", p.ID(), err)
		}
		if out.Result == nil {
			return nil, err
		}
		return out, err
	}
	return out, nil
}

package wasm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/runtime/wasm/internal/interrupt"
)

// wasiModule is the only module a package may import from.
const wasiModule = wasi_snapshot_preview1.ModuleName

// Executor runs compute packages. It owns one wazero runtime with WASI
// preview 1 and memoizes compiled modules, so it is meant to be long-lived.
// Its methods are safe for concurrent use; runs do not share state.
type Executor struct {
	limits   Limits // with defaults filled in
	cacheDir string // "" when there is no on-disk cache
	runtime  wazero.Runtime
	cache    wazero.CompilationCache
	wasi     map[string]api.FunctionDefinition // WASI functions by name
	cell     map[string]api.FunctionDefinition // gateway host functions by name

	mu        sync.Mutex
	modules   map[[32]byte]*compiled // by SHA-256 of the module bytes
	closed    bool                   // set by Close; later compilations fail
	compiling sync.WaitGroup         // compilations in progress, awaited by Close
}

// ErrClosed is returned by Run and Prepare after Close.
var ErrClosed = errors.New("executor closed")

// compiled is a memoized compilation; ready is closed when it is done.
type compiled struct {
	ready     chan struct{}
	module    wazero.CompiledModule
	minMemory int64 // bytes of linear memory at instantiation
	err       error
}

// Result is what a run produced: how it ended (Outcome), what it wrote
// and its output root. A Result returned with a nil error is deterministic:
// every honest node running the same job gets the same Outcome, ExitCode,
// Stdout, Stderr, Outputs and OutputRoot. When Run returns an error
// together with a Result (the wall time, the caller's context, a host
// failure), only Stdout, Stderr and Usage are filled in.
type Result struct {
	// Outcome is how the run ended: outputroot.OutcomeExited, or a trap or
	// a limit (see "Results and outcomes" in the package documentation).
	Outcome outputroot.Outcome
	// ExitCode is the module's exit code when it exited; 0 is success. A
	// non-zero exit code is a normal result, part of the output root, not
	// an error. It is 0 for the other outcomes.
	ExitCode uint32
	// Stdout and Stderr are what the module wrote, up to their limits;
	// after a limit, what it wrote before it (see the package
	// documentation).
	Stdout, Stderr []byte
	// Outputs are the regular files under /outputs, sorted by path, when
	// the module exited; nil for the other outcomes, whose outputs are
	// incomplete.
	Outputs []outputroot.File
	// OutputRoot is the output root of the run:
	// outputroot.ComputeOutcome(Outcome, ExitCode, Stdout, Stderr, Outputs).
	OutputRoot [32]byte
	// Usage reports the resources the run used.
	Usage Usage

	err error // why a run that did not exit ended
}

// Err returns nil for a run that exited, whatever its exit code, and
// otherwise why it ended: a *TrapError for outputroot.OutcomeTrap, a
// *LimitError matching ErrFuelLimit, ErrMemoryLimit, ErrOutputLimit,
// ErrStdoutLimit or ErrStderrLimit for a limit outcome.
func (r *Result) Err() error {
	switch {
	case r.Outcome == outputroot.OutcomeExited:
		return nil
	case r.err != nil:
		return r.err
	}
	return fmt.Errorf("run ended with outcome %s", r.Outcome)
}

// Usage reports the resources a run used. None of it enters the output
// root: WallTime in particular varies between runs and hosts.
type Usage struct {
	// MemoryPeakBytes is the largest linear memory the module had, in
	// bytes.
	MemoryPeakBytes uint64
	// Fuel is the loop iterations the module executed, as counted against
	// Limits.Fuel: at a fuel limit, the limit itself; at another limit,
	// those executed before it was hit. Like the outcome, it is the same on
	// every machine for a Result returned without an error.
	Fuel int64
	// WallTime is the real time from instantiation to exit.
	WallTime time.Duration
	// OutputBytes is what was charged against the output limit, in bytes
	// (see Limits.Output).
	OutputBytes int64
	// StdoutBytes and StderrBytes are the bytes captured from stdout and
	// stderr.
	StdoutBytes, StderrBytes int64
	// Compiled is true when this run compiled the module, false when the
	// compiled module came from the Executor's memory or its on-disk cache.
	Compiled bool
}

// NewExecutor returns an Executor configured by cfg. It fails if a limit
// in cfg is negative or the cache directory cannot be created or used.
// Close it when done.
func NewExecutor(ctx context.Context, cfg Config) (*Executor, error) {
	if field, err := cfg.limits.check(); err != nil {
		return nil, fmt.Errorf("new executor: config.limits.%s: %w", field, err)
	}
	// Runs are stopped through the interrupt global that compile adds to
	// every module, not WithCloseOnContextDone, which calls into Go at every
	// loop iteration (see RATIONALE.md).
	rc := wazero.NewRuntimeConfig()
	var cache wazero.CompilationCache
	cacheDir := cfg.cacheDir
	if cacheDir != "" {
		var err error
		if cacheDir, err = filepath.Abs(cacheDir); err != nil {
			return nil, fmt.Errorf("new executor: cache dir %s: %w", cfg.cacheDir, err)
		}
		if cache, err = wazero.NewCompilationCacheWithDir(cacheDir); err != nil {
			return nil, fmt.Errorf("new executor: cache dir %s: %w", cacheDir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	r := wazero.NewRuntimeWithConfig(ctx, rc)
	fail := func(err error) (*Executor, error) {
		_ = r.Close(ctx)
		if cache != nil {
			_ = cache.Close(ctx)
		}
		return nil, fmt.Errorf("new executor: %w", err)
	}
	host, err := wasi_snapshot_preview1.NewBuilder(r).Compile(ctx)
	if err != nil {
		return fail(fmt.Errorf("compile wasi: %w", err))
	}
	if _, err := r.InstantiateModule(ctx, host, wazero.NewModuleConfig()); err != nil {
		return fail(fmt.Errorf("instantiate wasi: %w", err))
	}
	cell, err := instantiateGateway(ctx, r)
	if err != nil {
		return fail(err)
	}
	return &Executor{
		limits:   cfg.limits.orDefaults(),
		cacheDir: cacheDir,
		runtime:  r,
		cache:    cache,
		wasi:     host.ExportedFunctions(),
		cell:     cell,
		modules:  make(map[[32]byte]*compiled),
	}, nil
}

// Limits returns the executor's ceilings, with defaults filled in; a zero
// Fuel means no fuel ceiling (see [Limits]).
func (e *Executor) Limits() Limits { return e.limits }

// CheckLimits reports whether a job with the limits l may run on e: it
// returns nil, or a *JobError for the first field of l that is negative
// (e.g. Field "job.limits.memory") or above the executor's ceiling (also
// wrapping ErrOverCeiling). Memory above 4 GiB counts as 4 GiB; WallTime is
// never above the ceiling, since the smaller one applies. A fulfillment
// node calls it with a package's limits (batch.Limits) before it bids; Run
// calls it for every job.
func (e *Executor) CheckLimits(l Limits) error {
	if field, err := l.check(); err != nil {
		return &JobError{Field: "job.limits." + field, Err: err}
	}
	if field, v, ceiling := e.limits.overCeiling(l); field != "" {
		return &JobError{Field: "job.limits." + field, Err: fmt.Errorf("%d is %w (%d)", v, ErrOverCeiling, ceiling)}
	}
	return nil
}

// Close releases the runtime and its compiled modules. Runs still going on
// are ended. The on-disk cache, if any, is kept.
//
// Compilations in progress are awaited first (wazero cannot interrupt
// one), so that none touches the runtime while it is released; Run and
// Prepare return ErrClosed afterwards.
func (e *Executor) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.compiling.Wait()
	err := e.runtime.Close(ctx)
	if e.cache != nil {
		err = errors.Join(err, e.cache.Close(ctx))
	}
	if err != nil {
		return fmt.Errorf("close executor: %w", err)
	}
	return nil
}

// Run runs job to completion and returns its result.
//
// A run that ends deterministically returns a *Result and a nil error,
// whatever its outcome: exited (with any exit code), a trap, or one of the
// deterministic limits (fuel, memory, output, stdout, stderr); Result.Err
// says why a run that did not exit ended. That includes a module whose
// initial memory already exceeds the memory limit (OutcomeMemoryLimit, no
// output written).
//
// It returns a nil *Result and an error for:
//   - an invalid job field, or a job limit above the executor's ceiling: a
//     *JobError naming the field, e.g. "job.inputs[1].name: ..." or
//     "job.limits.memory: ..." (also for an entry that is not in Root:
//     field "job.entry", wrapping fs.ErrNotExist);
//   - a module that does not compile or does not fit WASI preview 1: an
//     error matching ErrModule;
//   - ctx done while compiling, or e closed (ErrClosed).
//
// It returns a partial *Result (Stdout, Stderr, Usage) and an error for
// what depends on the host rather than the job, and so is never an
// outcome:
//   - the wall time ran out first: a *LimitError matching ErrTimeLimit;
//   - ctx done before the run ended: an error wrapping context.Cause(ctx);
//   - outputs that cannot be read back or have no output root (e.g. an
//     invalid file name): an error wrapping the outputroot error.
//
// OutputDir may hold files after any run that started; cleaning it up is
// the caller's business.
func (e *Executor) Run(ctx context.Context, job Job) (*Result, error) {
	if err := job.validate(); err != nil {
		return nil, err
	}
	if err := e.CheckLimits(job.Limits); err != nil {
		return nil, err
	}
	entry, err := job.entryPath()
	if err != nil {
		return nil, err
	}
	limits := e.limits.forJob(job.Limits)

	bin, err := fs.ReadFile(job.Root, entry)
	if err != nil {
		return nil, &JobError{Field: "job.entry", Err: err}
	}
	c, compiledNow, err := e.compile(ctx, bin)
	if err == nil {
		err = e.checkCommand(c.module)
	}
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", job.Entry, err)
	}
	if c.minMemory > limits.Memory {
		res := &Result{
			Outcome: outputroot.OutcomeMemoryLimit,
			Usage:   Usage{Compiled: compiledNow},
			err:     &LimitError{Limit: LimitMemory, Max: limits.Memory, Requested: c.minMemory},
		}
		res.OutputRoot, err = outputroot.ComputeOutcome(res.Outcome, 0, nil, nil, nil)
		return res, err
	}
	return e.run(ctx, &job, c, limits, compiledNow)
}

// Prepare compiles the module at entry in root (as Run would for a job
// with that Root and Entry) and keeps it, so that the first Run of it does
// not pay for compilation: a fulfillment node prepares a package when it
// bids, before the job arrives. It returns whether this call compiled the
// module (false when it was in memory or the on-disk cache), and the
// errors of Run's compilation step.
func (e *Executor) Prepare(ctx context.Context, root fs.FS, entry string) (compiledNow bool, err error) {
	bin, err := fs.ReadFile(root, strings.TrimPrefix(entry, "/"))
	if err != nil {
		return false, &JobError{Field: "job.entry", Err: err}
	}
	_, compiledNow, err = e.compile(ctx, bin)
	if err != nil {
		return false, fmt.Errorf("module %s: %w", entry, err)
	}
	return compiledNow, nil
}

func (e *Executor) run(ctx context.Context, job *Job, c *compiled, limits Limits, compiledNow bool) (*Result, error) {
	// The deterministic limits cancel the run through the tripwire, with
	// their *LimitError as the cause; the wall time is a timeout under it.
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	runCtx, cancelTimeout := context.WithTimeoutCause(runCtx, limits.WallTime,
		&LimitError{Limit: LimitWallTime, Max: int64(limits.WallTime)})
	defer cancelTimeout()

	trip := &tripwire{cancel: cancel}
	mem := &memoryMeter{max: limits.Memory, trip: trip}
	out := &outputMeter{max: limits.Output, trip: trip}
	stdout := &boundedBuffer{limit: LimitStdout, max: limits.Stdout, trip: trip}
	stderr := &boundedBuffer{limit: LimitStderr, max: limits.Stderr, trip: trip}

	clk := &clock{}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(append([]string{job.Entry}, job.Args...)...).
		WithStdout(stdout).
		WithStderr(stderr).
		WithRandSource(rand.NewChaCha8(job.Seed)).
		WithWalltime(clk.walltime, sys.ClockResolution(clockStep)).
		WithNanotime(clk.nanotime, sys.ClockResolution(clockStep)).
		WithNanosleep(clk.nanosleep).
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).
			WithSysFSMount(readOnlyFS{&sysfs.ReadFS{FS: &sysfs.AdaptFS{FS: newRootFS(job.Root, job.Inputs)}}}, "/").(sysfs.FSConfig).
			WithSysFSMount(newOutputFS(job.OutputDir, out), "/outputs"))
	for _, kv := range job.environ() {
		mc = mc.WithEnv(kv[0], kv[1])
	}

	fuel := uint64(limits.Fuel)
	var used uint64 // loop iterations executed
	exhausted := false
	var stopped error // why runCtx ended while the module ran, if it did

	start := time.Now()
	mod, runErr := e.runtime.InstantiateModule(experimental.WithMemoryAllocator(runCtx, mem), c.module, mc.WithStartFunctions())
	if runErr == nil {
		// Any cancellation (a limit, the wall time, the caller's context)
		// stops the module at its next pass through Go.
		stop := mod.ExportedGlobal(interrupt.StopGlobal).(api.MutableGlobal)
		chunk := mod.ExportedGlobal(interrupt.FuelGlobal).(api.MutableGlobal)
		left := mod.ExportedGlobal(interrupt.FuelLeftGlobal).(api.MutableGlobal)
		chunk.Set(0)
		left.Set(fuel)
		trip.fuel = func() uint64 { return interrupt.Used(fuel, int32(uint32(chunk.Get())), left.Get()) }
		release := context.AfterFunc(runCtx, func() { stop.Set(1) })
		// The start function, which Instrument exports instead of letting
		// it run at instantiation, runs first, as it would have.
		if f := mod.ExportedFunction(interrupt.StartExport); f != nil {
			_, runErr = f.Call(runCtx)
		}
		if runErr == nil {
			_, runErr = mod.ExportedFunction("_start").Call(runCtx)
		}
		stopped = context.Cause(runCtx)
		release()
		used, exhausted = trip.fuel(), interrupt.Exhausted(int32(uint32(chunk.Get())), left.Get())
	} else {
		stopped = context.Cause(runCtx)
	}
	wall := time.Since(start)
	cancelTimeout() // a deadline passing from now on did not end the run
	if mod != nil {
		_ = mod.Close(ctx)
	}

	res := &Result{Stdout: stdout.bytes(), Stderr: stderr.bytes()}
	res.Usage = Usage{
		MemoryPeakBytes: uint64(mem.usage()),
		Fuel:            int64(used),
		WallTime:        wall,
		OutputBytes:     out.usage(),
		StdoutBytes:     int64(len(res.Stdout)),
		StderrBytes:     int64(len(res.Stderr)),
		Compiled:        compiledNow,
	}

	// The first deterministic event decides the outcome. A limit the
	// module hit wins over however it ended afterwards (stopped by the
	// host, or exiting after a refused write); running out of fuel is the
	// last thing a module does; a module that ended by itself did so
	// whatever the host's clock or the caller did meanwhile. Only a trap
	// after the host stopped the module for the wall time or the caller is
	// no outcome: the stop caused it.
	var exitErr *sys.ExitError
	switch hit := trip.tripped(); {
	case hit != nil:
		res.Outcome, res.err = hit.outcome(), hit
		res.Usage.Fuel = int64(trip.fuelAtHit())
	case exhausted:
		res.Outcome, res.err = outputroot.OutcomeFuelLimit, &LimitError{Limit: LimitFuel, Max: limits.Fuel}
	case runErr == nil:
		res.Outcome = outputroot.OutcomeExited
	case errors.As(runErr, &exitErr):
		res.Outcome, res.ExitCode = outputroot.OutcomeExited, exitErr.ExitCode()
	case stopped != nil:
		var timeout *LimitError
		if errors.As(stopped, &timeout) {
			return res, timeout
		}
		return res, fmt.Errorf("run %s: %w", job.Entry, stopped)
	default:
		res.Outcome, res.err = outputroot.OutcomeTrap, &TrapError{Err: runErr}
	}

	if res.Outcome == outputroot.OutcomeExited {
		files, err := outputroot.ScanDir(job.OutputDir)
		if err != nil {
			return res, fmt.Errorf("run %s: %w", job.Entry, err)
		}
		res.Outputs = files
	}
	root, err := outputroot.ComputeOutcome(res.Outcome, res.ExitCode, res.Stdout, res.Stderr, res.Outputs)
	if err != nil {
		res.Outputs = nil
		return res, fmt.Errorf("run %s: %w", job.Entry, err)
	}
	res.OutputRoot = root
	return res, nil
}

// compile returns the compiled module for bin, compiling it at most once
// per Executor (concurrent callers wait for the first). compiledNow is true
// when this call compiled it rather than finding it in memory or in the
// on-disk cache. Failures are not memoized, so a cancelled compilation can
// be retried.
func (e *Executor) compile(ctx context.Context, bin []byte) (c *compiled, compiledNow bool, err error) {
	key := sha256.Sum256(bin)
	e.mu.Lock()
	if c, ok := e.modules[key]; ok {
		e.mu.Unlock()
		select {
		case <-c.ready:
		case <-ctx.Done():
			return nil, false, fmt.Errorf("compile: %w", context.Cause(ctx))
		}
		if c.err != nil {
			return nil, false, c.err
		}
		return c, false, nil
	}
	if e.closed {
		e.mu.Unlock()
		return nil, false, ErrClosed
	}
	c = &compiled{ready: make(chan struct{})}
	e.modules[key] = c
	e.compiling.Add(1)
	e.mu.Unlock()
	defer e.compiling.Done()

	compiledNow, c.err = e.compileNow(ctx, bin, c)
	if c.err != nil {
		e.mu.Lock()
		delete(e.modules, key)
		e.mu.Unlock()
	}
	close(c.ready)
	if c.err != nil {
		return nil, false, c.err
	}
	return c, compiledNow, nil
}

func (e *Executor) compileNow(ctx context.Context, bin []byte, c *compiled) (compiledNow bool, err error) {
	before, err := e.cacheEntries()
	if err != nil {
		return false, err
	}
	instrumented, err := interrupt.Instrument(bin)
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrModule, err)
	}
	m, err := e.runtime.CompileModule(ctx, instrumented)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("compile: %w", err)
		}
		return false, fmt.Errorf("compile: %w: %w", ErrModule, err)
	}
	fail := func(err error) (bool, error) {
		_ = m.Close(ctx)
		return false, fmt.Errorf("%w: %w", ErrModule, err)
	}
	if err := e.checkImports(m, true); err != nil {
		return fail(err)
	}
	if c.minMemory, err = initialMemory(bin); err != nil {
		return fail(err)
	}
	c.module = m

	after, err := e.cacheEntries()
	if err != nil {
		return false, err
	}
	return before == nil || len(after) > len(before), nil
}

// checkCommand checks that a compiled module is a WASI command, as Run
// needs: it exports "_start" and imports only WASI preview 1 (the gateway
// host module is for service instances).
func (e *Executor) checkCommand(m wazero.CompiledModule) error {
	if err := e.checkImports(m, false); err != nil {
		return fmt.Errorf("%w: %w", ErrModule, err)
	}
	if start, ok := m.ExportedFunctions()["_start"]; !ok {
		return fmt.Errorf(`%w: no "_start" function exported (not a WASI command)`, ErrModule)
	} else if len(start.ParamTypes()) != 0 || len(start.ResultTypes()) != 0 {
		return fmt.Errorf(`%w: "_start" must take and return nothing`, ErrModule)
	}
	return nil
}

// checkImports accepts only imports of WASI preview 1 functions and, if
// gateway is true, of the gateway host module (abi.HostModule), with the
// signatures this runtime implements.
func (e *Executor) checkImports(m wazero.CompiledModule, gateway bool) error {
	for _, f := range m.ImportedFunctions() {
		mod, name, _ := f.Import()
		host := e.wasi
		switch {
		case mod == abi.HostModule && gateway:
			host = e.cell
		case mod != wasiModule:
			return fmt.Errorf("imports function %s.%s: only %s is available", mod, name, wasiModule)
		}
		w, ok := host[name]
		if !ok {
			return fmt.Errorf("imports unknown function %s.%s", mod, name)
		}
		if !equalTypes(f.ParamTypes(), w.ParamTypes()) || !equalTypes(f.ResultTypes(), w.ResultTypes()) {
			return fmt.Errorf("imports %s.%s with the wrong signature", mod, name)
		}
	}
	for _, mem := range m.ImportedMemories() {
		mod, name, _ := mem.Import()
		return fmt.Errorf("imports memory %s.%s: no memory is provided", mod, name)
	}
	return nil
}

func equalTypes(a, b []api.ValueType) bool { return string(a) == string(b) }

// cacheEntries lists the finished entries of the on-disk compilation cache
// (wazero writes each entry to a temporary file and renames it), or returns
// nil when there is no on-disk cache. Comparing the lists before and after
// a compilation tells whether wazero compiled or loaded the module.
func (e *Executor) cacheEntries() (map[string]bool, error) {
	if e.cacheDir == "" {
		return nil, nil
	}
	entries := map[string]bool{}
	err := filepath.WalkDir(e.cacheDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".tmp") {
			entries[p] = true
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read cache dir: %w", err)
	}
	return entries, nil
}

// readOnlyFS refuses every open for writing with EROFS ("read-only file
// system"), which tells the module more than sysfs.ReadFS's ENOSYS. The other
// writing methods of sysfs.ReadFS already return EROFS.
type readOnlyFS struct{ *sysfs.ReadFS }

// OpenFile implements experimentalsys.FS.
func (r readOnlyFS) OpenFile(path string, flag experimentalsys.Oflag, perm fs.FileMode) (experimentalsys.File, experimentalsys.Errno) {
	if flag&(experimentalsys.O_WRONLY|experimentalsys.O_RDWR|experimentalsys.O_CREAT|experimentalsys.O_TRUNC|experimentalsys.O_APPEND) != 0 {
		if flag&experimentalsys.O_DIRECTORY != 0 {
			return nil, experimentalsys.EISDIR
		}
		return nil, experimentalsys.EROFS
	}
	return r.ReadFS.OpenFile(path, flag, perm)
}

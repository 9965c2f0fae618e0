// Package wasm runs compute packages: deterministic, sandboxed WebAssembly
// programs (WASI preview 1, e.g. Go built with GOOS=wasip1 GOARCH=wasm) in
// batch mode, on the wazero runtime. Two honest nodes that run the same
// package on the same inputs with the same seed get the same output root
// (package outputroot), also when the run ends in a trap or at a limit;
// that is what the market verifies.
//
// # Use
//
//  1. Create one long-lived [Executor] with [NewExecutor] and a [Config]
//     (the host's ceilings, an optional on-disk compilation cache), and
//     Close it at the end.
//  2. For each run, fill in a [Job]: the package filesystem and the path of
//     the module in it, fixed args, input files, parameters, an empty
//     output directory, a seed, and the run's limits (package batch does
//     all of this from a package and an order).
//  3. Call [Executor.Run]. It validates the job, checks its limits against
//     the ceilings, compiles the module (once per Executor, or never again
//     with a warm cache), runs it to the end, scans the output directory
//     and computes the output root. Runs may go on concurrently.
//
// # What the module sees
//
// Filesystem. Three mounts, nothing else of the host:
//
//	/            the package filesystem (Job.Root), read-only
//	/inputs/<n>  each input file (Job.Inputs), read-only; /inputs lists them
//	/outputs     Job.OutputDir, read-write; it starts empty
//
// Opening a read-only file for writing, creating, renaming or removing
// anything outside /outputs fails with EROFS (renaming between / and
// /outputs fails with ENOSYS: nothing moves across mounts). Paths are
// resolved inside
// their mount: "..", also after /inputs or /outputs, never reaches the
// host. In /outputs the module may create, write, rename and remove files
// and directories; links (symbolic or hard) and permission changes are
// refused with EPERM. Metadata is host-independent: every time is the Unix
// epoch, directories list in byte order of names, inode numbers derive
// from the path, directory sizes are 0. Input files are opened on the
// host when the module opens them, not copied into memory.
//
// Arguments. argv[0] is Job.Entry as given, followed by Job.Args.
//
// Environment. Job.Params, sorted by name, and nothing else: no host
// variable leaks in.
//
// Standard streams. stdin is empty. stdout and stderr are captured in
// memory, up to their limits, and returned in [Result].
//
// Clocks. Both clocks are virtual and advance only when the module reads
// or sleeps, never with real time. The monotonic clock reads 0 the first
// time and 1 ms more at each reading; the wall clock reads
// 2022-01-01T00:00:00Z plus the monotonic value; the two share one counter,
// so reading either advances both. Sleeping (poll_oneoff with a clock) returns
// at once and advances the clocks by the requested duration. The reported
// resolution is 1 ms.
//
// Randomness. random_get returns the ChaCha8 stream of math/rand/v2
// (rand.NewChaCha8(Job.Seed).Read; the chacha8rand generator of
// https://c2sp.org/chacha8rand), from its start at each run.
//
// Network. None: no socket is ever opened or preopened, and only functions
// of the wasi_snapshot_preview1 module can be imported.
//
// # Limits
//
// [Limits] bounds each run. Memory, Fuel, Output, Stdout and Stderr are
// deterministic limits: the point at which a module hits one is the same
// on every machine, so hitting one is an outcome of the run, with an
// output root. They belong to the job, not to the host: a Job sets them
// (package batch takes them from the package), and a Config sets the
// host's ceilings. A job limit above the ceiling is refused before the
// module is even compiled (a *JobError naming the field, wrapping
// ErrOverCeiling): lowering it instead would let the host decide the
// outcome. A job field left zero takes the executor's value, which suits
// local runs. The default ceilings, used for every field a Config leaves
// zero, are:
//
//	Memory    512 MiB  linear memory, at 64 KiB page granularity
//	Fuel      none     loop iterations
//	WallTime  60 s     real time from instantiation to exit
//	Output    64 MiB   bytes charged for /outputs
//	Stdout    1 MiB    bytes written to stdout
//	Stderr    1 MiB    bytes written to stderr
//
// Fuel counts loop iterations: every execution of a loop head, the first
// iteration of a loop included, costs one; straight-line code, calls and
// host functions are free. With a fuel of F, the module runs loop heads 1
// to F and is ended at loop head F+1, the same instruction on every
// machine (see internal/interrupt for how). Straight-line code always
// reaches a loop, a return or the end of the program, and recursion is
// bounded by the call stack, so fuel bounds the work of a run.
//
// Output counts every byte passed to a write under /outputs, holes left by
// writing past the end of a file, growth by truncate, and
// OutputEntryBytes (512) for each file or directory created, so that
// millions of empty files hit the limit too.
//
// A memory.grow beyond the memory limit returns -1 to the module; a write
// beyond an output, stdout or stderr limit, or a file or directory
// created beyond the output limit, fails with EIO; either way the run is
// then ended. A module whose initial memory already exceeds the limit is
// not started.
//
// WallTime alone protects the host and never decides an outcome: the
// host's clock is not the same twice. The smaller of the job's and the
// executor's applies, and a run that runs out of it, or whose caller's
// context ends, returns an error.
//
// A run is ended, when a limit is hit, the wall time runs out or the
// caller's context is done, within 16,384 iterations of whatever loop the
// module is in: before compiling, the executor rewrites the module so
// that every loop counts down its fuel and, every 16,384 iterations,
// passes through Go (a safe point for the Go scheduler and garbage
// collector) and checks a stop flag that the executor sets. The module
// then traps. The rewrite adds three globals after the module's own,
// exports them, turns the start section into an export that the executor
// calls right after instantiation, and changes nothing the module can
// observe.
//
// # Results and outcomes
//
// A run that ends deterministically returns a [Result] and a nil error.
// Result.Outcome (an outputroot.Outcome) says how it ended:
//
//	exited        (1) it returned from _start or called proc_exit; the exit
//	              code, any code, is in ExitCode
//	trap          (2) it trapped: unreachable, an out-of-bounds access, a
//	              division by zero, a stack overflow, a failed instantiation
//	fuel-limit    (3) it reached a loop iteration beyond Limits.Fuel
//	memory-limit  (4) its memory would have grown beyond Limits.Memory
//	output-limit  (5) it was charged more than Limits.Output for /outputs
//	stdout-limit  (6) it wrote more than Limits.Stdout bytes to stdout
//	stderr-limit  (7) it wrote more than Limits.Stderr bytes to stderr
//
// Result.Err says why a run that did not exit ended: a [*TrapError], or a
// [*LimitError] matching ErrFuelLimit, ErrMemoryLimit, ErrOutputLimit,
// ErrStdoutLimit or ErrStderrLimit.
//
// For an exited run, Outputs lists the regular files under /outputs and
// OutputRoot is outputroot.Compute over the exit code, stdout, stderr and
// the files. For every other outcome the outputs are incomplete: Outputs
// is nil and OutputRoot is the outcome root over stdout and stderr
// (outputroot.ComputeOutcome).
//
// What stdout and stderr hold at a limit is deterministic too. The first
// limit the module hits, in the module's own order of events, decides the
// outcome; from that moment both streams and /outputs accept nothing more,
// so whatever the module does until it is stopped is dropped. A stream
// that hits its own limit keeps the first Limits.Stdout (or
// Limits.Stderr) bytes written to it: the write that overflows is cut at
// the limit. So, for instance, at a stdout limit of N bytes, Stdout is the
// first N bytes the module wrote and Stderr everything it wrote to stderr
// before those N bytes were exceeded. At the fuel limit, the streams hold
// everything written before loop head F+1. Usage.Fuel is deterministic
// as well (at a limit other than fuel, the iterations before it was hit);
// the rest of Usage is not.
//
// A limit wins over however the module ended afterwards: a Go program
// whose memory.grow fails prints "fatal error: out of memory" and exits
// with code 2, which is dropped, and the outcome is memory-limit.
//
// Errors, by kind:
//   - [*JobError]: an invalid job field, e.g. "job.inputs[1].name: empty
//     name", or a job limit above the ceiling, e.g. "job.limits.memory:
//     1073741824 is above the executor's ceiling (536870912)"; a missing
//     entry module is a JobError for "job.entry" wrapping fs.ErrNotExist.
//     No Result.
//   - [ErrModule]: the module does not compile, imports something other
//     than WASI preview 1 functions, or exports no "_start". No Result.
//   - a [*LimitError] matching ErrTimeLimit: the wall time ran out before
//     the run ended. The Result holds Stdout, Stderr and Usage, but no
//     outcome and no root.
//   - the caller's context ended first: the error wraps
//     context.Cause(ctx). The Result holds Stdout, Stderr and Usage.
//   - host I/O: the output directory cannot be read back (or holds what
//     has no output root). The Result holds Stdout, Stderr and Usage.
//
// # Service instances
//
// A service package's module is a WASI reactor that serves slots (see
// package abi for the ABI, sdk/service for the Go SDK). [Executor.StartService]
// instantiates it once from a [ServiceJob] and calls its _initialize; the
// [Instance] keeps its memory across calls. [Instance.Call] writes a request
// into a buffer from the module's cell_alloc and calls cell_handle(port,
// ptr, len); calls are serialised. The sandbox is the batch one (read-only
// package filesystem at "/", virtual clocks that persist across calls, the
// seeded random source, no network, the memory limit, optionally shared
// with children through a [MemoryPool]), plus a wall-time limit per call
// and size limits on requests and responses. The module reaches the node
// only through the gateway host module "cell" (child_start, child_call,
// child_result, child_stop, net_peers), answered by the job's [Gateway].
//
// A failure that leaves the module in a known state (an undeclared port, a
// message over its limit, the module's error response, a [*ServiceError])
// leaves the instance serving, and so does a caller that gives up (the
// module finishes the call anyway); a trap, a limit, or a call interrupted
// mid-way by its wall time or Stop ends it, since its memory can no longer be trusted: later calls
// fail with ErrInstanceStopped. [Instance.Stop] stops it and returns its
// [ServiceUsage].
//
// # Caching
//
// An Executor compiles a module once and keeps it in memory, keyed by the
// SHA-256 of its bytes. With [Config.WithCacheDir] compiled code is also
// kept on disk, so a new Executor, also in a new process, loads it instead
// of compiling; Usage.Compiled tells which happened.
//
// See RATIONALE.md for why it is built this way.
package wasm

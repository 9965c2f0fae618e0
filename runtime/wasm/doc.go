// Package wasm runs compute packages: deterministic, sandboxed WebAssembly
// programs (WASI preview 1, e.g. Go built with GOOS=wasip1 GOARCH=wasm) in
// batch mode, on the wazero runtime. Two honest nodes that run the same
// package on the same inputs with the same seed get the same output root
// (package outputroot); that is what the market verifies.
//
// # Use
//
//  1. Create one long-lived [Executor] with [NewExecutor] and a [Config]
//     (limits, an optional on-disk compilation cache), and Close it at the
//     end.
//  2. For each run, fill in a [Job]: the package filesystem and the path of
//     the module in it, fixed args, input files, parameters, an empty
//     output directory, a seed, and optionally tighter limits.
//  3. Call [Executor.Run]. It validates the job, compiles the module (once
//     per Executor, or never again with a warm cache), runs it to the end,
//     scans the output directory and computes the output root. Runs may go
//     on concurrently.
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
// [Limits] bounds each run; the defaults, used for every field a Config
// leaves zero, are:
//
//	Memory    512 MiB  linear memory, at 64 KiB page granularity
//	WallTime  60 s     real time from instantiation to exit
//	Output    64 MiB   bytes written under /outputs
//	Stdout    1 MiB    bytes written to stdout
//	Stderr    1 MiB    bytes written to stderr
//
// A Job may only tighten them: for each field it sets, the smaller value
// applies. A memory.grow beyond the memory limit returns -1 to the module,
// and a write beyond an output, stdout or stderr limit fails with EIO;
// either way the run is then ended. A module whose initial memory already
// exceeds the limit is not started.
//
// A run is ended, when a limit is hit or the caller's context is done,
// within 16,384 iterations of whatever loop the module is in: before
// compiling, the executor rewrites the module so that every loop counts
// down a fuel global and, when it runs out, passes through Go (a safe point
// for the Go scheduler and garbage collector) and checks a stop flag that
// the executor sets. The module then traps. The rewrite adds two globals
// after the module's own and changes nothing the module can observe.
//
// # Results and errors
//
// A run that ends by itself, whatever its exit code, returns a [Result]
// with ExitCode, Stdout, Stderr, Outputs (the regular files under
// /outputs) and OutputRoot, computed by outputroot.ScanDir and
// outputroot.Compute on the output directory. A non-zero exit code is not
// an error.
//
// Errors, by kind:
//   - [*JobError]: an invalid job field, e.g. "job.inputs[1].name: empty
//     name"; a missing entry module is a JobError for "job.entry" wrapping
//     fs.ErrNotExist. No Result.
//   - [ErrModule]: the module does not compile, imports something other
//     than WASI preview 1 functions, or exports no "_start". No Result.
//   - [*LimitError]: a limit was exceeded. It matches ErrMemoryLimit,
//     ErrTimeLimit, ErrOutputLimit, ErrStdoutLimit or ErrStderrLimit. The
//     Result holds Stdout, Stderr and Usage, but no outputs and no root
//     (nil Result if the initial memory alone was too large).
//   - [*TrapError]: the module trapped. The Result holds Stdout, Stderr
//     and Usage.
//   - the caller's context ended first: the error wraps
//     context.Cause(ctx). The Result holds Stdout, Stderr and Usage.
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

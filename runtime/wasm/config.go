package wasm

import (
	"fmt"
	"math"
	"time"
)

// Default ceilings of an [Executor], used for every field of [Limits] that
// a [Config] leaves zero. Fuel has no default ceiling.
const (
	// DefaultMemory is the default ceiling on linear memory: 512 MiB.
	DefaultMemory int64 = 512 << 20
	// DefaultWallTime is the default limit on the duration of a run, from
	// instantiation to exit: 60 s.
	DefaultWallTime = 60 * time.Second
	// DefaultOutput is the default ceiling on the bytes charged for
	// /outputs: 64 MiB.
	DefaultOutput int64 = 64 << 20
	// DefaultStdout is the default ceiling on the bytes written to stdout:
	// 1 MiB.
	DefaultStdout int64 = 1 << 20
	// DefaultStderr is the default ceiling on the bytes written to stderr:
	// 1 MiB.
	DefaultStderr int64 = 1 << 20
)

// OutputEntryBytes is what each file or directory that a module creates
// under /outputs costs against Limits.Output, in bytes, on top of the bytes
// written to it: 512, about what a filesystem spends on an inode and a
// directory entry. Without it, a module could create millions of empty
// files within any byte limit.
const OutputEntryBytes = 512

// maxMemory is the most a wasm32 linear memory can hold: 65536 pages of
// 64 KiB.
const maxMemory int64 = 1 << 32

// noFuelLimit is the fuel of a run without a fuel limit: 2⁶³−1 loop
// iterations, centuries of running.
const noFuelLimit int64 = math.MaxInt64

// Limits bounds the resources of a run. A negative field is invalid.
//
// In a [Config], the limits are the host's ceilings: the most this host
// gives one run. A zero field takes its default (DefaultMemory, ...); a zero
// Fuel means no ceiling.
//
// In a [Job], Memory, Fuel, Output, Stdout and Stderr are the run's
// deterministic limits: hitting one decides the run's outcome, so they must
// be the same on every node that runs the job (package batch derives them
// from the package). A job limit above the executor's ceiling is refused up
// front, with a *JobError naming the field and wrapping ErrOverCeiling,
// rather than lowered: an outcome must never depend on the host that ran
// it. A zero field takes the executor's value, which suits a local run; a
// zero Fuel with no ceiling means no fuel limit.
//
// WallTime is different: the host's real clock is never the same twice,
// so it only protects the host. The smaller of the executor's and the
// job's applies, and running out of it is an error (ErrTimeLimit), never an
// outcome.
type Limits struct {
	// Memory is the most linear memory the module may have, in bytes,
	// including its initial memory. It is enforced at 64 KiB page
	// granularity: a memory.grow that would exceed it fails. Values above
	// 4 GiB (the most a wasm32 memory can address) act as 4 GiB.
	Memory int64
	// Fuel is the most loop iterations the module may execute: each
	// execution of a loop head costs one, including the first iteration of
	// every loop; straight-line code, calls and host functions cost
	// nothing. The run ends at the first iteration beyond it, at the same
	// instruction on every machine.
	Fuel int64
	// WallTime is the longest a run may take, measured on the host's real
	// clock from instantiation to exit.
	WallTime time.Duration
	// Output is the most bytes the module may be charged for /outputs in
	// one run: every byte passed to a write counts (also when it
	// overwrites), as do holes left by writing past the end of a file,
	// growth by truncate, and OutputEntryBytes for each file or directory
	// created. Deleting gives nothing back.
	Output int64
	// Stdout is the most bytes the module may write to stdout.
	Stdout int64
	// Stderr is the most bytes the module may write to stderr.
	Stderr int64
}

// check returns the name of the first invalid field of l and why.
func (l Limits) check() (field string, err error) {
	switch {
	case l.Memory < 0:
		return "memory", fmt.Errorf("negative limit %d", l.Memory)
	case l.Fuel < 0:
		return "fuel", fmt.Errorf("negative limit %d", l.Fuel)
	case l.WallTime < 0:
		return "wall_time", fmt.Errorf("negative limit %v", l.WallTime)
	case l.Output < 0:
		return "output", fmt.Errorf("negative limit %d", l.Output)
	case l.Stdout < 0:
		return "stdout", fmt.Errorf("negative limit %d", l.Stdout)
	case l.Stderr < 0:
		return "stderr", fmt.Errorf("negative limit %d", l.Stderr)
	}
	return "", nil
}

// orDefaults fills the zero fields of l, but Fuel, with the defaults.
func (l Limits) orDefaults() Limits {
	set := func(v *int64, d int64) {
		if *v == 0 {
			*v = d
		}
	}
	set(&l.Memory, DefaultMemory)
	set(&l.Output, DefaultOutput)
	set(&l.Stdout, DefaultStdout)
	set(&l.Stderr, DefaultStderr)
	if l.WallTime == 0 {
		l.WallTime = DefaultWallTime
	}
	l.Memory = min(l.Memory, maxMemory)
	return l
}

// overCeiling returns the first field of job above the ceilings c (with
// defaults filled in), with c's value; "" if none is.
func (c Limits) overCeiling(job Limits) (field string, value, ceiling int64) {
	fuel := c.Fuel
	if fuel == 0 {
		fuel = noFuelLimit
	}
	for _, f := range []struct {
		name      string
		job, ceil int64
	}{
		{"memory", min(job.Memory, maxMemory), c.Memory},
		{"fuel", job.Fuel, fuel},
		{"output", job.Output, c.Output},
		{"stdout", job.Stdout, c.Stdout},
		{"stderr", job.Stderr, c.Stderr},
	} {
		if f.job > f.ceil {
			return f.name, f.job, f.ceil
		}
	}
	return "", 0, 0
}

// forJob returns the limits of a run of job under the ceilings c (with
// defaults filled in), which job must not exceed: job's non-zero fields,
// c's for the others, and the smaller wall time. A zero Fuel in the
// result is replaced by noFuelLimit.
func (c Limits) forJob(job Limits) Limits {
	l := c
	set := func(v *int64, j int64) {
		if j > 0 {
			*v = j
		}
	}
	set(&l.Memory, min(job.Memory, maxMemory))
	set(&l.Fuel, job.Fuel)
	set(&l.Output, job.Output)
	set(&l.Stdout, job.Stdout)
	set(&l.Stderr, job.Stderr)
	if l.Fuel == 0 {
		l.Fuel = noFuelLimit
	}
	if job.WallTime > 0 && job.WallTime < l.WallTime {
		l.WallTime = job.WallTime
	}
	return l
}

// Config configures an [Executor]. It is immutable: each WithX method
// returns a changed copy, so a Config can be shared and reused. The zero
// Config is valid and equals NewConfig(): default limits, no on-disk
// compilation cache.
type Config struct {
	limits   Limits
	cacheDir string
}

// NewConfig returns the default configuration: the ceilings DefaultMemory,
// DefaultWallTime, DefaultOutput, DefaultStdout and DefaultStderr, no fuel
// ceiling, and no on-disk compilation cache.
func NewConfig() Config { return Config{} }

// WithLimits returns a copy of c whose ceilings are l (see [Limits]); zero
// fields of l keep their defaults. Negative fields make [NewExecutor] fail.
func (c Config) WithLimits(l Limits) Config {
	c.limits = l
	return c
}

// WithCacheDir returns a copy of c that keeps compiled modules in the host
// directory dir (created if missing), so that an Executor in a later process
// does not compile a module again. Only this runtime should write there.
// The empty string, the default, disables the on-disk cache. Compiled
// modules are always memoized in memory for the life of an Executor.
func (c Config) WithCacheDir(dir string) Config {
	c.cacheDir = dir
	return c
}

// Limits returns the ceilings of an Executor built from c, with the
// defaults filled in; a zero Fuel means no fuel ceiling.
func (c Config) Limits() Limits { return c.limits.orDefaults() }

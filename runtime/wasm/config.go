package wasm

import (
	"fmt"
	"time"
)

// Default limits of an [Executor], used for every field of [Limits] that
// a [Config] leaves zero.
const (
	// DefaultMemory is the default limit on linear memory: 512 MiB.
	DefaultMemory int64 = 512 << 20
	// DefaultWallTime is the default limit on the duration of a run, from
	// instantiation to exit: 60 s.
	DefaultWallTime = 60 * time.Second
	// DefaultOutput is the default limit on the bytes written under
	// /outputs: 64 MiB.
	DefaultOutput int64 = 64 << 20
	// DefaultStdout is the default limit on the bytes written to stdout:
	// 1 MiB.
	DefaultStdout int64 = 1 << 20
	// DefaultStderr is the default limit on the bytes written to stderr:
	// 1 MiB.
	DefaultStderr int64 = 1 << 20
)

// maxMemory is the most a wasm32 linear memory can hold: 65536 pages of
// 64 KiB.
const maxMemory int64 = 1 << 32

// Limits bounds the resources of a run. A zero field means "not set": in a
// [Config] it takes the default (DefaultMemory, ...); in a [Job] it keeps
// the executor's limit. A negative field is invalid.
type Limits struct {
	// Memory is the most linear memory the module may have, in bytes,
	// including its initial memory. It is enforced at 64 KiB page
	// granularity: a memory.grow that would exceed it fails. Values above
	// 4 GiB (the most a wasm32 memory can address) act as 4 GiB.
	Memory int64
	// WallTime is the longest a run may take, measured on the host's real
	// clock from instantiation to exit.
	WallTime time.Duration
	// Output is the most bytes the module may write under /outputs in one
	// run: every byte passed to a write counts (also when it overwrites),
	// as do holes left by writing past the end of a file and growth by
	// truncate. Deleting a file gives nothing back.
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

// orDefaults fills the zero fields of l with the defaults.
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
	if l.Memory > maxMemory {
		l.Memory = maxMemory
	}
	return l
}

// tighten returns l with each field that job sets lowered to job's value
// when that is smaller: a job may only tighten the executor's limits.
func (l Limits) tighten(job Limits) Limits {
	lower := func(v *int64, j int64) {
		if j > 0 && j < *v {
			*v = j
		}
	}
	lower(&l.Memory, job.Memory)
	lower(&l.Output, job.Output)
	lower(&l.Stdout, job.Stdout)
	lower(&l.Stderr, job.Stderr)
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

// NewConfig returns the default configuration: the limits DefaultMemory,
// DefaultWallTime, DefaultOutput, DefaultStdout and DefaultStderr, and no
// on-disk compilation cache.
func NewConfig() Config { return Config{} }

// WithLimits returns a copy of c whose limits are l; zero fields of l keep
// their defaults. Negative fields make [NewExecutor] fail.
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

// Limits returns the limits an Executor built from c enforces, with the
// defaults filled in.
func (c Config) Limits() Limits { return c.limits.orDefaults() }

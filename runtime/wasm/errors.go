package wasm

import (
	"errors"
	"fmt"
	"time"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

// Sentinel errors for the limits, matched (errors.Is) by a [*LimitError].
// Only the wall time ends Run with an error; the others are outcomes, and
// Result.Err returns their *LimitError.
var (
	// ErrFuelLimit: the module reached a loop iteration beyond Limits.Fuel.
	ErrFuelLimit = errors.New("fuel limit exceeded")
	// ErrMemoryLimit: the module's linear memory would exceed Limits.Memory.
	ErrMemoryLimit = errors.New("memory limit exceeded")
	// ErrTimeLimit: the run took longer than Limits.WallTime.
	ErrTimeLimit = errors.New("wall time limit exceeded")
	// ErrOutputLimit: the module was charged more than Limits.Output bytes
	// for /outputs.
	ErrOutputLimit = errors.New("output limit exceeded")
	// ErrStdoutLimit: the module wrote more than Limits.Stdout bytes to
	// stdout.
	ErrStdoutLimit = errors.New("stdout limit exceeded")
	// ErrStderrLimit: the module wrote more than Limits.Stderr bytes to
	// stderr.
	ErrStderrLimit = errors.New("stderr limit exceeded")
)

// ErrOverCeiling is wrapped by the *JobError for a job limit above the
// executor's ceiling (see Limits).
var ErrOverCeiling = errors.New("above the executor's ceiling")

// ErrModule is matched (errors.Is) by the errors that blame the module
// itself rather than the job or the host: bytes that are not a valid
// WebAssembly module, imports other than the functions of WASI preview 1,
// a missing "_start" export.
var ErrModule = errors.New("invalid module")

// Names of the limits, as found in [LimitError.Limit].
const (
	LimitFuel     = "fuel"
	LimitMemory   = "memory"
	LimitWallTime = "wall time"
	LimitOutput   = "output"
	LimitStdout   = "stdout"
	LimitStderr   = "stderr"
)

// LimitError reports that a run exceeded one of its [Limits] and was ended.
// It matches (errors.Is) the sentinel of its limit: ErrFuelLimit,
// ErrMemoryLimit, ErrTimeLimit, ErrOutputLimit, ErrStdoutLimit or
// ErrStderrLimit. Run returns it as an error for the wall time only; for
// the other limits it is a Result's Err.
type LimitError struct {
	// Limit names the limit: LimitFuel, LimitMemory, LimitWallTime,
	// LimitOutput, LimitStdout or LimitStderr.
	Limit string
	// Max is the effective limit that was exceeded: loop iterations for
	// LimitFuel, nanoseconds for LimitWallTime, bytes otherwise.
	Max int64
	// Requested is, for LimitMemory, the memory size in bytes that the
	// module asked for first beyond the limit; zero otherwise.
	Requested int64
}

// Error implements error, e.g. "memory limit exceeded: 67174400 bytes
// requested, limit 67108864 bytes".
func (e *LimitError) Error() string {
	switch {
	case e.Limit == LimitWallTime:
		return fmt.Sprintf("%v: limit %v", e.sentinel(), time.Duration(e.Max))
	case e.Limit == LimitFuel:
		return fmt.Sprintf("%v: limit %d loop iterations", e.sentinel(), e.Max)
	case e.Requested > 0:
		return fmt.Sprintf("%v: %d bytes requested, limit %d bytes", e.sentinel(), e.Requested, e.Max)
	default:
		return fmt.Sprintf("%v: limit %d bytes", e.sentinel(), e.Max)
	}
}

// Is reports whether target is the sentinel error of e's limit.
func (e *LimitError) Is(target error) bool { return target == e.sentinel() }

func (e *LimitError) sentinel() error {
	switch e.Limit {
	case LimitFuel:
		return ErrFuelLimit
	case LimitMemory:
		return ErrMemoryLimit
	case LimitWallTime:
		return ErrTimeLimit
	case LimitOutput:
		return ErrOutputLimit
	case LimitStdout:
		return ErrStdoutLimit
	case LimitStderr:
		return ErrStderrLimit
	}
	return fmt.Errorf("%s limit exceeded", e.Limit)
}

// outcome returns the outcome of a run that hit e's limit.
func (e *LimitError) outcome() outputroot.Outcome {
	switch e.Limit {
	case LimitFuel:
		return outputroot.OutcomeFuelLimit
	case LimitMemory:
		return outputroot.OutcomeMemoryLimit
	case LimitOutput:
		return outputroot.OutcomeOutputLimit
	case LimitStdout:
		return outputroot.OutcomeStdoutLimit
	case LimitStderr:
		return outputroot.OutcomeStderrLimit
	}
	return outputroot.OutcomeUnspecified
}

// TrapError reports that the module trapped: it executed "unreachable",
// accessed memory out of bounds, divided by zero, overflowed its stack,
// failed to instantiate, and so on. It is the Err of a Result with
// OutcomeTrap, never an error of Run. A module that exits with a non-zero
// code did not trap.
type TrapError struct {
	// Err is the runtime's error, with the wasm stack trace when known.
	Err error
}

// Error implements error.
func (e *TrapError) Error() string { return "module trapped: " + e.Err.Error() }

// Unwrap returns Err.
func (e *TrapError) Unwrap() error { return e.Err }

// JobError reports an invalid field of a [Job], e.g. Field
// "job.inputs[1].name". It wraps the reason, e.g. fs.ErrNotExist for an
// input file or entry that does not exist.
type JobError struct {
	// Field is the path of the field in the Job: "job.entry",
	// "job.inputs[1].path", "job.params[\"X\"]", ...
	Field string
	// Err is the reason.
	Err error
}

// Error implements error: "<field>: <reason>".
func (e *JobError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *JobError) Unwrap() error { return e.Err }

func jobErrorf(field, format string, args ...any) *JobError {
	return &JobError{Field: field, Err: fmt.Errorf(format, args...)}
}

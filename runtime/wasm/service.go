package wasm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/experimental/sysfs"
	"github.com/tetratelabs/wazero/sys"

	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/runtime/wasm/internal/interrupt"
	"github.com/celltonomy/celltonomy/spec"
)

// Default size limits of the messages of a service instance, used when a
// ServiceJob leaves them zero.
const (
	// DefaultMaxRequest is the default limit on a request to a service
	// instance (Instance.Call) and on a request it sends to a child: 1 MiB.
	DefaultMaxRequest int64 = 1 << 20
	// DefaultMaxResponse is the default limit on a response of a service
	// instance: 1 MiB.
	DefaultMaxResponse int64 = 1 << 20
	// DefaultCallWallTime is the default wall-time limit of one call, and
	// of the initialisation, of a service instance: 10 s.
	DefaultCallWallTime = 10 * time.Second
)

// logTailBytes is how much of what an instance writes to stdout and stderr
// Instance.Log keeps: the last 64 KiB.
const logTailBytes = 64 << 10

// Errors of service instances, matched with errors.Is.
var (
	// ErrUndeclaredPort: Call on a port that is not one of the job's
	// Slots. The instance is not called and keeps serving.
	ErrUndeclaredPort = errors.New("port not declared by the service")
	// ErrRequestTooLarge: a request over ServiceJob.MaxRequest bytes. The
	// instance is not called and keeps serving.
	ErrRequestTooLarge = errors.New("request too large")
	// ErrResponseTooLarge: the module answered with more than
	// ServiceJob.MaxResponse bytes. The response is dropped; the instance
	// keeps serving.
	ErrResponseTooLarge = errors.New("response too large")
	// ErrInstanceStopped: the instance was stopped, or ended (a trap, a
	// limit, a call interrupted by its wall time or by Stop) and serves
	// no more; the error wraps why it ended.
	ErrInstanceStopped = errors.New("service instance stopped")
	// ErrServiceABI: the module broke the service ABI (see package abi): a
	// buffer or a response outside its memory. The instance serves no more.
	ErrServiceABI = errors.New("module broke the service ABI")
)

// ServiceError is the error response of a module's handler (cell_handle
// returned a negative value): the module's own message. The instance
// keeps serving.
type ServiceError struct {
	// Port is the slot that was called.
	Port int32
	// Message is the module's message, at most MaxResponse bytes.
	Message string
}

// Error implements error: "service error on port <port>: <message>".
func (e *ServiceError) Error() string {
	return fmt.Sprintf("service error on port %d: %s", e.Port, e.Message)
}

// Gateway is the node's side of the gateway host API (module "cell", see
// package abi) for one service instance: node/gateway implements it. Its
// methods are called by the goroutine of a call of the instance, with the
// call's context (so its wall time bounds them), one at a time. Errors
// should wrap the abi errors (abi.ErrCycle, ...): the module sees
// abi.Code(err); any other error is abi.CodeInternal.
//
// A Gateway that also has a method Close(context.Context) error is closed
// by Instance.Stop, after the instance: it stops the children.
type Gateway interface {
	// StartChild starts a child service by its service id (32 bytes, the
	// SHA3-256 of its spec) and returns a handle ≥ 0 for it.
	StartChild(ctx context.Context, serviceID []byte) (handle int64, err error)
	// CallChild calls the child's slot port with req and returns its
	// response.
	CallChild(ctx context.Context, handle int64, port int32, req []byte) ([]byte, error)
	// StopChild stops the child.
	StopChild(ctx context.Context, handle int64) error
	// NetPeers returns the addresses of the peers of a network the
	// service declared (e.g. "celltonomy:devnet").
	NetPeers(ctx context.Context, network string) ([]string, error)
}

// ServiceJob is a service instance to start: a compute package that
// serves slots. Root and Entry are required; so is at least one slot.
type ServiceJob struct {
	// Root is the package filesystem, mounted read-only at "/" (the only
	// mount: a service has no inputs and no /outputs). As for Job.Root,
	// pass an fs.FS that does not follow links out of the package.
	Root fs.FS
	// Entry is the path of the module in Root (the spec's Init.entry_path),
	// e.g. "bin/echo.wasm"; a leading "/" is allowed. It is also argv[0].
	Entry string
	// Env is the module's environment, "KEY=VALUE" entries with distinct
	// valid names (spec.ValidEnvName) and no NUL; it is passed sorted.
	Env []string
	// Seed seeds the module's random source (WASI random_get), as
	// Job.Seed, for the life of the instance.
	Seed [32]byte
	// Limits bounds the instance. Memory is the most linear memory the
	// instance may have, in bytes; WallTime bounds the initialisation and
	// each call (default DefaultCallWallTime, and never above the
	// executor's ceiling). Fuel, Output, Stdout and Stderr do not apply:
	// a service runs as long as its calls do, writes no /outputs, and
	// what it writes to stdout and stderr is kept only as a bounded log
	// (Instance.Log). Memory above the executor's ceiling is refused with
	// a *JobError wrapping ErrOverCeiling.
	Limits Limits
	// MaxRequest and MaxResponse bound, in bytes, a request to the
	// instance (also one it sends to a child) and its response; zero means
	// DefaultMaxRequest and DefaultMaxResponse.
	MaxRequest, MaxResponse int64
	// Slots are the ports the instance serves (the spec's Api.slot[].port):
	// at least one, distinct, in 0..65535. Call refuses any other port.
	Slots []int32
	// Gateway answers the module's gateway calls (child services, NET);
	// nil makes each fail with abi.CodeNoGateway.
	Gateway Gateway
	// Pool, if not nil, is a memory budget the instance shares with
	// others: a child service draws from its parent's pool, so that its
	// memory counts against the parent's limit. nil: the instance is held
	// to Limits.Memory alone.
	Pool *MemoryPool
}

// ServiceUsage reports what a service instance used. None of it is
// deterministic: it is metered, not verified.
type ServiceUsage struct {
	// Calls counts the calls the module served, including those that ended
	// in an error response.
	Calls int64
	// BytesIn and BytesOut count the bytes of requests and of responses.
	BytesIn, BytesOut int64
	// WallMs is the real time spent in calls, in milliseconds (rounded
	// down from the sum of the calls' durations).
	WallMs int64
	// MemoryPeakBytes is the most linear memory the instance had, in
	// bytes (not counting its children).
	MemoryPeakBytes uint64
	wall            time.Duration
}

// Instance is a running service instance: a WebAssembly module started
// once (StartService), whose memory lives across calls. Calls are
// serialised; Call, Stop, Usage and Log are safe for concurrent use.
type Instance struct {
	entry        string
	slots        []int32
	gateway      Gateway
	maxRequest   int64
	maxResponse  int64
	wallTime     time.Duration
	mod          api.Module
	alloc        api.Function
	handle       api.Function
	stopFlag     api.MutableGlobal
	meter        *memoryMeter
	log          *tailBuffer
	turn         chan struct{} // holds one token: the right to call the module
	pending      []byte        // result of the last child_call or net_peers, for child_result
	hasPending   bool
	curMu        sync.Mutex              // guards cancelCur and stopFlag
	cancelCur    context.CancelCauseFunc // cancels the call in progress, if any
	mu           sync.Mutex
	usage        ServiceUsage
	ended        error // why the instance serves no more; nil while it serves
	stopped      bool
	stopFinished chan struct{}
}

// instanceKey carries the *Instance of a call to the gateway host functions.
type instanceKey struct{}

// StartService starts a service instance: it compiles the module (once per
// Executor, as Run), checks that it is a service module (it exports
// cell_alloc and cell_handle, see package abi, and imports only WASI
// preview 1 and the gateway host module "cell"), instantiates it with
// the sandbox of a batch run (read-only package filesystem, virtual clocks,
// the seeded random source, no network) and calls its initialisation
// (_initialize), within Limits.WallTime.
//
// Errors: a *JobError naming the field for an invalid job
// ("service.slots[1]", "service.env[0]", "service.limits.memory", ...); an
// error matching ErrModule for a module that does not compile or is not a
// service module; a *LimitError matching ErrMemoryLimit when the initial
// memory is above Limits.Memory or does not fit in Pool; a *TrapError, or
// a *LimitError matching ErrTimeLimit, when the initialisation fails;
// context.Cause(ctx) wrapped when ctx ends first; ErrClosed.
func (e *Executor) StartService(ctx context.Context, j ServiceJob) (*Instance, error) {
	if err := j.validate(); err != nil {
		return nil, err
	}
	if err := e.CheckLimits(Limits{Memory: j.Limits.Memory}); err != nil {
		return nil, &JobError{Field: "service.limits.memory", Err: errors.Unwrap(err)}
	}
	entry := strings.TrimPrefix(j.Entry, "/")
	bin, err := fs.ReadFile(j.Root, entry)
	if err != nil {
		return nil, &JobError{Field: "service.entry", Err: err}
	}
	c, _, err := e.compile(ctx, bin)
	if err == nil {
		err = e.checkReactor(c.module)
	}
	if err != nil {
		return nil, fmt.Errorf("module %s: %w", j.Entry, err)
	}
	memory := e.limits.Memory
	if j.Limits.Memory > 0 {
		memory = min(j.Limits.Memory, maxMemory)
	}
	wall := DefaultCallWallTime
	if j.Limits.WallTime > 0 {
		wall = j.Limits.WallTime
	}
	wall = min(wall, e.limits.WallTime)
	if c.minMemory > memory {
		return nil, &LimitError{Limit: LimitMemory, Max: memory, Requested: c.minMemory}
	}

	inst := &Instance{
		entry:        j.Entry,
		slots:        slices.Clone(j.Slots),
		gateway:      j.Gateway,
		maxRequest:   cmpOr(j.MaxRequest, DefaultMaxRequest),
		maxResponse:  cmpOr(j.MaxResponse, DefaultMaxResponse),
		wallTime:     wall,
		log:          &tailBuffer{max: logTailBytes},
		turn:         make(chan struct{}, 1),
		stopFinished: make(chan struct{}),
	}
	trip := &tripwire{cancel: inst.cancelCall}
	inst.meter = &memoryMeter{max: memory, trip: trip, pool: j.Pool}
	if !inst.meter.reserve(c.minMemory) {
		return nil, &LimitError{Limit: LimitMemory, Max: j.Pool.Max(), Requested: j.Pool.Used() + c.minMemory}
	}

	clk := &clock{}
	mc := wazero.NewModuleConfig().
		WithName("").
		WithArgs(j.Entry).
		WithStdout(inst.log).
		WithStderr(inst.log).
		WithRandSource(rand.NewChaCha8(j.Seed)).
		WithWalltime(clk.walltime, sys.ClockResolution(clockStep)).
		WithNanotime(clk.nanotime, sys.ClockResolution(clockStep)).
		WithNanosleep(clk.nanosleep).
		WithFSConfig(wazero.NewFSConfig().(sysfs.FSConfig).
			WithSysFSMount(readOnlyFS{&sysfs.ReadFS{FS: &sysfs.AdaptFS{FS: j.Root}}}, "/"))
	env := slices.Clone(j.Env)
	slices.Sort(env)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		mc = mc.WithEnv(k, v)
	}

	var mod api.Module
	err = inst.enter(ctx, false, func(callCtx context.Context) error {
		var err error
		mod, err = e.runtime.InstantiateModule(experimental.WithMemoryAllocator(callCtx, inst.meter), c.module, mc.WithStartFunctions())
		if err != nil {
			return err
		}
		inst.mod = mod
		inst.alloc = mod.ExportedFunction(abi.ExportAlloc)
		inst.handle = mod.ExportedFunction(abi.ExportHandle)
		inst.curMu.Lock()
		inst.stopFlag = mod.ExportedGlobal(interrupt.StopGlobal).(api.MutableGlobal)
		inst.curMu.Unlock()
		// A stop requested before the flag existed found nothing to set.
		if callCtx.Err() != nil {
			return context.Cause(callCtx)
		}
		if f := mod.ExportedFunction(interrupt.StartExport); f != nil {
			if _, err := f.Call(callCtx); err != nil {
				return err
			}
		}
		if f := mod.ExportedFunction(abi.ExportInitialize); f != nil {
			if _, err := f.Call(callCtx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if mod != nil {
			_ = mod.Close(context.WithoutCancel(ctx))
		}
		inst.meter.release()
		return nil, fmt.Errorf("start service %s: %w", j.Entry, err)
	}
	return inst, nil
}

func cmpOr(v, d int64) int64 {
	if v > 0 {
		return v
	}
	return d
}

// validate checks the fields of the job and returns the first problem as a
// *JobError.
func (j *ServiceJob) validate() error {
	if j.Root == nil {
		return jobErrorf("service.root", "missing package filesystem")
	}
	p := strings.TrimPrefix(j.Entry, "/")
	if j.Entry == "" {
		return jobErrorf("service.entry", "empty path")
	}
	if !fs.ValidPath(p) || p == "." {
		return jobErrorf("service.entry", "invalid path %q", j.Entry)
	}
	if field, err := j.Limits.check(); err != nil {
		return &JobError{Field: "service.limits." + field, Err: err}
	}
	if j.MaxRequest < 0 {
		return jobErrorf("service.max_request", "negative limit %d", j.MaxRequest)
	}
	if j.MaxResponse < 0 {
		return jobErrorf("service.max_response", "negative limit %d", j.MaxResponse)
	}
	names := map[string]int{}
	for i, kv := range j.Env {
		field := fmt.Sprintf("service.env[%d]", i)
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			return jobErrorf(field, "%q is not KEY=VALUE", kv)
		case !spec.ValidEnvName(k):
			return jobErrorf(field, "invalid environment variable name %q", k)
		case strings.IndexByte(v, 0) >= 0:
			return jobErrorf(field, "value contains a NUL byte")
		}
		if prev, dup := names[k]; dup {
			return jobErrorf(field, "duplicate name %q (also service.env[%d])", k, prev)
		}
		names[k] = i
	}
	if len(j.Slots) == 0 {
		return jobErrorf("service.slots", "no slot declared: a service serves at least one port")
	}
	for i, port := range j.Slots {
		field := fmt.Sprintf("service.slots[%d]", i)
		if port < 0 || port > math.MaxUint16 {
			return jobErrorf(field, "port %d is outside 0..65535", port)
		}
		if k := slices.Index(j.Slots, port); k < i {
			return jobErrorf(field, "duplicate port %d (also service.slots[%d])", port, k)
		}
	}
	return nil
}

// checkReactor checks that a compiled module is a service module: it
// exports cell_alloc and cell_handle with the signatures of package abi,
// optionally _initialize taking and returning nothing, and imports only
// WASI preview 1 and the gateway host module.
func (e *Executor) checkReactor(m wazero.CompiledModule) error {
	if err := e.checkImports(m, true); err != nil {
		return fmt.Errorf("%w: %w", ErrModule, err)
	}
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	exports := m.ExportedFunctions()
	for _, want := range []struct {
		name            string
		params, results []api.ValueType
		optional        bool
	}{
		{abi.ExportAlloc, []api.ValueType{i32}, []api.ValueType{i32}, false},
		{abi.ExportHandle, []api.ValueType{i32, i32, i32}, []api.ValueType{i64}, false},
		{abi.ExportInitialize, nil, nil, true},
	} {
		f, ok := exports[want.name]
		switch {
		case !ok && want.optional:
		case !ok:
			return fmt.Errorf("%w: no %q function exported (not a service module)", ErrModule, want.name)
		case !equalTypes(f.ParamTypes(), want.params) || !equalTypes(f.ResultTypes(), want.results):
			return fmt.Errorf("%w: %q has the wrong signature", ErrModule, want.name)
		}
	}
	return nil
}

// enter runs fn as one call of the module: it waits for the instance's
// turn, gives fn a context bounded by the call wall time and carrying the
// instance (for the gateway host functions), stops the module when that
// context ends, and ends the instance if fn fails. It returns why fn
// failed: a *LimitError for a limit (memory, wall time), a *TrapError, an
// error wrapping context.Cause(ctx).
//
// With detach, ctx ending while the module runs does not stop it (the
// module finishes, within the wall time, and the instance serves on); the
// caller then gets context.Cause(ctx).
func (i *Instance) enter(ctx context.Context, detach bool, fn func(callCtx context.Context) error) error {
	select {
	case i.turn <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("wait for the instance: %w", context.Cause(ctx))
	}
	defer func() { <-i.turn }()
	i.mu.Lock()
	ended := i.ended
	i.mu.Unlock()
	if ended != nil {
		return ended
	}

	base := ctx
	if detach {
		base = context.WithoutCancel(ctx)
	}
	callCtx, cancel := context.WithCancelCause(context.WithValue(base, instanceKey{}, i))
	defer cancel(nil)
	callCtx, cancelTimeout := context.WithTimeoutCause(callCtx, i.wallTime,
		&LimitError{Limit: LimitWallTime, Max: int64(i.wallTime)})
	defer cancelTimeout()
	i.curMu.Lock()
	i.cancelCur = cancel
	i.curMu.Unlock()
	defer func() {
		i.curMu.Lock()
		i.cancelCur = nil
		i.curMu.Unlock()
	}()

	stopped := make(chan struct{})
	release := context.AfterFunc(callCtx, func() {
		defer close(stopped)
		i.setStop(1)
	})
	err := fn(callCtx)
	if !release() {
		// The context ended while or just after the module ran: the stop
		// flag is (being) set. A module that was stopped has trapped; one
		// that finished first must not trap at its next call.
		<-stopped
		if err == nil {
			i.setStop(0)
		}
	}
	if err == nil {
		if detach && ctx.Err() != nil {
			return fmt.Errorf("caller gone: %w", context.Cause(ctx))
		}
		return nil
	}
	// The first limit the module hit, or why its context ended, says why
	// it failed better than the trap that followed.
	var exitErr *sys.ExitError
	switch hit := i.meter.trip.tripped(); {
	case hit != nil:
		err = hit
	case context.Cause(callCtx) != nil:
		var limit *LimitError
		if cause := context.Cause(callCtx); errors.As(cause, &limit) {
			err = limit
		} else {
			err = fmt.Errorf("call interrupted: %w", cause)
		}
	case errors.As(err, &exitErr):
		err = fmt.Errorf("module exited with code %d", exitErr.ExitCode())
	case !errors.Is(err, ErrServiceABI):
		err = &TrapError{Err: err}
	}
	i.end(err)
	return err
}

// setStop sets the module's stop flag, once the module has one.
func (i *Instance) setStop(v uint64) {
	i.curMu.Lock()
	defer i.curMu.Unlock()
	if i.stopFlag != nil {
		i.stopFlag.Set(v)
	}
}

// end records that the instance serves no more, because of why.
func (i *Instance) end(why error) {
	i.mu.Lock()
	if i.ended == nil {
		i.ended = fmt.Errorf("%w: %w", ErrInstanceStopped, why)
	}
	i.mu.Unlock()
}

// cancelCall cancels the call in progress, if any, with cause (the
// tripwire's cancel: a limit was hit).
func (i *Instance) cancelCall(cause error) {
	i.curMu.Lock()
	defer i.curMu.Unlock()
	if i.cancelCur != nil {
		i.cancelCur(cause)
	}
}

// Call sends req to the slot port of the instance and returns the
// module's response. Calls are serialised: a call waits (as long as ctx
// lets it) for the one in progress. Each call is bounded by the instance's
// wall time (ServiceJob.Limits.WallTime).
//
// ctx bounds the wait for the instance's turn. Once the module runs, ctx
// ending does not stop it (stopping a module mid-call would lose its
// state, so a client that hangs up would end the service): the module
// finishes within the wall time, and Call returns an error wrapping
// context.Cause(ctx). Gateway calls made meanwhile get ctx's values, not
// its cancellation.
//
// Errors that leave the instance serving: ErrUndeclaredPort,
// ErrRequestTooLarge, ErrResponseTooLarge, a *ServiceError (the module's
// error response), ctx ending. Errors that end the instance (later calls
// fail with ErrInstanceStopped, wrapping the same reason): a *TrapError, a
// *LimitError (memory, or the wall time: ErrTimeLimit), ErrServiceABI, a
// Stop during the call. After Stop, or once the instance has ended, Call
// returns an error matching ErrInstanceStopped.
func (i *Instance) Call(ctx context.Context, port int32, req []byte) ([]byte, error) {
	return i.call(ctx, true, port, req)
}

// CallInterruptible is Call, except that ctx ending while the module runs
// stops it mid-call, which ends the instance (an error wrapping
// context.Cause(ctx); later calls fail with ErrInstanceStopped). It is for
// a child service whose parent's call ran out of time: the parent is ended
// anyway, and its child must not run on for its own wall time.
func (i *Instance) CallInterruptible(ctx context.Context, port int32, req []byte) ([]byte, error) {
	return i.call(ctx, false, port, req)
}

func (i *Instance) call(ctx context.Context, detach bool, port int32, req []byte) ([]byte, error) {
	if !slices.Contains(i.slots, port) {
		return nil, fmt.Errorf("call port %d: %w (slots %v)", port, ErrUndeclaredPort, i.slots)
	}
	if int64(len(req)) > i.maxRequest {
		return nil, fmt.Errorf("call port %d: %w: %d bytes, limit %d", port, ErrRequestTooLarge, len(req), i.maxRequest)
	}
	var resp []byte
	var callErr error // an error that leaves the instance serving
	start := time.Now()
	err := i.enter(ctx, detach, func(callCtx context.Context) error {
		start = time.Now()
		i.hasPending, i.pending = false, nil
		res, err := i.alloc.Call(callCtx, uint64(len(req)))
		if err != nil {
			return err
		}
		ptr := uint32(res[0])
		if !i.mod.Memory().Write(ptr, req) {
			return fmt.Errorf("%w: cell_alloc(%d) returned %#x, outside its memory", ErrServiceABI, len(req), ptr)
		}
		res, err = i.handle.Call(callCtx, uint64(uint32(port)), uint64(ptr), uint64(len(req)))
		if err != nil {
			return err
		}
		r := int64(res[0])
		failed := r < 0
		if failed {
			if r == math.MinInt64 {
				return fmt.Errorf("%w: cell_handle returned %d", ErrServiceABI, r)
			}
			r = -r
		}
		ptr, size := uint32(r>>32), uint32(r)
		if int64(size) > i.maxResponse {
			callErr = fmt.Errorf("call port %d: %w: %d bytes, limit %d", port, ErrResponseTooLarge, size, i.maxResponse)
			return nil
		}
		body, ok := i.mod.Memory().Read(ptr, size)
		if !ok {
			return fmt.Errorf("%w: cell_handle returned a response at %#x+%d, outside its memory", ErrServiceABI, ptr, size)
		}
		if failed {
			callErr = &ServiceError{Port: port, Message: string(body)}
			return nil
		}
		resp = slices.Clone(body)
		return nil
	})
	i.mu.Lock()
	if err == nil {
		i.usage.Calls++
		i.usage.BytesIn += int64(len(req))
		i.usage.BytesOut += int64(len(resp))
	}
	i.usage.wall += time.Since(start)
	i.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("call port %d: %w", port, err)
	}
	if callErr != nil {
		return nil, callErr
	}
	return resp, nil
}

// Stop stops the instance: a call in progress is interrupted (it fails
// with ErrInstanceStopped), the module is closed and its memory given
// back (to its Pool too), and the Gateway is closed if it has a Close
// method (stopping the children). It returns the usage. Stop is
// idempotent: later calls return the same usage.
func (i *Instance) Stop(ctx context.Context) ServiceUsage {
	i.mu.Lock()
	first := !i.stopped
	i.stopped = true
	if i.ended == nil {
		i.ended = ErrInstanceStopped
	}
	i.mu.Unlock()
	if !first {
		<-i.stopFinished
		return i.Usage()
	}
	i.cancelCall(ErrInstanceStopped)
	i.turn <- struct{}{} // wait for the call in progress, if any
	_ = i.mod.Close(context.WithoutCancel(ctx))
	i.meter.release()
	<-i.turn
	if c, ok := i.gateway.(interface{ Close(context.Context) error }); ok {
		_ = c.Close(ctx)
	}
	close(i.stopFinished)
	return i.Usage()
}

// Usage returns what the instance has used so far.
func (i *Instance) Usage() ServiceUsage {
	i.mu.Lock()
	u := i.usage
	i.mu.Unlock()
	u.WallMs = u.wall.Milliseconds()
	u.MemoryPeakBytes = uint64(i.meter.usage())
	return u
}

// MemoryBytes returns the linear memory the instance has now, in bytes.
func (i *Instance) MemoryBytes() int64 {
	i.meter.mu.Lock()
	defer i.meter.mu.Unlock()
	return i.meter.total
}

// Err returns nil while the instance serves, and otherwise why it does not
// (an error matching ErrInstanceStopped).
func (i *Instance) Err() error {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.ended
}

// Log returns the last 64 KiB the module wrote to stdout and stderr
// (interleaved), for the operator: a Go service's panic message ends up
// here.
func (i *Instance) Log() []byte { return i.log.bytes() }

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	mu  sync.Mutex
	buf []byte
}

// Write implements io.Writer; it never fails.
func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(p)
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return n, nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return n, nil
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.buf)
}

package gateway

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// LocalRunner starts children in this node's executor.
type LocalRunner struct {
	// Executor runs the instances.
	Executor *wasm.Executor
	// Limits are the wall time of a call (WallTime) and the message size
	// limits of every child; zero fields take runtime/wasm's defaults.
	Limits ServiceLimits
}

// ServiceLimits are the host's limits of a service instance that do not
// come from its package.
type ServiceLimits struct {
	// CallWallTime bounds each call (wasm.ServiceJob.Limits.WallTime);
	// zero means wasm.DefaultCallWallTime.
	CallWallTime time.Duration
	// MaxRequest and MaxResponse bound messages, in bytes.
	MaxRequest, MaxResponse int64
}

// Start implements Runner: it starts the package as a service instance
// (ServiceJob of the package, see JobFor) drawing from the tree's memory
// pool, with the child's gateway. A package that is not a service package
// for wasm32-wasip1, or whose memory limit is above the executor's
// ceiling, wraps ErrCannotRun.
func (r LocalRunner) Start(ctx context.Context, req StartRequest) (Service, error) {
	j, err := JobFor(req.Package)
	if err != nil {
		return nil, err
	}
	if err := r.Executor.CheckLimits(wasm.Limits{Memory: j.Limits.Memory}); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCannotRun, err)
	}
	j.Seed = req.Seed
	j.Pool = req.Pool
	j.Gateway = req.Gateway
	j.Limits.WallTime = r.Limits.CallWallTime
	j.MaxRequest, j.MaxResponse = r.Limits.MaxRequest, r.Limits.MaxResponse
	inst, err := r.Executor.StartService(ctx, j)
	if err != nil {
		return nil, err
	}
	return instance{inst: inst}, nil
}

// JobFor returns the service job of a package, without seed, pool, gateway
// and host limits: its filesystem, entry, slots (the spec's Api.slot
// ports) and memory limit (as batch.Limits). It fails, wrapping
// ErrCannotRun, for a package that is not a compute package for
// wasm32-wasip1 or declares no slot.
func JobFor(p *spec.Package) (wasm.ServiceJob, error) {
	s := p.Spec()
	if p.Envelope().GetKind() != specpb.Kind_KIND_COMPUTE || !slices.Contains(s.Architectures(), spec.ArchWasm32WASIP1) {
		return wasm.ServiceJob{}, fmt.Errorf("package %s: %w: not a compute package for %s", p.ID(), ErrCannotRun, spec.ArchWasm32WASIP1)
	}
	var slots []int32
	for _, sl := range s.Service().GetApi().GetSlot() {
		slots = append(slots, sl.GetPort())
	}
	if len(slots) == 0 {
		return wasm.ServiceJob{}, fmt.Errorf("package %s: %w: not a service package (no api slot)", p.ID(), ErrCannotRun)
	}
	entry, _ := s.Entry()
	return wasm.ServiceJob{
		Root:   s.Tree().FS(),
		Entry:  entry,
		Slots:  slots,
		Limits: wasm.Limits{Memory: batch.Limits(p).Memory},
	}, nil
}

// instance adapts a *wasm.Instance to Service. A child's call is
// interruptible: when the parent's call runs out of wall time, or the
// parent stops, the child's call stops too, rather than running on for
// the child's own wall time while the parent waits.
type instance struct{ inst *wasm.Instance }

func (i instance) Call(ctx context.Context, port int32, req []byte) ([]byte, error) {
	return i.inst.CallInterruptible(ctx, port, req)
}

func (i instance) Stop(ctx context.Context) { i.inst.Stop(ctx) }

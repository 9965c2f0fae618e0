// Package batch turns a compute package and an order's inputs and
// parameters into a job for the WebAssembly executor, checked against what
// the package's envelope declares (service-spec.md: "Compute packages in
// WebAssembly (batch mode)").
//
// NewJob is the one place where the envelope's promises are enforced before
// a run:
//
//  1. the package is a compute package for wasm32-wasip1;
//  2. every declared input is given, and no undeclared one;
//  3. parameters not given take their declared default; a required
//     parameter must be given; an undeclared parameter is refused;
//  4. the spec's container.resources.at_most tightens the executor's
//     limits: mem_limit bounds linear memory, disk_space bounds the bytes
//     written under /outputs.
//
// The random seed of a run must be the same on every honest node. On the
// network it comes from the order; for a local run LocalSeed derives it
// from the package id alone.
package batch

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Request is what an order asks of one run.
type Request struct {
	// Inputs maps an input name to the host path of its file.
	Inputs map[string]string
	// Params are the order's parameters, by name.
	Params map[string]string
	// OutputDir is the empty host directory that receives /outputs.
	OutputDir string
	// Seed seeds the module's random source.
	Seed [32]byte
}

// NewJob checks req against the package's envelope and returns the job to
// run. Errors name the input or parameter at fault and the rule.
func NewJob(p *spec.Package, req Request) (wasm.Job, error) {
	env, s := p.Envelope(), p.Spec()
	if env.GetKind() != specpb.Kind_KIND_COMPUTE {
		return wasm.Job{}, fmt.Errorf("package %s is a %s package; only compute packages run in WebAssembly", p.ID(), spec.KindName(env.GetKind()))
	}
	if !slices.Contains(s.Architectures(), spec.ArchWasm32WASIP1) {
		return wasm.Job{}, fmt.Errorf("package %s does not name architecture %s", p.ID(), spec.ArchWasm32WASIP1)
	}

	var inputs []wasm.Input
	declared := map[string]bool{}
	var missing []string
	for _, in := range env.GetInputs() {
		declared[in.GetName()] = true
		path, ok := req.Inputs[in.GetName()]
		if !ok {
			missing = append(missing, in.GetName())
			continue
		}
		inputs = append(inputs, wasm.Input{Name: in.GetName(), Path: path})
	}
	if len(missing) > 0 {
		return wasm.Job{}, fmt.Errorf("input %s: required by the package; give it as --input %s=FILE", strings.Join(missing, ", "), missing[0])
	}
	for _, name := range slices.Sorted(maps.Keys(req.Inputs)) {
		if !declared[name] {
			return wasm.Job{}, fmt.Errorf("input %q: not declared by the package (declared: %s)", name, names(env.GetInputs()))
		}
	}

	params := map[string]string{}
	var declaredParams []string
	for _, par := range env.GetParameters() {
		name := par.GetName()
		declaredParams = append(declaredParams, name)
		v, ok := req.Params[name]
		switch {
		case ok:
			params[name] = v
		case par.Default != nil:
			params[name] = par.GetDefault()
		case par.GetRequired():
			return wasm.Job{}, fmt.Errorf("parameter %s: required by the package; give it as --param %s=VALUE", name, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(req.Params)) {
		if !slices.Contains(declaredParams, name) {
			return wasm.Job{}, fmt.Errorf("parameter %q: not declared by the package (declared: %s)", name, strings.Join(declaredParams, ", "))
		}
	}

	var limits wasm.Limits
	if most := s.MaxResources(); most != nil {
		limits.Memory = clampInt64(most.GetMemLimit())
		limits.Output = clampInt64(most.GetDiskSpace())
	}
	prog, args := s.Entry()
	return wasm.Job{
		Root:           s.Tree().FS(),
		Entry:          prog,
		Args:           args,
		Inputs:         inputs,
		Params:         params,
		DeclaredParams: declaredParams,
		OutputDir:      req.OutputDir,
		Seed:           req.Seed,
		Limits:         limits,
	}, nil
}

// LocalSeed is the seed of a local run: SHA-256 of
// "celltonomy/local-seed/v1" ‖ package id. Two local runs of the same
// package on the same inputs therefore agree on their output root.
func LocalSeed(id spec.ID) [32]byte {
	return sha256.Sum256(append([]byte("celltonomy/local-seed/v1"), id[:]...))
}

func names(ports []*specpb.Port) string {
	var out []string
	for _, p := range ports {
		out = append(out, p.GetName())
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func clampInt64(v uint64) int64 {
	if v > 1<<62 {
		return 1 << 62
	}
	return int64(v)
}

// OrderSeed is the seed of the runs of a purchase order: SHA-256 of
// "celltonomy/order-seed/v1" ‖ order id (8 bytes, big-endian) ‖ package id
// (32 bytes) ‖ input root (32 bytes). The provider and every verifier of
// the order derive the same seed, so that their output roots agree.
func OrderSeed(orderID uint64, packageID spec.ID, inputRoot [32]byte) [32]byte {
	h := sha256.New()
	h.Write([]byte("celltonomy/order-seed/v1"))
	var b [8]byte
	for i := range 8 {
		b[i] = byte(orderID >> (56 - 8*i))
	}
	h.Write(b[:])
	h.Write(packageID[:])
	h.Write(inputRoot[:])
	return [32]byte(h.Sum(nil))
}

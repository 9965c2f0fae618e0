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
//  4. every deterministic limit of the run comes from the package (see
//     Limits), never from the node that runs it, so that every node gets
//     the same outcome.
//
// # Limits
//
// A run's limits decide its outcome (runtime/wasm: a run that reaches one
// ends with a limit outcome, which has an output root), so they are part of
// the protocol. Limits(p) sets every one of them:
//
//	Memory  bytes of linear memory: the spec's container.resources.at_most.mem_limit,
//	        if not zero, else DefaultMemory (512 MiB)
//	Output  bytes charged for /outputs: the spec's container.resources.at_most.disk_space,
//	        if not zero, else DefaultOutput (64 MiB)
//	Fuel    loop iterations: the envelope's fuel, if not zero, else DefaultFuel (10⁹)
//	Stdout  bytes: StdoutLimit (1 MiB), for every package
//	Stderr  bytes: StderrLimit (1 MiB), for every package
//
// A node whose executor's ceilings are below a package's limits cannot run
// it (Executor.Run refuses the job), so its bid engine checks
// Executor.CheckLimits(Limits(p)) before bidding. These constants are
// never changed for existing packages: a different default would give the
// same order a different outcome.
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

// The protocol's limits of a run, for a package that declares none (see
// Limits). They equal runtime/wasm's default ceilings, so a node with the
// default configuration runs every package that keeps to them.
const (
	// DefaultMemory is the memory limit of a package without
	// container.resources.at_most.mem_limit: 512 MiB.
	DefaultMemory int64 = 512 << 20
	// DefaultOutput is the output limit of a package without
	// container.resources.at_most.disk_space: 64 MiB.
	DefaultOutput int64 = 64 << 20
	// DefaultFuel is the fuel of a package whose envelope declares none:
	// 10⁹ loop iterations. The digest of phage λ (48.5 kbp,
	// examples/digest) uses 177,818 with EcoRI and 4,813,807 with all 79
	// enzymes it knows, and 15,712,393 with three enzymes on 4.85 Mbp; 10⁹
	// iterations of such code take about ten seconds.
	DefaultFuel int64 = 1_000_000_000
	// StdoutLimit is the stdout limit of every package: 1 MiB.
	StdoutLimit int64 = 1 << 20
	// StderrLimit is the stderr limit of every package: 1 MiB.
	StderrLimit int64 = 1 << 20
)

// Limits returns the deterministic limits of a run of p (see the package
// documentation): Memory, Output, Fuel, Stdout and Stderr are all set;
// WallTime, which is the host's, is zero. Values over 2⁶² are cut to 2⁶²
// (the executor treats memory over 4 GiB as 4 GiB anyway).
func Limits(p *spec.Package) wasm.Limits {
	l := wasm.Limits{
		Memory: DefaultMemory,
		Output: DefaultOutput,
		Fuel:   DefaultFuel,
		Stdout: StdoutLimit,
		Stderr: StderrLimit,
	}
	// A zero is "not declared", as in the envelope: a zero limit would be
	// the executor's, which differs between nodes.
	most := p.Spec().MaxResources()
	if v := most.GetMemLimit(); v != 0 {
		l.Memory = clampInt64(v)
	}
	if v := most.GetDiskSpace(); v != 0 {
		l.Output = clampInt64(v)
	}
	if f := p.Envelope().GetFuel(); f != 0 {
		l.Fuel = clampInt64(f)
	}
	return l
}

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
// run, with Limits(p) as its limits. Errors name the input or parameter at
// fault and the rule.
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
		Limits:         Limits(p),
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

package wasm

import (
	"context"
	"fmt"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
)

// Size limits of the arguments of the gateway host functions, in bytes.
const (
	maxServiceIDBytes   = 64   // a service id is 32 bytes
	maxNetworkNameBytes = 1024 // "celltonomy:service:<64 hex digits>" and the like
	maxErrorBytes       = 4096 // the message of a gateway error left pending
)

// instantiateGateway instantiates the gateway host module (abi.HostModule)
// in r, once per Executor, and returns its functions by name. Each
// function finds the calling instance in its context (instanceKey): a
// module can only reach the gateway of its own instance.
func instantiateGateway(ctx context.Context, r wazero.Runtime) (map[string]api.FunctionDefinition, error) {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	b := r.NewHostModuleBuilder(abi.HostModule)
	for _, f := range []struct {
		name            string
		fn              func(ctx context.Context, inst *Instance, mem api.Memory, stack []uint64) int64
		params, results []api.ValueType
	}{
		{abi.FuncChildStart, hostChildStart, []api.ValueType{i32, i32}, []api.ValueType{i64}},
		{abi.FuncChildCall, hostChildCall, []api.ValueType{i64, i32, i32, i32}, []api.ValueType{i64}},
		{abi.FuncChildResult, hostChildResult, []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{abi.FuncChildStop, hostChildStop, []api.ValueType{i64}, []api.ValueType{i32}},
		{abi.FuncNetPeers, hostNetPeers, []api.ValueType{i32, i32}, []api.ValueType{i64}},
	} {
		fn, results := f.fn, f.results
		b = b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, stack []uint64) {
			inst, _ := ctx.Value(instanceKey{}).(*Instance)
			var r int64
			if inst == nil || inst.gateway == nil {
				r = int64(abi.CodeNoGateway)
			} else {
				r = fn(ctx, inst, m.Memory(), stack)
			}
			if results[0] == api.ValueTypeI32 {
				stack[0] = api.EncodeI32(int32(r))
			} else {
				stack[0] = api.EncodeI64(r)
			}
		}), f.params, f.results).Export(f.name)
	}
	host, err := b.Compile(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile gateway host module: %w", err)
	}
	if _, err := r.InstantiateModule(ctx, host, wazero.NewModuleConfig()); err != nil {
		return nil, fmt.Errorf("instantiate gateway host module: %w", err)
	}
	return host.ExportedFunctions(), nil
}

// read copies [ptr, ptr+size) out of mem, if it is inside it and size is at
// most max.
func read(mem api.Memory, ptr, size uint32, max int64) ([]byte, int32) {
	if int64(size) > max {
		return nil, abi.CodeTooLarge
	}
	b, ok := mem.Read(ptr, size)
	if !ok {
		return nil, abi.CodeBadRequest
	}
	return append([]byte(nil), b...), 0
}

// fail leaves err's message pending, for child_result, and returns err's
// code.
func fail(inst *Instance, err error) int64 {
	msg := err.Error()
	if len(msg) > maxErrorBytes {
		msg = msg[:maxErrorBytes]
	}
	inst.hasPending, inst.pending = true, []byte(msg)
	return int64(abi.Code(err))
}

func hostChildStart(ctx context.Context, inst *Instance, mem api.Memory, stack []uint64) int64 {
	id, code := read(mem, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), maxServiceIDBytes)
	if code != 0 {
		return int64(code)
	}
	inst.hasPending, inst.pending = false, nil
	h, err := inst.gateway.StartChild(ctx, id)
	if err != nil {
		return fail(inst, err)
	}
	if h < 0 {
		return int64(abi.CodeInternal)
	}
	return h
}

func hostChildCall(ctx context.Context, inst *Instance, mem api.Memory, stack []uint64) int64 {
	handle, port := int64(stack[0]), api.DecodeI32(stack[1])
	req, code := read(mem, api.DecodeU32(stack[2]), api.DecodeU32(stack[3]), inst.maxRequest)
	if code != 0 {
		return int64(code)
	}
	inst.hasPending, inst.pending = false, nil
	resp, err := inst.gateway.CallChild(ctx, handle, port, req)
	if err != nil {
		return fail(inst, err)
	}
	inst.hasPending, inst.pending = true, resp
	return int64(len(resp))
}

func hostChildResult(_ context.Context, inst *Instance, mem api.Memory, stack []uint64) int64 {
	ptr, size := api.DecodeU32(stack[0]), api.DecodeU32(stack[1])
	if !inst.hasPending {
		return int64(abi.CodeNoResult)
	}
	out := inst.pending[:min(int(size), len(inst.pending))]
	if !mem.Write(ptr, out) {
		return int64(abi.CodeBadRequest)
	}
	inst.hasPending, inst.pending = false, nil
	return int64(len(out))
}

func hostChildStop(ctx context.Context, inst *Instance, _ api.Memory, stack []uint64) int64 {
	inst.hasPending, inst.pending = false, nil
	if err := inst.gateway.StopChild(ctx, int64(stack[0])); err != nil {
		return fail(inst, err)
	}
	return 0
}

func hostNetPeers(ctx context.Context, inst *Instance, mem api.Memory, stack []uint64) int64 {
	name, code := read(mem, api.DecodeU32(stack[0]), api.DecodeU32(stack[1]), maxNetworkNameBytes)
	if code != 0 {
		return int64(code)
	}
	inst.hasPending, inst.pending = false, nil
	peers, err := inst.gateway.NetPeers(ctx, string(name))
	if err != nil {
		return fail(inst, err)
	}
	out := []byte(strings.Join(peers, "\n"))
	if int64(len(out)) > inst.maxResponse {
		return int64(abi.CodeTooLarge)
	}
	inst.hasPending, inst.pending = true, out
	return int64(len(out))
}

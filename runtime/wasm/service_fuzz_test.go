package wasm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"testing"
	"testing/fstest"

	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// liarModule is a service module whose cell_handle returns whatever the
// first 8 bytes of the request say (little-endian), or 0 for a shorter
// request: a module that lies about where its response is. cell_alloc
// always returns 0, so the request sits at the start of its one page. In
// the text format:
//
//	(module
//	  (memory (export "memory") 1)
//	  (func (export "cell_alloc") (param i32) (result i32) (i32.const 0))
//	  (func (export "cell_handle") (param i32 i32 i32) (result i64)
//	    (if (result i64) (i32.lt_u (local.get 2) (i32.const 8))
//	      (then (i64.const 0))
//	      (else (i64.load (local.get 1))))))
func liarModule() []byte {
	const (
		i64      = 0x7e
		localGet = 0x20
		i32Const = 0x41
		i64Const = 0x42
		i32LtU   = 0x49
		ifOp     = 0x04
		elseOp   = 0x05
		i64Load  = 0x29
		end      = 0x0b
	)
	return reactorModule(
		body(i32Const, 0, end),
		body(localGet, 2, i32Const, 8, i32LtU, ifOp, i64,
			i64Const, 0,
			elseOp, localGet, 1, i64Load, 3, 0,
			end, end),
	)
}

// FuzzServiceResponse checks the host's reading of a module's answer (an
// untrusted i64) against a naive reference: whatever the module claims,
// Call returns the bytes at the claimed place, an error response, or a
// clear error, and never panics or reads outside the module's memory.
func FuzzServiceResponse(f *testing.F) {
	le := func(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
	f.Add([]byte("short"))
	f.Add(le(8))              // the first 8 bytes: the claim itself
	f.Add(le(4<<32 | 4))      // bytes 4..8
	f.Add(le(-(0<<32 | 8)))   // an error response
	f.Add(le(math.MinInt64))  // no negation
	f.Add(le(65535<<32 | 2))  // across the end of memory
	f.Add(le(1 << 32))        // empty, at 1
	f.Add(le(100<<32 | 2000)) // over MaxResponse
	f.Add(append(le(8<<32|5), "hello"...))
	const maxResponse = 1000
	e := newExecutor(f, wasm.NewConfig())
	mod := liarModule()
	f.Fuzz(func(t *testing.T, req []byte) {
		if len(req) > 1<<17 {
			return
		}
		inst, err := e.StartService(context.Background(), wasm.ServiceJob{
			Root: fstest.MapFS{"m.wasm": {Data: mod}}, Entry: "m.wasm", Slots: []int32{1},
			MaxResponse: maxResponse, MaxRequest: 1 << 17,
		})
		if err != nil {
			t.Fatal(err)
		}
		defer inst.Stop(context.Background())
		resp, err := inst.Call(context.Background(), 1, req)

		// The reference.
		mem := make([]byte, 65536)
		if len(req) > len(mem) {
			if !errors.Is(err, wasm.ErrServiceABI) {
				t.Fatalf("request beyond the module's memory: %v", err)
			}
			return
		}
		copy(mem, req)
		var r int64
		if len(req) >= 8 {
			r = int64(binary.LittleEndian.Uint64(req))
		}
		var se *wasm.ServiceError
		failed, abs := r < 0, r
		if failed {
			abs = -r
		}
		ptr, size := uint64(abs>>32), uint64(uint32(abs))
		switch {
		case r == math.MinInt64:
			if !errors.Is(err, wasm.ErrServiceABI) {
				t.Fatalf("r = MinInt64: %v", err)
			}
		case size > maxResponse:
			if !errors.Is(err, wasm.ErrResponseTooLarge) {
				t.Fatalf("r = %#x: %v, want ErrResponseTooLarge", r, err)
			}
		case ptr+size > uint64(len(mem)):
			if !errors.Is(err, wasm.ErrServiceABI) {
				t.Fatalf("r = %#x: %v, want ErrServiceABI", r, err)
			}
		case failed:
			if want := string(mem[ptr : ptr+size]); !errors.As(err, &se) || se.Message != want {
				t.Fatalf("r = %#x: %v, want the error response %q", r, err, want)
			}
		default:
			if want := mem[ptr : ptr+size]; err != nil || !bytes.Equal(resp, want) {
				t.Fatalf("r = %#x: %q, %v; want %q", r, resp, err, mem[ptr:ptr+size])
			}
		}
	})
}

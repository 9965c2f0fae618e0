package wasm_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// sharedCacheDir is an on-disk compilation cache shared by the tests of this
// package, so that the hostile module is compiled once per test binary
// rather than once per Executor. Tests about caching use their own.
var sharedCacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wasm-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedCacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// hostileModule returns the bytes of testdata/hostile.
func hostileModule(tb testing.TB) []byte {
	return wasmbuild.Build(tb, "testdata/hostile")
}

// smallLimits keep the hostile tests quick.
var smallLimits = wasm.Limits{
	Memory:   64 << 20,
	WallTime: 3e9, // 3 s
	Output:   1 << 20,
	Stdout:   64 << 10,
	Stderr:   64 << 10,
}

func newExecutor(tb testing.TB, cfg wasm.Config) *wasm.Executor {
	tb.Helper()
	e, err := wasm.NewExecutor(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := e.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	return e
}

// inputContent is the content of the "in" input of hostileJob.
const inputContent = "hello from the buyer\n"

// hostileJob returns a job running testdata/hostile in mode, with one input
// named "in", a fresh output directory and a zero seed.
func hostileJob(tb testing.TB, mode string) wasm.Job {
	tb.Helper()
	dir := tb.TempDir()
	in := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(in, []byte(inputContent), 0o644); err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		tb.Fatal(err)
	}
	return wasm.Job{
		Root:      fstest.MapFS{"hostile.wasm": {Data: hostileModule(tb), Mode: 0o444}},
		Entry:     "hostile.wasm",
		Args:      []string{"--flag", "value"},
		Inputs:    []wasm.Input{{Name: "in", Path: in}},
		Params:    map[string]string{"MODE": mode},
		OutputDir: out,
	}
}

// moduleJob returns a job running the given module bytes, with a fresh
// output directory.
func moduleJob(tb testing.TB, module []byte) wasm.Job {
	tb.Helper()
	return wasm.Job{
		Root:      fstest.MapFS{"m.wasm": {Data: module}},
		Entry:     "m.wasm",
		OutputDir: tb.TempDir(),
	}
}

// Hand-assembled modules, for what a Go program cannot do (trap, import
// from elsewhere) and for the Example. These functions write the binary format
// of https://webassembly.github.io/spec/core/binary/.

func uleb(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// vec is a vector: its length, then its items.
func vec(items ...[]byte) []byte { return cat(uleb(uint64(len(items))), cat(items...)) }

// str is a name or a byte string: its length, then its bytes.
func str(s string) []byte { return cat(uleb(uint64(len(s))), []byte(s)) }

func section(id byte, payload []byte) []byte {
	return cat([]byte{id}, uleb(uint64(len(payload))), payload)
}

func module(sections ...[]byte) []byte {
	return cat([]byte("\x00asm\x01\x00\x00\x00"), cat(sections...))
}

const i32 = 0x7f

func funcType(params, results []byte) []byte {
	return cat([]byte{0x60}, uleb(uint64(len(params))), params, uleb(uint64(len(results))), results)
}

// body is a function body without locals.
func body(code ...byte) []byte { return cat(uleb(uint64(len(code)+1)), []byte{0}, code) }

// trapModule's _start executes "unreachable".
func trapModule() []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(3, vec(uleb(0))),
		section(7, vec(cat(str("_start"), []byte{0x00}, uleb(0)))),
		section(10, vec(body(0x00, 0x0b))), // unreachable, end
	)
}

// spinModule's _start spins forever, in (loop (br 0)).
func spinModule() []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(3, vec(uleb(0))),
		section(7, vec(cat(str("_start"), []byte{0x00}, uleb(0)))),
		section(10, vec(body(0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b))),
	)
}

// spinStartModule has a start section whose function spins forever, in
// (loop (br 0)), and an empty _start.
func spinStartModule() []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(3, vec(uleb(0), uleb(0))),
		section(7, vec(cat(str("_start"), []byte{0x00}, uleb(1)))),
		section(8, uleb(0)),
		section(10, vec(body(0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b), body(0x0b))),
	)
}

// bigMemoryModule defines a memory of pages 64 KiB pages and an empty _start.
func bigMemoryModule(pages uint64) []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(3, vec(uleb(0))),
		section(5, vec(cat([]byte{0x00}, uleb(pages)))),
		section(7, vec(cat(str("_start"), []byte{0x00}, uleb(0)))),
		section(10, vec(body(0x0b))),
	)
}

// importModule imports module.name as a function () -> () and exports an
// empty _start.
func importModule(mod, name string) []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(2, vec(cat(str(mod), str(name), []byte{0x00}, uleb(0)))),
		section(3, vec(uleb(0))),
		section(7, vec(cat(str("_start"), []byte{0x00}, uleb(1)))),
		section(10, vec(body(0x0b))),
	)
}

// noStartModule is a valid module without a _start export.
func noStartModule() []byte {
	return module(
		section(1, vec(funcType(nil, nil))),
		section(3, vec(uleb(0))),
		section(10, vec(body(0x0b))),
	)
}

// helloModule writes "hello, world\n" to stdout with WASI fd_write. In the
// text format:
//
//	(module
//	  (import "wasi_snapshot_preview1" "fd_write"
//	    (func $fd_write (param i32 i32 i32 i32) (result i32)))
//	  (memory (export "memory") 1)
//	  (data (i32.const 0) "\08\00\00\00\0d\00\00\00") ;; iovec{buf: 8, len: 13}
//	  (data (i32.const 8) "hello, world\n")
//	  (func (export "_start")
//	    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32)))))
func helloModule() []byte {
	const (
		i32Const = 0x41
		call     = 0x10
		drop     = 0x1a
		end      = 0x0b
	)
	return module(
		section(1, vec(
			funcType([]byte{i32, i32, i32, i32}, []byte{i32}),
			funcType(nil, nil),
		)),
		section(2, vec(cat(str("wasi_snapshot_preview1"), str("fd_write"), []byte{0x00}, uleb(0)))),
		section(3, vec(uleb(1))),
		section(5, vec(cat([]byte{0x00}, uleb(1)))),
		section(7, vec(
			cat(str("memory"), []byte{0x02}, uleb(0)),
			cat(str("_start"), []byte{0x00}, uleb(1)),
		)),
		section(10, vec(body(i32Const, 1, i32Const, 0, i32Const, 1, i32Const, 32, call, 0, drop, end))),
		section(11, vec(
			cat([]byte{0x00, i32Const, 0, end}, str("\x08\x00\x00\x00\x0d\x00\x00\x00")),
			cat([]byte{0x00, i32Const, 8, end}, str("hello, world\n")),
		)),
	)
}

// echoReactorModule is the smallest service module: it answers every
// request with itself. In the text format:
//
//	(module
//	  (memory (export "memory") 1)
//	  (func (export "cell_alloc") (param i32) (result i32) (i32.const 1024))
//	  (func (export "cell_handle") (param $port i32) (param $ptr i32) (param $len i32) (result i64)
//	    (i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32))
//	            (i64.extend_i32_u (local.get $len)))))
func echoReactorModule() []byte {
	const (
		localGet   = 0x20
		i32Const   = 0x41
		i64Const   = 0x42
		extendI32U = 0xad
		i64Shl     = 0x86
		i64Or      = 0x84
		end        = 0x0b
	)
	return reactorModule(
		body(i32Const, 0x80, 0x08, end),
		body(localGet, 1, extendI32U, i64Const, 32, i64Shl, localGet, 2, extendI32U, i64Or, end),
	)
}

// reactorModule is a service module of one page of memory exporting
// "memory", cell_alloc (func (param i32) (result i32)) with the code
// alloc, and cell_handle (func (param i32 i32 i32) (result i64)) with the
// code handle; both are function bodies (body).
func reactorModule(alloc, handle []byte) []byte {
	const i64 = 0x7e
	return module(
		section(1, vec(
			funcType([]byte{i32}, []byte{i32}),
			funcType([]byte{i32, i32, i32}, []byte{i64}),
		)),
		section(3, vec(uleb(0), uleb(1))),
		section(5, vec(cat([]byte{0x00}, uleb(1)))),
		section(7, vec(
			cat(str("memory"), []byte{0x02}, uleb(0)),
			cat(str("cell_alloc"), []byte{0x00}, uleb(0)),
			cat(str("cell_handle"), []byte{0x00}, uleb(1)),
		)),
		section(10, vec(alloc, handle)),
	)
}

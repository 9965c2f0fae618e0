package interrupt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm/internal/wasmbin"
)

// module assembles a module from sections given as id, payload pairs.
func module(sections ...[]byte) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range sections {
		b = append(b, s[0])
		b = appendU32(b, uint32(len(s)-1))
		b = append(b, s[1:]...)
	}
	return b
}

var (
	typeVoid    = []byte{1, 1, 0x60, 0, 0}                                         // (type (func))
	funcs1      = []byte{3, 1, 0}                                                  // one function of type 0
	exportStart = append([]byte{7, 1, 6}, append([]byte("_start"), 0x00, 0x00)...) // (export "_start" (func 0))
	// spin is (loop (br 0)): an endless loop.
	spin = []byte{10, 1, 7, 0, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b}
	// countdown is a loop that counts a local from 1000 down to 0, with a
	// global.get of global 0 in it, to check that indices are kept.
	countdown = []byte{10, 1, 24,
		1, 1, 0x7f, // one i32 local
		0x41, 0xe8, 0x07, 0x21, 0x00, // local.set 0 (i32.const 1000)
		0x03, 0x40, // loop
		0x23, 0x00, 0x1a, // global.get 0; drop
		0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, // local.tee 0 (local.get 0 - 1)
		0x0d, 0x00, // br_if 0
		0x0b, 0x0b}
	globalOne = []byte{6, 1, 0x7f, 0x00, 0x41, 0x01, 0x0b} // (global i32 (i32.const 1))
)

// loopCode is a code section of one function that counts a local down from
// n to 0 in one loop, whose head therefore executes n times: the tightest
// loop there is.
func loopCode(n int32) []byte {
	code := appendS32([]byte{1, 1, 0x7f, 0x41}, n) // one i32 local; i32.const n
	code = append(code,
		0x21, 0x00, // local.set 0
		0x03, 0x40, // loop
		0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, // local.tee 0 (local.get 0 - 1)
		0x0d, 0x00, // br_if 0
		0x0b, 0x0b)
	fn := append(appendU32(nil, uint32(len(code))), code...)
	return append([]byte{10, 1}, fn...)
}

func compile(t testing.TB, r wazero.Runtime, bin []byte) wazero.CompiledModule {
	t.Helper()
	cm, err := r.CompileModule(context.Background(), bin)
	if err != nil {
		t.Fatalf("instrumented module does not compile: %v", err)
	}
	return cm
}

// TestStopsEndlessLoop runs (loop (br 0)) and stops it through the global.
func TestStopsEndlessLoop(t *testing.T) {
	ctx := context.Background()
	bin, err := Instrument(module(typeVoid, funcs1, exportStart, spin))
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.InstantiateModule(ctx, compile(t, r, bin), wazero.NewModuleConfig().WithStartFunctions())
	if err != nil {
		t.Fatal(err)
	}
	g := mod.ExportedGlobal(StopGlobal).(api.MutableGlobal)
	time.AfterFunc(50*time.Millisecond, func() { g.Set(1) })
	done := make(chan error, 1)
	go func() {
		_, err := mod.ExportedFunction("_start").Call(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("err = %v, want an unreachable trap", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop")
	}
}

// TestFuel gives a loop of n iterations budgets around n and checks that
// the run ends at the exact iteration, and what Used and Exhausted say.
func TestFuel(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	for _, tc := range []struct {
		n    int32
		fuel uint64
	}{
		{1000, 1000}, {1000, 999}, {1000, 1}, {1000, 5000},
		{Fuel, Fuel}, {Fuel, Fuel - 1}, {Fuel + 1, Fuel}, {Fuel + 1, Fuel + 1},
		{5*Fuel + 3, 5*Fuel + 3}, {5*Fuel + 3, 5*Fuel + 2}, {5*Fuel + 3, 3*Fuel - 7},
	} {
		t.Run(fmt.Sprintf("n=%d,fuel=%d", tc.n, tc.fuel), func(t *testing.T) {
			bin, err := Instrument(module(typeVoid, funcs1, exportStart, loopCode(tc.n)))
			if err != nil {
				t.Fatal(err)
			}
			mod, err := r.InstantiateModule(ctx, compile(t, r, bin), wazero.NewModuleConfig().WithStartFunctions().WithName(""))
			if err != nil {
				t.Fatal(err)
			}
			defer mod.Close(ctx)
			chunk := mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal)
			left := mod.ExportedGlobal(FuelLeftGlobal).(api.MutableGlobal)
			chunk.Set(0)
			left.Set(tc.fuel)
			_, err = mod.ExportedFunction("_start").Call(ctx)

			c, l := int32(uint32(chunk.Get())), left.Get()
			wantExhausted := uint64(tc.n) > tc.fuel
			if Exhausted(c, l) != wantExhausted {
				t.Fatalf("Exhausted = %v, want %v (err %v)", !wantExhausted, wantExhausted, err)
			}
			if wantExhausted != (err != nil) {
				t.Fatalf("err = %v", err)
			}
			if used, want := Used(tc.fuel, c, l), min(uint64(tc.n), tc.fuel); used != want {
				t.Errorf("Used = %d, want %d", used, want)
			}
		})
	}
}

// TestStartSection checks that the start function no longer runs at
// instantiation but is exported, and runs on the host's budget.
func TestStartSection(t *testing.T) {
	ctx := context.Background()
	startSec := []byte{8, 0} // (start 0)
	bin, err := Instrument(module(typeVoid, funcs1, startSec, spin))
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	mod, err := r.InstantiateModule(ctx, compile(t, r, bin), wazero.NewModuleConfig()) // would spin forever
	if err != nil {
		t.Fatal(err)
	}
	mod.ExportedGlobal(FuelGlobal).(api.MutableGlobal).Set(0)
	mod.ExportedGlobal(FuelLeftGlobal).(api.MutableGlobal).Set(3 * Fuel)
	start := mod.ExportedFunction(StartExport)
	if start == nil {
		t.Fatalf("no export %q", StartExport)
	}
	if _, err := start.Call(ctx); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("err = %v, want the trap at the end of the fuel", err)
	}
	if left := mod.ExportedGlobal(FuelLeftGlobal).Get(); left != 0 {
		t.Errorf("fuel left %d", left)
	}
}

// TestKeepsBehaviour checks that an instrumented loop that ends by itself
// runs as before and that existing global indices still work.
func TestKeepsBehaviour(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		bin  []byte
	}{
		{"no globals", module(typeVoid, funcs1, exportStart, []byte{10, 1, 5, 0, 0x03, 0x40, 0x0b, 0x0b})},
		{"existing global", module(typeVoid, funcs1, globalOne, exportStart, countdown)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin, err := Instrument(tc.bin)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := Instrument(tc.bin)
			if !bytes.Equal(bin, again) {
				t.Fatal("Instrument is not deterministic")
			}
			r := wazero.NewRuntime(ctx)
			defer r.Close(ctx)
			if _, err := r.InstantiateModule(ctx, compile(t, r, bin), wazero.NewModuleConfig()); err != nil {
				t.Fatalf("run: %v", err)
			}
		})
	}
}

// TestGoModule instruments a real Go program and runs it.
func TestGoModule(t *testing.T) {
	ctx := context.Background()
	bin, err := Instrument(wasmbuild.Build(t, "../../../../internal/wasmbuild/testdata/hello"))
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	var out bytes.Buffer
	if _, err := r.InstantiateModule(ctx, compile(t, r, bin), wazero.NewModuleConfig().WithStdout(&out)); err != nil {
		t.Fatalf("run: %v", err)
	}
	if out.Len() == 0 {
		t.Fatal("the program printed nothing")
	}
}

// TestCustomSections checks that Instrument keeps the "name" section and
// drops the others.
func TestCustomSections(t *testing.T) {
	custom := func(name string, contents ...byte) []byte { // id, then payload
		return append(append([]byte{0, byte(len(name))}, name...), contents...)
	}
	names := custom("name", 0, 2, 1, 'm') // module name "m"
	bin, err := Instrument(module(typeVoid, custom("producers", 1, 2), funcs1, exportStart, names, spin, custom(".debug_info", 3)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Instrument(module(typeVoid, funcs1, exportStart, names, spin))
	if !bytes.Equal(bin, want) {
		t.Fatalf("got\n%x\nwant\n%x", bin, want)
	}
	if !bytes.Contains(bin, module(names)[8:]) {
		t.Fatal("the name section is gone")
	}
}

func TestErrors(t *testing.T) {
	exportsName := append([]byte{7, 2, 6}, append([]byte("_start"), 0x00, 0x00)...)
	exportsName = append(exportsName, byte(len(StopGlobal)))
	exportsName = append(exportsName, StopGlobal...)
	exportsName = append(exportsName, 0x00, 0x00)
	for _, tc := range []struct {
		name string
		bin  []byte
		want string
	}{
		{"not wasm", []byte("hello, world"), "not a WebAssembly 1.0 binary"},
		{"truncated section", module(typeVoid)[:10], "unexpected end"},
		{"unknown opcode", module(typeVoid, funcs1, exportStart, []byte{10, 1, 4, 0, 0x06, 0x0b, 0x0b}), "unknown instruction 0x06"},
		{"name taken", module(typeVoid, funcs1, exportsName, spin), "already exports"},
		{"code after end", module(typeVoid, funcs1, exportStart, []byte{10, 1, 4, 0, 0x0b, 0x01, 0x0b}), "code after the function's end"},
		{"overlong LEB", module(typeVoid, funcs1, exportStart, []byte{10, 1, 9, 0, 0x0c, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00, 0x0b}), "LEB128 longer than 32 bits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Instrument(tc.bin)
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// smallNumbers reports whether bin is at most 8 KiB and every LEB128
// number that starts at any of its bytes is at most 1024, so that the
// runtime cannot allocate much for any vector in it, whatever its
// structure.
func smallNumbers(bin []byte) bool {
	if len(bin) > 8<<10 {
		return false
	}
	for i := range bin {
		var v uint64
		for j, shift := i, 0; j < len(bin) && shift < 35; j, shift = j+1, shift+7 {
			if v |= uint64(bin[j]&0x7f) << shift; v > 1024 {
				return false
			}
			if bin[j] < 0x80 {
				break
			}
		}
	}
	return true
}

var errPanic = errors.New("panic")

// compileRecover compiles bin, turning a panic of the runtime into an error
// that wraps errPanic. wazero 1.12.0 panics, for one, on a local
// declaration of a reference type whose heap type runs past the end of the
// function body: decodeCode computes a negative body size and calls make
// with it.
func compileRecover(ctx context.Context, r wazero.Runtime, bin []byte) (cm wazero.CompiledModule, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errPanic, p)
		}
	}()
	return r.CompileModule(ctx, bin)
}

// FuzzInstrument checks that Instrument never panics, that the runtime
// compiles the instrumented module whenever it compiles the original, and
// that Instrument accepts every module the runtime compiles but those over
// a limit of package wasmbin. Bytes Instrument refuses can make the runtime
// allocate without bound, so they are compiled only when every number in
// them is small, and may make it panic.
func FuzzInstrument(f *testing.F) {
	f.Add(module(typeVoid, funcs1, exportStart, spin))
	f.Add(module(typeVoid, funcs1, globalOne, exportStart, countdown))
	f.Add([]byte("\x00asm\x01\x00\x00\x00"))
	ctx := context.Background()
	// Debug information is off because the original's custom sections are
	// not checked (Instrument drops them).
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithDebugInfoEnabled(false))
	f.Fuzz(func(t *testing.T, bin []byte) {
		out, err := Instrument(bin)
		if err != nil && !smallNumbers(bin) {
			return
		}
		cm, cerr := compileRecover(ctx, r, bin)
		if errors.Is(cerr, errPanic) {
			if err == nil {
				t.Fatalf("the runtime panics on a module Instrument accepts: %v", cerr)
			}
			return // a bug of the runtime that Instrument protects from
		}
		if cerr != nil {
			return
		}
		_ = cm.Close(ctx)
		if err != nil {
			if errors.Is(err, wasmbin.ErrLimit) || strings.Contains(err.Error(), "already exports") {
				return
			}
			t.Fatalf("the runtime accepts the module but Instrument fails: %v", err)
		}
		cm, err = r.CompileModule(ctx, out)
		if err != nil {
			t.Fatalf("instrumented module does not compile: %v", err)
		}
		_ = cm.Close(ctx)
	})
}

package wasmbin_test

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/celltonomy/celltonomy/runtime/wasm/internal/interrupt"
	"github.com/celltonomy/celltonomy/runtime/wasm/internal/wasmbin"
)

// cat concatenates byte strings.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func b(v ...byte) []byte { return v }

// u32 encodes v as an unsigned LEB128.
func u32(v uint32) []byte {
	var out []byte
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(out, c)
		}
		out = append(out, c|0x80)
	}
}

// str is a length-prefixed string.
func str(s string) []byte { return cat(u32(uint32(len(s))), []byte(s)) }

// sec is a section with the given id and contents.
func sec(id byte, contents ...[]byte) []byte {
	p := cat(contents...)
	return cat(b(id), u32(uint32(len(p))), p)
}

// module is a module made of sections.
func module(sections ...[]byte) []byte {
	return cat(append([][]byte{[]byte("\x00asm\x01\x00\x00\x00")}, sections...)...)
}

// body is a function body with the given local declarations and code; the
// final end is added.
func body(locals []byte, code ...[]byte) []byte {
	p := cat(locals, cat(code...), b(0x0b))
	return cat(u32(uint32(len(p))), p)
}

const huge = 0xffffffff

var (
	types     = sec(1, b(2, 0x60, 0, 0, 0x60, 2, 0x7f, 0x7e, 1, 0x7f)) // () -> (); (i32 i64) -> i32
	typeVoid  = sec(1, b(1, 0x60, 0, 0))
	funcs1    = sec(3, b(1, 0))
	voidBody  = sec(10, b(1), body(b(0)))
	spinBody  = sec(10, b(1), body(b(0), b(0x03, 0x40, 0x0c, 0x00, 0x0b)))
	nameSec   = sec(0, str("name"), sec(0, str("mod")), sec(1, b(1), b(0), str("f")), sec(2, b(1, 0, 1, 0), str("x")))
	everyPart = module(
		types,
		sec(2, b(1), str("env"), str("g"), b(0x03, 0x7f, 0x00)), // (import "env" "g" (global i32))
		sec(3, b(2, 0, 1)),
		sec(4, b(2, 0x70, 0x00, 10, 0x6f, 0x01, 1, 2)), // (table 10 funcref) (table 1 2 externref)
		sec(5, b(1, 0x01, 1, 2)),                       // (memory 1 2)
		sec(6, b(7, // globals
			0x7f, 0x01, 0x41, 0x00, 0x0b, // (mut i32) (i32.const 0)
			0x7e, 0x00, 0x42, 0x01, 0x0b, // i64 (i64.const 1)
			0x7d, 0x00, 0x43, 0, 0, 0, 0, 0x0b, // f32
			0x7c, 0x00, 0x44, 0, 0, 0, 0, 0, 0, 0, 0, 0x0b, // f64
			0x70, 0x00, 0xd2, 0x00, 0x0b, // funcref (ref.func 0)
			0x6f, 0x00, 0xd0, 0x6f, 0x0b, // externref (ref.null extern)
			0x7f, 0x00, 0x23, 0x00, 0x0b, // i32 (global.get 0)
		)),
		sec(7, b(4), str("f"), b(0, 0), str("m"), b(2, 0), str("t"), b(1, 0), str("g"), b(3, 1)),
		sec(8, b(0)), // (start 0)
		sec(9, b(8), // all eight forms of element segments
			b(0, 0x41, 0, 0x0b, 1, 0),
			b(1, 0, 1, 0),
			b(2, 0, 0x41, 1, 0x0b, 0, 1, 0),
			b(3, 0, 1, 0),
			b(4, 0x41, 2, 0x0b, 1, 0xd2, 0, 0x0b),
			b(5, 0x70, 1, 0xd0, 0x70, 0x0b),
			b(6, 0, 0x41, 3, 0x0b, 0x70, 1, 0xd2, 1, 0x0b),
			b(7, 0x70, 1, 0xd2, 0, 0x0b)),
		sec(12, b(3)), // data count
		sec(10, b(2),
			body(b(2, 2, 0x7f, 1, 0x7e), // (local i32 i32 i64)
				b(0x02, 0x40, 0x03, 0x40),                                   // block loop
				b(0x20, 0, 0x41, 1, 0x6a, 0x22, 0, 0x41, 10, 0x49, 0x0d, 0), // br_if 0 (local.tee 0 (local.get 0 + 1)) < 10
				b(0x0b, 0x20, 0, 0x0e, 1, 0, 0, 0x0b),                       // end, br_table 0 0 (local.get 0), end
				b(0x41, 0, 0x04, 0x40, 0x01, 0x05, 0x01, 0x0b),              // if nop else nop end
				b(0x41, 1, 0x41, 2, 0x41, 0, 0x1c, 1, 0x7f, 0x1a),           // select (result i32), drop
				b(0x41, 0, 0x28, 2, 0, 0x1a),                                // i32.load, drop
				b(0x41, 0, 0x11, 0, 0),                                      // call_indirect (type 0) (table 0)
				b(0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 8, 1, 0, 0xfc, 9, 1),     // memory.init 1, data.drop 1
			),
			body(b(0), b(0x20, 0))),
		sec(11, b(3), // all three forms of data segments
			b(0, 0x41, 0, 0x0b), str("abc"),
			b(1), str("de"),
			b(2, 0, 0x41, 8, 0x0b), str("f")),
		sec(0, str("name"), sec(0, str("mod")), sec(1, b(2, 0), str("a"), b(1), str("b")),
			sec(2, b(1, 0, 2, 0), str("x"), b(1), str("y")), sec(9, b(1, 2, 3))),
		sec(0, str("producers"), b(0xff, 0xff)),
	)
)

// valid are modules that wazero compiles and Parse must accept.
var valid = []struct {
	name string
	bin  []byte
}{
	{"empty", module()},
	{"every section", everyPart},
	{"spin", module(typeVoid, funcs1, spinBody)},
	{"imported table and memory", module(typeVoid,
		sec(2, b(2), str("env"), str("t"), b(0x01, 0x70, 0x00, 1), str("env"), str("m"), b(0x02, 0x00, 1)))},
	{"recursive type group", module(sec(1, b(1, 0x4e, 2, 0x60, 0, 0, 0x60, 1, 0x7f, 0)), funcs1, voidBody)},
	{"name section only", module(typeVoid, funcs1, voidBody, nameSec)},
	{"1000 params, 50000 locals", module(sec(1, b(1, 0x60), u32(1000), bytes.Repeat(b(0x7f), 1000), b(0)), funcs1,
		sec(10, b(1), body(cat(b(1), u32(49000), b(0x7f)))))},
}

// TestAccepts checks that Parse accepts modules that use every section
// and every form of element and data segment, which wazero compiles.
func TestAccepts(t *testing.T) {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	defer r.Close(ctx)
	for _, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wasmbin.Parse(tc.bin); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if _, err := r.CompileModule(ctx, tc.bin); err != nil {
				t.Fatalf("the test module is invalid: %v", err)
			}
		})
	}
	m, _ := wasmbin.Parse(everyPart)
	if m.Globals != 8 || m.Memories != 1 || !m.HasExport("g") || m.HasExport("h") || len(m.LoopBodies) != 1 {
		t.Fatalf("globals %d, memories %d, loops %v", m.Globals, m.Memories, m.LoopBodies)
	}
	if n := len(m.Sections); n != 13 { // the "producers" section is left out
		t.Fatalf("%d sections, want 13", n)
	}
}

// refused are modules that would make wazero allocate gigabytes (or, for
// limits, do too much work) and that Parse must refuse, naming the section.
// They must never be handed to wazero: they would end the process.
var refused = []struct {
	name, want string
	limit      bool // the error must also wrap ErrLimit
	bin        []byte
}{
	{"import count (the fuzzer's 14 bytes)", "import section: 250000000 imports but only 0 bytes left", false,
		module(sec(2, u32(250_000_000)))},
	{"import name", "import section: import 0: module name of 2147483648 bytes but only 0 bytes left", false,
		module(sec(2, b(1), u32(1<<31)))},
	{"type count", "type section: 4294967295 types but only 0 bytes left", false, module(sec(1, u32(huge)))},
	{"params", "type section: function type 0: 4294967295 params but only 0 bytes left", false,
		module(sec(1, b(1, 0x60), u32(huge)))},
	{"results", "type section: function type 3: 4294967295 results but only 0 bytes left", false,
		module(sec(1, b(4, 0x60, 0, 0, 0x60, 0, 0, 0x60, 0, 0, 0x60, 0), u32(huge)))},
	{"recursive group", "type section: 4294967295 types in a recursive group but only 0 bytes left", false,
		module(sec(1, b(1, 0x4e), u32(huge)))},
	{"function count", "function section: 1073741824 functions but only 0 bytes left", false,
		module(typeVoid, sec(3, u32(1<<30)))},
	{"table count", "table section: 4294967295 tables but only 0 bytes left", false, module(sec(4, u32(huge)))},
	{"memory count", "memory section: 4294967295 memories but only 0 bytes left", false, module(sec(5, u32(huge)))},
	{"tag count", "tag section: 4294967295 tags but only 0 bytes left", false, module(sec(13, u32(huge)))},
	{"global count", "global section: 4294967295 globals but only 0 bytes left", false, module(sec(6, u32(huge)))},
	{"export count", "export section: 4294967295 exports but only 0 bytes left", false, module(sec(7, u32(huge)))},
	{"export name", "export section: export 0: name of 4294967295 bytes but only 1 bytes left", false,
		module(sec(7, b(1), u32(huge), b(0)))},
	{"element count", "element section: 4294967295 element segments but only 0 bytes left", false,
		module(sec(9, u32(huge)))},
	{"element form 0", "element section: element segment 0: 4294967295 function indices but only 0 bytes left", false,
		module(sec(9, b(1, 0, 0x41, 0, 0x0b), u32(huge)))},
	{"element form 1", "element section: element segment 0: 4294967295 function indices", false,
		module(sec(9, b(1, 1, 0), u32(huge)))},
	{"element form 2", "element section: element segment 0: 4294967295 function indices", false,
		module(sec(9, b(1, 2, 0, 0x41, 0, 0x0b, 0), u32(huge)))},
	{"element form 3", "element section: element segment 0: 4294967295 function indices", false,
		module(sec(9, b(1, 3, 0), u32(huge)))},
	{"element form 4", "element section: element segment 1: 4294967295 expressions", false,
		module(sec(9, b(2, 1, 0, 0), b(4, 0x41, 0, 0x0b), u32(huge)))},
	{"element form 5", "element section: element segment 0: 4294967295 expressions", false,
		module(sec(9, b(1, 5, 0x70), u32(huge)))},
	{"element form 6", "element section: element segment 0: 4294967295 expressions", false,
		module(sec(9, b(1, 6, 0, 0x41, 0, 0x0b, 0x70), u32(huge)))},
	{"element form 7", "element section: element segment 0: 4294967295 expressions", false,
		module(sec(9, b(1, 7, 0x70), u32(huge)))},
	{"code count", "code section: 4294967295 function bodies but only 0 bytes left", false,
		module(sec(10, u32(huge)))},
	{"local groups", "code section: function 0: 4294967295 local declarations but only 1 bytes left", false,
		module(typeVoid, funcs1, sec(10, b(1), body(u32(huge))))},
	{"locals", "code section: function 0: 4294967295 locals and parameters, more than 50000", true,
		module(typeVoid, funcs1, sec(10, b(1), body(cat(b(1), u32(huge), b(0x7f)))))},
	{"locals and params", "code section: function 0: 50001 locals and parameters, more than 50000", true,
		module(sec(1, b(1, 0x60, 1, 0x7f, 0)), funcs1, sec(10, b(1), body(cat(b(1), u32(50_000), b(0x7f)))))},
	{"locals of all functions", "code section: function 1: the functions up to here declare 100000 locals, more than 50022", true,
		module(typeVoid, sec(3, b(3, 0, 0, 0)),
			sec(10, b(3), bytes.Repeat(body(cat(b(1), u32(50_000), b(0x7f))), 3)))},
	{"br_table", "code section: function 0: 4294967295 br_table labels but only 0 bytes left", false,
		module(typeVoid, funcs1, sec(10, b(1), cat(b(7, 0, 0x0e), u32(huge))))},
	{"select types", "code section: function 0: 4294967295 select types but only 0 bytes left", false,
		module(typeVoid, funcs1, sec(10, b(1), cat(b(7, 0, 0x1c), u32(huge))))},
	{"data count", "data section: 4294967295 data segments but only 0 bytes left", false, module(sec(11, u32(huge)))},
	{"data form 0", "data section: data segment 0: contents of 4294967295 bytes but only 0 bytes left", false,
		module(sec(11, b(1, 0, 0x41, 0, 0x0b), u32(huge)))},
	{"data form 1", "data section: data segment 0: contents of 4294967295 bytes", false,
		module(sec(11, b(1, 1), u32(huge)))},
	{"data form 2", "data section: data segment 0: contents of 4294967295 bytes", false,
		module(sec(11, b(1, 2, 0, 0x41, 0, 0x0b), u32(huge)))},
	{"custom section name", "custom section: name of 4294967295 bytes but only 0 bytes left", false,
		module(sec(0, u32(huge)))},
	{"module name", "custom section: subsection 0: module name of 4294967295 bytes but only 0 bytes left", false,
		module(sec(0, str("name"), sec(0, u32(huge))))},
	{"function names", "custom section: subsection 1: 4294967295 function names but only 0 bytes left", false,
		module(sec(0, str("name"), sec(1, u32(huge))))},
	{"function name", "custom section: subsection 1: function name of 4294967295 bytes", false,
		module(sec(0, str("name"), sec(1, b(1, 0), u32(huge))))},
	{"local names functions", "custom section: subsection 2: 4294967295 functions but only 0 bytes left", false,
		module(sec(0, str("name"), sec(2, u32(huge))))},
	{"local names", "custom section: subsection 2: 4294967295 local names but only 0 bytes left", false,
		module(sec(0, str("name"), sec(2, b(1, 0), u32(huge))))},
	{"local name", "custom section: subsection 2: local name of 4294967295 bytes but only 0 bytes left", false,
		module(sec(0, str("name"), sec(2, b(1, 0, 1, 0), u32(huge))))},
	{"table size", "table section: table 0: the tables up to here have 4294967295 elements at least, more than 10000000", true,
		module(sec(4, b(1, 0x70, 0), u32(huge)))},
	{"imported table size", "import section: import 1: the tables up to here have 10000001 elements at least", true,
		module(sec(2, b(2), str("a"), str("b"), b(1, 0x70, 0), u32(10_000_000), str("a"), str("c"), b(1, 0x70, 0, 1)))},
	{"many params", "type section: function type 0: 1001 params, more than 1000", true,
		module(sec(1, b(1, 0x60), u32(1001), bytes.Repeat(b(0x7f), 1001), b(0)))},
	{"many results", "type section: function type 0: 1001 results, more than 1000", true,
		module(sec(1, b(1, 0x60, 0), u32(1001), bytes.Repeat(b(0x7f), 1001)))},
	{"module size", "67108865 bytes, more than 67108864", true,
		module(sec(0, str("x"), make([]byte, wasmbin.MaxModuleSize)))[:wasmbin.MaxModuleSize+1]},
}

// TestRefuses checks that every vector count and byte length wazero
// allocates from is checked, in every section.
func TestRefuses(t *testing.T) {
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := wasmbin.Parse(tc.bin)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("accepted")
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("Parse allocated %d bytes", alloc)
			}
			if !errors.Is(err, wasmbin.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, wasmbin.ErrLimit) != tc.limit {
				t.Fatalf("errors.Is(err, ErrLimit) = %v, want %v", !tc.limit, tc.limit)
			}
		})
	}
}

func TestStructure(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		bin        []byte
	}{
		{"not wasm", "not a WebAssembly 1.0 binary", []byte("\x00asm\x02\x00\x00\x00")},
		{"truncated section", "section 1: unexpected end: 4 bytes but only 1 bytes left", module(b(1, 4, 0))},
		{"unknown section", "unknown section id 14", module(sec(14))},
		{"out of order", "type section out of order", module(sec(3, b(0)), sec(1, b(0)))},
		{"twice", "type section out of order", module(sec(1, b(0)), sec(1, b(0)))},
		{"no code", "1 functions but no code section", module(typeVoid, funcs1)},
		{"bodies", "code section: 0 function bodies for 1 functions", module(typeVoid, funcs1, sec(10, b(0)))},
		{"type index", "function section: function 0: type 1 out of range (1 types)", module(typeVoid, sec(3, b(1, 1)))},
		{"trailing", "memory section: 1 bytes after the end", module(sec(5, b(0, 0)))},
		{"value type", "global section: global 0: invalid value type 0x00", module(sec(6, b(1, 0, 0, 0x0b)))},
		{"const expr", "global section: global 0: instruction 0x20 in a constant expression", module(sec(6, b(1, 0x7f, 0, 0x20, 0x0b)))},
		{"element flags", "element section: element segment 0: flags 8", module(sec(9, b(1, 8)))},
		{"data flags", "data section: data segment 0: flags 3", module(sec(11, b(1, 3)))},
		{"local heap type past the body", "code section: function 0: unexpected end", // wazero panics
			module(typeVoid, funcs1, sec(10, b(1, 3, 1, 0x30, 0x63), b(0x30)))},
		{"second name section", `custom section: second "name" section`, module(sec(0, str("name")), sec(0, str("name")))},
		{"name subsection size", "custom section: subsection 1: 1 bytes after the end",
			module(sec(0, str("name"), sec(1, b(0, 0))))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := wasmbin.Parse(tc.bin)
			if !errors.Is(err, wasmbin.ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// allocBound is the most that checking, instrumenting and compiling a
// module of n bytes may allocate in FuzzCompile.
func allocBound(n int) uint64 { return 64*uint64(n) + 16<<20 }

// FuzzCompile checks the property the package exists for: for any input,
// interrupt.Instrument (which calls Parse) either refuses it, or wazero
// compiles the result (or fails) without panicking and allocating more
// than allocBound.
func FuzzCompile(f *testing.F) {
	for _, tc := range valid {
		f.Add(tc.bin)
	}
	for _, tc := range refused {
		if len(tc.bin) < 1<<16 {
			f.Add(tc.bin)
		}
	}
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x020\xfc\xe8\xecx"))
	ctx := context.Background()
	r := wazero.NewRuntime(ctx) // the compiler, as in the executor
	f.Fuzz(func(t *testing.T, bin []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		out, err := interrupt.Instrument(bin)
		if err != nil && !errors.Is(err, wasmbin.ErrMalformed) {
			t.Fatalf("error does not wrap ErrMalformed: %v", err)
		}
		if err == nil {
			if cm, err := r.CompileModule(ctx, out); err == nil {
				_ = cm.Close(ctx)
			}
		}
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > allocBound(len(bin)) {
			t.Fatalf("%d bytes allocated for a module of %d bytes", alloc, len(bin))
		}
	})
}

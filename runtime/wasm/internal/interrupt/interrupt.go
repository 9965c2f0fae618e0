// Package interrupt rewrites a WebAssembly module so that its host can stop
// it, count the loop iterations it executes against a budget (its fuel),
// and let the Go runtime stop the world for garbage collection while it
// runs, at almost no cost to the module.
//
// Code that wazero compiles to machine code has no preemption points: a
// loop that never calls out of the module keeps its goroutine from ever
// reaching a safe point, so the Go runtime cannot stop the world for a
// collection and the whole process stalls, and nothing can stop the module.
// wazero's WithCloseOnContextDone fixes both by calling into Go at every
// loop iteration, which makes tight loops several times slower (4.5× on the
// restriction digest).
//
// Instrument instead adds three mutable globals, all exported: a chunk
// counter (i32, FuelGlobal), a stop flag (i32, StopGlobal) and the fuel
// left after the current chunk (i64, read as unsigned, FuelLeftGlobal). At
// the head of every loop it inserts
//
//	global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	global.get $fuel  i32.const 0  i32.lt_s
//	if                                     ;; the chunk is used up
//	  i32.const 0  memory.grow 0  drop     ;; returns to Go: a safe point
//	  global.get $stop  if  unreachable  end
//	  global.get $left  i64.eqz  if  unreachable  end   ;; out of fuel
//	  ;; next chunk: min($left, Fuel) iterations, this one included
//	  global.get $left  i64.const Fuel  i64.lt_u
//	  if (result i32)  global.get $left  i32.wrap_i64  else  i32.const Fuel  end
//	  global.set $fuel
//	  global.get $left  global.get $fuel  i64.extend_i32_u  i64.sub  global.set $left
//	  global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	end
//
// so that each execution of a loop head (each iteration of a loop,
// including its first) costs one unit of fuel, and once every Fuel
// iterations the module passes through Go (wazero implements memory.grow
// there; growing by zero pages changes nothing) and checks the stop flag.
//
// The host gives a run a budget of F iterations by setting $fuel to 0 and
// $left to F before calling into the module. The module then executes
// loop heads 1 to F normally and traps with "unreachable" at loop head F+1,
// exactly, on every machine; after that trap $left is 0 and $fuel is
// negative, a state the module reaches in no other way (see Exhausted).
// The iterations executed are F − $left − max($fuel, 0) (see Used). The
// initial values, $fuel = Fuel and $left = 2⁶⁴−1, make the budget
// practically unlimited for a host that sets nothing.
//
// The host stops the module by setting the stop flag to a non-zero value
// from any goroutine; the module then traps with "unreachable" within Fuel
// loop iterations. Straight-line code always reaches a loop, a return or
// the end of the program, and recursion is bounded by the call stack, so
// every run ends.
//
// A start function would run while wazero instantiates the module, before
// the host can set the budget or the stop flag, so Instrument removes the
// start section and exports the start function as StartExport instead; the
// host calls it right after instantiation, which is when the start section
// would have run.
//
// Instrument changes nothing else a module can observe: function, global,
// memory and type indices are kept (the new globals come after every
// existing one; a module without a memory gets an unexported one of zero
// pages), branch depths inside existing code are untouched because the
// inserted block is closed before the loop's own code resumes, and the
// result is deterministic, so the same module always gives the same bytes
// (and hits the same compilation cache entry). Instrument drops every
// custom section but "name": offsets in DWARF sections would no longer match
// the code, and wazero reads and parses them, which package wasmbin does not
// check; the names stay, for stack traces.
//
// Instrument first reads and checks the whole module with wasmbin.Parse, so
// that no module it returns can make wazero's decoder allocate more than a
// small multiple of its size (see package wasmbin). It accepts the
// instructions of WebAssembly 2.0 (sign extension, saturating conversions,
// bulk memory, reference types, multi-value, SIMD) plus tail calls and
// atomics. Anything else is refused with an error rather than guessed at: a
// module that cannot be instrumented cannot be stopped.
package interrupt

import (
	"fmt"

	"github.com/celltonomy/celltonomy/runtime/wasm/internal/wasmbin"
)

// Export names of the globals and of the start function that Instrument
// adds.
const (
	// StopGlobal is the stop flag, an i32: the module traps at its next
	// pass through Go once it is non-zero.
	StopGlobal = "celltonomy.interrupt"
	// FuelGlobal is the fuel left in the current chunk, an i32; it is
	// negative once the chunk is used up.
	FuelGlobal = "celltonomy.fuel"
	// FuelLeftGlobal is the fuel left after the current chunk, an i64 read
	// as unsigned.
	FuelLeftGlobal = "celltonomy.fuel_left"
	// StartExport is the module's start function, exported instead of run
	// at instantiation; absent when the module has no start section.
	StartExport = "celltonomy.start"
)

// Fuel is the number of loop iterations between two passes through Go: the
// largest chunk of the budget.
const Fuel = 1 << 14

const (
	externFunc   = 0x00
	externGlobal = 0x03
)

// ErrMalformed is wrapped by every error Instrument returns for bytes that
// are not a module it can read, or that are over a limit of package
// wasmbin. It is wasmbin.ErrMalformed.
var ErrMalformed = wasmbin.ErrMalformed

// Used returns the loop iterations a run given a budget of fuel iterations
// has executed, from the values of FuelGlobal (chunk) and FuelLeftGlobal
// (left) when it ended.
func Used(fuel uint64, chunk int32, left uint64) uint64 {
	return fuel - left - uint64(max(chunk, 0))
}

// Exhausted reports whether a run ended because it reached the loop head
// after its last unit of fuel, from the values of FuelGlobal (chunk) and
// FuelLeftGlobal (left) when it ended.
func Exhausted(chunk int32, left uint64) bool { return left == 0 && chunk < 0 }

// Instrument returns bin with the globals, the checks at loop heads and the
// exports described in the package documentation, without its start
// section and without the custom sections other than "name". It fails,
// wrapping ErrMalformed, for bytes that do not pass wasmbin.Parse, and for
// a module that already exports one of the names it adds.
func Instrument(bin []byte) ([]byte, error) {
	m, err := wasmbin.Parse(bin)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{StopGlobal, FuelGlobal, FuelLeftGlobal, StartExport} {
		if m.HasExport(name) {
			return nil, fmt.Errorf("%w: the module already exports %q", ErrMalformed, name)
		}
	}
	g := globals{fuel: m.Globals, stop: m.Globals + 1, left: m.Globals + 2} // indices of the new globals

	start := int64(-1) // the start function's index, if any
	for _, s := range m.Sections {
		if s.ID == wasmbin.SecStart {
			n, _ := vecCount(s.Payload) // a single u32, which Parse has checked
			start = int64(n)
		}
	}
	exports := g.exports(start)

	noMemory := []byte{1, 0x00, 0} // (memory 0)
	out := make([]wasmbin.Section, 0, len(m.Sections)+3)
	haveMemory, haveGlobal, haveExport := false, false, false
	for _, s := range m.Sections {
		switch s.ID {
		case wasmbin.SecMemory:
			haveMemory = true
			if m.Memories == 0 { // an empty memory section
				s.Payload = noMemory
			}
		case wasmbin.SecGlobal:
			haveGlobal = true
			s.Payload = appendGlobals(s.Payload)
		case wasmbin.SecExport:
			haveExport = true
			s.Payload = appendExports(s.Payload, exports)
		case wasmbin.SecStart:
			continue
		case wasmbin.SecCode:
			s.Payload = instrumentCode(s.Payload, m.LoopBodies, g)
		}
		out = append(out, s)
	}
	if m.Memories == 0 && !haveMemory {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecMemory, Payload: noMemory})
	}
	if !haveGlobal {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecGlobal, Payload: appendGlobals([]byte{0})})
	}
	if !haveExport {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecExport, Payload: appendExports([]byte{0}, exports)})
	}

	res := make([]byte, 0, len(bin)+len(bin)/16+64)
	res = append(res, bin[:8]...)
	for _, s := range out {
		res = append(res, s.ID)
		res = appendU32(res, uint32(len(s.Payload)))
		res = append(res, s.Payload...)
	}
	return res, nil
}

// globals are the indices of the globals Instrument adds.
type globals struct{ fuel, stop, left uint32 }

// export is one entry of an export section.
type export struct {
	name string
	kind byte
	idx  uint32
}

// exports lists what Instrument exports: the three globals and, when
// start is not negative, the start function.
func (g globals) exports(start int64) []export {
	list := []export{
		{StopGlobal, externGlobal, g.stop},
		{FuelGlobal, externGlobal, g.fuel},
		{FuelLeftGlobal, externGlobal, g.left},
	}
	if start >= 0 {
		list = append(list, export{StartExport, externFunc, uint32(start)})
	}
	return list
}

// insertSection puts s before the first known section that must follow it.
func insertSection(list []wasmbin.Section, s wasmbin.Section) []wasmbin.Section {
	for i, e := range list {
		if e.ID != wasmbin.SecCustom && wasmbin.SectionOrder(e.ID) > wasmbin.SectionOrder(s.ID) {
			return append(list[:i], append([]wasmbin.Section{s}, list[i:]...)...)
		}
	}
	return append(list, s)
}

// vecCount reads the element count at the start of a vector payload that
// wasmbin.Parse has checked, and returns it with the offset of the first
// element.
func vecCount(p []byte) (n uint32, off int) {
	for shift := 0; off < len(p); shift += 7 {
		c := p[off]
		off++
		n |= uint32(c&0x7f) << shift
		if c&0x80 == 0 {
			break
		}
	}
	return n, off
}

// appendGlobals adds the chunk counter, (global (mut i32) (i32.const
// Fuel)), the stop flag, (global (mut i32) (i32.const 0)), and the fuel
// left, (global (mut i64) (i64.const -1)), to a global section.
func appendGlobals(p []byte) []byte {
	n, off := vecCount(p)
	out := appendU32(nil, n+3)
	out = append(out, p[off:]...)
	out = append(out, 0x7f, 0x01, 0x41)
	out = appendS32(out, Fuel)
	out = append(out, 0x0b)
	out = append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b)
	return append(out, 0x7e, 0x01, 0x42, 0x7f, 0x0b)
}

// appendExports adds list to an export section.
func appendExports(p []byte, list []export) []byte {
	n, off := vecCount(p)
	out := appendU32(nil, n+uint32(len(list)))
	out = append(out, p[off:]...)
	for _, e := range list {
		out = appendU32(out, uint32(len(e.name)))
		out = append(out, e.name...)
		out = append(out, e.kind)
		out = appendU32(out, e.idx)
	}
	return out
}

// check returns the code inserted at the head of every loop (see the
// package documentation).
func (g globals) check() []byte {
	getFuel := appendU32([]byte{0x23}, g.fuel) // global.get $fuel
	setFuel := appendU32([]byte{0x24}, g.fuel) // global.set $fuel
	getLeft := appendU32([]byte{0x23}, g.left) // global.get $left
	var c []byte
	c = append(c, getFuel...)
	c = append(c, 0x41, 0x01, 0x6b) // i32.const 1; i32.sub
	c = append(c, setFuel...)
	c = append(c, getFuel...)
	c = append(c, 0x41, 0x00, 0x48)             // i32.const 0; i32.lt_s
	c = append(c, 0x04, 0x40)                   // if
	c = append(c, 0x41, 0x00, 0x40, 0x00, 0x1a) // i32.const 0; memory.grow 0; drop
	c = append(c, 0x23)
	c = appendU32(c, g.stop)              // global.get $stop
	c = append(c, 0x04, 0x40, 0x00, 0x0b) // if; unreachable; end
	c = append(c, getLeft...)
	c = append(c, 0x50, 0x04, 0x40, 0x00, 0x0b) // i64.eqz; if; unreachable; end
	c = append(c, getLeft...)
	c = append(c, 0x42)
	c = appendS64(c, Fuel)
	c = append(c, 0x54, 0x04, 0x7f) // i64.lt_u; if (result i32)
	c = append(c, getLeft...)
	c = append(c, 0xa7, 0x05, 0x41) // i32.wrap_i64; else; i32.const
	c = appendS32(c, Fuel)
	c = append(c, 0x0b) // end
	c = append(c, setFuel...)
	c = append(c, getLeft...)
	c = append(c, getFuel...)
	c = append(c, 0xad, 0x7d, 0x24) // i64.extend_i32_u; i64.sub; global.set
	c = appendU32(c, g.left)
	c = append(c, getFuel...)
	c = append(c, 0x41, 0x01, 0x6b) // i32.const 1; i32.sub
	c = append(c, setFuel...)
	return append(c, 0x0b) // end
}

// instrumentCode inserts the check at the head of every loop of every
// function body in a code section; loops are the offsets in p just after
// each loop instruction and its block type, in increasing order.
func instrumentCode(p []byte, loops []int32, g globals) []byte {
	check := g.check()
	n, off := vecCount(p)
	out := appendU32(make([]byte, 0, len(p)+len(loops)*len(check)+16), n)
	var body []byte
	for range n {
		size, k := vecCount(p[off:])
		start := off + k
		end := start + int(size)
		body = body[:0]
		last := start
		for len(loops) > 0 && int(loops[0]) < end {
			body = append(body, p[last:loops[0]]...)
			body = append(body, check...)
			last = int(loops[0])
			loops = loops[1:]
		}
		body = append(body, p[last:end]...)
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
		off = end
	}
	return out
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendS32(b []byte, v int32) []byte { return appendS64(b, int64(v)) }

func appendS64(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

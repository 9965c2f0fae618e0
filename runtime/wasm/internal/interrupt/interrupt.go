// Package interrupt rewrites a WebAssembly module so that its host can stop
// it, and so that the Go runtime can stop the world for garbage collection
// while it runs, at almost no cost to the module.
//
// Code that wazero compiles to machine code has no preemption points: a
// loop that never calls out of the module keeps its goroutine from ever
// reaching a safe point, so the Go runtime cannot stop the world for a
// collection and the whole process stalls, and nothing can stop the module.
// wazero's WithCloseOnContextDone fixes both by calling into Go at every
// loop iteration, which makes tight loops several times slower (4.5× on the
// restriction digest).
//
// Instrument instead adds two mutable i32 globals: a fuel counter, and a
// stop flag exported as GlobalName. At the head of every loop it inserts
//
//	global.get $fuel  i32.const 1  i32.sub  global.set $fuel
//	global.get $fuel  i32.const 0  i32.le_s
//	if
//	  i32.const 0  memory.grow 0  drop    ;; returns to Go: a safe point
//	  global.get $stop  if  unreachable  end
//	  i32.const Fuel  global.set $fuel
//	end
//
// so that once every Fuel iterations the module passes through Go (wazero
// implements memory.grow there; growing by zero pages changes nothing) and
// checks the stop flag. The host stops the module by setting the flag to a
// non-zero value from any goroutine; the module then traps with
// "unreachable" within Fuel loop iterations. Straight-line code always
// reaches a loop, a return or the end of the program, and recursion is
// bounded by the call stack, so every run ends.
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

// GlobalName is the export name of the stop flag.
const GlobalName = "celltonomy.interrupt"

// Fuel is the number of loop iterations between two passes through Go.
const Fuel = 1 << 14

const externGlobal = 0x03

// ErrMalformed is wrapped by every error Instrument returns for bytes that
// are not a module it can read, or that are over a limit of package
// wasmbin. It is wasmbin.ErrMalformed.
var ErrMalformed = wasmbin.ErrMalformed

// Instrument returns bin with the interrupt global and its checks added,
// and without the custom sections other than "name" (see the package
// documentation). It fails, wrapping ErrMalformed, for bytes that do not
// pass wasmbin.Parse, and for a module that already exports GlobalName.
func Instrument(bin []byte) ([]byte, error) {
	m, err := wasmbin.Parse(bin)
	if err != nil {
		return nil, err
	}
	if m.HasExport(GlobalName) {
		return nil, fmt.Errorf("%w: the module already exports %q", ErrMalformed, GlobalName)
	}
	fuel, stop := m.Globals, m.Globals+1 // indices of the new globals

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
			s.Payload = appendGlobal(s.Payload)
		case wasmbin.SecExport:
			haveExport = true
			s.Payload = appendExport(s.Payload, stop)
		case wasmbin.SecCode:
			s.Payload = instrumentCode(s.Payload, m.LoopBodies, fuel, stop)
		}
		out = append(out, s)
	}
	if m.Memories == 0 && !haveMemory {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecMemory, Payload: noMemory})
	}
	if !haveGlobal {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecGlobal, Payload: appendGlobal([]byte{0})})
	}
	if !haveExport {
		out = insertSection(out, wasmbin.Section{ID: wasmbin.SecExport, Payload: appendExport([]byte{0}, stop)})
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

// appendGlobal adds the fuel global, (global (mut i32) (i32.const Fuel)),
// and the stop flag, (global (mut i32) (i32.const 0)), to a global section.
func appendGlobal(p []byte) []byte {
	n, off := vecCount(p)
	out := appendU32(nil, n+2)
	out = append(out, p[off:]...)
	out = append(out, 0x7f, 0x01, 0x41)
	out = appendS32(out, Fuel)
	out = append(out, 0x0b)
	return append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b)
}

// appendExport adds the export of global idx as GlobalName to an export
// section.
func appendExport(p []byte, idx uint32) []byte {
	n, off := vecCount(p)
	out := appendU32(nil, n+1)
	out = append(out, p[off:]...)
	out = appendU32(out, uint32(len(GlobalName)))
	out = append(out, GlobalName...)
	out = append(out, externGlobal)
	return appendU32(out, idx)
}

// instrumentCode inserts the check at the head of every loop of every
// function body in a code section; loops are the offsets in p just after
// each loop instruction and its block type, in increasing order.
func instrumentCode(p []byte, loops []int32, fuel, stop uint32) []byte {
	var check []byte
	getFuel := appendU32([]byte{0x23}, fuel) // global.get $fuel
	setFuel := appendU32([]byte{0x24}, fuel) // global.set $fuel
	check = append(check, getFuel...)
	check = append(check, 0x41, 0x01, 0x6b) // i32.const 1; i32.sub
	check = append(check, setFuel...)
	check = append(check, getFuel...)
	check = append(check, 0x41, 0x00, 0x4c)             // i32.const 0; i32.le_s
	check = append(check, 0x04, 0x40)                   // if
	check = append(check, 0x41, 0x00, 0x40, 0x00, 0x1a) // i32.const 0; memory.grow 0; drop
	check = append(check, 0x23)
	check = appendU32(check, stop)                // global.get $stop
	check = append(check, 0x04, 0x40, 0x00, 0x0b) // if; unreachable; end
	check = append(check, 0x41)
	check = appendS32(check, Fuel) // i32.const Fuel
	check = append(check, setFuel...)
	check = append(check, 0x0b) // end

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

func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

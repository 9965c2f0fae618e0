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
// (and hits the same compilation cache entry). Offsets in DWARF custom
// sections no longer match the code; they only serve debuggers.
//
// Instrument accepts the instructions of WebAssembly 2.0 (sign extension,
// saturating conversions, bulk memory, reference types, multi-value, SIMD)
// plus tail calls and atomics. Anything else is refused with an error rather
// than guessed at: a module that cannot be instrumented cannot be stopped.
package interrupt

import (
	"errors"
	"fmt"
)

// GlobalName is the export name of the stop flag.
const GlobalName = "celltonomy.interrupt"

// Fuel is the number of loop iterations between two passes through Go.
const Fuel = 1 << 14

// Section ids (WebAssembly core spec §5.5.2).
const (
	secCustom   = 0
	secImport   = 2
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
	secDataCnt  = 12
	secTag      = 13
	externGlobl = 0x03
)

// order is the position of each known section in a module.
var order = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, secTag: 6, secGlobal: 7, secExport: 8, 8: 9, 9: 10, secDataCnt: 11, secCode: 12, 11: 13}

// ErrMalformed is wrapped by every error Instrument returns for bytes that
// are not a module it can read.
var ErrMalformed = errors.New("malformed module")

type section struct {
	id      byte
	payload []byte
}

// Instrument returns bin with the interrupt global and its checks added. It
// fails, wrapping ErrMalformed, for bytes that are not a well-formed module,
// for instructions it does not know, or for a module that already exports
// GlobalName.
func Instrument(bin []byte) ([]byte, error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" || string(bin[4:8]) != "\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", ErrMalformed)
	}
	r := &reader{b: bin, off: 8}
	var sections []section
	for r.off < len(r.b) {
		id := r.byte()
		size := r.u32()
		payload := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("%w: section %d: %v", ErrMalformed, id, r.err)
		}
		if _, known := order[id]; !known && id != secCustom {
			return nil, fmt.Errorf("%w: unknown section id %d", ErrMalformed, id)
		}
		sections = append(sections, section{id, payload})
	}

	globals, memories := uint32(0), uint32(0)
	for _, s := range sections {
		switch s.id {
		case secImport:
			g, m, err := countImports(s.payload)
			if err != nil {
				return nil, err
			}
			globals += g
			memories += m
		case secMemory:
			n, _, err := vecCount(s.payload)
			if err != nil {
				return nil, fmt.Errorf("%w: memory section: %v", ErrMalformed, err)
			}
			memories += n
		case secGlobal:
			n, _, err := vecCount(s.payload)
			if err != nil {
				return nil, fmt.Errorf("%w: global section: %v", ErrMalformed, err)
			}
			globals += n
		}
	}
	fuel, stop := globals, globals+1 // indices of the new globals

	out := sections[:0:0]
	haveGlobal, haveExport := false, false
	for _, s := range sections {
		var err error
		switch s.id {
		case secGlobal:
			haveGlobal = true
			s.payload, err = appendGlobal(s.payload)
		case secExport:
			haveExport = true
			s.payload, err = appendExport(s.payload, stop)
		case secCode:
			s.payload, err = instrumentCode(s.payload, fuel, stop)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if memories == 0 {
		out = insertSection(out, section{secMemory, []byte{1, 0x00, 0}}) // (memory 0)
	}
	if !haveGlobal {
		p, _ := appendGlobal([]byte{0})
		out = insertSection(out, section{secGlobal, p})
	}
	if !haveExport {
		p, _ := appendExport([]byte{0}, stop)
		out = insertSection(out, section{secExport, p})
	}

	res := make([]byte, 0, len(bin)+len(bin)/16+64)
	res = append(res, bin[:8]...)
	for _, s := range out {
		res = append(res, s.id)
		res = appendU32(res, uint32(len(s.payload)))
		res = append(res, s.payload...)
	}
	return res, nil
}

// insertSection puts s before the first known section that must follow it.
func insertSection(list []section, s section) []section {
	for i, e := range list {
		if e.id != secCustom && order[e.id] > order[s.id] {
			return append(list[:i], append([]section{s}, list[i:]...)...)
		}
	}
	return append(list, s)
}

// countImports counts the global and memory imports of an import section.
func countImports(p []byte) (globals, memories uint32, err error) {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case 0x00: // function: type index
			r.u32()
		case 0x01: // table: reftype, limits
			r.byte()
			r.limits()
		case 0x02: // memory: limits
			r.limits()
			memories++
		case externGlobl: // global: valtype, mutability
			r.byte()
			r.byte()
			globals++
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			r.fail(fmt.Errorf("import %d: unknown kind 0x%02x", i, kind))
		}
	}
	if r.err == nil && r.off != len(p) {
		r.fail(errors.New("trailing bytes"))
	}
	if r.err != nil {
		return 0, 0, fmt.Errorf("%w: import section: %v", ErrMalformed, r.err)
	}
	return globals, memories, nil
}

// vecCount reads the element count at the start of a vector payload and
// returns it with the offset of the first element.
func vecCount(p []byte) (uint32, int, error) {
	r := &reader{b: p}
	n := r.u32()
	return n, r.off, r.err
}

// appendGlobal adds the fuel global, (global (mut i32) (i32.const Fuel)),
// and the stop flag, (global (mut i32) (i32.const 0)), to a global section.
func appendGlobal(p []byte) ([]byte, error) {
	n, off, err := vecCount(p)
	if err != nil {
		return nil, fmt.Errorf("%w: global section: %v", ErrMalformed, err)
	}
	out := appendU32(nil, n+2)
	out = append(out, p[off:]...)
	out = append(out, 0x7f, 0x01, 0x41)
	out = appendS32(out, Fuel)
	out = append(out, 0x0b)
	return append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b), nil
}

// appendExport adds the export of global idx as GlobalName, refusing a
// module that already has an export of that name.
func appendExport(p []byte, idx uint32) ([]byte, error) {
	r := &reader{b: p}
	n := r.u32()
	start := r.off
	for i := uint32(0); i < n && r.err == nil; i++ {
		if string(r.name()) == GlobalName {
			return nil, fmt.Errorf("%w: the module already exports %q", ErrMalformed, GlobalName)
		}
		r.byte()
		r.u32()
	}
	if r.err == nil && r.off != len(p) {
		r.fail(errors.New("trailing bytes"))
	}
	if r.err != nil {
		return nil, fmt.Errorf("%w: export section: %v", ErrMalformed, r.err)
	}
	out := appendU32(nil, n+1)
	out = append(out, p[start:]...)
	out = appendU32(out, uint32(len(GlobalName)))
	out = append(out, GlobalName...)
	out = append(out, externGlobl)
	return appendU32(out, idx), nil
}

// instrumentCode inserts the check at the head of every loop of every
// function body in a code section.
func instrumentCode(p []byte, fuel, stop uint32) ([]byte, error) {
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

	r := &reader{b: p}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(p)+len(p)/16), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		b := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("%w: code section: function %d: %v", ErrMalformed, i, r.err)
		}
		var err error
		body, err = instrumentBody(body[:0], b, check)
		if err != nil {
			return nil, fmt.Errorf("%w: code section: function %d: %v", ErrMalformed, i, err)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if r.off != len(p) {
		return nil, fmt.Errorf("%w: code section: trailing bytes", ErrMalformed)
	}
	return out, nil
}

// instrumentBody appends the function body b, with check inserted after
// every loop's block type, to out.
func instrumentBody(out, b, check []byte) ([]byte, error) {
	r := &reader{b: b}
	groups := r.u32()
	for i := uint32(0); i < groups && r.err == nil; i++ {
		r.u32()  // count
		r.byte() // valtype
	}
	last := 0
	depth := 1 // the function's own block
	for depth > 0 && r.err == nil {
		op := r.byte()
		switch op {
		case 0x02, 0x04: // block, if
			r.blockType()
			depth++
		case 0x03: // loop
			r.blockType()
			depth++
			if r.err == nil {
				out = append(out, b[last:r.off]...)
				out = append(out, check...)
				last = r.off
			}
		case 0x0b: // end
			depth--
		default:
			r.immediates(op)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if r.off != len(b) {
		return nil, errors.New("code after the function's end")
	}
	return append(out, b[last:]...), nil
}

// Package wasmbin reads a WebAssembly module and checks its structure
// before wazero decodes it.
//
// wazero's decoder trusts the counts it reads: it allocates a vector's
// elements, a string or a data segment from the length in the binary before
// reading them, so a 14-byte module that declares 250 million imports makes
// it allocate gigabytes, and the Go runtime ends the whole process with
// "fatal error: runtime: out of memory", which no recover can catch. Parse
// walks every section wazero decodes and enforces one rule on everything it
// reads: a vector needs at least one byte per element and a byte string its
// length, within its enclosing section, function body or subsection. A
// module that passes therefore makes wazero allocate at most a small
// multiple of its size for each vector.
//
// Some counts are not paid for in bytes, and Parse bounds them with the
// numbers that the engines of web browsers also enforce (the WebAssembly
// JavaScript API's implementation limits):
//
//   - a function type has at most MaxParams parameters and MaxResults
//     results (the compiler's cost for a type grows with the square of its
//     arity);
//   - a function declares at most MaxLocals locals, parameters included
//     (one declaration of six bytes can declare four billion locals);
//   - the tables of a module have at most MaxTableElements elements in all
//     at instantiation, the browsers' limit for one table (wazero allocates,
//     and may fill, every table at its minimum size).
//
// Two more limits are this runtime's own: a module is at most MaxModuleSize
// bytes, and all its functions together declare at most MaxLocals locals
// plus one per byte of the code section, so that the compiler's work per
// local (it zeroes each one) stays proportional to the module's size.
//
// Parse reads the sections in the order the specification requires and
// refuses unknown sections and instructions it does not know (the
// instructions of WebAssembly 2.0, tail calls and atomics). Of the custom
// sections, it checks the contents of "name", the only one wazero decodes
// into data structures, and leaves the others out of Module.Sections:
// wazero reads DWARF sections (".debug_*") into memory and parses them with
// debug/dwarf, which is not meant for hostile input, so a module assembled
// from Module.Sections, as package interrupt does, is the one to hand to
// wazero.
package wasmbin

import (
	"errors"
	"fmt"
)

// Limits enforced by Parse; see the package documentation.
const (
	// MaxModuleSize is the largest module accepted, in bytes.
	MaxModuleSize = 64 << 20
	// MaxParams is the largest number of parameters of a function type.
	MaxParams = 1000
	// MaxResults is the largest number of results of a function type.
	MaxResults = 1000
	// MaxLocals is the largest number of locals of a function, parameters
	// included.
	MaxLocals = 50_000
	// MaxTableElements is the largest sum of the minimum sizes of a
	// module's tables.
	MaxTableElements = 10_000_000
)

// ErrMalformed is wrapped by every error Parse returns.
var ErrMalformed = errors.New("malformed module")

// ErrLimit is also wrapped by the errors of Parse for a module that is
// well-formed as far as it was read but exceeds one of the limits above.
var ErrLimit = errors.New("module exceeds a limit")

// limitError is an error that errors.Is matches with ErrLimit without
// saying so in its message.
type limitError struct{ error }

func (limitError) Is(target error) bool { return target == ErrLimit }

func limitf(format string, args ...any) error { return limitError{fmt.Errorf(format, args...)} }

// Section ids (WebAssembly core spec §5.5.2, plus the tag section of the
// exception handling proposal).
const (
	SecCustom    = 0
	SecType      = 1
	SecImport    = 2
	SecFunction  = 3
	SecTable     = 4
	SecMemory    = 5
	SecGlobal    = 6
	SecExport    = 7
	SecStart     = 8
	SecElement   = 9
	SecCode      = 10
	SecData      = 11
	SecDataCount = 12
	SecTag       = 13
)

// order gives the position of each known section id other than custom in
// a module.
var order = map[byte]int{
	SecType: 1, SecImport: 2, SecFunction: 3, SecTable: 4, SecMemory: 5, SecTag: 6, SecGlobal: 7,
	SecExport: 8, SecStart: 9, SecElement: 10, SecDataCount: 11, SecCode: 12, SecData: 13,
}

// SectionOrder returns the position of a known section id other than
// custom in a module, from 1 (type) to 13 (data), and 0 for others. Known
// sections must appear in increasing positions, at most once each.
func SectionOrder(id byte) int { return order[id] }

var sectionNames = [...]string{"custom", "type", "import", "function", "table", "memory",
	"global", "export", "start", "element", "code", "data", "data count", "tag"}

// Section is one section of a module.
type Section struct {
	ID byte
	// Payload is the section's contents after its size, a slice of the
	// module's bytes.
	Payload []byte
}

// Module is what Parse learns about a module.
type Module struct {
	// Sections are the module's sections in order, without the custom
	// sections other than "name", whose contents Parse does not check.
	Sections []Section
	// Globals and Memories count the imported and defined globals and
	// memories.
	Globals, Memories uint32
	// LoopBodies are the offsets in the code section's payload just after
	// each loop instruction and its block type, in increasing order.
	LoopBodies []int32
}

// HasExport reports whether the module exports something named name.
func (m *Module) HasExport(name string) bool {
	for _, s := range m.Sections {
		if s.ID != SecExport {
			continue
		}
		r := &reader{b: s.Payload}
		for n := r.u32(); n > 0 && r.err == nil; n-- {
			if string(r.name("name")) == name {
				return true
			}
			r.byte()
			r.u32()
		}
	}
	return false
}

// parser holds what the sections read so far tell about the next ones.
type parser struct {
	m          *Module
	typeParams []uint32 // parameter counts of the types
	funcTypes  []uint32 // type indices of the defined functions
	tableElems uint64   // sum of the tables' minimum sizes
	locals     uint64   // locals declared by the function bodies read so far
	haveName   bool     // a "name" section was read
	isName     bool     // the last section read is the "name" section
	haveCode   bool     // the code section was read
}

// Parse reads and checks bin, a WebAssembly 1.0 binary module, according to
// the rules in the package documentation. Its errors wrap ErrMalformed, and
// also ErrLimit for a module over a limit, and name the section and the
// rule, as in "type section: function type 3: 4294967295 params but only 12
// bytes left". Parse allocates at most about ten times len(bin).
func Parse(bin []byte) (*Module, error) {
	if len(bin) > MaxModuleSize {
		return nil, fmt.Errorf("%w: %w", ErrMalformed,
			limitf("%d bytes, more than %d", len(bin), MaxModuleSize))
	}
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" || string(bin[4:8]) != "\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: not a WebAssembly 1.0 binary", ErrMalformed)
	}
	p := &parser{m: &Module{}}
	r := &reader{b: bin, off: 8}
	last := 0
	for r.off < len(r.b) {
		id := r.byte()
		size := r.u32()
		if r.err == nil && uint64(size) > uint64(r.left()) {
			r.failf("unexpected end: %d bytes but only %d bytes left", size, r.left())
		}
		payload := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("%w: section %d: %w", ErrMalformed, id, r.err)
		}
		if pos, known := order[id]; id != SecCustom && !known {
			return nil, fmt.Errorf("%w: unknown section id %d", ErrMalformed, id)
		} else if id != SecCustom && pos <= last {
			return nil, fmt.Errorf("%w: %s section out of order", ErrMalformed, sectionNames[id])
		} else if id != SecCustom {
			last = pos
		}
		s := Section{ID: id, Payload: payload}
		if err := p.section(&s); err != nil {
			return nil, fmt.Errorf("%w: %s section: %w", ErrMalformed, sectionNames[id], err)
		}
		if id != SecCustom || p.isName {
			p.m.Sections = append(p.m.Sections, s)
		}
	}
	if len(p.funcTypes) > 0 && !p.haveCode {
		return nil, fmt.Errorf("%w: %d functions but no code section", ErrMalformed, len(p.funcTypes))
	}
	return p.m, nil
}

// section checks one section and fills in what the module learns from it.
func (p *parser) section(s *Section) error {
	r := &reader{b: s.Payload}
	p.isName = false
	switch s.ID {
	case SecCustom:
		if string(r.name("name")) == "name" && r.err == nil {
			p.isName = true
			if p.haveName {
				r.failf(`second "name" section`)
			}
			p.haveName = true
			p.names(r)
		} else {
			r.off = len(r.b) // contents unchecked: see the package documentation
		}
	case SecType:
		p.types(r)
	case SecImport:
		p.imports(r)
	case SecFunction:
		n := r.vec("functions")
		p.funcTypes = make([]uint32, 0, n)
		for i := uint32(0); i < n && r.err == nil; i++ {
			t := r.u32()
			if r.err == nil && t >= uint32(len(p.typeParams)) {
				r.failf("function %d: type %d out of range (%d types)", i, t, len(p.typeParams))
			}
			p.funcTypes = append(p.funcTypes, t)
		}
	case SecTable:
		n := r.vec("tables")
		for i := uint32(0); i < n && r.err == nil; i++ {
			p.table(r)
			r.context("table %d", i)
		}
	case SecMemory:
		n := r.vec("memories")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.limits()
			r.context("memory %d", i)
		}
		p.m.Memories += n
	case SecTag:
		n := r.vec("tags")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.byte() // attribute
			r.u32()  // type index
		}
	case SecGlobal:
		n := r.vec("globals")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valType()
			r.byte() // mutability
			r.constExpr()
			r.context("global %d", i)
		}
		p.m.Globals += n
	case SecExport:
		n := r.vec("exports")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.name("name")
			r.byte() // kind
			r.u32()  // index
			r.context("export %d", i)
		}
	case SecStart:
		r.u32()
	case SecDataCount:
		// Its number allocates nothing, and wazero reads it leniently
		// (it accepts an empty or truncated one).
		r.off = len(r.b)
	case SecElement:
		n := r.vec("element segments")
		for i := uint32(0); i < n && r.err == nil; i++ {
			elementSegment(r)
			r.context("element segment %d", i)
		}
	case SecCode:
		p.haveCode = true
		p.code(r)
	case SecData:
		n := r.vec("data segments")
		for i := uint32(0); i < n && r.err == nil; i++ {
			dataSegment(r)
			r.context("data segment %d", i)
		}
	}
	r.end()
	return r.err
}

// types reads the type section: function types, alone or in recursive
// groups (which wazero accepts for the GC proposal).
func (p *parser) types(r *reader) {
	n := r.vec("types")
	p.typeParams = make([]uint32, 0, n)
	for i := uint32(0); i < n && r.err == nil; i++ {
		if r.peek() != 0x4e {
			p.funcType(r)
			continue
		}
		r.byte()
		k := r.vec("types in a recursive group")
		for j := uint32(0); j < k && r.err == nil; j++ {
			p.funcType(r)
		}
	}
}

// funcType reads a function type: 0x60, then its parameter and result
// types.
func (p *parser) funcType(r *reader) {
	if form := r.byte(); form != 0x60 && r.err == nil {
		r.failf("form 0x%02x, not 0x60", form)
	}
	params := r.vec("params")
	if r.err == nil && params > MaxParams {
		r.fail(limitf("%d params, more than %d", params, MaxParams))
	}
	for i := uint32(0); i < params && r.err == nil; i++ {
		r.valType()
	}
	results := r.vec("results")
	if r.err == nil && results > MaxResults {
		r.fail(limitf("%d results, more than %d", results, MaxResults))
	}
	for i := uint32(0); i < results && r.err == nil; i++ {
		r.valType()
	}
	r.context("function type %d", len(p.typeParams))
	p.typeParams = append(p.typeParams, params)
}

// imports reads the import section.
func (p *parser) imports(r *reader) {
	n := r.vec("imports")
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name("module name")
		r.name("name")
		switch kind := r.byte(); kind {
		case 0x00: // function: type index
			r.u32()
		case 0x01: // table
			p.table(r)
		case 0x02: // memory: limits
			r.limits()
			p.m.Memories++
		case 0x03: // global: value type, mutability
			r.valType()
			r.byte()
			p.m.Globals++
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			if r.err == nil {
				r.failf("unknown kind 0x%02x", kind)
			}
		}
		r.context("import %d", i)
	}
}

// table reads a table type, which may start with 0x40 0x00 and then end
// with an initializer expression, and counts its minimum size.
func (p *parser) table(r *reader) {
	withInit := r.peek() == 0x40
	if withInit {
		r.byte()
		if b := r.byte(); b != 0x00 && r.err == nil {
			r.failf("0x%02x after 0x40, not 0x00", b)
		}
	}
	r.refType()
	p.tableElems += r.limits()
	if r.err == nil && p.tableElems > MaxTableElements {
		r.fail(limitf("the tables up to here have %d elements at least, more than %d", p.tableElems, MaxTableElements))
	}
	if withInit {
		r.constExpr()
	}
}

// elementSegment reads one element segment in any of its eight forms.
func elementSegment(r *reader) {
	flags := r.u32()
	if r.err == nil && flags > 7 {
		r.failf("flags %d", flags)
		return
	}
	if flags&0b011 == 0b010 { // active with a table index
		r.u32()
	}
	if flags&0b001 == 0 { // active: an offset
		r.constExpr()
	}
	if flags&0b011 != 0 { // not the legacy form: an element kind or type
		if flags&0b100 == 0 {
			r.byte() // element kind (0x00: funcref)
		} else {
			r.refType()
		}
	}
	if flags&0b100 == 0 {
		n := r.vec("function indices")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.u32()
		}
		return
	}
	n := r.vec("expressions")
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.constExpr()
	}
}

// dataSegment reads one data segment in any of its three forms.
func dataSegment(r *reader) {
	switch flags := r.u32(); flags {
	case 0: // active, memory 0
		r.constExpr()
	case 1: // passive
	case 2: // active, with a memory index
		r.u32()
		r.constExpr()
	default:
		if r.err == nil {
			r.failf("flags %d", flags)
		}
	}
	r.name("contents")
}

// names reads the "name" custom section the way wazero does: the module,
// function and local names subsections, each of which must fill exactly
// its declared size, and other subsections, which are skipped.
func (p *parser) names(r *reader) {
	for r.left() > 0 && r.err == nil {
		id := r.byte()
		size := r.u32()
		if r.err == nil && uint64(size) > uint64(r.left()) {
			r.failf("subsection %d of %d bytes but only %d bytes left", id, size, r.left())
		}
		sub := &reader{b: r.bytes(int(size))}
		if r.err != nil {
			return
		}
		switch id {
		case 0: // module name
			sub.name("module name")
		case 1: // function names
			n := sub.vec("function names")
			for i := uint32(0); i < n && sub.err == nil; i++ {
				sub.u32()
				sub.name("function name")
			}
		case 2: // local names
			n := sub.vec("functions")
			for i := uint32(0); i < n && sub.err == nil; i++ {
				sub.u32()
				k := sub.vec("local names")
				for j := uint32(0); j < k && sub.err == nil; j++ {
					sub.u32()
					sub.name("local name")
				}
			}
		default:
			sub.off = len(sub.b)
		}
		sub.end()
		if sub.err != nil {
			r.fail(sub.err)
			r.context("subsection %d", id)
		}
	}
}

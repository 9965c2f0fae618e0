package wasmbin

// code reads the code section: for every function body, its local
// declarations (bounded by MaxLocals and by the module-wide budget) and its
// instructions, recording where each loop's body starts.
func (p *parser) code(r *reader) {
	n := r.vec("function bodies")
	if r.err == nil && int(n) != len(p.funcTypes) {
		r.failf("%d function bodies for %d functions", n, len(p.funcTypes))
	}
	budget := uint64(MaxLocals) + uint64(len(r.b))
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		if r.err == nil && uint64(size) > uint64(r.left()) {
			r.failf("body of %d bytes but only %d bytes left", size, r.left())
		}
		start := r.off
		body := &reader{b: r.bytes(int(size))}
		if r.err == nil {
			p.body(body, start, uint64(p.typeParams[p.funcTypes[i]]), budget)
			if body.err != nil {
				r.fail(body.err)
			}
		}
		r.context("function %d", i)
	}
}

// body checks one function body; base is its offset in the code section.
func (p *parser) body(r *reader, base int, params, budget uint64) {
	groups := r.vec("local declarations")
	locals := params
	for i := uint32(0); i < groups && r.err == nil; i++ {
		count := r.u32()
		r.valType()
		locals += uint64(count)
		p.locals += uint64(count)
		if r.err != nil {
			break
		}
		if locals > MaxLocals {
			r.fail(limitf("%d locals and parameters, more than %d", locals, MaxLocals))
		} else if p.locals > budget {
			r.fail(limitf("the functions up to here declare %d locals, more than %d (%d plus the code section's size)",
				p.locals, budget, MaxLocals))
		}
	}
	depth := 1 // the function's own block
	for depth > 0 && r.err == nil {
		switch op := r.byte(); op {
		case 0x02, 0x04: // block, if
			r.blockType()
			depth++
		case 0x03: // loop
			r.blockType()
			depth++
			if r.err == nil {
				p.m.LoopBodies = append(p.m.LoopBodies, int32(base+r.off))
			}
		case 0x0b: // end
			depth--
		default:
			r.immediates(op)
		}
	}
	if r.err == nil && r.off != len(r.b) {
		r.failf("%d bytes of code after the function's end", r.left())
	}
}

// blockType reads a block type: empty (0x40), a value type, or a type
// index as a signed 33-bit LEB128.
func (r *reader) blockType() {
	switch r.peek() {
	case 0x40, 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69:
		r.off++
	case 0x63, 0x64:
		r.off++
		r.leb(33)
	default:
		r.leb(33)
	}
}

func (r *reader) memarg() {
	align := r.u32()
	if align&0x40 != 0 { // multi-memory: a memory index follows
		r.u32()
	}
	r.leb(64) // offset (64 bits for memory64)
}

// immediates skips the immediates of every opcode but the block
// instructions and end, which the caller handles. Vectors of immediates
// (br_table, typed select) are bounded by the bytes left like any other.
func (r *reader) immediates(op byte) {
	switch {
	case op == 0x00, op == 0x01, op == 0x05, op == 0x0f, op == 0x1a, op == 0x1b,
		op >= 0x45 && op <= 0xc4, op == 0xd1:
		// no immediates
	case op == 0x0c, op == 0x0d, op == 0x10, op == 0x12, op >= 0x20 && op <= 0x26, op == 0xd2:
		r.u32()
	case op == 0x0e: // br_table
		n := r.vec("br_table labels")
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x11, op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select t*
		n := r.vec("select types")
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valType()
		}
	case op >= 0x28 && op <= 0x3e:
		r.memarg()
	case op == 0x3f, op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41:
		r.leb(32)
	case op == 0x42:
		r.leb(64)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null
		r.leb(33)
	case op == 0xfc:
		r.miscImmediates(r.u32())
	case op == 0xfd:
		r.simdImmediates(r.u32())
	case op == 0xfe:
		if sub := r.u32(); sub == 0x03 { // atomic.fence
			r.byte()
		} else if sub <= 0x4e {
			r.memarg()
		} else {
			r.failf("unknown instruction 0xfe %d", sub)
		}
	default:
		r.failf("unknown instruction 0x%02x", op)
	}
}

func (r *reader) miscImmediates(sub uint32) {
	switch {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init
		r.u32()
		r.u32()
	case sub == 9, sub == 11, sub == 13, sub >= 15 && sub <= 17:
		r.u32()
	case sub == 10, sub == 12, sub == 14:
		r.u32()
		r.u32()
	default:
		if r.err == nil {
			r.failf("unknown instruction 0xfc %d", sub)
		}
	}
}

func (r *reader) simdImmediates(sub uint32) {
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads and stores
		r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.byte()
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		r.memarg()
		r.byte()
	case sub <= 0x113:
		// no immediates
	default:
		if r.err == nil {
			r.failf("unknown instruction 0xfd %d", sub)
		}
	}
}

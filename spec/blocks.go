package spec

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/encoding/protowire"
)

// MaxPointerBytes is the largest field that may be read as a block
// pointer: a serialized buffer.Buffer.Block naming one hash is a few dozen
// bytes, and nodo ignores anything above 512.
const MaxPointerBytes = 512

// Blocks holds the blocks received with a spec in the reference node's
// stored-block form, by id (SHA3-256 of the block's expanded bytes).
// Block returns a block's stored bytes and whether it is held.
type Blocks interface {
	Block(id ID) ([]byte, bool)
}

// BlockMap is a Blocks held in memory.
type BlockMap map[ID][]byte

// Block implements Blocks.
func (m BlockMap) Block(id ID) ([]byte, bool) { b, ok := m[id]; return b, ok }

// ExpandBlocks returns raw with its block pointers replaced by the blocks
// they name, the form whose SHA3-256 is the service id. nodo may store a
// received spec's Container.filesystem, a directory's
// ItemBranch.filesystem or a file's ItemBranch.file as a block pointer: the
// field's bytes are then a serialized buffer.Buffer.Block
// { repeated Hash hashes = 1 { bytes type = 1; bytes value = 2 };
// repeated uint64 previous_lengths_position = 2 } naming a block by its
// SHA3-256, and the block holds the field's real bytes (a filesystem
// block may itself hold pointers, expanded in turn; their hash type may be
// left empty, inherited from the enclosing pointer).
//
// As in nodo, the blocks settle what is a pointer: a field is expanded
// when it is at most MaxPointerBytes, parses as a Block with a SHA3-256
// hash (type SHA3256Tag, or empty) and that block is in blocks; otherwise
// it is kept as it is. An expanded block must hash to its id. Every other
// byte is kept as received, in order. raw is returned unchanged when it
// holds no pointer. Errors are *FieldError values: a block that does not
// match its id, pointers nested deeper than lim.MaxDepth, more than
// lim.MaxEntries expansions, or an expansion larger than lim.MaxSpecBytes.
func ExpandBlocks(raw []byte, blocks Blocks, lim Limits) ([]byte, error) {
	if blocks == nil {
		return raw, nil
	}
	x := &expander{blocks: blocks, lim: lim}
	out, changed, err := x.message(raw, "", 0, x.service)
	if err != nil {
		return nil, err
	}
	if !changed {
		return raw, nil
	}
	if int64(len(out)) > lim.MaxSpecBytes {
		return nil, &FieldError{Field: "spec", Rule: fmt.Sprintf("%d bytes once its blocks are expanded, over the limit of %d bytes", len(out), lim.MaxSpecBytes)}
	}
	return out, nil
}

// DecodeReceived decodes a spec as received from another node: its block
// pointers are expanded with blocks (ExpandBlocks), and the expanded bytes
// are decoded and validated (DecodeSpec) and give the id.
func DecodeReceived(raw []byte, blocks Blocks, lim Limits) (*Spec, error) {
	if int64(len(raw)) > lim.MaxSpecBytes {
		return nil, &FieldError{Field: "spec", Rule: fmt.Sprintf("%d bytes, over the limit of %d bytes", len(raw), lim.MaxSpecBytes)}
	}
	expanded, err := ExpandBlocks(raw, blocks, lim)
	if err != nil {
		return nil, err
	}
	return DecodeSpec(expanded, lim)
}

type expander struct {
	blocks Blocks
	lim    Limits
	count  int
	size   int64
}

// fieldFunc rewrites the value of one length-delimited field; it returns
// the bytes to write and whether they differ.
type fieldFunc func(num protowire.Number, v []byte, field string, depth int) ([]byte, bool, error)

// message walks the fields of a serialized message, rewriting the
// length-delimited ones through f. Bytes that do not parse are kept as
// they are: validation reports them later.
func (x *expander) message(b []byte, field string, depth int, f fieldFunc) ([]byte, bool, error) {
	var out []byte
	changed := false
	rest := b
	for len(rest) > 0 {
		num, typ, n := protowire.ConsumeTag(rest)
		if n < 0 {
			return b, false, nil
		}
		m := protowire.ConsumeFieldValue(num, typ, rest[n:])
		if m < 0 {
			return b, false, nil
		}
		whole := rest[:n+m]
		rest = rest[n+m:]
		if typ != protowire.BytesType {
			out = append(out, whole...)
			continue
		}
		v, _ := protowire.ConsumeBytes(whole[n:])
		nv, ch, err := f(num, v, field, depth)
		if err != nil {
			return nil, false, err
		}
		if !ch {
			out = append(out, whole...)
			continue
		}
		changed = true
		out = protowire.AppendTag(out, num, typ)
		out = protowire.AppendBytes(out, nv)
	}
	if !changed {
		return b, false, nil
	}
	return out, true, nil
}

func (x *expander) service(num protowire.Number, v []byte, _ string, depth int) ([]byte, bool, error) {
	if num != 2 { // Service.container
		return v, false, nil
	}
	return x.message(v, "container", depth, x.container)
}

func (x *expander) container(num protowire.Number, v []byte, _ string, depth int) ([]byte, bool, error) {
	if num != 2 { // Container.filesystem
		return v, false, nil
	}
	return x.filesystemField(v, "container.filesystem", depth)
}

// filesystemField expands a field holding a serialized Filesystem, or a
// pointer to one, and the pointers inside it.
func (x *expander) filesystemField(v []byte, field string, depth int) ([]byte, bool, error) {
	if depth > x.lim.MaxDepth {
		return nil, false, &FieldError{Field: field, Rule: fmt.Sprintf("block pointers nested deeper than %d levels", x.lim.MaxDepth)}
	}
	stored, id, isPtr, err := x.pointer(v, field)
	if err != nil {
		return nil, false, err
	}
	if !isPtr {
		return x.message(v, field, depth+1, x.filesystem)
	}
	expanded, _, err := x.message(stored, field, depth+1, x.filesystem)
	if err != nil {
		return nil, false, err
	}
	if err := x.check(expanded, id, field); err != nil {
		return nil, false, err
	}
	return expanded, true, nil
}

func (x *expander) filesystem(num protowire.Number, v []byte, field string, depth int) ([]byte, bool, error) {
	if num != 1 { // Filesystem.branch
		return v, false, nil
	}
	return x.message(v, field+".branch", depth, x.branch)
}

func (x *expander) branch(num protowire.Number, v []byte, field string, depth int) ([]byte, bool, error) {
	switch num {
	case 2: // ItemBranch.file
		stored, id, isPtr, err := x.pointer(v, field+".file")
		if err != nil || !isPtr {
			return v, false, err
		}
		if err := x.check(stored, id, field+".file"); err != nil {
			return nil, false, err
		}
		return stored, true, nil
	case 4: // ItemBranch.filesystem
		return x.filesystemField(v, field+".filesystem", depth)
	}
	return v, false, nil
}

// pointer reports whether v is a block pointer to a block held, and
// returns the block's stored bytes and id.
func (x *expander) pointer(v []byte, field string) ([]byte, ID, bool, error) {
	if len(v) == 0 || len(v) > MaxPointerBytes {
		return nil, ID{}, false, nil
	}
	for _, id := range pointerIDs(v) {
		stored, ok := x.blocks.Block(id)
		if !ok {
			continue
		}
		x.count++
		if x.count > x.lim.MaxEntries {
			return nil, ID{}, false, &FieldError{Field: field, Rule: fmt.Sprintf("more than %d block pointers", x.lim.MaxEntries)}
		}
		x.size += int64(len(stored))
		if x.size > x.lim.MaxSpecBytes {
			return nil, ID{}, false, &FieldError{Field: field, Rule: fmt.Sprintf("blocks total over the limit of %d bytes", x.lim.MaxSpecBytes)}
		}
		return stored, id, true, nil
	}
	return nil, ID{}, false, nil
}

func (x *expander) check(expanded []byte, id ID, field string) error {
	if got := ID(sha3.Sum256(expanded)); got != id {
		return &FieldError{Field: field, Rule: fmt.Sprintf("block %s: its expanded bytes hash to %s", id, got)}
	}
	return nil
}

// pointerIDs parses v as a buffer.Buffer.Block and returns the SHA3-256
// ids it names; nil when v is not a Block (an unknown field, a bad
// encoding, no hash). An empty hash type is SHA3-256: nodo writes it
// inside a stored tree, where the type is inherited, and wrote it at the
// top before the type was required, meaning the node's own (SHA3-256).
func pointerIDs(v []byte) []ID {
	var ids []ID
	rest := v
	for len(rest) > 0 {
		num, typ, n := protowire.ConsumeTag(rest)
		if n < 0 {
			return nil
		}
		rest = rest[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			h, m := protowire.ConsumeBytes(rest)
			if m < 0 {
				return nil
			}
			rest = rest[m:]
			typ, val, ok := parseHash(h)
			if !ok {
				return nil
			}
			if (len(typ) == 0 || bytes.Equal(typ, SHA3256Tag)) && len(val) == IDSize {
				ids = append(ids, ID(val))
			}
		case num == 2 && typ == protowire.BytesType: // packed positions
			p, m := protowire.ConsumeBytes(rest)
			if m < 0 {
				return nil
			}
			for len(p) > 0 {
				_, k := protowire.ConsumeVarint(p)
				if k < 0 {
					return nil
				}
				p = p[k:]
			}
			rest = rest[m:]
		case num == 2 && typ == protowire.VarintType:
			_, m := protowire.ConsumeVarint(rest)
			if m < 0 {
				return nil
			}
			rest = rest[m:]
		default:
			return nil
		}
	}
	return ids
}

func parseHash(b []byte) (typ, val []byte, ok bool) {
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 || wt != protowire.BytesType || (num != 1 && num != 2) {
			return nil, nil, false
		}
		v, m := protowire.ConsumeBytes(b[n:])
		if m < 0 {
			return nil, nil, false
		}
		if num == 1 {
			typ = v
		} else {
			val = v
		}
		b = b[n+m:]
	}
	return typ, val, true
}

// BlockPointer returns the serialized buffer.Buffer.Block naming the
// block whose expanded bytes hash to id, with its hash type: the form
// nodo stores in place of a large field.
func BlockPointer(id ID) []byte {
	var h []byte
	h = protowire.AppendTag(h, 1, protowire.BytesType)
	h = protowire.AppendBytes(h, SHA3256Tag)
	h = protowire.AppendTag(h, 2, protowire.BytesType)
	h = protowire.AppendBytes(h, id[:])
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	return protowire.AppendBytes(b, h)
}

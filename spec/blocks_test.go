package spec

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/sha3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// inheritedPointer is a block pointer whose hash leaves its type out, as
// nodo writes the pointers inside a filesystem stored as a block.
func inheritedPointer(id ID) []byte {
	var h []byte
	h = protowire.AppendTag(h, 2, protowire.BytesType)
	h = protowire.AppendBytes(h, id[:])
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendBytes(b, h)
	// previous_lengths_position, packed, as bee-rpc writes it.
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	return protowire.AppendBytes(b, []byte{7, 0xac, 0x02})
}

// blocked returns the hello spec in nodo's stored-block form: its
// filesystem a pointer to a block, in which /bin/hello.wasm is a pointer
// to a block of its own; and the blocks, and the inline spec's bytes.
func blocked(t testing.TB) (stored []byte, blocks BlockMap, inline []byte) {
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	wasmID := ID(sha3.Sum256(wasm))
	inline = mustMarshal(t, helloService(t))

	withPtr := helloService(t,
		dir("bin", &specpb.ItemBranch{Name: "hello.wasm", Item: &specpb.ItemBranch_File{File: inheritedPointer(wasmID)}, Xattrs: PackedMetadata(EntryFile).Xattrs()}),
		link("hello", "bin/hello.wasm", "/hello"),
		file("README", "hello, world\n"),
	)
	fsStored := withPtr.Container.Filesystem
	fsID := ID(sha3.Sum256(helloService(t).Container.Filesystem)) // id of the expanded bytes
	withPtr.Container.Filesystem = BlockPointer(fsID)
	return mustMarshal(t, withPtr), BlockMap{wasmID: wasm, fsID: fsStored}, inline
}

// TestExpandBlocks: a spec stored with block pointers expands to the bytes
// of the same spec written inline, and so has the same id.
func TestExpandBlocks(t *testing.T) {
	stored, blocks, inline := blocked(t)
	if bytes.Equal(stored, inline) || len(stored) >= len(inline) {
		t.Fatal("the stored form should be the smaller one")
	}
	s, err := DecodeReceived(stored, blocks, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s.Bytes(), inline) || s.ID() != ServiceID(inline) {
		t.Fatalf("expanded id %s, want %s", s.ID(), ServiceID(inline))
	}
	if b, err := s.Tree().ReadFile("/hello"); err != nil || string(b) != "\x00asm\x01\x00\x00\x00" {
		t.Fatalf("file behind the pointer = %q, %v", b, err)
	}
	// A spec with no pointer is returned as it is.
	if out, err := ExpandBlocks(inline, blocks, DefaultLimits()); err != nil || &out[0] != &inline[0] {
		t.Fatalf("inline spec was rewritten: %v", err)
	}
}

func TestExpandBlocksRefuses(t *testing.T) {
	stored, blocks, _ := blocked(t)
	var fsID, wasmID ID
	for id, b := range blocks {
		if len(b) > 8 {
			fsID = id
		} else {
			wasmID = id
		}
	}
	small := DefaultLimits()
	small.MaxSpecBytes = int64(len(stored)) + 40
	for _, tc := range []struct {
		name   string
		blocks BlockMap
		lim    Limits
		field  string
		rule   string
	}{
		{"file block does not match its id", BlockMap{fsID: blocks[fsID], wasmID: []byte("not wasm")}, DefaultLimits(),
			"container.filesystem.branch.filesystem.branch.file", "hash to"},
		{"filesystem block missing", BlockMap{wasmID: blocks[wasmID]}, DefaultLimits(),
			"container.filesystem", "not a serialized Filesystem"},
		{"expansion over the size limit", blocks, small, "container.filesystem", "over the limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeReceived(stored, tc.blocks, tc.lim)
			requireFieldError(t, err, tc.field, tc.rule)
		})
	}
	deep := DefaultLimits()
	deep.MaxDepth = 0
	if _, err := ExpandBlocks(stored, blocks, deep); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("depth limit: %v", err)
	}
	many := DefaultLimits()
	many.MaxEntries = 1
	if _, err := ExpandBlocks(stored, blocks, many); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "more than 1 block pointers") {
		t.Errorf("pointer count limit: %v", err)
	}
}

// FuzzExpandBlocks feeds arbitrary specs and one arbitrary block (held
// under its own id) to the block expander and the received-spec decoder,
// with small limits: no panic, every error a *FieldError, an expansion
// never over the limit, and an accepted spec's id over its expanded bytes.
func FuzzExpandBlocks(f *testing.F) {
	stored, blocks, inline := blocked(f)
	for _, b := range blocks {
		f.Add(stored, b)
	}
	f.Add(inline, []byte{})
	f.Add(BlockPointer(ID{}), []byte("x"))
	lim := Limits{MaxSpecBytes: 1 << 14, MaxFilesystemBytes: 1 << 14, MaxEntries: 64, MaxDepth: 8}
	f.Fuzz(func(t *testing.T, raw, block []byte) {
		bm := BlockMap{ID(sha3.Sum256(block)): block}
		for id, b := range blocks {
			bm[id] = b
		}
		out, err := ExpandBlocks(raw, bm, lim)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a validation error: %v", err)
			}
			return
		}
		if int64(len(out)) > lim.MaxSpecBytes && !bytes.Equal(out, raw) {
			t.Fatalf("expanded to %d bytes, over the limit", len(out))
		}
		s, err := DecodeReceived(raw, bm, lim)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a validation error: %v", err)
			}
			return
		}
		if s.ID() != ServiceID(out) {
			t.Fatal("id is not over the expanded bytes")
		}
	})
}

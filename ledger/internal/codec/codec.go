// Package codec encodes the ledger's state records: deterministic protobuf,
// never a nil slice (KVStore.Set refuses nil).
package codec

import (
	"fmt"

	"google.golang.org/protobuf/proto"
)

// Marshal encodes m deterministically. It panics if m cannot be encoded,
// which for the ledger's records only happens with a string that is not
// UTF-8 — and every string in state came through a decoder that refuses
// those.
func Marshal(m proto.Message) []byte {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("codec: encode %T: %v", m, err))
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// MustUnmarshal decodes a state record. State was written by Marshal, so
// a failure means corrupt state, and the node must stop: it panics.
func MustUnmarshal(b []byte, m proto.Message) {
	if err := proto.Unmarshal(b, m); err != nil {
		panic(fmt.Sprintf("codec: corrupt state: decode %T: %v", m, err))
	}
}

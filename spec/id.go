package spec

import (
	"encoding/hex"
	"fmt"

	"golang.org/x/crypto/sha3"

	"github.com/celltonomy/celltonomy/spec/specpb"
)

// IDSize is the size of a service id in bytes.
const IDSize = 32

// ID is a service id, which is also a package id: SHA3-256 over the raw
// serialized Service bytes (service-spec.md: "Rules that make ids stable").
// The zero ID means "no package" (e.g. an envelope without a parent).
type ID [IDSize]byte

// SHA3256Tag is the algorithm tag of SHA3-256 in a celaut.Hash: the
// algorithm's own digest of the empty input, a7ffc6f8…f8434a.
var SHA3256Tag = func() []byte { d := sha3.Sum256(nil); return d[:] }()

// ServiceID returns the id of a service from its raw serialized bytes. The
// bytes are hashed as given and must never be a re-serialization.
func ServiceID(raw []byte) ID { return ID(sha3.Sum256(raw)) }

// String returns the id as 64 lowercase hex digits.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id == ID{} }

// MarshalText returns the id as 64 lowercase hex digits, so that an ID
// in JSON or TOML reads as the CLI prints it.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText parses 64 hex digits (ParseID); its error names the rule.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Hash returns the id as a celaut.Hash tagged with SHA3256Tag.
func (id ID) Hash() *specpb.Hash {
	return &specpb.Hash{Type: append([]byte(nil), SHA3256Tag...), Value: append([]byte(nil), id[:]...)}
}

// ParseID parses 64 hex digits. It returns an error naming the rule when the
// text is not exactly 32 bytes of hex.
func ParseID(s string) (ID, error) {
	var id ID
	b, err := hex.DecodeString(s)
	if err != nil {
		return id, fmt.Errorf("package id %q: not hex: %w", s, err)
	}
	if len(b) != IDSize {
		return id, fmt.Errorf("package id %q: must be %d bytes, got %d", s, IDSize, len(b))
	}
	copy(id[:], b)
	return id, nil
}

// IDFromBytes converts a 32-byte slice (as stored in an envelope) to an ID.
func IDFromBytes(b []byte) (ID, error) {
	var id ID
	if len(b) != IDSize {
		return id, fmt.Errorf("package id: must be %d bytes, got %d", IDSize, len(b))
	}
	copy(id[:], b)
	return id, nil
}

package node

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// Hash is a SHA-256 hash a job holds: a file's, an input root, an output
// root, a transaction's. The zero Hash means none. Its text form (JSON)
// is 64 hex digits, the form the job files have always held, so a job
// file of an earlier node loads unchanged.
type Hash [32]byte

// String returns the hash as 64 lowercase hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is the zero Hash (none).
func (h Hash) IsZero() bool { return h == Hash{} }

// hexOrEmpty returns h in hex, or "" when it is zero: the wire form of an
// optional hash.
func (h Hash) hexOrEmpty() string {
	if h.IsZero() {
		return ""
	}
	return h.String()
}

// MarshalText returns the hash as 64 lowercase hex digits.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText parses 64 hex digits; an empty text is the zero Hash.
func (h *Hash) UnmarshalText(b []byte) error { return parseHex32((*[32]byte)(h), "hash", b) }

// ParseHash parses 64 hex digits. The error names the rule.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if s == "" {
		return h, fmt.Errorf("hash: empty, want 64 hex digits")
	}
	return h, h.UnmarshalText([]byte(s))
}

// Secret is 32 random bytes a job keeps until it reveals them: a
// completion code, a rating salt, a verifier's salt. Its text form (JSON)
// is 64 hex digits.
type Secret [32]byte

// newSecret returns 32 bytes from crypto/rand.
func newSecret() Secret {
	var s Secret
	rand.Read(s[:])
	return s
}

// IsZero reports whether s is the zero Secret (none drawn yet).
func (s Secret) IsZero() bool { return s == Secret{} }

// MarshalText returns the secret as 64 lowercase hex digits.
func (s Secret) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(s[:])), nil }

// UnmarshalText parses 64 hex digits; an empty text is the zero Secret.
func (s *Secret) UnmarshalText(b []byte) error { return parseHex32((*[32]byte)(s), "secret", b) }

func parseHex32(dst *[32]byte, what string, b []byte) error {
	if len(b) == 0 {
		*dst = [32]byte{}
		return nil
	}
	if len(b) != 64 {
		return fmt.Errorf("%s %q: must be 64 hex digits, got %d characters", what, b, len(b))
	}
	var v [32]byte
	if _, err := hex.Decode(v[:], b); err != nil {
		return fmt.Errorf("%s %q: not hex: %w", what, b, err)
	}
	*dst = v
	return nil
}

// hashOf returns the 32 bytes of b as a Hash; field names b in the error
// when it is not 32 bytes long.
func hashOf(field string, b []byte) (Hash, error) {
	if len(b) != len(Hash{}) {
		return Hash{}, fmt.Errorf("%s: %d bytes, want 32", field, len(b))
	}
	return Hash(b), nil
}

// InputFile is one input file of a job: its name (the package's input
// port), size in bytes and SHA-256, as they enter the input root
// (runtime/inputroot). It is nodeapi.InputFile decoded.
type InputFile struct {
	Name   string `json:"name"`
	Size   uint64 `json:"size"`
	SHA256 Hash   `json:"sha256"`
}

// inputFileOf decodes an input file of the wire; field names it in the
// error.
func inputFileOf(field string, f nodeapi.InputFile) (InputFile, error) {
	sum, err := ParseHash(f.SHA256)
	if err != nil {
		return InputFile{}, fmt.Errorf("%s.sha256: %w", field, err)
	}
	return InputFile{Name: f.Name, Size: f.Size, SHA256: sum}, nil
}

// inputFilesOf decodes an input list of the wire; errors name the
// entry (inputs[i].sha256).
func inputFilesOf(fs []nodeapi.InputFile) ([]InputFile, error) {
	out := make([]InputFile, 0, len(fs))
	for i, f := range fs {
		in, err := inputFileOf(fmt.Sprintf("inputs[%d]", i), f)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// wire returns the input file in the wire's form.
func (f InputFile) wire() nodeapi.InputFile {
	return nodeapi.InputFile{Name: f.Name, Size: f.Size, SHA256: f.SHA256.String()}
}

func wireInputs(fs []InputFile) []nodeapi.InputFile {
	if fs == nil {
		return nil
	}
	out := make([]nodeapi.InputFile, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.wire())
	}
	return out
}

// OutputFile is one file a run left under /outputs: its path relative to
// /outputs, size in bytes and SHA-256, as it enters the output root
// (runtime/outputroot).
type OutputFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 Hash   `json:"sha256"`
}

func wireOutputs(fs []OutputFile) []nodeapi.OutputFile {
	if fs == nil {
		return nil
	}
	out := make([]nodeapi.OutputFile, 0, len(fs))
	for _, f := range fs {
		out = append(out, nodeapi.OutputFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256.String()})
	}
	return out
}

// Package address defines account addresses: 20 bytes, the first 20 bytes
// of the SHA-256 of an ed25519 public key (as CometBFT derives validator
// addresses), written as bech32 with the human-readable prefix "cell"
// (ARCHITECTURE.md: "Keys and addresses"). Reputation keys use the raw 20
// bytes, as Colony does.
package address

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

// Size is the length of an address in bytes.
const Size = 20

// Prefix is the bech32 human-readable part of account addresses.
const Prefix = "cell"

// Address is an account address. The zero Address is "no account"; it is
// never the address of a key.
type Address [Size]byte

// FromPubKey returns the address of an ed25519 public key:
// sha256(pubkey)[:20]. It returns an error when the key is not 32 bytes.
func FromPubKey(pub []byte) (Address, error) {
	if len(pub) != ed25519.PublicKeySize {
		return Address{}, fmt.Errorf("public key: must be %d bytes, got %d", ed25519.PublicKeySize, len(pub))
	}
	h := sha256.Sum256(pub)
	return Address(h[:Size]), nil
}

// FromBytes converts a 20-byte slice to an Address.
func FromBytes(b []byte) (Address, error) {
	if len(b) != Size {
		return Address{}, fmt.Errorf("address: must be %d bytes, got %d", Size, len(b))
	}
	return Address(b), nil
}

// Parse parses the bech32 text form "cell1…". It returns an error naming
// the rule when the text is not bech32, has another prefix or is not 20
// bytes long.
func Parse(s string) (Address, error) {
	hrp, data, err := bech32.DecodeToBase256(s)
	if err != nil {
		return Address{}, fmt.Errorf("address %q: not bech32: %w", s, err)
	}
	if hrp != Prefix {
		return Address{}, fmt.Errorf("address %q: prefix is %q, want %q", s, hrp, Prefix)
	}
	a, err := FromBytes(data)
	if err != nil {
		return Address{}, fmt.Errorf("address %q: %w", s, err)
	}
	return a, nil
}

// String returns the bech32 text form, e.g. "cell1qqqs…".
func (a Address) String() string {
	s, err := bech32.EncodeFromBase256(Prefix, a[:])
	if err != nil {
		panic(fmt.Sprintf("address: bech32 encoding of 20 bytes failed: %v", err)) // cannot happen
	}
	return s
}

// Bytes returns the 20 bytes as a new slice.
func (a Address) Bytes() []byte { return bytes.Clone(a[:]) }

// IsZero reports whether a is the zero Address.
func (a Address) IsZero() bool { return a == Address{} }

// MarshalText implements encoding.TextMarshaler with the bech32 form.
func (a Address) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with Parse.
func (a *Address) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

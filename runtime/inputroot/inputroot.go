// Package inputroot defines the input root: the hash a purchase order names
// for the files a run reads, so that a provider's node can check the files a
// buyer uploads against the order before it runs anything (ARCHITECTURE.md,
// "Data flow of the main job", step 2).
//
// The input root of a set of named input files, version 1, is
//
//	root = SHA-256( "celltonomy/input-root/v1" ‖ 0x00
//	              ‖ u32be(number of inputs)
//	              ‖ for each input, sorted by name (bytes):
//	                  u16be(len(name)) ‖ name ‖ u64be(size in bytes) ‖ SHA-256(content) )
//
// Names are those of the package's declared inputs, the files mounted at
// /inputs/NAME: non-empty, at most 255 bytes, without '/', '\' or NUL, not
// "." or "..", each once. Parameters are not part of it: an order carries
// them in the clear. The empty set has a root too (a package without
// inputs).
package inputroot

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

// Domain separates input roots from every other hash of the system.
const Domain = "celltonomy/input-root/v1"

// MaxNameLen is the longest input name, in bytes.
const MaxNameLen = 255

// ErrInvalidName is wrapped by the error for a bad or repeated name.
var ErrInvalidName = errors.New("invalid input name")

// Input is one named input file, by its size and SHA-256.
type Input struct {
	Name   string
	Size   uint64
	SHA256 [32]byte
}

// Compute returns the input root of inputs (in any order). It fails,
// wrapping ErrInvalidName, for a name that breaks the rules or appears
// twice.
func Compute(inputs []Input) ([32]byte, error) {
	sorted := slices.Clone(inputs)
	slices.SortFunc(sorted, func(a, b Input) int { return cmp.Compare(a.Name, b.Name) })
	h := sha256.New()
	h.Write([]byte(Domain))
	h.Write([]byte{0})
	h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(sorted))))
	for i, in := range sorted {
		if err := CheckName(in.Name); err != nil {
			return [32]byte{}, err
		}
		if i > 0 && sorted[i-1].Name == in.Name {
			return [32]byte{}, fmt.Errorf("%w: %q given twice", ErrInvalidName, in.Name)
		}
		h.Write(binary.BigEndian.AppendUint16(nil, uint16(len(in.Name))))
		h.Write([]byte(in.Name))
		h.Write(binary.BigEndian.AppendUint64(nil, in.Size))
		h.Write(in.SHA256[:])
	}
	return [32]byte(h.Sum(nil)), nil
}

// CheckName returns an error wrapping ErrInvalidName when name cannot name
// an input.
func CheckName(name string) error {
	switch {
	case name == "", len(name) > MaxNameLen:
		return fmt.Errorf("%w: %q: must be 1 to %d bytes", ErrInvalidName, name, MaxNameLen)
	case name == "." || name == "..":
		return fmt.Errorf("%w: %q", ErrInvalidName, name)
	case strings.ContainsAny(name, "/\\\x00"):
		return fmt.Errorf("%w: %q: must not contain '/', '\\' or NUL", ErrInvalidName, name)
	}
	return nil
}

// HashFile returns the Input for the host file at path under name, hashing
// it by streaming.
func HashFile(name, path string) (Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return Input{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Input{}, fmt.Errorf("%s: %w", path, err)
	}
	return Input{Name: name, Size: uint64(n), SHA256: [32]byte(h.Sum(nil))}, nil
}

// Files returns the input root of host files given by name → path.
func Files(paths map[string]string) ([32]byte, error) {
	var inputs []Input
	for _, name := range slices.Sorted(maps.Keys(paths)) {
		in, err := HashFile(name, paths[name])
		if err != nil {
			return [32]byte{}, fmt.Errorf("input %s: %w", name, err)
		}
		inputs = append(inputs, in)
	}
	return Compute(inputs)
}

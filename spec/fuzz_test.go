package spec

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzDecodeSpec feeds arbitrary bytes to the spec decoder and validator:
// it must never panic, every error must be a *FieldError, and an accepted
// spec must keep its bytes and serve every entry it lists.
func FuzzDecodeSpec(f *testing.F) {
	golden, err := os.ReadFile("testdata/hello.spec")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add([]byte{})
	f.Add(golden[:len(golden)/2])
	f.Fuzz(func(t *testing.T, raw []byte) {
		s, err := DecodeSpec(raw, DefaultLimits())
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a validation error: %v", err)
			}
			return
		}
		if !bytes.Equal(s.Bytes(), raw) || s.ID() != ServiceID(raw) {
			t.Fatal("raw bytes not kept")
		}
		prog, _ := s.Entry()
		if _, err := s.Tree().FS().Open(prog); err != nil {
			t.Fatalf("entry %q accepted but cannot be opened: %v", prog, err)
		}
		_ = s.Tree().Walk(func(e Entry) error {
			if _, err := s.Tree().Stat(e.Path); err != nil {
				t.Fatalf("walked %q but Stat fails: %v", e.Path, err)
			}
			return nil
		})
	})
}

// FuzzDecodePackage feeds arbitrary bytes to the .cellpkg decoder.
func FuzzDecodePackage(f *testing.F) {
	s, env := helloPackage(f, nil)
	p, err := NewPackage(s, mustMarshal(f, env))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.Encode())
	f.Add([]byte("cellpkg/1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := DecodePackage(data, DefaultLimits())
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a validation error: %v", err)
			}
			return
		}
		if again, err := DecodePackage(p.Encode(), DefaultLimits()); err != nil || again.ID() != p.ID() {
			t.Fatalf("re-encoded package does not decode to the same id: %v", err)
		}
	})
}

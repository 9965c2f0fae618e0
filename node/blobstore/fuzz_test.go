package blobstore

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func hexString(sum [SumSize]byte) string { return hex.EncodeToString(sum[:]) }

func TestParseSum(t *testing.T) {
	valid := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"lowercase hex", valid, true},
		{"empty", "", false},
		{"short", valid[:63], false},
		{"long", valid + "0", false},
		{"uppercase", strings.ToUpper(valid), false},
		{"non-hex", "g" + valid[1:], false},
		{"path", "../" + valid[3:], false},
		{"slash", valid[:32] + "/" + valid[33:], false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sum, err := ParseSum(tt.in)
			if tt.ok {
				if err != nil || hexString(sum) != tt.in {
					t.Fatalf("ParseSum(%q) = %x, %v", tt.in, sum, err)
				}
				return
			}
			if !errors.Is(err, ErrMalformedSum) {
				t.Fatalf("ParseSum(%q): %v, want ErrMalformedSum", tt.in, err)
			}
		})
	}
}

// FuzzParseSum checks that ParseSum accepts exactly the canonical spelling
// of a hash, so a path built from an accepted name never leaves the store.
func FuzzParseSum(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(strings.Repeat("AB", 32))
	f.Add("../../etc/passwd")
	f.Add("")
	f.Add(strings.Repeat("0", 63) + "\x00")
	f.Fuzz(func(t *testing.T, s string) {
		sum, err := ParseSum(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedSum) {
				t.Fatalf("ParseSum(%q): %v, not ErrMalformedSum", s, err)
			}
			return
		}
		if got := hexString(sum); got != s {
			t.Fatalf("ParseSum(%q) accepted a non-canonical name (canonical %s)", s, got)
		}
	})
}

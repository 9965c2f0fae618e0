package gateway

import (
	"crypto/ed25519"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	body := []byte("input bytes")
	r := httptest.NewRequest("PUT", "/v1/orders/7/inputs/genome", nil)
	Sign(r, priv, body)
	got, err := Verify(r, body)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("verify: %v", err)
	}
	// The signature binds the body, the path and the method.
	if _, err := Verify(r, []byte("other bytes")); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other body: %v", err)
	}
	moved := httptest.NewRequest("PUT", "/v1/orders/8/inputs/genome", nil)
	moved.Header = r.Header
	if _, err := Verify(moved, body); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other order: %v", err)
	}
	get := httptest.NewRequest("GET", "/v1/orders/7/inputs/genome", nil)
	get.Header = r.Header
	if _, err := Verify(get, body); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other method: %v", err)
	}
	if _, err := Verify(httptest.NewRequest("GET", "/", nil), nil); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
	for _, h := range []string{"nocolon", "zz:00", strings.Repeat("00", 32) + ":zz"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(SignatureHeader, h)
		if _, err := Verify(r, nil); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), SignatureHeader) {
			t.Errorf("header %q: %v", h, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	r := httptest.NewRequest("GET", "/v1/orders/1/outputs", nil)
	Sign(r, priv, nil)
	f.Add(r.Header.Get(SignatureHeader), "/v1/orders/1/outputs", []byte(nil))
	f.Add("a:b", "/", []byte("x"))
	f.Fuzz(func(t *testing.T, header, path string, body []byte) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = path
		r.Header.Set(SignatureHeader, header)
		if pub, err := Verify(r, body); err == nil && len(pub) != ed25519.PublicKeySize {
			t.Fatalf("accepted a key of %d bytes", len(pub))
		}
	})
}

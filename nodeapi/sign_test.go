package nodeapi

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var now = time.Unix(1_700_000_000, 0)

func signed(t *testing.T, priv ed25519.PrivateKey, method, path string, body []byte, expires time.Time) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, path, bytes.NewReader(body))
	Sign(r, priv, BodyOf(body), expires)
	return r
}

func TestSignVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	body := []byte("input bytes")
	r := signed(t, priv, "PUT", "/v1/orders/7/inputs/genome", body, now.Add(time.Minute))
	s, err := Verify(r, now)
	if err != nil || !s.PublicKey.Equal(pub) || s.Body != BodyOf(body) || !s.Expires.Equal(now.Add(time.Minute)) {
		t.Fatalf("verify: %+v %v", s, err)
	}
	// The signature binds the declared body, the path, the method, the
	// nonce and the expiry: changing any header or the request breaks it.
	for _, tc := range []struct {
		name   string
		mutate func(r *http.Request)
	}{
		{"other body hash", func(r *http.Request) {
			r.Header.Set(BodySHA256Header, strings.Repeat("ab", 32))
		}},
		{"other body length", func(r *http.Request) { r.Header.Set(BodyLengthHeader, "12") }},
		{"other nonce", func(r *http.Request) { r.Header.Set(NonceHeader, strings.Repeat("0f", NonceSize)) }},
		{"later expiry", func(r *http.Request) {
			r.Header.Set(ExpiresHeader, "1700000070")
		}},
		{"other order", func(r *http.Request) { r.URL.Path = "/v1/orders/8/inputs/genome" }},
		{"other method", func(r *http.Request) { r.Method = "GET" }},
	} {
		c := r.Clone(r.Context())
		tc.mutate(c)
		if _, err := Verify(c, now); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: %v, want ErrBadSignature", tc.name, err)
		}
	}
	if _, err := Verify(httptest.NewRequest("GET", "/", nil), now); !errors.Is(err, ErrUnsigned) {
		t.Errorf("unsigned: %v", err)
	}
	for _, h := range []string{"nocolon", "zz:00", strings.Repeat("00", 32) + ":zz"} {
		c := r.Clone(r.Context())
		c.Header.Set(SignatureHeader, h)
		if _, err := Verify(c, now); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), SignatureHeader) {
			t.Errorf("header %q: %v", h, err)
		}
	}
	// Header values have one spelling each.
	for header, v := range map[string]string{
		BodySHA256Header: strings.ToUpper(r.Header.Get(BodySHA256Header)),
		BodyLengthHeader: "+11",
		NonceHeader:      "00",
		ExpiresHeader:    "01700000060",
	} {
		c := r.Clone(r.Context())
		c.Header.Set(header, v)
		if _, err := Verify(c, now); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), header) {
			t.Errorf("%s %q: %v, want ErrBadSignature naming the header", header, v, err)
		}
	}
}

// TestReplayedSignature is the attack of a captured signed request sent
// again: before, a signature had no nonce and no expiry, so a request
// replayed at any time was accepted. Now a node remembers every nonce
// until its expiry and refuses a repeat, an expired signature, and an
// expiry too far ahead to be remembered.
func TestReplayedSignature(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	c := NewReplayCache(3)
	r := signed(t, priv, "GET", "/v1/orders/7/outputs", nil, now.Add(time.Minute))
	s, err := Verify(r, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Use(s, now); err != nil {
		t.Fatal(err)
	}
	// The same request again, a second later: refused.
	again, err := Verify(r, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Use(again, now.Add(time.Second)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay: %v, want ErrReplayed", err)
	}
	// After its expiry (and the clock skew) the signature itself is void.
	if _, err := Verify(r, now.Add(time.Minute+MaxClockSkew+time.Second)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired: %v, want ErrExpired", err)
	}
	// Within the skew it still verifies, and is still remembered.
	late, err := Verify(r, now.Add(time.Minute+MaxClockSkew))
	if err != nil {
		t.Fatalf("within the skew: %v", err)
	}
	if err := c.Use(late, now.Add(time.Minute+MaxClockSkew)); !errors.Is(err, ErrReplayed) {
		t.Fatalf("replay within the skew: %v, want ErrReplayed", err)
	}
	// An expiry further ahead than the cache remembers: refused.
	far := signed(t, priv, "GET", "/v1/orders/7/outputs", nil, now.Add(MaxLifetime+MaxClockSkew+time.Second))
	if _, err := Verify(far, now); !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), ExpiresHeader) {
		t.Fatalf("far expiry: %v", err)
	}
	// A full cache refuses new nonces rather than forget live ones, and
	// makes room as they expire.
	for range 2 {
		s, _ := Verify(signed(t, priv, "GET", "/v1/orders/7/outputs", nil, now.Add(time.Minute)), now)
		if err := c.Use(s, now); err != nil {
			t.Fatal(err)
		}
	}
	s4, _ := Verify(signed(t, priv, "GET", "/v1/orders/7/outputs", nil, now.Add(time.Minute)), now)
	if err := c.Use(s4, now); !errors.Is(err, ErrReplayCacheFull) {
		t.Fatalf("full: %v, want ErrReplayCacheFull", err)
	}
	later := now.Add(time.Minute + MaxClockSkew + 2*time.Second)
	s5, _ := Verify(signed(t, priv, "GET", "/v1/orders/7/outputs", nil, later.Add(time.Minute)), later)
	if err := c.Use(s5, later); err != nil || c.Len() != 1 {
		t.Fatalf("after expiry: %v, %d nonces", err, c.Len())
	}
	// A nonce belongs to its signer.
	_, other, _ := ed25519.GenerateKey(nil)
	o := signed(t, other, "GET", "/v1/orders/7/outputs", nil, later.Add(time.Minute))
	o.Header.Set(NonceHeader, r.Header.Get(NonceHeader))
	Sign(o, other, BodyOf(nil), later.Add(time.Minute))
	if so, err := Verify(o, later); err != nil || c.Use(so, later) != nil {
		t.Fatalf("another signer: %v", err)
	}
}

func TestReadBody(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	body := []byte(`{"inputs":[]}`)
	r := signed(t, priv, "POST", "/v1/orders/7/inputs", body, now.Add(time.Minute))
	s, err := Verify(r, now)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ReadBody(bytes.NewReader(body), s, 1<<10); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("ReadBody: %q %v", got, err)
	}
	for name, tc := range map[string]struct {
		body []byte
		max  int64
		want error
	}{
		"longer":   {append(body, ' '), 1 << 10, ErrBodyMismatch},
		"shorter":  {body[1:], 1 << 10, ErrBodyMismatch},
		"other":    {bytes.ToUpper(body), 1 << 10, ErrBodyMismatch},
		"over max": {body, 4, ErrBodyTooLarge},
	} {
		if _, err := ReadBody(bytes.NewReader(tc.body), s, tc.max); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	r := httptest.NewRequest("GET", "/v1/orders/1/outputs", nil)
	Sign(r, priv, BodyOf(nil), now.Add(time.Minute))
	f.Add(r.Header.Get(SignatureHeader), r.Header.Get(BodySHA256Header), r.Header.Get(BodyLengthHeader),
		r.Header.Get(NonceHeader), r.Header.Get(ExpiresHeader), "/v1/orders/1/outputs")
	f.Add("a:b", "", "-1", "", "x", "/")
	f.Fuzz(func(t *testing.T, sig, sum, length, nonce, expires, path string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.URL.Path = path
		for h, v := range map[string]string{SignatureHeader: sig, BodySHA256Header: sum, BodyLengthHeader: length, NonceHeader: nonce, ExpiresHeader: expires} {
			r.Header.Set(h, v)
		}
		s, err := Verify(r, now)
		if err != nil {
			return
		}
		if len(s.PublicKey) != ed25519.PublicKeySize || s.Body.Length < 0 || s.Expires.Before(now.Add(-MaxClockSkew)) {
			t.Fatalf("accepted %+v", s)
		}
	})
}

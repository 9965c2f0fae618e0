package nodeapi

import (
	"bytes"
	"container/heap"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Domain separates the signatures of requests to a node from every other
// signature of the system. Its version is that of the signed message's
// layout; the name is the protocol's first one and stays, as the
// signed bytes do.
const Domain = "celltonomy/gateway/v2"

// The headers of a signed request (see the package documentation).
const (
	SignatureHeader  = "Cell-Signature"
	BodySHA256Header = "Cell-Body-Sha256"
	BodyLengthHeader = "Cell-Body-Length"
	NonceHeader      = "Cell-Nonce"
	ExpiresHeader    = "Cell-Expires"
	// PackageIDHeader names the package (64 hex digits) of a PUT
	// /v1/blobs/{sha256}, so that the node finds its registry record
	// before it reads the body.
	PackageIDHeader = "Cell-Package-Id"
)

// Validity of a signature.
const (
	// MaxLifetime is the longest a signature may be valid: a node refuses
	// an expiry further than MaxLifetime + MaxClockSkew ahead of its
	// clock, so that it remembers each nonce for a bounded time.
	MaxLifetime = 5 * time.Minute
	// MaxClockSkew is how far a node's clock may be behind or ahead of
	// the signer's: a signature is refused once its expiry is more than
	// MaxClockSkew in the node's past.
	MaxClockSkew = 30 * time.Second
	// DefaultLifetime is the validity Client gives its signatures.
	DefaultLifetime = time.Minute
)

// NonceSize is the size of a nonce in bytes (its header holds twice as
// many hex digits).
const NonceSize = 16

// Errors of Verify, ReplayCache.Use and ReadBody.
var (
	// ErrUnsigned: the request has no signature header.
	ErrUnsigned = errors.New("request not signed")
	// ErrBadSignature: a signature header is missing or malformed, or the
	// signature does not verify.
	ErrBadSignature = errors.New("bad request signature")
	// ErrExpired: the signature's expiry is past (beyond MaxClockSkew).
	ErrExpired = errors.New("request signature expired")
	// ErrReplayed: the signature's nonce was used already.
	ErrReplayed = errors.New("request signature replayed")
	// ErrReplayCacheFull: the node remembers as many unexpired nonces as
	// it can; the request may be sent again later, with a new nonce.
	ErrReplayCacheFull = errors.New("too many signed requests in flight")
	// ErrBodyMismatch: the body's length or SHA-256 is not the one the
	// signature declares.
	ErrBodyMismatch = errors.New("body does not match its signed declaration")
	// ErrBodyTooLarge: the declared body is over the reader's limit.
	ErrBodyTooLarge = errors.New("body too large")
)

// Body is what a signature declares about a request's body: its SHA-256
// and its length in bytes.
type Body struct {
	SHA256 [sha256.Size]byte
	Length int64
}

// BodyOf returns the declaration of body (nil is the empty body).
func BodyOf(body []byte) Body {
	return Body{SHA256: sha256.Sum256(body), Length: int64(len(body))}
}

// Signature is a verified request signature: the signer's key and what
// it declared.
type Signature struct {
	PublicKey ed25519.PublicKey
	Body      Body
	// Nonce is the random value (NonceSize bytes) that makes the
	// signature single-use.
	Nonce [NonceSize]byte
	// Expires is when the signature becomes void (whole seconds).
	Expires time.Time
}

// SignedMessage returns the bytes signed for a request (see the package
// documentation); expires is in Unix seconds.
func SignedMessage(method, path string, body Body, nonce [NonceSize]byte, expires int64) []byte {
	var b bytes.Buffer
	for _, field := range []string{
		Domain, method, path,
		hex.EncodeToString(body.SHA256[:]), strconv.FormatInt(body.Length, 10),
		hex.EncodeToString(nonce[:]), strconv.FormatInt(expires, 10),
	} {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(field)
	}
	return b.Bytes()
}

// Sign sets the signature headers of r with priv: for a body declared as
// body, with a fresh random nonce, void after expires (rounded down to
// the second). The caller sends exactly the declared body.
func Sign(r *http.Request, priv ed25519.PrivateKey, body Body, expires time.Time) {
	var nonce [NonceSize]byte
	rand.Read(nonce[:])
	exp := expires.Unix()
	sig := ed25519.Sign(priv, SignedMessage(r.Method, r.URL.Path, body, nonce, exp))
	pub := priv.Public().(ed25519.PublicKey)
	h := r.Header
	h.Set(SignatureHeader, hex.EncodeToString(pub)+":"+hex.EncodeToString(sig))
	h.Set(BodySHA256Header, hex.EncodeToString(body.SHA256[:]))
	h.Set(BodyLengthHeader, strconv.FormatInt(body.Length, 10))
	h.Set(NonceHeader, hex.EncodeToString(nonce[:]))
	h.Set(ExpiresHeader, strconv.FormatInt(exp, 10))
}

// Verify checks the signature headers of r at time now, without reading
// its body, and returns the signature: the signer's key and the body it
// declared. It does not check the nonce against earlier requests
// (ReplayCache does) nor the body (ReadBody, or the caller's hashing
// store). Errors match ErrUnsigned, ErrBadSignature (a malformed header,
// an expiry too far ahead, a signature that does not verify) or
// ErrExpired, and name the header at fault.
func Verify(r *http.Request, now time.Time) (*Signature, error) {
	h := r.Header.Get(SignatureHeader)
	if h == "" {
		return nil, fmt.Errorf("%w: header %s missing", ErrUnsigned, SignatureHeader)
	}
	pubHex, sigHex, ok := strings.Cut(h, ":")
	if !ok {
		return nil, fmt.Errorf("%w: header %s: want PUBKEY:SIGNATURE", ErrBadSignature, SignatureHeader)
	}
	pub, err := hex.DecodeString(pubHex)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: header %s: public key must be %d hex bytes", ErrBadSignature, SignatureHeader, ed25519.PublicKeySize)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: header %s: signature must be %d hex bytes", ErrBadSignature, SignatureHeader, ed25519.SignatureSize)
	}
	s := &Signature{PublicKey: ed25519.PublicKey(pub)}
	if err := lowerHex(r.Header.Get(BodySHA256Header), s.Body.SHA256[:]); err != nil {
		return nil, fmt.Errorf("%w: header %s: %v", ErrBadSignature, BodySHA256Header, err)
	}
	if s.Body.Length, err = decimal(r.Header.Get(BodyLengthHeader)); err != nil {
		return nil, fmt.Errorf("%w: header %s: %v", ErrBadSignature, BodyLengthHeader, err)
	}
	if err := lowerHex(r.Header.Get(NonceHeader), s.Nonce[:]); err != nil {
		return nil, fmt.Errorf("%w: header %s: %v", ErrBadSignature, NonceHeader, err)
	}
	exp, err := decimal(r.Header.Get(ExpiresHeader))
	if err != nil {
		return nil, fmt.Errorf("%w: header %s: %v", ErrBadSignature, ExpiresHeader, err)
	}
	s.Expires = time.Unix(exp, 0)
	switch {
	case now.After(s.Expires.Add(MaxClockSkew)):
		return nil, fmt.Errorf("%w: at %s (now %s)", ErrExpired, s.Expires.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	case s.Expires.After(now.Add(MaxLifetime + MaxClockSkew)):
		return nil, fmt.Errorf("%w: header %s: %s is more than %s ahead", ErrBadSignature, ExpiresHeader, s.Expires.UTC().Format(time.RFC3339), MaxLifetime+MaxClockSkew)
	}
	if !ed25519.Verify(s.PublicKey, SignedMessage(r.Method, r.URL.Path, s.Body, s.Nonce, exp), sig) {
		return nil, fmt.Errorf("%w: does not verify for %s %s", ErrBadSignature, r.Method, r.URL.Path)
	}
	return s, nil
}

// lowerHex decodes exactly len(dst) bytes written as lowercase hex, the
// only spelling Sign writes.
func lowerHex(s string, dst []byte) error {
	if len(s) != 2*len(dst) {
		return fmt.Errorf("want %d lowercase hex digits, got %d characters", 2*len(dst), len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("want %d lowercase hex digits", 2*len(dst))
		}
	}
	_, err := hex.Decode(dst, []byte(s))
	return err
}

// decimal parses a non-negative decimal number without sign or leading
// zeros.
func decimal(s string) (int64, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || strconv.FormatInt(v, 10) != s {
		return 0, fmt.Errorf("%q: want a non-negative decimal number", s)
	}
	return v, nil
}

// ReadBody reads the body that s declares from r: exactly s.Body.Length
// bytes, hashed against s.Body.SHA256. A declaration over max bytes is
// refused before anything is read (ErrBodyTooLarge); a body shorter or
// longer than declared, or with another hash, gives ErrBodyMismatch. For
// small bodies (JSON); stream large ones into a hashing store instead.
func ReadBody(r io.Reader, s *Signature, max int64) ([]byte, error) {
	if s.Body.Length > max {
		return nil, fmt.Errorf("%w: %d bytes declared, at most %d", ErrBodyTooLarge, s.Body.Length, max)
	}
	b, err := io.ReadAll(io.LimitReader(r, s.Body.Length+1))
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	if int64(len(b)) != s.Body.Length {
		return nil, fmt.Errorf("%w: %s bytes received, %d declared", ErrBodyMismatch, atLeast(len(b), s.Body.Length), s.Body.Length)
	}
	if sha256.Sum256(b) != s.Body.SHA256 {
		return nil, fmt.Errorf("%w: SHA-256 differs from %s", ErrBodyMismatch, BodySHA256Header)
	}
	return b, nil
}

func atLeast(n int, declared int64) string {
	if int64(n) > declared {
		return "more than " + strconv.FormatInt(declared, 10)
	}
	return strconv.Itoa(n)
}

// ReplayCache remembers the nonces of the signatures a node accepted,
// each until its signature's expiry plus MaxClockSkew (after which Verify
// refuses the signature anyway), so that a repeated request is refused.
// It holds at most a fixed number of nonces; it never forgets one early,
// so that when it is full it refuses new ones instead
// (ErrReplayCacheFull). Its methods are safe for concurrent use.
type ReplayCache struct {
	mu   sync.Mutex
	max  int
	seen map[replayKey]bool
	heap expiryHeap
}

type replayKey [ed25519.PublicKeySize + NonceSize]byte

type replayEntry struct {
	key      replayKey
	forgetAt int64 // Unix seconds
}

// expiryHeap orders entries by forgetAt, earliest first.
type expiryHeap []replayEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].forgetAt < h[j].forgetAt }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(replayEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// NewReplayCache returns a cache of at most size nonces (at least 1). At
// about 100 bytes a nonce, 100,000 nonces take some 10 MB.
func NewReplayCache(size int) *ReplayCache {
	return &ReplayCache{max: max(size, 1), seen: map[replayKey]bool{}}
}

// Use records the nonce of s, a signature verified at now. It returns an
// error wrapping ErrReplayed when the signer used the nonce already, and
// ErrReplayCacheFull when the cache holds its maximum of unexpired
// nonces. A nonce belongs to its signer: another key may use the same
// value.
func (c *ReplayCache) Use(s *Signature, now time.Time) error {
	var k replayKey
	copy(k[:], s.PublicKey)
	copy(k[ed25519.PublicKeySize:], s.Nonce[:])
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.heap.Len() > 0 && c.heap[0].forgetAt < now.Unix() {
		delete(c.seen, heap.Pop(&c.heap).(replayEntry).key)
	}
	if c.seen[k] {
		return fmt.Errorf("%w: nonce %x", ErrReplayed, s.Nonce)
	}
	if len(c.seen) >= c.max {
		return fmt.Errorf("%w: %d nonces remembered", ErrReplayCacheFull, len(c.seen))
	}
	c.seen[k] = true
	heap.Push(&c.heap, replayEntry{key: k, forgetAt: s.Expires.Add(MaxClockSkew).Unix()})
	return nil
}

// Len returns the number of nonces remembered (expired ones included
// until the next Use).
func (c *ReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

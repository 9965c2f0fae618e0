// Package eventlog keeps the hash-chained, node-signed event log of a job:
// what a fulfillment node did, in order, each step signed with the node key
// (ARCHITECTURE.md: "runtime/eventlog"). A provider posts the head of the
// log when it delivers (market.md: Deliver), and in a dispute over a
// protocol package the log is checked instruction by instruction
// (market.md: "every instruction present, in order, parameters equal,
// timings within the BotSpec").
//
// # Definition (version 1)
//
// A log belongs to one node key (an ed25519 public key) and has a log ID,
// 1 to [MaxIDLen] bytes chosen by the node, for example the order id
// followed by the node address. Its header is
//
//	header = "celltonomy/eventlog/v1" ‖ 0x00
//	       ‖ node public key (32 bytes)
//	       ‖ u16be(len(log ID)) ‖ log ID
//
// An event has a sequence number seq (0 for the first event, then 1, 2, …),
// the hash prev of the previous event (32 zero bytes for the first event), a
// time (an int64 the caller supplies: the log reads no clock, and its unit
// is the convention of the job, e.g. Unix milliseconds for a lab bot or the
// block height for a compute job), a kind and up to [MaxAttrs] attributes.
// Its body is
//
//	body = u64be(seq) ‖ prev (32 bytes) ‖ u64be(time as two's complement)
//	     ‖ u8(len(kind)) ‖ kind
//	     ‖ u8(number of attributes)
//	     ‖ for each attribute, in strictly increasing order of key bytes:
//	         u8(len(key)) ‖ key ‖ u32be(len(value)) ‖ value
//
// and its hash and signature are
//
//	hash = SHA-256(header ‖ body)
//	sig  = Ed25519-Sign(node private key, hash)   (64 bytes)
//
// where ‖ is concatenation and uNbe is an N-bit unsigned big-endian integer.
// Because the header is part of every hash, an event cannot be moved to
// another log or attributed to another node. The head of a log is the hash
// of its last event, or 32 zero bytes for a log without events.
//
// A kind and an attribute key are 1 to [MaxNameLen] bytes of lowercase
// ASCII letters, digits, '_', '.' and '-', beginning with a letter ("exit",
// "outputs_hashed", "bot.pipette"). A value is any 0 to [MaxValueLen] bytes.
// No two attributes of an event have the same key.
//
// # Stored form
//
// A log is stored as its header followed by its events, each framed with
// its length and followed by its signature:
//
//	log = header ‖ for each event: u32be(len(body)) ‖ body ‖ sig
//
// Hashes are not stored; a reader recomputes them. A stored log is at most
// [MaxLogSize] bytes. The encoding is canonical: [Read] accepts only the
// bytes [Log.WriteTo] (or [Writer.WriteTo]) produces for the log it returns.
//
// # Use
//
// A node opens one log per job, appends an event at each step, and delivers
// the head:
//
//	w, err := eventlog.OpenFile(path, nodeKey, logID) // or eventlog.New(nodeKey, logID) in memory
//	if err != nil { ... }
//	defer w.Close()
//	_, err = w.Append("inputs_verified", height, eventlog.Attr{Key: "input_root", Value: root[:]})
//	...
//	head := w.Head()
//
// Anyone holding the stored log checks it with [Read], which verifies the
// chain against the key it records, then [Verify] against the node's known
// public key and [VerifyHead] against the delivered head.
package eventlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Domain is the domain-separation prefix of version 1 of the event log. It
// is followed by a 0x00 byte in the header.
const Domain = "celltonomy/eventlog/v1"

// Limits of version 1, in bytes unless stated.
const (
	// MaxIDLen is the longest log ID.
	MaxIDLen = 256
	// MaxNameLen is the longest kind or attribute key.
	MaxNameLen = 64
	// MaxValueLen is the longest attribute value.
	MaxValueLen = 16 << 10
	// MaxAttrs is the most attributes an event may have (a count, not bytes).
	MaxAttrs = 64
	// MaxLogSize is the longest stored log that [Read] accepts and that a
	// [Writer] lets grow.
	MaxLogSize = 64 << 20
)

// HashSize is the length of an event hash and of a head.
const HashSize = sha256.Size

// ErrInvalidEvent is matched (errors.Is) by the error for a kind,
// attribute or log ID that breaks the rules in the package documentation.
var ErrInvalidEvent = errors.New("invalid event")

// ErrMalformed is matched (errors.Is) by the error of [Read] for bytes that
// are not a stored log: bad header, truncated or oversized frames, trailing
// bytes, non-canonical bodies.
var ErrMalformed = errors.New("malformed event log")

// ErrInvalidLog is matched (errors.Is) by every [*VerifyError].
var ErrInvalidLog = errors.New("invalid event log")

// ErrTooLarge is matched (errors.Is) by the error of [Writer.Append] when
// the event would make the stored log longer than [MaxLogSize].
var ErrTooLarge = errors.New("event log too large")

// VerifyError is the error of [Verify], [VerifyHead] and [Read] for a log
// whose chain does not hold. It names the first bad event and the rule it
// breaks, e.g. "event 3: prev does not match the hash of event 2".
type VerifyError struct {
	// Event is the index (and expected seq) of the first bad event, or -1
	// when the fault is in the log as a whole (node key, log ID, head).
	Event int
	// Rule says what is wrong.
	Rule string
}

// Error implements error: "event N: rule", or "event log: rule" for the
// log as a whole.
func (e *VerifyError) Error() string {
	if e.Event < 0 {
		return "event log: " + e.Rule
	}
	return fmt.Sprintf("event %d: %s", e.Event, e.Rule)
}

// Is makes every VerifyError match [ErrInvalidLog].
func (e *VerifyError) Is(target error) bool { return target == ErrInvalidLog }

// Attr is one attribute of an event.
type Attr struct {
	Key   string
	Value []byte
}

// Event is one signed entry of a log.
type Event struct {
	// Seq is the position of the event in its log, from 0.
	Seq uint64
	// Prev is the hash of the previous event; all zeros for the first.
	Prev [HashSize]byte
	// Time is supplied by the writer; its unit is the log's convention.
	Time int64
	// Kind names what happened.
	Kind string
	// Attrs are sorted by key. Their values must not be modified.
	Attrs []Attr
	// Hash is SHA-256(header ‖ body). [Verify] recomputes it and rejects an
	// event whose Hash differs.
	Hash [HashSize]byte
	// Sig is the node's ed25519 signature of Hash.
	Sig []byte
}

// Attr returns the value of the attribute with key k and whether the event
// has it.
func (e *Event) Attr(k string) ([]byte, bool) {
	i, ok := slices.BinarySearchFunc(e.Attrs, k, func(a Attr, k string) int { return strings.Compare(a.Key, k) })
	if !ok {
		return nil, false
	}
	return e.Attrs[i].Value, true
}

// Log is a whole event log as read back or snapshotted from a [Writer].
type Log struct {
	// NodeKey is the public key that signs every event.
	NodeKey ed25519.PublicKey
	// ID is the log ID.
	ID []byte
	// Events are in seq order.
	Events []Event
}

// Head returns the hash of the last event, or zeros for an empty log. It
// trusts the Hash fields; call [Verify] first on a log from elsewhere.
func (l *Log) Head() [HashSize]byte {
	if len(l.Events) == 0 {
		return [HashSize]byte{}
	}
	return l.Events[len(l.Events)-1].Hash
}

// WriteTo writes the stored form of l (see the package documentation). It
// implements io.WriterTo. l should have passed [Verify]; WriteTo checks only
// what it needs to frame the bytes.
func (l *Log) WriteTo(w io.Writer) (int64, error) {
	if err := validateHeader(l.NodeKey, l.ID); err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	buf.Write(header(l.NodeKey, l.ID))
	for i := range l.Events {
		e := &l.Events[i]
		if len(e.Sig) != ed25519.SignatureSize {
			return 0, fmt.Errorf("event %d: signature of %d bytes, want %d", i, len(e.Sig), ed25519.SignatureSize)
		}
		if err := validateEvent(e.Kind, e.Attrs, true); err != nil {
			return 0, fmt.Errorf("event %d: %w", i, err)
		}
		appendRecord(&buf, body(e), e.Sig)
	}
	return buf.WriteTo(w)
}

func header(pub ed25519.PublicKey, id []byte) []byte {
	h := make([]byte, 0, len(Domain)+1+ed25519.PublicKeySize+2+len(id))
	h = append(h, Domain...)
	h = append(h, 0)
	h = append(h, pub...)
	h = binary.BigEndian.AppendUint16(h, uint16(len(id)))
	return append(h, id...)
}

// body encodes e, which must be valid.
func body(e *Event) []byte {
	b := binary.BigEndian.AppendUint64(nil, e.Seq)
	b = append(b, e.Prev[:]...)
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time))
	b = append(b, byte(len(e.Kind)))
	b = append(b, e.Kind...)
	b = append(b, byte(len(e.Attrs)))
	for _, a := range e.Attrs {
		b = append(b, byte(len(a.Key)))
		b = append(b, a.Key...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

func hashEvent(hdr, body []byte) [HashSize]byte {
	h := sha256.New()
	h.Write(hdr)
	h.Write(body)
	var sum [HashSize]byte
	h.Sum(sum[:0])
	return sum
}

func appendRecord(buf *bytes.Buffer, body, sig []byte) {
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(body)))
	buf.Write(n[:])
	buf.Write(body)
	buf.Write(sig)
}

func recordSize(bodyLen int) int { return 4 + bodyLen + ed25519.SignatureSize }

func validateHeader(pub ed25519.PublicKey, id []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("node key: %d bytes, want %d", len(pub), ed25519.PublicKeySize)
	}
	if len(id) == 0 || len(id) > MaxIDLen {
		return fmt.Errorf("log ID of %d bytes: %w: must be 1 to %d bytes", len(id), ErrInvalidEvent, MaxIDLen)
	}
	return nil
}

// ValidateName reports whether s is a valid kind or attribute key. The
// error matches [ErrInvalidEvent] and says why.
func ValidateName(s string) error {
	if s == "" || len(s) > MaxNameLen {
		return fmt.Errorf("name of %d bytes: %w: must be 1 to %d bytes", len(s), ErrInvalidEvent, MaxNameLen)
	}
	if s[0] < 'a' || s[0] > 'z' {
		return fmt.Errorf("name %q: %w: must begin with a lowercase letter", s, ErrInvalidEvent)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return fmt.Errorf("name %q: %w: byte %#02x is not a lowercase letter, digit, '_', '.' or '-'", s, ErrInvalidEvent, c)
		}
	}
	return nil
}

// validateEvent checks kind and attrs; with sorted, attrs must already be in
// strictly increasing key order, otherwise only free of duplicates.
func validateEvent(kind string, attrs []Attr, sorted bool) error {
	if err := ValidateName(kind); err != nil {
		return fmt.Errorf("kind: %w", err)
	}
	if len(attrs) > MaxAttrs {
		return fmt.Errorf("%w: %d attributes, at most %d", ErrInvalidEvent, len(attrs), MaxAttrs)
	}
	for i, a := range attrs {
		if err := ValidateName(a.Key); err != nil {
			return fmt.Errorf("attribute key: %w", err)
		}
		if len(a.Value) > MaxValueLen {
			return fmt.Errorf("attribute %q: %w: value of %d bytes, at most %d", a.Key, ErrInvalidEvent, len(a.Value), MaxValueLen)
		}
		if i > 0 && sorted {
			switch c := strings.Compare(attrs[i-1].Key, a.Key); {
			case c == 0:
				return fmt.Errorf("attribute %q: %w: duplicate key", a.Key, ErrInvalidEvent)
			case c > 0:
				return fmt.Errorf("attribute %q: %w: keys not in increasing order", a.Key, ErrInvalidEvent)
			}
		}
	}
	return nil
}

// Verify checks that l is a well-formed chain signed by nodePub: the log
// records nodePub and a valid log ID, and each event i has seq i, prev
// equal to the hash of event i-1 (zeros for event 0), a valid kind and
// sorted valid attributes, a Hash equal to the hash of its contents, and a
// valid signature of that hash. It returns a [*VerifyError] naming the
// first bad event and rule, or nil.
//
// Verify does not look at times: timing rules belong to the consumer (for
// protocol packages, the BotSpec).
func Verify(l *Log, nodePub ed25519.PublicKey) error { return verify(l, nodePub, false) }

// VerifyChain is Verify checking the signature of the last event only.
// Every event's hash covers the hash of the one before it, so the last
// event's signature binds the node to the contents of the whole log, as
// the signatures of all events do; VerifyChain costs one signature check
// instead of one per event (about 50 µs each), which matters for logs of
// thousands of events. What it does not check is the signatures of
// earlier events, which no hash covers: a log whose earlier signatures
// were damaged after signing still authenticates the same contents. It
// returns a [*VerifyError] as Verify does.
func VerifyChain(l *Log, nodePub ed25519.PublicKey) error { return verify(l, nodePub, true) }

func verify(l *Log, nodePub ed25519.PublicKey, lastSigOnly bool) error {
	if len(nodePub) != ed25519.PublicKeySize {
		return &VerifyError{-1, fmt.Sprintf("expected node key has %d bytes, want %d", len(nodePub), ed25519.PublicKeySize)}
	}
	if !bytes.Equal(l.NodeKey, nodePub) {
		return &VerifyError{-1, fmt.Sprintf("signed by node key %x, want %x", []byte(l.NodeKey), []byte(nodePub))}
	}
	if err := validateHeader(l.NodeKey, l.ID); err != nil {
		return &VerifyError{-1, err.Error()}
	}
	hdr := header(l.NodeKey, l.ID)
	var prev [HashSize]byte
	for i := range l.Events {
		e := &l.Events[i]
		if e.Seq != uint64(i) {
			return &VerifyError{i, fmt.Sprintf("seq is %d, want %d", e.Seq, i)}
		}
		if e.Prev != prev {
			if i == 0 {
				return &VerifyError{i, "prev of the first event is not zero"}
			}
			return &VerifyError{i, fmt.Sprintf("prev does not match the hash of event %d", i-1)}
		}
		if err := validateEvent(e.Kind, e.Attrs, true); err != nil {
			return &VerifyError{i, err.Error()}
		}
		h := hashEvent(hdr, body(e))
		if e.Hash != h {
			return &VerifyError{i, "hash does not match the event's contents"}
		}
		if lastSigOnly && i < len(l.Events)-1 {
			prev = h
			continue
		}
		if len(e.Sig) != ed25519.SignatureSize || !ed25519.Verify(l.NodeKey, h[:], e.Sig) {
			return &VerifyError{i, "signature does not verify under the node key"}
		}
		prev = h
	}
	return nil
}

// VerifyHead checks that the head of l, recomputed from the contents of its
// last event, is head (all zeros for an empty log). It returns a
// [*VerifyError] when it is not. It checks nothing else: call [Verify]
// first.
func VerifyHead(l *Log, head [HashSize]byte) error {
	var got [HashSize]byte
	if n := len(l.Events); n > 0 {
		got = hashEvent(header(l.NodeKey, l.ID), body(&l.Events[n-1]))
	}
	if got != head {
		return &VerifyError{-1, fmt.Sprintf("head is %s, want %s", hex.EncodeToString(got[:]), hex.EncodeToString(head[:]))}
	}
	return nil
}

// Read reads a stored log (see the package documentation) of at most
// [MaxLogSize] bytes from r, to its end, and verifies its chain against the
// node key it records (as [Verify] does). The caller still checks that key
// with [Verify] against the node it expects, and the head with
// [VerifyHead].
//
// It returns an error matching [ErrMalformed] for bytes that are not a
// stored log, a [*VerifyError] for a chain that does not hold, or the
// error of r.
func Read(r io.Reader) (*Log, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxLogSize+1))
	if err != nil {
		return nil, fmt.Errorf("read event log: %w", err)
	}
	if len(data) > MaxLogSize {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLogSize)
	}
	l, _, err := parse(data, false)
	if err != nil {
		return nil, err
	}
	if err := Verify(l, l.NodeKey); err != nil {
		return nil, err
	}
	return l, nil
}

// parse decodes a stored log. With tornTail, an incomplete last record is
// dropped instead of rejected; it returns the length of the complete
// prefix that was decoded.
func parse(data []byte, tornTail bool) (*Log, int, error) {
	d := decoder{b: data}
	dom := d.bytes(len(Domain) + 1)
	if d.err != nil || string(dom[:len(Domain)]) != Domain || dom[len(Domain)] != 0 {
		return nil, 0, fmt.Errorf("%w: header does not begin with %q and a zero byte", ErrMalformed, Domain)
	}
	pub := d.bytes(ed25519.PublicKeySize)
	id := d.bytes(int(d.u16()))
	if d.err != nil {
		return nil, 0, fmt.Errorf("%w: header: %v", ErrMalformed, d.err)
	}
	if err := validateHeader(pub, id); err != nil {
		return nil, 0, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	l := &Log{NodeKey: ed25519.PublicKey(bytes.Clone(pub)), ID: bytes.Clone(id)}
	hdr := data[:d.off]
	for len(d.b) > d.off {
		start := d.off
		n := d.u32()
		b := d.bytes(int(min(n, MaxLogSize)))
		sig := d.bytes(ed25519.SignatureSize)
		if d.err != nil {
			if tornTail {
				return l, start, nil
			}
			return nil, 0, fmt.Errorf("%w: event %d: %v", ErrMalformed, len(l.Events), d.err)
		}
		e, err := parseBody(b)
		if err != nil {
			return nil, 0, fmt.Errorf("%w: event %d: %v", ErrMalformed, len(l.Events), err)
		}
		e.Hash = hashEvent(hdr, b)
		e.Sig = bytes.Clone(sig)
		l.Events = append(l.Events, e)
	}
	return l, d.off, nil
}

func parseBody(b []byte) (Event, error) {
	d := decoder{b: b}
	var e Event
	e.Seq = d.u64()
	copy(e.Prev[:], d.bytes(HashSize))
	e.Time = int64(d.u64())
	e.Kind = string(d.bytes(int(d.u8())))
	n := int(d.u8())
	for range n {
		if d.err != nil {
			break
		}
		k := string(d.bytes(int(d.u8())))
		v := d.bytes(int(min(d.u32(), MaxLogSize)))
		e.Attrs = append(e.Attrs, Attr{Key: k, Value: bytes.Clone(v)})
	}
	if d.err != nil {
		return Event{}, d.err
	}
	if d.off != len(b) {
		return Event{}, fmt.Errorf("%d bytes after the last attribute", len(b)-d.off)
	}
	if err := validateEvent(e.Kind, e.Attrs, true); err != nil {
		return Event{}, err
	}
	return e, nil
}

// decoder reads big-endian fields; after the first short read it returns
// zero values and keeps err.
type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.off {
		d.err = fmt.Errorf("truncated: need %d bytes at offset %d, have %d", n, d.off, len(d.b)-d.off)
		return nil
	}
	s := d.b[d.off : d.off+n]
	d.off += n
	return s
}

func (d *decoder) u8() uint8 {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u16() uint16 {
	if b := d.bytes(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

package eventlog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
)

// Writer appends signed events to one log. It is not safe for concurrent
// use. A Writer from [New] keeps the log in memory; one from [OpenFile] also
// appends each event to a file and syncs it before Append returns.
type Writer struct {
	key  ed25519.PrivateKey
	hdr  []byte
	log  Log
	size int // length of the stored form so far

	f   *os.File // nil for an in-memory writer
	err error    // sticky: set when the file may hold a partial event
}

// New returns an in-memory writer for an empty log with the given ID,
// signed by nodeKey. It panics when nodeKey is not an ed25519 private key
// or logID is not 1 to [MaxIDLen] bytes: both are fixed by the program, not
// by its input.
func New(nodeKey ed25519.PrivateKey, logID []byte) *Writer {
	if len(nodeKey) != ed25519.PrivateKeySize {
		panic(fmt.Sprintf("eventlog: node key of %d bytes, want %d", len(nodeKey), ed25519.PrivateKeySize))
	}
	pub := nodeKey.Public().(ed25519.PublicKey)
	if err := validateHeader(pub, logID); err != nil {
		panic("eventlog: " + err.Error())
	}
	w := &Writer{
		key: slices.Clone(nodeKey),
		log: Log{NodeKey: pub, ID: bytes.Clone(logID)},
	}
	w.hdr = header(pub, w.log.ID)
	w.size = len(w.hdr)
	return w
}

// Append adds an event of the given kind, time and attributes, signed by
// the node key, and returns it. attrs may be in any order: Append sorts a
// copy and copies the values. For a file-backed writer the event is on
// disk, synced, when Append returns nil.
//
// It returns an error matching [ErrInvalidEvent] for an invalid kind or
// attribute, including two attributes with the same key, or [ErrTooLarge]
// when the stored log would exceed [MaxLogSize]; the log is unchanged. An
// error writing the file leaves the writer failed: every later Append
// returns that error, and the job resumes from the file with [OpenFile].
func (w *Writer) Append(kind string, time int64, attrs ...Attr) (Event, error) {
	if w.err != nil {
		return Event{}, w.err
	}
	sorted := make([]Attr, len(attrs))
	for i, a := range attrs {
		sorted[i] = Attr{Key: a.Key, Value: bytes.Clone(a.Value)}
	}
	slices.SortFunc(sorted, func(a, b Attr) int { return strings.Compare(a.Key, b.Key) })
	if err := validateEvent(kind, sorted, true); err != nil {
		return Event{}, fmt.Errorf("append %q: %w", kind, err)
	}
	if len(sorted) == 0 {
		sorted = nil
	}
	e := Event{
		Seq:   uint64(len(w.log.Events)),
		Prev:  w.log.Head(),
		Time:  time,
		Kind:  kind,
		Attrs: sorted,
	}
	b := body(&e)
	if w.size+recordSize(len(b)) > MaxLogSize {
		return Event{}, fmt.Errorf("append %q: %w: would exceed %d bytes", kind, ErrTooLarge, MaxLogSize)
	}
	e.Hash = hashEvent(w.hdr, b)
	e.Sig = ed25519.Sign(w.key, e.Hash[:])
	if w.f != nil {
		var rec bytes.Buffer
		appendRecord(&rec, b, e.Sig)
		if _, err := w.f.Write(rec.Bytes()); err != nil {
			w.err = fmt.Errorf("event log %s: %w", w.f.Name(), err)
			return Event{}, w.err
		}
		if err := w.f.Sync(); err != nil {
			w.err = fmt.Errorf("event log %s: %w", w.f.Name(), err)
			return Event{}, w.err
		}
	}
	w.log.Events = append(w.log.Events, e)
	w.size += recordSize(len(b))
	return e, nil
}

// Head returns the hash of the last event, or zeros before the first
// Append. It is what a provider posts when it delivers (market.md: Deliver).
func (w *Writer) Head() [HashSize]byte { return w.log.Head() }

// Events returns the events appended so far, oldest first. The slice is a
// copy; the attribute values and signatures it refers to must not be
// modified.
func (w *Writer) Events() []Event { return slices.Clone(w.log.Events) }

// Log returns a snapshot of the log, sharing events with the writer as
// [Writer.Events] does.
func (w *Writer) Log() *Log {
	return &Log{NodeKey: w.log.NodeKey, ID: w.log.ID, Events: w.Events()}
}

// WriteTo writes the stored form of the log (see the package
// documentation). It implements io.WriterTo.
func (w *Writer) WriteTo(dst io.Writer) (int64, error) { return w.log.WriteTo(dst) }

// Close closes the file of a writer from [OpenFile]; it does nothing for an
// in-memory writer. Append after Close fails.
func (w *Writer) Close() error {
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	if w.err == nil {
		w.err = errors.New("event log: closed")
	}
	return err
}

// OpenFile opens the log stored at path for appending, creating it (and
// syncing its directory) when it does not exist, so that a node that
// crashes resumes its job's log where it stopped.
//
// An existing file must hold a log with nodeKey's public key and logID
// whose chain verifies; OpenFile returns an error matching [ErrMalformed]
// or a [*VerifyError] otherwise, and leaves the file alone. The one
// exception is a crash in the middle of an Append: an incomplete last
// record (or header), which no Append ever reported as written, is cut off
// and the chain continues from the last complete event. Like [New], it
// panics on an invalid nodeKey or logID.
func OpenFile(path string, nodeKey ed25519.PrivateKey, logID []byte) (*Writer, error) {
	w := New(nodeKey, logID)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open event log: %w", err)
	}
	fail := func(err error) (*Writer, error) {
		f.Close()
		return nil, fmt.Errorf("open event log %s: %w", path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxLogSize+1))
	if err != nil {
		return fail(err)
	}
	if len(data) > MaxLogSize {
		return fail(fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLogSize))
	}
	keep := 0
	if len(data) < len(w.hdr) && bytes.HasPrefix(w.hdr, data) {
		// New, or the crash came while the header was being written.
		if err := f.Truncate(0); err != nil {
			return fail(err)
		}
		if _, err := f.WriteAt(w.hdr, 0); err != nil {
			return fail(err)
		}
		if err := f.Sync(); err != nil {
			return fail(err)
		}
		if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
			return fail(err)
		}
		keep = len(w.hdr)
	} else {
		l, n, err := parse(data, true)
		if err != nil {
			return fail(err)
		}
		if !bytes.Equal(l.ID, w.log.ID) {
			return fail(&VerifyError{-1, fmt.Sprintf("log ID is %x, want %x", l.ID, w.log.ID)})
		}
		if err := Verify(l, w.log.NodeKey); err != nil {
			return fail(err)
		}
		if n < len(data) {
			if err := f.Truncate(int64(n)); err != nil {
				return fail(err)
			}
			if err := f.Sync(); err != nil {
				return fail(err)
			}
		}
		w.log.Events = l.Events
		keep = n
	}
	if _, err := f.Seek(int64(keep), io.SeekStart); err != nil {
		return fail(err)
	}
	w.f = f
	w.size = keep
	return w, nil
}

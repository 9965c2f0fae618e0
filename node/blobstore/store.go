package blobstore

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/celltonomy/celltonomy/internal/atomicfile"
)

// SumSize is the size of a blob hash in bytes.
const SumSize = sha256.Size

// DefaultMaxSize is the size limit of a Store opened without WithMaxSize:
// 1 GiB.
const DefaultMaxSize int64 = 1 << 30

var (
	// ErrNotFound is returned when the store has no blob with the hash.
	ErrNotFound = errors.New("blob not found")
	// ErrHashMismatch is returned when bytes do not hash to the expected
	// hash: content offered to PutExpect or fetched from a server, or a
	// blob on disk that has rotted.
	ErrHashMismatch = errors.New("blob hash mismatch")
	// ErrTooLarge is returned when a blob is over the store's size limit.
	ErrTooLarge = errors.New("blob too large")
	// ErrMalformedSum is returned by ParseSum for text that is not 64
	// lowercase hex digits.
	ErrMalformedSum = errors.New("malformed blob hash")
	// ErrQuota is returned when a write would take the stores sharing a
	// Quota over its limit.
	ErrQuota = errors.New("blob store quota full")
)

// ParseSum parses a blob hash written as exactly 64 lowercase hex digits,
// the only spelling used in paths and URLs, so that each blob has one name.
// Other text gives an error wrapping ErrMalformedSum.
func ParseSum(s string) ([SumSize]byte, error) {
	var sum [SumSize]byte
	if len(s) != 2*SumSize {
		return sum, fmt.Errorf("%w: want %d hex digits, got %d characters", ErrMalformedSum, 2*SumSize, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return sum, fmt.Errorf("%w: %q: character %d is not a lowercase hex digit", ErrMalformedSum, s, i)
		}
	}
	if _, err := hex.Decode(sum[:], []byte(s)); err != nil {
		return sum, fmt.Errorf("%w: %q: %v", ErrMalformedSum, s, err)
	}
	return sum, nil
}

// Option configures Open.
type Option func(*options)

type options struct {
	maxSize      int64
	verifyOnRead bool
	quota        *Quota
	clock        func() time.Time
}

// WithMaxSize bounds the size of every blob the store accepts, in bytes.
// Put, PutExpect and Fetch refuse larger content with ErrTooLarge. The
// default is DefaultMaxSize; n must be positive.
func WithMaxSize(n int64) Option { return func(o *options) { o.maxSize = n } }

// WithVerifyOnRead makes Store.Open rehash a blob before returning it and
// fail with ErrHashMismatch when the bytes on disk no longer match. It costs
// a full read per Open. Off by default.
func WithVerifyOnRead(on bool) Option { return func(o *options) { o.verifyOnRead = on } }

// WithQuota makes the store count its bytes against q, which several
// stores may share: a write that would take q over its limit fails with
// ErrQuota. Open adds the blobs already on disk to q.
func WithQuota(q *Quota) Option { return func(o *options) { o.quota = q } }

// WithClock makes the store read the time from clock when it marks a
// blob used (stored, put again, touched), so that Stat and
// DeleteUnusedSince agree with the caller's clock. The default, and a nil
// clock, is time.Now.
func WithClock(clock func() time.Time) Option { return func(o *options) { o.clock = clock } }

// Quota bounds the bytes held by the stores that share it, blobs being
// written included. Its methods are safe for concurrent use.
type Quota struct {
	limit int64
	used  atomic.Int64
}

// NewQuota returns a quota of limit bytes (positive).
func NewQuota(limit int64) *Quota { return &Quota{limit: limit} }

// Limit returns the quota's limit in bytes.
func (q *Quota) Limit() int64 { return q.limit }

// Used returns the bytes counted against the quota: the stored blobs and
// the blobs being written.
func (q *Quota) Used() int64 { return q.used.Load() }

// reserve counts n more bytes, or none and false when they do not fit.
func (q *Quota) reserve(n int64) bool {
	if q == nil {
		return true
	}
	if q.used.Add(n) > q.limit {
		q.used.Add(-n)
		return false
	}
	return true
}

func (q *Quota) release(n int64) {
	if q != nil {
		q.used.Add(-n)
	}
}

// Store is a directory of blobs named by their SHA-256. Its methods are safe
// for concurrent use, including by several goroutines putting the same
// content. See the package doc for the layout on disk.
type Store struct {
	root string // dir/sha256
	tmp  string // dir/tmp
	opts options
	// mu orders the last step of a put (rename, or touch of a blob
	// already there) with DeleteUnusedSince, so that a blob a put has
	// just returned is never collected.
	mu sync.Mutex
	// customClock is set by WithClock: a new blob's use is then marked
	// with the clock's time rather than the file system's.
	customClock bool
}

// Open opens the store in dir, creating the directory and its layout if
// needed, and removes temporary files left by an earlier process. Errors are
// from the file system, or a bad option.
func Open(dir string, opts ...Option) (*Store, error) {
	o := options{maxSize: DefaultMaxSize}
	for _, opt := range opts {
		opt(&o)
	}
	custom := o.clock != nil
	if !custom {
		o.clock = time.Now
	}
	if o.maxSize <= 0 {
		return nil, fmt.Errorf("blobstore: max size must be positive, got %d", o.maxSize)
	}
	s := &Store{root: filepath.Join(dir, "sha256"), tmp: filepath.Join(dir, "tmp"), opts: o, customClock: custom}
	if err := os.RemoveAll(s.tmp); err != nil {
		return nil, fmt.Errorf("blobstore: clear temporary files: %w", err)
	}
	for _, d := range []string{s.root, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("blobstore: %w", err)
		}
	}
	if o.quota != nil {
		sums, err := s.List()
		if err != nil {
			return nil, err
		}
		for _, sum := range sums {
			if size, _, err := s.Stat(sum); err == nil {
				o.quota.used.Add(size)
			}
		}
	}
	return s, nil
}

// MaxSize returns the store's size limit in bytes.
func (s *Store) MaxSize() int64 { return s.opts.maxSize }

// path returns dir/sha256/ab/abcdef… for a hash.
// Path returns the host path of the stored blob with hash sum, for a
// reader that needs a file (such as a WebAssembly run's input mount). It
// returns an error wrapping fs.ErrNotExist when the blob is not stored.
// The file must not be modified; call Verify first to rule out rot.
func (s *Store) Path(sum [SumSize]byte) (string, error) {
	p := s.path(sum)
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

func (s *Store) path(sum [SumSize]byte) string {
	h := hex.EncodeToString(sum[:])
	return filepath.Join(s.root, h[:2], h)
}

// Put stores the content of r and returns its hash and size in bytes.
// Putting content that is already stored succeeds, leaves the stored
// bytes as they are and marks the blob used now (see Touch). Content over
// the size limit is refused with ErrTooLarge, content that does not fit
// the quota with ErrQuota; nothing is stored when an error is returned.
func (s *Store) Put(r io.Reader) (sum [SumSize]byte, size int64, err error) {
	return s.put(r, nil, 0)
}

// PutLimit is Put, or PutExpect when want is not nil, with a limit of
// its own: content over limit bytes (or the store's size limit, when
// lower or when limit is not positive) is refused with ErrTooLarge as
// soon as the limit is passed, having read at most limit+1 bytes of r.
// Content streams to disk while it is hashed: memory does not grow with
// its size.
func (s *Store) PutLimit(r io.Reader, want *[SumSize]byte, limit int64) (sum [SumSize]byte, size int64, err error) {
	return s.put(r, want, limit)
}

// PutExpect stores the content of r if it hashes to sum and returns its
// size in bytes. Content with another hash is refused with an error wrapping
// ErrHashMismatch, and content over the size limit with ErrTooLarge; in
// both cases nothing is stored. r is read to its end (or to the size limit)
// even when sum is already stored, since the content must still be checked.
func (s *Store) PutExpect(r io.Reader, sum [SumSize]byte) (size int64, err error) {
	_, size, err = s.put(r, &sum, 0)
	return size, err
}

// quotaWriter counts the bytes written against a quota before they reach
// the disk.
type quotaWriter struct {
	q        *Quota
	reserved int64
}

func (w *quotaWriter) Write(p []byte) (int, error) {
	if !w.q.reserve(int64(len(p))) {
		return 0, fmt.Errorf("%d bytes of %d used: %w", w.q.Used(), w.q.limit, ErrQuota)
	}
	w.reserved += int64(len(p))
	return len(p), nil
}

func (s *Store) put(r io.Reader, want *[SumSize]byte, limit int64) (sum [SumSize]byte, size int64, err error) {
	if limit <= 0 || limit > s.opts.maxSize {
		limit = s.opts.maxSize
	}
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	tmp := f.Name()
	qw := &quotaWriter{q: s.opts.quota}
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(tmp)
			s.opts.quota.release(qw.reserved)
		}
	}()

	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(qw, f, h), io.LimitReader(r, limit+1))
	if err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	if size > limit {
		return sum, 0, fmt.Errorf("blobstore: put: over %d bytes: %w", limit, ErrTooLarge)
	}
	h.Sum(sum[:0])
	if want != nil && sum != *want {
		return sum, 0, fmt.Errorf("blobstore: put: content hashes to %x, want %x: %w", sum, *want, ErrHashMismatch)
	}
	if err = f.Sync(); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}

	dst := s.path(sum)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(dst); err == nil {
		os.Remove(tmp)
		s.opts.quota.release(qw.reserved)
		now := s.opts.clock()
		os.Chtimes(dst, now, now)
		return sum, size, nil
	}
	dir := filepath.Dir(dst)
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	if s.customClock {
		now := s.opts.clock()
		if err = os.Chtimes(dst, now, now); err != nil {
			return sum, 0, fmt.Errorf("blobstore: put: %w", err)
		}
	}
	if err = atomicfile.SyncDir(dir); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	return sum, size, nil
}

// Open returns the blob with hash sum for reading, and its size in bytes.
// The caller closes it. It returns an error wrapping ErrNotFound when the
// blob is not stored and, with WithVerifyOnRead, ErrHashMismatch when the
// bytes on disk no longer hash to sum.
func (s *Store) Open(sum [SumSize]byte) (io.ReadSeekCloser, int64, error) {
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("blobstore: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("blobstore: %w", err)
	}
	if s.opts.verifyOnRead {
		if err := check(f, sum); err != nil {
			f.Close()
			return nil, 0, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, 0, fmt.Errorf("blobstore: %w", err)
		}
	}
	return f, fi.Size(), nil
}

// check rehashes r to its end and compares with sum.
func check(r io.Reader, sum [SumSize]byte) error {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("blobstore: verify %x: %w", sum, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, sum[:]) {
		return fmt.Errorf("blobstore: %x on disk hashes to %x: %w", sum, got, ErrHashMismatch)
	}
	return nil
}

// Verify rehashes the stored blob with hash sum. It returns nil when the
// bytes match, an error wrapping ErrHashMismatch when they do not (the
// caller may then Delete the blob and fetch it again), and ErrNotFound when
// the blob is not stored.
func (s *Store) Verify(sum [SumSize]byte) error {
	f, err := os.Open(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	defer f.Close()
	return check(f, sum)
}

// Has reports whether the blob with hash sum is stored. It does not read
// the blob; see Verify.
func (s *Store) Has(sum [SumSize]byte) bool {
	fi, err := os.Stat(s.path(sum))
	return err == nil && fi.Mode().IsRegular()
}

// Delete removes the blob with hash sum. It returns an error wrapping
// ErrNotFound when the blob is not stored. Readers that already opened the
// blob keep reading it. A Put of the same content that runs at the same
// time may report success and still find the blob deleted; garbage
// collection uses DeleteUnusedSince instead.
func (s *Store) Delete(sum [SumSize]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remove(sum)
}

func (s *Store) remove(sum [SumSize]byte) error {
	p := s.path(sum)
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
		}
		return fmt.Errorf("blobstore: %w", err)
	}
	s.opts.quota.release(fi.Size())
	if err := atomicfile.SyncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blobstore: delete: %w", err)
	}
	return nil
}

// DeleteUnusedSince removes the blob with hash sum unless it was used
// (stored, put again or touched) at or after t, and reports whether it
// did. A Put that returned at or after t keeps its blob: garbage
// collection calls it with t a grace period before the collection, for
// blobs no job references, and cannot remove a blob a job is about to
// reference. A blob not stored gives false and no error.
func (s *Store) DeleteUnusedSince(sum [SumSize]byte, t time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fi, err := os.Stat(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("blobstore: %w", err)
	}
	if !fi.ModTime().Before(t) {
		return false, nil
	}
	if err := s.remove(sum); err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	return true, nil
}

// Touch marks the blob with hash sum used now (its modification time),
// for DeleteUnusedSince and for least-recently-used eviction. It returns
// an error wrapping ErrNotFound when the blob is not stored.
func (s *Store) Touch(sum [SumSize]byte) error {
	now := s.opts.clock()
	err := os.Chtimes(s.path(sum), now, now)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	return nil
}

// Stat returns the size in bytes of the blob with hash sum and when it
// was last used (stored, put again or touched). It returns an error
// wrapping ErrNotFound when the blob is not stored.
func (s *Store) Stat(sum [SumSize]byte) (size int64, used time.Time, err error) {
	fi, err := os.Stat(s.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, time.Time{}, fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("blobstore: %w", err)
	}
	return fi.Size(), fi.ModTime(), nil
}

// List returns the hashes of all stored blobs in ascending order. Files
// under dir/sha256 whose names are not hashes in the right fan-out
// directory are ignored.
func (s *Store) List() ([][SumSize]byte, error) {
	fans, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("blobstore: list: %w", err)
	}
	var sums [][SumSize]byte
	for _, fan := range fans {
		if !fan.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.root, fan.Name()))
		if err != nil {
			return nil, fmt.Errorf("blobstore: list: %w", err)
		}
		for _, e := range entries {
			sum, err := ParseSum(e.Name())
			if err != nil || !e.Type().IsRegular() || e.Name()[:2] != fan.Name() {
				continue
			}
			sums = append(sums, sum)
		}
	}
	slices.SortFunc(sums, func(a, b [SumSize]byte) int { return bytes.Compare(a[:], b[:]) })
	return sums, nil
}

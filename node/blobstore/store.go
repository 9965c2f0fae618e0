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
}

// WithMaxSize bounds the size of every blob the store accepts, in bytes.
// Put, PutExpect and Fetch refuse larger content with ErrTooLarge. The
// default is DefaultMaxSize; n must be positive.
func WithMaxSize(n int64) Option { return func(o *options) { o.maxSize = n } }

// WithVerifyOnRead makes Store.Open rehash a blob before returning it and
// fail with ErrHashMismatch when the bytes on disk no longer match. It costs
// a full read per Open. Off by default.
func WithVerifyOnRead(on bool) Option { return func(o *options) { o.verifyOnRead = on } }

// Store is a directory of blobs named by their SHA-256. Its methods are safe
// for concurrent use, including by several goroutines putting the same
// content. See the package doc for the layout on disk.
type Store struct {
	root string // dir/sha256
	tmp  string // dir/tmp
	opts options
}

// Open opens the store in dir, creating the directory and its layout if
// needed, and removes temporary files left by an earlier process. Errors are
// from the file system, or a bad option.
func Open(dir string, opts ...Option) (*Store, error) {
	o := options{maxSize: DefaultMaxSize}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxSize <= 0 {
		return nil, fmt.Errorf("blobstore: max size must be positive, got %d", o.maxSize)
	}
	s := &Store{root: filepath.Join(dir, "sha256"), tmp: filepath.Join(dir, "tmp"), opts: o}
	if err := os.RemoveAll(s.tmp); err != nil {
		return nil, fmt.Errorf("blobstore: clear temporary files: %w", err)
	}
	for _, d := range []string{s.root, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("blobstore: %w", err)
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
// Putting content that is already stored succeeds and leaves the stored
// file as it is. Content over the size limit is refused with ErrTooLarge;
// nothing is stored when an error is returned.
func (s *Store) Put(r io.Reader) (sum [SumSize]byte, size int64, err error) {
	return s.put(r, nil)
}

// PutExpect stores the content of r if it hashes to sum and returns its
// size in bytes. Content with another hash is refused with an error wrapping
// ErrHashMismatch, and content over the size limit with ErrTooLarge; in
// both cases nothing is stored. r is read to its end (or to the size limit)
// even when sum is already stored, since the content must still be checked.
func (s *Store) PutExpect(r io.Reader, sum [SumSize]byte) (size int64, err error) {
	_, size, err = s.put(r, &sum)
	return size, err
}

func (s *Store) put(r io.Reader, want *[SumSize]byte) (sum [SumSize]byte, size int64, err error) {
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(tmp)
		}
	}()

	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(f, h), io.LimitReader(r, s.opts.maxSize+1))
	if err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	if size > s.opts.maxSize {
		return sum, 0, fmt.Errorf("blobstore: put: over %d bytes: %w", s.opts.maxSize, ErrTooLarge)
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
	if _, err := os.Stat(dst); err == nil {
		os.Remove(tmp)
		return sum, size, nil
	}
	dir := filepath.Dir(dst)
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
	}
	// Concurrent Puts of the same content may both get here; rename is
	// atomic and both files hold the same bytes, so either one wins.
	if err = os.Rename(tmp, dst); err != nil {
		return sum, 0, fmt.Errorf("blobstore: put: %w", err)
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
// time may report success and still find the blob deleted; callers that
// delete (garbage collection) must not race with their own Puts.
func (s *Store) Delete(sum [SumSize]byte) error {
	p := s.path(sum)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blobstore: %x: %w", sum, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("blobstore: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("blobstore: delete: %w", err)
	}
	return nil
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

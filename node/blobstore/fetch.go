package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// ErrWrongPackage is returned by FetchPackage when a blob decodes to a
// package other than the one asked for, or with another envelope.
var ErrWrongPackage = errors.New("blob holds another package")

// BlobURL returns the URL from which Fetch downloads the blob with hash sum
// at location loc. loc is either
//
//   - a full blob URL, recognised by its last path segment being the 64
//     lowercase hex digits of sum (http://host:8080/v1/blobs/ab12…, or
//     https://mirror.example/any/path/ab12…), used as is; or
//   - a base URL (http://host:8080, http://host:8080/prefix/), to which
//     nodeapi.BlobPathPrefix and the hex hash are appended.
//
// Only http and https URLs are accepted.
func BlobURL(loc string, sum [SumSize]byte) (string, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("location %q: %w", loc, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("location %q: scheme must be http or https", loc)
	}
	if u.Host == "" {
		return "", fmt.Errorf("location %q: no host", loc)
	}
	h := hex.EncodeToString(sum[:])
	if path.Base(u.Path) == h {
		return u.String(), nil
	}
	return u.JoinPath(nodeapi.BlobPathPrefix, h).String(), nil
}

// FetchOptions bound a Fetch. The zero value means the store's size
// limit and no time limit but the context's.
type FetchOptions struct {
	// MaxSize bounds the blob in bytes: a location that announces or
	// sends more is abandoned as soon as the limit is passed (ErrTooLarge).
	// 0, or more than the store's size limit, means the store's limit.
	MaxSize int64
	// LocationTimeout bounds the time given to each location, from the
	// request to the last byte, so that a location that never answers, or
	// drips its bytes, cannot hold the fetch beyond it; 0: no bound but
	// the context's.
	LocationTimeout time.Duration
	// MinBytesPerSecond, when positive, cuts a location whose average
	// rate falls below it once Grace has passed (ErrTooSlow): by then it
	// must have sent (elapsed - Grace) × MinBytesPerSecond bytes. A
	// location that accepts and never answers, or drips, is cut soon
	// after Grace, long before LocationTimeout.
	MinBytesPerSecond int64
	// Grace is the time a location gets before MinBytesPerSecond counts.
	Grace time.Duration
}

// ErrTooSlow is returned when a location sends slower than
// FetchOptions.MinBytesPerSecond.
var ErrTooSlow = errors.New("blob transfer too slow")

// Fetch makes s hold the blob with hash sum. If s already has it, Fetch
// returns nil without a request. Otherwise it tries each location of urls
// in order (see BlobURL for their form) with client (nil means
// http.DefaultClient; redirects are followed as client allows) and stops
// at the first one whose content hashes to sum and fits opts.MaxSize and
// the store's quota. The content streams to disk while it is hashed:
// memory does not grow with the blob. Content that does not fit is
// discarded, never stored, and the next location is tried.
//
// When every location fails, the error joins one error per location, each
// naming the location; errors.Is finds ErrHashMismatch, ErrTooLarge,
// ErrQuota, ErrTooSlow or context.DeadlineExceeded (a location over
// opts.LocationTimeout) among them. It fails at once, without trying
// further locations, when ctx is done.
func Fetch(ctx context.Context, client *http.Client, urls []string, sum [SumSize]byte, s *Store, opts FetchOptions) error {
	if s.Has(sum) {
		return nil
	}
	if client == nil {
		client = http.DefaultClient
	}
	if len(urls) == 0 {
		return fmt.Errorf("fetch blob %x: no locations", sum)
	}
	var errs []error
	for _, loc := range urls {
		err := fetchOne(ctx, client, loc, sum, s, opts)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", loc, err))
		if ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("fetch blob %x: %w", sum, errors.Join(errs...))
}

func fetchOne(ctx context.Context, client *http.Client, loc string, sum [SumSize]byte, s *Store, opts FetchOptions) error {
	u, err := BlobURL(loc, sum)
	if err != nil {
		return err
	}
	if opts.LocationTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.LocationTimeout)
		defer cancel()
	}
	var got atomic.Int64
	if opts.MinBytesPerSecond > 0 {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		stop := WatchRate(&got, opts.MinBytesPerSecond, opts.Grace, func() {
			cancel(fmt.Errorf("%w: under %d bytes a second", ErrTooSlow, opts.MinBytesPerSecond))
		})
		defer stop()
	}
	limit := opts.MaxSize
	if limit <= 0 || limit > s.MaxSize() {
		limit = s.MaxSize()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	if resp.ContentLength > limit {
		return fmt.Errorf("content length %d over %d bytes: %w", resp.ContentLength, limit, ErrTooLarge)
	}
	_, _, err = s.PutLimit(CountReader(resp.Body, &got), &sum, limit)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", context.Cause(ctx), err)
	}
	return err
}

// CountReader returns a reader of r that adds the bytes read to n (for
// WatchRate).
func CountReader(r io.Reader, n *atomic.Int64) io.Reader { return &countingReader{r: r, n: n} }

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// rateCheckEvery is how often WatchRate looks at a transfer's progress.
const rateCheckEvery = 250 * time.Millisecond

// WatchRate calls tooSlow, once, when the bytes counted in got fall
// below (elapsed - grace) × minRate (minRate in bytes a second), and
// stops watching when the returned function is called. A transfer that
// never starts, or drips, is thus caught about grace after it began.
func WatchRate(got *atomic.Int64, minRate int64, grace time.Duration, tooSlow func()) (stop func()) {
	start := time.Now()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(rateCheckEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				el := time.Since(start) - grace
				if el > 0 && float64(got.Load()) < el.Seconds()*float64(minRate) {
					tooSlow()
					return
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// PackageWant is what FetchPackage checks a package blob against: what
// the registry records of the package.
type PackageWant struct {
	// ID is the package id.
	ID spec.ID
	// Envelope, when not nil, must equal the package's envelope bytes
	// (the registry record's envelope, which the author signed).
	Envelope []byte
	// Limits bound the decoding of the spec.
	Limits spec.Limits
}

// FetchPackage fetches the .cellpkg blob with hash blobSum as Fetch does
// (with opts), decodes it with spec.DecodePackage under want.Limits and
// checks that it is the package want.ID with the envelope bytes
// want.Envelope. A blob that decodes to another package, or to this
// package with another envelope, gives an error wrapping
// ErrWrongPackage; one that does not decode a *spec.FieldError
// (errors.Is(err, spec.ErrInvalid)). The blob stays in s in these cases:
// it is valid content for its hash, only the location that named it for
// this package was wrong; the caller may Delete it. Decoding needs the
// whole package in memory: a blob is read only after it was hashed on
// disk, and only when it is at most opts.MaxSize bytes (ErrTooLarge),
// which thus bounds the memory used. A stored blob whose bytes have
// rotted gives ErrHashMismatch; Delete it and call FetchPackage again.
func FetchPackage(ctx context.Context, client *http.Client, urls []string, blobSum [SumSize]byte, s *Store, want PackageWant, opts FetchOptions) (*spec.Package, error) {
	if err := Fetch(ctx, client, urls, blobSum, s, opts); err != nil {
		return nil, err
	}
	packageID := want.ID
	f, size, err := s.Open(blobSum)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	limit := opts.MaxSize
	if limit <= 0 || limit > s.MaxSize() {
		limit = s.MaxSize()
	}
	if size > limit {
		return nil, fmt.Errorf("package %s: blob %x is %d bytes, over %d: %w", packageID, blobSum, size, limit, ErrTooLarge)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("package %s: read blob %x: %w", packageID, blobSum, err)
	}
	// Rehash what is decoded: the file may have changed on disk since it
	// was stored.
	if got := sha256.Sum256(data); got != blobSum {
		return nil, fmt.Errorf("package %s: blob %x on disk hashes to %x: %w", packageID, blobSum, got, ErrHashMismatch)
	}
	p, err := spec.DecodePackage(data, want.Limits)
	if err != nil {
		return nil, fmt.Errorf("package %s: blob %x: %w", packageID, blobSum, err)
	}
	if got := p.ID(); got != packageID {
		return nil, fmt.Errorf("package %s: blob %x holds package %s: %w", packageID, blobSum, got, ErrWrongPackage)
	}
	if want.Envelope != nil && !bytes.Equal(p.EnvelopeBytes(), want.Envelope) {
		return nil, fmt.Errorf("package %s: blob %x holds another envelope than the registry's: %w", packageID, blobSum, ErrWrongPackage)
	}
	return p, nil
}

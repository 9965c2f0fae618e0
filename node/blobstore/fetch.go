package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"

	"github.com/celltonomy/celltonomy/spec"
)

// ErrWrongPackage is returned by FetchPackage when a blob decodes to a
// package other than the one asked for.
var ErrWrongPackage = errors.New("blob holds another package")

// BlobURL returns the URL from which Fetch downloads the blob with hash sum
// at location loc. loc is either
//
//   - a full blob URL, recognised by its last path segment being the 64
//     lowercase hex digits of sum (http://host:8080/v1/blobs/ab12…, or
//     https://mirror.example/any/path/ab12…), used as is; or
//   - a base URL (http://host:8080, http://host:8080/prefix/), to which
//     PathPrefix and the hex hash are appended.
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
	return u.JoinPath(PathPrefix, h).String(), nil
}

// Fetch makes s hold the blob with hash sum. If s already has it, Fetch
// returns nil without a request. Otherwise it tries each location of urls
// in order (see BlobURL for their form) with client (nil means
// http.DefaultClient; redirects are followed as client allows) and stops at the first
// one whose content hashes to sum and fits the store's size limit; content
// that does not is discarded, never stored, and the next location is tried.
//
// When every location fails, the error joins one error per location, each
// naming the location; errors.Is finds ErrHashMismatch or ErrTooLarge among
// them. It fails at once, without trying further locations, when ctx is
// done.
func Fetch(ctx context.Context, client *http.Client, urls []string, sum [SumSize]byte, s *Store) error {
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
		err := fetchOne(ctx, client, loc, sum, s)
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

func fetchOne(ctx context.Context, client *http.Client, loc string, sum [SumSize]byte, s *Store) error {
	u, err := BlobURL(loc, sum)
	if err != nil {
		return err
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
	if resp.ContentLength > s.MaxSize() {
		return fmt.Errorf("content length %d over %d bytes: %w", resp.ContentLength, s.MaxSize(), ErrTooLarge)
	}
	_, err = s.PutExpect(resp.Body, sum)
	return err
}

// FetchPackage fetches the .cellpkg blob with hash blobSum as Fetch does,
// decodes it with spec.DecodePackage under lim and checks that it is the
// package packageID. A blob that decodes to another package gives an error
// wrapping ErrWrongPackage, one that does not decode a *spec.FieldError
// (errors.Is(err, spec.ErrInvalid)). The blob stays in s in both cases:
// it is valid content for its hash, only the location that named it for
// this package was wrong. The whole blob is read into memory, so the
// store's size limit also bounds the memory used. A stored blob whose bytes
// have rotted gives ErrHashMismatch; Delete it and call FetchPackage again.
func FetchPackage(ctx context.Context, client *http.Client, urls []string, packageID spec.ID, blobSum [SumSize]byte, s *Store, lim spec.Limits) (*spec.Package, error) {
	if err := Fetch(ctx, client, urls, blobSum, s); err != nil {
		return nil, err
	}
	f, size, err := s.Open(blobSum)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("package %s: read blob %x: %w", packageID, blobSum, err)
	}
	// Rehash what is decoded: the file may have changed on disk since it
	// was stored.
	if got := sha256.Sum256(data); got != blobSum {
		return nil, fmt.Errorf("package %s: blob %x on disk hashes to %x: %w", packageID, blobSum, got, ErrHashMismatch)
	}
	p, err := spec.DecodePackage(data, lim)
	if err != nil {
		return nil, fmt.Errorf("package %s: blob %x: %w", packageID, blobSum, err)
	}
	if got := p.ID(); got != packageID {
		return nil, fmt.Errorf("package %s: blob %x holds package %s: %w", packageID, blobSum, got, ErrWrongPackage)
	}
	return p, nil
}

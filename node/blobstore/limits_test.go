package blobstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/internal/freeport"
)

// zeros is an endless reader of zero bytes that allocates nothing.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestQuota(t *testing.T) {
	q := NewQuota(100)
	a, b := openStore(t, WithQuota(q)), openStore(t, WithQuota(q))
	sumA, _, err := a.Put(bytes.NewReader(bytes.Repeat([]byte("a"), 60)))
	if err != nil {
		t.Fatal(err)
	}
	// The second store shares the quota: 60 + 60 > 100.
	if _, _, err := b.Put(bytes.NewReader(bytes.Repeat([]byte("b"), 60))); !errors.Is(err, ErrQuota) {
		t.Fatalf("over the shared quota: %v, want ErrQuota", err)
	}
	if q.Used() != 60 {
		t.Fatalf("used %d after a refused put, want 60", q.Used())
	}
	// The same content again takes no more room once written (while it
	// is written it counts: its hash is not known yet).
	if _, _, err := a.Put(bytes.NewReader(bytes.Repeat([]byte("a"), 40))); err != nil || q.Used() != 100 {
		t.Fatalf("up to the quota: %v, used %d", err, q.Used())
	}
	if err := a.Delete(sha256.Sum256(bytes.Repeat([]byte("a"), 40))); err != nil || q.Used() != 60 {
		t.Fatalf("delete: %v, used %d", err, q.Used())
	}
	if err := a.Delete(sumA); err != nil || q.Used() != 0 {
		t.Fatalf("delete: %v, used %d", err, q.Used())
	}
	if _, _, err := b.Put(bytes.NewReader(bytes.Repeat([]byte("b"), 60))); err != nil {
		t.Fatal(err)
	}
	// Reopening counts what is on disk.
	q2 := NewQuota(100)
	if _, err := Open(b.root[:len(b.root)-len("/sha256")], WithQuota(q2)); err != nil || q2.Used() != 60 {
		t.Fatalf("reopen: %v, used %d", err, q2.Used())
	}
}

func TestPutLimit(t *testing.T) {
	s := openStore(t)
	content := []byte("twelve bytes")
	sum := sha256.Sum256(content)
	if _, _, err := s.PutLimit(bytes.NewReader(content), &sum, 11); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v", err)
	}
	if s.Has(sum) {
		t.Fatal("stored over the limit")
	}
	// An endless body: refused after limit+1 bytes.
	var read atomic.Int64
	if _, _, err := s.PutLimit(CountReader(zeros{}, &read), nil, 1<<20); !errors.Is(err, ErrTooLarge) || read.Load() > 1<<20+32<<10 {
		t.Fatalf("endless body: %v after %d bytes", err, read.Load())
	}
	if _, size, err := s.PutLimit(bytes.NewReader(content), &sum, 12); err != nil || size != 12 {
		t.Fatalf("at the limit: %d %v", size, err)
	}
}

func TestDeleteUnusedSince(t *testing.T) {
	s := openStore(t)
	sum, _, err := s.Put(strings.NewReader("blob"))
	if err != nil {
		t.Fatal(err)
	}
	_, used, err := s.Stat(sum)
	if err != nil {
		t.Fatal(err)
	}
	// Used at or after t: kept.
	if gone, err := s.DeleteUnusedSince(sum, used); gone || err != nil {
		t.Fatalf("recent blob: %v %v", gone, err)
	}
	// Put again (a job about to reference it): its use is renewed.
	time.Sleep(10 * time.Millisecond)
	mark := time.Now()
	if _, _, err := s.Put(strings.NewReader("blob")); err != nil {
		t.Fatal(err)
	}
	if gone, _ := s.DeleteUnusedSince(sum, mark); gone {
		t.Fatal("deleted a blob put again after the mark")
	}
	if gone, err := s.DeleteUnusedSince(sum, time.Now().Add(time.Second)); !gone || err != nil || s.Has(sum) {
		t.Fatalf("unused blob: %v %v", gone, err)
	}
	if gone, err := s.DeleteUnusedSince(sum, time.Now()); gone || err != nil {
		t.Fatalf("missing blob: %v %v", gone, err)
	}
	if err := s.Touch(sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("touch of a missing blob: %v", err)
	}
}

// TestTarpitLocation is the attack of a package host that accepts the
// connection and never answers, or drips a byte a second: before, one
// such location held a fetch for the HTTP client's whole timeout (2
// minutes) and the next location was never tried. Now each location has
// a deadline of its own and the next one is tried.
func TestTarpitLocation(t *testing.T) {
	content := []byte("the package")
	sum := sha256.Sum256(content)
	silent := freeport.Listen(t)
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000000")
		for range 1000 {
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(time.Second):
			}
		}
	}))
	defer drip.Close()
	honest, _ := fixed(t, content)
	start := time.Now()
	err := Fetch(t.Context(), http.DefaultClient, []string{"http://" + silent.Addr().String(), drip.URL, honest.URL}, sum, openStore(t),
		FetchOptions{LocationTimeout: 300 * time.Millisecond})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took > 2*time.Second {
		t.Fatalf("fetch took %s behind two tarpits with 300ms per location", took)
	}
	t.Logf("fetched past a silent and a dripping location in %s (300 ms per location)", took.Round(time.Millisecond))
	// A rate floor cuts them sooner than the location timeout.
	start = time.Now()
	err = Fetch(t.Context(), http.DefaultClient, []string{"http://" + silent.Addr().String(), drip.URL}, sum, openStore(t),
		FetchOptions{LocationTimeout: time.Minute, MinBytesPerSecond: 1000, Grace: 200 * time.Millisecond})
	took = time.Since(start)
	if !errors.Is(err, ErrTooSlow) || took > 2*time.Second {
		t.Fatalf("rate floor: %v after %s, want ErrTooSlow within 2s", err, took)
	}
	t.Logf("a silent and a dripping location cut by a rate floor of 1000 B/s after a 200 ms grace in %s (location timeout 1 min)", took.Round(time.Millisecond))
}

// TestHugeBlobNotInMemory is the attack of a location that serves a
// gigantic body: before, a package blob was read whole into memory
// (FetchPackage read the blob into a byte slice of the store's 1 GiB
// limit). Now the body streams to disk, and is cut at FetchOptions.MaxSize
// (the registry's size of the package).
func TestHugeBlobNotInMemory(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, io.LimitReader(zeros{}, 1<<30))
	}))
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := Fetch(t.Context(), http.DefaultClient, []string{srv.URL}, sha256.Sum256([]byte("x")), openStore(t), FetchOptions{MaxSize: 8 << 20})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Fetch: %v, want ErrTooLarge", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("allocated %d bytes to refuse a body over 8 MiB", grew)
	}
	t.Logf("refused a 1 GiB body after 8 MiB, allocating %d KiB", (after.TotalAlloc-before.TotalAlloc)>>10)
}

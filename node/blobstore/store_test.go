package blobstore

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
)

func openStore(t *testing.T, opts ...Option) *Store {
	t.Helper()
	s, err := Open(t.TempDir(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files returns every regular file under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readBlob(t *testing.T, s *Store, sum [SumSize]byte) []byte {
	t.Helper()
	f, size, err := s.Open(sum)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(b)) != size {
		t.Fatalf("Open size %d, read %d bytes", size, len(b))
	}
	return b
}

func TestPutOpenRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("hello, blob\n")
	sum, size, err := s.Put(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(content); sum != want || size != int64(len(content)) {
		t.Fatalf("Put = %x, %d; want %x, %d", sum, size, want, len(content))
	}
	if got := readBlob(t, s, sum); !bytes.Equal(got, content) {
		t.Fatalf("read %q, want %q", got, content)
	}
	if !s.Has(sum) {
		t.Fatal("Has = false after Put")
	}
	if err := s.Verify(sum); err != nil {
		t.Fatal(err)
	}
	h := hexString(sum)
	want := []string{"sha256/" + h[:2] + "/" + h}
	if got := files(t, dir); !equal(got, want) {
		t.Fatalf("files on disk %q, want %q", got, want)
	}
	if list, err := s.List(); err != nil || len(list) != 1 || list[0] != sum {
		t.Fatalf("List = %x, %v", list, err)
	}
	if err := s.Delete(sum); err != nil {
		t.Fatal(err)
	}
	if s.Has(sum) {
		t.Fatal("Has = true after Delete")
	}
	if err := s.Delete(sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if _, _, err := s.Open(sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Verify(sum); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Verify after Delete: %v, want ErrNotFound", err)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPutIdempotent(t *testing.T) {
	s := openStore(t)
	content := []byte("same bytes")
	sum1, _, err := s.Put(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	sum2, size, err := s.Put(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	if sum1 != sum2 || size != int64(len(content)) {
		t.Fatalf("second Put = %x, %d; first %x", sum2, size, sum1)
	}
	if list, _ := s.List(); len(list) != 1 {
		t.Fatalf("List has %d blobs, want 1", len(list))
	}
	if tmp := files(t, s.tmp); len(tmp) != 0 {
		t.Fatalf("temporary files left: %q", tmp)
	}
}

func TestPutEmpty(t *testing.T) {
	s := openStore(t)
	sum, size, err := s.Put(strings.NewReader(""))
	if err != nil || size != 0 || sum != sha256.Sum256(nil) {
		t.Fatalf("Put(empty) = %x, %d, %v", sum, size, err)
	}
	if got := readBlob(t, s, sum); len(got) != 0 {
		t.Fatalf("read %q", got)
	}
}

func TestPutExpect(t *testing.T) {
	content := []byte("the real content")
	sum := sha256.Sum256(content)
	tests := []struct {
		name    string
		content []byte
		maxSize int64
		wantErr error
	}{
		{"matching", content, DefaultMaxSize, nil},
		{"other bytes", []byte("a lie"), DefaultMaxSize, ErrHashMismatch},
		{"truncated", content[:len(content)-1], DefaultMaxSize, ErrHashMismatch},
		{"extended", append(append([]byte(nil), content...), '!'), DefaultMaxSize, ErrHashMismatch},
		{"too large", content, int64(len(content)) - 1, ErrTooLarge},
		{"at the limit", content, int64(len(content)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, WithMaxSize(tt.maxSize))
			if err != nil {
				t.Fatal(err)
			}
			size, err := s.PutExpect(bytes.NewReader(tt.content), sum)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutExpect: %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if got := files(t, dir); len(got) != 0 {
					t.Fatalf("refused content left files: %q", got)
				}
				if s.Has(sum) {
					t.Fatal("Has = true after a refused PutExpect")
				}
				return
			}
			if size != int64(len(content)) || !s.Has(sum) {
				t.Fatalf("PutExpect size %d, Has %v", size, s.Has(sum))
			}
		})
	}
}

func TestPutTooLarge(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, WithMaxSize(10))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Put(strings.NewReader("eleven byte")); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put: %v, want ErrTooLarge", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left: %q", got)
	}
}

func TestPutReadError(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom))
	if _, _, err := s.Put(r); !errors.Is(err, boom) {
		t.Fatalf("Put: %v, want the reader's error", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left: %q", got)
	}
}

func TestOpenOptions(t *testing.T) {
	if _, err := Open(t.TempDir(), WithMaxSize(0)); err == nil {
		t.Fatal("Open with max size 0 succeeded")
	}
}

func TestOpenClearsTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tmp", "put-123"), []byte("half a blo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("files left: %q", got)
	}
}

// corrupt overwrites the stored bytes of sum, as disk rot would.
func corrupt(t *testing.T, s *Store, sum [SumSize]byte) {
	t.Helper()
	if err := os.WriteFile(s.path(sum), []byte("rotten"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	plain, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err := plain.Put(strings.NewReader("fresh"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt(t, plain, sum)
	if err := plain.Verify(sum); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("Verify: %v, want ErrHashMismatch", err)
	}
	// Without verify-on-read, Open returns the rotten bytes; with it, it
	// refuses them.
	if f, _, err := plain.Open(sum); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	verifying, err := Open(dir, WithVerifyOnRead(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := verifying.Open(sum); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("Open with verify-on-read: %v, want ErrHashMismatch", err)
	}
	good, _, err := verifying.Put(strings.NewReader("good"))
	if err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, verifying, good); string(got) != "good" {
		t.Fatalf("read %q after verification", got)
	}
}

func TestListIgnoresStrangers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var want [][SumSize]byte
	for _, c := range []string{"c", "b", "a"} {
		sum, _, err := s.Put(strings.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sum)
	}
	// A stray file, and a hash in the wrong fan-out directory.
	misplaced := sha256.Sum256([]byte("misplaced"))
	h := hexString(misplaced)
	wrongFan := "00"
	if h[:2] == wrongFan {
		wrongFan = "01"
	}
	for _, p := range []string{"sha256/README", "sha256/" + wrongFan + "/" + h, "sha256/" + h[:2] + "/not-a-hash"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("List = %x, want the %d stored blobs", got, len(want))
	}
	for i := 1; i < len(got); i++ {
		if bytes.Compare(got[i-1][:], got[i][:]) >= 0 {
			t.Fatalf("List not in ascending order: %x", got)
		}
	}
	for _, w := range want {
		if !s.Has(w) {
			t.Fatalf("Has(%x) = false", w)
		}
	}
}

func TestConcurrentPutsOfSameContent(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	content := bytes.Repeat([]byte("concurrency "), 10_000)
	want := sha256.Sum256(content)
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Go(func() {
			var err error
			if i%2 == 0 {
				var sum [SumSize]byte
				sum, _, err = s.Put(bytes.NewReader(content))
				if err == nil && sum != want {
					err = errors.New("wrong sum")
				}
			} else {
				_, err = s.PutExpect(bytes.NewReader(content), want)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	h := hexString(want)
	if got := files(t, dir); !equal(got, []string{"sha256/" + h[:2] + "/" + h}) {
		t.Fatalf("files on disk %q, want one blob", got)
	}
	if got := readBlob(t, s, want); !bytes.Equal(got, content) {
		t.Fatal("stored bytes differ")
	}
}

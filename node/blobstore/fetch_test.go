package blobstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/celltonomy/celltonomy/nodeapi"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// fixed serves the same body for every request and counts them.
func fixed(t *testing.T, body []byte) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestBlobURL(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	h := hexString(sum)
	tests := []struct {
		loc, want string
	}{
		{"http://node:8080", "http://node:8080/v1/blobs/" + h},
		{"http://node:8080/", "http://node:8080/v1/blobs/" + h},
		{"https://node/prefix/", "https://node/prefix/v1/blobs/" + h},
		{"http://node:8080/v1/blobs/" + h, "http://node:8080/v1/blobs/" + h},
		{"https://mirror.example/any/" + h, "https://mirror.example/any/" + h},
		{"ftp://node/", ""},
		{"node:8080", ""},
		{"http:///nohost", ""},
	}
	for _, tt := range tests {
		got, err := BlobURL(tt.loc, sum)
		if tt.want == "" {
			if err == nil {
				t.Errorf("BlobURL(%q) = %q, want an error", tt.loc, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("BlobURL(%q) = %q, %v; want %q", tt.loc, got, err, tt.want)
		}
	}
}

func TestFetch(t *testing.T) {
	content := []byte("the blob everyone wants")
	sum := sha256.Sum256(content)

	src := openStore(t)
	if _, err := src.PutExpect(bytes.NewReader(content), sum); err != nil {
		t.Fatal(err)
	}
	honest := serve(t, src)
	empty := serve(t, openStore(t))
	liar, liarHits := fixed(t, []byte("not the blob everyone wants"))
	huge, _ := fixed(t, bytes.Repeat([]byte("x"), 1000))

	t.Run("base url", func(t *testing.T) {
		dst := openStore(t)
		if err := Fetch(t.Context(), http.DefaultClient, []string{honest.URL}, sum, dst, FetchOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := readBlob(t, dst, sum); !bytes.Equal(got, content) {
			t.Fatalf("fetched %q", got)
		}
	})
	t.Run("full blob url", func(t *testing.T) {
		dst := openStore(t)
		if err := Fetch(t.Context(), http.DefaultClient, []string{honest.URL + nodeapi.BlobPathPrefix + hexString(sum)}, sum, dst, FetchOptions{}); err != nil {
			t.Fatal(err)
		}
		if !dst.Has(sum) {
			t.Fatal("not stored")
		}
	})
	t.Run("liar caught, next location used", func(t *testing.T) {
		dir := t.TempDir()
		dst, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		before := liarHits.Load()
		if err := Fetch(t.Context(), http.DefaultClient, []string{empty.URL, liar.URL, honest.URL}, sum, dst, FetchOptions{}); err != nil {
			t.Fatal(err)
		}
		if liarHits.Load() != before+1 {
			t.Fatal("the lying server was not asked")
		}
		h := hexString(sum)
		if got := files(t, dir); !equal(got, []string{"sha256/" + h[:2] + "/" + h}) {
			t.Fatalf("files on disk %q, want only the true blob", got)
		}
	})
	t.Run("all fail", func(t *testing.T) {
		dir := t.TempDir()
		dst, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		locs := []string{empty.URL, liar.URL, "ftp://nowhere"}
		err = Fetch(t.Context(), http.DefaultClient, locs, sum, dst, FetchOptions{})
		if !errors.Is(err, ErrHashMismatch) {
			t.Fatalf("Fetch: %v, want ErrHashMismatch among the errors", err)
		}
		for _, loc := range locs {
			if !strings.Contains(err.Error(), loc) {
				t.Errorf("error does not name %s: %v", loc, err)
			}
		}
		if !strings.Contains(err.Error(), "404") {
			t.Errorf("error does not give the 404: %v", err)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
	t.Run("too large", func(t *testing.T) {
		dir := t.TempDir()
		dst, err := Open(dir, WithMaxSize(100))
		if err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte("x"), 1000)
		err = Fetch(t.Context(), http.DefaultClient, []string{huge.URL}, sha256.Sum256(big), dst, FetchOptions{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Fetch: %v, want ErrTooLarge", err)
		}
		if got := files(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
	t.Run("too large without content length", func(t *testing.T) {
		chunked := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for range 10 {
				w.Write(bytes.Repeat([]byte("y"), 100))
				w.(http.Flusher).Flush()
			}
		}))
		defer chunked.Close()
		dst := openStore(t, WithMaxSize(100))
		err := Fetch(t.Context(), http.DefaultClient, []string{chunked.URL}, sum, dst, FetchOptions{})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Fetch: %v, want ErrTooLarge", err)
		}
	})
	t.Run("already stored", func(t *testing.T) {
		if err := Fetch(t.Context(), http.DefaultClient, nil, sum, src, FetchOptions{}); err != nil {
			t.Fatalf("Fetch of a stored blob: %v", err)
		}
	})
	t.Run("no locations", func(t *testing.T) {
		if err := Fetch(t.Context(), http.DefaultClient, nil, sum, openStore(t), FetchOptions{}); err == nil {
			t.Fatal("Fetch with no locations succeeded")
		}
	})
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		before := liarHits.Load()
		err := Fetch(ctx, http.DefaultClient, []string{honest.URL, liar.URL}, sum, openStore(t), FetchOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Fetch: %v, want context.Canceled", err)
		}
		if liarHits.Load() != before {
			t.Fatal("Fetch went on after the context was done")
		}
	})
}

// helloPackage returns the .cellpkg bytes of the spec pinned in
// spec/testdata, and its package id.
func helloPackage(t *testing.T) ([]byte, spec.ID, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "spec", "testdata", "hello.spec"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.DecodeSpec(raw, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	env, err := proto.MarshalOptions{Deterministic: true}.Marshal(&specpb.Envelope{
		PackageId:  id[:],
		Name:       "hello",
		Version:    "1.0.0",
		Kind:       specpb.Kind_KIND_COMPUTE,
		Skill:      "compute/greeting",
		Parameters: []*specpb.Parameter{{Name: "NAME", Default: proto.String("world")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := spec.NewPackage(s, env)
	if err != nil {
		t.Fatal(err)
	}
	return p.Encode(), id, env
}

func TestFetchPackage(t *testing.T) {
	pkg, id, env := helloPackage(t)
	blobSum := sha256.Sum256(pkg)
	src := openStore(t)
	if _, _, err := src.Put(bytes.NewReader(pkg)); err != nil {
		t.Fatal(err)
	}
	notPkg := []byte("not a package")
	notPkgSum, _, err := src.Put(bytes.NewReader(notPkg))
	if err != nil {
		t.Fatal(err)
	}
	srv := serve(t, src)
	lim := spec.DefaultLimits()

	t.Run("right id", func(t *testing.T) {
		p, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, blobSum, openStore(t), PackageWant{ID: id, Envelope: env, Limits: lim}, FetchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.ID() != id {
			t.Fatalf("package %s, want %s", p.ID(), id)
		}
	})
	t.Run("wrong id", func(t *testing.T) {
		other := id
		other[0] ^= 1
		_, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, blobSum, openStore(t), PackageWant{ID: other, Limits: lim}, FetchOptions{})
		if !errors.Is(err, ErrWrongPackage) {
			t.Fatalf("FetchPackage: %v, want ErrWrongPackage", err)
		}
		if !strings.Contains(err.Error(), id.String()) {
			t.Errorf("error does not name the package found: %v", err)
		}
	})
	t.Run("another envelope", func(t *testing.T) {
		// The registry's envelope differs (another version, say): the
		// blob is the package, but not the package registered.
		other := bytes.Clone(env)
		other[len(other)-1] ^= 1
		_, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, blobSum, openStore(t), PackageWant{ID: id, Envelope: other, Limits: lim}, FetchOptions{})
		if !errors.Is(err, ErrWrongPackage) || !strings.Contains(err.Error(), "envelope") {
			t.Fatalf("FetchPackage: %v, want ErrWrongPackage naming the envelope", err)
		}
	})
	t.Run("over the registry's size", func(t *testing.T) {
		_, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, blobSum, openStore(t), PackageWant{ID: id, Limits: lim}, FetchOptions{MaxSize: int64(len(pkg)) - 1})
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("FetchPackage: %v, want ErrTooLarge", err)
		}
	})
	t.Run("not a package", func(t *testing.T) {
		_, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, notPkgSum, openStore(t), PackageWant{ID: id, Limits: lim}, FetchOptions{})
		if !errors.Is(err, spec.ErrInvalid) {
			t.Fatalf("FetchPackage: %v, want spec.ErrInvalid", err)
		}
	})
	t.Run("rotten on disk", func(t *testing.T) {
		dst := openStore(t)
		if _, err := dst.PutExpect(bytes.NewReader(pkg), blobSum); err != nil {
			t.Fatal(err)
		}
		corrupt(t, dst, blobSum)
		_, err := FetchPackage(t.Context(), http.DefaultClient, nil, blobSum, dst, PackageWant{ID: id, Limits: lim}, FetchOptions{})
		if !errors.Is(err, ErrHashMismatch) {
			t.Fatalf("FetchPackage: %v, want ErrHashMismatch", err)
		}
	})
	t.Run("fetch fails", func(t *testing.T) {
		missing := sha256.Sum256([]byte("missing"))
		_, err := FetchPackage(t.Context(), http.DefaultClient, []string{srv.URL}, missing, openStore(t), PackageWant{ID: id, Limits: lim}, FetchOptions{})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprint(http.StatusNotFound)) {
			t.Fatalf("FetchPackage: %v, want a 404", err)
		}
	})
}

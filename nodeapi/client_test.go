package nodeapi

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// TestClientSignsWhatItSends: the client's uploads carry a signature
// whose declared body is the body sent, checked the way a node does
// (before reading, then while reading); PutBlob names the package.
func TestClientSignsWhatItSends(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	replays := NewReplayCache(100)
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig, err := Verify(r, time.Now())
		if err == nil {
			err = replays.Use(sig, time.Now())
		}
		if err != nil {
			http.Error(w, err.Error(), 401)
			return
		}
		if r.Header.Get("Expect") != "" {
			got = append(got, "expect")
		}
		body, err := ReadBody(r.Body, sig, 1<<20)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get(PackageIDHeader)+" "+string(body[:min(len(body), 8)]))
		w.Write([]byte("{}"))
	}))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, Key: key}
	path := filepath.Join(t.TempDir(), "genome.fa")
	os.WriteFile(path, []byte(">lambda\nACGT\n"), 0o644)
	if err := c.UploadInput(t.Context(), 7, "genome", path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CommitInputs(t.Context(), 7, []InputFile{{Name: "genome"}}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join("..", "spec", "testdata", "hello.spec"))
	s, err := spec.DecodeSpec(raw, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	id := s.ID()
	p, err := spec.NewPackage(s, mustEnvelope(t, id))
	if err != nil {
		t.Fatal(err)
	}
	blob := p.Encode()
	if err := c.PutBlob(t.Context(), BodyOf(blob).SHA256, blob); err != nil {
		t.Fatal(err)
	}
	if err := c.PutBlob(t.Context(), BodyOf(nil).SHA256, []byte("not a package")); !errors.Is(err, spec.ErrInvalid) {
		t.Errorf("garbage blob: %v, want spec.ErrInvalid", err)
	}
	want := []string{
		"expect", "PUT /v1/orders/7/inputs/genome  >lambda\n",
		"POST /v1/orders/7/inputs  {\"inputs",
		"expect", "PUT /v1/blobs/" + strings.TrimPrefix(srvHash(blob), "") + " " + id.String() + " " + string(blob[:8]),
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("requests:\n%q\nwant\n%q", got, want)
	}
	// Without a key, nothing is sent.
	if err := (&Client{Endpoint: srv.URL}).UploadInput(t.Context(), 7, "genome", path); err == nil || !strings.Contains(err.Error(), "signing key") {
		t.Errorf("unsigned upload: %v", err)
	}
}

// TestProviderInputsBounded: a node answering an input list over
// MaxInputsBody is refused, not read whole.
func TestProviderInputsBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"inputs":[`))
		for range MaxInputsBody / 10 {
			w.Write([]byte(`{"name":"x"},`))
		}
	}))
	defer srv.Close()
	_, key, _ := ed25519.GenerateKey(nil)
	if _, err := (&Client{Endpoint: srv.URL, Key: key}).ProviderInputs(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "over") {
		t.Errorf("huge answer: %v", err)
	}
}

func srvHash(b []byte) string {
	s := BodyOf(b).SHA256
	return hex.EncodeToString(s[:])
}

func mustEnvelope(t *testing.T, id spec.ID) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&specpb.Envelope{
		PackageId: id[:], Name: "hello", Version: "1.0.0", Kind: specpb.Kind_KIND_COMPUTE, Skill: "compute/greeting",
		Parameters: []*specpb.Parameter{{Name: "NAME", Default: proto.String("world")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestClientBoundsAnswers: a node cannot make its client read more than
// the answer may hold: an output file longer than its listed size, and a
// JSON answer longer than MaxAnswer, are errors read no further.
func TestClientBoundsAnswers(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/outputs/") {
			w.Write([]byte("eleven byte"))
			return
		}
		w.Write([]byte(`{"state":"`))
		w.Write([]byte(strings.Repeat("x", MaxAnswer)))
		w.Write([]byte(`"}`))
	}))
	defer srv.Close()
	c := &Client{Endpoint: srv.URL, Key: key}
	sha := strings.Repeat("ab", 32)
	if _, err := c.OutputFile(t.Context(), 1, sha, 10); err == nil || !strings.Contains(err.Error(), "longer than 10 bytes") {
		t.Errorf("an output file longer than its size: %v", err)
	}
	if b, err := c.OutputFile(t.Context(), 1, sha, 11); err != nil || string(b) != "eleven byte" {
		t.Errorf("an output file of its size: %q, %v", b, err)
	}
	if _, err := c.Job(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("a JSON answer longer than MaxAnswer: %v", err)
	}
}

package blobstore

import (
	"bytes"
	"github.com/celltonomy/celltonomy/nodeapi"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func serve(t *testing.T, s *Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(Handler(s))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestHandler(t *testing.T) {
	s := openStore(t)
	content := []byte("0123456789 served over http")
	sum, _, err := s.Put(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	h := hexString(sum)
	srv := serve(t, s)
	blobURL := srv.URL + nodeapi.BlobPathPrefix + h
	etag := `"` + h + `"`

	tests := []struct {
		name       string
		method     string
		url        string
		header     http.Header
		wantStatus int
		wantBody   []byte // checked when not nil
		wantHeader map[string]string
	}{
		{"get", "GET", blobURL, nil, 200, content, map[string]string{
			"Content-Length": strconv.Itoa(len(content)),
			"Content-Type":   "application/octet-stream",
			"ETag":           etag,
		}},
		{"head", "HEAD", blobURL, nil, 200, []byte{}, map[string]string{
			"Content-Length": strconv.Itoa(len(content)),
			"Content-Type":   "application/octet-stream",
			"ETag":           etag,
		}},
		{"range", "GET", blobURL, http.Header{"Range": {"bytes=2-5"}}, 206, content[2:6], map[string]string{
			"Content-Length": "4",
			"Content-Range":  "bytes 2-5/" + strconv.Itoa(len(content)),
			"ETag":           etag,
		}},
		{"suffix range", "GET", blobURL, http.Header{"Range": {"bytes=-4"}}, 206, content[len(content)-4:], nil},
		{"unsatisfiable range", "GET", blobURL, http.Header{"Range": {"bytes=1000-"}}, 416, nil, nil},
		{"if-none-match", "GET", blobURL, http.Header{"If-None-Match": {etag}}, 304, []byte{}, nil},
		{"unknown", "GET", srv.URL + nodeapi.BlobPathPrefix + strings.Repeat("0", 64), nil, 404, nil, nil},
		{"head unknown", "HEAD", srv.URL + nodeapi.BlobPathPrefix + strings.Repeat("0", 64), nil, 404, nil, nil},
		{"short hash", "GET", srv.URL + nodeapi.BlobPathPrefix + h[:10], nil, 400, nil, nil},
		{"uppercase hash", "GET", srv.URL + nodeapi.BlobPathPrefix + strings.ToUpper(h), nil, 400, nil, nil},
		{"non-hex hash", "GET", srv.URL + nodeapi.BlobPathPrefix + "z" + h[1:], nil, 400, nil, nil},
		{"no upload", "PUT", blobURL, nil, 405, nil, nil},
		{"other path", "GET", srv.URL + "/v1/other", nil, 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.method, tt.url, tt.header)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, tt.wantStatus, body)
			}
			if tt.wantBody != nil && !bytes.Equal(body, tt.wantBody) {
				t.Fatalf("body %q, want %q", body, tt.wantBody)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHandlerVerifyOnRead(t *testing.T) {
	s := openStore(t, WithVerifyOnRead(true))
	sum, _, err := s.Put(strings.NewReader("will rot"))
	if err != nil {
		t.Fatal(err)
	}
	corrupt(t, s, sum)
	resp, body := do(t, "GET", serve(t, s).URL+nodeapi.BlobPathPrefix+hexString(sum), nil)
	if resp.StatusCode != http.StatusInternalServerError || bytes.Contains(body, []byte("rotten")) {
		t.Fatalf("status %d, body %q: rotten bytes must not be served", resp.StatusCode, body)
	}
}

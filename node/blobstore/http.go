package blobstore

import (
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// Handler serves the blobs of s read-only:
//
//	GET  /v1/blobs/{sha256}   the blob, with range requests
//	HEAD /v1/blobs/{sha256}   its headers only
//
// Responses carry Content-Length, Content-Type: application/octet-stream and
// an ETag of the quoted hex hash, and are marked immutable for caches. An
// unknown hash gives 404, a hash that is not 64 lowercase hex digits 400,
// another method 405, a blob that fails verification on read 500. Uploads
// are not served here.
func Handler(s *Store) http.Handler {
	mux := http.NewServeMux()
	// A GET pattern also matches HEAD.
	mux.HandleFunc("GET "+nodeapi.BlobPathPrefix+"{sha256}", func(w http.ResponseWriter, r *http.Request) {
		serveBlob(s, w, r)
	})
	return mux
}

func serveBlob(s *Store, w http.ResponseWriter, r *http.Request) {
	sum, err := ParseSum(r.PathValue("sha256"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, _, err := s.Open(sum)
	switch {
	case errors.Is(err, ErrNotFound):
		http.Error(w, "blob not found", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "blob unavailable", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	// The zero modification time leaves Last-Modified out: the ETag is
	// the only validator a content-addressed blob needs.
	http.ServeContent(w, r, "", time.Time{}, f)
}

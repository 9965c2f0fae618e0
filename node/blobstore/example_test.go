package blobstore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/celltonomy/celltonomy/node/blobstore"
)

// A node stores a blob and serves it; another node fetches it by hash.
func Example() {
	tmp, err := os.MkdirTemp("", "blobstore-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	server, err := blobstore.Open(filepath.Join(tmp, "server"))
	if err != nil {
		log.Fatal(err)
	}
	sum, size, err := server.Put(strings.NewReader("hello, blob\n"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stored %x (%d bytes)\n", sum, size)

	srv := httptest.NewServer(blobstore.Handler(server))
	defer srv.Close()

	client, err := blobstore.Open(filepath.Join(tmp, "client"), blobstore.WithMaxSize(1<<20))
	if err != nil {
		log.Fatal(err)
	}
	// srv.URL is a base URL: Fetch asks for srv.URL + "/v1/blobs/" + hex.
	if err := blobstore.Fetch(context.Background(), srv.Client(), []string{srv.URL}, sum, client, blobstore.FetchOptions{}); err != nil {
		log.Fatal(err)
	}
	f, _, err := client.Open(sum)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	fmt.Printf("fetched %q\n", b)
	// Output:
	// stored 392033f3c6621200e3f594e2fb7f2ea2b6d1e13801d75d5c6203ce9507de4965 (12 bytes)
	// fetched "hello, blob\n"
}

package node

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
)

// TestServiceFetcher checks that a child's package is found by service id
// through the registry and the package's location, and that an id no
// package has is abi.ErrUnknownService for the module.
func TestServiceFetcher(t *testing.T) {
	blob, sum, rec := helloPackage(t)
	srv, hits := packageServer(t, blob)
	chain := newFakeChain()
	register(chain, rec, srv.URL+"/v1/blobs/"+hex.EncodeToString(sum[:]))
	tn := newTestNode(t, chain, func(c *config.Config) { c.AllowPrivateFetch = true })
	f := tn.ServiceFetcher()

	id := packageID(rec.GetPackageId())
	p, err := f.Fetch(t.Context(), id)
	if err != nil || p.ID() != id {
		t.Fatalf("fetch %s: %v", id, err)
	}
	// The second fetch comes from the package store.
	if _, err := f.Fetch(t.Context(), id); err != nil || hits.Load() != 1 {
		t.Fatalf("second fetch: %v, %d requests", err, hits.Load())
	}
	if _, err := f.Fetch(t.Context(), spec.ID{1}); !errors.Is(err, abi.ErrUnknownService) {
		t.Fatalf("unregistered id: %v", err)
	}
}

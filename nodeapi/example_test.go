package nodeapi_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// A buyer signs an upload; the node checks the signature and learns who
// signed and which body to expect, before it reads the body. It then
// records the nonce, so that the same request cannot be replayed.
func ExampleVerify() {
	seed := make([]byte, ed25519.SeedSize)
	buyer := ed25519.NewKeyFromSeed(seed)
	body := []byte(">lambda\nGGGCGGCGACCT\n")
	now := time.Now()

	req := httptest.NewRequest("PUT", "/v1/orders/7/inputs/genome", bytes.NewReader(body))
	nodeapi.Sign(req, buyer, nodeapi.BodyOf(body), now.Add(time.Minute))

	sig, err := nodeapi.Verify(req, now)
	fmt.Println(err == nil, sig.PublicKey.Equal(buyer.Public()), sig.Body.Length)

	replays := nodeapi.NewReplayCache(1000)
	fmt.Println(replays.Use(sig, now))
	fmt.Println(replays.Use(sig, now) != nil)

	// The same signature does not carry over to another order.
	req.URL.Path = "/v1/orders/8/inputs/genome"
	_, err = nodeapi.Verify(req, now)
	fmt.Println(err)
	// Output:
	// true true 21
	// <nil>
	// true
	// bad request signature: does not verify for PUT /v1/orders/8/inputs/genome
}

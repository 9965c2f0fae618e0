package gateway_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/celltonomy/celltonomy/client/gateway"
)

// A buyer signs an upload; the node checks the signature and learns who
// signed, then compares that key's address with the order's buyer.
func ExampleVerify() {
	seed := make([]byte, ed25519.SeedSize)
	buyer := ed25519.NewKeyFromSeed(seed)
	body := []byte(">lambda\nGGGCGGCGACCT\n")

	req := httptest.NewRequest("PUT", "/v1/orders/7/inputs/genome", strings.NewReader(string(body)))
	gateway.Sign(req, buyer, body)

	signer, err := gateway.Verify(req, body)
	fmt.Println(err == nil, signer.Equal(buyer.Public()))

	// The same signature does not carry over to another order.
	req.URL.Path = "/v1/orders/8/inputs/genome"
	_, err = gateway.Verify(req, body)
	fmt.Println(err)
	// Output:
	// true true
	// bad request signature: does not verify for PUT /v1/orders/8/inputs/genome
}

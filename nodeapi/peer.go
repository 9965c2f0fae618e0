package nodeapi

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
)

// Peer delegation: node-to-node routes (see "Peer delegation" in the
// package documentation of node). A node that cannot run a child service
// asks a peer for a quote, starts the child there, calls it and stops it.
// Every request is signed with the delegating node's node key (Sign,
// like a drawn verifier's requests); the peer serves only nodes active in
// the registry, and only the node that started a child may call or stop
// it.

// PathChild is a delegated child's id on the peer (ChildIDSize bytes in
// lowercase hex) in the peer routes.
const PathChild = "child"

// The routes of peer delegation.
const (
	// RoutePeerQuote answers a PeerQuote for a PeerQuoteRequest.
	RoutePeerQuote = "POST /v1/peer/quote"
	// RoutePeerStart starts a child for the signer (PeerStartRequest →
	// PeerChild).
	RoutePeerStart = "POST /v1/peer/children"
	// RoutePeerCall calls a slot of a child: the body (at most
	// MaxServiceRequest bytes) is the request, the answer (at most
	// MaxServiceResponse bytes) the child's response.
	RoutePeerCall = "POST /v1/peer/children/{" + PathChild + "}/slots/{" + PathPort + "}"
	// RoutePeerStop stops a child and answers its PeerUsage.
	RoutePeerStop = "POST /v1/peer/children/{" + PathChild + "}/stop"
)

// Limits of peer delegation.
const (
	// MaxPeerMessage bounds a JSON request or answer of the peer routes,
	// in bytes (4 KiB: ids, prices and counts).
	MaxPeerMessage = 4 << 10
	// ChildIDSize is the size of a delegated child's id in bytes.
	ChildIDSize = 16
	// MaxPeerAncestors bounds the ancestors a start request carries.
	MaxPeerAncestors = 16
)

// PeerChildPath returns the path of a delegated child's resource:
// /v1/peer/children/{child} followed by the segments of rest ("slots",
// PORT; "stop").
func PeerChildPath(child string, rest ...string) string {
	return path.Join(append([]string{"/v1/peer/children", child}, rest...)...)
}

// PeerQuoteRequest asks a peer its price of running a service as a
// child.
type PeerQuoteRequest struct {
	// ServiceID is the child's service id, 64 lowercase hex digits.
	ServiceID string `json:"service_id"`
}

// PeerQuote is a peer's price of a child service, in ucell.
type PeerQuote struct {
	ServiceID string `json:"service_id"`
	// Start is charged once when the child starts; PerCall for each call
	// the child answers.
	Start   uint64 `json:"start"`
	PerCall uint64 `json:"per_call"`
}

// PeerStartRequest asks a peer to start a child service for the signing
// node.
type PeerStartRequest struct {
	// ServiceID is the child's service id, 64 lowercase hex digits.
	ServiceID string `json:"service_id"`
	// Seed is the child's random seed, 64 lowercase hex digits.
	Seed string `json:"seed"`
	// Ancestors are the service ids from the root of the tree to the
	// child's parent (at most MaxPeerAncestors), hex: the peer refuses a
	// cycle or a tree too deep.
	Ancestors []string `json:"ancestors"`
	// MaxStart and MaxPerCall are the prices the delegating node accepts
	// (its quote), in ucell: a peer whose price is higher refuses.
	MaxStart   uint64 `json:"max_start"`
	MaxPerCall uint64 `json:"max_per_call"`
}

// PeerChild answers RoutePeerStart: the child's id on the peer and the
// price the peer bills.
type PeerChild struct {
	// Child is ChildIDSize bytes in lowercase hex.
	Child   string `json:"child"`
	Start   uint64 `json:"start"`
	PerCall uint64 `json:"per_call"`
}

// PeerUsage answers RoutePeerStop: what the child served and what the
// peer claims for it, in ucell (Start + Calls × PerCall). The delegating
// node pays what it counted itself, never more than its quote.
type PeerUsage struct {
	Child string `json:"child"`
	Calls uint64 `json:"calls"`
	Owed  uint64 `json:"owed"`
}

// PeerQuote asks the peer for its price of service id (hex), signed with
// c.Key (the node key). Errors: a *StatusError (403: the signer is not
// an active node; 404: the peer will not run the service).
func (c *Client) PeerQuote(ctx context.Context, serviceID string) (PeerQuote, error) {
	var q PeerQuote
	b, _ := json.Marshal(PeerQuoteRequest{ServiceID: serviceID})
	_, err := c.do(ctx, http.MethodPost, "/v1/peer/quote", b, true, &q, MaxPeerMessage)
	if err == nil && q.ServiceID != serviceID {
		err = fmt.Errorf("peer quote: for service %q, not %q", q.ServiceID, serviceID)
	}
	return q, err
}

// PeerStart asks the peer to start a child, signed with c.Key. Errors: a
// *StatusError (403: not an active node; 404: the peer will not run the
// service; 409: its price is above the request's maxima or the tree is
// refused; 429: too many children already).
func (c *Client) PeerStart(ctx context.Context, req PeerStartRequest) (PeerChild, error) {
	var ch PeerChild
	b, _ := json.Marshal(req)
	if _, err := c.do(ctx, http.MethodPost, "/v1/peer/children", b, true, &ch, MaxPeerMessage); err != nil {
		return ch, err
	}
	if b, err := hex.DecodeString(ch.Child); err != nil || len(b) != ChildIDSize || hex.EncodeToString(b) != ch.Child {
		return ch, fmt.Errorf("peer start: child id %q is not %d bytes in lowercase hex", ch.Child, ChildIDSize)
	}
	return ch, nil
}

// PeerCall calls port of the peer's child with req (at most
// MaxServiceRequest bytes), signed with c.Key, and returns its response
// (at most MaxServiceResponse bytes). Errors: a *StatusError (403: not
// the node that started it; 404: no such child; 422: the service's own
// error; 504: out of time).
func (c *Client) PeerCall(ctx context.Context, child string, port int32, req []byte) ([]byte, error) {
	if len(req) > MaxServiceRequest {
		return nil, fmt.Errorf("peer call: request of %d bytes: at most %d", len(req), MaxServiceRequest)
	}
	return c.do(ctx, http.MethodPost, PeerChildPath(child, "slots", strconv.FormatInt(int64(port), 10)), req, true, nil, MaxServiceResponse)
}

// PeerStop stops the peer's child, signed with c.Key, and returns the
// peer's account of it.
func (c *Client) PeerStop(ctx context.Context, child string) (PeerUsage, error) {
	var u PeerUsage
	_, err := c.do(ctx, http.MethodPost, PeerChildPath(child, "stop"), nil, true, &u, MaxPeerMessage)
	return u, err
}

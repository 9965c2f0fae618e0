package nodeapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
)

// PathPort is a slot's port, decimal, in RouteServiceCall.
const PathPort = "port"

// The routes of a service order's instance (see "Services" in the package
// documentation).
const (
	// RouteServiceToken issues a per-client token of a running service
	// instance: a POST with an empty body, signed by the order's buyer.
	RouteServiceToken = "POST /v1/services/{" + PathOrderID + "}/token"
	// RouteServiceCall calls one slot of the instance: the request body
	// (at most MaxServiceRequest bytes) goes to the slot, its answer (at
	// most MaxServiceResponse bytes) comes back; the token in
	// ServiceTokenHeader authorises it.
	RouteServiceCall = "POST /v1/services/{" + PathOrderID + "}/slots/{" + PathPort + "}"
)

// ServiceTokenHeader carries a service token in a call: "Bearer " and
// the token's 64 lowercase hex digits.
const ServiceTokenHeader = "Authorization"

// Limits of a service call through a node.
const (
	// MaxServiceRequest bounds a call's request body, in bytes (1 MiB).
	MaxServiceRequest = 1 << 20
	// MaxServiceResponse bounds a call's answer, in bytes (1 MiB).
	MaxServiceResponse = 1 << 20
	// TokenSize is the size of a service token in bytes.
	TokenSize = 32
)

// ServicePath returns the path of a service order's resource: /v1/services/{id}
// followed by the segments of rest ("token"; "slots", PORT).
func ServicePath(id uint64, rest ...string) string {
	return path.Join(append([]string{"/v1/services", strconv.FormatUint(id, 10)}, rest...)...)
}

// The states of a hosted service (ServiceAccess.State).
const (
	ServiceRunning = "running"
	ServiceStopped = "stopped"
)

// ServiceAccess answers RouteServiceToken: where and how the buyer calls
// its service instance.
type ServiceAccess struct {
	OrderID uint64 `json:"order_id"`
	// Address is the base URL of the instance's slots: a call to port P
	// is a POST to Address + "/slots/" + P.
	Address string `json:"address"`
	// Token authorises calls (ServiceTokenHeader): 64 lowercase hex
	// digits, TokenSize bytes. Each request gets a new one; a node keeps
	// a bounded number per instance, the oldest dropped first.
	Token string `json:"token"`
	// Ports are the slots the instance serves.
	Ports []int32 `json:"ports"`
	// State is ServiceRunning or ServiceStopped.
	State string `json:"state"`
	// AwardHeight and EndHeight bound the service (heights); StopHeight
	// is the height at which it stopped, 0 while running.
	AwardHeight int64 `json:"award_height"`
	EndHeight   int64 `json:"end_height"`
	StopHeight  int64 `json:"stop_height"`
	// Usage is what the instance served so far.
	Usage UsageReceipt `json:"usage"`
}

// UsageReceipt is a service order's delivery: what the node served. Its
// Root (SHA-256 of its JSON encoding) is the delivered output root.
type UsageReceipt struct {
	OrderID uint64 `json:"order_id"`
	// AwardHeight and StopHeight are the heights the service ran between;
	// ServedBlocks = StopHeight − AwardHeight, at most the order's
	// service_blocks.
	AwardHeight  int64  `json:"award_height"`
	StopHeight   int64  `json:"stop_height"`
	ServedBlocks uint64 `json:"served_blocks"`
	// Calls, BytesIn and BytesOut are metered by the node: calls served,
	// bytes of requests and of answers.
	Calls    uint64 `json:"calls"`
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
	// WallMs is the time spent in calls, in milliseconds.
	WallMs uint64 `json:"wall_ms"`
}

// Root returns the SHA-256 of the receipt's JSON encoding: the output
// root of its delivery.
func (r UsageReceipt) Root() [32]byte {
	b, _ := json.Marshal(r) // a struct of integers always encodes
	return sha256.Sum256(b)
}

// ServiceToken asks the node for a token of the service order id's
// instance, signed by the buyer's key (Client.Key). Errors: a
// *StatusError (404: no instance of the order here; 403: not the buyer;
// 410: the instance stopped).
func (c *Client) ServiceToken(ctx context.Context, id uint64) (*ServiceAccess, error) {
	var a ServiceAccess
	if _, err := c.do(ctx, http.MethodPost, ServicePath(id, "token"), nil, true, &a, MaxAnswer); err != nil {
		return nil, err
	}
	if b, err := hex.DecodeString(a.Token); err != nil || len(b) != TokenSize {
		return nil, fmt.Errorf("service %d: the node's token is not %d hex bytes", id, TokenSize)
	}
	return &a, nil
}

// CallService calls port of the service instance a describes with req
// and returns its answer (at most MaxServiceResponse bytes). Errors: a
// *StatusError (401: bad token; 400: an undeclared port; 413: req over
// MaxServiceRequest; 410: the instance stopped; 422: the service's own
// error, its message; 504: the call ran out of time).
func (c *Client) CallService(ctx context.Context, a *ServiceAccess, port int32, req []byte) ([]byte, error) {
	if len(req) > MaxServiceRequest {
		return nil, fmt.Errorf("service %d: request of %d bytes: at most %d", a.OrderID, len(req), MaxServiceRequest)
	}
	u := a.Address + "/slots/" + strconv.FormatInt(int64(port), 10)
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(req))
	if err != nil {
		return nil, err
	}
	r.Header.Set(ServiceTokenHeader, "Bearer "+a.Token)
	r.Header.Set("Content-Type", "application/octet-stream")
	return c.send(r, nil, MaxServiceResponse)
}

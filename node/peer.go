package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
)

// Peer delegation, the peer's side: this node runs child services for
// other nodes (nodeapi.RoutePeerQuote, RoutePeerStart, RoutePeerCall,
// RoutePeerStop). Every request is signed with the delegating node's node
// key; the signer must be a node active in the registry (not this one),
// and only the node that started a child may call or stop it. A child
// runs here as a root of its own tree: its own children run here, never
// delegated again (a delegation is one hop, so no loop between peers).
//
// Bounds: peer.max_children children at once, peer.max_children_per_node
// per delegating node (a node flooding starts gets 429), every JSON
// message at most nodeapi.MaxPeerMessage bytes, calls as service calls
// (nodeapi.MaxServiceRequest, MaxServiceResponse, serviceCallTimeout), and
// a child idle for peerChildIdle is stopped.

// peerChildIdle is how long a child run for a peer lives without a call.
const peerChildIdle = 10 * time.Minute

// peerChild is a child service this node runs for a peer.
type peerChild struct {
	id      string // nodeapi.ChildIDSize bytes, hex
	owner   string // the delegating node's key, hex
	service spec.ID
	svc     gateway.Service
	price   gateway.Price

	mu      sync.Mutex
	calls   uint64
	stopped bool
	idle    *time.Timer
}

// peerHost holds the children run for peers, by child id.
type peerHost struct {
	mu sync.Mutex
	m  map[string]*peerChild
	// active caches the registry's answer for a signer: the last height
	// at which its node is active (its registration cannot expire
	// sooner: a new announcement only extends it), so that a relayed
	// call does not query the chain. At most maxActiveCache keys; full,
	// it is emptied.
	active map[string]int64
}

// maxActiveCache bounds peerHost.active.
const maxActiveCache = 1024

func (p *peerHost) activeUntil(key string) int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active[key]
}

func (p *peerHost) remember(key string, until int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == nil || len(p.active) >= maxActiveCache {
		p.active = map[string]int64{}
	}
	p.active[key] = until
}

func (p *peerHost) count(owner string) (all, mine int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.m {
		all++
		if c.owner == owner {
			mine++
		}
	}
	return all, mine
}

// excluded reports whether node.toml's exclude_packages lists id.
func (n *Node) excluded(id spec.ID) bool { return slices.Contains(n.cfg.ExcludePackages, id.String()) }

// childPrice is this node's price of running pkg as a child for a peer:
// its pricing base of the package at start, peer.per_call per call.
func (n *Node) childPrice(id spec.ID) gateway.Price {
	start, ok := n.cfg.Pricing.PerPackage[id.String()]
	if !ok {
		start = n.cfg.Pricing.Base
	}
	return gateway.Price{Start: start, PerCall: n.cfg.Peer.PerCall}
}

// peerSigner checks that r is signed by an active node of the registry
// other than this one, with a fresh nonce, and returns its key in hex and
// the signature.
func (n *Node) peerSigner(w http.ResponseWriter, r *http.Request) (string, *nodeapi.Signature, bool) {
	sig, ok := n.signature(w, r)
	if !ok {
		return "", nil, false
	}
	if bytes.Equal(sig.PublicKey, n.nodePub) {
		n.refuse(w, http.StatusForbidden, "a node does not delegate to itself")
		return "", nil, false
	}
	key := hex.EncodeToString(sig.PublicKey)
	if n.peers.activeUntil(key) > n.currentHeight() {
		if !n.useNonce(w, sig) {
			return "", nil, false
		}
		return key, sig, true
	}
	st, err := n.query.Node(r.Context(), sig.PublicKey, n.currentHeight()+1)
	switch {
	case errors.Is(err, query.ErrNotFound):
		n.refuse(w, http.StatusForbidden, "node key %x is not a registered node", []byte(sig.PublicKey))
		return "", nil, false
	case err != nil:
		httpError(w, http.StatusServiceUnavailable, "registry: %v", err)
		return "", nil, false
	case st.GetExpired():
		n.refuse(w, http.StatusForbidden, "node key %x: its registration expired at height %d", []byte(sig.PublicKey), st.GetActiveUntilHeight())
		return "", nil, false
	}
	n.peers.remember(key, st.GetActiveUntilHeight())
	if !n.useNonce(w, sig) {
		return "", nil, false
	}
	return key, sig, true
}

// peerJSON reads the signed JSON body of a peer request into v.
func (n *Node) peerJSON(w http.ResponseWriter, r *http.Request, sig *nodeapi.Signature, v any) bool {
	b, err := nodeapi.ReadBody(r.Body, sig, nodeapi.MaxPeerMessage)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		httpError(w, http.StatusBadRequest, "body: %v", err)
		return false
	}
	return true
}

// peerService parses a hex service id and refuses (404) one this node
// will not run for a peer: excluded, or unknown to the registry.
func (n *Node) peerService(w http.ResponseWriter, r *http.Request, hexID string) (spec.ID, *spec.Package, bool) {
	id, err := spec.ParseID(hexID)
	if err != nil {
		httpError(w, http.StatusBadRequest, "service_id %q: %v", hexID, err)
		return id, nil, false
	}
	if n.excluded(id) {
		httpError(w, http.StatusNotFound, "service %s: this node does not run it (exclude_packages)", id)
		return id, nil, false
	}
	pkg, err := n.ServiceFetcher().Fetch(r.Context(), id)
	if err != nil {
		httpError(w, http.StatusNotFound, "service %s: %v", id, err)
		return id, nil, false
	}
	j, err := gateway.JobFor(pkg)
	if err == nil {
		err = n.exec.CheckLimits(wasm.Limits{Memory: j.Limits.Memory})
	}
	if err != nil {
		httpError(w, http.StatusNotFound, "service %s: %v", id, err)
		return id, nil, false
	}
	return id, pkg, true
}

// peerQuote answers RoutePeerQuote.
func (n *Node) peerQuote(w http.ResponseWriter, r *http.Request) {
	_, sig, ok := n.peerSigner(w, r)
	if !ok {
		return
	}
	var req nodeapi.PeerQuoteRequest
	if !n.peerJSON(w, r, sig, &req) {
		return
	}
	id, _, ok := n.peerService(w, r, req.ServiceID)
	if !ok {
		return
	}
	p := n.childPrice(id)
	writeJSON(w, http.StatusOK, nodeapi.PeerQuote{ServiceID: id.String(), Start: p.Start, PerCall: p.PerCall})
}

// peerStart answers RoutePeerStart.
func (n *Node) peerStart(w http.ResponseWriter, r *http.Request) {
	owner, sig, ok := n.peerSigner(w, r)
	if !ok {
		return
	}
	if all, mine := n.peers.count(owner); all >= n.cfg.Peer.MaxChildren || mine >= n.cfg.Peer.MaxChildrenPerNode {
		w.Header().Set("Retry-After", "10")
		n.refuse(w, http.StatusTooManyRequests, "%d children run for peers (max %d), %d for node %s (max %d)",
			all, n.cfg.Peer.MaxChildren, mine, owner[:12], n.cfg.Peer.MaxChildrenPerNode)
		return
	}
	body, err := nodeapi.ReadBody(r.Body, sig, nodeapi.MaxPeerMessage)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	req, seed, err := parsePeerStart(body)
	if errors.Is(err, errTreeRefused) {
		httpError(w, http.StatusConflict, "%v", err)
		return
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	id, pkg, ok := n.peerService(w, r, req.ServiceID)
	if !ok {
		return
	}
	price := n.childPrice(id)
	if price.Start > req.MaxStart || price.PerCall > req.MaxPerCall {
		httpError(w, http.StatusConflict, "price start %d per call %d ucell: above max_start %d, max_per_call %d", price.Start, price.PerCall, req.MaxStart, req.MaxPerCall)
		return
	}
	j, _ := gateway.JobFor(pkg)
	tree, err := gateway.NewTree(gateway.Config{Fetcher: n.ServiceFetcher(), Runner: n.localRunner(), Memory: j.Limits.Memory, Seed: seed,
		ChainRPC: n.cfg.ChainRPC})
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	svc, err := n.localRunner().Start(context.WithoutCancel(r.Context()), gateway.StartRequest{ID: id, Package: pkg, Seed: seed, Pool: tree.Pool(), Gateway: tree.Root(id, pkg.Spec())})
	if err != nil {
		httpError(w, http.StatusUnprocessableEntity, "service %s: start: %v", id, err)
		return
	}
	var cid [nodeapi.ChildIDSize]byte
	rand.Read(cid[:])
	c := &peerChild{id: hex.EncodeToString(cid[:]), owner: owner, service: id, svc: svc, price: price}
	c.idle = time.AfterFunc(peerChildIdle, func() { n.stopPeerChild(c) })
	n.peers.mu.Lock()
	n.peers.m[c.id] = c
	n.peers.mu.Unlock()
	n.log.Info("peer child started", "child", c.id, "service", id, "for", owner[:12])
	writeJSON(w, http.StatusOK, nodeapi.PeerChild{Child: c.id, Start: price.Start, PerCall: price.PerCall})
}

// errTreeRefused is wrapped by parsePeerStart's error for a tree of
// services the peer refuses: too deep, or a cycle.
var errTreeRefused = errors.New("tree of services refused")

// parsePeerStart decodes and checks a start request: its service id
// (lowercase hex), seed (32 bytes in hex), and ancestors (at most
// nodeapi.MaxPeerAncestors and fewer than gateway.DefaultMaxDepth, each a
// service id, none the child's). Errors name the field; a tree too deep
// or a cycle wraps errTreeRefused.
func parsePeerStart(body []byte) (nodeapi.PeerStartRequest, [32]byte, error) {
	var req nodeapi.PeerStartRequest
	var seed [32]byte
	if err := json.Unmarshal(body, &req); err != nil {
		return req, seed, fmt.Errorf("body: %w", err)
	}
	id, err := spec.ParseID(req.ServiceID)
	if err != nil || id.String() != req.ServiceID {
		return req, seed, fmt.Errorf("service_id %q: want 64 lowercase hex digits", req.ServiceID)
	}
	if b, err := hex.DecodeString(req.Seed); err != nil || len(b) != len(seed) {
		return req, seed, fmt.Errorf("seed: want %d bytes in hex", len(seed))
	} else {
		copy(seed[:], b)
	}
	if max := min(nodeapi.MaxPeerAncestors, gateway.DefaultMaxDepth-1); len(req.Ancestors) > max {
		return req, seed, fmt.Errorf("ancestors: %d, at most %d: %w (the depth of child services exceeded)", len(req.Ancestors), max, errTreeRefused)
	}
	for i, a := range req.Ancestors {
		aid, err := spec.ParseID(a)
		if err != nil || aid.String() != a {
			return req, seed, fmt.Errorf("ancestors[%d] %q: want 64 lowercase hex digits", i, a)
		}
		if aid == id {
			return req, seed, fmt.Errorf("ancestors[%d]: %w: service %s is its own ancestor (a cycle)", i, errTreeRefused, id)
		}
	}
	return req, seed, nil
}

// peerChildOf finds the child of a peer route, refusing another node's.
func (n *Node) peerChildOf(w http.ResponseWriter, r *http.Request, owner string) (*peerChild, bool) {
	n.peers.mu.Lock()
	c := n.peers.m[r.PathValue(nodeapi.PathChild)]
	n.peers.mu.Unlock()
	switch {
	case c == nil:
		httpError(w, http.StatusNotFound, "child %q: none here", r.PathValue(nodeapi.PathChild))
		return nil, false
	case c.owner != owner:
		n.refuse(w, http.StatusForbidden, "child %s: started by another node", c.id)
		return nil, false
	}
	return c, true
}

// peerCall answers RoutePeerCall.
func (n *Node) peerCall(w http.ResponseWriter, r *http.Request) {
	owner, sig, ok := n.peerSigner(w, r)
	if !ok {
		return
	}
	c, ok := n.peerChildOf(w, r, owner)
	if !ok {
		return
	}
	port, err := strconv.ParseInt(r.PathValue(nodeapi.PathPort), 10, 32)
	if err != nil {
		httpError(w, http.StatusBadRequest, "port %q: want a decimal number", r.PathValue(nodeapi.PathPort))
		return
	}
	req, err := nodeapi.ReadBody(r.Body, sig, nodeapi.MaxServiceRequest)
	if err != nil {
		httpError(w, http.StatusRequestEntityTooLarge, "%v", err)
		return
	}
	c.idle.Reset(peerChildIdle)
	ctx, cancel := context.WithTimeout(r.Context(), serviceCallTimeout)
	defer cancel()
	resp, err := c.svc.Call(ctx, int32(port), req)
	var se *wasm.ServiceError
	switch {
	case err == nil:
		c.mu.Lock()
		c.calls++
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(resp)
	case errors.As(err, &se):
		httpError(w, http.StatusUnprocessableEntity, "%s", se.Message)
	case errors.Is(err, wasm.ErrUndeclaredPort):
		httpError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, wasm.ErrTimeLimit):
		httpError(w, http.StatusGatewayTimeout, "%v", err)
	default:
		httpError(w, http.StatusBadGateway, "%v", err)
	}
}

// peerStop answers RoutePeerStop.
func (n *Node) peerStop(w http.ResponseWriter, r *http.Request) {
	owner, _, ok := n.peerSigner(w, r)
	if !ok {
		return
	}
	c, ok := n.peerChildOf(w, r, owner)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, n.stopPeerChild(c))
}

// stopPeerChild stops c, forgets it and returns its account.
func (n *Node) stopPeerChild(c *peerChild) nodeapi.PeerUsage {
	n.peers.mu.Lock()
	delete(n.peers.m, c.id)
	n.peers.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped {
		c.stopped = true
		c.idle.Stop()
		c.svc.Stop(context.Background())
		n.log.Info("peer child stopped", "child", c.id, "calls", c.calls)
	}
	return nodeapi.PeerUsage{Child: c.id, Calls: c.calls, Owed: c.price.Start + c.calls*c.price.PerCall}
}

// stopPeerChildren stops every child run for peers: the node is shutting
// down.
func (n *Node) stopPeerChildren() {
	n.peers.mu.Lock()
	all := make([]*peerChild, 0, len(n.peers.m))
	for _, c := range n.peers.m {
		all = append(all, c)
	}
	n.peers.mu.Unlock()
	for _, c := range all {
		n.stopPeerChild(c)
	}
}

// localRunner is the gateway.Runner of this node: the executor, refusing
// (gateway.ErrCannotRun) the packages exclude_packages lists.
func (n *Node) localRunner() gateway.Runner {
	return excludingRunner{n: n, r: gateway.LocalRunner{Executor: n.exec}}
}

type excludingRunner struct {
	n *Node
	r gateway.LocalRunner
}

func (e excludingRunner) Start(ctx context.Context, req gateway.StartRequest) (gateway.Service, error) {
	if e.n.excluded(req.ID) {
		return nil, fmt.Errorf("service %s: %w: exclude_packages lists it", req.ID, gateway.ErrCannotRun)
	}
	return e.r.Start(ctx, req)
}

// PeerChildren returns the children the node runs for peers now, each
// with the calls it answered and what it is owed (ucell), by child id.
func (n *Node) PeerChildren() []nodeapi.PeerUsage {
	n.peers.mu.Lock()
	all := make([]*peerChild, 0, len(n.peers.m))
	for _, c := range n.peers.m {
		all = append(all, c)
	}
	n.peers.mu.Unlock()
	out := make([]nodeapi.PeerUsage, 0, len(all))
	for _, c := range all {
		c.mu.Lock()
		out = append(out, nodeapi.PeerUsage{Child: c.id, Calls: c.calls, Owed: c.price.Start + c.calls*c.price.PerCall})
		c.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b nodeapi.PeerUsage) int { return strings.Compare(a.Child, b.Child) })
	return out
}

// Package gateway is the node's side of the gateway of CEL-AUT: what a
// running service instance reaches through the host module "cell" (see
// runtime/wasm/abi). A [Gateway] is made per instance; it starts child
// services by service id, calls and stops them, and answers NET's
// questions, within the bounds of the tree of services it belongs to.
//
// # Use
//
//  1. For a service instance the node starts on an order (the root of a
//     tree), make a [Tree] with [NewTree]: the node's Fetcher (packages by
//     service id), Runner (local start), optional Delegator (start on a
//     peer), Pricer, the budget in ucell the order allows for children, the
//     memory pool of the tree, the depth bound, the node's NET answers.
//  2. Get the root's gateway with [Tree.Root] (the root's service id and
//     spec) and pass it as wasm.ServiceJob.Gateway, with the tree's Pool
//     as wasm.ServiceJob.Pool.
//  3. When the instance stops, wasm.Instance.Stop closes the gateway,
//     which stops every child; [Tree.Spent] is what children cost.
//
// # The rules
//
// Recursion: the chain of ancestors' service ids is carried to each child.
// A child whose id is on its chain is refused (abi.ErrCycle); so is a child
// deeper than Config.MaxDepth (abi.ErrDepthExceeded; the root is at depth
// 0). A gateway holds at most Config.MaxChildren children at once.
//
// Budget: every child is billed its price from the tree's budget: Start
// when it starts, PerCall before each call, in ucell. The price is the
// local price (Pricer) when the node runs the child, the peer's when it is
// delegated. A price the budget does not cover is refused before the child
// starts or is called (abi.ErrBudgetExhausted), and nothing is billed.
//
// Memory: the whole tree draws from one wasm.MemoryPool (the root's memory
// limit), so each child's linear memory counts against its parent's limit;
// a child that does not fit is refused (abi.ErrMemoryLimit).
//
// Placement: the Runner starts the child here; if it cannot
// (ErrCannotRun: the architecture, the node's capacity), the Delegator
// asks a peer; a nil Delegator means local only.
//
// NET: NetPeers answers only for a network the service's spec declares
// (a tag of one of its network entries), and only for the networks the
// node resolves: "celltonomy:devnet" gives the chain's RPC URL the node
// knows (Config.ChainRPC); "celltonomy:service:<hex service id>" gives the
// addresses of the instances of that service the node verified
// (Config.Directory). Every other name is refused
// (abi.ErrNetworkNotDeclared).
//
// Every error wraps one of the abi errors, so the module sees its code.
package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
)

// Defaults of a Config.
const (
	// DefaultMaxDepth is the default depth bound of a tree of services: a
	// root and 8 generations of children.
	DefaultMaxDepth = 8
	// DefaultMaxChildren is the default bound on the children one gateway
	// holds at once.
	DefaultMaxChildren = 16
)

// Names of the networks the node resolves (see the package documentation).
const (
	// NetworkDevnet is the chain the node follows: its RPC URL.
	NetworkDevnet = "celltonomy:devnet"
	// NetworkServicePrefix, followed by a hex service id, is the network
	// of the verified instances of that service.
	NetworkServicePrefix = "celltonomy:service:"
)

// ErrCannotRun is wrapped by a Runner's error when this node cannot run
// the service (its architecture, the node's capacity): the gateway then
// asks the Delegator, if any.
var ErrCannotRun = errors.New("this node cannot run the service")

// Fetcher finds packages by service id: the node's blob store, and the
// registry's locations for a package it does not have.
type Fetcher interface {
	// Fetch returns the package whose service id is id, verified against
	// it (the gateway does not hash it again: that is 3 MB of SHA3 for a
	// Go module, several milliseconds per start). An id no package has: an
	// error wrapping abi.ErrUnknownService.
	Fetch(ctx context.Context, id spec.ID) (*spec.Package, error)
}

// Service is a running child service, here or on a peer.
type Service interface {
	// Call calls the service's slot port with req and returns its response.
	Call(ctx context.Context, port int32, req []byte) ([]byte, error)
	// Stop stops the service; it is idempotent.
	Stop(ctx context.Context)
}

// StartRequest is a child service to start.
type StartRequest struct {
	// ID is the child's service id, and Package its package.
	ID      spec.ID
	Package *spec.Package
	// Ancestors are the service ids from the root to the child's parent.
	Ancestors []spec.ID
	// Seed is the child's random seed: derived from the root's seed and
	// the child's place in the tree.
	Seed [32]byte
	// Pool is the tree's memory pool, which the child draws from.
	Pool *wasm.MemoryPool
	// Gateway is the child's own gateway, for its children and NET.
	Gateway *Gateway
}

// Runner starts child services on this node.
type Runner interface {
	// Start starts the child. When the node cannot run it, the error
	// wraps ErrCannotRun.
	Start(ctx context.Context, req StartRequest) (Service, error)
}

// Delegator starts child services on peer nodes (peer delegation).
type Delegator interface {
	// Delegate starts the child on a peer and returns it with the peer's
	// price. A failure wraps abi.ErrPeerFailed.
	Delegate(ctx context.Context, req StartRequest) (Service, Price, error)
}

// Price is what a child service costs, in ucell.
type Price struct {
	// Start is billed when the child starts.
	Start uint64
	// PerCall is billed before each call.
	PerCall uint64
}

// Pricer gives this node's price of running a package as a child.
type Pricer interface {
	Price(ctx context.Context, p *spec.Package) (Price, error)
}

// Directory knows the instances of services the node has verified.
type Directory interface {
	// Verified returns the addresses of the verified instances of the
	// service id (none is not an error).
	Verified(ctx context.Context, id spec.ID) ([]string, error)
}

// Config is what a tree of services is given by the node.
type Config struct {
	// Fetcher finds children's packages; required.
	Fetcher Fetcher
	// Runner starts children here; required (see LocalRunner).
	Runner Runner
	// Delegator starts children on peers; nil means local only.
	Delegator Delegator
	// Pricer prices local children; nil makes them free (a test, or a node
	// that hosts its own services).
	Pricer Pricer
	// Budget is what the tree may spend on children, in ucell.
	Budget uint64
	// Memory is the tree's memory, in bytes (the root's limit): the pool
	// of Tree.Pool.
	Memory int64
	// MaxDepth bounds the depth of the tree (the root is at 0); 0 means
	// DefaultMaxDepth.
	MaxDepth int
	// MaxChildren bounds the children one gateway holds at once; 0 means
	// DefaultMaxChildren.
	MaxChildren int
	// Seed is the root's random seed, from which children's seeds derive.
	Seed [32]byte
	// ChainRPC is the chain RPC URL the node knows, the answer for
	// NetworkDevnet; "" refuses that network.
	ChainRPC string
	// Directory answers for NetworkServicePrefix networks; nil refuses
	// them.
	Directory Directory
}

// Tree is a tree of services: a root instance and its descendants, sharing
// a budget, a memory pool and a depth bound.
type Tree struct {
	cfg  Config
	pool *wasm.MemoryPool

	mu    sync.Mutex
	spent uint64
}

// NewTree returns a tree for cfg. It fails if Fetcher or Runner is nil or
// a bound is negative.
func NewTree(cfg Config) (*Tree, error) {
	switch {
	case cfg.Fetcher == nil:
		return nil, errors.New("gateway config: fetcher: required")
	case cfg.Runner == nil:
		return nil, errors.New("gateway config: runner: required")
	case cfg.MaxDepth < 0:
		return nil, fmt.Errorf("gateway config: max depth: negative (%d)", cfg.MaxDepth)
	case cfg.MaxChildren < 0:
		return nil, fmt.Errorf("gateway config: max children: negative (%d)", cfg.MaxChildren)
	case cfg.Memory < 0:
		return nil, fmt.Errorf("gateway config: memory: negative (%d)", cfg.Memory)
	}
	if cfg.MaxDepth == 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.MaxChildren == 0 {
		cfg.MaxChildren = DefaultMaxChildren
	}
	return &Tree{cfg: cfg, pool: wasm.NewMemoryPool(cfg.Memory)}, nil
}

// Pool returns the tree's memory pool: pass it as the root's
// wasm.ServiceJob.Pool.
func (t *Tree) Pool() *wasm.MemoryPool { return t.pool }

// Spent returns what the tree's children have been billed, in ucell.
func (t *Tree) Spent() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.spent
}

// Left returns what is left of the budget, in ucell.
func (t *Tree) Left() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.cfg.Budget - t.spent
}

// bill charges amount, or refuses it whole.
func (t *Tree) bill(amount uint64, what string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if left := t.cfg.Budget - t.spent; amount > left {
		return fmt.Errorf("%s costs %d ucell, %d left of %d: %w", what, amount, left, t.cfg.Budget, abi.ErrBudgetExhausted)
	}
	t.spent += amount
	return nil
}

// Root returns the gateway of the tree's root instance, whose service id is
// id and whose spec is s (for its network entries).
func (t *Tree) Root(id spec.ID, s *spec.Spec) *Gateway {
	return t.gateway([]spec.ID{id}, s, t.cfg.Seed)
}

func (t *Tree) gateway(chain []spec.ID, s *spec.Spec, seed [32]byte) *Gateway {
	var networks []string
	for _, n := range s.Service().GetNetwork() {
		networks = append(networks, n.GetTags()...)
	}
	return &Gateway{tree: t, chain: chain, networks: networks, seed: seed, children: map[int64]*child{}}
}

// Gateway is the gateway of one service instance; it implements
// wasm.Gateway. Its methods are safe for concurrent use (an instance calls
// them one at a time anyway).
type Gateway struct {
	tree     *Tree
	chain    []spec.ID // from the root to this instance
	networks []string  // the tags of the spec's network entries
	seed     [32]byte

	mu       sync.Mutex
	next     int64
	children map[int64]*child
	closed   bool
}

type child struct {
	id    spec.ID
	svc   Service
	price Price
}

var _ wasm.Gateway = (*Gateway)(nil)

// Depth returns the depth of the instance in its tree: 0 for the root.
func (g *Gateway) Depth() int { return len(g.chain) - 1 }

// StartChild implements wasm.Gateway: it checks the recursion guard,
// fetches the child's package, prices it, bills its start price and
// starts it here or, if the Runner cannot, on a peer.
func (g *Gateway) StartChild(ctx context.Context, serviceID []byte) (int64, error) {
	id, err := spec.IDFromBytes(serviceID)
	if err != nil {
		return 0, fmt.Errorf("start child: %w: %w", abi.ErrBadRequest, err)
	}
	if slices.Contains(g.chain, id) {
		return 0, fmt.Errorf("start child %s: %w: it is already on the chain %s", id, abi.ErrCycle, chainString(g.chain))
	}
	if depth := len(g.chain); depth > g.tree.cfg.MaxDepth {
		return 0, fmt.Errorf("start child %s at depth %d: %w (max depth %d)", id, depth, abi.ErrDepthExceeded, g.tree.cfg.MaxDepth)
	}
	g.mu.Lock()
	switch {
	case g.closed:
		g.mu.Unlock()
		return 0, fmt.Errorf("start child %s: %w: the parent is stopping", id, abi.ErrBadRequest)
	case len(g.children) >= g.tree.cfg.MaxChildren:
		g.mu.Unlock()
		return 0, fmt.Errorf("start child %s: %w: %d children already (max %d)", id, abi.ErrBudgetExhausted, len(g.children), g.tree.cfg.MaxChildren)
	}
	handle := g.next
	g.next++
	g.mu.Unlock()

	pkg, err := g.tree.cfg.Fetcher.Fetch(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("start child %s: %w", id, err)
	}
	chain := append(slices.Clone(g.chain), id)
	req := StartRequest{
		ID:        id,
		Package:   pkg,
		Ancestors: slices.Clone(g.chain),
		Seed:      childSeed(g.seed, id, handle),
		Pool:      g.tree.pool,
		Gateway:   g.tree.gateway(chain, pkg.Spec(), childSeed(g.seed, id, handle)),
	}

	var price Price
	if p := g.tree.cfg.Pricer; p != nil {
		if price, err = p.Price(ctx, pkg); err != nil {
			return 0, fmt.Errorf("start child %s: price: %w", id, err)
		}
	}
	// The start price is billed before the start and given back if the
	// child does not start: a failed start costs nothing.
	if err := g.tree.bill(price.Start, "starting child "+id.String()); err != nil {
		return 0, fmt.Errorf("start child: %w", err)
	}
	svc, err := g.tree.cfg.Runner.Start(ctx, req)
	if err != nil && errors.Is(err, ErrCannotRun) && g.tree.cfg.Delegator != nil {
		g.tree.refund(price.Start)
		var peer Price
		svc, peer, err = g.tree.cfg.Delegator.Delegate(ctx, req)
		if err == nil {
			if berr := g.tree.bill(peer.Start, "starting child "+id.String()+" on a peer"); berr != nil {
				svc.Stop(context.WithoutCancel(ctx))
				return 0, fmt.Errorf("start child: %w", berr)
			}
			price = peer
		}
	} else if err != nil {
		g.tree.refund(price.Start)
	}
	if err != nil {
		return 0, fmt.Errorf("start child %s: %w", id, err)
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		svc.Stop(context.WithoutCancel(ctx))
		return 0, fmt.Errorf("start child %s: %w: the parent is stopping", id, abi.ErrBadRequest)
	}
	g.children[handle] = &child{id: id, svc: svc, price: price}
	g.mu.Unlock()
	return handle, nil
}

func (t *Tree) refund(amount uint64) {
	t.mu.Lock()
	t.spent -= amount
	t.mu.Unlock()
}

// childSeed is SHA-256("celltonomy/child-seed/v1" ‖ parent seed ‖ id ‖
// handle, 8 bytes big-endian): children get distinct seeds, the same on
// every run of the same tree.
func childSeed(parent [32]byte, id spec.ID, handle int64) [32]byte {
	b := append([]byte("celltonomy/child-seed/v1"), parent[:]...)
	b = append(b, id[:]...)
	for i := 7; i >= 0; i-- {
		b = append(b, byte(handle>>(8*i)))
	}
	return sha256.Sum256(b)
}

func chainString(chain []spec.ID) string {
	var s []string
	for _, id := range chain {
		s = append(s, id.String()[:12])
	}
	return strings.Join(s, " → ")
}

func (g *Gateway) child(handle int64) (*child, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	c := g.children[handle]
	if c == nil {
		return nil, fmt.Errorf("%w: no child with handle %d", abi.ErrBadRequest, handle)
	}
	return c, nil
}

// CallChild implements wasm.Gateway: it bills the child's per-call price
// and calls it. A call the child fails (a trap, a limit, an error response,
// a stopped child) is an error wrapping abi.ErrChildFailed, with the
// child's reason.
func (g *Gateway) CallChild(ctx context.Context, handle int64, port int32, req []byte) ([]byte, error) {
	c, err := g.child(handle)
	if err != nil {
		return nil, fmt.Errorf("call child: %w", err)
	}
	if err := g.tree.bill(c.price.PerCall, "a call of child "+c.id.String()); err != nil {
		return nil, fmt.Errorf("call child: %w", err)
	}
	resp, err := c.svc.Call(ctx, port, req)
	if err != nil {
		if abi.Code(err) != abi.CodeInternal {
			return nil, fmt.Errorf("call child %s port %d: %w", c.id.String()[:12], port, err)
		}
		return nil, fmt.Errorf("call child %s port %d: %w: %w", c.id.String()[:12], port, abi.ErrChildFailed, err)
	}
	return resp, nil
}

// StopChild implements wasm.Gateway: it stops the child and forgets its
// handle.
func (g *Gateway) StopChild(ctx context.Context, handle int64) error {
	g.mu.Lock()
	c := g.children[handle]
	delete(g.children, handle)
	g.mu.Unlock()
	if c == nil {
		return fmt.Errorf("stop child: %w: no child with handle %d", abi.ErrBadRequest, handle)
	}
	c.svc.Stop(ctx)
	return nil
}

// NetPeers implements wasm.Gateway (see "NET" in the package
// documentation).
func (g *Gateway) NetPeers(ctx context.Context, network string) ([]string, error) {
	if !slices.Contains(g.networks, network) {
		return nil, fmt.Errorf("network %q: %w by the service's spec (declared: %s)", network, abi.ErrNetworkNotDeclared, declared(g.networks))
	}
	cfg := g.tree.cfg
	switch {
	case network == NetworkDevnet && cfg.ChainRPC != "":
		return []string{cfg.ChainRPC}, nil
	case strings.HasPrefix(network, NetworkServicePrefix) && cfg.Directory != nil:
		id, err := spec.ParseID(strings.TrimPrefix(network, NetworkServicePrefix))
		if err != nil {
			return nil, fmt.Errorf("network %q: %w: %w", network, abi.ErrBadRequest, err)
		}
		peers, err := cfg.Directory.Verified(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("network %q: %w: %w", network, abi.ErrInternal, err)
		}
		return peers, nil
	}
	return nil, fmt.Errorf("network %q: %w: not a network this node resolves", network, abi.ErrNetworkNotDeclared)
}

func declared(n []string) string {
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// Close stops every child and refuses new ones; wasm.Instance.Stop calls
// it. It returns nil.
func (g *Gateway) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	children := g.children
	g.children = map[int64]*child{}
	g.mu.Unlock()
	for _, h := range slices.Sorted(maps.Keys(children)) {
		children[h].svc.Stop(ctx)
	}
	return nil
}

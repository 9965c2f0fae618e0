package config

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/celltonomy/celltonomy/spec"
)

// Defaults of the [peer] table.
const (
	// DefaultPeerMaxChildren bounds the children a node runs for peers at
	// once.
	DefaultPeerMaxChildren = 16
	// DefaultPeerMaxChildrenPerNode bounds the children one delegating
	// node holds on this node at once.
	DefaultPeerMaxChildrenPerNode = 4
	// DefaultPeerPerCall is the price of a call of a child run for a
	// peer, in ucell.
	DefaultPeerPerCall = 10
	// MaxPeerChildren bounds peer.max_children.
	MaxPeerChildren = 1024
)

// Peer is the [peer] table: peer delegation of child services. A node
// always answers other nodes' quotes and starts within these bounds; it
// delegates its own children only when Delegate is set.
type Peer struct {
	// Delegate makes the node start a child service it cannot run
	// (excluded, another architecture, over its memory ceiling) on the
	// best active peer of the registry.
	Delegate bool `toml:"delegate"`
	// MaxChildren bounds the children the node runs for peers at once,
	// 1 to MaxPeerChildren.
	MaxChildren int `toml:"max_children"`
	// MaxChildrenPerNode bounds those of one delegating node, 1 to
	// MaxChildren: a node flooding starts is refused beyond it.
	MaxChildrenPerNode int `toml:"max_children_per_node"`
	// PerCall is the price of each call of a child run for a peer, in
	// ucell. The start price of a child is the node's pricing base of
	// its package (pricing.per_package, else pricing.base).
	PerCall uint64 `toml:"per_call"`
	// Replicas is the number of peers a delegated child runs on at once,
	// 1 or 2. With 2, every call goes to both and their answers are
	// compared; when they differ a third peer breaks the tie and the
	// peer it contradicts is dropped unpaid. The tree pays both quotes.
	Replicas int `toml:"replicas"`
}

// DefaultPeer returns the default [peer] table: no delegation, peers
// served within the default bounds.
func DefaultPeer() Peer {
	return Peer{MaxChildren: DefaultPeerMaxChildren, MaxChildrenPerNode: DefaultPeerMaxChildrenPerNode, PerCall: DefaultPeerPerCall, Replicas: 1}
}

func (c *Config) validatePeer() error {
	fail := func(key string, value any, rule string) error {
		return fmt.Errorf("%s: %s %v: %s", FileName, key, value, rule)
	}
	p := c.Peer
	switch {
	case p.MaxChildren < 1 || p.MaxChildren > MaxPeerChildren:
		return fail("peer.max_children", p.MaxChildren, fmt.Sprintf("must be 1 to %d", MaxPeerChildren))
	case p.Replicas < 1 || p.Replicas > 2:
		return fail("peer.replicas", p.Replicas, "must be 1 or 2")
	case p.MaxChildrenPerNode < 1 || p.MaxChildrenPerNode > p.MaxChildren:
		return fail("peer.max_children_per_node", p.MaxChildrenPerNode, fmt.Sprintf("must be 1 to peer.max_children %d", p.MaxChildren))
	}
	if err := checkAmount(p.PerCall); err != nil {
		return fail("peer.per_call", int64(p.PerCall), err.Error())
	}
	for i, k := range c.ExcludePackages {
		if id, err := spec.ParseID(k); err != nil || id.String() != k {
			return fail(fmt.Sprintf("exclude_packages[%d]", i), strconv.Quote(k), "must be a package id of 64 lowercase hex digits")
		}
		if slices.Contains(c.ExcludePackages[:i], k) {
			return fail(fmt.Sprintf("exclude_packages[%d]", i), strconv.Quote(k), "listed twice")
		}
	}
	return nil
}

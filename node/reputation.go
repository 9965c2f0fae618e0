package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// ownReputation returns the operator's reputation in the skill at
// skillPath, as the accepted reputation root proves it, and the proof a
// bid carries; (nil, nil) when the node has no miner_url, no root is
// accepted yet, or the operator has no reputation in the skill. The
// miner's answer is verified against the accepted root
// (client.VerifiedReputation), which the node read with a state proof
// once for its cycle (acceptedRoot).
func (n *Node) ownReputation(ctx context.Context, skillPath string) (*big.Int, *ledgerpb.ReputationProof, error) {
	if n.cfg.MinerURL == "" {
		return nil, nil, nil
	}
	root, ok, err := n.acceptedRoot(ctx)
	if err != nil || !ok {
		return nil, nil, err
	}
	sk, err := n.query.Skill(ctx, skillPath)
	if err != nil {
		return nil, nil, fmt.Errorf("skill %s: %w", skillPath, err)
	}
	mc, err := proofapi.NewClient(n.cfg.MinerURL)
	if err != nil {
		return nil, nil, err
	}
	mc.HTTP = n.http
	rep, err := client.VerifiedReputation(ctx, mc, root, n.opAddr, sk.GetId())
	if err != nil {
		return nil, nil, fmt.Errorf("miner %s: %w", n.cfg.MinerURL, err)
	}
	leaf, proof, ok, err := rep.Proof(sk.GetId())
	if err != nil || !ok {
		return nil, nil, err
	}
	return leaf.Reputation, proof, nil
}

// acceptedRoot returns the accepted reputation root, read with a state
// proof (client.AcceptedRoot) once per accepted root: the unproven
// query.ReputationRoot only tells the node whether the root it proved
// is still the latest, so that a bid does not wait a block for a proof.
// It returns false when no root is accepted yet.
func (n *Node) acceptedRoot(ctx context.Context) (proofapi.Root, bool, error) {
	rr, err := n.query.ReputationRoot(ctx)
	if errors.Is(err, query.ErrNotFound) {
		return proofapi.Root{}, false, nil
	}
	if err != nil {
		return proofapi.Root{}, false, err
	}
	cached := n.provenRoot.get()
	if cached != nil && cached.Cycle == rr.GetCycle() && string(cached.Root[:]) == string(rr.GetRoot()) {
		return *cached, true, nil
	}
	root, ok, err := n.query.AcceptedRoot(ctx)
	if err != nil || !ok {
		return root, ok, err
	}
	n.provenRoot.put(root)
	return root, true, nil
}

// rootCache holds the accepted reputation root the node last read with a
// proof. Its methods are safe for concurrent use.
type rootCache struct {
	mu   sync.Mutex
	root *proofapi.Root
}

// get returns the cached root, nil if none.
func (c *rootCache) get() *proofapi.Root {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.root
}

func (c *rootCache) put(r proofapi.Root) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.root = &r
}

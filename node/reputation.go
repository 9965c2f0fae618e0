package node

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// ownReputation returns the operator's reputation in the skill at
// skillPath, as the accepted reputation root proves it, and the proof a
// bid carries; (nil, nil) when the node has no miner_url, no root is
// accepted yet, or the operator has no reputation in the skill. It reads
// it the one way the SDK does (client.ProvenReputation): the accepted root
// with a state proof, the miner's answer verified against it.
func (n *Node) ownReputation(ctx context.Context, skillPath string) (*big.Int, *ledgerpb.ReputationProof, error) {
	if n.cfg.MinerURL == "" {
		return nil, nil, nil
	}
	sk, err := n.query.Skill(ctx, skillPath)
	if err != nil {
		return nil, nil, fmt.Errorf("skill %s: %w", skillPath, err)
	}
	mc, err := repproof.NewClient(n.cfg.MinerURL)
	if err != nil {
		return nil, nil, err
	}
	mc.HTTP = n.http
	rep, err := n.query.ProvenReputation(ctx, mc, n.opAddr, sk.GetId())
	if errors.Is(err, client.ErrNoAcceptedRoot) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("miner %s: %w", n.cfg.MinerURL, err)
	}
	leaf, proof, ok, err := rep.Proof(sk.GetId())
	if err != nil || !ok {
		return nil, nil, err
	}
	return leaf.Reputation, proof, nil
}

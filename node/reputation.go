package node

import (
	"context"
	"fmt"
	"math/big"
	"net/http"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// provenReputation is the operator's reputation in one skill, proven
// against one accepted root.
type provenReputation struct {
	cycle uint64
	value *big.Int
	proof *ledgerpb.ReputationProof
}

// ownReputation returns the operator's reputation in the skill at
// skillPath, as the accepted reputation root proves it, and the proof a
// bid carries; (nil, nil) when the node has no miner_url, no root is
// accepted yet, or the operator has no reputation in the skill. The
// miner's answer is not trusted: it is verified against the root the
// chain accepted before the node uses it. Results are cached per
// accepted cycle and skill.
func (n *Node) ownReputation(ctx context.Context, skillPath string) (*big.Int, *ledgerpb.ReputationProof, error) {
	if n.cfg.MinerURL == "" {
		return nil, nil, nil
	}
	rr, err := n.query.ReputationRoot(ctx)
	if err != nil {
		return nil, nil, nil // no root accepted yet
	}
	root, err := proofapi.RootFromProto(rr)
	if err != nil {
		return nil, nil, err
	}
	sk, err := n.query.Skill(ctx, skillPath)
	if err != nil {
		return nil, nil, fmt.Errorf("skill %s: %w", skillPath, err)
	}
	n.mu.Lock()
	c, ok := n.reputation[sk.GetId()]
	n.mu.Unlock()
	if ok && c.cycle == root.Cycle {
		return c.value, c.proof, nil
	}
	mc, err := proofapi.NewClient(n.cfg.MinerURL)
	if err != nil {
		return nil, nil, err
	}
	mc.HTTP = n.http
	resp, err := mc.Reputation(ctx, n.opAddr, sk.GetId())
	if err != nil {
		if proofapi.IsStatus(err, http.StatusNotFound) {
			n.cacheReputation(sk.GetId(), provenReputation{cycle: root.Cycle})
			return nil, nil, nil
		}
		return nil, nil, fmt.Errorf("miner %s: %w", n.cfg.MinerURL, err)
	}
	leaves, err := proofapi.VerifyReputation(resp, root, n.opAddr)
	if err != nil {
		return nil, nil, fmt.Errorf("miner %s: %w", n.cfg.MinerURL, err)
	}
	for i, l := range leaves {
		if l.Skill != sk.GetId() {
			continue
		}
		p, err := resp.Leaves[i].Proto(n.opAddr)
		if err != nil {
			return nil, nil, err
		}
		n.cacheReputation(sk.GetId(), provenReputation{cycle: root.Cycle, value: l.Reputation, proof: p})
		return l.Reputation, p, nil
	}
	n.cacheReputation(sk.GetId(), provenReputation{cycle: root.Cycle})
	return nil, nil, nil
}

func (n *Node) cacheReputation(skill uint64, p provenReputation) {
	n.mu.Lock()
	n.reputation[skill] = p
	n.mu.Unlock()
}

package miner

import (
	"encoding/hex"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/miner/proofapi"
	"github.com/celltonomy/celltonomy/reputation"
)

// Info returns c's root as the JSON of GET /v1/root.
func (c *Cycle) Info() *proofapi.RootInfo {
	return &proofapi.RootInfo{Cycle: c.Cycle, Root: hex0x(c.Root[:]), NLeaves: c.NLeaves, JRH: hex0x(c.JRH[:])}
}

// NewReputationResponse proves user's leaves in the network colony in the
// state of c: one per skill of skills the user has a leaf in, in the
// order of skills.
func NewReputationResponse(c *Cycle, user address.Address, skills []SkillInfo) *proofapi.ReputationResponse {
	colony := NetworkColony()
	resp := &proofapi.ReputationResponse{Cycle: c.Cycle, Root: hex0x(c.Root[:]), Colony: hex0x(colony[:]), User: user.String(), Leaves: []proofapi.LeafProof{}}
	for _, s := range skills {
		leaf, proof, ok := c.State.Prove(userKey(user, s.ID))
		if !ok {
			continue
		}
		v, err := reputation.LeafValue(leaf.Reputation, leaf.UID)
		if err != nil {
			continue // a State holds only values in range
		}
		lp := proofapi.LeafProof{
			Skill: s.ID, Path: s.Path, UID: leaf.UID, Amount: leaf.Reputation.String(), Value: hex0x(v[:]),
			BranchMask: hex0x(proof.BranchMask[:]), Siblings: make([]string, len(proof.Siblings)),
		}
		for i, h := range proof.Siblings {
			lp.Siblings[i] = hex0x(h[:])
		}
		resp.Leaves = append(resp.Leaves, lp)
	}
	return resp
}

// hex0x returns b as 0x and lowercase hex digits.
func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

package reputation

import (
	"bytes"
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	colonyrep "github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// MaxProofSiblings bounds the siblings of a reputation proof: one per bit
// of a 256-bit path.
const MaxProofSiblings = 256

// ValidateProof checks the shape of a reputation proof without state:
// a 20-byte colony and user, a 64-byte value, a 32-byte branch mask and
// at most MaxProofSiblings siblings of 32 bytes. It returns
// ErrInvalidProof naming field, the message field that holds the proof.
func ValidateProof(op, field string, p *ledgerpb.ReputationProof) error {
	switch {
	case len(p.Colony) != address.Size:
		return ErrInvalidProof.Errorf("%s: %s: colony: %d bytes, want %d", op, field, len(p.Colony), address.Size)
	case len(p.User) != address.Size:
		return ErrInvalidProof.Errorf("%s: %s: user: %d bytes, want %d", op, field, len(p.User), address.Size)
	case len(p.Value) != patricia.ValueSize:
		return ErrInvalidProof.Errorf("%s: %s: value: %d bytes, want %d", op, field, len(p.Value), patricia.ValueSize)
	case len(p.BranchMask) != 32:
		return ErrInvalidProof.Errorf("%s: %s: branch_mask: %d bytes, want 32", op, field, len(p.BranchMask))
	case len(p.Siblings) > MaxProofSiblings:
		return ErrInvalidProof.Errorf("%s: %s: %d siblings, at most %d", op, field, len(p.Siblings), MaxProofSiblings)
	}
	for i, s := range p.Siblings {
		if len(s) != 32 {
			return ErrInvalidProof.Errorf("%s: %s: siblings[%d]: %d bytes, want 32", op, field, i, len(s))
		}
	}
	return nil
}

// ProvenReputation checks a reputation proof of user's reputation in
// skill of colony against the latest accepted root (reputation.md:
// "Anyone can prove their reputation against the accepted root with
// (key, value, branchMask, siblings)") and returns the proven reputation,
// the first 32 bytes of the value as a uint256. The key is colony (20) ‖
// uint256 skill (32) ‖ user (20); the leaf's path is its keccak256 and
// its node hash the keccak256 of the value (patricia.Verify). Errors:
// ErrNoRoot before the first accepted root; ErrInvalidProof for a
// malformed proof, one for another colony, skill or user, or one that
// does not verify.
func (k Keeper) ProvenReputation(st store.KVStore, op, field string, p *ledgerpb.ReputationProof, colony, user address.Address, skill uint64) (*big.Int, error) {
	if err := ValidateProof(op, field, p); err != nil {
		return nil, err
	}
	if !bytes.Equal(p.Colony, colony.Bytes()) || !bytes.Equal(p.User, user.Bytes()) || p.Skill != skill {
		return nil, ErrInvalidProof.Errorf("%s: %s: proves skill %d of user %x in colony %x; want skill %d of %s in colony %x",
			op, field, p.Skill, p.User, p.Colony, skill, user, colony.Bytes())
	}
	root := k.AcceptedRoot(st)
	if root == nil {
		return nil, ErrNoRoot.Errorf("%s: %s: no reputation root has been accepted yet", op, field)
	}
	kb := colonyrep.Key{Colony: colonyrep.Address(colony), Skill: skill, User: colonyrep.Address(user)}.Bytes()
	var v patricia.Value
	copy(v[:], p.Value)
	proof := patricia.Proof{Siblings: make([]patricia.Hash, len(p.Siblings))}
	copy(proof.BranchMask[:], p.BranchMask)
	for i, s := range p.Siblings {
		copy(proof.Siblings[i][:], s)
	}
	if !patricia.Verify(patricia.Hash(root.Root), patricia.HashKey(kb[:]), &v, proof) {
		return nil, ErrInvalidProof.Errorf("%s: %s: does not verify against the reputation root of cycle %d", op, field, root.Cycle)
	}
	return new(big.Int).SetBytes(p.Value[:32]), nil
}

// EncodeReputation returns a proven reputation as stored in a bid or a
// verifier: 32 bytes big-endian (a uint256); empty for nil.
func EncodeReputation(r *big.Int) []byte {
	if r == nil {
		return nil
	}
	return r.FillBytes(make([]byte, 32))
}

// DecodeReputation is the inverse of EncodeReputation: empty is 0.
func DecodeReputation(b []byte) *big.Int { return new(big.Int).SetBytes(b) }

package proofapi

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
	"github.com/celltonomy/celltonomy/reputation/patricia"
)

// ErrProof is wrapped by VerifyReputation's error when an answer does not
// prove what it claims against the accepted root.
var ErrProof = errors.New("reputation proof does not verify")

// ReputationResponse is the reply of GET /v1/reputation/{address}: a
// user's leaves in the network colony with their proofs against the
// accepted reputation root of Cycle.
type ReputationResponse struct {
	// Cycle is the accepted cycle whose state the leaves are from.
	Cycle uint64 `json:"cycle"`
	// Root is the accepted reputation root of Cycle, 0x and 64 hex digits.
	Root string `json:"root"`
	// Colony is the network colony, 0x and 40 hex digits.
	Colony string `json:"colony"`
	// User is the user's address, bech32 "cell1…".
	User string `json:"user"`
	// Leaves are the user's leaves, by skill id; empty when the user has
	// no reputation yet.
	Leaves []LeafProof `json:"leaves"`
}

// LeafProof is one leaf of the reputation tree and its Merkle proof
// (reputation.md: "Anyone can prove their reputation against the accepted
// root with (key, value, branchMask, siblings)"); the key is the
// response's colony, Skill and the response's user.
type LeafProof struct {
	// Skill is the skill id; Path its name, informative only (not proven).
	Skill uint64 `json:"skill"`
	Path  string `json:"path,omitempty"`
	// UID is the leaf's UID.
	UID uint64 `json:"uid"`
	// Amount is the reputation, a decimal integer.
	Amount string `json:"amount"`
	// Value is the leaf value, 0x and 128 hex digits: reputation (uint256)
	// ‖ uid (uint256).
	Value string `json:"value"`
	// BranchMask is the proof's branch mask, 0x and 64 hex digits.
	BranchMask string `json:"branch_mask"`
	// Siblings are the proof's siblings from the root down, 0x and 64 hex
	// digits each.
	Siblings []string `json:"siblings"`
}

// RootsResponse is the reply of GET /v1/root.
type RootsResponse struct {
	// Latest is the miner's latest computed cycle; absent before the
	// first cycle froze.
	Latest *RootInfo `json:"latest,omitempty"`
	// Accepted is the latest root accepted on chain; absent before the
	// first acceptance.
	Accepted *RootInfo `json:"accepted,omitempty"`
	// Agrees says whether the miner's own root of the accepted cycle is
	// the accepted one; absent when it has not computed that cycle.
	Agrees *bool `json:"agrees,omitempty"`
}

// RootInfo describes the reputation root of one cycle.
type RootInfo struct {
	Cycle uint64 `json:"cycle"`
	// Root and JRH are 0x and 64 hex digits.
	Root    string `json:"root"`
	NLeaves uint64 `json:"n_leaves"`
	JRH     string `json:"jrh"`
	// AcceptedHeight is the height at which the chain accepted the root;
	// absent for a computed root.
	AcceptedHeight int64 `json:"accepted_height,omitempty"`
}

// Root is a reputation root accepted on chain: the state after replaying
// cycles 0 … Cycle.
type Root struct {
	Cycle   uint64
	Root    patricia.Hash
	NLeaves uint64
	JRH     patricia.Hash
	// Height is the height of the block that accepted it.
	Height int64
}

// RootFromProto converts the ledger's ReputationRoot. Errors: a root or
// JRH that is not 32 bytes.
func RootFromProto(r *ledgerpb.ReputationRoot) (Root, error) {
	out := Root{Cycle: r.GetCycle(), NLeaves: r.GetNLeaves(), Height: r.GetAcceptedHeight()}
	if len(r.GetRoot()) != 32 || len(r.GetJrh()) != 32 {
		return Root{}, fmt.Errorf("reputation root of cycle %d: root and jrh must be 32 bytes, got %d and %d", r.GetCycle(), len(r.GetRoot()), len(r.GetJrh()))
	}
	copy(out.Root[:], r.GetRoot())
	copy(out.JRH[:], r.GetJrh())
	return out, nil
}

// Info returns r as the JSON of GET /v1/root.
func (r Root) Info() *RootInfo {
	return &RootInfo{Cycle: r.Cycle, Root: hex0x(r.Root[:]), NLeaves: r.NLeaves, JRH: hex0x(r.JRH[:]), AcceptedHeight: r.Height}
}

// VerifiedLeaf is a leaf whose proof verified.
type VerifiedLeaf struct {
	Skill uint64
	// Path is the answer's skill path, not proven.
	Path       string
	UID        uint64
	Reputation *big.Int
}

// VerifyReputation checks an answer of GET /v1/reputation/{address} for
// user against the root accepted on chain: the answer's cycle and root are
// the accepted ones, its colony the network colony and its user user, and
// every leaf's value holds its amount and UID and is proven by its branch
// mask and siblings at the key (network colony, skill, user). It returns
// the leaves in the answer's order. Errors wrap ErrProof, naming the first
// thing that does not hold; a malformed field is an error too.
func VerifyReputation(resp *ReputationResponse, accepted Root, user address.Address) ([]VerifiedLeaf, error) {
	if resp.Cycle != accepted.Cycle {
		return nil, fmt.Errorf("%w: the answer is of cycle %d, the accepted root of cycle %d", ErrProof, resp.Cycle, accepted.Cycle)
	}
	root, err := parseHash(resp.Root)
	if err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	if root != accepted.Root {
		return nil, fmt.Errorf("%w: the answer's root %s is not the accepted root %s", ErrProof, resp.Root, hex0x(accepted.Root[:]))
	}
	colony := networkColony()
	if resp.Colony != "" {
		c, err := ParseAddress(resp.Colony)
		if err != nil {
			return nil, fmt.Errorf("colony: %w", err)
		}
		if reputation.Address(c) != colony {
			return nil, fmt.Errorf("%w: colony %s is not the network colony %s", ErrProof, resp.Colony, hex0x(colony[:]))
		}
	}
	if resp.User != "" {
		u, err := ParseAddress(resp.User)
		if err != nil {
			return nil, fmt.Errorf("user: %w", err)
		}
		if u != user {
			return nil, fmt.Errorf("%w: the answer is about %s, not %s", ErrProof, u, user)
		}
	}
	out := make([]VerifiedLeaf, 0, len(resp.Leaves))
	seen := map[uint64]bool{}
	for i, lp := range resp.Leaves {
		v, err := verifyLeaf(lp, root, user)
		if err != nil {
			return nil, fmt.Errorf("leaves[%d] (skill %d): %w", i, lp.Skill, err)
		}
		if seen[lp.Skill] {
			return nil, fmt.Errorf("leaves[%d]: %w: skill %d appears twice", i, ErrProof, lp.Skill)
		}
		seen[lp.Skill] = true
		out = append(out, v)
	}
	return out, nil
}

func verifyLeaf(lp LeafProof, root patricia.Hash, user address.Address) (VerifiedLeaf, error) {
	raw, err := parseHex(lp.Value, patricia.ValueSize)
	if err != nil {
		return VerifiedLeaf{}, fmt.Errorf("value: %w", err)
	}
	var value patricia.Value
	copy(value[:], raw)
	rep := new(big.Int).SetBytes(value[:32])
	uid := new(big.Int).SetBytes(value[32:])
	amount, ok := new(big.Int).SetString(lp.Amount, 10)
	if !ok {
		return VerifiedLeaf{}, fmt.Errorf("amount %q: not a decimal integer", lp.Amount)
	}
	if amount.Cmp(rep) != 0 {
		return VerifiedLeaf{}, fmt.Errorf("%w: amount %s, but the value holds %s", ErrProof, lp.Amount, rep)
	}
	if !uid.IsUint64() || uid.Uint64() != lp.UID {
		return VerifiedLeaf{}, fmt.Errorf("%w: uid %d, but the value holds %s", ErrProof, lp.UID, uid)
	}
	if rep.Cmp(reputation.MaxAmount()) > 0 {
		return VerifiedLeaf{}, fmt.Errorf("%w: reputation %s above 2^127 − 1", ErrProof, rep)
	}
	mask, err := parseHex(lp.BranchMask, 32)
	if err != nil {
		return VerifiedLeaf{}, fmt.Errorf("branch_mask: %w", err)
	}
	var proof patricia.Proof
	copy(proof.BranchMask[:], mask)
	for j, s := range lp.Siblings {
		h, err := parseHash(s)
		if err != nil {
			return VerifiedLeaf{}, fmt.Errorf("siblings[%d]: %w", j, err)
		}
		proof.Siblings = append(proof.Siblings, h)
	}
	leaf := reputation.Leaf{UID: lp.UID, Key: userKey(user, lp.Skill), Reputation: rep}
	if !reputation.Verify(root, leaf, proof) {
		return VerifiedLeaf{}, fmt.Errorf("%w: the proof does not lead to the accepted root", ErrProof)
	}
	return VerifiedLeaf{Skill: lp.Skill, Path: lp.Path, UID: lp.UID, Reputation: rep}, nil
}

// Proto returns the leaf as the ledger's ReputationProof of user in the
// network colony, the form a transaction carries it in. It checks only
// the form: verify the answer first. Errors: a value, branch mask or
// sibling that is not hex of the right length.
func (lp LeafProof) Proto(user address.Address) (*ledgerpb.ReputationProof, error) {
	colony := networkColony()
	value, err := parseHex(lp.Value, patricia.ValueSize)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	mask, err := parseHex(lp.BranchMask, 32)
	if err != nil {
		return nil, fmt.Errorf("branch_mask: %w", err)
	}
	p := &ledgerpb.ReputationProof{Colony: colony[:], Skill: lp.Skill, User: user.Bytes(), Value: value, BranchMask: mask}
	for i, s := range lp.Siblings {
		h, err := parseHex(s, 32)
		if err != nil {
			return nil, fmt.Errorf("siblings[%d]: %w", i, err)
		}
		p.Siblings = append(p.Siblings, h)
	}
	return p, nil
}

// ParseAddress parses a 20-byte address written as bech32 "cell1…"
// (ledger/address.Parse) or as "0x" and 40 hex digits.
func ParseAddress(s string) (address.Address, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		b, err := parseHex(s, address.Size)
		if err != nil {
			return address.Address{}, fmt.Errorf("address %q: %w", s, err)
		}
		return address.FromBytes(b)
	}
	return address.Parse(s)
}

// hex0x returns b as 0x and lowercase hex digits.
func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }

// parseHex decodes 0x-prefixed (or bare) hex of exactly n bytes.
func parseHex(s string, n int) ([]byte, error) {
	t := strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(t)
	if err != nil {
		return nil, fmt.Errorf("%q: not hex: %w", s, err)
	}
	if len(b) != n {
		return nil, fmt.Errorf("%q: want %d bytes, got %d", s, n, len(b))
	}
	return b, nil
}

func parseHash(s string) (patricia.Hash, error) {
	var h patricia.Hash
	b, err := parseHex(s, len(h))
	if err != nil {
		return h, err
	}
	copy(h[:], b)
	return h, nil
}

// networkColony returns the network colony's address as a reputation key
// holds it (ledger/reputation.NetworkColony).
func networkColony() reputation.Address { return reputation.Address(ledgerrep.NetworkColony()) }

// userKey returns the key of user's reputation in skill of the network
// colony.
func userKey(user address.Address, skill uint64) reputation.Key {
	return reputation.Key{Colony: networkColony(), Skill: skill, User: reputation.Address(user)}
}

package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// AcceptedRoot returns the latest reputation root the chain accepted (the
// record query.ReputationRoot also serves), read with QueryStore: proven
// against the app hash. It returns false when none is accepted yet.
// Errors: those of QueryStore, a record that does not decode.
func (c *Client) AcceptedRoot(ctx context.Context) (proofapi.Root, bool, error) {
	b, _, err := c.QueryStore(ctx, ledgerrep.RootKey())
	if err != nil || b == nil {
		return proofapi.Root{}, false, err
	}
	var res ledgerpb.ReputationRoot
	if err := proto.Unmarshal(b, &res); err != nil {
		return proofapi.Root{}, false, fmt.Errorf("accepted root: %w", err)
	}
	r, err := proofapi.RootFromProto(&res)
	return r, err == nil, err
}

// ErrNoAcceptedRoot is returned by ProvenReputation when the chain has
// accepted no reputation root yet.
var ErrNoAcceptedRoot = errors.New("no reputation root has been accepted on chain yet")

// ReputationSource is the part of a reputation miner's proof API a proven
// read needs (*proofapi.Client). Its answers are not trusted.
type ReputationSource interface {
	Reputation(ctx context.Context, user address.Address, skill uint64) (*proofapi.ReputationResponse, error)
}

// ProvenReputation is a user's reputation as a miner reported it, checked
// against the root the chain accepted.
type ProvenReputation struct {
	// Root is the accepted root the answer was checked against.
	Root proofapi.Root
	// User is whose reputation it is.
	User address.Address
	// Leaves are the user's verified leaves, in the miner's order; empty
	// when the miner knows no leaf of the user (in the skill asked).
	Leaves []proofapi.VerifiedLeaf
	// Response is the miner's answer, whose leaf proofs a transaction
	// carries (Proof).
	Response *proofapi.ReputationResponse
}

// Proof returns the verified leaf of skill and its proof as a transaction
// carries it (a bid, a domain vote), and false when the user has no
// verified leaf in skill.
func (p ProvenReputation) Proof(skill uint64) (proofapi.VerifiedLeaf, *ledgerpb.ReputationProof, bool, error) {
	for i, l := range p.Leaves {
		if l.Skill != skill {
			continue
		}
		pr, err := p.Response.Leaves[i].Proto(p.User)
		if err != nil {
			return proofapi.VerifiedLeaf{}, nil, false, err
		}
		return l, pr, true, nil
	}
	return proofapi.VerifiedLeaf{}, nil, false, nil
}

// ProvenReputation reads the accepted reputation root with a proof
// (AcceptedRoot) and returns VerifiedReputation against it: the one way
// the SDK reads a reputation. An answer that does not verify is asked
// again with the root read again, up to provenAttempts times, because a
// root accepted between the two reads makes an honest miner's answer newer
// than the root first read. Errors: ErrNoAcceptedRoot; a failed proven
// read (ErrProof, ErrHeader); those of VerifiedReputation.
func (c *Client) ProvenReputation(ctx context.Context, miner ReputationSource, user address.Address, skill uint64) (ProvenReputation, error) {
	for attempt := 1; ; attempt++ {
		root, ok, err := c.AcceptedRoot(ctx)
		if err != nil {
			return ProvenReputation{}, fmt.Errorf("accepted root: %w", err)
		}
		if !ok {
			return ProvenReputation{}, ErrNoAcceptedRoot
		}
		p, err := VerifiedReputation(ctx, miner, root, user, skill)
		if err == nil || !errors.Is(err, proofapi.ErrProof) || attempt == provenAttempts {
			return p, err
		}
		// A root accepted between the two reads: the miner, which
		// follows the chain, already answers from it. Read the root
		// again, a block later.
		select {
		case <-ctx.Done():
			return p, err
		case <-time.After(provenRetryDelay):
		}
	}
}

// ReputationProof returns user's proof of its reputation in skill, for
// a transaction that carries one (a gov vote, a domain vote): the miner's
// answer verified against the accepted root (ProvenReputation), and false
// when user has no verified leaf in skill. Errors: those of
// ProvenReputation and of ProvenReputation.Proof.
func (c *Client) ReputationProof(ctx context.Context, miner ReputationSource, user address.Address, skill uint64) (*ledgerpb.ReputationProof, bool, error) {
	rep, err := c.ProvenReputation(ctx, miner, user, skill)
	if err != nil {
		return nil, false, err
	}
	_, proof, ok, err := rep.Proof(skill)
	return proof, ok, err
}

// provenAttempts bounds how often ProvenReputation reads the accepted root
// again when the miner's answer does not verify against it, and
// provenRetryDelay is the wait between (about a block of the devnet).
const (
	provenAttempts   = 3
	provenRetryDelay = 300 * time.Millisecond
)

// VerifiedReputation asks miner for user's leaves (in skill; 0: every
// skill) and verifies them against root, an accepted root the caller read
// with a proof (AcceptedRoot; a daemon keeps it for the cycle):
// proofapi.VerifyReputation. A miner that answers 404 (it knows no leaf)
// gives no leaves and no error. Errors: the miner's error; an answer that
// does not verify (wrapping proofapi.ErrProof, naming the root's cycle).
func VerifiedReputation(ctx context.Context, miner ReputationSource, root proofapi.Root, user address.Address, skill uint64) (ProvenReputation, error) {
	p := ProvenReputation{Root: root, User: user}
	resp, err := miner.Reputation(ctx, user, skill)
	if err != nil {
		if proofapi.IsStatus(err, http.StatusNotFound) {
			return p, nil
		}
		return p, fmt.Errorf("miner: %w", err)
	}
	leaves, err := proofapi.VerifyReputation(resp, root, user)
	if err != nil {
		return p, fmt.Errorf("the miner's answer does not check out against the accepted root of cycle %d: %w", root.Cycle, err)
	}
	p.Leaves, p.Response = leaves, resp
	return p, nil
}

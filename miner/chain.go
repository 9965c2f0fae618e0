package miner

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"iter"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	ledgerrep "github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/reputation"
)

// Chain is what the miner needs from the ledger: the Source of the
// replay, the mining status (with the claims and the challenges of the
// current round), its miner record, the params, and a way to send its
// transactions. The miner implements it over the CometBFT RPC of
// Options.ChainRPC; tests use a fake.
type Chain interface {
	Source
	// Mining returns the mining status (query.Mining): the cycle being
	// mined, its window, submissions and claims, and while they are
	// challenged the round and its challenges.
	Mining(ctx context.Context) (*ledgerpb.MiningStatus, error)
	// Miner returns the record of miner (its stake in ucell and the
	// height it first staked at), nil when it has no stake.
	Miner(ctx context.Context, miner address.Address) (*ledgerpb.Miner, error)
	// Params returns the chain's params (query.Params).
	Params(ctx context.Context) (*ledgerpb.Params, error)
	// Send signs msgs with the miner's key, broadcasts them in one
	// transaction and waits for its commit; a transaction that failed in
	// its block is an error.
	Send(ctx context.Context, msgs ...*ledgerpb.Msg) (client.TxResult, error)
}

// rpcChain is the Chain of a node's CometBFT RPC.
type rpcChain struct {
	c   *client.Client
	key ed25519.PrivateKey
	// sender signs and sends the miner's transactions; nil until the
	// miner learned the chain id (Miner.tryConnect).
	sender *client.Sender
}

// newChain returns the Chain of the node c talks to; key signs its
// transactions.
func newChain(c *client.Client, key ed25519.PrivateKey) *rpcChain { return &rpcChain{c: c, key: key} }

func (r *rpcChain) Skills(ctx context.Context) ([]*ledgerpb.Skill, error) {
	return client.All(r.c.Skills(ctx))
}

func (r *rpcChain) Log(ctx context.Context, cycle uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error] {
	return r.c.ReputationLog(ctx, cycle, 0)
}

func (r *rpcChain) Decay(ctx context.Context) (reputation.Params, error) {
	p, err := r.Params(ctx)
	if err != nil {
		return reputation.Params{}, err
	}
	return reputation.Params{DecayNumerator: p.GetDecayNumerator(), DecayDenominator: p.GetDecayDenominator()}, nil
}

func (r *rpcChain) Mining(ctx context.Context) (*ledgerpb.MiningStatus, error) {
	return r.c.Mining(ctx)
}

// Miner reads the miner's record from the state, proven against the app
// hash (client.QueryStore): no record is no stake.
func (r *rpcChain) Miner(ctx context.Context, miner address.Address) (*ledgerpb.Miner, error) {
	b, _, err := r.c.QueryStore(ctx, ledgerrep.MinerKey(miner))
	if err != nil || b == nil {
		return nil, err
	}
	res := &ledgerpb.Miner{}
	if err := proto.Unmarshal(b, res); err != nil {
		return nil, fmt.Errorf("miner %s: %w", miner, err)
	}
	return res, nil
}

func (r *rpcChain) Params(ctx context.Context) (*ledgerpb.Params, error) { return r.c.Params(ctx) }

func (r *rpcChain) Send(ctx context.Context, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	if r.sender == nil {
		return client.TxResult{}, errors.New("miner: not connected to the chain yet")
	}
	return r.sender.Send(ctx, client.WaitCommit, msgs...)
}

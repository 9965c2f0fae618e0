package miner

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
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
	// Mining returns the mining status ("reputation/mining"): the cycle
	// being mined, its window, submissions and claims, and while they are
	// challenged the round and its challenges.
	Mining(ctx context.Context) (*ledgerpb.MiningStatus, error)
	// Miner returns the record of miner (its stake in ucell and the
	// height it first staked at), nil when it has no stake
	// ("reputation/miner").
	Miner(ctx context.Context, miner address.Address) (*ledgerpb.Miner, error)
	// Params returns the chain's params ("params").
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

func (r *rpcChain) query(ctx context.Context, path string, data []byte, reply proto.Message) error {
	b, err := r.c.QueryApp(ctx, path, data)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(b, reply); err != nil {
		return fmt.Errorf("query %s: %w", path, err)
	}
	return nil
}

func (r *rpcChain) Skills(ctx context.Context) ([]*ledgerpb.Skill, error) {
	return repproof.FetchSkills(ctx, r.c)
}

func (r *rpcChain) LogPage(ctx context.Context, cycle, start uint64) (*ledgerpb.ReputationLogResponse, error) {
	data := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, cycle), start)
	res := &ledgerpb.ReputationLogResponse{}
	return res, r.query(ctx, app.PathReputationLog, data, res)
}

func (r *rpcChain) Decay(ctx context.Context) (reputation.Params, error) {
	p, err := r.Params(ctx)
	if err != nil {
		return reputation.Params{}, err
	}
	return reputation.Params{DecayNumerator: p.GetDecayNumerator(), DecayDenominator: p.GetDecayDenominator()}, nil
}

func (r *rpcChain) Mining(ctx context.Context) (*ledgerpb.MiningStatus, error) {
	res := &ledgerpb.MiningStatus{}
	return res, r.query(ctx, app.PathMining, nil, res)
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

func (r *rpcChain) Params(ctx context.Context) (*ledgerpb.Params, error) {
	res := &ledgerpb.Params{}
	return res, r.query(ctx, app.PathParams, nil, res)
}

func (r *rpcChain) Send(ctx context.Context, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	if r.sender == nil {
		return client.TxResult{}, errors.New("miner: not connected to the chain yet")
	}
	return r.sender.Send(ctx, client.WaitCommit, msgs...)
}

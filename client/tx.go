package client

import (
	"context"
	"crypto/ed25519"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// BuildTx signs a transaction of msgs for priv with the given sequence
// number and fee (ucell), for chainID.
func BuildTx(priv ed25519.PrivateKey, chainID string, sequence, fee uint64, memo string, msgs ...*ledgerpb.Msg) ([]byte, error) {
	return tx.Sign(priv, &ledgerpb.TxBody{Messages: msgs, Sequence: sequence, Fee: fee, ChainId: chainID, Memo: memo})
}

// Account returns the account at addr from the latest committed state (not
// proven: it serves to pick the next sequence number). A fresh account is
// returned with sequence 0.
func (c *Client) Account(ctx context.Context, addr address.Address) (*ledgerpb.Account, error) {
	v, _, err := c.queryLatest(ctx, auth.AccountKey(addr))
	if err != nil {
		return nil, err
	}
	acc := &ledgerpb.Account{}
	if v != nil {
		if err := proto.Unmarshal(v, acc); err != nil {
			return nil, fmt.Errorf("account %s: %w", addr, err)
		}
	}
	return acc, nil
}

// queryLatest reads a raw key at the latest committed state without proof.
func (c *Client) queryLatest(ctx context.Context, key []byte) ([]byte, int64, error) {
	r, err := c.rpc.ABCIQuery(ctx, "store", key)
	if err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	if r.Response.Code != 0 {
		return nil, 0, fmt.Errorf("query: %s", r.Response.Log)
	}
	return r.Response.Value, r.Response.Height, nil
}

// Send signs msgs with priv at the account's next sequence number, pays fee
// (ucell), broadcasts and waits for the commit.
func (c *Client) Send(ctx context.Context, priv ed25519.PrivateKey, chainID string, fee uint64, msgs ...*ledgerpb.Msg) (TxResult, error) {
	addr, err := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		return TxResult{}, err
	}
	acc, err := c.Account(ctx, addr)
	if err != nil {
		return TxResult{}, err
	}
	raw, err := BuildTx(priv, chainID, acc.GetSequence(), fee, "", msgs...)
	if err != nil {
		return TxResult{}, err
	}
	return c.Broadcast(ctx, raw, WaitCommit)
}

// Balance returns addr's balance in ucell, proven against the app hash, and
// the height of the state it was read at.
func (c *Client) Balance(ctx context.Context, addr address.Address) (uint64, int64, error) {
	v, h, err := c.QueryStore(ctx, bank.BalanceKey(addr))
	if err != nil || v == nil {
		return 0, h, err
	}
	n, err := bank.DecodeAmount(v)
	return n, h, err
}

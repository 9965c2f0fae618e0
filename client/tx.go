package client

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// BuildTx signs a transaction of msgs for priv with the given sequence
// number and fee (ucell), for chainID.
func BuildTx(priv ed25519.PrivateKey, chainID string, sequence, fee uint64, memo string, msgs ...*ledgerpb.Msg) ([]byte, error) {
	return tx.Sign(priv, &ledgerpb.TxBody{Messages: msgs, Sequence: sequence, Fee: fee, ChainId: chainID, Memo: memo})
}

// Send signs msgs with priv at the account's next sequence number, pays fee
// (ucell), simulates the transaction (Check), broadcasts it and waits for
// the commit. A transaction the simulation refuses is not broadcast: the
// error wraps ErrRefused and the ledger's code, and no fee is paid.
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
	if res, err := c.Check(ctx, raw); err != nil {
		return res, err
	}
	return c.Broadcast(ctx, raw, WaitCommit)
}

// ProvenBalance returns addr's balance in ucell, read with QueryStore
// (proven against the app hash), and the height of the state it was read
// at.
func (c *Client) ProvenBalance(ctx context.Context, addr address.Address) (uint64, int64, error) {
	v, h, err := c.QueryStore(ctx, bank.BalanceKey(addr))
	if err != nil || v == nil {
		return 0, h, err
	}
	n, err := bank.DecodeAmount(v)
	return n, h, err
}

// txHash is the hash CometBFT names a transaction by: the SHA-256 of its
// bytes.
func txHash(tx []byte) []byte {
	h := sha256.Sum256(tx)
	return h[:]
}

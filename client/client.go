// Package client is the Go SDK of Celltonomy: it talks to a node's CometBFT
// RPC to read the ledger through its typed queries, broadcast signed
// transactions and wait for them to commit, and read raw state with
// proofs checked against the app hash.
//
// Usage:
//
//	c, err := client.New("http://127.0.0.1:26657")
//	p, err := c.Params(ctx)                       // one method per query path (ledger/query)
//	for o, err := range c.Orders(ctx, client.OrdersFilter{Buyer: addr}) { … } // lists page by themselves
//	res, err := c.Broadcast(ctx, txBytes, client.WaitCommit)
//	v, h, err := c.QueryStore(ctx, bank.BalanceKey(addr)) // proven
//
// The typed queries trust the node; a refusal by the ledger is an error
// that errors.Is matches against the ledger's codes (query.ErrNotFound,
// …). Reads through QueryStore are verified: the node returns the value
// with an ICS-23 proof against the IAVL root of the latest state, at
// height h, and the client checks that proof against the app hash
// recorded in block h+1 (waiting for it, at most a block time), a header
// that CometBFT's light client verifies from a trust root (Trust,
// TrustRoot): a node that lies about the state must forge the commit
// signatures of the validators. Without a configured trust root the client
// trusts the node's latest header at its first proven read (trust on first
// use).
package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cometbft/cometbft/rpc/client"
	rpchttp "github.com/cometbft/cometbft/rpc/client/http"
	ctypes "github.com/cometbft/cometbft/rpc/core/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/schema"
)

// Client talks to one node.
type Client struct {
	rpc     *rpchttp.HTTP
	events  *event.Registry // schema.Events, to decode results
	height  int64           // the state the queries read (AtHeight); 0: the latest
	headers *verifier       // the light client behind proven reads, shared by AtHeight's copies
	// PollInterval is how often Broadcast polls for a committed transaction
	// (default 100 ms).
	PollInterval time.Duration
}

// New returns a client of the node whose CometBFT RPC is at addr, e.g.
// "http://127.0.0.1:26657".
func New(addr string) (*Client, error) {
	c, err := rpchttp.New(addr)
	if err != nil {
		return nil, fmt.Errorf("client %s: %w", addr, err)
	}
	return &Client{rpc: c, events: schema.Events(), headers: &verifier{}, PollInterval: 100 * time.Millisecond}, nil
}

// RPC returns the underlying CometBFT RPC client, for calls the SDK does not
// wrap.
func (c *Client) RPC() *rpchttp.HTTP { return c.rpc }

// Mode says how long Broadcast waits.
type Mode int

// Broadcast modes.
const (
	// WaitCheck returns once the node's CheckTx accepted or refused the
	// transaction (CometBFT's broadcast_tx_sync).
	WaitCheck Mode = iota
	// WaitCommit also waits until the transaction is in a committed block
	// and returns its result there.
	WaitCommit
)

// TxResult is the outcome of a broadcast transaction.
type TxResult struct {
	// Hash is the SHA-256 of the transaction bytes, as CometBFT names it.
	Hash []byte
	// Height is the block that holds it (0 in WaitCheck mode).
	Height int64
	// Code is 0 on success; Log names the failed rule otherwise.
	Code      uint32
	Codespace string
	Log       string
	// Events are the transaction's events (WaitCommit mode), decoded into
	// the ledger's event structs (see Events); find one with event.Find.
	Events []event.Typed
}

// refusal matches CometBFT's text of a transaction refused by CheckTx.
var refusal = regexp.MustCompile(`is invalid: code=(\d+), data=[0-9A-Fa-f]*, log='(.*)', codespace='([^']*)'`)

// ErrRefused is wrapped by the error of a transaction the ledger refused
// before it entered a block: by CheckTx (Broadcast) or by the simulation
// that comes before every broadcast (Check, Send, Sender.Send), which
// costs no fee. The same error wraps the ledger's code, so that
// errors.Is(err, bank.ErrInsufficientFunds) tells which rule refused it;
// the TxResult holds the code and the log.
var ErrRefused = errors.New("transaction refused")

// ErrInMempool is wrapped by Broadcast's error when the node already holds
// the same transaction bytes in its mempool cache: an earlier broadcast
// whose answer was lost reached it.
var ErrInMempool = errors.New("transaction already in the mempool")

// refused is the error of a transaction refused with res's code.
func refused(res TxResult) error {
	return fmt.Errorf("%w: %w", ErrRefused, ledgerError(res.Codespace, res.Code, res.Log))
}

// Broadcast submits tx and waits as mode says. A transaction refused by
// CheckTx returns its result and an error wrapping ErrRefused and its
// code; one that failed in its block returns its result with a non-zero
// Code and no error. Broadcast does not simulate: Check does.
func (c *Client) Broadcast(ctx context.Context, tx []byte, mode Mode) (TxResult, error) {
	hash := sha256.Sum256(tx)
	r, err := c.rpc.BroadcastTxSync(ctx, tx)
	if err != nil {
		// CometBFT v1 reports a CheckTx refusal as an RPC error whose text
		// carries the result: "tx … is invalid: code=N, data=…, log='…',
		// codespace='…'".
		if m := refusal.FindStringSubmatch(err.Error()); m != nil {
			code, _ := strconv.ParseUint(m[1], 10, 32)
			res := TxResult{Hash: hash[:], Code: uint32(code), Log: m[2], Codespace: m[3]}
			return res, refused(res)
		}
		if strings.Contains(err.Error(), "tx already exists in cache") {
			return TxResult{Hash: hash[:]}, fmt.Errorf("broadcast: %w", ErrInMempool)
		}
		return TxResult{Hash: hash[:]}, fmt.Errorf("broadcast: %w", err)
	}
	res := TxResult{Hash: hash[:], Code: r.Code, Codespace: r.Codespace, Log: r.Log}
	if r.Code != 0 {
		return res, refused(res)
	}
	if mode == WaitCheck {
		return res, nil
	}
	return c.WaitTx(ctx, hash[:])
}

// Check simulates the signed transaction tx (Simulate) and returns an
// error wrapping ErrRefused and the ledger's code, with the result, when
// the next block would refuse it: the caller then does not broadcast it
// and pays no fee for it; the refused result has Height 0 and no events.
// A wrong sequence is not a refusal here (CheckTx judges it, for no fee):
// the simulation may not see the signer's transactions the mempool is
// rechecking after a block.
// A failure of the simulation query itself is returned as it is.
func (c *Client) Check(ctx context.Context, tx []byte) (TxResult, error) {
	res, err := c.Simulate(ctx, tx)
	if err != nil {
		return res, err
	}
	if res.Code != 0 && res.Codespace == auth.Codespace && res.Code == auth.ErrWrongSequence.Number {
		// Inconclusive: the node simulates on its mempool's state, which
		// lags the mempool while it rechecks its transactions after a
		// block, so the signer's pending transactions may not count yet.
		// CheckTx judges the sequence, and refuses it for no fee.
		return res, nil
	}
	if res.Code != 0 {
		// Not in a block, and its events will not happen.
		res = TxResult{Hash: res.Hash, Code: res.Code, Codespace: res.Codespace, Log: res.Log}
		return res, fmt.Errorf("simulated, not broadcast: %w", refused(res))
	}
	return res, nil
}

// WaitTx polls until the transaction with hash is committed and returns its
// result, or until ctx is done.
func (c *Client) WaitTx(ctx context.Context, hash []byte) (TxResult, error) {
	t := time.NewTicker(c.PollInterval)
	defer t.Stop()
	for {
		r, err := c.rpc.Tx(ctx, hash, false)
		if err == nil {
			return c.txResult(r), nil
		}
		select {
		case <-ctx.Done():
			return TxResult{Hash: hash}, fmt.Errorf("wait for tx %X: %w (last error: %v)", hash, ctx.Err(), err)
		case <-t.C:
		}
	}
}

// Tx returns a committed transaction's result by hash.
func (c *Client) Tx(ctx context.Context, hash []byte) (TxResult, error) {
	r, err := c.rpc.Tx(ctx, hash, false)
	if err != nil {
		return TxResult{Hash: hash}, fmt.Errorf("tx %X: %w", hash, err)
	}
	return c.txResult(r), nil
}

func (c *Client) txResult(r *ctypes.ResultTx) TxResult {
	return TxResult{Hash: r.Hash, Height: r.Height, Code: r.TxResult.Code, Codespace: r.TxResult.Codespace, Log: r.TxResult.Log,
		Events: Events(c.events, r.TxResult.Events)}
}

// Status returns the node's status: chain id, latest height and app hash,
// whether it is catching up.
func (c *Client) Status(ctx context.Context) (*ctypes.ResultStatus, error) {
	return c.rpc.Status(ctx)
}

// ErrProof is wrapped by QueryStore's error when the node's proof does not
// verify against the app hash.
var ErrProof = errors.New("state proof does not verify")

// QueryStore reads one raw key of the latest committed ledger state,
// verifies the node's ICS-23 proof against that state's app hash, and
// returns the value (nil if absent) and the height of the state. The app
// hash of the state after block h is recorded in block h+1, so QueryStore
// waits for that block (at most one block time) before it can verify: a
// transaction committed just before the call is always seen.
func (c *Client) QueryStore(ctx context.Context, key []byte) ([]byte, int64, error) {
	st, err := c.rpc.Status(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("query: status: %w", err)
	}
	height := st.SyncInfo.LatestBlockHeight
	if height < 1 {
		return nil, 0, fmt.Errorf("query: no committed state yet (height %d)", height)
	}
	if err := c.waitHeight(ctx, height+1); err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	return c.QueryStoreAt(ctx, key, height)
}

// waitHeight polls until block h is committed.
func (c *Client) waitHeight(ctx context.Context, h int64) error {
	t := time.NewTicker(c.PollInterval)
	defer t.Stop()
	for {
		st, err := c.rpc.Status(ctx)
		if err == nil && st.SyncInfo.LatestBlockHeight >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for block %d: %w", h, ctx.Err())
		case <-t.C:
		}
	}
}

// QueryStoreAt is QueryStore at a given state height (≥ 1), whose app hash
// is in block height+1, which must exist.
func (c *Client) QueryStoreAt(ctx context.Context, key []byte, height int64) ([]byte, int64, error) {
	r, err := c.rpc.ABCIQueryWithOptions(ctx, query.Store, key, client.ABCIQueryOptions{Height: height, Prove: true})
	if err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	q := r.Response
	if q.Code != 0 {
		return nil, 0, fmt.Errorf("query: code %d: %s", q.Code, q.Log)
	}
	if q.ProofOps == nil || len(q.ProofOps.Ops) != 1 || q.ProofOps.Ops[0].Type != query.ProofOpICS23 {
		return nil, 0, fmt.Errorf("%w: the node sent no %s proof", ErrProof, query.ProofOpICS23)
	}
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(q.ProofOps.Ops[0].Data); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrProof, err)
	}
	header, err := c.TrustedHeader(ctx, q.Height+1)
	if err != nil {
		return nil, 0, fmt.Errorf("query: %w", err)
	}
	root := ics23.CommitmentRoot(header.AppHash)
	ok := false
	if q.Value != nil {
		ok = ics23.VerifyMembership(ics23.IavlSpec, root, &proof, key, q.Value)
	} else {
		ok = ics23.VerifyNonMembership(ics23.IavlSpec, root, &proof, key)
	}
	if !ok || !bytes.Equal(q.Key, key) {
		return nil, 0, fmt.Errorf("%w: key %X at height %d against app hash %X", ErrProof, key, q.Height, root)
	}
	return q.Value, q.Height, nil
}

// WaitEvents polls the node's transaction index until at least one
// committed transaction matches q (Match), and returns the matching
// transactions, or fails when ctx is done. The node must index
// transactions (tx_index "kv", as cell init configures).
func (c *Client) WaitEvents(ctx context.Context, q EventQuery) ([]TxResult, error) {
	t := time.NewTicker(c.PollInterval)
	defer t.Stop()
	query := q.String()
	for {
		page, perPage := 1, 100
		r, err := c.rpc.TxSearch(ctx, query, false, &page, &perPage, "asc")
		if err == nil && len(r.Txs) > 0 {
			out := make([]TxResult, 0, len(r.Txs))
			for _, tx := range r.Txs {
				out = append(out, c.txResult(tx))
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %q: %w (last error: %v)", query, ctx.Err(), err)
		case <-t.C:
		}
	}
}

package client

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// Sender signs and broadcasts one account's transactions one at a time,
// for a daemon (a fulfillment node, a miner) that sends many. It keeps the
// account's sequence locally, so that several transactions enter the same
// block without waiting for each other's commit; on a sequence mismatch
// (another signer of the same account, or a transaction dropped from the
// mempool) it reloads the sequence from the chain (unproven, from the
// node the Client talks to) and tries once more. Its methods are safe for
// concurrent use.
type Sender struct {
	c       *Client
	priv    ed25519.PrivateKey
	addr    address.Address
	chainID string
	fee     uint64

	mu     sync.Mutex
	seq    uint64
	loaded bool
}

// NewSender returns a Sender of priv's account on chainID, paying fee
// (ucell) per transaction.
func NewSender(c *Client, priv ed25519.PrivateKey, chainID string, fee uint64) (*Sender, error) {
	addr, err := address.FromPubKey(priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return &Sender{c: c, priv: priv, addr: addr, chainID: chainID, fee: fee}, nil
}

// Address returns the sending account's address.
func (s *Sender) Address() address.Address { return s.addr }

func (s *Sender) load(ctx context.Context) error {
	acc, err := s.c.Account(ctx, s.addr)
	if err != nil {
		return fmt.Errorf("account %s: %w", s.addr, err)
	}
	s.seq, s.loaded = acc.GetSequence(), true
	return nil
}

// Send simulates msgs in one transaction (Client.Check), broadcasts it and
// returns once CheckTx accepted it (mode WaitCheck) or it committed
// (WaitCommit). Errors: a refusal by the simulation or by CheckTx (wrapping
// ErrRefused and the ledger's code, with the result; a simulated refusal
// is not broadcast and costs no fee), a transaction
// that committed with a non-zero code (WaitCommit), and the node's errors.
func (s *Sender) Send(ctx context.Context, mode Mode, msgs ...*ledgerpb.Msg) (TxResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res TxResult
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if !s.loaded {
			if err := s.load(ctx); err != nil {
				return TxResult{}, err
			}
		}
		var raw []byte
		raw, err = BuildTx(s.priv, s.chainID, s.seq, s.fee, "", msgs...)
		if err != nil {
			return TxResult{}, err
		}
		if res, err = s.c.Check(ctx, raw); err == nil {
			res, err = s.c.Broadcast(ctx, raw, WaitCheck)
		}
		if err == nil {
			s.seq++
			break
		}
		if !errors.Is(err, auth.ErrWrongSequence) {
			if !errors.Is(err, ErrRefused) {
				s.loaded = false // the node's answer was lost: it may hold the tx
			}
			return res, err
		}
		s.loaded = false
	}
	if err != nil {
		return res, err
	}
	if mode == WaitCommit {
		// Wait without the lock: other transactions may go meanwhile.
		s.mu.Unlock()
		res, err = s.c.WaitTx(ctx, res.Hash)
		s.mu.Lock()
		if err == nil && res.Code != 0 {
			err = fmt.Errorf("code %d (%s): %s", res.Code, res.Codespace, res.Log)
		}
	}
	return res, err
}

// Retry calls f until it returns nil or ctx is done, waiting between calls
// from 200 ms, doubling up to 10 s: how a daemon waits for a chain that is
// not up yet. It reports each failure and the wait that follows to
// onFail, which may be nil. It returns nil, or ctx's error.
func Retry(ctx context.Context, f func(context.Context) error, onFail func(err error, wait time.Duration)) error {
	delay := 200 * time.Millisecond
	for {
		err := f(ctx)
		if err == nil {
			return nil
		}
		if onFail != nil {
			onFail(err, delay)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

package order

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/auth"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// blip reports whether err is a failure to reach the chain's RPC, not an
// answer of the chain: a refused or cut connection, a timeout, a 5xx
// answer of the RPC server (or of a proxy in front of it), or a node
// still catching up. A refused transaction or a failed query is an
// answer.
func blip(err error) bool {
	if err == nil || errors.Is(err, client.ErrRefused) {
		return false
	}
	var ne net.Error // *url.Error is one: every failed HTTP exchange
	if errors.As(err, &ne) {
		return true
	}
	for _, e := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	msg := err.Error()
	// CometBFT's RPC client names the HTTP status of an answer it could
	// not decode; a node catching up closes its broadcast endpoint.
	return strings.Contains(msg, "(Status: 5") || strings.Contains(msg, "catching up")
}

// rpc calls f until it returns nil or an error that is not a blip, or
// until ctx ends. Blips are retried with client.Retry's backoff (200 ms,
// doubling up to 10 s), each reported to OnRetry with what. The error is
// f's, or ctx's with the last blip.
func (b *Buyer) rpc(ctx context.Context, what string, f func(context.Context) error) error {
	var final, last error
	err := client.Retry(ctx, func(ctx context.Context) error {
		err := f(ctx)
		if err != nil && !blip(err) {
			final = err
			return nil
		}
		last = err
		return err
	}, func(err error, wait time.Duration) {
		if ctx.Err() == nil && b.OnRetry != nil {
			b.OnRetry(what, err, wait)
		}
	})
	if err != nil {
		return fmt.Errorf("%w (the chain's RPC did not answer: %v)", err, last)
	}
	return final
}

// send signs msgs, broadcasts them and waits for the commit, through RPC
// blips: the transaction is signed once, so a broadcast repeated after a
// lost answer is the same transaction, found by its hash if it went
// through. A transaction that failed in its block is an error naming its
// log.
func (b *Buyer) send(ctx context.Context, what string, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	var acc *ledgerpb.Account
	if err := b.rpc(ctx, what, func(ctx context.Context) (err error) {
		acc, err = b.Chain.Account(ctx, b.Address)
		return err
	}); err != nil {
		return client.TxResult{}, fmt.Errorf("%s: account %s: %w", what, b.Address, err)
	}
	raw, err := client.BuildTx(b.Key, b.ChainID, acc.GetSequence(), b.Fee, "", msgs...)
	if err != nil {
		return client.TxResult{}, fmt.Errorf("%s: %w", what, err)
	}
	sum := sha256.Sum256(raw)
	hash := sum[:]
	var res client.TxResult
	// A transaction the ledger would refuse is not broadcast: no fee.
	if err := b.rpc(ctx, what, func(ctx context.Context) (err error) {
		res, err = b.Chain.Check(ctx, raw)
		return err
	}); err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	committed, tried := false, false
	err = b.rpc(ctx, what, func(ctx context.Context) error {
		r, err := b.Chain.Broadcast(ctx, raw, client.WaitCheck)
		retried := tried
		tried = true
		switch {
		case err == nil || errors.Is(err, client.ErrInMempool):
			return nil
		case blip(err) || (retried && errors.Is(err, auth.ErrWrongSequence)):
			// The answer was lost, or an earlier attempt committed and
			// moved the sequence on: the transaction may be in a block.
			if t, terr := b.Chain.Tx(ctx, hash); terr == nil {
				res, committed = t, true
				return nil
			}
		}
		res = r
		return err
	})
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	if !committed {
		// WaitTx polls through blips.
		if res, err = b.Chain.WaitTx(ctx, hash); err != nil {
			return res, fmt.Errorf("%s: %w", what, err)
		}
	}
	if res.Code != 0 {
		return res, fmt.Errorf("%s: transaction %X failed: code %d (%s): %s", what, res.Hash, res.Code, res.Codespace, res.Log)
	}
	return res, nil
}

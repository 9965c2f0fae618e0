package miner

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// sender signs and broadcasts the miner's transactions one at a time,
// keeping the account's sequence locally. On a sequence mismatch (another
// signer of the same account, or a transaction dropped from the mempool)
// it reloads the sequence from the chain and tries once more.
type sender struct {
	mu      sync.Mutex
	c       *client.Client
	priv    ed25519.PrivateKey
	addr    address.Address
	chainID string
	fee     uint64
	seq     uint64
	loaded  bool
}

func (s *sender) load(ctx context.Context) error {
	b, err := s.c.QueryApp(ctx, app.PathAccount, s.addr[:])
	if err != nil {
		return fmt.Errorf("account %s: %w", s.addr, err)
	}
	var acc ledgerpb.Account
	if err := proto.Unmarshal(b, &acc); err != nil {
		return fmt.Errorf("account %s: %w", s.addr, err)
	}
	s.seq, s.loaded = acc.GetSequence(), true
	return nil
}

// send broadcasts msgs in one transaction and waits for its commit. A
// transaction that committed with a non-zero code is an error.
func (s *sender) send(ctx context.Context, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var res client.TxResult
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if !s.loaded {
			if err := s.load(ctx); err != nil {
				return client.TxResult{}, err
			}
		}
		var raw []byte
		raw, err = client.BuildTx(s.priv, s.chainID, s.seq, s.fee, "", msgs...)
		if err != nil {
			return client.TxResult{}, err
		}
		res, err = s.c.Broadcast(ctx, raw, client.WaitCheck)
		if err == nil {
			s.seq++
			break
		}
		s.loaded = false
		if !errors.Is(err, client.ErrRefused) || !strings.Contains(res.Log, "sequence") {
			return res, err
		}
	}
	if err != nil {
		return res, err
	}
	// Wait without the lock: other transactions may go meanwhile.
	s.mu.Unlock()
	res, err = s.c.WaitTx(ctx, res.Hash)
	s.mu.Lock()
	if err == nil && res.Code != 0 {
		err = fmt.Errorf("code %d (%s): %s", res.Code, res.Codespace, res.Log)
	}
	return res, err
}

package app

import (
	"fmt"
	"math/big"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// Seeder writes state outside transactions, through the modules' own
// handlers, for tools that need a large and valid state quickly (`cell
// bench scale`: a million accounts would take a thousand blocks of
// signed transfers). A message runs as it would in a transaction of
// signer at the seeder's height — the same checks, writes, indexes and
// invariants — but with no signature, fee or sequence, and its events are
// dropped. A live chain never seeds: the writes are in no block, so
// another validator would not have them.
type Seeder struct {
	a  *App
	st store.KVStore
	h  Header
	p  *ledgerpb.Params
}

// Seeder returns a seeder writing to st as at the block of h (h.Height is
// the height the handlers see). Errors: the state has no params
// (InitChain has not run).
func (a *App) Seeder(st store.KVStore, h Header) (*Seeder, error) {
	p, err := params.Get(st)
	if err != nil {
		return nil, fmt.Errorf("seeder: %w", err)
	}
	return &Seeder{a: a, st: st, h: h, p: p}, nil
}

// Run checks msgs (as CheckTx checks a transaction's messages) and runs
// them in order as signer's. It returns the first message's
// error (as a transaction would, "messages[i]: …"); the writes of the
// messages before it stay, so a caller seeds with messages that succeed.
func (s *Seeder) Run(signer address.Address, msgs ...*ledgerpb.Msg) error {
	for i, m := range msgs {
		if err := validateMessage(m, s.p); err != nil {
			return fmt.Errorf("messages[%d]: %w", i, err)
		}
	}
	var ev event.Log
	return s.a.runMessages(s.st, &ev, s.p, s.h, &hashReader{hash: s.h.Hash}, &tx.Tx{Signer: signer, Body: &ledgerpb.TxBody{Messages: msgs}})
}

// AppendReputation appends an entry of amount for user in skill (a
// skill name of the reputation module's tree) of the network colony to
// the reputation update log of the open cycle (reputation.Keeper.Append).
// Errors: an unknown skill.
func (s *Seeder) AppendReputation(user address.Address, skill string, amount *big.Int) error {
	id, ok := s.a.skills.SkillID(s.st, skill)
	if !ok {
		return fmt.Errorf("seeder: skill %q: no such skill", skill)
	}
	var ev event.Log
	_, err := s.a.skills.Append(s.st, &ev, reputation.NetworkColony(), user, id, amount)
	return err
}

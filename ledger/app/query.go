package app

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

// Query paths served by Query. Every reply is a serialized protobuf
// message of ledgerpb. An address in data is either its 20 raw bytes or
// its bech32 text ("cell1…").
const (
	// PathBalance: data = address → BalanceResponse (balance in ucell).
	PathBalance = "bank/balance"
	// PathSupply: no data → SupplyResponse (total supply in ucell).
	PathSupply = "bank/supply"
	// PathAccount: data = address → Account (sequence = the next
	// transaction's; an address that never signed gets sequence 0 and no
	// public key).
	PathAccount = "auth/account"
	// PathValidators: no data → ValidatorsResponse (every validator with
	// its voting power, by operator address).
	PathValidators = "staking/validators"
	// PathValidator: data = operator address → ValidatorStatus; ErrNotFound
	// if it operates none.
	PathValidator = "staking/validator"
	// PathUnbondings: data = operator address, or empty for all →
	// UnbondingsResponse (by completion height).
	PathUnbondings = "staking/unbondings"
	// PathTreasuryBalance: no data → BalanceResponse of the treasury.
	PathTreasuryBalance = "treasury/balance"
	// PathParams: no data → Params.
	PathParams = "params"
)

// Query answers an app-level query about st at path (see the Path
// constants) with a serialized protobuf reply. Errors carry a code of
// codespace "app" (codes.Of): ErrUnknownPath, ErrInvalidQuery,
// ErrNotFound, ErrNotInitialized. Raw state keys, with proofs, are served
// by chain/ from the modules' key helpers (bank.BalanceKey, …).
func (a *App) Query(st store.KVStore, path string, data []byte) ([]byte, error) {
	var reply proto.Message
	switch path {
	case PathBalance:
		addr, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		reply = &ledgerpb.BalanceResponse{Address: addr.Bytes(), Balance: a.bank.Balance(st, addr)}
	case PathSupply:
		reply = &ledgerpb.SupplyResponse{Supply: a.bank.Supply(st)}
	case PathAccount:
		addr, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		acct := a.auth.Account(st, addr)
		if acct == nil {
			acct = &ledgerpb.Account{Address: addr.Bytes()}
		}
		reply = acct
	case PathValidators:
		r := &ledgerpb.ValidatorsResponse{}
		for _, v := range a.staking.Validators(st) {
			r.Validators = append(r.Validators, &ledgerpb.ValidatorStatus{
				Validator: v,
				Power:     a.staking.LastPower(st, address.Address(v.Operator)),
			})
		}
		reply = r
	case PathValidator:
		op, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		v := a.staking.Validator(st, op)
		if v == nil {
			return nil, ErrNotFound.Errorf("%s: %s operates no validator", path, op)
		}
		reply = &ledgerpb.ValidatorStatus{Validator: v, Power: a.staking.LastPower(st, op)}
	case PathUnbondings:
		var op address.Address
		if len(data) > 0 {
			var err error
			if op, err = queryAddress(data); err != nil {
				return nil, err
			}
		}
		r := &ledgerpb.UnbondingsResponse{}
		for _, e := range a.staking.Unbondings(st) {
			if op.IsZero() || address.Address(e.Operator) == op {
				r.Entries = append(r.Entries, e)
			}
		}
		reply = r
	case PathTreasuryBalance:
		reply = &ledgerpb.BalanceResponse{Address: treasury.Address().Bytes(), Balance: a.treasury.Balance(st)}
	case PathParams:
		p, err := params.Get(st)
		if err != nil {
			return nil, ErrNotInitialized.Errorf("%v", err)
		}
		reply = p
	default:
		return nil, ErrUnknownPath.Errorf("query path %q: not served; known: %s, %s, %s, %s, %s, %s, %s, %s", path,
			PathBalance, PathSupply, PathAccount, PathValidators, PathValidator, PathUnbondings, PathTreasuryBalance, PathParams)
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(reply)
	if err != nil {
		return nil, fmt.Errorf("app: query %s: encode reply: %w", path, err)
	}
	return b, nil
}

// queryAddress reads an address given as 20 raw bytes or bech32 text.
func queryAddress(data []byte) (address.Address, error) {
	if len(data) == address.Size {
		return address.Address(data), nil
	}
	addr, err := address.Parse(string(data))
	if err != nil {
		return address.Address{}, ErrInvalidQuery.Errorf("data: want a 20-byte address or its bech32 text: %v", err)
	}
	return addr, nil
}

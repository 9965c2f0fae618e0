package client

import (
	"context"
	"fmt"
	"iter"

	abci "github.com/cometbft/cometbft/abci/types"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// The typed queries of the ledger, one method per path of query.Paths.
// Each reads the committed state at the client's height (AtHeight; the
// latest by default) and is not proven: it trusts the node (see
// QueryStore for proven reads). A refusal by the ledger is an error that
// errors.Is matches against its code, e.g. query.ErrNotFound for a
// record that does not exist. A list method returns an iterator over its
// entries that reads a page at a time, every page at the height of the
// first, and yields the first error with a zero entry; All collects one.

// Params returns the ledger's parameters (query.Params).
func (c *Client) Params(ctx context.Context) (*ledgerpb.Params, error) {
	return get(ctx, c, query.Params, nil, &ledgerpb.Params{})
}

// Balance returns addr's balance in ucell (query.Balance).
func (c *Client) Balance(ctx context.Context, addr address.Address) (uint64, error) {
	r, err := get(ctx, c, query.Balance, &ledgerpb.AddressRequest{Address: addr.Bytes()}, &ledgerpb.BalanceResponse{})
	return r.GetBalance(), err
}

// Supply returns the supply accounting (query.Supply), in ucell: the
// total supply, the supply at genesis, the totals minted and burned since
// (supply = genesis_supply + minted − burned) and the treasury's balance.
func (c *Client) Supply(ctx context.Context) (*ledgerpb.SupplyResponse, error) {
	return get(ctx, c, query.Supply, nil, &ledgerpb.SupplyResponse{})
}

// Account returns the account at addr (query.Account): its sequence is
// the next transaction's; an address that never signed has sequence 0
// and no public key.
func (c *Client) Account(ctx context.Context, addr address.Address) (*ledgerpb.Account, error) {
	return get(ctx, c, query.Account, &ledgerpb.AddressRequest{Address: addr.Bytes()}, &ledgerpb.Account{})
}

// Validators iterates over the validators with their voting power, by
// operator address (query.Validators).
func (c *Client) Validators(ctx context.Context) iter.Seq2[*ledgerpb.ValidatorStatus, error] {
	req := &ledgerpb.ValidatorsRequest{}
	return entries(list[*ledgerpb.ValidatorsResponse](ctx, c, query.Validators, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.ValidatorsResponse).GetValidators)
}

// Validator returns the validator operator runs (query.Validator);
// query.ErrNotFound if it runs none.
func (c *Client) Validator(ctx context.Context, operator address.Address) (*ledgerpb.ValidatorStatus, error) {
	return get(ctx, c, query.Validator, &ledgerpb.AddressRequest{Address: operator.Bytes()}, &ledgerpb.ValidatorStatus{})
}

// Unbondings iterates over the unbonding entries of operator, or of every
// operator for the zero Address, by completion height (query.Unbondings).
func (c *Client) Unbondings(ctx context.Context, operator address.Address) iter.Seq2[*ledgerpb.UnbondingEntry, error] {
	req := &ledgerpb.UnbondingsRequest{}
	if !operator.IsZero() {
		req.Operator = operator.Bytes()
	}
	return entries(list[*ledgerpb.UnbondingsResponse](ctx, c, query.Unbondings, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.UnbondingsResponse).GetEntries)
}

// Delegations iterates over delegator's delegations by validator, with
// what each is worth and its pending rewards in ucell
// (query.Delegations).
func (c *Client) Delegations(ctx context.Context, delegator address.Address) iter.Seq2[*ledgerpb.DelegationStatus, error] {
	req := &ledgerpb.DelegationsRequest{Delegator: delegator.Bytes()}
	return entries(list[*ledgerpb.DelegationsResponse](ctx, c, query.Delegations, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.DelegationsResponse).GetDelegations)
}

// Rewards returns the rewards of delegator's delegation to operator's
// validator that a withdrawal would pay now, and the commission owed to
// the operator, in ucell (query.Rewards); query.ErrNotFound if operator
// runs no validator.
func (c *Client) Rewards(ctx context.Context, delegator, operator address.Address) (*ledgerpb.RewardsResponse, error) {
	return get(ctx, c, query.Rewards, &ledgerpb.RewardsRequest{Delegator: delegator.Bytes(), Validator: operator.Bytes()}, &ledgerpb.RewardsResponse{})
}

// TreasuryBalance returns the treasury's balance in ucell
// (query.TreasuryBalance).
func (c *Client) TreasuryBalance(ctx context.Context) (uint64, error) {
	r, err := get(ctx, c, query.TreasuryBalance, nil, &ledgerpb.BalanceResponse{})
	return r.GetBalance(), err
}

// Profile returns addr's profile (query.Profile); query.ErrNotFound if it
// has none.
func (c *Client) Profile(ctx context.Context, addr address.Address) (*ledgerpb.Profile, error) {
	return get(ctx, c, query.Profile, &ledgerpb.AddressRequest{Address: addr.Bytes()}, &ledgerpb.Profile{})
}

// Node returns the node with the public key key (query.Node), its expiry
// judged at height judgeAt (usually the next block's; 0: not judged);
// query.ErrNotFound if no node has the key.
func (c *Client) Node(ctx context.Context, key []byte, judgeAt int64) (*ledgerpb.NodeStatus, error) {
	return get(ctx, c, query.Node, &ledgerpb.NodeRequest{NodePubkey: key, Height: judgeAt}, &ledgerpb.NodeStatus{})
}

// Nodes iterates over the nodes of operator, or every node for the zero
// Address, by node key, with their expiry judged at height judgeAt (0:
// not judged) (query.Nodes).
func (c *Client) Nodes(ctx context.Context, operator address.Address, judgeAt int64) iter.Seq2[*ledgerpb.NodeStatus, error] {
	req := &ledgerpb.NodesRequest{Height: judgeAt}
	if !operator.IsZero() {
		req.Operator = operator.Bytes()
	}
	return entries(list[*ledgerpb.NodesResponse](ctx, c, query.Nodes, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.NodesResponse).GetNodes)
}

// Package returns the registry record of package id (32 bytes)
// (query.Package); query.ErrNotFound if it is not registered.
func (c *Client) Package(ctx context.Context, id []byte) (*ledgerpb.Package, error) {
	return get(ctx, c, query.Package, &ledgerpb.PackageRequest{PackageId: id}, &ledgerpb.Package{})
}

// PackagesByName iterates over the packages of name in registration
// order (query.PackagesByName); none if the name is not registered.
func (c *Client) PackagesByName(ctx context.Context, name string) iter.Seq2[*ledgerpb.Package, error] {
	req := &ledgerpb.PackagesRequest{Name: name}
	return entries(list[*ledgerpb.PackagesResponse](ctx, c, query.PackagesByName, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.PackagesResponse).GetPackages)
}

// Offerings iterates over the offerings of vendor (by package id), or of
// packageID (by vendor), or every offering when both are zero (by vendor,
// then package id) (query.Offerings). Naming both is an error.
func (c *Client) Offerings(ctx context.Context, vendor address.Address, packageID []byte) iter.Seq2[*ledgerpb.Offering, error] {
	req := &ledgerpb.OfferingsRequest{PackageId: packageID}
	if !vendor.IsZero() {
		req.Vendor = vendor.Bytes()
	}
	return entries(list[*ledgerpb.OfferingsResponse](ctx, c, query.Offerings, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.OfferingsResponse).GetOfferings)
}

// Skill returns the skill at path, e.g. "compute/genomics"
// (query.Skill); query.ErrNotFound if there is none.
func (c *Client) Skill(ctx context.Context, path string) (*ledgerpb.Skill, error) {
	return get(ctx, c, query.Skill, &ledgerpb.SkillRequest{Path: path}, &ledgerpb.Skill{})
}

// Skills iterates over every skill in id (creation) order (query.Skills).
func (c *Client) Skills(ctx context.Context) iter.Seq2[*ledgerpb.Skill, error] {
	req := &ledgerpb.SkillsRequest{}
	return entries(list[*ledgerpb.SkillsResponse](ctx, c, query.Skills, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.SkillsResponse).GetSkills)
}

// ReputationLog iterates over the pages of the reputation update log of
// cycle from entry start on (query.ReputationLog). It yields pages, not
// entries, because each page says where it is: the index of its first
// entry (Start; an entry's index is its place in the log, as miners and
// challenges count it) and the cycle open at the height read
// (CurrentCycle: a cycle below it is frozen). The first page of a log
// with no entry from start on is empty.
func (c *Client) ReputationLog(ctx context.Context, cycle, start uint64) iter.Seq2[*ledgerpb.ReputationLogResponse, error] {
	req := &ledgerpb.ReputationLogRequest{Cycle: &cycle, Start: start}
	return list[*ledgerpb.ReputationLogResponse](ctx, c, query.ReputationLog, req, func(p *ledgerpb.PageRequest) { req.Page = p })
}

// OpenCycle returns the reputation cycle whose log receives new entries
// (query.ReputationLog of no cycle: its current_cycle).
func (c *Client) OpenCycle(ctx context.Context) (uint64, error) {
	r, err := get(ctx, c, query.ReputationLog, &ledgerpb.ReputationLogRequest{Page: &ledgerpb.PageRequest{Limit: 1}},
		&ledgerpb.ReputationLogResponse{})
	return r.GetCurrentCycle(), err
}

// ReputationRoot returns the latest accepted reputation root
// (query.ReputationRoot), unproven; query.ErrNotFound before the first.
// AcceptedRoot reads it with a proof.
func (c *Client) ReputationRoot(ctx context.Context) (*ledgerpb.ReputationRoot, error) {
	return get(ctx, c, query.ReputationRoot, nil, &ledgerpb.ReputationRoot{})
}

// Mining returns the mining status (query.Mining): the cycle being mined,
// its window, submissions and claims, its challenges, the accepted root,
// whether mining is in recovery mode.
func (c *Client) Mining(ctx context.Context) (*ledgerpb.MiningStatus, error) {
	return get(ctx, c, query.Mining, nil, &ledgerpb.MiningStatus{})
}

// Recovery returns the recovery mode of reputation mining
// (query.Recovery).
func (c *Client) Recovery(ctx context.Context) (*ledgerpb.RecoveryStatus, error) {
	return get(ctx, c, query.Recovery, nil, &ledgerpb.RecoveryStatus{})
}

// Miner returns the miner record of addr (query.Miner);
// query.ErrNotFound if it has no stake.
func (c *Client) Miner(ctx context.Context, addr address.Address) (*ledgerpb.Miner, error) {
	return get(ctx, c, query.Miner, &ledgerpb.AddressRequest{Address: addr.Bytes()}, &ledgerpb.Miner{})
}

// Order returns order id with its bids while it is open (query.Order);
// query.ErrNotFound if no order has the id.
func (c *Client) Order(ctx context.Context, id uint64) (*ledgerpb.OrderResponse, error) {
	return get(ctx, c, query.Order, &ledgerpb.OrderRequest{OrderId: id}, &ledgerpb.OrderResponse{})
}

// OrdersFilter selects the orders of Orders: exactly one of Buyer,
// Provider (its contracts) and State, and the orders from id StartID on.
type OrdersFilter struct {
	Buyer, Provider address.Address
	State           ledgerpb.OrderState
	StartID         uint64
}

// Orders iterates over the orders f selects, by id (query.Orders).
func (c *Client) Orders(ctx context.Context, f OrdersFilter) iter.Seq2[*ledgerpb.Order, error] {
	req := &ledgerpb.OrdersRequest{State: f.State, StartId: f.StartID}
	if !f.Buyer.IsZero() {
		req.Buyer = f.Buyer.Bytes()
	}
	if !f.Provider.IsZero() {
		req.Provider = f.Provider.Bytes()
	}
	return entries(list[*ledgerpb.OrdersResponse](ctx, c, query.Orders, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.OrdersResponse).GetOrders)
}

// OpenContracts iterates over provider's awarded, delivered and disputed
// orders, by id (query.OpenContracts).
func (c *Client) OpenContracts(ctx context.Context, provider address.Address) iter.Seq2[*ledgerpb.Order, error] {
	req := &ledgerpb.OrdersRequest{Provider: provider.Bytes()}
	return entries(list[*ledgerpb.OrdersResponse](ctx, c, query.OpenContracts, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.OrdersResponse).GetOrders)
}

// Dispute returns the latest dispute of order id with its drawn
// verifiers, commits, reveals and verdict (query.Dispute);
// query.ErrNotFound if the order does not exist or was never disputed.
func (c *Client) Dispute(ctx context.Context, id uint64) (*ledgerpb.Dispute, error) {
	return get(ctx, c, query.Dispute, &ledgerpb.OrderRequest{OrderId: id}, &ledgerpb.Dispute{})
}

// Verifier returns the verifier record of the node with public key
// nodeKey (query.Verifier); query.ErrNotFound if it is no verifier.
func (c *Client) Verifier(ctx context.Context, nodeKey []byte) (*ledgerpb.Verifier, error) {
	r, err := get(ctx, c, query.Verifier, &ledgerpb.VerifierRequest{NodeKey: nodeKey}, &ledgerpb.VerifierResponse{})
	return r.GetVerifier(), err
}

// Credit returns addr's store credit in ucell (query.Credit; 0 if none).
func (c *Client) Credit(ctx context.Context, addr address.Address) (uint64, error) {
	r, err := get(ctx, c, query.Credit, &ledgerpb.AddressRequest{Address: addr.Bytes()}, &ledgerpb.BalanceResponse{})
	return r.GetBalance(), err
}

// Prices iterates over the nodes that could bid on an order of package
// packageID (32 bytes) whose input files total inputBytes bytes, by node
// key, each with its asking price in ucell (query.Prices); nodes expired
// at height judgeAt are left out (0: not judged). query.ErrNotFound if the
// package is not registered.
func (c *Client) Prices(ctx context.Context, packageID []byte, inputBytes uint64, judgeAt int64) iter.Seq2[*ledgerpb.NodePrice, error] {
	req := &ledgerpb.PricesRequest{PackageId: packageID, InputBytes: inputBytes, Height: judgeAt}
	return entries(list[*ledgerpb.PricesResponse](ctx, c, query.Prices, req, func(p *ledgerpb.PageRequest) { req.Page = p }),
		(*ledgerpb.PricesResponse).GetPrices)
}

// Simulate returns the result a signed transaction would have in the next
// block, without broadcasting it (query.Simulate): its code, log and
// events, with Height the last committed height. The node runs it on a
// throwaway branch of its mempool's state, so that the signer's pending
// transactions count. An error is a failure of the query, not of the
// transaction, whose refusal is in the result's Code.
func (c *Client) Simulate(ctx context.Context, tx []byte) (TxResult, error) {
	r := &ledgerpb.SimulateResponse{}
	h, err := c.ask(ctx, query.Simulate, &ledgerpb.SimulateRequest{Tx: tx}, r, 0)
	if err != nil {
		return TxResult{}, fmt.Errorf("simulate: %w", err)
	}
	events := make([]abci.Event, len(r.Events))
	for i, e := range r.Events {
		events[i].Type = e.Type
		for _, a := range e.Attributes {
			events[i].Attributes = append(events[i].Attributes, abci.EventAttribute{Key: a.Key, Value: a.Value})
		}
	}
	return TxResult{Hash: txHash(tx), Height: h, Code: r.Code, Codespace: r.Codespace, Log: r.Log, Events: Events(c.events, events)}, nil
}

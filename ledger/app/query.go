package app

import (
	"bytes"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/distribution"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/ledger/treasury"
)

// Query answers one of the ledger's query paths (query.Paths) about st:
// data is the path's request message, serialized (empty for a path
// without one); the reply is its response message, serialized
// deterministically. Errors carry a code of codespace "app" (codes.Of):
// query.ErrUnknownPath, ErrInvalidQuery, ErrNotFound, ErrNotInitialized,
// ErrInternal. query.Simulate is answered by Simulate, which the chain
// adapter calls with the mempool's state; raw state keys, with proofs,
// are served by the adapter too (query.Store).
func (a *App) Query(st store.KVStore, path string, data []byte) ([]byte, error) {
	p, ok := query.Lookup(path)
	if !ok || path == query.Simulate {
		return nil, query.ErrUnknownPath.Errorf("query path %q: not served; known: %s", path, strings.Join(query.Names(), ", "))
	}
	var req proto.Message
	if p.Request != nil {
		req = p.Request.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(data, req); err != nil {
			return nil, query.ErrInvalidQuery.Errorf("%s: data: want a %s: %v", path, req.ProtoReflect().Descriptor().Name(), err)
		}
	}
	reply, err := a.answer(st, path, req)
	if err != nil {
		return nil, err
	}
	if reply.ProtoReflect().Descriptor() != p.Response.ProtoReflect().Descriptor() {
		panic(fmt.Sprintf("app: query %s: replied with a %s, the table says %s", path,
			reply.ProtoReflect().Descriptor().Name(), p.Response.ProtoReflect().Descriptor().Name()))
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(reply)
	if err != nil {
		return nil, fmt.Errorf("app: query %s: encode reply: %w", path, err)
	}
	return b, nil
}

// answer answers path with req, of the path's request type (nil for a
// path without one).
func (a *App) answer(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Balance:
		addr, err := requestAddress(req)
		if err != nil {
			return nil, err
		}
		return &ledgerpb.BalanceResponse{Address: addr.Bytes(), Balance: a.bank.Balance(st, addr)}, nil
	case query.Supply:
		return &ledgerpb.SupplyResponse{Supply: a.bank.Supply(st), GenesisSupply: a.bank.GenesisSupply(st),
			Minted: a.bank.Minted(st), Burned: a.bank.Burned(st), Treasury: a.treasury.Balance(st)}, nil
	case query.Account:
		addr, err := requestAddress(req)
		if err != nil {
			return nil, err
		}
		acct := a.auth.Account(st, addr)
		if acct == nil {
			acct = &ledgerpb.Account{Address: addr.Bytes()}
		}
		return acct, nil
	case query.Validators, query.Validator, query.Unbondings:
		return a.queryStaking(st, path, req)
	case query.Delegations, query.Rewards:
		return a.queryDelegations(st, path, req)
	case query.TreasuryBalance:
		return &ledgerpb.BalanceResponse{Address: treasury.Address().Bytes(), Balance: a.treasury.Balance(st)}, nil
	case query.Params:
		p, err := params.Get(st)
		if err != nil {
			return nil, query.ErrNotInitialized.Errorf("%v", err)
		}
		return p, nil
	case query.Profile, query.Node, query.Nodes, query.Package, query.PackagesByName, query.Offerings:
		return a.queryRegistry(st, path, req)
	case query.Skill, query.Skills, query.ReputationLog, query.ReputationRoot, query.Mining, query.Recovery, query.Miner:
		return a.queryReputation(st, path, req)
	case query.Order, query.Orders, query.OpenContracts, query.Dispute, query.Verifier, query.Credit:
		return a.queryMarket(st, path, req)
	case query.Prices:
		return a.queryPrices(st, path, req.(*ledgerpb.PricesRequest))
	case query.Proposal, query.Proposals, query.Votes, query.Tally:
		return a.queryGov(st, path, req)
	}
	return nil, query.ErrUnknownPath.Errorf("query path %q: not served", path)
}

// requestAddress reads the address of an AddressRequest.
func requestAddress(req proto.Message) (address.Address, error) {
	addr, err := address.FromBytes(req.(*ledgerpb.AddressRequest).GetAddress())
	if err != nil {
		return address.Address{}, query.ErrInvalidQuery.Errorf("data: address: %v", err)
	}
	return addr, nil
}

// optionalAddress reads an address that may be empty (the zero Address).
func optionalAddress(field string, b []byte) (address.Address, error) {
	if len(b) == 0 {
		return address.Address{}, nil
	}
	addr, err := address.FromBytes(b)
	if err != nil {
		return address.Address{}, query.ErrInvalidQuery.Errorf("data: %s: %v", field, err)
	}
	return addr, nil
}

// queryStaking answers the staking module's paths.
func (a *App) queryStaking(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Validators:
		r := &ledgerpb.ValidatorsResponse{}
		var err error
		r.Page, err = page(st, staking.ValidatorPrefix(), nil, req.(*ledgerpb.ValidatorsRequest).GetPage(), query.MaxPage, query.MaxPage, func(_, value []byte) bool {
			v := &ledgerpb.Validator{}
			codec.MustUnmarshal(value, v)
			r.Validators = append(r.Validators, &ledgerpb.ValidatorStatus{Validator: v, Power: a.staking.LastPower(st, address.Address(v.Operator))})
			return true
		})
		return r, err
	case query.Validator:
		op, err := requestAddress(req)
		if err != nil {
			return nil, err
		}
		v := a.staking.Validator(st, op)
		if v == nil {
			return nil, query.ErrNotFound.Errorf("%s: %s operates no validator", path, op)
		}
		return &ledgerpb.ValidatorStatus{Validator: v, Power: a.staking.LastPower(st, op)}, nil
	}
	ur := req.(*ledgerpb.UnbondingsRequest)
	op, err := optionalAddress("operator", ur.Operator)
	if err != nil {
		return nil, err
	}
	scan := query.MaxPage
	if !op.IsZero() {
		scan = query.MaxPageScan
	}
	r := &ledgerpb.UnbondingsResponse{}
	r.Page, err = page(st, staking.UnbondingPrefix(), nil, ur.Page, query.MaxPage, scan, func(_, value []byte) bool {
		e := &ledgerpb.UnbondingEntry{}
		codec.MustUnmarshal(value, e)
		if !op.IsZero() && address.Address(e.Operator) != op {
			return false
		}
		r.Entries = append(r.Entries, e)
		return true
	})
	return r, err
}

// queryDelegations answers the paths of delegations and their rewards.
func (a *App) queryDelegations(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	if path == query.Rewards {
		rr := req.(*ledgerpb.RewardsRequest)
		del, err := address.FromBytes(rr.Delegator)
		if err != nil {
			return nil, query.ErrInvalidQuery.Errorf("data: delegator: %v", err)
		}
		op, err := address.FromBytes(rr.Validator)
		if err != nil {
			return nil, query.ErrInvalidQuery.Errorf("data: validator: %v", err)
		}
		if a.staking.Validator(st, op) == nil {
			return nil, query.ErrNotFound.Errorf("%s: %s operates no validator", path, op)
		}
		return &ledgerpb.RewardsResponse{Rewards: a.distr.Rewards(st, op, del), Commission: distribution.Commission(st, op)}, nil
	}
	dr := req.(*ledgerpb.DelegationsRequest)
	del, err := address.FromBytes(dr.Delegator)
	if err != nil {
		return nil, query.ErrInvalidQuery.Errorf("data: delegator: %v", err)
	}
	r := &ledgerpb.DelegationsResponse{}
	r.Page, err = page(st, staking.DelegatorPrefix(del), nil, dr.Page, query.MaxPage, query.MaxPage, func(key, _ []byte) bool {
		op := address.Address(key[len(key)-address.Size:])
		d, v := a.staking.Delegation(st, op, del), a.staking.Validator(st, op)
		r.Delegations = append(r.Delegations, &ledgerpb.DelegationStatus{Delegation: d, Tokens: staking.TokensOf(v, d.Shares), Rewards: a.distr.Rewards(st, op, del)})
		return true
	})
	return r, err
}

// queryRegistry answers the registry's paths.
func (a *App) queryRegistry(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Profile:
		owner, err := requestAddress(req)
		if err != nil {
			return nil, err
		}
		p := a.registry.Profile(st, owner)
		if p == nil {
			return nil, query.ErrNotFound.Errorf("%s: %s has no profile", path, owner)
		}
		return p, nil
	case query.Node:
		nr := req.(*ledgerpb.NodeRequest)
		n := a.registry.Node(st, nr.NodePubkey)
		if n == nil {
			return nil, query.ErrNotFound.Errorf("%s: no node has key %x", path, nr.NodePubkey)
		}
		p, err := params.Get(st)
		if err != nil {
			return nil, query.ErrNotInitialized.Errorf("%v", err)
		}
		return nodeStatus(n, p, nr.Height), nil
	case query.Nodes:
		nr := req.(*ledgerpb.NodesRequest)
		op, err := optionalAddress("operator", nr.Operator)
		if err != nil {
			return nil, err
		}
		p, err := params.Get(st)
		if err != nil {
			return nil, query.ErrNotInitialized.Errorf("%v", err)
		}
		r := &ledgerpb.NodesResponse{}
		if op.IsZero() {
			r.Page, err = page(st, registry.NodePrefix(), nil, nr.Page, query.MaxPage, query.MaxPage, func(_, value []byte) bool {
				n := &ledgerpb.Node{}
				codec.MustUnmarshal(value, n)
				r.Nodes = append(r.Nodes, nodeStatus(n, p, nr.Height))
				return true
			})
		} else {
			prefix := registry.OperatorNodePrefix(op)
			r.Page, err = page(st, prefix, nil, nr.Page, query.MaxPage, query.MaxPage, func(key, _ []byte) bool {
				n := a.registry.Node(st, key[len(prefix):])
				if n == nil {
					panic(fmt.Sprintf("registry: corrupt state: indexed node %x is missing", key[len(prefix):]))
				}
				r.Nodes = append(r.Nodes, nodeStatus(n, p, nr.Height))
				return true
			})
		}
		return r, err
	case query.Package:
		id := req.(*ledgerpb.PackageRequest).GetPackageId()
		if len(id) != registry.PackageIDSize {
			return nil, query.ErrInvalidQuery.Errorf("data: package_id: want %d bytes, got %d", registry.PackageIDSize, len(id))
		}
		pkg := a.registry.Package(st, id)
		if pkg == nil {
			return nil, query.ErrNotFound.Errorf("%s: package %x is not registered", path, id)
		}
		return pkg, nil
	case query.PackagesByName:
		pr := req.(*ledgerpb.PackagesRequest)
		if pr.Name == "" || strings.ContainsRune(pr.Name, 0) {
			return nil, query.ErrInvalidQuery.Errorf("name %q: want a package name", pr.Name)
		}
		prefix := registry.PackageNamePrefix(pr.Name)
		r := &ledgerpb.PackagesResponse{}
		var err error
		r.Page, err = page(st, prefix, nil, pr.Page, query.MaxPage, query.MaxPage, func(key, _ []byte) bool {
			id := key[len(prefix)+8:] // after the registration height
			pkg := a.registry.Package(st, id)
			if pkg == nil {
				panic(fmt.Sprintf("registry: corrupt state: indexed package %x is missing", id))
			}
			r.Packages = append(r.Packages, pkg)
			return true
		})
		return r, err
	}
	or := req.(*ledgerpb.OfferingsRequest)
	r := &ledgerpb.OfferingsResponse{}
	var err error
	switch {
	case len(or.Vendor) != 0 && len(or.PackageId) != 0:
		return nil, query.ErrInvalidQuery.Errorf("data: name a vendor or a package id, not both")
	case len(or.PackageId) != 0:
		if len(or.PackageId) != registry.PackageIDSize {
			return nil, query.ErrInvalidQuery.Errorf("data: package_id: want %d bytes, got %d", registry.PackageIDSize, len(or.PackageId))
		}
		prefix := registry.PackageOfferingPrefix(or.PackageId)
		r.Page, err = page(st, prefix, nil, or.Page, query.MaxPage, query.MaxPage, func(key, _ []byte) bool {
			vendor := address.Address(key[len(prefix):])
			o := a.registry.Offering(st, vendor, or.PackageId)
			if o == nil {
				panic(fmt.Sprintf("registry: corrupt state: indexed offering %s/%x is missing", vendor, or.PackageId))
			}
			r.Offerings = append(r.Offerings, o)
			return true
		})
	default:
		vendor, verr := optionalAddress("vendor", or.Vendor)
		if verr != nil {
			return nil, verr
		}
		r.Page, err = page(st, registry.OfferingPrefix(vendor), nil, or.Page, query.MaxPage, query.MaxPage, func(_, value []byte) bool {
			o := &ledgerpb.Offering{}
			codec.MustUnmarshal(value, o)
			r.Offerings = append(r.Offerings, o)
			return true
		})
	}
	return r, err
}

// queryReputation answers the reputation module's paths.
func (a *App) queryReputation(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Skill:
		p := req.(*ledgerpb.SkillRequest).GetPath()
		sk := a.skills.SkillByPath(st, p)
		if sk == nil {
			return nil, query.ErrNotFound.Errorf("skill %q: no such skill", p)
		}
		return sk, nil
	case query.Skills:
		r := &ledgerpb.SkillsResponse{}
		var err error
		r.Page, err = page(st, reputation.SkillPrefix(), nil, req.(*ledgerpb.SkillsRequest).GetPage(), query.MaxSkillsPage, query.MaxSkillsPage, func(_, value []byte) bool {
			sk := &ledgerpb.Skill{}
			codec.MustUnmarshal(value, sk)
			r.Skills = append(r.Skills, sk)
			return true
		})
		return r, err
	case query.ReputationLog:
		lr := req.(*ledgerpb.ReputationLogRequest)
		current := a.skills.CurrentCycle(st)
		r := &ledgerpb.ReputationLogResponse{Cycle: current, CurrentCycle: current, Start: lr.Start}
		if lr.Cycle != nil {
			r.Cycle = *lr.Cycle
		}
		prefix := reputation.LogPrefix(r.Cycle)
		first := true
		var err error
		r.Page, err = page(st, prefix, store.Uint64(lr.Start), lr.Page, query.MaxLogPage, query.MaxLogPage, func(key, value []byte) bool {
			if first {
				r.Start, first = mustIndex(key[len(prefix):]), false
			}
			e := &ledgerpb.ReputationLogEntry{}
			codec.MustUnmarshal(value, e)
			r.Entries = append(r.Entries, e)
			return true
		})
		if err == nil && first && len(lr.GetPage().GetKey()) != 0 {
			r.Start = mustIndex(lr.Page.Key[len(prefix):])
		}
		return r, err
	case query.ReputationRoot:
		r := a.skills.AcceptedRoot(st)
		if r == nil {
			return nil, query.ErrNotFound.Errorf("%s: no reputation root has been accepted yet", path)
		}
		return r, nil
	case query.Mining:
		ms := a.skills.MiningState(st)
		r := &ledgerpb.MiningStatus{Mining: ms.Mining, Accepted: a.skills.AcceptedRoot(st),
			OpenCycle: a.skills.CurrentCycle(st), OpenCycleStart: ms.OpenCycleStart, Recovery: a.skills.InRecovery(st)}
		if ms.Mining {
			r.MiningCycle, r.WindowStart, r.WindowEnd = ms.MiningCycle, ms.WindowStart, ms.WindowEnd
			r.Submissions = firstN(a.skills.Submissions(st, ms.MiningCycle), query.MaxPage)
			r.Claims = firstN(a.skills.Claims(st, ms.MiningCycle), query.MaxPage)
			r.Challenging, r.Round = ms.Challenging, ms.Round
			r.Updates = a.skills.CycleUpdates(st, ms.MiningCycle)
			if ms.Challenging {
				r.Challenges = firstN(a.skills.Challenges(st, ms.MiningCycle, ms.Round), query.MaxPage)
			}
		}
		return r, nil
	case query.Recovery:
		r := a.skills.Recovery(st)
		return &ledgerpb.RecoveryStatus{Active: r.Active, Addresses: r.Addresses, EnteredHeight: r.EnteredHeight, EnteredBy: r.EnteredBy,
			Edits: r.Edits, Approvals: r.Approvals, Needed: uint32(reputation.RecoveryNeeded(len(r.Addresses))),
			Approved: uint32(reputation.RecoveryApproved(r))}, nil
	}
	addr, err := requestAddress(req)
	if err != nil {
		return nil, err
	}
	m := a.skills.Miner(st, addr)
	if m == nil {
		return nil, query.ErrNotFound.Errorf("%s: %s is not a miner", path, addr)
	}
	return m, nil
}

// mustIndex reads the index of a log key after its cycle's prefix.
func mustIndex(b []byte) uint64 {
	i, err := store.ParseUint64(b)
	if err != nil {
		panic(fmt.Sprintf("reputation: corrupt log key %x", b))
	}
	return i
}

// queryGov answers the gov module's paths.
func (a *App) queryGov(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Proposal, query.Tally:
		id := req.(*ledgerpb.ProposalRequest).GetProposalId()
		pr := a.gov.Proposal(st, id)
		if pr == nil {
			return nil, query.ErrNotFound.Errorf("%s: proposal %d: no such proposal", path, id)
		}
		if path == query.Proposal {
			return pr, nil
		}
		switch {
		case pr.Tally != nil:
			return pr.Tally, nil
		case pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING:
			return a.gov.Tally(st, pr), nil
		}
		return nil, query.ErrNotFound.Errorf("%s: proposal %d is %s: it has no tally", path, id, gov.StatusName(pr.Status))
	case query.Proposals:
		r := &ledgerpb.ProposalsResponse{}
		var err error
		r.Page, err = page(st, gov.ProposalPrefix(), nil, req.(*ledgerpb.ProposalsRequest).GetPage(), query.MaxPage, query.MaxPage, func(_, value []byte) bool {
			pr := &ledgerpb.Proposal{}
			codec.MustUnmarshal(value, pr)
			r.Proposals = append(r.Proposals, pr)
			return true
		})
		return r, err
	case query.Votes:
		vr := req.(*ledgerpb.VotesRequest)
		r := &ledgerpb.VotesResponse{}
		var err error
		r.Page, err = page(st, gov.VotePrefix(vr.ProposalId), nil, vr.Page, query.MaxPage, query.MaxPage, func(_, value []byte) bool {
			v := &ledgerpb.Vote{}
			codec.MustUnmarshal(value, v)
			r.Votes = append(r.Votes, v)
			return true
		})
		return r, err
	}
	return nil, query.ErrUnknownPath.Errorf("query path %q: not served", path)
}

// queryMarket answers the market's paths.
func (a *App) queryMarket(st store.KVStore, path string, req proto.Message) (proto.Message, error) {
	switch path {
	case query.Order:
		id := req.(*ledgerpb.OrderRequest).GetOrderId()
		o := a.market.Order(st, id)
		if o == nil {
			return nil, query.ErrNotFound.Errorf("order %d: no such order", id)
		}
		return &ledgerpb.OrderResponse{Order: o, Bids: a.market.Bids(st, o.Id)}, nil
	case query.Dispute:
		id := req.(*ledgerpb.OrderRequest).GetOrderId()
		o := a.market.Order(st, id)
		if o.GetDispute() == nil {
			return nil, query.ErrNotFound.Errorf("%s: order %d: no such order or no dispute", path, id)
		}
		return o.Dispute, nil
	case query.Verifier:
		key := req.(*ledgerpb.VerifierRequest).GetNodeKey()
		v := a.market.Verifier(st, key)
		if v == nil {
			return nil, query.ErrNotFound.Errorf("%s: node %x is no verifier", path, key)
		}
		return &ledgerpb.VerifierResponse{Verifier: v}, nil
	case query.Credit:
		addr, err := requestAddress(req)
		if err != nil {
			return nil, err
		}
		return &ledgerpb.BalanceResponse{Address: addr.Bytes(), Balance: a.market.Credit(st, addr)}, nil
	}
	or := req.(*ledgerpb.OrdersRequest)
	buyer, err := optionalAddress("buyer", or.Buyer)
	if err != nil {
		return nil, err
	}
	provider, err := optionalAddress("provider", or.Provider)
	if err != nil {
		return nil, err
	}
	var prefix []byte
	set := 0
	if !buyer.IsZero() {
		set++
		prefix = market.BuyerPrefix(buyer)
	}
	if !provider.IsZero() {
		set++
		prefix = market.ProviderPrefix(provider)
	}
	if or.State != ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED {
		set++
		if market.StateName(or.State) == "" {
			return nil, query.ErrInvalidQuery.Errorf("state %d: unknown", or.State)
		}
		prefix = market.StatePrefix(or.State)
	}
	switch {
	case path == query.OpenContracts && (provider.IsZero() || set != 1):
		return nil, query.ErrInvalidQuery.Errorf("%s: name a provider, and nothing else", path)
	case set != 1:
		return nil, query.ErrInvalidQuery.Errorf("%s: name exactly one of buyer, provider, state", path)
	}
	open := path == query.OpenContracts
	scan := query.MaxPage
	if open {
		// open_contracts filters the provider's contracts.
		scan = query.MaxPageScan
	}
	r := &ledgerpb.OrdersResponse{}
	r.Page, err = page(st, prefix, store.Uint64(or.StartId), or.Page, query.MaxPage, scan, func(key, _ []byte) bool {
		id, err := store.ParseUint64(key[len(key)-8:])
		if err != nil {
			panic(fmt.Sprintf("market: corrupt index key %x", key))
		}
		o := a.market.Order(st, id)
		if open && o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED && o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED &&
			o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
			return false
		}
		r.Orders = append(r.Orders, o)
		return true
	})
	return r, err
}

// queryPrices answers query.Prices: the nodes that could bid on an order
// of the package, with their asking prices, read from the registry's
// nodes by node key, at most MaxPageScan of them per page.
func (a *App) queryPrices(st store.KVStore, path string, pr *ledgerpb.PricesRequest) (proto.Message, error) {
	if len(pr.PackageId) != registry.PackageIDSize {
		return nil, query.ErrInvalidQuery.Errorf("data: package_id: want %d bytes, got %d", registry.PackageIDSize, len(pr.PackageId))
	}
	if pr.Height < 0 {
		return nil, query.ErrInvalidQuery.Errorf("data: height %d: must not be negative", pr.Height)
	}
	pkg := a.registry.Package(st, pr.PackageId)
	if pkg == nil {
		return nil, query.ErrNotFound.Errorf("%s: package %x is not registered", path, pr.PackageId)
	}
	p, err := params.Get(st)
	if err != nil {
		return nil, query.ErrNotInitialized.Errorf("%v", err)
	}
	r := &ledgerpb.PricesResponse{}
	r.Page, err = page(st, registry.NodePrefix(), nil, pr.Page, query.MaxPage, query.MaxPageScan, func(_, value []byte) bool {
		n := &ledgerpb.Node{}
		codec.MustUnmarshal(value, n)
		if n.Prices == nil || !market.Fits(n, pkg) || (pr.Height > 0 && registry.Expired(n, p, pr.Height)) {
			return false
		}
		price, err := registry.AskingPrice(n.Prices, pr.PackageId, pr.InputBytes)
		if err != nil {
			return false
		}
		r.Prices = append(r.Prices, &ledgerpb.NodePrice{Operator: n.Operator, NodePubkey: n.NodePubkey, Endpoint: n.Endpoint,
			Capacity: n.Capacity, Price: price, Prices: n.Prices, ActiveUntilHeight: registry.ActiveUntil(n, p)})
		return true
	})
	return r, err
}

// page reads one page of the list of entries whose state keys start with
// prefix, in key order (see package query, "Paging"): from the cursor of
// req, or else from prefix ‖ from (nil: the first entry), it calls take
// on each entry until take has accepted the page's limit of them (at most
// max) or scan entries were read, and returns the cursor of the next
// page, the key of the first entry not read, or none at the end of the
// list. A cursor that is not a key of the list is refused with
// query.ErrInvalidQuery.
func page(st store.KVStore, prefix, from []byte, req *ledgerpb.PageRequest, max, scan int, take func(key, value []byte) bool) (*ledgerpb.PageResponse, error) {
	start := store.Key(prefix, from)
	if k := req.GetKey(); len(k) != 0 {
		if !bytes.HasPrefix(k, prefix) || len(k) == len(prefix) {
			return nil, query.ErrInvalidQuery.Errorf("page key %x: not a cursor of this list", k)
		}
		start = k
	}
	limit := int(req.GetLimit())
	if limit == 0 || limit > max {
		limit = max
	}
	it := st.Iterator(start, store.PrefixEnd(prefix))
	defer it.Close()
	taken, read := 0, 0
	for ; it.Valid(); it.Next() {
		if taken == limit || read == scan {
			return &ledgerpb.PageResponse{NextKey: bytes.Clone(it.Key())}, nil
		}
		read++
		if take(it.Key(), it.Value()) {
			taken++
		}
	}
	return &ledgerpb.PageResponse{}, nil
}

// nodeStatus reports n with its expiry at height (0: not judged).
func nodeStatus(n *ledgerpb.Node, p *ledgerpb.Params, height int64) *ledgerpb.NodeStatus {
	return &ledgerpb.NodeStatus{
		Node:              n,
		ActiveUntilHeight: registry.ActiveUntil(n, p),
		Expired:           height > 0 && registry.Expired(n, p, height),
	}
}

// firstN returns at most the first n elements of xs.
func firstN[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

package app

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/staking"
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
	// PathValidators: data = ValidatorsRequest (empty: the first page) →
	// ValidatorsResponse: a page of the validators with their voting power,
	// by operator address. Paged (see MaxPage).
	PathValidators = "staking/validators"
	// PathValidator: data = operator address → ValidatorStatus; ErrNotFound
	// if it operates none.
	PathValidator = "staking/validator"
	// PathUnbondings: data = UnbondingsRequest naming an operator (20
	// bytes), or none for every operator (empty: every operator's first
	// page) → UnbondingsResponse: a page of the entries by completion
	// height, then operator, then creation height. Paged (see MaxPage and
	// MaxPageScan: a page of one operator's entries may be short).
	PathUnbondings = "staking/unbondings"
	// PathTreasuryBalance: no data → BalanceResponse of the treasury.
	PathTreasuryBalance = "treasury/balance"
	// PathParams: no data → Params.
	PathParams = "params"
	// PathProfile: data = address → Profile; ErrNotFound if it has none.
	PathProfile = "registry/profile"
	// PathNode: data = NodeRequest → NodeStatus (expiry judged at the
	// request's height); ErrNotFound if no node has the key.
	PathNode = "registry/node"
	// PathNodes: data = NodesRequest naming an operator (20 bytes) or
	// none for every node (empty: every node's first page, expiry not
	// judged) → NodesResponse: a page of the nodes by node key, expired
	// nodes with expired set. Paged (see MaxPage).
	PathNodes = "registry/nodes"
	// PathPackage: data = package id (32 bytes, or 64 hex characters) →
	// Package; ErrNotFound if it is not registered.
	PathPackage = "registry/package"
	// PathPackagesByName: data = PackagesRequest naming a package name →
	// PackagesResponse: a page of the packages of that name in
	// registration order (none if the name is not registered). Paged (see
	// MaxPage).
	PathPackagesByName = "registry/packages_by_name"
	// PathOfferings: data = OfferingsRequest naming a vendor (20 bytes:
	// its offerings, by package id), a package id (32 bytes: its
	// offerings, by vendor), or neither (every offering, by vendor then
	// package id; empty data: the first page of those) →
	// OfferingsResponse. Paged (see MaxPage).
	PathOfferings = "registry/offerings"
	// PathSkill: data = a skill path ("compute/genomics/digest") → Skill.
	PathSkill = "reputation/skill"
	// PathReputationLog: data = empty (the open cycle, from entry 0), or a
	// cycle (8 bytes big-endian) optionally followed by a start index (8
	// bytes) → ReputationLogResponse with at most MaxLogPage entries.
	PathReputationLog = "reputation/log"
	// PathReputationRoot: no data → ReputationRoot, the latest accepted;
	// ErrNotFound before the first.
	PathReputationRoot = "reputation/root"
	// PathMining: no data → MiningStatus: the cycle being mined (if any),
	// its window, its number of updates N, its submissions and claims, and
	// while they are challenged the round and its challenges (each list
	// the first MaxPage), the latest accepted root, and whether mining is
	// in recovery mode.
	PathMining = "reputation/mining"
	// PathRecovery: no data → RecoveryStatus: whether reputation mining
	// is in recovery mode, the recovery addresses, the edit sequence, the
	// exit approvals (those at the current edit count) and how many are
	// needed.
	PathRecovery = "reputation/recovery"
	// PathMiner: data = address → Miner; ErrNotFound if it has no stake.
	PathMiner = "reputation/miner"
	// PathSkills: data = empty (from skill 1) or a start id (8 bytes
	// big-endian) → SkillsResponse: every skill in id (creation) order,
	// at most MaxSkillsPage, and the id to ask for next. A miner replays
	// the log over the whole skill tree.
	PathSkills = "reputation/skills"
	// PathOrder: data = OrderRequest → OrderResponse (the order with its
	// contract, delivery and ratings, and the bids while it is open);
	// ErrNotFound if no order has the id.
	PathOrder = "market/order"
	// PathOrders: data = OrdersRequest naming exactly one of buyer,
	// provider (its contracts) or state → OrdersResponse, by id from
	// start_id, at most limit (1 to MaxOrdersPerQuery) orders.
	PathOrders = "market/orders"
	// PathOpenContracts: data = OrdersRequest naming a provider →
	// OrdersResponse of its AWARDED, DELIVERED and DISPUTED orders, by id, paged as
	// PathOrders.
	PathOpenContracts = "market/open_contracts"
	// PathDispute: data = OrderRequest → Dispute, the order's latest
	// dispute with its drawn verifiers, commits, reveals and verdict;
	// ErrNotFound if the order does not exist or was never disputed.
	PathDispute = "market/dispute"
	// PathVerifier: data = VerifierRequest → VerifierResponse;
	// ErrNotFound if the node is no verifier.
	PathVerifier = "market/verifier"
	// PathCredit: data = address → BalanceResponse of its store credit
	// (0 if none).
	PathCredit = "market/credit"
)

// MaxOrdersPerQuery bounds the orders of one PathOrders or
// PathOpenContracts reply.
const MaxOrdersPerQuery = 100

// MaxPage is the most entries one page of a paged list query returns:
// PathValidators, PathUnbondings, PathNodes, PathPackagesByName and
// PathOfferings. Their requests carry a PageRequest: key, the cursor, is
// empty for the first page and the previous page's next_key after it;
// limit 0, or above MaxPage, asks for MaxPage entries. The cursor is the
// state key of the next entry, opaque to clients; a key that is not one
// of the list's is refused with ErrInvalidQuery. A reply's
// PageResponse.next_key is empty on the list's last page. Pages are read
// at the height the query names: a client that asks for every page at the
// height of the first reads one committed state (client.QueryPages).
// The other lists page as their paths say: PathOrders and
// PathOpenContracts by order id (MaxOrdersPerQuery), PathReputationLog
// (MaxLogPage) and PathSkills (MaxSkillsPage) by index.
const MaxPage = 100

// MaxPageScan bounds the state entries one page of a filtered list
// reads (PathUnbondings of one operator, whose entries are interleaved
// with others' in completion order): a page that reaches it ends early,
// with a next_key, so one query costs at most MaxPageScan reads however
// few entries match.
const MaxPageScan = 10 * MaxPage

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
		var req ledgerpb.ValidatorsRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want a ValidatorsRequest: %v", err)
		}
		r := &ledgerpb.ValidatorsResponse{}
		var err error
		r.Page, err = page(st, staking.ValidatorPrefix(), req.Page, MaxPage, func(_, value []byte) bool {
			v := &ledgerpb.Validator{}
			codec.MustUnmarshal(value, v)
			r.Validators = append(r.Validators, &ledgerpb.ValidatorStatus{Validator: v, Power: a.staking.LastPower(st, address.Address(v.Operator))})
			return true
		})
		if err != nil {
			return nil, err
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
		var req ledgerpb.UnbondingsRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want an UnbondingsRequest: %v", err)
		}
		var op address.Address
		if len(req.Operator) != 0 {
			var err error
			if op, err = address.FromBytes(req.Operator); err != nil {
				return nil, ErrInvalidQuery.Errorf("data: operator: %v", err)
			}
		}
		scan := MaxPage
		if !op.IsZero() {
			scan = MaxPageScan
		}
		r := &ledgerpb.UnbondingsResponse{}
		var err error
		r.Page, err = page(st, staking.UnbondingPrefix(), req.Page, scan, func(_, value []byte) bool {
			e := &ledgerpb.UnbondingEntry{}
			codec.MustUnmarshal(value, e)
			if !op.IsZero() && address.Address(e.Operator) != op {
				return false
			}
			r.Entries = append(r.Entries, e)
			return true
		})
		if err != nil {
			return nil, err
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
	case PathReputationLog:
		var err error
		if reply, err = a.queryLog(st, data); err != nil {
			return nil, err
		}
	case PathReputationRoot:
		r := a.skills.AcceptedRoot(st)
		if r == nil {
			return nil, ErrNotFound.Errorf("%s: no reputation root has been accepted yet", path)
		}
		reply = r
	case PathMining:
		ms := a.skills.MiningState(st)
		r := &ledgerpb.MiningStatus{Mining: ms.Mining, Accepted: a.skills.AcceptedRoot(st),
			OpenCycle: a.skills.CurrentCycle(st), OpenCycleStart: ms.OpenCycleStart, Recovery: a.skills.InRecovery(st)}
		if ms.Mining {
			r.MiningCycle, r.WindowStart, r.WindowEnd = ms.MiningCycle, ms.WindowStart, ms.WindowEnd
			r.Submissions = firstN(a.skills.Submissions(st, ms.MiningCycle), MaxPage)
			r.Claims = firstN(a.skills.Claims(st, ms.MiningCycle), MaxPage)
			r.Challenging, r.Round = ms.Challenging, ms.Round
			r.Updates = a.skills.CycleUpdates(st, ms.MiningCycle)
			if ms.Challenging {
				r.Challenges = firstN(a.skills.Challenges(st, ms.MiningCycle, ms.Round), MaxPage)
			}
		}
		reply = r
	case PathRecovery:
		r := a.skills.Recovery(st)
		reply = &ledgerpb.RecoveryStatus{Active: r.Active, Addresses: r.Addresses, EnteredHeight: r.EnteredHeight, EnteredBy: r.EnteredBy,
			Edits: r.Edits, Approvals: r.Approvals, Needed: uint32(reputation.RecoveryNeeded(len(r.Addresses))),
			Approved: uint32(reputation.RecoveryApproved(r))}
	case PathMiner:
		addr, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		m := a.skills.Miner(st, addr)
		if m == nil {
			return nil, ErrNotFound.Errorf("%s: %s is not a miner", path, addr)
		}
		reply = m
	case PathSkills:
		var err error
		if reply, err = a.querySkills(st, data); err != nil {
			return nil, err
		}
	case PathSkill:
		sk := a.skills.SkillByPath(st, string(data))
		if sk == nil {
			return nil, ErrNotFound.Errorf("skill %q: no such skill", data)
		}
		reply = sk
	case PathProfile, PathNode, PathNodes, PathPackage, PathPackagesByName, PathOfferings:
		var err error
		if reply, err = a.queryRegistry(st, path, data); err != nil {
			return nil, err
		}
	case PathDispute:
		var req ledgerpb.OrderRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want an OrderRequest: %v", err)
		}
		o := a.market.Order(st, req.OrderId)
		if o.GetDispute() == nil {
			return nil, ErrNotFound.Errorf("%s: order %d: no such order or no dispute", path, req.OrderId)
		}
		reply = o.Dispute
	case PathVerifier:
		var req ledgerpb.VerifierRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want a VerifierRequest: %v", err)
		}
		v := a.market.Verifier(st, req.NodeKey)
		if v == nil {
			return nil, ErrNotFound.Errorf("%s: node %x is no verifier", path, req.NodeKey)
		}
		reply = &ledgerpb.VerifierResponse{Verifier: v}
	case PathCredit:
		addr, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		reply = &ledgerpb.BalanceResponse{Address: addr.Bytes(), Balance: a.market.Credit(st, addr)}
	case PathOrder, PathOrders, PathOpenContracts:
		var err error
		if reply, err = a.queryMarket(st, path, data); err != nil {
			return nil, err
		}
	default:
		return nil, ErrUnknownPath.Errorf("query path %q: not served; known: %s", path, strings.Join([]string{
			PathBalance, PathSupply, PathAccount, PathValidators, PathValidator, PathUnbondings, PathTreasuryBalance, PathParams, PathSkill, PathReputationLog,
			PathReputationRoot, PathMining, PathRecovery, PathMiner, PathSkills,
			PathProfile, PathNode, PathNodes, PathPackage, PathPackagesByName, PathOfferings,
			PathOrder, PathOrders, PathOpenContracts, PathDispute, PathVerifier, PathCredit}, ", "))
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

// queryRegistry answers the registry's paths.
func (a *App) queryRegistry(st store.KVStore, path string, data []byte) (proto.Message, error) {
	switch path {
	case PathProfile:
		owner, err := queryAddress(data)
		if err != nil {
			return nil, err
		}
		p := a.registry.Profile(st, owner)
		if p == nil {
			return nil, ErrNotFound.Errorf("%s: %s has no profile", path, owner)
		}
		return p, nil
	case PathNode:
		var req ledgerpb.NodeRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want a NodeRequest: %v", err)
		}
		n := a.registry.Node(st, req.NodePubkey)
		if n == nil {
			return nil, ErrNotFound.Errorf("%s: no node has key %x", path, req.NodePubkey)
		}
		p, err := params.Get(st)
		if err != nil {
			return nil, ErrNotInitialized.Errorf("%v", err)
		}
		return nodeStatus(n, p, req.Height), nil
	case PathNodes:
		var req ledgerpb.NodesRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want a NodesRequest: %v", err)
		}
		var op address.Address
		if len(req.Operator) != 0 {
			var err error
			if op, err = address.FromBytes(req.Operator); err != nil {
				return nil, ErrInvalidQuery.Errorf("data: operator: %v", err)
			}
		}
		p, err := params.Get(st)
		if err != nil {
			return nil, ErrNotInitialized.Errorf("%v", err)
		}
		r := &ledgerpb.NodesResponse{}
		if op.IsZero() {
			r.Page, err = page(st, registry.NodePrefix(), req.Page, MaxPage, func(_, value []byte) bool {
				n := &ledgerpb.Node{}
				codec.MustUnmarshal(value, n)
				r.Nodes = append(r.Nodes, nodeStatus(n, p, req.Height))
				return true
			})
		} else {
			prefix := registry.OperatorNodePrefix(op)
			r.Page, err = page(st, prefix, req.Page, MaxPage, func(key, _ []byte) bool {
				n := a.registry.Node(st, key[len(prefix):])
				if n == nil {
					panic(fmt.Sprintf("registry: corrupt state: indexed node %x is missing", key[len(prefix):]))
				}
				r.Nodes = append(r.Nodes, nodeStatus(n, p, req.Height))
				return true
			})
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	case PathPackage:
		id, err := queryPackageID(data)
		if err != nil {
			return nil, err
		}
		pkg := a.registry.Package(st, id)
		if pkg == nil {
			return nil, ErrNotFound.Errorf("%s: package %x is not registered", path, id)
		}
		return pkg, nil
	case PathPackagesByName:
		var req ledgerpb.PackagesRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want a PackagesRequest: %v", err)
		}
		if req.Name == "" || strings.ContainsRune(req.Name, 0) {
			return nil, ErrInvalidQuery.Errorf("name %q: want a package name", req.Name)
		}
		prefix := registry.PackageNamePrefix(req.Name)
		r := &ledgerpb.PackagesResponse{}
		var err error
		r.Page, err = page(st, prefix, req.Page, MaxPage, func(key, _ []byte) bool {
			id := key[len(prefix)+8:] // after the registration height
			pkg := a.registry.Package(st, id)
			if pkg == nil {
				panic(fmt.Sprintf("registry: corrupt state: indexed package %x is missing", id))
			}
			r.Packages = append(r.Packages, pkg)
			return true
		})
		if err != nil {
			return nil, err
		}
		return r, nil
	case PathOfferings:
		var req ledgerpb.OfferingsRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want an OfferingsRequest: %v", err)
		}
		r := &ledgerpb.OfferingsResponse{}
		var err error
		switch {
		case len(req.Vendor) != 0 && len(req.PackageId) != 0:
			return nil, ErrInvalidQuery.Errorf("data: name a vendor or a package id, not both")
		case len(req.PackageId) != 0:
			if len(req.PackageId) != registry.PackageIDSize {
				return nil, ErrInvalidQuery.Errorf("data: package_id: want %d bytes, got %d", registry.PackageIDSize, len(req.PackageId))
			}
			prefix := registry.PackageOfferingPrefix(req.PackageId)
			r.Page, err = page(st, prefix, req.Page, MaxPage, func(key, _ []byte) bool {
				vendor := address.Address(key[len(prefix):])
				o := a.registry.Offering(st, vendor, req.PackageId)
				if o == nil {
					panic(fmt.Sprintf("registry: corrupt state: indexed offering %s/%x is missing", vendor, req.PackageId))
				}
				r.Offerings = append(r.Offerings, o)
				return true
			})
		default:
			var vendor address.Address
			if len(req.Vendor) != 0 {
				if vendor, err = address.FromBytes(req.Vendor); err != nil {
					return nil, ErrInvalidQuery.Errorf("data: vendor: %v", err)
				}
			}
			r.Page, err = page(st, registry.OfferingPrefix(vendor), req.Page, MaxPage, func(_, value []byte) bool {
				o := &ledgerpb.Offering{}
				codec.MustUnmarshal(value, o)
				r.Offerings = append(r.Offerings, o)
				return true
			})
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, ErrUnknownPath.Errorf("query path %q: not served", path)
}

// page reads one page of the list of entries whose state keys start with
// prefix, in key order, from the cursor of req (see MaxPage): it calls
// take on each entry until take has accepted the page's limit of them or
// scan entries were read, and returns the cursor of the next page, the
// key of the first entry not read, or none at the end of the list.
func page(st store.KVStore, prefix []byte, req *ledgerpb.PageRequest, scan int, take func(key, value []byte) bool) (*ledgerpb.PageResponse, error) {
	start := prefix
	if k := req.GetKey(); len(k) != 0 {
		if !bytes.HasPrefix(k, prefix) || len(k) == len(prefix) {
			return nil, ErrInvalidQuery.Errorf("page key %x: not a cursor of this list", k)
		}
		start = k
	}
	limit := int(req.GetLimit())
	if limit == 0 || limit > MaxPage {
		limit = MaxPage
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

// queryPackageID reads a package id given as 32 raw bytes or 64 hex
// characters.
func queryPackageID(data []byte) ([]byte, error) {
	switch len(data) {
	case registry.PackageIDSize:
		return data, nil
	case 2 * registry.PackageIDSize:
		if id, err := hex.DecodeString(string(data)); err == nil {
			return id, nil
		}
	}
	return nil, ErrInvalidQuery.Errorf("data: want a package id, 32 bytes or 64 hex characters")
}

// queryMarket answers the market's paths.
func (a *App) queryMarket(st store.KVStore, path string, data []byte) (proto.Message, error) {
	if path == PathOrder {
		var req ledgerpb.OrderRequest
		if err := proto.Unmarshal(data, &req); err != nil {
			return nil, ErrInvalidQuery.Errorf("data: want an OrderRequest: %v", err)
		}
		o := a.market.Order(st, req.OrderId)
		if o == nil {
			return nil, ErrNotFound.Errorf("order %d: no such order", req.OrderId)
		}
		return &ledgerpb.OrderResponse{Order: o, Bids: a.market.Bids(st, o.Id)}, nil
	}
	var req ledgerpb.OrdersRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, ErrInvalidQuery.Errorf("data: want an OrdersRequest: %v", err)
	}
	limit := int(req.Limit)
	if limit == 0 || limit > MaxOrdersPerQuery {
		limit = MaxOrdersPerQuery
	}
	if (len(req.Buyer) != 0 && len(req.Buyer) != address.Size) || (len(req.Provider) != 0 && len(req.Provider) != address.Size) {
		return nil, ErrInvalidQuery.Errorf("buyer, provider: want 20-byte addresses")
	}
	var prefix []byte
	set := 0
	if len(req.Buyer) != 0 {
		set++
		prefix = market.BuyerPrefix(address.Address(req.Buyer))
	}
	if len(req.Provider) != 0 {
		set++
		prefix = market.ProviderPrefix(address.Address(req.Provider))
	}
	if req.State != ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED {
		set++
		if market.StateName(req.State) == "" {
			return nil, ErrInvalidQuery.Errorf("state %d: unknown", req.State)
		}
		prefix = market.StatePrefix(req.State)
	}
	switch {
	case path == PathOpenContracts && (len(req.Provider) == 0 || set != 1):
		return nil, ErrInvalidQuery.Errorf("%s: name a provider, and nothing else", path)
	case set != 1:
		return nil, ErrInvalidQuery.Errorf("%s: name exactly one of buyer, provider, state", path)
	}
	resp := &ledgerpb.OrdersResponse{}
	start := req.StartId
	for {
		// open_contracts filters the provider's contracts; bounded by
		// the provider's own index.
		ids, next := a.market.OrderIDs(st, prefix, start, limit-len(resp.Orders))
		for _, id := range ids {
			o := a.market.Order(st, id)
			if path == PathOpenContracts && o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED && o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED &&
				o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
				continue
			}
			resp.Orders = append(resp.Orders, o)
		}
		resp.NextId = next
		if next == 0 || len(resp.Orders) == limit {
			return resp, nil
		}
		start = next
	}
}

// MaxLogPage is the most reputation log entries one query returns.
const MaxLogPage = 1000

func (a *App) queryLog(st store.KVStore, data []byte) (*ledgerpb.ReputationLogResponse, error) {
	current := a.skills.CurrentCycle(st)
	res := &ledgerpb.ReputationLogResponse{Cycle: current, CurrentCycle: current}
	switch len(data) {
	case 0:
	case 8, 16:
		res.Cycle = binary.BigEndian.Uint64(data[:8])
		if len(data) == 16 {
			res.Start = binary.BigEndian.Uint64(data[8:])
		}
	default:
		return nil, ErrInvalidQuery.Errorf("reputation/log: data must be empty, a cycle (8 bytes) or a cycle and a start index (16 bytes), got %d bytes", len(data))
	}
	entries, _ := a.skills.LogLength(st, res.Cycle)
	for i := res.Start; i < entries && len(res.Entries) < MaxLogPage; i++ {
		e, ok := a.skills.LogEntry(st, res.Cycle, i)
		if !ok {
			return nil, ErrInternal.Errorf("reputation/log: cycle %d entry %d missing", res.Cycle, i)
		}
		res.Entries = append(res.Entries, e.Record())
	}
	if end := res.Start + uint64(len(res.Entries)); end < entries {
		res.Next = end
	}
	return res, nil
}

// MaxSkillsPage is the most skills one PathSkills reply returns.
const MaxSkillsPage = 1000

func (a *App) querySkills(st store.KVStore, data []byte) (*ledgerpb.SkillsResponse, error) {
	start := uint64(1)
	switch len(data) {
	case 0:
	case 8:
		if start = binary.BigEndian.Uint64(data); start == 0 {
			start = 1
		}
	default:
		return nil, ErrInvalidQuery.Errorf("%s: data must be empty or a start id (8 bytes), got %d bytes", PathSkills, len(data))
	}
	n := a.skills.SkillCount(st)
	res := &ledgerpb.SkillsResponse{}
	for id := start; id <= n && len(res.Skills) < MaxSkillsPage; id++ {
		sk := a.skills.Skill(st, id)
		if sk == nil {
			return nil, ErrInternal.Errorf("%s: skill %d missing", PathSkills, id)
		}
		res.Skills = append(res.Skills, sk)
	}
	if end := start + uint64(len(res.Skills)); len(res.Skills) > 0 && end <= n {
		res.Next = end
	}
	return res, nil
}

// firstN returns at most the first n elements of xs.
func firstN[T any](xs []T, n int) []T {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

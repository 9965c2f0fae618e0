// Package query is the ledger's query protocol, as the chain adapter
// (chain/) serves it and clients (client/) speak it: the ABCI query paths,
// the table of the ledger's own queries with the request and response
// message of each (Paths), their paging, and the codes of a failed query.
//
// An ABCI query names one of two kinds of path:
//
//   - Store: one raw key of the ledger state, with an ICS-23 proof
//     (ProofOpICS23) of its value, or of its absence, against the app hash
//     of the height read; the key helpers are the modules' (bank.BalanceKey,
//     reputation.RootKey, …). A client that verifies the proof against a
//     header it trusts needs to trust no node.
//   - AppPrefix + a path of Paths: a question the ledger answers from its
//     state (ledger/app Query), unproven. The query's data is the path's
//     Request message serialized (none for a path without one), the reply
//     its Response message. A failed query carries a code (codes.Of):
//     ErrUnknownPath, ErrInvalidQuery, ErrNotFound, ErrNotInitialized,
//     ErrHeight, ErrInternal.
//
// Both read the committed state of the query's height (0: the latest).
//
// # Paging
//
// A list query (Path.MaxPage > 0) pages with one shape: its request
// carries a ledgerpb.PageRequest and its response a ledgerpb.PageResponse.
// The first page asks with an empty key; each next page asks with the
// previous page's next_key, an opaque cursor (the state key of the next
// entry); a page whose next_key is empty is the last. A limit of 0, or
// above the path's MaxPage, asks for MaxPage entries. A list that filters
// as it reads (the unbondings of one operator, a provider's open
// contracts) reads at most MaxPageScan entries per page, so a page may be
// short, or empty, and still have a next page. Reading every page at the
// height of the first lists one committed state, however the list changes
// meanwhile (client: the list methods do so).
package query

import (
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// ABCI query paths (QueryRequest.Path) served by the chain adapter.
const (
	// Store reads one raw key of the ledger state (QueryRequest.Data) at
	// QueryRequest.Height (0: the last committed height); with Prove it
	// returns an ICS-23 proof of the value (or of its absence) against
	// that height's app hash, as one proof op of type ProofOpICS23. The
	// app hash of the state after block h is in the header of block h+1.
	Store = "store"
	// AppPrefix prefixes the ledger's own queries: "app/bank/balance" is
	// the path Balance.
	AppPrefix = "app/"
	// ProofOpICS23 is the type of the proof op of a Store reply: its Data
	// is a serialized ics23.CommitmentProof for the IAVL tree.
	ProofOpICS23 = "ics23:iavl"
)

// The ledger's own query paths, after AppPrefix. Every reply is a
// serialized ledgerpb message; Paths lists each path's request and
// response messages.
const (
	// Balance: AddressRequest → BalanceResponse (balance in ucell).
	Balance = "bank/balance"
	// Supply: no data → SupplyResponse (total supply, genesis supply,
	// minted and burned totals, treasury balance; ucell).
	Supply = "bank/supply"
	// Account: AddressRequest → Account (sequence = the next
	// transaction's; an address that never signed gets sequence 0 and no
	// public key).
	Account = "auth/account"
	// Validators: ValidatorsRequest → ValidatorsResponse: a page of the
	// validators with their voting power, by operator address.
	Validators = "staking/validators"
	// Validator: AddressRequest naming an operator → ValidatorStatus;
	// ErrNotFound if it operates none.
	Validator = "staking/validator"
	// Unbondings: UnbondingsRequest naming an operator (20 bytes), or none
	// for every operator → UnbondingsResponse: a page of the entries by
	// completion height, then operator, then creation height (a page of
	// one operator's entries may be short: MaxPageScan).
	Unbondings = "staking/unbondings"
	// Delegations: DelegationsRequest naming a delegator →
	// DelegationsResponse: a page of its delegations by validator, with
	// their worth and pending rewards in ucell.
	Delegations = "staking/delegations"
	// Rewards: RewardsRequest naming a delegator and a validator →
	// RewardsResponse: the delegation's pending rewards and the
	// validator's commission owed, in ucell; ErrNotFound if the validator
	// does not exist.
	Rewards = "distribution/rewards"
	// TreasuryBalance: no data → BalanceResponse of the treasury.
	TreasuryBalance = "treasury/balance"
	// Params: no data → Params.
	Params = "params"
	// Profile: AddressRequest → Profile; ErrNotFound if it has none.
	Profile = "registry/profile"
	// Node: NodeRequest → NodeStatus (expiry judged at the request's
	// height); ErrNotFound if no node has the key.
	Node = "registry/node"
	// Nodes: NodesRequest naming an operator (20 bytes) or none for every
	// node → NodesResponse: a page of the nodes by node key, expired
	// nodes with expired set (judged at the request's height; 0: not
	// judged).
	Nodes = "registry/nodes"
	// Package: PackageRequest → Package; ErrNotFound if it is not
	// registered.
	Package = "registry/package"
	// PackagesByName: PackagesRequest naming a package name →
	// PackagesResponse: a page of the packages of that name in
	// registration order (none if the name is not registered).
	PackagesByName = "registry/packages_by_name"
	// Offerings: OfferingsRequest naming a vendor (20 bytes: its
	// offerings, by package id), a package id (32 bytes: its offerings,
	// by vendor), or neither (every offering, by vendor then package id)
	// → OfferingsResponse: a page of them.
	Offerings = "registry/offerings"
	// Skill: SkillRequest → Skill; ErrNotFound if no skill has the path.
	Skill = "reputation/skill"
	// Skills: SkillsRequest → SkillsResponse: a page of every skill in id
	// (creation) order. A miner replays the log over the whole skill tree.
	Skills = "reputation/skills"
	// ReputationLog: ReputationLogRequest naming a cycle (none: the open
	// cycle) and the index to start at → ReputationLogResponse: a page of
	// the cycle's log, with the index of its first entry and the open
	// cycle.
	ReputationLog = "reputation/log"
	// ReputationRoot: no data → ReputationRoot, the latest accepted;
	// ErrNotFound before the first. Unproven: read reputation.RootKey
	// through Store for a proof.
	ReputationRoot = "reputation/root"
	// Mining: no data → MiningStatus: the cycle being mined (if any), its
	// window, its number of updates N, its submissions and claims, and
	// while they are challenged the round and its challenges (each list
	// the first MaxPage), the latest accepted root, and whether mining is
	// in recovery mode.
	Mining = "reputation/mining"
	// Recovery: no data → RecoveryStatus: whether reputation mining is in
	// recovery mode, the recovery addresses, the edit sequence, the exit
	// approvals (those at the current edit count) and how many are
	// needed.
	Recovery = "reputation/recovery"
	// Miner: AddressRequest → Miner; ErrNotFound if it has no stake.
	Miner = "reputation/miner"
	// Order: OrderRequest → OrderResponse (the order with its contract,
	// delivery and ratings, and the bids while it is open); ErrNotFound if
	// no order has the id.
	Order = "market/order"
	// Orders: OrdersRequest naming exactly one of buyer, provider (its
	// contracts) or state → OrdersResponse: a page of the orders by id,
	// from start_id on.
	Orders = "market/orders"
	// OpenContracts: OrdersRequest naming a provider → OrdersResponse of
	// its AWARDED, DELIVERED and DISPUTED orders, by id, paged as Orders
	// (a page may be short: MaxPageScan).
	OpenContracts = "market/open_contracts"
	// Dispute: OrderRequest → Dispute, the order's latest dispute with
	// its drawn verifiers, commits, reveals and verdict; ErrNotFound if
	// the order does not exist or was never disputed.
	Dispute = "market/dispute"
	// Verifier: VerifierRequest → VerifierResponse; ErrNotFound if the
	// node is no verifier.
	Verifier = "market/verifier"
	// Credit: AddressRequest → BalanceResponse of its store credit (0 if
	// none).
	Credit = "market/credit"
	// Prices: PricesRequest naming a registered package id (ErrNotFound
	// if it is not) and the order's input size → PricesResponse: a page
	// of the nodes that could bid on an order of it — they publish a
	// price list, fit the package (market.Fits) and are active at the
	// request's height (0: not judged) — by node key, each with its
	// asking price (registry.AskingPrice; a node whose price overflows is
	// left out). A page may be short: MaxPageScan.
	Prices = "market/prices"
	// Proposal: ProposalRequest → Proposal; ErrNotFound if no proposal
	// has the id.
	Proposal = "gov/proposal"
	// Proposals: ProposalsRequest → ProposalsResponse: a page of the
	// proposals by id.
	Proposals = "gov/proposals"
	// Votes: VotesRequest → VotesResponse: a page of a proposal's votes
	// by voter.
	Votes = "gov/votes"
	// Tally: ProposalRequest → Tally: a voting proposal's votes counted
	// as the end of voting would count them now; the final tally of a
	// proposal whose voting ended; ErrNotFound if no proposal has the id
	// or it never voted.
	Tally = "gov/tally"
	// Simulate: SimulateRequest → SimulateResponse: the result a signed
	// transaction would have, without committing it. The chain adapter
	// runs it on a branch of the mempool's state (so that an account's
	// pending transactions count, as CheckTx counts them) with the next
	// block's height: the next block's begin-block hooks, then the
	// transaction's form, signature, sequence and fee checks, then its
	// messages, exactly as the block would (ledger/app Simulate); the
	// branch is thrown away. The query's height is ignored.
	Simulate = "simulate"
)

// Page limits.
const (
	// MaxPage is the most entries one page of a list query returns,
	// unless its path says otherwise (Path.MaxPage).
	MaxPage = 100
	// MaxPageScan bounds the state entries one page of a filtered list
	// reads (Unbondings of one operator, OpenContracts, Prices): a page that
	// reaches it ends early, with a next_key, so one query costs at most
	// MaxPageScan reads however few entries match.
	MaxPageScan = 10 * MaxPage
	// MaxLogPage is the most reputation log entries one ReputationLog
	// page returns.
	MaxLogPage = 1000
	// MaxSkillsPage is the most skills one Skills page returns.
	MaxSkillsPage = 1000
)

// Path is one of the ledger's own query paths.
type Path struct {
	// Name is the path after AppPrefix, e.g. "bank/balance".
	Name string
	// Request is the message of the query's data, as a zero value; nil
	// for a path that takes no data.
	Request proto.Message
	// Response is the message of the reply, as a zero value.
	Response proto.Message
	// MaxPage is the most entries of one page of a list query, whose
	// Request carries a PageRequest and whose Response a PageResponse;
	// 0 for a query that is not a list.
	MaxPage int
}

// Paths returns the table of the ledger's query paths, in the order of
// the constants above.
func Paths() []Path {
	return []Path{
		{Name: Balance, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.BalanceResponse{}},
		{Name: Supply, Response: &ledgerpb.SupplyResponse{}},
		{Name: Account, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.Account{}},
		{Name: Validators, Request: &ledgerpb.ValidatorsRequest{}, Response: &ledgerpb.ValidatorsResponse{}, MaxPage: MaxPage},
		{Name: Validator, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.ValidatorStatus{}},
		{Name: Unbondings, Request: &ledgerpb.UnbondingsRequest{}, Response: &ledgerpb.UnbondingsResponse{}, MaxPage: MaxPage},
		{Name: Delegations, Request: &ledgerpb.DelegationsRequest{}, Response: &ledgerpb.DelegationsResponse{}, MaxPage: MaxPage},
		{Name: Rewards, Request: &ledgerpb.RewardsRequest{}, Response: &ledgerpb.RewardsResponse{}},
		{Name: TreasuryBalance, Response: &ledgerpb.BalanceResponse{}},
		{Name: Params, Response: &ledgerpb.Params{}},
		{Name: Profile, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.Profile{}},
		{Name: Node, Request: &ledgerpb.NodeRequest{}, Response: &ledgerpb.NodeStatus{}},
		{Name: Nodes, Request: &ledgerpb.NodesRequest{}, Response: &ledgerpb.NodesResponse{}, MaxPage: MaxPage},
		{Name: Package, Request: &ledgerpb.PackageRequest{}, Response: &ledgerpb.Package{}},
		{Name: PackagesByName, Request: &ledgerpb.PackagesRequest{}, Response: &ledgerpb.PackagesResponse{}, MaxPage: MaxPage},
		{Name: Offerings, Request: &ledgerpb.OfferingsRequest{}, Response: &ledgerpb.OfferingsResponse{}, MaxPage: MaxPage},
		{Name: Skill, Request: &ledgerpb.SkillRequest{}, Response: &ledgerpb.Skill{}},
		{Name: Skills, Request: &ledgerpb.SkillsRequest{}, Response: &ledgerpb.SkillsResponse{}, MaxPage: MaxSkillsPage},
		{Name: ReputationLog, Request: &ledgerpb.ReputationLogRequest{}, Response: &ledgerpb.ReputationLogResponse{}, MaxPage: MaxLogPage},
		{Name: ReputationRoot, Response: &ledgerpb.ReputationRoot{}},
		{Name: Mining, Response: &ledgerpb.MiningStatus{}},
		{Name: Recovery, Response: &ledgerpb.RecoveryStatus{}},
		{Name: Miner, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.Miner{}},
		{Name: Order, Request: &ledgerpb.OrderRequest{}, Response: &ledgerpb.OrderResponse{}},
		{Name: Orders, Request: &ledgerpb.OrdersRequest{}, Response: &ledgerpb.OrdersResponse{}, MaxPage: MaxPage},
		{Name: OpenContracts, Request: &ledgerpb.OrdersRequest{}, Response: &ledgerpb.OrdersResponse{}, MaxPage: MaxPage},
		{Name: Dispute, Request: &ledgerpb.OrderRequest{}, Response: &ledgerpb.Dispute{}},
		{Name: Verifier, Request: &ledgerpb.VerifierRequest{}, Response: &ledgerpb.VerifierResponse{}},
		{Name: Credit, Request: &ledgerpb.AddressRequest{}, Response: &ledgerpb.BalanceResponse{}},
		{Name: Prices, Request: &ledgerpb.PricesRequest{}, Response: &ledgerpb.PricesResponse{}, MaxPage: MaxPage},
		{Name: Proposal, Request: &ledgerpb.ProposalRequest{}, Response: &ledgerpb.Proposal{}},
		{Name: Proposals, Request: &ledgerpb.ProposalsRequest{}, Response: &ledgerpb.ProposalsResponse{}, MaxPage: MaxPage},
		{Name: Votes, Request: &ledgerpb.VotesRequest{}, Response: &ledgerpb.VotesResponse{}, MaxPage: MaxPage},
		{Name: Tally, Request: &ledgerpb.ProposalRequest{}, Response: &ledgerpb.Tally{}},
		{Name: Simulate, Request: &ledgerpb.SimulateRequest{}, Response: &ledgerpb.SimulateResponse{}},
	}
}

// Lookup returns the path named name (after AppPrefix), and false if the
// ledger serves none.
func Lookup(name string) (Path, bool) {
	for _, p := range Paths() {
		if p.Name == name {
			return p, true
		}
	}
	return Path{}, false
}

// Names returns the names of every path, in table order.
func Names() []string {
	ps := Paths()
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

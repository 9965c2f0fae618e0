package bid

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/spec"
)

// Input is everything Decide looks at.
type Input struct {
	// Order is the order as the chain and the registry describe it.
	Order Order
	// BidStakeRatioBps is the chain's bid_stake_ratio_bps (ledger/params).
	BidStakeRatioBps uint32
	// MinBidStake (ucell) and MinPrice (ucell) are the chain's
	// min_bid_stake and min_price; NetworkFeeBps its network_fee_bps.
	MinBidStake, MinPrice uint64
	NetworkFeeBps         uint32
	// TxFee is the fee the node pays for each of its transactions, in
	// ucell: the chain's min_fee unless the node pays more (Costs).
	TxFee uint64
	// Node is the node's own state.
	Node Node
	// Pricing is the node's price list (Pricing.PriceList, the one it
	// publishes) and stake margin. Decide does not re-validate it;
	// config.Load already has.
	Pricing config.Pricing
}

// Order describes an OPEN order.
type Order struct {
	// MaxPrice is the order's max_price, in ucell.
	MaxPrice uint64
	// PackageID is the order's package id.
	PackageID spec.ID
	// Kind is the package's kind in its registry record.
	Kind ledgerpb.PackageKind
	// InputBytes is the total size of the inputs, meaningful only when
	// InputSizeKnown is set.
	InputBytes     uint64
	InputSizeKnown bool
	// MinProviderReputation is the order's min_provider_reputation; zero
	// means none.
	MinProviderReputation uint64
	// RoyaltyBps is the author's royalty the chain takes from the price:
	// the package's royalty_bps capped at the chain's max_royalty_bps.
	RoyaltyBps uint32
	// ParamsError, when not empty, says why the order's parameters do not
	// fit the package (a missing required or an undeclared parameter):
	// the run would be refused, so the node does not bid.
	ParamsError string
	// ResourcesError, when not empty, says why the node cannot give the
	// run the limits the package declares (memory, output, …): its
	// outcome would depend on the host, so the node does not bid.
	ResourcesError string
	// CoverError, for a protocol package, when not empty, says why none
	// of the node's bots can run the order's protocol (filled with the
	// order's parameters): each BotSpec's first unmet requirement
	// (node/bot.Select).
	CoverError string
}

// Node is the node's state at the time of the decision.
type Node struct {
	// Architectures are the tags the node runs (config.Architectures).
	Architectures []string
	// Capacity is the number of concurrent jobs (config.Capacity), and
	// OpenJobs the jobs awarded or bid on and not finished.
	Capacity, OpenJobs int
	// Fetchable says the package is cached or a registered location serves
	// it.
	Fetchable bool
	// FreeBalance is the operator account's spendable balance, in ucell.
	FreeBalance uint64
	// Reputation is the node's own reputation; nil when unknown.
	Reputation *big.Int
}

// Reason is the code of a NoBid: a short, stable, lowercase token for logs
// and metrics.
type Reason string

// Reasons of a NoBid.
const (
	ReasonBadParams           Reason = "bad-params"
	ReasonOrderParams         Reason = "order-params"
	ReasonResources           Reason = "resources"
	ReasonBelowMinPrice       Reason = "below-min-price"
	ReasonKind                Reason = "kind"
	ReasonNotCovered          Reason = "not-covered"
	ReasonArchitecture        Reason = "architecture"
	ReasonReputation          Reason = "reputation"
	ReasonNoCapacity          Reason = "no-capacity"
	ReasonNotFetchable        Reason = "not-fetchable"
	ReasonInputSizeUnknown    Reason = "input-size-unknown"
	ReasonAboveMaxPrice       Reason = "above-max-price"
	ReasonBelowCost           Reason = "below-cost"
	ReasonOverflow            Reason = "overflow"
	ReasonInsufficientBalance Reason = "insufficient-balance"
)

// Decision is the outcome of Decide: exactly one of Bid and NoBid is set.
type Decision struct {
	Bid   *Bid
	NoBid *NoBid
}

// Bid is a bid to post: Price ≤ the order's max price, Stake ≥ the chain's
// minimum bid stake for Price, both in ucell.
type Bid struct {
	Price, Stake uint64
}

// NoBid says why the node does not bid: Reason for machines, Detail for
// people (may be empty).
type NoBid struct {
	Reason Reason
	Detail string
}

// String returns "reason: detail", or the reason alone without a detail.
func (n NoBid) String() string {
	if n.Detail == "" {
		return string(n.Reason)
	}
	return string(n.Reason) + ": " + n.Detail
}

func noBid(r Reason, format string, args ...any) Decision {
	return Decision{NoBid: &NoBid{Reason: r, Detail: fmt.Sprintf(format, args...)}}
}

// Decide applies the rules of the package doc, in order, and returns the
// first one that refuses, or the bid.
func Decide(in Input) Decision {
	o, n, p := in.Order, in.Node, in.Pricing
	if in.BidStakeRatioBps > 10_000 {
		return noBid(ReasonBadParams, "bid_stake_ratio_bps %d > 10000", in.BidStakeRatioBps)
	}
	if uint64(in.NetworkFeeBps)+uint64(o.RoyaltyBps) >= 10_000 {
		return noBid(ReasonBadParams, "network fee %d bps + royalty %d bps leave the provider nothing", in.NetworkFeeBps, o.RoyaltyBps)
	}
	if p.StakeRatioMarginBps > config.MaxStakeMarginBps {
		return noBid(ReasonBadParams, "stake_ratio_margin_bps %d > %d", p.StakeRatioMarginBps, config.MaxStakeMarginBps)
	}
	switch o.Kind {
	case ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE:
		if !slices.Contains(n.Architectures, spec.ArchWasm32WASIP1) {
			return noBid(ReasonArchitecture, "package needs %s", spec.ArchWasm32WASIP1)
		}
	case ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL:
		if !slices.Contains(n.Architectures, bot.Architecture) {
			return noBid(ReasonKind, "protocol packages need a lab (%s); this node has no bot", bot.Architecture)
		}
	default:
		return noBid(ReasonKind, "package kind %s is neither compute nor protocol", o.Kind)
	}
	if o.ParamsError != "" {
		return noBid(ReasonOrderParams, "%s", o.ParamsError)
	}
	if o.ResourcesError != "" {
		return noBid(ReasonResources, "%s", o.ResourcesError)
	}
	if o.CoverError != "" {
		return noBid(ReasonNotCovered, "%s", o.CoverError)
	}
	if o.MinProviderReputation > 0 && n.Reputation != nil &&
		n.Reputation.Cmp(new(big.Int).SetUint64(o.MinProviderReputation)) < 0 {
		return noBid(ReasonReputation, "own reputation %s < order minimum %d", n.Reputation, o.MinProviderReputation)
	}
	if n.OpenJobs >= n.Capacity {
		return noBid(ReasonNoCapacity, "%d of %d jobs running", n.OpenJobs, n.Capacity)
	}
	if !n.Fetchable {
		return noBid(ReasonNotFetchable, "package %s is neither cached nor served by a registered location", o.PackageID)
	}
	if p.PerInputMiB > 0 && !o.InputSizeKnown {
		return noBid(ReasonInputSizeUnknown, "pricing by input size (%d ucell per MiB) needs the input size", p.PerInputMiB)
	}
	price, err := registry.AskingPrice(p.PriceList(), o.PackageID[:], o.InputBytes)
	if err != nil {
		return noBid(ReasonOverflow, "%v", err)
	}
	if price > o.MaxPrice {
		// Below the asking price only down to the private floor.
		switch {
		case p.Floor == 0:
			return noBid(ReasonAboveMaxPrice, "asking price %d ucell > the order's max price %d ucell", price, o.MaxPrice)
		case o.MaxPrice < p.Floor:
			return noBid(ReasonAboveMaxPrice, "asking price %d ucell > the order's max price %d ucell < floor %d ucell", price, o.MaxPrice, p.Floor)
		}
		price = o.MaxPrice
	}
	if price < in.MinPrice {
		return noBid(ReasonBelowMinPrice, "price %d ucell < the chain's min_price %d ucell", price, in.MinPrice)
	}
	// The chain pays price − network fee − royalty (ledger/market:
	// payout); the provider pays a fee for each of its transactions.
	if net, costs := Net(price, in.NetworkFeeBps, o.RoyaltyBps), Costs(in.TxFee); net <= costs {
		least := "none"
		if c, ok := addSat(costs, 1); ok {
			least = fmt.Sprintf("%d ucell", Gross(c, in.NetworkFeeBps+o.RoyaltyBps))
		}
		return noBid(ReasonBelowCost, "price %d ucell pays %d ucell after the network fee (%d bps) and royalty (%d bps), not more than the %d ucell of fees of the provider's %d transactions; the least price that covers them: %s",
			price, net, in.NetworkFeeBps, o.RoyaltyBps, costs, ProviderTxsPerOrder, least)
	}
	required := max(in.MinBidStake, market.MinBidStake(price, in.BidStakeRatioBps))
	stake, ok := addSat(required, market.MinBidStake(price, p.StakeRatioMarginBps))
	if !ok {
		return noBid(ReasonOverflow, "stake for price %d ucell overflows", price)
	}
	if _, ok := addSat(price, stake); !ok {
		return noBid(ReasonOverflow, "price %d + stake %d ucell overflows", price, stake)
	}
	if stake > n.FreeBalance {
		return noBid(ReasonInsufficientBalance, "stake %d ucell > free balance %d ucell", stake, n.FreeBalance)
	}
	return Decision{Bid: &Bid{Price: price, Stake: stake}}
}

// ProviderTxsPerOrder is the number of transactions a provider signs for
// an order it wins and delivers, each paying a fee of at least the
// chain's min_fee: its bid, its delivery and the reveal of its rating.
const ProviderTxsPerOrder = 3

// Costs returns the fees, in ucell, a provider pays for an order it wins
// and delivers when each transaction pays txFee: ProviderTxsPerOrder ×
// txFee, saturating at math.MaxUint64.
func Costs(txFee uint64) uint64 {
	hi, lo := bits.Mul64(txFee, ProviderTxsPerOrder)
	if hi != 0 {
		return math.MaxUint64
	}
	return lo
}

// Gross returns the price whose payment, after cutBps of it are taken
// (network fee and royalty, basis points), is at least net:
// ceil(net × 10000 / (10000 − cutBps)), saturating at math.MaxUint64.
// cutBps must be below 10000.
func Gross(net uint64, cutBps uint32) uint64 {
	keep := uint64(10_000 - cutBps)
	hi, lo := bits.Mul64(net, 10_000)
	lo, c := bits.Add64(lo, keep-1, 0)
	hi += c
	if hi >= keep {
		return math.MaxUint64
	}
	q, _ := bits.Div64(hi, lo, keep)
	// Rounding down of each cut may leave one more ucell than asked;
	// step back while the payment still covers net.
	for q > net && Net(q-1, cutBps, 0) >= net {
		q--
	}
	return q
}

// Net returns what the chain pays a provider for price (ucell): price −
// floor(price × feeBps / 10000) − floor(price × royaltyBps / 10000), as
// the market's close computes it (ledger/market: payout).
func Net(price uint64, feeBps, royaltyBps uint32) uint64 {
	fee := mulDiv(price, uint64(feeBps))
	royalty := min(mulDiv(price, uint64(royaltyBps)), price-fee)
	return price - fee - royalty
}

func mulDiv(a, bps uint64) uint64 {
	hi, lo := bits.Mul64(a, bps)
	q, _ := bits.Div64(hi, lo, 10_000)
	return q
}

// addSat returns a + b, or math.MaxUint64 and false when the sum overflows.
func addSat(a, b uint64) (uint64, bool) {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64, false
	}
	return s, true
}

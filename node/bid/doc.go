// Package bid decides whether a fulfillment node bids on an order, and at
// what price and stake.
//
// Decide is a pure function: it does no I/O and reads no clock. The node
// gathers everything the decision needs into an Input (the order, the
// package's registry record, the chain's bid_stake_ratio_bps, the node's
// own state and its pricing policy from node/config) and gets back a
// Decision: a Bid to post or a NoBid whose String is the line the node
// logs.
//
// # Use
//
//  1. For each new OPEN order, fill an Input:
//     in := bid.Input{Order: bid.Order{MaxPrice: o.MaxPrice, ...},
//     BidStakeRatioBps: params.BidStakeRatioBps, TxFee: params.MinFee,
//     Node: ..., Pricing: cfg.Pricing}
//  2. d := bid.Decide(in)
//  3. If d.Bid != nil, post MsgBid{Price: d.Bid.Price, Stake: d.Bid.Stake};
//     otherwise log d.NoBid.String(), e.g.
//     "no-capacity: 2 of 2 jobs running".
//
// # Rules, in the order they are checked
//
//  1. The chain's bid_stake_ratio_bps is at most 10000 (ReasonBadParams).
//  2. Kind and architecture: a compute package needs wasm32-wasip1 among
//     the node's architectures (market.md: "Bid", "a registered node
//     whose architectures fit the package") (ReasonArchitecture); a
//     protocol package needs a bot, the architecture autoprotocol/1 that
//     a node with bots announces (ReasonKind); another kind is refused
//     (ReasonKind).
//  3. Then the order's parameters must fit the package's declared ones
//     (Order.ParamsError; ReasonOrderParams; for a protocol package, the
//     protocol filled with them must also validate): a run the package
//     refuses could not be delivered. The host must give the limits a
//     compute package declares (Order.ResourcesError; ReasonResources).
//     For a protocol package, one of the node's BotSpecs must cover the
//     filled protocol's requirements (Order.CoverError, each BotSpec's
//     first unmet requirement; ReasonNotCovered).
//  4. Reputation: when the order names a minimum provider reputation and
//     the node knows its own, the node must reach it (ReasonReputation).
//     The ledger stores the minimum without enforcing it yet; an unknown
//     reputation does not prevent a bid.
//  5. Capacity: at least one free job slot (ReasonNoCapacity).
//  6. The package can be fetched or is cached (ReasonNotFetchable).
//  7. Price: the asking price is registry.AskingPrice of the node's
//     price list (Pricing.PriceList, the list the node publishes with its
//     announcement, so a buyer's quote is the price bid):
//     PerPackage[id] or else Base, plus PerInputMiB × ceil(input bytes /
//     MiB), at least Minimum. Pricing by input size needs the size the
//     order declares (Order.input_bytes, which the node then checks
//     against the committed inputs; ReasonInputSizeUnknown without it); a price that does not fit a uint64 is
//     ReasonOverflow. The node bids that price when the order's max price
//     allows it; above the max price it bids the max price if that is at
//     least its private Pricing.Floor (zero, the default: no bid)
//     (ReasonAboveMaxPrice). The price is at least the chain's min_price
//     (ReasonBelowMinPrice). The network fee and
//     royalty must leave the node something (ReasonBadParams).
//  8. Costs: the payment (Net of the price: price less the network fee
//     and the author's royalty, as ledger/market's payout computes it)
//     must exceed the fees of the provider's ProviderTxsPerOrder
//     transactions (Costs of the node's fee, at least min_fee), so that a delivered
//     order never loses the provider money (ReasonBelowCost).
//  9. Stake: max(min_bid_stake, MinBidStake(price, bid_stake_ratio_bps))
//     (market.RequiredBidStake) plus ceil(price ×
//     Pricing.StakeRatioMarginBps / 10000). Price + stake must fit in a
//     uint64 as the chain checks (ReasonOverflow), and the stake must not
//     exceed the free balance (ReasonInsufficientBalance).
package bid

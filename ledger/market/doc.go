// Package market keeps purchase orders, bids, contracts and their escrow
// (market.md: "Purchase order lifecycle"). Disputes, verifiers and
// outcomes come later: the states DISPUTED and RESOLVED exist in
// ledgerpb.OrderState, but no message reaches them yet.
//
// # Lifecycle
//
// Every window is in blocks; an order's deadlines are heights, and the
// block hook (BeginBlock, before the block's transactions) visits an
// order only at the height of its next deadline, through the due index
// (DueKey: height ‖ order id), never by scanning orders.
//
//  1. Create (MsgCreateOrder, the signer is the buyer): a registered
//     package of kind compute or protocol, a 32-byte input root, sorted
//     unique parameters (at most 32; keys of 1 to 64 bytes, values of at
//     most 256), a positive max price, a PO stake of at least
//     min_po_stake, bid, delivery and confirm windows of 1 block to their
//     max param, replication 1 (the only value for now).
//     min_provider_reputation is stored but not enforced yet: the ledger
//     computes no reputation. Max price + PO stake move from the buyer to
//     the module account "escrow". Ids are sequential from 1. The order is
//     OPEN; its bid deadline is creation height + bid_window.
//  2. Bid (MsgBid, the signer is the provider): while OPEN and at a height
//     below the bid deadline; with a node the signer registered and that
//     is active at this height; the node fits the package (compute: it
//     lists wasm32-wasip1; protocol: it lists a BotSpec); price ≤ max
//     price; stake ≥ ceil(bid_stake_ratio_bps × price / 10000) (MinBidStake).
//     One bid per provider per order; the buyer cannot bid (self-dealing).
//     The stake moves to escrow. MsgWithdrawBid takes it back while OPEN.
//  3. Cancel (MsgCancelOrder): the buyer, while OPEN: CANCELLED, escrow
//     and every bid stake returned.
//  4. Award, in the hook at the bid deadline (market.md: "Award"): bids
//     whose node is no longer the provider's or has expired are not valid
//     (their stake returns). Among the valid bids the lowest price wins;
//     ties would go to higher reputation, but the ledger has no computed
//     reputation yet, so every provider counts as equal and the lower
//     BidHash (sha256(order id ‖ provider ‖ price ‖ node key)) wins.
//     Losing stakes return, max price − price returns to the buyer;
//     escrow keeps price + PO stake + the winning stake. The order is
//     AWARDED with a Contract whose delivery deadline is award height +
//     delivery_window. Without a valid bid the order EXPIRES, everything
//     refunded.
//  5. Deliver (MsgDeliver): the contract's provider, while AWARDED, at a
//     height ≤ the delivery deadline: output root, event-log head,
//     completion commitment (CompletionCommitment: sha256(order id ‖
//     completion code)) and the provider's rating commitment
//     (RatingCommitment: sha256(order id ‖ stars ‖ 32-byte salt)), all 32
//     bytes. DELIVERED; the confirm deadline is height + confirm_window.
//  6. Close (MsgClose): the buyer, while DELIVERED, at a height below the
//     confirm deadline, reveals the completion code (16 to 64 bytes,
//     matching the commitment: the proof of receipt) and commits to its
//     rating. CLOSED and paid: the network fee (network_fee_bps of the
//     price, rounded down) to the treasury, the royalty (the package's
//     royalty_bps of the price, rounded down, at most what the fee leaves)
//     to the package's author, the rest of the price and the bid stake to
//     the provider, the PO stake to the buyer. The reveal deadline is
//     height + reveal_window_blocks.
//  7. Auto-close, in the hook at the confirm deadline of an order still
//     DELIVERED: closed and paid as by MsgClose, in the provider's favour;
//     the buyer has no rating commitment and so counts as not revealing.
//  8. Fail, in the hook at delivery deadline + 1 of an order still
//     AWARDED: FAILED. The buyer gets price + PO stake back and
//     fail_slash_buyer_bps of the bid stake (rounded down); the rest of
//     the stake goes to the treasury.
//  9. Ratings (MsgRevealRating): the buyer and the provider each reveal
//     stars (0 to 5) and salt matching their commitment, once, while
//     CLOSED and at a height below the reveal deadline. In the hook at the
//     reveal deadline the ratings become final (Ratings.final) and two
//     entries are appended to the reputation update log in the network
//     colony: the provider earns RatingAmount(price, buyer's stars) in the
//     package's skill, the buyer RatingAmount(price, provider's stars) in
//     the "buyer" skill. A side that did not reveal counts its
//     counterpart as 5 stars and itself earns price /
//     NoRevealPenaltyDivisor (20) less than its counterpart's rating gives.
//  10. Direct purchase (MsgBuyOffering): a registered offering of another
//     account (buying one's own is self-dealing), a PO stake of at least
//     min_po_stake, delivery and confirm windows. The price is the
//     offering's; price + PO stake move to escrow, and the order is
//     AWARDED at once to the vendor without a bid stake (there is no bid:
//     a vendor that fails to deliver loses nothing but the sale and its
//     reputation later) and no node key. Delivery, close, ratings and
//     fail then run as for an awarded order.
//
// # Funds
//
// Every amount moves between named accounts — buyer, provider, author,
// and the module accounts "escrow" and "treasury" — with bank transfers;
// nothing is minted or burned. What an order holds in escrow (Held) is
// max price + PO stake + its bid stakes while OPEN, price + PO stake +
// bid stake while AWARDED or DELIVERED, and nothing otherwise.
// CheckInvariants checks that escrow holds exactly Σ Held, that bids
// exist only on open orders, that each awarded order has one contract and
// one provider index entry, and that the indexes and the due index agree
// with the orders.
//
// Every handler checks everything before its first write and emits its
// typed event (events.go) next to the write; every event carries the
// order id. Refusals carry the codes of errors.go (codespace "market").
package market

// Package market keeps purchase orders, bids, contracts and their escrow
// (market.md: "Purchase order lifecycle"), and the disputes of their
// deliveries with their outcomes (market.md: "Disputes"): a compute
// package's by drawn verifiers that re-execute it, a protocol package's
// by a commit-reveal vote of reputation holders in the package's domain.
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
//     min_provider_reputation (0: none) is enforced on bids. Max price + PO stake move from the buyer to
//     the module account "escrow". Ids are sequential from 1. The order is
//     OPEN; its bid deadline is creation height + bid_window.
//  2. Bid (MsgBid, the signer is the provider): while OPEN and at a height
//     below the bid deadline; with a node the signer registered and that
//     is active at this height; the node fits the package (compute: it
//     lists wasm32-wasip1; protocol: it lists a BotSpec); price ≤ max
//     price; stake ≥ ceil(bid_stake_ratio_bps × price / 10000) (MinBidStake).
//     One bid per provider per order; the buyer cannot bid (self-dealing).
//     A bid may carry a ReputationProof of the provider's reputation in
//     the package's skill of the network colony; it must verify against
//     the accepted reputation root (reputation.Keeper.ProvenReputation),
//     and the proven value is kept in Bid.reputation (uint256, 32 bytes
//     big-endian; empty without a proof, counted as 0). On an order with
//     a min_provider_reputation, a bid without a proof, or proving less,
//     is refused (ErrReputationTooLow).
//     The stake moves to escrow. MsgWithdrawBid takes it back while OPEN.
//  3. Cancel (MsgCancelOrder): the buyer, while OPEN: CANCELLED, escrow
//     and every bid stake returned.
//  4. Award, in the hook at the bid deadline (market.md: "Award"): bids
//     whose node is no longer the provider's or has expired are not valid
//     (their stake returns). Among the valid bids the lowest price wins;
//     ties go to the higher proven reputation (Bid.reputation, 0 without
//     a proof), then to the lower BidHash (sha256(order id ‖ provider ‖
//     price ‖ node key)).
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
// # Disputes
//
// A dispute of a compute package is checked by re-execution (market.md:
// "Disputes"); one of a protocol package by a domain vote (see "Disputes
// of protocol packages" below, which reuses steps 2 and 6 to 10):
//
//  1. Verifiers (MsgRegisterVerifier): an account stakes at least
//     min_verifier_stake on one of its active nodes that lists
//     wasm32-wasip1; the stake moves to the module account "verifiers".
//     MsgUnregisterVerifier returns it, refused (ErrVerifierBusy) while
//     the verifier is drawn in a dispute still open. A registration may
//     carry a ReputationProof of the operator's reputation in the root
//     skill "compute" (VerifierSkill) of the network colony, checked
//     against the accepted root and kept in Verifier.reputation.
//  2. Open (MsgOpenDispute): the buyer, while DELIVERED and at a height
//     below the confirm deadline (the edge rule of MsgClose), on an order
//     of a compute or protocol package, names a claim (wrong result, not
//     received, not to spec, too slow), the outcome it wants if it wins,
//     and a dispute stake of at least min_dispute_stake, which moves to
//     escrow. The auto-close is cancelled; the order is DISPUTED; the
//     dispute records the package's kind (Dispute.kind).
//  3. Draw (DrawVerifiers), in the same transaction, from the hash of the
//     block that carries it: the candidates are the verifiers whose node
//     is still their operator's and active, with a stake of at least
//     min_verifier_stake, and whose operator is neither the buyer nor the
//     provider (nor is the node the contract's). market.md weights the
//     draw by reputation: candidates are sorted by WeightedDrawScore,
//     DrawScore (sha256(block hash ‖ order id ‖ node key)) as a uint256
//     divided by 1 + bitlen(proven reputation) — the DrawScore itself
//     without a proof — lowest first, the node key breaking ties, and
//     taken in that order,
//     one node per operator, until verifiers_per_dispute are drawn; fewer
//     if there are fewer candidates, none if there are none.
//  4. Commit (MsgVerifierCommit): each drawn verifier's operator, at a
//     height below the commit deadline (opening height +
//     verifier_commit_window), posts VerifierCommitment(order id, output
//     root, salt). Anyone else is refused (ErrNotDrawn).
//  5. Reveal (MsgVerifierReveal): from the commit deadline to below the
//     reveal deadline (commit deadline + verifier_reveal_window), the
//     root and salt matching the commitment (ErrRootMismatch otherwise).
//  6. Decision, in the block hook at the reveal deadline. The majority
//     root (MajorityRoot) is one that strictly more than half of the
//     revealing verifiers revealed. Drawn verifiers that did not reveal
//     it (silent, or in the minority) lose their whole stake to the
//     treasury; a verifier left with no stake and no open dispute is
//     removed. The loser's forfeit is split: verifier_reward_bps of it
//     equally among the majority verifiers (rounded down), the rest to
//     the winner. The verdict (DisputeVerdict) is one of three:
//  7. Undecided: no majority (nobody revealed, nobody was drawn, or the
//     vote split). Nobody could check the delivery, so nobody is
//     blamed: the buyer gets price + PO stake + dispute stake back, the
//     provider its bid stake. RESOLVED; no reputation entries.
//  8. Provider won: the majority root is the delivered root. The
//     forfeit is the buyer's PO stake + dispute stake. The provider is
//     paid as on close (price − network fee − royalty, and its bid
//     stake). RESOLVED, without a rating window.
//  9. Buyer won: the majority root differs. The forfeit is the
//     provider's bid stake; the buyer gets its dispute stake back and,
//     for price + PO stake, the outcome it named. Refund: paid back;
//     RESOLVED. Store credit: moved to the module account "credit" and
//     counted as the buyer's credit (Credit), which cannot be sent and
//     pays first for a MsgCreateOrder with use_credit; RESOLVED.
//     Litigation: frozen in escrow (Dispute.frozen); RESOLVED, until
//     MsgReleaseLitigation, signed by the governance_authority of the
//     params (ErrNotAuthority for anyone else), splits exactly that
//     amount between buyer and provider (ErrReleaseAmount). Redo: back
//     to AWARDED to the same provider without a bid stake (it was
//     slashed), delivery deadline = height + delivery window. Redo by
//     another provider: back to OPEN with the provider in
//     excluded_providers (ErrProviderExcluded on its bids), max price =
//     the contract's price, bid deadline = height + bid window (1 block
//     for a direct purchase, which has none).
//  10. Reputation (market.md: "Disputes move reputation from loser to
//     winner"): when a side won, it gets the price as a positive entry
//     in the package's skill of the reputation log, and the loser the
//     same amount negated.
//
// The order keeps its latest Dispute, which records claim, outcome,
// kind, verifiers with their commits and reveals (compute), domain skill
// and votes (protocol), verdict and majority root.
//
// # Disputes of protocol packages
//
// A protocol package runs in a lab; its delivery carries the head of the
// signed event log. market.md first checks the log against the protocol
// (every instruction present, in order, parameters equal, timings within
// the BotSpec, time constraints met); that check is made off chain by the
// voters, who fetch the log. The ledger runs the vote of reputation
// holders in the package's domain (market.md: "Disputes"):
//
//  1. Open: as step 2 above on a DELIVERED order of a protocol package.
//     No verifier is drawn (dispute_opened has kind "protocol" and no
//     verifiers). The domain is the package's skill; its id is kept in
//     Dispute.domain_skill (reputation.ErrUnknownSkill if the skill tree
//     lacks it). The windows are the verifiers': commits below the commit
//     deadline (opening height + verifier_commit_window), reveals from it
//     to below the reveal deadline (+ verifier_reveal_window), whose
//     block hook decides, through the due index as every deadline.
//  2. Voters: any account but the buyer and the provider
//     (ErrPartyCannotVote) that proves a positive reputation in the
//     domain skill of the network colony against the accepted
//     reputation root (reputation.Keeper.ProvenReputation: key = network
//     colony ‖ domain skill id ‖ voter; reputation.ErrInvalidProof for a
//     proof of another colony, skill or user or one that does not verify,
//     reputation.ErrNoRoot before any root; ErrNoDomainReputation for 0).
//  3. Commit (MsgDomainVoteCommit): below the commit deadline
//     (ErrWindowClosed), a 32-byte DomainVoteCommitment(order id, vote,
//     salt) = sha256(order id (8, big-endian) ‖ vote (1 byte: 1 provider
//     won, 2 buyer won) ‖ salt (32)), and a reputation proof as in step 2,
//     checked at the commit: the voter slots are few, so only reputation
//     holders may take one. One commit per account (ErrCannotVote); at
//     most MaxDomainVoters (64) commits per dispute (ErrVotersFull), so
//     the record and the deciding block stay small. The commit is
//     appended to Dispute.votes (DomainVote: voter, commitment).
//  4. Reveal (MsgDomainVoteReveal): from the commit deadline to below the
//     reveal deadline, the vote (provider_won or buyer_won;
//     ErrInvalidDispute otherwise) and the salt matching the voter's
//     commitment (ErrCannotVote without one or after a reveal;
//     ErrRootMismatch if they do not match), with a reputation proof as
//     in step 2 checked against the root accepted at the reveal: the
//     proven reputation (a uint256) is the vote's weight (DomainVote.vote,
//     DomainVote.weight).
//  5. Decision, in the block hook at the reveal deadline (DomainTally,
//     DomainVerdict): the side whose revealed votes weigh strictly more in
//     total wins; a vote not revealed counts for nobody. No reveal, or
//     equal weights, is the undecided verdict. The verdict is then applied
//     exactly as a compute dispute's (steps 7 to 10 above: refunds when
//     undecided; otherwise the same payouts, the loser's forfeit, the
//     buyer's outcome, and the reputation log entries), except that there
//     are no verifiers to pay or slash: the whole forfeit goes to the
//     winner. dispute_decided has kind "protocol" and the two total
//     weights.
//  6. Voters stake nothing and are paid nothing: a vote costs only its
//     fees, and a silent or outvoted voter loses nothing. The verifier
//     reward (verifier_reward_bps of the forfeit to the majority) is not
//     reused: with nothing at stake it would pay for siding with the
//     expected majority rather than with the event log. Vote stakes, and
//     rewards with them, are left to a later change.
//     Neither kind of dispute accepts the other's messages: a verifier
//     commit on a protocol dispute meets no drawn verifier (ErrNotDrawn),
//     a domain vote on a compute dispute is refused (ErrPackageKind).
//
// # Funds
//
// Every amount moves between named accounts — buyer, provider, author,
// verifiers, and the module accounts "escrow", "verifiers", "credit" and
// "treasury" — with bank transfers; nothing is minted or burned. What an order holds in escrow (Held) is
// max price + PO stake + its bid stakes while OPEN, price + PO stake +
// bid stake while AWARDED or DELIVERED, plus the dispute stake while
// DISPUTED, the frozen funds of a litigation while RESOLVED, and nothing
// otherwise.
// CheckInvariants checks that escrow holds exactly Σ Held, that bids
// exist only on open orders, that each awarded order has one contract and
// one provider index entry, that the indexes and the due index agree
// with the orders, and that open protocol disputes hold well-formed
// votes, one per voter and none by a party.
//
// Every handler checks everything before its first write and emits its
// typed event (events.go) next to the write; every event carries the
// order id. Refusals carry the codes of errors.go (codespace "market").
package market

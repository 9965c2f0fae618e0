// Package market keeps purchase orders, bids, contracts and their escrow
// (market.md: "Purchase order lifecycle"), and the disputes of their
// deliveries with their outcomes (market.md: "Disputes"): a compute
// package's by drawn verifiers that re-execute it, a protocol package's
// by drawn verifiers that check its event log and reveal a verdict, and
// what they cannot decide by a commit-reveal vote of reputation holders
// in the package's domain.
//
// # Lifecycle
//
// Every window is in blocks; an order's deadlines are heights, and the
// block hook (BeginBlock, before the block's transactions) visits an
// order only at the height of its next deadline, through the due index
// (DueKey: height ‖ order id), never by scanning orders. It handles at
// most max_due_per_block deadlines per block, oldest first; the rest are
// carried over to the next blocks (see "The market's hardening", 6).
//
//  1. Create (MsgCreateOrder, the signer is the buyer): a registered
//     package of kind compute or protocol, a 32-byte input root, sorted
//     unique parameters (at most 32; keys of 1 to 64 bytes, values of at
//     most 256), a max price of at least min_price, a PO stake of at least
//     min_po_stake, bid, delivery and confirm windows of 1 block to their
//     max param, replication 1 (the only value for now).
//     min_provider_reputation (0: none) is enforced on bids. Max price + PO stake move from the buyer to
//     the module account "escrow". Ids are sequential from 1. The order is
//     OPEN; its bid deadline is creation height + bid_window.
//  2. Bid (MsgBid, the signer is the provider): while OPEN and at a height
//     below the bid deadline; with a node the signer registered and that
//     is active at this height; the node fits the package (compute: it
//     lists wasm32-wasip1; protocol: it lists a BotSpec); min_price ≤
//     price ≤ max price; stake ≥ RequiredBidStake(price) =
//     max(min_bid_stake, ceil(bid_stake_ratio_bps × price / 10000)).
//     One bid per provider per order; the buyer cannot bid (self-dealing);
//     neither a provider nor a node key excluded by a dispute may bid.
//     A bid may carry a ReputationProof of the provider's reputation in
//     the package's skill of the network colony; it must verify against
//     the accepted reputation root (reputation.Keeper.ProvenReputation),
//     and the proven value is kept in Bid.reputation (uint256, 32 bytes
//     big-endian; empty without a proof, counted as 0). On an order with
//     a min_provider_reputation, a bid without a proof, or proving less,
//     is refused (ErrReputationTooLow).
//     A bid on an order of a protocol package names the BotSpec of the
//     bot that runs it (botspec_id, its 32-byte id): one of the BotSpec
//     ids the node announced (ErrBotSpec when missing,
//     ErrBotSpecNotAnnounced when not announced); a bid on a compute
//     order names none (ErrBotSpec). It is kept in Bid.botspec_id.
//     The stake moves to escrow. MsgWithdrawBid takes it back while OPEN.
//  3. Cancel (MsgCancelOrder): the buyer, while OPEN: CANCELLED, escrow
//     and every bid stake returned.
//  4. Award, in the hook at the bid deadline (market.md: "Award"): bids
//     whose node is no longer the provider's, has expired, or no longer
//     announces the bid's BotSpec are not valid (their stake returns). Among the valid bids the lowest price wins;
//     ties go to the higher proven reputation (Bid.reputation, 0 without
//     a proof), then to the lower BidHash (sha256(order id ‖ provider ‖
//     price ‖ node key)).
//     Losing stakes return, max price − price returns to the buyer;
//     escrow keeps price + PO stake + the winning stake. The order is
//     AWARDED with a Contract whose delivery deadline is award height +
//     delivery_window and whose input deadline is award height +
//     input_window_blocks (at most the delivery deadline), and whose
//     botspec_id is the winning bid's. Without a
//     valid bid the order EXPIRES, everything refunded.
//  5. Inputs (off chain, nodeapi): the buyer uploads its inputs to
//     the contract's node, which checks them against the input root and
//     signs an input receipt (InputReceiptBytes: chain id, order id, input
//     root) with its node key. The buyer keeps it. Two messages settle
//     what the ledger cannot see:
//     MsgReportMissingInputs, the provider's, while AWARDED, from the
//     input deadline to the delivery deadline, with no receipt shown:
//     the inputs never arrived. It stands unless someone shows the
//     receipt within input_contest_window_blocks; the hook at report
//     height + input_contest_window_blocks then fails the contract with
//     FAIL_REASON_INPUTS_MISSING (step 8).
//     MsgPostInputReceipt, anyone's (the buyer's), while AWARDED, up to
//     the delivery deadline or, with a report pending, below the report's
//     deadline: the signature must verify under the contract's node key.
//     It voids a pending report (the provider is held to its delivery
//     deadline again, or fails at once if that has passed), and makes a
//     later missed delivery pay the buyer (step 8).
//  6. Deliver (MsgDeliver): the contract's provider, while AWARDED, at a
//     height ≤ the delivery deadline: output root, event-log head,
//     completion commitment (CompletionCommitment: sha256(order id ‖
//     completion code)) and the provider's rating commitment
//     (RatingCommitment: sha256(order id ‖ stars ‖ 32-byte salt)), all 32
//     bytes, and the run's result (RunResult: exited with an exit code, or
//     trap, fuel-limit, memory-limit, output-limit, stdout-limit,
//     stderr-limit). A run that ended deterministically in an error or a
//     limit is a deliverable outcome: its output root commits to the
//     result (runtime/outputroot) and verifiers re-run it. DELIVERED; the
//     confirm deadline is height + confirm_window.
//  7. Close (MsgClose): the buyer, while DELIVERED, at a height below the
//     confirm deadline, reveals the completion code (16 to 64 bytes,
//     matching the commitment: the proof of receipt) and commits to its
//     rating. CLOSED and paid (payout): the network fee (network_fee_bps
//     of the price, rounded down) to the treasury, the royalty (the
//     package's royalty_bps capped at max_royalty_bps, of the price,
//     rounded down, at most what the fee leaves) to the package's author,
//     the rest of the price — the payment, kept in Ratings.payment — and
//     the bid stake to the provider, the PO stake to the buyer. The reveal
//     deadline is height + reveal_window_blocks.
//     Auto-close, in the hook at the confirm deadline of an order still
//     DELIVERED: closed and paid as by MsgClose, in the provider's favour;
//     the buyer has no rating commitment and so counts as not revealing.
//  8. Fail, in the hook at delivery deadline + 1 of an order still
//     AWARDED (or at the end of a report's contest window): FAILED, with
//     Order.fail_reason. The buyer always gets price + PO stake back. The
//     bid stake: with a standing report of missing inputs
//     (FAIL_REASON_INPUTS_MISSING) it returns to the provider and nobody
//     loses reputation; after a receipt was shown
//     (FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT) fail_slash_buyer_bps of it
//     goes to the buyer and the rest to the treasury; with neither
//     (FAIL_REASON_NO_DELIVERY) all of it goes to the treasury. In the
//     last two cases the provider loses RatingAmount(price, 0) = −5 ×
//     price / 3 in the package's skill (a zero-star rating; a negative
//     update that Colony's rules also apply to the skill's children).
//  9. Ratings (MsgRevealRating): the buyer and the provider each reveal
//     stars (0 to 5) and salt matching their commitment, once, while
//     CLOSED and at a height below the reveal deadline. In the hook at the
//     reveal deadline the ratings become final (Ratings.final) and two
//     entries are appended to the reputation update log in the network
//     colony: the provider earns RatingAmount(payment, buyer's stars) in
//     the package's skill, the buyer RatingAmount(payment, provider's
//     stars) in the "buyer" skill — on the payment, net of fee and
//     royalty, not on the price. A side that did not reveal counts its
//     counterpart as 5 stars and itself earns payment /
//     NoRevealPenaltyDivisor (20) less than its counterpart's rating gives.
//     Between accounts the registry links (registry.Keeper.SharesNode:
//     one ever announced a node key the other holds or held) nothing is
//     appended: such a trade cannot be told from self-dealing.
//  10. Direct purchase (MsgBuyOffering): a registered offering of another
//     account (buying one's own is self-dealing) at a price of at most the
//     purchase's max_price (ErrPriceAboveMax), a PO stake of at least
//     min_po_stake, delivery and confirm windows. The offering's node
//     must still be an active node of the vendor that fits the package.
//     Price + PO stake move from the buyer to escrow and the offering's
//     vendor stake from the vendor (ErrVendorStake if it cannot pay), and
//     the order is AWARDED at once to the offering's node, the vendor
//     stake as its bid stake; for a protocol package the contract takes
//     the offering's BotSpec, which the node must still announce
//     (ErrBotSpecNotAnnounced). Inputs, delivery, close, ratings, fail and
//     disputes then run as for an awarded bid.
//
// # Service orders
//
// A service package (IsServicePackage: a compute package whose envelope
// declares service_ports, the ports of its spec's API slots) is ordered
// for a duration: MsgCreateOrder.service_blocks, 1 to
// market_max_service_blocks (ErrServiceBlocks; ErrNotService for a batch
// package; a service package is never bought through an offering, which
// has no duration). Bids and the award run as for a batch order; the max
// price and the price are for the whole duration, and are paid per block
// served. Why per block, not per call: the provider's cost is holding an
// instance — memory and a slot — for the time, whether it is called or
// not; calls are metered by the node and reported in the usage receipt,
// not billed on chain, since one transaction per call would cost more
// than most calls.
//
//  1. At the award the node starts the instance; the service ends at
//     ServiceEnd = award height + service_blocks, and the contract's
//     delivery deadline is ServiceEnd + delivery_window: the window in
//     which the node posts its usage receipt.
//  2. MsgStopService (79), the buyer's, while AWARDED and below
//     ServiceEnd, once (ErrNotBuyer, ErrWrongState, ErrWindowClosed,
//     ErrServiceStopped, ErrNotService): the stop height bounds what is
//     paid, and the delivery deadline moves to at most stop height +
//     delivery_window.
//  3. The delivery (MsgDeliver) is the usage receipt: served_blocks,
//     calls, bytes_in, bytes_out, its hash as the output root. served_blocks
//     is at most ServiceBound = min(delivery height, stop height,
//     ServiceEnd) − award height (ErrServedBlocks): a node that stops its
//     instance at a shutdown delivers what it served, even if its
//     transaction lands later, and is paid exactly that. A batch order's
//     delivery carries no usage (ErrNotService).
//  4. The close (by the buyer, or automatic) charges ServiceCharge =
//     floor(price × served_blocks / service_blocks); fee and royalty are
//     taken from the charge as from a batch price, and the rest of the
//     price (the refund, in order_closed) returns to the buyer with its
//     PO stake. Ratings follow as for a batch order.
//  5. No receipt by the delivery deadline fails the order as a missed
//     delivery: everything back to the buyer, the bid stake slashed.
//
// A service order is not disputable by re-execution (ErrServiceOrder),
// and takes no report of missing inputs: verifiers cannot replay a
// service, whose answers depend on the calls the buyer made, which the
// chain never saw. The buyer's recourse is to stop early (it pays only
// for the blocks served) and to rate the provider.
//
// # Disputes
//
// A dispute of a compute package is checked by re-execution (market.md:
// "Disputes"), in rounds; one of a protocol package by one round of
// verifiers that check its event log, then, if they cannot decide, by a
// domain vote (see "Disputes of protocol packages" below):
//
//  1. Verifiers (MsgRegisterVerifier): an account stakes at least
//     min_verifier_stake on one of its active nodes that lists
//     wasm32-wasip1; the stake moves to the module account "verifiers".
//     Registering again adds stake (a verifier slashed to nothing while
//     drawn elsewhere comes back by staking again). MsgUnregisterVerifier
//     returns it, refused (ErrVerifierBusy) while the verifier is drawn in
//     a dispute still open. A registration may carry a ReputationProof of
//     the operator's reputation in the root skill "compute"
//     (VerifierSkill) of the network colony, checked against the accepted
//     root and kept in Verifier.reputation.
//  2. Open (MsgOpenDispute): the buyer, while DELIVERED and at a height
//     below the confirm deadline (the edge rule of MsgClose), on an order
//     of a compute or protocol package, names a claim (wrong result, not
//     received, not to spec, too slow), the outcome it wants if it wins,
//     a dispute stake of at least min_dispute_stake, which moves to
//     escrow, and the head of a seed chain (SeedHash). The auto-close is
//     cancelled; the order is DISPUTED; round 1 starts.
//  3. Seed and draw (MsgRevealDisputeSeed): in a block after the round
//     started and up to its seed deadline (start + dispute_seed_window_blocks),
//     anyone reveals the round's seed (the buyer's chain: SeedHash(seed)
//     must be the seed head). The verifiers are drawn in that transaction
//     (DrawVerifiers) from DrawSeed(hash of the round's first block,
//     seed, order id, round): the candidates are the verifiers whose node
//     is still their operator's and active, with a stake of at least
//     min_verifier_stake and a proven reputation of at least
//     min_verifier_reputation, whose operator is neither party, whose
//     node is not the contract's and was not drawn in an earlier round;
//     ranked by WeightedDrawScore (the draw score divided by stake units ×
//     (1 + bitlen(reputation))), one node per operator, until
//     verifiers_per_dispute are drawn (dispute_drawn). A round whose seed
//     is not revealed in time ends: round 1 abandoned (the delivery
//     stands: the provider is paid as on close and gets the dispute
//     stake, the buyer its PO stake back), a later round split (step 7).
//  4. Commit (MsgVerifierCommit): each drawn verifier's operator, at a
//     height below the commit deadline (draw height +
//     verifier_commit_window), posts VerifierCommitment(order id, round,
//     operator, output root, salt) — in a protocol dispute
//     VerdictCommitment(order id, operator, round, verdict, salt). Anyone
//     else is refused (ErrNotDrawn).
//  5. Reveal (MsgVerifierReveal): from the commit deadline to below the
//     reveal deadline (commit deadline + verifier_reveal_window), the
//     root (a protocol dispute: the verdict, with no root;
//     ErrInvalidVerdict for the other kind's) and salt matching the
//     commitment (ErrRootMismatch otherwise).
//  6. End of a round, in the hook at the reveal deadline. The majority
//     root (MajorityRoot) is one that strictly more than half of the
//     revealing verifiers revealed, and at least min_dispute_quorum of
//     them. Drawn verifiers that did not reveal lose their whole stake to
//     the treasury, and so do those that revealed another root than a
//     majority; with no majority, a verifier that revealed keeps its
//     stake. A verifier left with no stake and no open dispute is
//     removed. With a majority the dispute is decided (step 8); without,
//     the next round starts (its first block is the hook's; the buyer
//     reveals its next seed, new verifiers are drawn), until
//     max_dispute_rounds rounds ran: then the price is split (step 7).
//  7. Split: the provider is paid as on close on half the price (rounded
//     down) and gets its bid stake back; the buyer gets the other half,
//     its PO stake and its dispute stake. RESOLVED; no reputation entries.
//  8. Decided: the loser's forfeit is split: verifier_reward_bps of it
//     equally among the majority verifiers (rounded down), the rest to
//     the winner. Provider won (the majority root is the delivered root):
//     the forfeit is the buyer's PO stake + dispute stake; the provider is
//     paid as on close (price − network fee − royalty, and its bid stake).
//     RESOLVED, without a rating window. Buyer won (the majority root
//     differs): the forfeit is the provider's bid stake; the buyer gets
//     its dispute stake back and, for price + PO stake, the outcome it
//     named. Refund: paid back; RESOLVED. Store credit: moved to the
//     module account "credit" and counted as the buyer's credit (Credit),
//     which cannot be sent and pays first for a MsgCreateOrder with
//     use_credit; RESOLVED. Litigation: frozen in escrow
//     (Dispute.frozen); RESOLVED, until a passed governance proposal's
//     release_litigation (Keeper.ReleaseLitigation; the direct message is
//     refused with ErrNotAuthority) splits exactly that amount between buyer and provider
//     (ErrReleaseAmount). Redo: back to AWARDED to the same provider
//     without a bid stake (it was slashed), delivery deadline = height +
//     delivery window; its input receipt stands. Redo by another
//     provider: back to OPEN with the provider in excluded_providers and
//     its node key in excluded_node_keys (ErrProviderExcluded on their
//     bids, whichever account announces the node), max price = the
//     contract's price, bid deadline = height + bid window (1 block for
//     a direct purchase, which has none).
//  9. Reputation (market.md: "Disputes move reputation from loser to
//     winner"): when a side won, it gets the price as a positive entry
//     in the package's skill of the reputation log, and the loser the
//     same amount negated.
//
// The order keeps its latest Dispute, which records claim, outcome,
// kind, round, seed head, verifiers with their commits and reveals and
// those drawn before, domain skill, majority verdict, domain vote height
// and votes (protocol), verdict and majority root.
//
// # Disputes of protocol packages
//
// A protocol package runs in a lab; its delivery carries the head of the
// signed event log, and the contract names the BotSpec of the bot that
// ran it. The log is checked against the filled protocol and the BotSpec
// off chain (fabrication.md: "The conformance check": every instruction
// present, in order, parameters equal, timings within the BotSpec, time
// constraints met, datasets hash-matching; for a simulated bot a replay
// byte for byte). Drawn verifiers make that check, and only what it
// cannot decide goes to a vote of reputation holders in the package's
// domain (fabrication.md: "only what the check cannot decide goes to the
// domain vote"; market.md: "Disputes"):
//
//  1. Open and draw: as above on a DELIVERED order of a protocol
//     package, with a seed chain; the domain is the package's skill, its
//     id kept in Dispute.domain_skill (reputation.ErrUnknownSkill if the
//     skill tree lacks it). The buyer's seed draws the verifiers of the
//     single round exactly as for a compute dispute (steps 3 to 5 above);
//     each commits to a verdict, VerdictCommitment = sha256(order id (8,
//     big-endian) ‖ operator (20) ‖ round (4, big-endian) ‖ verdict (1
//     byte: 1 conforms, 2 violates, 3 undecidable) ‖ salt (32)), and
//     reveals it. A seed not revealed in time abandons the dispute, as in
//     round 1 of a compute dispute.
//  2. End of the round, in the hook at its reveal deadline
//     (MajorityVerdict: a verdict that strictly more than half of the
//     revealing verifiers revealed, and at least min_dispute_quorum of
//     them, kept in Dispute.majority_verdict). Violates: the buyer wins;
//     conforms: the provider wins; either is settled as a compute
//     dispute's majority (steps 8 and 9 above: the majority shares
//     verifier_reward_bps of the loser's forfeit; silent and outvoted
//     verifiers lose their stake). Otherwise — a majority of undecidable,
//     a tie, fewer reveals than the quorum, no verifier drawn — silent
//     verifiers lose their stake, the others keep it, every drawn
//     verifier is freed, dispute_decided reports the round undecided,
//     and the domain vote opens (domain_vote_opened): Dispute.
//     domain_vote_height is that block's height, and the windows are the
//     verifiers' counted from it: commits below the commit deadline
//     (height + verifier_commit_window), reveals from it to below the
//     reveal deadline (+ verifier_reveal_window), whose block hook
//     decides. Before it opens, domain votes are refused
//     (ErrWindowClosed); once it is open, verifier messages and seeds are
//     (ErrWindowClosed, ErrWrongState). There is no second round of
//     verifiers.
//  3. Voters: any account but the buyer and the provider
//     (ErrPartyCannotVote) that proves a positive reputation in the
//     domain skill of the network colony against the accepted
//     reputation root (reputation.Keeper.ProvenReputation;
//     reputation.ErrInvalidProof, reputation.ErrNoRoot,
//     ErrNoDomainReputation for 0).
//  4. Commit (MsgDomainVoteCommit): below the commit deadline
//     (ErrWindowClosed), DomainVoteCommitment(order id, voter, vote,
//     salt) = sha256(order id (8, big-endian) ‖ voter (20) ‖ vote (1
//     byte: 1 provider won, 2 buyer won) ‖ salt (32)), a stake of at least
//     min_domain_vote_stake (moved to escrow) and a reputation proof as in
//     step 3, whose value holds the voter's slot (DomainVote.commit_weight).
//     One commit per account (ErrCannotVote); at most MaxDomainVoters
//     (64) votes per dispute: when they are taken, a commit proving more
//     than the lightest vote takes its slot (its stake returns,
//     domain_vote_evicted), a lighter one is refused (ErrVotersFull).
//  5. Reveal (MsgDomainVoteReveal): from the commit deadline to below the
//     reveal deadline, the vote (provider_won or buyer_won;
//     ErrInvalidDispute otherwise) and the salt matching the voter's
//     commitment (ErrCannotVote without one or after a reveal;
//     ErrRootMismatch if they do not match), with a reputation proof as
//     in step 3 checked against the root accepted at the reveal: the
//     proven reputation (a uint256) is the vote's weight.
//  6. Decision, in the block hook at the reveal deadline (DomainTally,
//     DomainVerdict): the side whose revealed votes weigh strictly more in
//     total wins; a vote not revealed counts for nobody. Voters on the
//     winning side get their stake back and share verifier_reward_bps of
//     the loser's forfeit equally; voters on the losing side, and voters
//     who did not reveal, lose their stake to the treasury. No reveal, or
//     equal weights, splits the price (a vote is not redrawn): revealed
//     voters get their stake back, silent ones lose it. The verdict is
//     then applied as a compute dispute's (steps 7 to 9 above).
//     A domain vote on a compute dispute is refused (ErrPackageKind), a
//     verdict in one (ErrInvalidVerdict), and so is an output root in a
//     protocol dispute (ErrInvalidVerdict).
//
// # The market's hardening: rules of market.md changed, and why
//
// Tried as an attacker would, market.md's rules let every party rob or
// freeze another cheaply. These rules changed; each has a red-team test
// in ledger/app (redteam_test.go) named after its attack:
//
//  1. Fail (market.md: "the provider's bid stake is slashed (half to the
//     buyer …)"): the ledger cannot tell a provider that would not deliver
//     from one that could not, because the buyer never uploaded, so the
//     rule paid buyers to place impossible orders. Now the buyer's share
//     needs the provider's input receipt, a provider can report missing
//     inputs, and a silent provider's stake goes to the treasury alone
//     (Lifecycle, 5 and 8). A run that ends in an error or a limit is
//     delivered as an outcome, not failed (6).
//  2. Bid (market.md: "a bid stake ≥ bid_stake_ratio × price"): a 1-ucell
//     bid staked nothing and won every award. Now min_price and
//     min_bid_stake bound every bid, and a failed provider loses
//     reputation (8).
//  3. Undecided disputes (this package's earlier rule: everything
//     refunded, every drawn verifier not in a majority slashed): a
//     provider or buyer who kept verifiers from reaching a majority got a
//     full refund of a delivered result, and honest verifiers lost their
//     stakes. Now a round needs a quorum, only silent and outvoted
//     verifiers are slashed, undecided rounds are redrawn, and the last
//     one splits the price (Disputes, 6 and 7).
//  4. Royalty (service-spec.md lets an author take up to 100%): a 100%
//     royalty ran its author's compute for free. max_royalty_bps caps it
//     at registration and at payout.
//  5. Deadlines (market.md: "every order due at this height takes its
//     deadline's transition"): one block had to handle every deadline
//     due at its height, however many. At most max_due_per_block are
//     handled per block now, the rest carried over; every transaction
//     checks its window by height, so a late transition changes nothing
//     a party could still do.
//  6. Commitments (market.md: "each commits to an output root"):
//     commitments that did not name their committer could be copied with
//     their reveal. Both kinds now bind the committer (and a verifier's the
//     round).
//  7. Draws (market.md: "drawn … by the block hash"): the proposer chooses
//     the block hash and could grind it; a verifier was drawn per node,
//     so many cheap nodes captured draws. Now the draw takes a seed the
//     buyer committed to before the block and revealed after it, and
//     weighs verifiers by stake (and can require proven reputation).
//     Domain votes, which went to the first 64 unstaked commits, are
//     staked and their slots go to the heaviest reputation.
//  8. Reputation (market.md: "t is the payment"): reputation was earned on
//     the price, so a trade with oneself cost only the fee. It is earned
//     on the payment, net of fee and royalty, and trades between linked
//     accounts earn none.
//  9. Direct purchase (market.md: "Offering … for purchase without
//     bidding"): a purchase had no node to run it and no max price, so the
//     vendor could raise the price under a pending purchase. An offering
//     now names its node and a vendor stake, and a purchase its max price.
//
// # Funds
//
// Every amount moves between named accounts — buyer, provider, author,
// verifiers, and the module accounts "escrow", "verifiers", "credit" and
// "treasury" — with bank transfers; nothing is minted or burned. What an order holds in escrow (Held) is
// max price + PO stake + its bid stakes while OPEN, price + PO stake +
// bid stake (or vendor stake) while AWARDED or DELIVERED, plus the
// dispute stake and the domain votes' stakes while DISPUTED, the frozen
// funds of a litigation while RESOLVED, and nothing otherwise.
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

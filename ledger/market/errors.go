package market

import "github.com/celltonomy/celltonomy/ledger/codes"

// Codespace is the codespace of the market module's codes.
const Codespace = "market"

// Codes of codespace "market". Numbers are appended, never renumbered.
var (
	// ErrInvalidHash: a package id, input root, output root, event-log
	// head, commitment or salt is not 32 bytes.
	ErrInvalidHash = codes.New(Codespace, 1, "invalid hash")
	// ErrInvalidParams: order parameters are too many, too long, unsorted
	// or repeated.
	ErrInvalidParams = codes.New(Codespace, 2, "invalid order parameters")
	// ErrInvalidPrice: a max price or price is 0, or a bid is above the
	// order's max price.
	ErrInvalidPrice = codes.New(Codespace, 3, "invalid price")
	// ErrStakeTooLow: a PO stake below min_po_stake, or a bid stake below
	// bid_stake_ratio_bps of the price.
	ErrStakeTooLow = codes.New(Codespace, 4, "stake too low")
	// ErrInvalidWindow: a window is 0 or above its max param.
	ErrInvalidWindow = codes.New(Codespace, 5, "invalid window")
	// ErrInvalidReplication: replication is not 1.
	ErrInvalidReplication = codes.New(Codespace, 6, "invalid replication")
	// ErrOverflow: an amount overflows uint64.
	ErrOverflow = codes.New(Codespace, 7, "amount overflows")
	// ErrNoPackage: the package is not registered.
	ErrNoPackage = codes.New(Codespace, 8, "no such package")
	// ErrPackageKind: the package is neither compute nor protocol, or the
	// dispute's kind does not take the message (a domain vote on a
	// compute dispute).
	ErrPackageKind = codes.New(Codespace, 9, "package kind cannot be ordered")
	// ErrNoOrder: no order has the id.
	ErrNoOrder = codes.New(Codespace, 10, "no such order")
	// ErrWrongState: the order is not in the state the message needs.
	ErrWrongState = codes.New(Codespace, 11, "wrong order state")
	// ErrNotBuyer: only the order's buyer may do this.
	ErrNotBuyer = codes.New(Codespace, 12, "not the order's buyer")
	// ErrWindowClosed: the window of the message has ended.
	ErrWindowClosed = codes.New(Codespace, 13, "window closed")
	// ErrSelfDealing: a buyer bids on its own order or buys its own
	// offering.
	ErrSelfDealing = codes.New(Codespace, 14, "self-dealing")
	// ErrBidExists: the provider has a bid on the order already.
	ErrBidExists = codes.New(Codespace, 15, "bid exists")
	// ErrNoBid: the signer has no bid on the order.
	ErrNoBid = codes.New(Codespace, 16, "no such bid")
	// ErrNodeUnusable: the node is not registered by the signer, or is
	// expired.
	ErrNodeUnusable = codes.New(Codespace, 17, "node not usable")
	// ErrArchitecture: the node's architectures do not fit the package.
	ErrArchitecture = codes.New(Codespace, 18, "node does not fit the package")
	// ErrNotProvider: only the contract's provider may do this.
	ErrNotProvider = codes.New(Codespace, 19, "not the contract's provider")
	// ErrWrongCompletionCode: the completion code does not match the
	// delivery's commitment.
	ErrWrongCompletionCode = codes.New(Codespace, 20, "wrong completion code")
	// ErrInvalidCompletionCode: a completion code is not 16 to 64 bytes.
	ErrInvalidCompletionCode = codes.New(Codespace, 21, "invalid completion code")
	// ErrInvalidRating: stars above 5.
	ErrInvalidRating = codes.New(Codespace, 22, "invalid rating")
	// ErrRatingMismatch: a reveal does not match its commitment.
	ErrRatingMismatch = codes.New(Codespace, 23, "rating does not match its commitment")
	// ErrCannotReveal: the signer is neither side of the order, has no
	// commitment, or revealed already.
	ErrCannotReveal = codes.New(Codespace, 24, "cannot reveal")
	// ErrNoOffering: the vendor has no offering of the package.
	ErrNoOffering = codes.New(Codespace, 25, "no such offering")
	// ErrInvalidAddress: a vendor is not a 20-byte address.
	ErrInvalidAddress = codes.New(Codespace, 26, "invalid address")
	// ErrNoVerifier: the node is not a verifier of the signer.
	ErrNoVerifier = codes.New(Codespace, 27, "no such verifier")
	// ErrVerifierExists: the node is a verifier already.
	ErrVerifierExists = codes.New(Codespace, 28, "verifier exists")
	// ErrVerifierBusy: the verifier is drawn in a dispute still open.
	ErrVerifierBusy = codes.New(Codespace, 29, "verifier drawn in an open dispute")
	// ErrNotDrawn: the signer is not a verifier drawn for the dispute.
	ErrNotDrawn = codes.New(Codespace, 30, "not a drawn verifier")
	// ErrCannotVote: a drawn verifier or a domain voter commits twice,
	// reveals without a commitment, or reveals twice.
	ErrCannotVote = codes.New(Codespace, 31, "cannot commit or reveal")
	// ErrRootMismatch: a revealed output root and salt (or a domain vote
	// and salt) do not match the commitment.
	ErrRootMismatch = codes.New(Codespace, 32, "reveal does not match its commitment")
	// ErrInvalidDispute: a dispute's claim or outcome, or a domain vote,
	// is unspecified or unknown.
	ErrInvalidDispute = codes.New(Codespace, 33, "invalid dispute")
	// ErrNotAuthority: only a passed governance proposal may do this
	// (a MsgReleaseLitigation sent directly).
	ErrNotAuthority = codes.New(Codespace, 34, "governance only")
	// ErrReleaseAmount: released amounts do not add up to what is frozen.
	ErrReleaseAmount = codes.New(Codespace, 35, "release amounts do not match the frozen funds")
	// ErrProviderExcluded: the provider is excluded from bidding on the
	// order (redo by another provider).
	ErrProviderExcluded = codes.New(Codespace, 36, "provider excluded from the order")
	// ErrReputationTooLow: a bid on an order with a
	// min_provider_reputation carries no reputation proof, or proves less.
	ErrReputationTooLow = codes.New(Codespace, 37, "provider reputation too low")
	// ErrPartyCannotVote: the buyer or the provider of a disputed order
	// tries to vote on it.
	ErrPartyCannotVote = codes.New(Codespace, 38, "a party cannot vote on its dispute")
	// ErrVotersFull: a dispute has MaxDomainVoters commits already.
	ErrVotersFull = codes.New(Codespace, 39, "too many domain voters")
	// ErrNoDomainReputation: a domain voter proves no reputation (0) in
	// the dispute's domain skill.
	ErrNoDomainReputation = codes.New(Codespace, 40, "no reputation in the domain")
	// ErrInvalidResult: a delivery's run result is unknown, or an exit
	// code comes with a result other than exited.
	ErrInvalidResult = codes.New(Codespace, 41, "invalid run result")
	// ErrPriceAboveMax: an offering's price is above the purchase's
	// max_price.
	ErrPriceAboveMax = codes.New(Codespace, 42, "price above the buyer's maximum")
	// ErrVendorStake: the vendor cannot pay an offering's stake.
	ErrVendorStake = codes.New(Codespace, 43, "vendor cannot stake")
	// ErrBadReceipt: an input receipt is not the contract node's
	// signature of the order's inputs.
	ErrBadReceipt = codes.New(Codespace, 44, "bad input receipt")
	// ErrReceiptExists: an input receipt was shown already.
	ErrReceiptExists = codes.New(Codespace, 45, "input receipt shown already")
	// ErrAlreadyReported: missing inputs were reported already.
	ErrAlreadyReported = codes.New(Codespace, 46, "missing inputs reported already")
	// ErrSeedMismatch: a revealed seed does not hash to the dispute's seed
	// head.
	ErrSeedMismatch = codes.New(Codespace, 47, "seed does not match the seed chain")
	// ErrBotSpec: a bid on an order of a protocol package names no
	// BotSpec (botspec_id), or a bid on a compute order names one.
	ErrBotSpec = codes.New(Codespace, 48, "botspec does not fit the package")
	// ErrBotSpecNotAnnounced: a bid's botspec_id is not one of the BotSpec
	// ids its node announced (registry: botspec_hashes).
	ErrBotSpecNotAnnounced = codes.New(Codespace, 49, "botspec not announced by the node")
	// ErrInvalidVerdict: a verifier's reveal does not fit its dispute: a
	// compute dispute's needs an output root and no verdict, a protocol
	// dispute's a verdict (conforms, violates or undecidable) and no
	// output root.
	ErrInvalidVerdict = codes.New(Codespace, 50, "invalid verdict")
	// ErrNotService: service_blocks on an order of a batch package, a
	// usage receipt on a batch order's delivery, or MsgStopService on a
	// batch order.
	ErrNotService = codes.New(Codespace, 51, "not a service package or order")
	// ErrServiceBlocks: service_blocks is 0 for a service package, or
	// above market_max_service_blocks; or a service package bought
	// through an offering (which has no duration).
	ErrServiceBlocks = codes.New(Codespace, 52, "invalid service_blocks")
	// ErrServiceStopped: the service order was stopped already.
	ErrServiceStopped = codes.New(Codespace, 53, "service stopped already")
	// ErrServedBlocks: a usage receipt claims more blocks than were
	// served (market.ServiceBound).
	ErrServedBlocks = codes.New(Codespace, 54, "served blocks above what was served")
	// ErrServiceOrder: the message does not apply to a service order (a
	// dispute by re-execution, a report of missing inputs).
	ErrServiceOrder = codes.New(Codespace, 55, "not for a service order")
)

// Codes lists the codes of codespace "market" in number order.
func Codes() []codes.Code {
	return []codes.Code{ErrInvalidHash, ErrInvalidParams, ErrInvalidPrice, ErrStakeTooLow, ErrInvalidWindow,
		ErrInvalidReplication, ErrOverflow, ErrNoPackage, ErrPackageKind, ErrNoOrder,
		ErrWrongState, ErrNotBuyer, ErrWindowClosed, ErrSelfDealing, ErrBidExists,
		ErrNoBid, ErrNodeUnusable, ErrArchitecture, ErrNotProvider, ErrWrongCompletionCode,
		ErrInvalidCompletionCode, ErrInvalidRating, ErrRatingMismatch, ErrCannotReveal, ErrNoOffering,
		ErrInvalidAddress, ErrNoVerifier, ErrVerifierExists, ErrVerifierBusy, ErrNotDrawn,
		ErrCannotVote, ErrRootMismatch, ErrInvalidDispute, ErrNotAuthority, ErrReleaseAmount,
		ErrProviderExcluded, ErrReputationTooLow, ErrPartyCannotVote, ErrVotersFull, ErrNoDomainReputation,
		ErrInvalidResult, ErrPriceAboveMax, ErrVendorStake, ErrBadReceipt, ErrReceiptExists,
		ErrAlreadyReported, ErrSeedMismatch, ErrBotSpec, ErrBotSpecNotAnnounced, ErrInvalidVerdict,
		ErrNotService, ErrServiceBlocks, ErrServiceStopped, ErrServedBlocks, ErrServiceOrder}
}

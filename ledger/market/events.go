package market

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventOrderCreated: type "order_created", attributes order_id, buyer,
// package_id (hex), max_price, po_stake, bid_deadline, direct ("true"
// for a direct purchase of an offering), service_blocks (a service
// order's duration in blocks; 0 for a batch order).
type EventOrderCreated struct {
	OrderID     uint64          `event:"order_id"`
	Buyer       address.Address `event:"buyer"`
	PackageID   []byte          `event:"package_id"`
	MaxPrice    uint64          `event:"max_price"`
	POStake     uint64          `event:"po_stake"`
	BidDeadline int64           `event:"bid_deadline"`
	Direct      bool            `event:"direct"`
	// ServiceBlocks is the duration of a service order; 0: a batch order.
	ServiceBlocks uint64 `event:"service_blocks"`
}

// EventType implements event.Typed.
func (EventOrderCreated) EventType() string { return "order_created" }

// EventOrderCancelled: type "order_cancelled", attributes order_id,
// buyer.
type EventOrderCancelled struct {
	OrderID uint64          `event:"order_id"`
	Buyer   address.Address `event:"buyer"`
}

// EventType implements event.Typed.
func (EventOrderCancelled) EventType() string { return "order_cancelled" }

// EventOrderExpired: type "order_expired", attributes order_id (the bid
// window ended without a valid bid).
type EventOrderExpired struct {
	OrderID uint64 `event:"order_id"`
}

// EventType implements event.Typed.
func (EventOrderExpired) EventType() string { return "order_expired" }

// EventBidPlaced: type "bid_placed", attributes order_id, provider,
// node_key (hex), price, stake, botspec_id (hex; the BotSpec of a bid on
// a protocol order, empty on a compute order).
type EventBidPlaced struct {
	OrderID   uint64          `event:"order_id"`
	Provider  address.Address `event:"provider"`
	NodeKey   []byte          `event:"node_key"`
	Price     uint64          `event:"price"`
	Stake     uint64          `event:"stake"`
	BotSpecID []byte          `event:"botspec_id"`
}

// EventType implements event.Typed.
func (EventBidPlaced) EventType() string { return "bid_placed" }

// EventBidWithdrawn: type "bid_withdrawn", attributes order_id, provider.
type EventBidWithdrawn struct {
	OrderID  uint64          `event:"order_id"`
	Provider address.Address `event:"provider"`
}

// EventType implements event.Typed.
func (EventBidWithdrawn) EventType() string { return "bid_withdrawn" }

// EventOrderAwarded: type "order_awarded", attributes order_id, provider,
// node_key (hex; for a direct purchase the offering's node), price,
// bid_stake (the vendor stake for a direct purchase), delivery_deadline,
// input_deadline, botspec_id (hex; the contract's BotSpec: the winning
// bid's or the offering's; empty for a compute order).
type EventOrderAwarded struct {
	OrderID          uint64          `event:"order_id"`
	Provider         address.Address `event:"provider"`
	NodeKey          []byte          `event:"node_key"`
	Price            uint64          `event:"price"`
	BidStake         uint64          `event:"bid_stake"`
	DeliveryDeadline int64           `event:"delivery_deadline"`
	InputDeadline    int64           `event:"input_deadline"`
	BotSpecID        []byte          `event:"botspec_id"`
}

// EventType implements event.Typed.
func (EventOrderAwarded) EventType() string { return "order_awarded" }

// EventOrderDelivered: type "order_delivered", attributes order_id,
// output_root (hex), event_log_head (hex), confirm_deadline, result (the
// run result's name, RunResultName), exit_code, and a service order's
// usage receipt: served_blocks, calls, bytes_in, bytes_out (0 for a batch
// order).
type EventOrderDelivered struct {
	OrderID         uint64 `event:"order_id"`
	OutputRoot      []byte `event:"output_root"`
	EventLogHead    []byte `event:"event_log_head"`
	ConfirmDeadline int64  `event:"confirm_deadline"`
	Result          string `event:"result"`
	ExitCode        uint32 `event:"exit_code"`
	ServedBlocks    uint64 `event:"served_blocks"`
	Calls           uint64 `event:"calls"`
	BytesIn         uint64 `event:"bytes_in"`
	BytesOut        uint64 `event:"bytes_out"`
}

// EventType implements event.Typed.
func (EventOrderDelivered) EventType() string { return "order_delivered" }

// EventOrderClosed: type "order_closed", attributes order_id, auto
// ("true" when the confirm window passed), payment (to the provider),
// network_fee, royalty, reveal_deadline, refund (a service order's
// price not charged, returned to the buyer; 0 for a batch order).
type EventOrderClosed struct {
	OrderID        uint64 `event:"order_id"`
	Auto           bool   `event:"auto"`
	Payment        uint64 `event:"payment"`
	NetworkFee     uint64 `event:"network_fee"`
	Royalty        uint64 `event:"royalty"`
	RevealDeadline int64  `event:"reveal_deadline"`
	Refund         uint64 `event:"refund"`
}

// EventServiceStopped: type "service_stopped", attributes order_id,
// buyer, stop_height, served_bound (the most blocks a delivery may now
// claim), delivery_deadline (the deadline of the usage receipt).
type EventServiceStopped struct {
	OrderID          uint64          `event:"order_id"`
	Buyer            address.Address `event:"buyer"`
	StopHeight       int64           `event:"stop_height"`
	ServedBound      uint64          `event:"served_bound"`
	DeliveryDeadline int64           `event:"delivery_deadline"`
}

// EventType implements event.Typed.
func (EventServiceStopped) EventType() string { return "service_stopped" }

// EventType implements event.Typed.
func (EventOrderClosed) EventType() string { return "order_closed" }

// EventRatingRevealed: type "rating_revealed", attributes order_id, rater,
// stars.
type EventRatingRevealed struct {
	OrderID uint64          `event:"order_id"`
	Rater   address.Address `event:"rater"`
	Stars   uint32          `event:"stars"`
}

// EventType implements event.Typed.
func (EventRatingRevealed) EventType() string { return "rating_revealed" }

// EventRatingsFinal: type "ratings_final", attributes order_id,
// buyer_stars (the buyer's rating of the provider, as counted),
// provider_stars, buyer_revealed, provider_revealed, reputation ("false"
// when the sides are linked and earned no reputation).
type EventRatingsFinal struct {
	OrderID          uint64 `event:"order_id"`
	BuyerStars       uint32 `event:"buyer_stars"`
	ProviderStars    uint32 `event:"provider_stars"`
	BuyerRevealed    bool   `event:"buyer_revealed"`
	ProviderRevealed bool   `event:"provider_revealed"`
	Reputation       bool   `event:"reputation"`
}

// EventType implements event.Typed.
func (EventRatingsFinal) EventType() string { return "ratings_final" }

// EventOrderFailed: type "order_failed", attributes order_id, provider,
// reason (FailReasonName), slashed (what the provider lost of its bid
// stake), to_buyer and to_treasury (its shares), reputation (the
// provider's reputation entry, decimal, "0" for none).
type EventOrderFailed struct {
	OrderID    uint64          `event:"order_id"`
	Provider   address.Address `event:"provider"`
	Reason     string          `event:"reason"`
	Slashed    uint64          `event:"slashed"`
	ToBuyer    uint64          `event:"to_buyer"`
	ToTreasury uint64          `event:"to_treasury"`
	Reputation string          `event:"reputation"`
}

// EventType implements event.Typed.
func (EventOrderFailed) EventType() string { return "order_failed" }

// EventInputReceiptPosted: type "input_receipt_posted", attributes
// order_id, by (who posted it), node_key (hex, the node that signed it),
// voided_report ("true" when it voided a report of missing inputs).
type EventInputReceiptPosted struct {
	OrderID      uint64          `event:"order_id"`
	By           address.Address `event:"by"`
	NodeKey      []byte          `event:"node_key"`
	VoidedReport bool            `event:"voided_report"`
}

// EventType implements event.Typed.
func (EventInputReceiptPosted) EventType() string { return "input_receipt_posted" }

// EventMissingInputsReported: type "missing_inputs_reported", attributes
// order_id, provider, contest_deadline (the buyer may show an input
// receipt below it).
type EventMissingInputsReported struct {
	OrderID         uint64          `event:"order_id"`
	Provider        address.Address `event:"provider"`
	ContestDeadline int64           `event:"contest_deadline"`
}

// EventType implements event.Typed.
func (EventMissingInputsReported) EventType() string { return "missing_inputs_reported" }

// EventDisputeDrawn: type "dispute_drawn", attributes order_id, round,
// verifiers (the drawn node keys in draw order, hex, comma-separated),
// commit_deadline, reveal_deadline.
type EventDisputeDrawn struct {
	OrderID        uint64   `event:"order_id"`
	Round          uint32   `event:"round"`
	Verifiers      [][]byte `event:"verifiers"`
	CommitDeadline int64    `event:"commit_deadline"`
	RevealDeadline int64    `event:"reveal_deadline"`
}

// EventType implements event.Typed.
func (EventDisputeDrawn) EventType() string { return "dispute_drawn" }

// EventDomainVoteOpened: type "domain_vote_opened", attributes order_id,
// domain_skill (the id of the package's skill, in which voters prove
// their reputation), commit_deadline, reveal_deadline: the drawn
// verifiers of a protocol dispute did not decide it, and its domain vote
// takes commits below commit_deadline and reveals from it to below
// reveal_deadline.
type EventDomainVoteOpened struct {
	OrderID        uint64 `event:"order_id"`
	DomainSkill    uint64 `event:"domain_skill"`
	CommitDeadline int64  `event:"commit_deadline"`
	RevealDeadline int64  `event:"reveal_deadline"`
}

// EventType implements event.Typed.
func (EventDomainVoteOpened) EventType() string { return "domain_vote_opened" }

// EventDomainVoteEvicted: type "domain_vote_evicted", attributes
// order_id, voter (whose slot was taken; its stake returned), by (the
// heavier voter that took it).
type EventDomainVoteEvicted struct {
	OrderID uint64          `event:"order_id"`
	Voter   address.Address `event:"voter"`
	By      address.Address `event:"by"`
}

// EventType implements event.Typed.
func (EventDomainVoteEvicted) EventType() string { return "domain_vote_evicted" }

// EventVerifierRegistered: type "verifier_registered", attributes
// node_key (hex), operator, stake.
type EventVerifierRegistered struct {
	NodeKey  []byte          `event:"node_key"`
	Operator address.Address `event:"operator"`
	Stake    uint64          `event:"stake"`
}

// EventType implements event.Typed.
func (EventVerifierRegistered) EventType() string { return "verifier_registered" }

// EventVerifierUnregistered: type "verifier_unregistered", attributes
// node_key (hex), operator, stake (returned).
type EventVerifierUnregistered struct {
	NodeKey  []byte          `event:"node_key"`
	Operator address.Address `event:"operator"`
	Stake    uint64          `event:"stake"`
}

// EventType implements event.Typed.
func (EventVerifierUnregistered) EventType() string { return "verifier_unregistered" }

// EventDisputeOpened: type "dispute_opened", attributes order_id, claim,
// outcome (the enum numbers), stake, commit_deadline and reveal_deadline
// (0: the verifiers are drawn later, dispute_drawn, and a protocol
// dispute's domain vote, if any, opens later still, domain_vote_opened;
// kept for records written before), seed_deadline (the last height for
// the first round's seed), kind ("compute": drawn verifiers re-execute;
// "protocol": drawn verifiers reveal verdicts, then perhaps a domain
// vote).
type EventDisputeOpened struct {
	OrderID        uint64 `event:"order_id"`
	Claim          int32  `event:"claim"`
	Outcome        int32  `event:"outcome"`
	Stake          uint64 `event:"stake"`
	CommitDeadline int64  `event:"commit_deadline"`
	RevealDeadline int64  `event:"reveal_deadline"`
	SeedDeadline   int64  `event:"seed_deadline"`
	Kind           string `event:"kind"`
}

// EventType implements event.Typed.
func (EventDisputeOpened) EventType() string { return "dispute_opened" }

// EventDisputeCommit: type "dispute_commit", attributes order_id,
// verifier (the operator), commitment (hex).
type EventDisputeCommit struct {
	OrderID    uint64          `event:"order_id"`
	Verifier   address.Address `event:"verifier"`
	Commitment []byte          `event:"commitment"`
}

// EventType implements event.Typed.
func (EventDisputeCommit) EventType() string { return "dispute_commit" }

// EventDisputeReveal: type "dispute_reveal", attributes order_id,
// verifier (the operator), output_root (hex; a compute dispute's, empty
// for a protocol dispute), verdict (a protocol dispute's,
// ProtocolVerdictName: conforms, violates or undecidable; empty for a
// compute dispute).
type EventDisputeReveal struct {
	OrderID    uint64          `event:"order_id"`
	Verifier   address.Address `event:"verifier"`
	OutputRoot []byte          `event:"output_root"`
	Verdict    string          `event:"verdict"`
}

// EventType implements event.Typed.
func (EventDisputeReveal) EventType() string { return "dispute_reveal" }

// EventDisputeDecided: type "dispute_decided", attributes order_id,
// verdict (VerdictName: provider_won, buyer_won, undecided — a round
// without a decision, the next one follows —, split, abandoned),
// majority_root (hex, empty if none), state (the order's state after
// it), rewarded (node keys of the majority verifiers, or addresses of the
// winning domain voters, hex, comma-separated), reward (ucell each),
// slashed (node keys, or voter addresses, that lost their stake), kind
// ("compute" or "protocol"), provider_weight and buyer_weight (a
// protocol dispute's revealed weight on each side, decimal; empty for a
// compute dispute), round, next_seed_deadline (after an undecided
// compute round: the last height for the next round's seed; 0
// otherwise), majority_verdict (a protocol dispute's verifiers' majority
// verdict, ProtocolVerdictName, empty without one; after an undecided
// protocol round the domain vote opens: domain_vote_opened follows).
type EventDisputeDecided struct {
	OrderID          uint64   `event:"order_id"`
	Verdict          string   `event:"verdict"`
	MajorityRoot     []byte   `event:"majority_root"`
	State            string   `event:"state"`
	Rewarded         [][]byte `event:"rewarded"`
	Reward           uint64   `event:"reward"`
	Slashed          [][]byte `event:"slashed"`
	Kind             string   `event:"kind"`
	ProviderWeight   string   `event:"provider_weight"`
	BuyerWeight      string   `event:"buyer_weight"`
	Round            uint32   `event:"round"`
	NextSeedDeadline int64    `event:"next_seed_deadline"`
	MajorityVerdict  string   `event:"majority_verdict"`
}

// EventType implements event.Typed.
func (EventDisputeDecided) EventType() string { return "dispute_decided" }

// EventDomainVoteCommit: type "domain_vote_commit", attributes order_id,
// voter, commitment (hex).
type EventDomainVoteCommit struct {
	OrderID    uint64          `event:"order_id"`
	Voter      address.Address `event:"voter"`
	Commitment []byte          `event:"commitment"`
}

// EventType implements event.Typed.
func (EventDomainVoteCommit) EventType() string { return "domain_vote_commit" }

// EventDomainVoteReveal: type "domain_vote_reveal", attributes order_id,
// voter, vote (provider_won or buyer_won), weight (the proven
// reputation, decimal).
type EventDomainVoteReveal struct {
	OrderID uint64          `event:"order_id"`
	Voter   address.Address `event:"voter"`
	Vote    string          `event:"vote"`
	Weight  string          `event:"weight"`
}

// EventType implements event.Typed.
func (EventDomainVoteReveal) EventType() string { return "domain_vote_reveal" }

// EventLitigationReleased: type "litigation_released", attributes
// order_id, to_buyer, to_provider.
type EventLitigationReleased struct {
	OrderID    uint64 `event:"order_id"`
	ToBuyer    uint64 `event:"to_buyer"`
	ToProvider uint64 `event:"to_provider"`
}

// EventType implements event.Typed.
func (EventLitigationReleased) EventType() string { return "litigation_released" }

// EventCreditChanged: type "credit_changed", attributes order_id,
// account, added, spent, balance (the credit after it), all in ucell.
type EventCreditChanged struct {
	OrderID uint64          `event:"order_id"`
	Account address.Address `event:"account"`
	Added   uint64          `event:"added"`
	Spent   uint64          `event:"spent"`
	Balance uint64          `event:"balance"`
}

// EventType implements event.Typed.
func (EventCreditChanged) EventType() string { return "credit_changed" }

// Events lists the events of the market module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{
		EventOrderCreated{},
		EventOrderCancelled{},
		EventOrderExpired{},
		EventBidPlaced{},
		EventBidWithdrawn{},
		EventOrderAwarded{},
		EventOrderDelivered{},
		EventOrderClosed{},
		EventRatingRevealed{},
		EventRatingsFinal{},
		EventOrderFailed{},
		EventInputReceiptPosted{},
		EventMissingInputsReported{},
		EventDisputeDrawn{},
		EventDomainVoteEvicted{},
		EventDomainVoteOpened{},
		EventVerifierRegistered{},
		EventVerifierUnregistered{},
		EventDisputeOpened{},
		EventDisputeCommit{},
		EventDisputeReveal{},
		EventDisputeDecided{},
		EventDomainVoteCommit{},
		EventDomainVoteReveal{},
		EventLitigationReleased{},
		EventCreditChanged{},
		EventServiceStopped{},
	}
}

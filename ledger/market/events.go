package market

import (
	"encoding/hex"
	"strconv"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

func u(v uint64) string { return strconv.FormatUint(v, 10) }
func i(v int64) string  { return strconv.FormatInt(v, 10) }

// EventOrderCreated: type "order_created", attributes order_id, buyer,
// package_id (hex), max_price, po_stake, bid_deadline, direct ("true"
// for a direct purchase of an offering).
type EventOrderCreated struct {
	OrderID     uint64
	Buyer       address.Address
	PackageID   []byte
	MaxPrice    uint64
	POStake     uint64
	BidDeadline int64
	Direct      bool
}

// Event implements event.Typed.
func (e EventOrderCreated) Event() event.Event {
	return event.Event{Type: "order_created", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "buyer", Value: e.Buyer.String()},
		{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
		{Key: "max_price", Value: u(e.MaxPrice)},
		{Key: "po_stake", Value: u(e.POStake)},
		{Key: "bid_deadline", Value: i(e.BidDeadline)},
		{Key: "direct", Value: strconv.FormatBool(e.Direct)},
	}}
}

// EventOrderCancelled: type "order_cancelled", attributes order_id,
// buyer.
type EventOrderCancelled struct {
	OrderID uint64
	Buyer   address.Address
}

// Event implements event.Typed.
func (e EventOrderCancelled) Event() event.Event {
	return event.Event{Type: "order_cancelled", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "buyer", Value: e.Buyer.String()},
	}}
}

// EventOrderExpired: type "order_expired", attributes order_id (the bid
// window ended without a valid bid).
type EventOrderExpired struct{ OrderID uint64 }

// Event implements event.Typed.
func (e EventOrderExpired) Event() event.Event {
	return event.Event{Type: "order_expired", Attributes: []event.Attribute{{Key: "order_id", Value: u(e.OrderID)}}}
}

// EventBidPlaced: type "bid_placed", attributes order_id, provider,
// node_key (hex), price, stake.
type EventBidPlaced struct {
	OrderID  uint64
	Provider address.Address
	NodeKey  []byte
	Price    uint64
	Stake    uint64
}

// Event implements event.Typed.
func (e EventBidPlaced) Event() event.Event {
	return event.Event{Type: "bid_placed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "price", Value: u(e.Price)},
		{Key: "stake", Value: u(e.Stake)},
	}}
}

// EventBidWithdrawn: type "bid_withdrawn", attributes order_id, provider.
type EventBidWithdrawn struct {
	OrderID  uint64
	Provider address.Address
}

// Event implements event.Typed.
func (e EventBidWithdrawn) Event() event.Event {
	return event.Event{Type: "bid_withdrawn", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
	}}
}

// EventOrderAwarded: type "order_awarded", attributes order_id, provider,
// node_key (hex; for a direct purchase the offering's node), price,
// bid_stake (the vendor stake for a direct purchase), delivery_deadline,
// input_deadline.
type EventOrderAwarded struct {
	OrderID                         uint64
	Provider                        address.Address
	NodeKey                         []byte
	Price, BidStake                 uint64
	DeliveryDeadline, InputDeadline int64
}

// Event implements event.Typed.
func (e EventOrderAwarded) Event() event.Event {
	return event.Event{Type: "order_awarded", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "price", Value: u(e.Price)},
		{Key: "bid_stake", Value: u(e.BidStake)},
		{Key: "delivery_deadline", Value: i(e.DeliveryDeadline)},
		{Key: "input_deadline", Value: i(e.InputDeadline)},
	}}
}

// EventOrderDelivered: type "order_delivered", attributes order_id,
// output_root (hex), event_log_head (hex), confirm_deadline, result (the
// run result's name, RunResultName), exit_code.
type EventOrderDelivered struct {
	OrderID         uint64
	OutputRoot      []byte
	EventLogHead    []byte
	ConfirmDeadline int64
	Result          string
	ExitCode        uint32
}

// Event implements event.Typed.
func (e EventOrderDelivered) Event() event.Event {
	return event.Event{Type: "order_delivered", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "output_root", Value: hex.EncodeToString(e.OutputRoot)},
		{Key: "event_log_head", Value: hex.EncodeToString(e.EventLogHead)},
		{Key: "confirm_deadline", Value: i(e.ConfirmDeadline)},
		{Key: "result", Value: e.Result},
		{Key: "exit_code", Value: u(uint64(e.ExitCode))},
	}}
}

// EventOrderClosed: type "order_closed", attributes order_id, auto
// ("true" when the confirm window passed), payment (to the provider),
// network_fee, royalty, reveal_deadline.
type EventOrderClosed struct {
	OrderID                      uint64
	Auto                         bool
	Payment, NetworkFee, Royalty uint64
	RevealDeadline               int64
}

// Event implements event.Typed.
func (e EventOrderClosed) Event() event.Event {
	return event.Event{Type: "order_closed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "auto", Value: strconv.FormatBool(e.Auto)},
		{Key: "payment", Value: u(e.Payment)},
		{Key: "network_fee", Value: u(e.NetworkFee)},
		{Key: "royalty", Value: u(e.Royalty)},
		{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
	}}
}

// EventRatingRevealed: type "rating_revealed", attributes order_id, rater,
// stars.
type EventRatingRevealed struct {
	OrderID uint64
	Rater   address.Address
	Stars   uint32
}

// Event implements event.Typed.
func (e EventRatingRevealed) Event() event.Event {
	return event.Event{Type: "rating_revealed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "rater", Value: e.Rater.String()},
		{Key: "stars", Value: u(uint64(e.Stars))},
	}}
}

// EventRatingsFinal: type "ratings_final", attributes order_id,
// buyer_stars (the buyer's rating of the provider, as counted),
// provider_stars, buyer_revealed, provider_revealed, reputation ("false"
// when the sides are linked and earned no reputation).
type EventRatingsFinal struct {
	OrderID                         uint64
	BuyerStars, ProviderStars       uint32
	BuyerRevealed, ProviderRevealed bool
	Reputation                      bool
}

// Event implements event.Typed.
func (e EventRatingsFinal) Event() event.Event {
	return event.Event{Type: "ratings_final", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "buyer_stars", Value: u(uint64(e.BuyerStars))},
		{Key: "provider_stars", Value: u(uint64(e.ProviderStars))},
		{Key: "buyer_revealed", Value: strconv.FormatBool(e.BuyerRevealed)},
		{Key: "provider_revealed", Value: strconv.FormatBool(e.ProviderRevealed)},
		{Key: "reputation", Value: strconv.FormatBool(e.Reputation)},
	}}
}

// EventOrderFailed: type "order_failed", attributes order_id, provider,
// reason (FailReasonName), slashed (what the provider lost of its bid
// stake), to_buyer and to_treasury (its shares), reputation (the
// provider's reputation entry, decimal, "0" for none).
type EventOrderFailed struct {
	OrderID                      uint64
	Provider                     address.Address
	Reason                       string
	Slashed, ToBuyer, ToTreasury uint64
	Reputation                   string
}

// Event implements event.Typed.
func (e EventOrderFailed) Event() event.Event {
	return event.Event{Type: "order_failed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
		{Key: "reason", Value: e.Reason},
		{Key: "slashed", Value: u(e.Slashed)},
		{Key: "to_buyer", Value: u(e.ToBuyer)},
		{Key: "to_treasury", Value: u(e.ToTreasury)},
		{Key: "reputation", Value: e.Reputation},
	}}
}

// EventInputReceiptPosted: type "input_receipt_posted", attributes
// order_id, by (who posted it), node_key (hex, the node that signed it),
// voided_report ("true" when it voided a report of missing inputs).
type EventInputReceiptPosted struct {
	OrderID      uint64
	By           address.Address
	NodeKey      []byte
	VoidedReport bool
}

// Event implements event.Typed.
func (e EventInputReceiptPosted) Event() event.Event {
	return event.Event{Type: "input_receipt_posted", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "by", Value: e.By.String()},
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "voided_report", Value: strconv.FormatBool(e.VoidedReport)},
	}}
}

// EventMissingInputsReported: type "missing_inputs_reported", attributes
// order_id, provider, contest_deadline (the buyer may show an input
// receipt below it).
type EventMissingInputsReported struct {
	OrderID         uint64
	Provider        address.Address
	ContestDeadline int64
}

// Event implements event.Typed.
func (e EventMissingInputsReported) Event() event.Event {
	return event.Event{Type: "missing_inputs_reported", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
		{Key: "contest_deadline", Value: i(e.ContestDeadline)},
	}}
}

// EventDisputeDrawn: type "dispute_drawn", attributes order_id, round,
// verifiers (the drawn node keys in draw order, hex, comma-separated),
// commit_deadline, reveal_deadline.
type EventDisputeDrawn struct {
	OrderID                        uint64
	Round                          uint32
	Verifiers                      [][]byte
	CommitDeadline, RevealDeadline int64
}

// Event implements event.Typed.
func (e EventDisputeDrawn) Event() event.Event {
	return event.Event{Type: "dispute_drawn", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "round", Value: u(uint64(e.Round))},
		{Key: "verifiers", Value: hexList(e.Verifiers)},
		{Key: "commit_deadline", Value: i(e.CommitDeadline)},
		{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
	}}
}

// EventDomainVoteEvicted: type "domain_vote_evicted", attributes
// order_id, voter (whose slot was taken; its stake returned), by (the
// heavier voter that took it).
type EventDomainVoteEvicted struct {
	OrderID   uint64
	Voter, By address.Address
}

// Event implements event.Typed.
func (e EventDomainVoteEvicted) Event() event.Event {
	return event.Event{Type: "domain_vote_evicted", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "voter", Value: e.Voter.String()},
		{Key: "by", Value: e.By.String()},
	}}
}

func hexList(bs [][]byte) string {
	out := make([]byte, 0, len(bs)*65)
	for n, b := range bs {
		if n > 0 {
			out = append(out, ',')
		}
		out = hex.AppendEncode(out, b)
	}
	return string(out)
}

// EventVerifierRegistered: type "verifier_registered", attributes
// node_key (hex), operator, stake.
type EventVerifierRegistered struct {
	NodeKey  []byte
	Operator address.Address
	Stake    uint64
}

// Event implements event.Typed.
func (e EventVerifierRegistered) Event() event.Event {
	return event.Event{Type: "verifier_registered", Attributes: []event.Attribute{
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "operator", Value: e.Operator.String()},
		{Key: "stake", Value: u(e.Stake)},
	}}
}

// EventVerifierUnregistered: type "verifier_unregistered", attributes
// node_key (hex), operator, stake (returned).
type EventVerifierUnregistered struct {
	NodeKey  []byte
	Operator address.Address
	Stake    uint64
}

// Event implements event.Typed.
func (e EventVerifierUnregistered) Event() event.Event {
	return event.Event{Type: "verifier_unregistered", Attributes: []event.Attribute{
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "operator", Value: e.Operator.String()},
		{Key: "stake", Value: u(e.Stake)},
	}}
}

// EventDisputeOpened: type "dispute_opened", attributes order_id, claim,
// outcome (the enum numbers), stake, commit_deadline and reveal_deadline
// (a protocol dispute's vote; 0 for a compute dispute, whose verifiers
// are drawn later: dispute_drawn), seed_deadline (a compute dispute: the
// last height for the first round's seed; 0 for a protocol dispute),
// kind ("compute" or "protocol": drawn verifiers or a domain vote).
type EventDisputeOpened struct {
	OrderID                                      uint64
	Claim, Outcome                               int32
	Stake                                        uint64
	CommitDeadline, RevealDeadline, SeedDeadline int64
	Kind                                         string
}

// Event implements event.Typed.
func (e EventDisputeOpened) Event() event.Event {
	return event.Event{Type: "dispute_opened", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "claim", Value: i(int64(e.Claim))},
		{Key: "outcome", Value: i(int64(e.Outcome))},
		{Key: "stake", Value: u(e.Stake)},
		{Key: "commit_deadline", Value: i(e.CommitDeadline)},
		{Key: "reveal_deadline", Value: i(e.RevealDeadline)},
		{Key: "seed_deadline", Value: i(e.SeedDeadline)},
		{Key: "kind", Value: e.Kind},
	}}
}

// EventDisputeCommit: type "dispute_commit", attributes order_id,
// verifier (the operator), commitment (hex).
type EventDisputeCommit struct {
	OrderID    uint64
	Verifier   address.Address
	Commitment []byte
}

// Event implements event.Typed.
func (e EventDisputeCommit) Event() event.Event {
	return event.Event{Type: "dispute_commit", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "verifier", Value: e.Verifier.String()},
		{Key: "commitment", Value: hex.EncodeToString(e.Commitment)},
	}}
}

// EventDisputeReveal: type "dispute_reveal", attributes order_id,
// verifier (the operator), output_root (hex).
type EventDisputeReveal struct {
	OrderID    uint64
	Verifier   address.Address
	OutputRoot []byte
}

// Event implements event.Typed.
func (e EventDisputeReveal) Event() event.Event {
	return event.Event{Type: "dispute_reveal", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "verifier", Value: e.Verifier.String()},
		{Key: "output_root", Value: hex.EncodeToString(e.OutputRoot)},
	}}
}

// EventDisputeDecided: type "dispute_decided", attributes order_id,
// verdict (VerdictName: provider_won, buyer_won, undecided — a round
// without a decision, the next one follows —, split, abandoned),
// majority_root (hex, empty if none), state (the order's state after
// it), rewarded (node keys of the majority verifiers, or addresses of the
// winning domain voters, hex, comma-separated), reward (ucell each),
// slashed (node keys, or voter addresses, that lost their stake), kind
// ("compute" or "protocol"), provider_weight and buyer_weight (a
// protocol dispute's revealed weight on each side, decimal; empty for a
// compute dispute), round, next_seed_deadline (after an undecided round:
// the last height for the next round's seed; 0 otherwise).
type EventDisputeDecided struct {
	OrderID                     uint64
	Verdict                     string
	MajorityRoot                []byte
	State                       string
	Rewarded, Slashed           [][]byte
	Reward                      uint64
	Kind                        string
	ProviderWeight, BuyerWeight string
	Round                       uint32
	NextSeedDeadline            int64
}

// Event implements event.Typed.
func (e EventDisputeDecided) Event() event.Event {
	return event.Event{Type: "dispute_decided", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "verdict", Value: e.Verdict},
		{Key: "majority_root", Value: hex.EncodeToString(e.MajorityRoot)},
		{Key: "state", Value: e.State},
		{Key: "rewarded", Value: hexList(e.Rewarded)},
		{Key: "reward", Value: u(e.Reward)},
		{Key: "slashed", Value: hexList(e.Slashed)},
		{Key: "kind", Value: e.Kind},
		{Key: "provider_weight", Value: e.ProviderWeight},
		{Key: "buyer_weight", Value: e.BuyerWeight},
		{Key: "round", Value: u(uint64(e.Round))},
		{Key: "next_seed_deadline", Value: i(e.NextSeedDeadline)},
	}}
}

// EventDomainVoteCommit: type "domain_vote_commit", attributes order_id,
// voter, commitment (hex).
type EventDomainVoteCommit struct {
	OrderID    uint64
	Voter      address.Address
	Commitment []byte
}

// Event implements event.Typed.
func (e EventDomainVoteCommit) Event() event.Event {
	return event.Event{Type: "domain_vote_commit", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "voter", Value: e.Voter.String()},
		{Key: "commitment", Value: hex.EncodeToString(e.Commitment)},
	}}
}

// EventDomainVoteReveal: type "domain_vote_reveal", attributes order_id,
// voter, vote (provider_won or buyer_won), weight (the proven
// reputation, decimal).
type EventDomainVoteReveal struct {
	OrderID uint64
	Voter   address.Address
	Vote    string
	Weight  string
}

// Event implements event.Typed.
func (e EventDomainVoteReveal) Event() event.Event {
	return event.Event{Type: "domain_vote_reveal", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "voter", Value: e.Voter.String()},
		{Key: "vote", Value: e.Vote},
		{Key: "weight", Value: e.Weight},
	}}
}

// EventLitigationReleased: type "litigation_released", attributes
// order_id, to_buyer, to_provider.
type EventLitigationReleased struct {
	OrderID             uint64
	ToBuyer, ToProvider uint64
}

// Event implements event.Typed.
func (e EventLitigationReleased) Event() event.Event {
	return event.Event{Type: "litigation_released", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "to_buyer", Value: u(e.ToBuyer)},
		{Key: "to_provider", Value: u(e.ToProvider)},
	}}
}

// EventCreditChanged: type "credit_changed", attributes order_id,
// account, added, spent, balance (the credit after it), all in ucell.
type EventCreditChanged struct {
	OrderID               uint64
	Account               address.Address
	Added, Spent, Balance uint64
}

// Event implements event.Typed.
func (e EventCreditChanged) Event() event.Event {
	return event.Event{Type: "credit_changed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "account", Value: e.Account.String()},
		{Key: "added", Value: u(e.Added)},
		{Key: "spent", Value: u(e.Spent)},
		{Key: "balance", Value: u(e.Balance)},
	}}
}

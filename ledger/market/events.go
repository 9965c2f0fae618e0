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
// node_key (hex, empty for a direct purchase), price, bid_stake,
// delivery_deadline.
type EventOrderAwarded struct {
	OrderID          uint64
	Provider         address.Address
	NodeKey          []byte
	Price, BidStake  uint64
	DeliveryDeadline int64
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
	}}
}

// EventOrderDelivered: type "order_delivered", attributes order_id,
// output_root (hex), event_log_head (hex), confirm_deadline.
type EventOrderDelivered struct {
	OrderID         uint64
	OutputRoot      []byte
	EventLogHead    []byte
	ConfirmDeadline int64
}

// Event implements event.Typed.
func (e EventOrderDelivered) Event() event.Event {
	return event.Event{Type: "order_delivered", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "output_root", Value: hex.EncodeToString(e.OutputRoot)},
		{Key: "event_log_head", Value: hex.EncodeToString(e.EventLogHead)},
		{Key: "confirm_deadline", Value: i(e.ConfirmDeadline)},
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
// provider_stars, buyer_revealed, provider_revealed.
type EventRatingsFinal struct {
	OrderID                         uint64
	BuyerStars, ProviderStars       uint32
	BuyerRevealed, ProviderRevealed bool
}

// Event implements event.Typed.
func (e EventRatingsFinal) Event() event.Event {
	return event.Event{Type: "ratings_final", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "buyer_stars", Value: u(uint64(e.BuyerStars))},
		{Key: "provider_stars", Value: u(uint64(e.ProviderStars))},
		{Key: "buyer_revealed", Value: strconv.FormatBool(e.BuyerRevealed)},
		{Key: "provider_revealed", Value: strconv.FormatBool(e.ProviderRevealed)},
	}}
}

// EventOrderFailed: type "order_failed", attributes order_id, provider,
// slashed (the bid stake), to_buyer (its share paid to the buyer).
type EventOrderFailed struct {
	OrderID          uint64
	Provider         address.Address
	Slashed, ToBuyer uint64
}

// Event implements event.Typed.
func (e EventOrderFailed) Event() event.Event {
	return event.Event{Type: "order_failed", Attributes: []event.Attribute{
		{Key: "order_id", Value: u(e.OrderID)},
		{Key: "provider", Value: e.Provider.String()},
		{Key: "slashed", Value: u(e.Slashed)},
		{Key: "to_buyer", Value: u(e.ToBuyer)},
	}}
}

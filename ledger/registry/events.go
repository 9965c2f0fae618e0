package registry

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

func u(v uint64) string { return strconv.FormatUint(v, 10) }
func i(v int64) string  { return strconv.FormatInt(v, 10) }

// EventProfileSet: type "profile_set", attributes owner, name, roles
// (comma-separated role names, e.g. "buyer,vendor").
type EventProfileSet struct {
	Owner address.Address
	Name  string
	Roles []string
}

// Event implements event.Typed.
func (e EventProfileSet) Event() event.Event {
	return event.Event{Type: "profile_set", Attributes: []event.Attribute{
		{Key: "owner", Value: e.Owner.String()},
		{Key: "name", Value: e.Name},
		{Key: "roles", Value: strings.Join(e.Roles, ",")},
	}}
}

// EventNodeAnnounced: type "node_announced", attributes operator,
// node_pubkey (hex), endpoint, architectures (comma-separated), capacity,
// last_announced_height.
type EventNodeAnnounced struct {
	Operator            address.Address
	NodePubKey          []byte
	Endpoint            string
	Architectures       []string
	Capacity            uint32
	LastAnnouncedHeight int64
}

// Event implements event.Typed.
func (e EventNodeAnnounced) Event() event.Event {
	return event.Event{Type: "node_announced", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "node_pubkey", Value: hex.EncodeToString(e.NodePubKey)},
		{Key: "endpoint", Value: e.Endpoint},
		{Key: "architectures", Value: strings.Join(e.Architectures, ",")},
		{Key: "capacity", Value: u(uint64(e.Capacity))},
		{Key: "last_announced_height", Value: i(e.LastAnnouncedHeight)},
	}}
}

// EventNodeRemoved: type "node_removed", attributes operator, node_pubkey
// (hex).
type EventNodeRemoved struct {
	Operator   address.Address
	NodePubKey []byte
}

// Event implements event.Typed.
func (e EventNodeRemoved) Event() event.Event {
	return event.Event{Type: "node_removed", Attributes: []event.Attribute{
		{Key: "operator", Value: e.Operator.String()},
		{Key: "node_pubkey", Value: hex.EncodeToString(e.NodePubKey)},
	}}
}

// EventPackageRegistered: type "package_registered", attributes
// package_id (hex), name, version, kind, skill, parent (hex, empty for
// none), author, royalty_bps.
type EventPackageRegistered struct {
	PackageID     []byte
	Name, Version string
	Kind, Skill   string
	Parent        []byte
	Author        address.Address
	RoyaltyBps    uint32
}

// Event implements event.Typed.
func (e EventPackageRegistered) Event() event.Event {
	return event.Event{Type: "package_registered", Attributes: []event.Attribute{
		{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
		{Key: "name", Value: e.Name},
		{Key: "version", Value: e.Version},
		{Key: "kind", Value: e.Kind},
		{Key: "skill", Value: e.Skill},
		{Key: "parent", Value: hex.EncodeToString(e.Parent)},
		{Key: "author", Value: e.Author.String()},
		{Key: "royalty_bps", Value: u(uint64(e.RoyaltyBps))},
	}}
}

// EventOfferingSet: type "offering_set", attributes vendor, package_id
// (hex), price (ucell), lead_time_blocks, node_key (hex), stake (ucell).
type EventOfferingSet struct {
	Vendor         address.Address
	PackageID      []byte
	Price          uint64
	LeadTimeBlocks uint64
	NodeKey        []byte
	Stake          uint64
}

// Event implements event.Typed.
func (e EventOfferingSet) Event() event.Event {
	return event.Event{Type: "offering_set", Attributes: []event.Attribute{
		{Key: "vendor", Value: e.Vendor.String()},
		{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
		{Key: "price", Value: u(e.Price)},
		{Key: "lead_time_blocks", Value: u(e.LeadTimeBlocks)},
		{Key: "node_key", Value: hex.EncodeToString(e.NodeKey)},
		{Key: "stake", Value: u(e.Stake)},
	}}
}

// EventOfferingRemoved: type "offering_removed", attributes vendor,
// package_id (hex).
type EventOfferingRemoved struct {
	Vendor    address.Address
	PackageID []byte
}

// Event implements event.Typed.
func (e EventOfferingRemoved) Event() event.Event {
	return event.Event{Type: "offering_removed", Attributes: []event.Attribute{
		{Key: "vendor", Value: e.Vendor.String()},
		{Key: "package_id", Value: hex.EncodeToString(e.PackageID)},
	}}
}

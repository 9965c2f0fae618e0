package registry

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
)

// EventProfileSet: type "profile_set", attributes owner, name, roles
// (comma-separated role names, e.g. "buyer,vendor").
type EventProfileSet struct {
	Owner address.Address `event:"owner"`
	Name  string          `event:"name"`
	Roles []string        `event:"roles"`
}

// EventType implements event.Typed.
func (EventProfileSet) EventType() string { return "profile_set" }

// EventNodeAnnounced: type "node_announced", attributes operator,
// node_pubkey (hex), endpoint, architectures (comma-separated), capacity,
// last_announced_height.
type EventNodeAnnounced struct {
	Operator            address.Address `event:"operator"`
	NodePubKey          []byte          `event:"node_pubkey"`
	Endpoint            string          `event:"endpoint"`
	Architectures       []string        `event:"architectures"`
	Capacity            uint32          `event:"capacity"`
	LastAnnouncedHeight int64           `event:"last_announced_height"`
}

// EventType implements event.Typed.
func (EventNodeAnnounced) EventType() string { return "node_announced" }

// EventNodeRemoved: type "node_removed", attributes operator, node_pubkey
// (hex).
type EventNodeRemoved struct {
	Operator   address.Address `event:"operator"`
	NodePubKey []byte          `event:"node_pubkey"`
}

// EventType implements event.Typed.
func (EventNodeRemoved) EventType() string { return "node_removed" }

// EventPackageRegistered: type "package_registered", attributes
// package_id (hex), name, version, kind, skill, parent (hex, empty for
// none), author, royalty_bps.
type EventPackageRegistered struct {
	PackageID  []byte          `event:"package_id"`
	Name       string          `event:"name"`
	Version    string          `event:"version"`
	Kind       string          `event:"kind"`
	Skill      string          `event:"skill"`
	Parent     []byte          `event:"parent"`
	Author     address.Address `event:"author"`
	RoyaltyBps uint32          `event:"royalty_bps"`
}

// EventType implements event.Typed.
func (EventPackageRegistered) EventType() string { return "package_registered" }

// EventOfferingSet: type "offering_set", attributes vendor, package_id
// (hex), price (ucell), lead_time_blocks, node_key (hex), stake (ucell),
// botspec_id (hex; a protocol package's BotSpec, empty for compute).
type EventOfferingSet struct {
	Vendor         address.Address `event:"vendor"`
	PackageID      []byte          `event:"package_id"`
	Price          uint64          `event:"price"`
	LeadTimeBlocks uint64          `event:"lead_time_blocks"`
	NodeKey        []byte          `event:"node_key"`
	Stake          uint64          `event:"stake"`
	BotSpecID      []byte          `event:"botspec_id"`
}

// EventType implements event.Typed.
func (EventOfferingSet) EventType() string { return "offering_set" }

// EventOfferingRemoved: type "offering_removed", attributes vendor,
// package_id (hex).
type EventOfferingRemoved struct {
	Vendor    address.Address `event:"vendor"`
	PackageID []byte          `event:"package_id"`
}

// EventType implements event.Typed.
func (EventOfferingRemoved) EventType() string { return "offering_removed" }

// Events lists the events of the registry module, one zero value of each
// struct, for event.NewRegistry.
func Events() []event.Typed {
	return []event.Typed{
		EventProfileSet{},
		EventNodeAnnounced{},
		EventNodeRemoved{},
		EventPackageRegistered{},
		EventOfferingSet{},
		EventOfferingRemoved{},
	}
}

// Package registry keeps the public records the market trades on
// (market.md: "Registry"): profiles, fulfillment nodes, packages and
// offerings.
//
// Rules:
//
//   - Profile (MsgSetProfile): one per account, created and replaced by
//     its owner: a name of 1 to 64 bytes, known roles (buyer, vendor,
//     validator, governor) each at most once, a contact of at most 256
//     bytes; no control characters.
//   - Node (MsgAnnounceNode, MsgRemoveNode): registered by its operator
//     (the signer) under the node's own ed25519 key, which no other
//     operator may hold at the same time. The endpoint is an http(s) URL
//     of at most 256 bytes; architectures are tags of spec.Architectures;
//     BotSpec hashes are 32 bytes; capacity is at least 1; a node names at
//     least one architecture or BotSpec. Announcing again replaces the
//     record and sets last_announced_height to the current height. A node
//     is active up to and including height last_announced_height +
//     node_ttl_blocks (a param) and expired after it (Expired, Active);
//     an expired node stays in state until its operator re-announces or
//     removes it. Removing a node frees its key. Every announcement
//     carries the node key's signature over NodeKeyProofBytes(chain id,
//     operator) (ErrBadNodeSignature), so only the holder of a node key
//     can register it: nobody can squat a key a vendor is about to
//     announce. The registry remembers every operator that ever
//     announced a key (NodeHistoryKey; SharesNode), which the market uses
//     to deny reputation to orders between linked accounts. An
//     announcement may carry the node's price list (ValidatePriceList),
//     kept with the record; AskingPrice is the one formula that turns it
//     into the price of an order, for the node that bids and the buyer
//     who compares.
//   - Package (MsgRegisterPackage): the envelope of a .cellpkg, signed by
//     its author, who is the signer: the envelope decodes and passes
//     spec.ValidateEnvelopeFields, its author is the address of the
//     author's key and the ed25519 signature verifies over the raw
//     envelope bytes. The package id is the envelope's package_id (the
//     ledger never sees the spec; whoever fetches the package checks its
//     bytes against the id), registered once. The skill must exist
//     (Skills). The package chain (service-spec.md: parent): a package
//     with a parent names a registered package of the same name and the
//     same author, else it is a "package version hijack"; a package
//     without a parent may not take a name registered by another author.
//     So every version of a name has one author, the first to register it.
//     Its royalty is at most max_royalty_bps (ErrRoyaltyTooHigh): a 100%
//     royalty let an author have its package run for nothing.
//   - Offering (MsgSetOffering, MsgRemoveOffering): a catalog item,
//     identified by (vendor, package id), set and replaced by the vendor —
//     a signer whose profile has the vendor role — for a registered
//     package at a price of at least min_price (ucell) and a positive lead
//     time (blocks), served by one of the vendor's active nodes
//     (ErrNodeUnusable) with a vendor stake per purchase of at least
//     max(min_bid_stake, bid_stake_ratio_bps of the price)
//     (ErrStakeTooLow), taken at each purchase (market: BuyOffering). An
//     offering of a protocol package names the BotSpec of the bot that
//     runs its purchases, one its node announced; one of a compute
//     package names none (ErrOfferingBotSpec).
//
// Every handler checks everything before its first write and emits its
// typed event next to the write. The module moves no funds.
package registry

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"unicode"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Limits of the registry's fields.
const (
	// MaxNameBytes bounds a profile name, in bytes.
	MaxNameBytes = 64
	// MaxContactBytes bounds a profile contact, in bytes.
	MaxContactBytes = 256
	// MaxURLBytes bounds an endpoint or blob location, in bytes.
	MaxURLBytes = 256
	// MaxArchitectures bounds the architectures of a node.
	MaxArchitectures = 16
	// MaxBotSpecHashes bounds the BotSpec hashes of a node.
	MaxBotSpecHashes = 64
	// MaxBlobLocations bounds the blob locations of a package.
	MaxBlobLocations = 16
	// MaxLinkScan bounds the nodes of an account that SharesNode looks at,
	// so that the check stays cheap in the block hook whatever an
	// account holds.
	MaxLinkScan = 64
)

// NodeKeyProofDomain separates node key possession proofs from every other
// signature of the system.
const NodeKeyProofDomain = "celltonomy/node-key/v1"

// NodeKeyProofBytes returns what a node key signs to prove its operator
// holds it: NodeKeyProofDomain ‖ 0x00 ‖ chain id ‖ 0x00 ‖ operator (20
// bytes). The chain id keeps a proof from being replayed on another chain.
func NodeKeyProofBytes(chainID string, operator address.Address) []byte {
	return store.Key([]byte(NodeKeyProofDomain), []byte{0}, []byte(chainID), []byte{0}, operator[:])
}

// SignNodeKeyProof returns the node key's signature over
// NodeKeyProofBytes(chainID, operator), for MsgAnnounceNode.node_signature.
func SignNodeKeyProof(nodeKey ed25519.PrivateKey, chainID string, operator address.Address) []byte {
	return ed25519.Sign(nodeKey, NodeKeyProofBytes(chainID, operator))
}

// Sizes of the registry's binary fields, in bytes.
const (
	// NodeKeySize is the size of a node key (ed25519 public key).
	NodeKeySize = ed25519.PublicKeySize
	// BotSpecHashSize is the size of a BotSpec hash (SHA-256).
	BotSpecHashSize = 32
	// PackageIDSize is the size of a package id (SHA3-256).
	PackageIDSize = spec.IDSize
	// PublicKeySize is the size of an author's ed25519 public key.
	PublicKeySize = ed25519.PublicKeySize
	// SignatureSize is the size of an author's ed25519 signature.
	SignatureSize = ed25519.SignatureSize
)

// Skills is what the registry needs of the skill tree.
type Skills interface {
	// SkillExists reports whether the skill path (e.g.
	// "compute/genomics/digest") names a skill.
	SkillExists(st store.KVStore, path string) bool
}

// Keeper is the registry module; it holds only configuration.
type Keeper struct {
	skills Skills
}

// New returns the registry over a skill tree.
func New(skills Skills) Keeper { return Keeper{skills: skills} }

// RoleName returns the lowercase name of a role ("buyer", …), or "" for
// an unknown one.
func RoleName(r ledgerpb.Role) string {
	switch r {
	case ledgerpb.Role_ROLE_BUYER:
		return "buyer"
	case ledgerpb.Role_ROLE_VENDOR:
		return "vendor"
	case ledgerpb.Role_ROLE_VALIDATOR:
		return "validator"
	case ledgerpb.Role_ROLE_GOVERNOR:
		return "governor"
	}
	return ""
}

// ParseRole is the inverse of RoleName.
func ParseRole(s string) (ledgerpb.Role, error) {
	for _, r := range []ledgerpb.Role{ledgerpb.Role_ROLE_BUYER, ledgerpb.Role_ROLE_VENDOR, ledgerpb.Role_ROLE_VALIDATOR, ledgerpb.Role_ROLE_GOVERNOR} {
		if RoleName(r) == s {
			return r, nil
		}
	}
	return 0, fmt.Errorf("unknown role %q; known: buyer, vendor, validator, governor", s)
}

// Profile returns the profile of owner, or nil.
func (k Keeper) Profile(st store.KVStore, owner address.Address) *ledgerpb.Profile {
	b := st.Get(ProfileKey(owner))
	if b == nil {
		return nil
	}
	p := &ledgerpb.Profile{}
	codec.MustUnmarshal(b, p)
	return p
}

// Node returns the node with the key, or nil.
func (k Keeper) Node(st store.KVStore, nodeKey []byte) *ledgerpb.Node {
	if len(nodeKey) != NodeKeySize {
		return nil
	}
	b := st.Get(NodeKey(nodeKey))
	if b == nil {
		return nil
	}
	n := &ledgerpb.Node{}
	codec.MustUnmarshal(b, n)
	return n
}

// Nodes returns the nodes of operator, or every node if operator is zero,
// ordered by operator then node key.
func (k Keeper) Nodes(st store.KVStore, operator address.Address) []*ledgerpb.Node {
	prefix := OperatorNodePrefix(operator)
	var keys [][]byte
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid(); it.Next() {
		keys = append(keys, bytes.Clone(it.Key()[len(prefixOperatorNode)+address.Size:]))
	}
	it.Close()
	out := make([]*ledgerpb.Node, 0, len(keys))
	for _, nk := range keys {
		n := k.Node(st, nk)
		if n == nil {
			panic(fmt.Sprintf("registry: corrupt state: indexed node %x is missing", nk))
		}
		out = append(out, n)
	}
	return out
}

// ActiveUntil returns the last height at which n is active:
// last_announced_height + node_ttl_blocks.
func ActiveUntil(n *ledgerpb.Node, p *ledgerpb.Params) int64 {
	return n.LastAnnouncedHeight + int64(p.NodeTtlBlocks) // both bounded: no overflow
}

// Expired reports whether n is expired at height: height >
// last_announced_height + node_ttl_blocks.
func Expired(n *ledgerpb.Node, p *ledgerpb.Params, height int64) bool {
	return height > ActiveUntil(n, p)
}

// Active reports whether the node with the key is registered and not
// expired at height. It is what the market asks before it accepts a bid.
func (k Keeper) Active(st store.KVStore, p *ledgerpb.Params, nodeKey []byte, height int64) bool {
	n := k.Node(st, nodeKey)
	return n != nil && !Expired(n, p, height)
}

// Package returns the package with the id, or nil.
func (k Keeper) Package(st store.KVStore, id []byte) *ledgerpb.Package {
	if len(id) != PackageIDSize {
		return nil
	}
	b := st.Get(PackageKey(id))
	if b == nil {
		return nil
	}
	pkg := &ledgerpb.Package{}
	codec.MustUnmarshal(b, pkg)
	return pkg
}

// PackagesByName returns the packages named name in registration order.
func (k Keeper) PackagesByName(st store.KVStore, name string) []*ledgerpb.Package {
	if name == "" || strings.ContainsRune(name, 0) {
		return nil
	}
	prefix := PackageNamePrefix(name)
	var ids [][]byte
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid(); it.Next() {
		ids = append(ids, bytes.Clone(it.Key()[len(prefix)+8:]))
	}
	it.Close()
	out := make([]*ledgerpb.Package, 0, len(ids))
	for _, id := range ids {
		pkg := k.Package(st, id)
		if pkg == nil {
			panic(fmt.Sprintf("registry: corrupt state: indexed package %x is missing", id))
		}
		out = append(out, pkg)
	}
	return out
}

// Offering returns vendor's offering of a package, or nil.
func (k Keeper) Offering(st store.KVStore, vendor address.Address, packageID []byte) *ledgerpb.Offering {
	if len(packageID) != PackageIDSize {
		return nil
	}
	b := st.Get(OfferingKey(vendor, packageID))
	if b == nil {
		return nil
	}
	o := &ledgerpb.Offering{}
	codec.MustUnmarshal(b, o)
	return o
}

// Offerings returns the offerings of vendor, or every offering if vendor
// is zero, ordered by vendor then package id.
func (k Keeper) Offerings(st store.KVStore, vendor address.Address) []*ledgerpb.Offering {
	prefix := OfferingPrefix(vendor)
	var out []*ledgerpb.Offering
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		o := &ledgerpb.Offering{}
		codec.MustUnmarshal(it.Value(), o)
		out = append(out, o)
	}
	return out
}

// PackageOfferings returns the offerings of a package, ordered by vendor.
func (k Keeper) PackageOfferings(st store.KVStore, packageID []byte) []*ledgerpb.Offering {
	if len(packageID) != PackageIDSize {
		return nil
	}
	prefix := PackageOfferingPrefix(packageID)
	var vendors []address.Address
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid(); it.Next() {
		vendors = append(vendors, address.Address(it.Key()[len(prefix):]))
	}
	it.Close()
	out := make([]*ledgerpb.Offering, 0, len(vendors))
	for _, v := range vendors {
		o := k.Offering(st, v, packageID)
		if o == nil {
			panic(fmt.Sprintf("registry: corrupt state: indexed offering %s/%x is missing", v, packageID))
		}
		out = append(out, o)
	}
	return out
}

func checkText(s string, minBytes, maxBytes int) string {
	if len(s) < minBytes || len(s) > maxBytes {
		return fmt.Sprintf("%d bytes: must be %d to %d", len(s), minBytes, maxBytes)
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Sprintf("%q: must not contain control characters or invalid UTF-8", s)
		}
	}
	return ""
}

// checkURL checks an http:// or https:// URL with a non-empty host, at
// most MaxURLBytes of printable ASCII without spaces. (net/url is not
// used: the ledger imports nothing of net, and its parser accepts more
// than an endpoint needs.)
func checkURL(s string) string {
	if len(s) > MaxURLBytes {
		return fmt.Sprintf("%d bytes: must be at most %d", len(s), MaxURLBytes)
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return fmt.Sprintf("%q: must be printable ASCII without spaces", s)
		}
	}
	rest, ok := strings.CutPrefix(s, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "http://"); !ok {
			return fmt.Sprintf("%q: must start with http:// or https://", s)
		}
	}
	host := rest
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		host = rest[:end]
	}
	if host == "" || strings.ContainsAny(host, "@\\") {
		return fmt.Sprintf("%q: must name a host (without user information)", s)
	}
	return ""
}

// ValidateSetProfile checks a MsgSetProfile without state: the name
// (ErrInvalidName), the roles (ErrInvalidRole), the contact
// (ErrInvalidContact).
func ValidateSetProfile(m *ledgerpb.MsgSetProfile) error {
	if why := checkText(m.Name, 1, MaxNameBytes); why != "" {
		return ErrInvalidName.Errorf("set_profile: name: %s", why)
	}
	for i, r := range m.Roles {
		if RoleName(r) == "" {
			return ErrInvalidRole.Errorf("set_profile: roles[%d]: unknown role %d; known: buyer, vendor, validator, governor", i, r)
		}
		if slices.Contains(m.Roles[:i], r) {
			return ErrInvalidRole.Errorf("set_profile: roles[%d]: %s listed twice", i, RoleName(r))
		}
	}
	if why := checkText(m.Contact, 0, MaxContactBytes); why != "" {
		return ErrInvalidContact.Errorf("set_profile: contact: %s", why)
	}
	return nil
}

// SetProfile executes a MsgSetProfile signed by signer in the block at
// height: ValidateSetProfile's rules; the profile is created or replaced.
func (k Keeper) SetProfile(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgSetProfile) error {
	if err := ValidateSetProfile(m); err != nil {
		return err
	}
	st.Set(ProfileKey(signer), codec.Marshal(&ledgerpb.Profile{
		Owner: signer.Bytes(), Name: m.Name, Roles: m.Roles, Contact: m.Contact, UpdatedHeight: height,
	}))
	roles := make([]string, len(m.Roles))
	for i, r := range m.Roles {
		roles[i] = RoleName(r)
	}
	ev.Emit(EventProfileSet{Owner: signer, Name: m.Name, Roles: roles})
	return nil
}

func validateNodeKey(op string, key []byte) error {
	if len(key) != NodeKeySize {
		return ErrInvalidNodeKey.Errorf("%s: node_pubkey: must be %d bytes, got %d", op, NodeKeySize, len(key))
	}
	return nil
}

// ValidateAnnounceNode checks a MsgAnnounceNode without state: a 32-byte
// node key (ErrInvalidNodeKey), a 64-byte node signature
// (ErrBadNodeSignature; AnnounceNode verifies it), the endpoint
// (ErrInvalidURL), known and unique architectures
// (ErrInvalidArchitecture), unique 32-byte BotSpec hashes
// (ErrInvalidBotSpecHash), at least one of the two
// (ErrInvalidArchitecture), capacity at least 1 (ErrInvalidCapacity), and
// a price list, if any, that passes ValidatePriceList
// (ErrInvalidPriceList).
func ValidateAnnounceNode(m *ledgerpb.MsgAnnounceNode) error {
	if err := validateNodeKey("announce_node", m.NodePubkey); err != nil {
		return err
	}
	if len(m.NodeSignature) != ed25519.SignatureSize {
		return ErrBadNodeSignature.Errorf("announce_node: node_signature: must be %d bytes, got %d: sign registry.NodeKeyProofBytes with the node key", ed25519.SignatureSize, len(m.NodeSignature))
	}
	if why := checkURL(m.Endpoint); why != "" {
		return ErrInvalidURL.Errorf("announce_node: endpoint: %s", why)
	}
	if len(m.Architectures) > MaxArchitectures {
		return ErrInvalidArchitecture.Errorf("announce_node: architectures: %d: at most %d", len(m.Architectures), MaxArchitectures)
	}
	for i, a := range m.Architectures {
		if !slices.Contains(spec.Architectures, a) {
			return ErrInvalidArchitecture.Errorf("announce_node: architectures[%d]: unknown architecture %q; known: %s", i, a, strings.Join(spec.Architectures, ", "))
		}
		if slices.Contains(m.Architectures[:i], a) {
			return ErrInvalidArchitecture.Errorf("announce_node: architectures[%d]: %q listed twice", i, a)
		}
	}
	if len(m.BotspecHashes) > MaxBotSpecHashes {
		return ErrInvalidBotSpecHash.Errorf("announce_node: botspec_hashes: %d: at most %d", len(m.BotspecHashes), MaxBotSpecHashes)
	}
	for i, h := range m.BotspecHashes {
		if len(h) != BotSpecHashSize {
			return ErrInvalidBotSpecHash.Errorf("announce_node: botspec_hashes[%d]: must be %d bytes, got %d", i, BotSpecHashSize, len(h))
		}
		if slices.ContainsFunc(m.BotspecHashes[:i], func(o []byte) bool { return bytes.Equal(o, h) }) {
			return ErrInvalidBotSpecHash.Errorf("announce_node: botspec_hashes[%d]: %x listed twice", i, h)
		}
	}
	if len(m.Architectures) == 0 && len(m.BotspecHashes) == 0 {
		return ErrInvalidArchitecture.Errorf("announce_node: a node must name at least one architecture or BotSpec hash")
	}
	if m.Capacity == 0 {
		return ErrInvalidCapacity.Errorf("announce_node: capacity 0: must be at least 1")
	}
	if m.Prices != nil {
		return ValidatePriceList("announce_node: prices", m.Prices)
	}
	return nil
}

// AnnounceNode executes a MsgAnnounceNode signed by signer in the block at
// height of chain chainID: ValidateAnnounceNode's rules, then the node
// signature must verify over NodeKeyProofBytes(chainID, signer) under the
// node key (ErrBadNodeSignature) and the node key must be unused or
// already the signer's (ErrNodeKeyInUse). The node is created,
// or replaced with last_announced_height = height, and the signer is
// recorded in the key's history.
func (k Keeper) AnnounceNode(st store.KVStore, ev *event.Log, chainID string, height int64, signer address.Address, m *ledgerpb.MsgAnnounceNode) error {
	if err := ValidateAnnounceNode(m); err != nil {
		return err
	}
	if !ed25519.Verify(m.NodePubkey, NodeKeyProofBytes(chainID, signer), m.NodeSignature) {
		return ErrBadNodeSignature.Errorf("announce_node: node_signature: does not verify under node_pubkey %x for operator %s on chain %q", m.NodePubkey, signer, chainID)
	}
	registered := height
	if old := k.Node(st, m.NodePubkey); old != nil {
		if op := address.Address(old.Operator); op != signer {
			return ErrNodeKeyInUse.Errorf("announce_node: node_pubkey %x: registered by operator %s", m.NodePubkey, op)
		}
		registered = old.RegisteredHeight
	}
	st.Set(NodeKey(m.NodePubkey), codec.Marshal(&ledgerpb.Node{
		Operator:            signer.Bytes(),
		NodePubkey:          m.NodePubkey,
		Endpoint:            m.Endpoint,
		Architectures:       m.Architectures,
		BotspecHashes:       m.BotspecHashes,
		Capacity:            m.Capacity,
		RegisteredHeight:    registered,
		LastAnnouncedHeight: height,
		Prices:              m.Prices,
	}))
	st.Set(OperatorNodeKey(signer, m.NodePubkey), marker)
	st.Set(NodeHistoryKey(m.NodePubkey, signer), marker)
	ev.Emit(EventNodeAnnounced{Operator: signer, NodePubKey: m.NodePubkey, Endpoint: m.Endpoint,
		Architectures: m.Architectures, Capacity: m.Capacity, LastAnnouncedHeight: height})
	return nil
}

// SharesNode reports whether accounts a and b are linked through the
// registry, so that trades between them cannot be told from self-dealing
// (market: no reputation for them): a ever announced nodeKey (the node
// that served b's side of the trade), or one of the first MaxLinkScan
// nodes a holds now (by node key) was ever announced by b. Its cost is
// bounded by MaxLinkScan + 1 lookups. It only finds links the registry
// records: accounts that never shared a node key are not linked.
func (k Keeper) SharesNode(st store.KVStore, a, b address.Address, nodeKey []byte) bool {
	if a == b {
		return true
	}
	if len(nodeKey) == NodeKeySize && st.Has(NodeHistoryKey(nodeKey, a)) {
		return true
	}
	prefix := OperatorNodePrefix(a)
	var keys [][]byte
	it := st.Iterator(prefix, store.PrefixEnd(prefix))
	for ; it.Valid() && len(keys) < MaxLinkScan; it.Next() {
		keys = append(keys, bytes.Clone(it.Key()[len(prefix):]))
	}
	it.Close()
	for _, nk := range keys {
		if st.Has(NodeHistoryKey(nk, b)) {
			return true
		}
	}
	return false
}

// ValidateRemoveNode checks a MsgRemoveNode without state: a 32-byte node
// key (ErrInvalidNodeKey).
func ValidateRemoveNode(m *ledgerpb.MsgRemoveNode) error {
	return validateNodeKey("remove_node", m.NodePubkey)
}

// RemoveNode executes a MsgRemoveNode signed by signer: the node must
// exist (ErrNoNode) and be the signer's (ErrNotOperator).
func (k Keeper) RemoveNode(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgRemoveNode) error {
	if err := ValidateRemoveNode(m); err != nil {
		return err
	}
	n := k.Node(st, m.NodePubkey)
	if n == nil {
		return ErrNoNode.Errorf("remove_node: node_pubkey %x: no such node", m.NodePubkey)
	}
	if op := address.Address(n.Operator); op != signer {
		return ErrNotOperator.Errorf("remove_node: node_pubkey %x: operated by %s", m.NodePubkey, op)
	}
	st.Delete(NodeKey(m.NodePubkey))
	st.Delete(OperatorNodeKey(signer, m.NodePubkey))
	ev.Emit(EventNodeRemoved{Operator: signer, NodePubKey: m.NodePubkey})
	return nil
}

// DecodeEnvelope decodes and checks the envelope of a MsgRegisterPackage
// without state: the bytes decode (ErrInvalidEnvelope), the envelope
// passes spec.ValidateEnvelopeFields and names an author
// (ErrInvalidEnvelope), the author's key is 32 bytes and its signature
// verifies over the envelope bytes (ErrBadAuthorSignature), and the
// author is the key's address (ErrNotAuthor).
func DecodeEnvelope(m *ledgerpb.MsgRegisterPackage) (*specpb.Envelope, error) {
	env := &specpb.Envelope{}
	if err := proto.Unmarshal(m.Envelope, env); err != nil {
		return nil, ErrInvalidEnvelope.Errorf("register_package: envelope: not a serialized Envelope: %v", err)
	}
	if err := spec.ValidateEnvelopeFields(env); err != nil {
		return nil, ErrInvalidEnvelope.Errorf("register_package: %s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	if len(env.Author) == 0 {
		return nil, ErrInvalidEnvelope.Errorf("register_package: envelope.author: must be set: register a signed package")
	}
	if len(m.AuthorPublicKey) != PublicKeySize {
		return nil, ErrBadAuthorSignature.Errorf("register_package: author_public_key: must be %d bytes, got %d", PublicKeySize, len(m.AuthorPublicKey))
	}
	if !bytes.Equal(spec.Address(m.AuthorPublicKey), env.Author) {
		return nil, ErrNotAuthor.Errorf("register_package: envelope.author %s: is not the address of author_public_key", address.Address(env.Author))
	}
	if len(m.AuthorSignature) != SignatureSize || !ed25519.Verify(m.AuthorPublicKey, m.Envelope, m.AuthorSignature) {
		return nil, ErrBadAuthorSignature.Errorf("register_package: author_signature: does not verify over the envelope bytes")
	}
	return env, nil
}

// ValidateRegisterPackage checks a MsgRegisterPackage without state:
// DecodeEnvelope's rules, a positive spec_size (ErrInvalidSpecSize), at
// least one blob location (ErrNoLocation: a node fetches the package's
// bytes from its locations) and at most MaxBlobLocations
// (ErrTooManyLocations), each an http(s) URL (ErrInvalidURL).
func ValidateRegisterPackage(m *ledgerpb.MsgRegisterPackage) error {
	_, err := validateRegisterPackage(m)
	return err
}

func validateRegisterPackage(m *ledgerpb.MsgRegisterPackage) (*specpb.Envelope, error) {
	if m.SpecSize == 0 {
		return nil, ErrInvalidSpecSize.Errorf("register_package: spec_size 0: must be positive")
	}
	if len(m.BlobLocations) == 0 {
		return nil, ErrNoLocation.Errorf("register_package: blob_locations: none: name at least one URL of the package's bytes")
	}
	if len(m.BlobLocations) > MaxBlobLocations {
		return nil, ErrTooManyLocations.Errorf("register_package: blob_locations: %d: at most %d", len(m.BlobLocations), MaxBlobLocations)
	}
	for i, l := range m.BlobLocations {
		if why := checkURL(l); why != "" {
			return nil, ErrInvalidURL.Errorf("register_package: blob_locations[%d]: %s", i, why)
		}
	}
	return DecodeEnvelope(m)
}

// RegisterPackage executes a MsgRegisterPackage signed by signer in the
// block at height: ValidateRegisterPackage's rules, then the royalty is at
// most max_royalty_bps (ErrRoyaltyTooHigh), the envelope's
// author must be the signer (ErrNotAuthor), the package id unregistered
// (ErrPackageExists), the skill known (ErrUnknownSkill); a parent must be
// registered (ErrNoParent) with the same name and author
// (ErrVersionHijack); without a parent, the name must be free or the
// signer's (ErrNameTaken).
func (k Keeper) RegisterPackage(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgRegisterPackage) error {
	env, err := validateRegisterPackage(m)
	if err != nil {
		return err
	}
	if r := env.GetLicense().GetRoyaltyBps(); r > p.MaxRoyaltyBps {
		return ErrRoyaltyTooHigh.Errorf("register_package: envelope.license.royalty_bps %d: at most max_royalty_bps %d", r, p.MaxRoyaltyBps)
	}
	if author := address.Address(env.Author); author != signer {
		return ErrNotAuthor.Errorf("register_package: envelope.author %s: only the author may register the package, not %s", author, signer)
	}
	id := env.PackageId
	if st.Has(PackageKey(id)) {
		return ErrPackageExists.Errorf("register_package: package %x: already registered", id)
	}
	if !k.skills.SkillExists(st, env.Skill) {
		return ErrUnknownSkill.Errorf("register_package: envelope.skill %q: no such skill", env.Skill)
	}
	if len(env.Parent) != 0 {
		parent := k.Package(st, env.Parent)
		switch {
		case parent == nil:
			return ErrNoParent.Errorf("register_package: envelope.parent %x: not a registered package", env.Parent)
		case parent.Name != env.Name:
			return ErrVersionHijack.Errorf("register_package: envelope.parent %x: is package %q, not %q: a new version keeps its parent's name", env.Parent, parent.Name, env.Name)
		case address.Address(parent.Author) != signer:
			return ErrVersionHijack.Errorf("register_package: envelope.parent %x: authored by %s: only its author may register a new version", env.Parent, address.Address(parent.Author))
		}
	} else if owner := st.Get(NameAuthorKey(env.Name)); owner != nil && address.Address(owner) != signer {
		return ErrNameTaken.Errorf("register_package: envelope.name %q: registered by %s: only its author may register versions of it", env.Name, address.Address(owner))
	}
	st.Set(PackageKey(id), codec.Marshal(&ledgerpb.Package{
		PackageId:        id,
		Name:             env.Name,
		Version:          env.Version,
		Kind:             ledgerpb.PackageKind(env.Kind),
		Skill:            env.Skill,
		Parent:           env.Parent,
		RoyaltyBps:       env.GetLicense().GetRoyaltyBps(),
		Author:           signer.Bytes(),
		SpecSize:         m.SpecSize,
		BlobLocations:    m.BlobLocations,
		RegisteredHeight: height,
		Envelope:         m.Envelope,
		AuthorPublicKey:  m.AuthorPublicKey,
		AuthorSignature:  m.AuthorSignature,
		ServicePorts:     env.ServicePorts,
	}))
	st.Set(PackageNameKey(env.Name, height, id), marker)
	st.Set(NameAuthorKey(env.Name), signer.Bytes())
	ev.Emit(EventPackageRegistered{PackageID: id, Name: env.Name, Version: env.Version, Kind: spec.KindName(env.Kind),
		Skill: env.Skill, Parent: env.Parent, Author: signer, RoyaltyBps: env.GetLicense().GetRoyaltyBps()})
	return nil
}

func validatePackageID(op string, id []byte) error {
	if len(id) != PackageIDSize {
		return ErrInvalidPackageID.Errorf("%s: package_id: must be %d bytes, got %d", op, PackageIDSize, len(id))
	}
	return nil
}

// ValidateSetOffering checks a MsgSetOffering against the params without
// other state: a 32-byte package id (ErrInvalidPackageID), a price of at
// least min_price (ErrInvalidPrice), a positive lead time
// (ErrInvalidLeadTime), a 32-byte node key (ErrInvalidNodeKey), a
// stake of at least OfferingMinStake (ErrStakeTooLow) and a botspec_id
// of 32 bytes or none (ErrInvalidBotSpecHash).
func ValidateSetOffering(m *ledgerpb.MsgSetOffering, p *ledgerpb.Params) error {
	const op = "set_offering"
	if err := validatePackageID(op, m.PackageId); err != nil {
		return err
	}
	if m.Price < p.MinPrice {
		return ErrInvalidPrice.Errorf("%s: price %d ucell: must be at least min_price %d ucell", op, m.Price, p.MinPrice)
	}
	if m.LeadTimeBlocks == 0 {
		return ErrInvalidLeadTime.Errorf("%s: lead_time_blocks 0: must be positive", op)
	}
	if len(m.NodeKey) != NodeKeySize {
		return ErrInvalidNodeKey.Errorf("%s: node_key: must be %d bytes, got %d: name the node that serves the purchases", op, NodeKeySize, len(m.NodeKey))
	}
	if min := OfferingMinStake(m.Price, p); m.Stake < min {
		return ErrStakeTooLow.Errorf("%s: stake %d ucell: must be at least %d ucell (min_bid_stake, or bid_stake_ratio_bps of the price)", op, m.Stake, min)
	}
	if len(m.BotspecId) != 0 && len(m.BotspecId) != BotSpecHashSize {
		return ErrInvalidBotSpecHash.Errorf("%s: botspec_id: must be %d bytes, got %d", op, BotSpecHashSize, len(m.BotspecId))
	}
	return nil
}

// OfferingMinStake returns the least vendor stake of an offering at price
// (ucell): max(min_bid_stake, ceil(bid_stake_ratio_bps × price / 10000)),
// the rule of a bid's stake (market.MinBidStake), since a purchase is an
// award without bidding.
func OfferingMinStake(price uint64, p *ledgerpb.Params) uint64 {
	hi, lo := bits.Mul64(price, uint64(p.BidStakeRatioBps))
	lo, c := bits.Add64(lo, 9_999, 0)
	hi += c
	q, _ := bits.Div64(hi, lo, 10_000)
	return max(q, p.MinBidStake)
}

// SetOffering executes a MsgSetOffering signed by signer in the block at
// height: ValidateSetOffering's rules, then the signer's profile must
// have the vendor role (ErrNotVendor), the package must be registered
// (ErrNoPackage) and the node an active node of the signer
// (ErrNodeUnusable); an offering of a protocol package names one of the
// BotSpec ids the node announced, one of any other kind none
// (ErrOfferingBotSpec). The offering (signer, package id) is created or
// replaced.
func (k Keeper) SetOffering(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgSetOffering) error {
	if err := ValidateSetOffering(m, p); err != nil {
		return err
	}
	n := k.Node(st, m.NodeKey)
	if n == nil || address.Address(n.Operator) != signer || Expired(n, p, height) {
		return ErrNodeUnusable.Errorf("set_offering: node_key %x: not an active node of %s", m.NodeKey, signer)
	}
	if p := k.Profile(st, signer); p == nil || !slices.Contains(p.Roles, ledgerpb.Role_ROLE_VENDOR) {
		return ErrNotVendor.Errorf("set_offering: %s has no profile with the vendor role", signer)
	}
	pkg := k.Package(st, m.PackageId)
	if pkg == nil {
		return ErrNoPackage.Errorf("set_offering: package_id %x: not a registered package", m.PackageId)
	}
	protocol := pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
	switch {
	case protocol && len(m.BotspecId) == 0:
		return ErrOfferingBotSpec.Errorf("set_offering: botspec_id: missing: an offering of a protocol package names the BotSpec of the bot that runs its purchases")
	case !protocol && len(m.BotspecId) != 0:
		return ErrOfferingBotSpec.Errorf("set_offering: botspec_id: must be empty for a %v package", pkg.Kind)
	case protocol && !slices.ContainsFunc(n.BotspecHashes, func(h []byte) bool { return bytes.Equal(h, m.BotspecId) }):
		return ErrOfferingBotSpec.Errorf("set_offering: botspec_id %x: not a BotSpec that node %x announced", m.BotspecId, m.NodeKey)
	}
	st.Set(OfferingKey(signer, m.PackageId), codec.Marshal(&ledgerpb.Offering{
		Vendor: signer.Bytes(), PackageId: m.PackageId, Price: m.Price, LeadTimeBlocks: m.LeadTimeBlocks, UpdatedHeight: height,
		NodeKey: m.NodeKey, Stake: m.Stake, BotspecId: m.BotspecId,
	}))
	st.Set(PackageOfferingKey(m.PackageId, signer), marker)
	ev.Emit(EventOfferingSet{Vendor: signer, PackageID: m.PackageId, Price: m.Price, LeadTimeBlocks: m.LeadTimeBlocks, NodeKey: m.NodeKey, Stake: m.Stake,
		BotSpecID: m.BotspecId})
	return nil
}

// ValidateRemoveOffering checks a MsgRemoveOffering without state: a
// 32-byte package id (ErrInvalidPackageID).
func ValidateRemoveOffering(m *ledgerpb.MsgRemoveOffering) error {
	return validatePackageID("remove_offering", m.PackageId)
}

// RemoveOffering executes a MsgRemoveOffering signed by signer: the signer
// must have an offering of the package (ErrNoOffering).
func (k Keeper) RemoveOffering(st store.KVStore, ev *event.Log, signer address.Address, m *ledgerpb.MsgRemoveOffering) error {
	if err := ValidateRemoveOffering(m); err != nil {
		return err
	}
	if !st.Has(OfferingKey(signer, m.PackageId)) {
		return ErrNoOffering.Errorf("remove_offering: %s has no offering of package %x", signer, m.PackageId)
	}
	st.Delete(OfferingKey(signer, m.PackageId))
	st.Delete(PackageOfferingKey(m.PackageId, signer))
	ev.Emit(EventOfferingRemoved{Vendor: signer, PackageID: m.PackageId})
	return nil
}

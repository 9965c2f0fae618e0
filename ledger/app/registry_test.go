package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Node keys of the registry tests: a node's own key, not an account's.
var (
	node0 = newKey("node0")
	node1 = newKey("node1")
)

func setProfile(name string, roles ...ledgerpb.Role) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetProfile{SetProfile: &ledgerpb.MsgSetProfile{Name: name, Roles: roles, Contact: "ops@example.org"}}}
}

func announceMsg(node key) *ledgerpb.MsgAnnounceNode {
	return &ledgerpb.MsgAnnounceNode{NodePubkey: node.pub(), Endpoint: "https://node.example.org:8443/jobs",
		Architectures: []string{spec.ArchWasm32WASIP1}, Capacity: 4}
}

func announce(node key) *ledgerpb.Msg { return announceWith(announceMsg(node)) }

func announceWith(m *ledgerpb.MsgAnnounceNode) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_AnnounceNode{AnnounceNode: m}}
}

func removeNode(nodeKey []byte) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RemoveNode{RemoveNode: &ledgerpb.MsgRemoveNode{NodePubkey: nodeKey}}}
}

// pkgID is a made-up package id: the ledger never sees specs.
func pkgID(seed string) []byte {
	h := sha256.Sum256([]byte("package " + seed))
	return h[:]
}

// envelope is a valid envelope of package seed by author.
func envelope(author key, seed, name, version string, parent []byte) *specpb.Envelope {
	return &specpb.Envelope{
		PackageId: pkgID(seed), Name: name, Version: version, Kind: specpb.Kind_KIND_COMPUTE,
		Skill: "compute/genomics/digest", Parent: parent, License: &specpb.License{RoyaltyBps: 250},
		Author: author.addr.Bytes(),
	}
}

// registerMsg is a MsgRegisterPackage of env signed by signer's key.
func registerMsg(signer key, env *specpb.Envelope) *ledgerpb.MsgRegisterPackage {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		panic(err)
	}
	return &ledgerpb.MsgRegisterPackage{Envelope: raw, AuthorPublicKey: signer.pub(), AuthorSignature: ed25519.Sign(signer.priv, raw),
		SpecSize: 1234, BlobLocations: []string{"https://blobs.example.org/" + hex.EncodeToString(env.PackageId)}}
}

func register(author key, env *specpb.Envelope) *ledgerpb.Msg {
	return registerWith(registerMsg(author, env))
}

func registerWith(m *ledgerpb.MsgRegisterPackage) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterPackage{RegisterPackage: m}}
}

// setOffering offers package id, served by node, at price with lead
// time lead and the least vendor stake of the test params (max(50, 10%
// of the price)).
func setOffering(node key, id []byte, price, lead uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_SetOffering{SetOffering: &ledgerpb.MsgSetOffering{PackageId: id, Price: price, LeadTimeBlocks: lead,
		NodeKey: node.pub(), Stake: max(50, (price+9)/10)}}}
}

func removeOffering(id []byte) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_RemoveOffering{RemoveOffering: &ledgerpb.MsgRemoveOffering{PackageId: id}}}
}

// query runs an app query that must succeed and decodes its reply.
func (c *chain) query(path string, data []byte, reply proto.Message) {
	c.t.Helper()
	b, err := c.app.Query(c.st, path, data)
	if err != nil {
		c.t.Fatalf("query %s: %v", path, err)
	}
	if err := proto.Unmarshal(b, reply); err != nil {
		c.t.Fatalf("query %s: %v", path, err)
	}
}

func attr(e Event, key string) string {
	for _, a := range e.Attributes {
		if a.Key == key {
			return a.Value
		}
	}
	return ""
}

// lastEvent returns the last event of the first transaction of res.
func lastEvent(res BlockResult) Event {
	ev := res.TxResults[0].Events
	return ev[len(ev)-1]
}

func TestSetProfile(t *testing.T) {
	c := newTestChain(t)
	res := c.mustBlock(c.tx(alice, setProfile("Alice Labs", ledgerpb.Role_ROLE_BUYER, ledgerpb.Role_ROLE_VENDOR)))
	if e := lastEvent(res); e.Type != "profile_set" || attr(e, "owner") != alice.addr.String() || attr(e, "roles") != "buyer,vendor" {
		t.Fatalf("event %v", e)
	}
	var p ledgerpb.Profile
	c.query(query.Profile, addrReq(alice.addr), &p)
	if p.Name != "Alice Labs" || !slices.Equal(p.Roles, []ledgerpb.Role{ledgerpb.Role_ROLE_BUYER, ledgerpb.Role_ROLE_VENDOR}) || p.UpdatedHeight != 1 {
		t.Fatalf("profile %v", &p)
	}
	// Replaced by its owner.
	c.mustBlock(c.tx(alice, setProfile("Alice", ledgerpb.Role_ROLE_GOVERNOR)))
	c.query(query.Profile, addrReq(alice.addr), &p)
	if p.Name != "Alice" || !slices.Equal(p.Roles, []ledgerpb.Role{ledgerpb.Role_ROLE_GOVERNOR}) || p.UpdatedHeight != 2 {
		t.Fatalf("replaced profile %v", &p)
	}
	if _, err := c.app.Query(c.st, query.Profile, addrReq(bob.addr)); !errors.Is(err, query.ErrNotFound) {
		t.Fatalf("bob's profile: %v", err)
	}
}

func TestAnnounceAndRemoveNode(t *testing.T) {
	c := newTestChain(t)
	res := c.mustBlock(c.tx(alice, announce(node0)))
	if e := lastEvent(res); e.Type != "node_announced" || attr(e, "node_pubkey") != hexOf(node0.pub()) || attr(e, "last_announced_height") != "1" {
		t.Fatalf("event %v", e)
	}
	c.mustBlock()
	m := announceMsg(node0)
	m.Endpoint, m.Capacity, m.BotspecHashes = "http://10.0.0.7:9000", 8, [][]byte{bytes.Repeat([]byte{9}, 32)}
	c.mustBlock(c.tx(alice, announceWith(m), announce(node1)))

	var st ledgerpb.NodeStatus
	c.query(query.Node, mustMarshal(&ledgerpb.NodeRequest{NodePubkey: node0.pub(), Height: 4}), &st)
	n := st.Node
	if n.Endpoint != "http://10.0.0.7:9000" || n.Capacity != 8 || n.RegisteredHeight != 1 || n.LastAnnouncedHeight != 3 ||
		!bytes.Equal(n.Operator, alice.addr.Bytes()) || st.ActiveUntilHeight != 3+10 || st.Expired {
		t.Fatalf("re-announced node %v", &st)
	}
	var all ledgerpb.NodesResponse
	c.query(query.Nodes, nil, &all)
	var mine ledgerpb.NodesResponse
	c.query(query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Operator: alice.addr.Bytes()}), &mine)
	if len(all.Nodes) != 2 || len(mine.Nodes) != 2 {
		t.Fatalf("nodes: all %d, alice's %d", len(all.Nodes), len(mine.Nodes))
	}
	var bobs ledgerpb.NodesResponse
	c.query(query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Operator: bob.addr.Bytes()}), &bobs)
	if len(bobs.Nodes) != 0 {
		t.Fatalf("bob's nodes %v", &bobs)
	}

	// Removal frees the key for another operator.
	res = c.mustBlock(c.tx(alice, removeNode(node0.pub())))
	if e := lastEvent(res); e.Type != "node_removed" {
		t.Fatalf("event %v", e)
	}
	if c.app.registry.Node(c.st, node0.pub()) != nil {
		t.Fatal("removed node still there")
	}
	c.mustBlock(c.tx(bob, announce(node0)))
	c.query(query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Operator: bob.addr.Bytes()}), &bobs)
	if len(bobs.Nodes) != 1 || bobs.Nodes[0].Node.RegisteredHeight != c.height {
		t.Fatalf("bob's nodes %v", &bobs)
	}
	c.query(query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Operator: alice.addr.Bytes()}), &mine)
	if len(mine.Nodes) != 1 {
		t.Fatalf("alice's nodes %v", &mine)
	}
}

// TestNodeExpiry: a node announced at height H is active up to and
// including H + node_ttl_blocks and expired after it; re-announcing
// restarts the count.
func TestNodeExpiry(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, announce(node0)))
	announced := c.height
	ttl := int64(c.p.NodeTtlBlocks)
	for _, tc := range []struct {
		name   string
		height int64
		active bool
	}{
		{"one block before the ttl", announced + ttl - 1, true},
		{"at the ttl", announced + ttl, true},
		{"one block after the ttl", announced + ttl + 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.app.registry.Active(c.st, c.p, node0.pub(), tc.height); got != tc.active {
				t.Errorf("Active at %d = %v, want %v", tc.height, got, tc.active)
			}
			var st ledgerpb.NodeStatus
			c.query(query.Node, mustMarshal(&ledgerpb.NodeRequest{NodePubkey: node0.pub(), Height: tc.height}), &st)
			if st.Expired == tc.active || st.ActiveUntilHeight != announced+ttl {
				t.Errorf("query at %d: %v", tc.height, &st)
			}
			var all ledgerpb.NodesResponse
			c.query(query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Height: tc.height}), &all)
			if len(all.Nodes) != 1 || all.Nodes[0].Expired == tc.active {
				t.Errorf("nodes at %d: %v", tc.height, &all)
			}
		})
	}
	if c.app.registry.Active(c.st, c.p, node1.pub(), announced) {
		t.Error("an unknown node is active")
	}
	// Run the chain past the ttl: the node stays in state, expired, until
	// it announces again.
	for c.height < announced+ttl+1 {
		c.mustBlock()
	}
	if c.app.registry.Node(c.st, node0.pub()) == nil || c.app.registry.Active(c.st, c.p, node0.pub(), c.height) {
		t.Fatal("expired node: gone or active")
	}
	c.mustBlock(c.tx(alice, announce(node0)))
	if !c.app.registry.Active(c.st, c.p, node0.pub(), c.height+ttl) || c.app.registry.Active(c.st, c.p, node0.pub(), c.height+ttl+1) {
		t.Fatal("re-announcement did not restart the ttl")
	}
}

func TestRegisterPackageVersionChain(t *testing.T) {
	c := newTestChain(t)
	v1 := envelope(alice, "hello 1", "hello", "1.0.0", nil)
	res := c.mustBlock(c.tx(alice, register(alice, v1)))
	if e := lastEvent(res); e.Type != "package_registered" || attr(e, "package_id") != hexOf(v1.PackageId) ||
		attr(e, "author") != alice.addr.String() || attr(e, "kind") != "compute" || attr(e, "parent") != "" {
		t.Fatalf("event %v", e)
	}
	v2 := envelope(alice, "hello 2", "hello", "1.1.0", v1.PackageId)
	c.mustBlock(c.tx(alice, register(alice, v2)))
	// The author may also start a new line of the same name without a
	// parent (say, a rewrite).
	v3 := envelope(alice, "hello 3", "hello", "2.0.0", nil)
	other := envelope(bob, "other 1", "other", "0.1.0", nil)
	c.mustBlock(c.tx(alice, register(alice, v3)), c.tx(bob, register(bob, other)))

	var pkg ledgerpb.Package
	c.query(query.Package, pkgReq(v2.PackageId), &pkg)
	want := registerMsg(alice, v2)
	if pkg.Name != "hello" || pkg.Version != "1.1.0" || pkg.Kind != ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE ||
		!bytes.Equal(pkg.Parent, v1.PackageId) || pkg.RoyaltyBps != 250 || !bytes.Equal(pkg.Author, alice.addr.Bytes()) ||
		pkg.SpecSize != 1234 || pkg.RegisteredHeight != 2 || !bytes.Equal(pkg.Envelope, want.Envelope) ||
		!bytes.Equal(pkg.AuthorSignature, want.AuthorSignature) || pkg.Skill != "compute/genomics/digest" || len(pkg.BlobLocations) != 1 {
		t.Fatalf("package %v", &pkg)
	}
	c.query(query.Package, pkgReq(v1.PackageId), &pkg)
	if pkg.Version != "1.0.0" {
		t.Fatalf("v1: %v", &pkg)
	}
	var byName ledgerpb.PackagesResponse
	c.query(query.PackagesByName, mustMarshal(&ledgerpb.PackagesRequest{Name: "hello"}), &byName)
	var versions []string
	for _, p := range byName.Packages {
		versions = append(versions, p.Version)
	}
	if !slices.Equal(versions, []string{"1.0.0", "1.1.0", "2.0.0"}) {
		t.Fatalf("versions of hello %v", versions)
	}
	c.query(query.PackagesByName, mustMarshal(&ledgerpb.PackagesRequest{Name: "hell"}), &byName)
	if len(byName.Packages) != 0 {
		t.Fatalf("a prefix of a name matched: %v", &byName)
	}
	if _, err := c.app.Query(c.st, query.Package, pkgReq(pkgID("nothing"))); !errors.Is(err, query.ErrNotFound) {
		t.Fatalf("unknown package: %v", err)
	}
	if _, err := c.app.Query(c.st, query.Package, pkgReq([]byte{1, 2})); !errors.Is(err, query.ErrInvalidQuery) {
		t.Fatalf("bad id: %v", err)
	}
}

func TestOfferings(t *testing.T) {
	c := newTestChain(t)
	p1 := envelope(alice, "p1", "p-one", "1.0.0", nil)
	p2 := envelope(alice, "p2", "p-two", "1.0.0", nil)
	c.mustBlock(c.tx(alice, register(alice, p1), register(alice, p2)),
		c.tx(bob, setProfile("Bob's bots", ledgerpb.Role_ROLE_VENDOR)),
		c.tx(val1, setProfile("Val one", ledgerpb.Role_ROLE_VALIDATOR, ledgerpb.Role_ROLE_VENDOR)))
	c.mustBlock(c.tx(bob, announce(node0)), c.tx(val1, announce(node1)))
	res := c.mustBlock(c.tx(bob, setOffering(node0, p1.PackageId, 500, 20), setOffering(node0, p2.PackageId, 700, 5)),
		c.tx(val1, setOffering(node1, p1.PackageId, 450, 30)))
	if e := lastEvent(res); e.Type != "offering_set" || attr(e, "price") != "700" || attr(e, "lead_time_blocks") != "5" ||
		attr(e, "node_key") != node0.pubHex() || attr(e, "stake") != "70" {
		t.Fatalf("event %v", e)
	}
	// Replaced by its vendor.
	c.mustBlock(c.tx(bob, setOffering(node0, p1.PackageId, 550, 10)))

	var r ledgerpb.OfferingsResponse
	c.query(query.Offerings, nil, &r)
	if len(r.Offerings) != 3 {
		t.Fatalf("all offerings %v", &r)
	}
	c.query(query.Offerings, mustMarshal(&ledgerpb.OfferingsRequest{Vendor: bob.addr.Bytes()}), &r)
	if len(r.Offerings) != 2 || r.Offerings[0].Price+r.Offerings[1].Price != 550+700 {
		t.Fatalf("bob's offerings %v", &r)
	}
	c.query(query.Offerings, mustMarshal(&ledgerpb.OfferingsRequest{PackageId: p1.PackageId}), &r)
	if len(r.Offerings) != 2 {
		t.Fatalf("offerings of p1 %v", &r)
	}
	for _, o := range r.Offerings {
		if address.Address(o.Vendor) == bob.addr && (o.Price != 550 || o.LeadTimeBlocks != 10 || o.UpdatedHeight != c.height) {
			t.Fatalf("replaced offering %v", o)
		}
	}
	res = c.mustBlock(c.tx(bob, removeOffering(p1.PackageId)))
	if e := lastEvent(res); e.Type != "offering_removed" {
		t.Fatalf("event %v", e)
	}
	c.query(query.Offerings, mustMarshal(&ledgerpb.OfferingsRequest{PackageId: p1.PackageId}), &r)
	if len(r.Offerings) != 1 || address.Address(r.Offerings[0].Vendor) != val1.addr {
		t.Fatalf("offerings of p1 after removal %v", &r)
	}
}

// TestRegistryRejections: one case per rule of the registry. Every
// rejection leaves the state as it was, but for the fee and sequence of a
// transaction that reached execution (charged).
func TestRegistryRejections(t *testing.T) {
	aliceV1 := envelope(alice, "hello 1", "hello", "1.0.0", nil)
	registered := func(c *chain) {
		c.mustBlock(c.tx(alice, register(alice, aliceV1), announce(node1)), c.tx(bob, setProfile("Bob", ledgerpb.Role_ROLE_VENDOR), announce(node0)))
	}
	withNode := func(c *chain) { c.mustBlock(c.tx(alice, announce(node0))) }
	node := func(edit func(m *ledgerpb.MsgAnnounceNode)) *ledgerpb.Msg {
		m := announceMsg(node0)
		edit(m)
		return announceWith(m)
	}
	pkg := func(signer key, edit func(e *specpb.Envelope), editMsg func(m *ledgerpb.MsgRegisterPackage)) *ledgerpb.Msg {
		env := envelope(signer, "new", "fresh", "1.0.0", nil)
		if edit != nil {
			edit(env)
		}
		m := registerMsg(signer, env)
		if editMsg != nil {
			editMsg(m)
		}
		return registerWith(m)
	}
	profile := func(name, contact string, roles ...ledgerpb.Role) *ledgerpb.Msg {
		m := setProfile(name, roles...)
		m.GetSetProfile().Contact = contact
		return m
	}
	for _, tc := range []struct {
		name    string
		setup   func(c *chain)
		signer  key
		msg     *ledgerpb.Msg
		code    uint32
		log     string
		charged bool
	}{
		// Profiles.
		{name: "profile: empty name", signer: alice, msg: profile("", ""), code: 1, log: "set_profile: name: 0 bytes: must be 1 to 64"},
		{name: "profile: name too long", signer: alice, msg: profile(strings.Repeat("n", 65), ""), code: 1, log: "65 bytes"},
		{name: "profile: control character", signer: alice, msg: profile("a\tb", ""), code: 1, log: "control characters"},
		{name: "profile: unknown role", signer: alice, msg: profile("a", "", 9), code: 2, log: "roles[0]: unknown role 9"},
		{name: "profile: unspecified role", signer: alice, msg: profile("a", "", ledgerpb.Role_ROLE_UNSPECIFIED), code: 2, log: "unknown role 0"},
		{name: "profile: role twice", signer: alice, msg: profile("a", "", ledgerpb.Role_ROLE_BUYER, ledgerpb.Role_ROLE_BUYER), code: 2, log: "roles[1]: buyer listed twice"},
		{name: "profile: contact too long", signer: alice, msg: profile("a", strings.Repeat("c", 257)), code: 3, log: "contact: 257 bytes"},

		// Nodes.
		{name: "node: short key", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.NodePubkey = m.NodePubkey[:31] }), code: 4, log: "node_pubkey: must be 32 bytes, got 31"},
		{name: "node: not http", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Endpoint = "ftp://node.example.org" }), code: 5, log: "must start with http:// or https://"},
		{name: "node: no host", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Endpoint = "https:///jobs" }), code: 5, log: "must name a host"},
		{name: "node: user information", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Endpoint = "https://me@evil.example" }), code: 5, log: "must name a host"},
		{name: "node: space in url", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Endpoint = "https://a b" }), code: 5, log: "printable ASCII"},
		{name: "node: url too long", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Endpoint = "https://x/" + strings.Repeat("p", 247) }), code: 5, log: "257 bytes"},
		{name: "node: unknown architecture", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Architectures = []string{"x86_64"} }), code: 6, log: `unknown architecture "x86_64"`},
		{name: "node: architecture twice", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Architectures = append(m.Architectures, m.Architectures[0]) }), code: 6, log: "listed twice"},
		{name: "node: no architecture nor botspec", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Architectures = nil }), code: 6, log: "at least one architecture or BotSpec"},
		{name: "node: short botspec hash", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.BotspecHashes = [][]byte{{1}} }), code: 7, log: "botspec_hashes[0]: must be 32 bytes"},
		{name: "node: botspec hash twice", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) {
			m.BotspecHashes = [][]byte{make([]byte, 32), make([]byte, 32)}
		}), code: 7, log: "botspec_hashes[1]"},
		{name: "node: zero capacity", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Capacity = 0 }), code: 8, log: "capacity 0"},
		{name: "node: price list with a zero minimum", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.Prices = &ledgerpb.PriceList{Base: 5} }),
			code: 33, log: "announce_node: prices.minimum 0: must be at least 1"},
		{name: "node: price list with unsorted packages", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) {
			m.Prices = &ledgerpb.PriceList{Minimum: 1, Packages: []*ledgerpb.PackagePrice{{PackageId: pkgID("b")}, {PackageId: pkgID("b")}}}
		}), code: 33, log: "prices.packages[1].package_id"},
		{name: "node key squatting: announcing a key without its signature", signer: bob, msg: node(func(m *ledgerpb.MsgAnnounceNode) { m.NodeSignature = []byte{} }),
			code: 28, log: "node_signature: must be 64 bytes, got 0"},
		{name: "node key squatting: announcing a key with another key's signature", signer: bob, msg: node(func(m *ledgerpb.MsgAnnounceNode) {
			m.NodeSignature = registry.SignNodeKeyProof(node1.priv, testChainID, bob.addr)
		}), code: 28, log: "does not verify under node_pubkey", charged: true},
		{name: "node key squatting: replaying another operator's proof", signer: bob, msg: node(func(m *ledgerpb.MsgAnnounceNode) {
			m.NodeSignature = registry.SignNodeKeyProof(node0.priv, testChainID, alice.addr)
		}), code: 28, log: "does not verify", charged: true},
		{name: "node key squatting: a proof for another chain", signer: alice, msg: node(func(m *ledgerpb.MsgAnnounceNode) {
			m.NodeSignature = registry.SignNodeKeyProof(node0.priv, "other-chain", alice.addr)
		}), code: 28, log: "does not verify", charged: true},
		{name: "node: key of another operator", setup: withNode, signer: bob, msg: announce(node0), code: 9, log: "registered by operator " + alice.addr.String(), charged: true},
		{name: "node: remove unknown", signer: alice, msg: removeNode(node1.pub()), code: 10, log: "no such node", charged: true},
		{name: "node: remove another's", setup: withNode, signer: bob, msg: removeNode(node0.pub()), code: 11, log: "operated by " + alice.addr.String(), charged: true},
		{name: "node: remove short key", signer: alice, msg: removeNode([]byte{1}), code: 4, log: "remove_node: node_pubkey: must be 32 bytes"},

		// Packages.
		{name: "package: envelope not protobuf", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) {
			m.Envelope = []byte{0xff}
			m.AuthorSignature = ed25519.Sign(alice.priv, m.Envelope)
		}), code: 12, log: "not a serialized Envelope"},
		{name: "package: bad version", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.Version = "1.0" }, nil), code: 12, log: "envelope.version"},
		{name: "package: royalty above 100%", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.License.RoyaltyBps = 10_001 }, nil), code: 12, log: "royalty_bps: 10001 is over 10000"},
		{name: "package: royalty above max_royalty_bps", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.License.RoyaltyBps = 2_001 }, nil), code: 29,
			log: "royalty_bps 2001: at most max_royalty_bps 2000", charged: true},
		{name: "package: zero id", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.PackageId = make([]byte, 32) }, nil), code: 12, log: "package_id"},
		{name: "package: own parent", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.Parent = e.PackageId }, nil), code: 12, log: "its own parent"},
		{name: "package: unsigned envelope", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.Author = nil }, nil), code: 12, log: "envelope.author: must be set"},
		{name: "package: short author key", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) { m.AuthorPublicKey = m.AuthorPublicKey[:5] }), code: 13, log: "author_public_key: must be 32 bytes"},
		{name: "package: signature over other bytes", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) {
			m.AuthorSignature = ed25519.Sign(alice.priv, append([]byte{0}, m.Envelope...))
		}), code: 13, log: "does not verify"},
		{name: "package: author is not the key's address", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) {
			m.AuthorPublicKey, m.AuthorSignature = bob.pub(), ed25519.Sign(bob.priv, m.Envelope)
		}), code: 14, log: "is not the address of author_public_key"},
		{name: "package: registered by someone else than its author", signer: bob, msg: pkg(alice, nil, nil), code: 14,
			log: "only the author may register the package", charged: true},
		{name: "package: already registered", setup: registered, signer: alice, msg: register(alice, aliceV1), code: 15, log: "already registered", charged: true},
		{name: "package: unknown parent", signer: alice, msg: pkg(alice, func(e *specpb.Envelope) { e.Parent = pkgID("nothing") }, nil), code: 17, log: "not a registered package", charged: true},
		{name: "package version hijack: another author names someone's parent", setup: registered, signer: bob,
			msg: register(bob, envelope(bob, "hijack", "hello", "1.0.1", aliceV1.PackageId)), code: 18,
			log: "authored by " + alice.addr.String() + ": only its author may register a new version", charged: true},
		{name: "package version hijack: another author names someone's parent under a new name", setup: registered, signer: bob,
			msg: register(bob, envelope(bob, "hijack", "hello-fork", "1.0.1", aliceV1.PackageId)), code: 18, log: `is package "hello", not "hello-fork"`, charged: true},
		{name: "package: new version renamed", setup: registered, signer: alice,
			msg: register(alice, envelope(alice, "v2", "hello2", "1.1.0", aliceV1.PackageId)), code: 18, log: "keeps its parent's name", charged: true},
		{name: "package: name of another author", setup: registered, signer: bob,
			msg: register(bob, envelope(bob, "squat", "hello", "9.0.0", nil)), code: 19, log: `envelope.name "hello": registered by ` + alice.addr.String(), charged: true},
		{name: "package: zero spec size", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) { m.SpecSize = 0 }), code: 20, log: "spec_size 0"},
		{name: "package: too many locations", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) {
			m.BlobLocations = slices.Repeat([]string{"https://a.example"}, 17)
		}), code: 21, log: "17: at most 16"},
		{name: "package: bad location", signer: alice, msg: pkg(alice, nil, func(m *ledgerpb.MsgRegisterPackage) { m.BlobLocations = []string{"file:///etc/passwd"} }), code: 5, log: "blob_locations[0]"},

		// Offerings.
		{name: "offering: short package id", signer: bob, msg: setOffering(node0, []byte{1}, 100, 5), code: 27, log: "package_id: must be 32 bytes, got 1"},
		{name: "offering: zero price", signer: bob, msg: setOffering(node0, aliceV1.PackageId, 0, 5), code: 23, log: "price 0 ucell: must be at least min_price 100"},
		{name: "offering: price below the minimum", signer: bob, msg: setOffering(node0, aliceV1.PackageId, 99, 5), code: 23, log: "price 99 ucell: must be at least min_price 100"},
		{name: "offering: zero lead time", signer: bob, msg: setOffering(node0, aliceV1.PackageId, 100, 0), code: 24, log: "lead_time_blocks 0"},
		{name: "offering: no node", signer: bob, msg: func() *ledgerpb.Msg {
			m := setOffering(node0, aliceV1.PackageId, 100, 5)
			m.GetSetOffering().NodeKey = nil
			return m
		}(), code: 4, log: "node_key: must be 32 bytes, got 0"},
		{name: "offering: stake below the minimum", signer: bob, msg: func() *ledgerpb.Msg {
			m := setOffering(node0, aliceV1.PackageId, 1_000, 5)
			m.GetSetOffering().Stake = 99
			return m
		}(), code: 31, log: "stake 99 ucell: must be at least 100"},
		{name: "offering: served by another operator's node", setup: registered, signer: bob, msg: setOffering(node1, aliceV1.PackageId, 100, 5), code: 30, log: "not an active node of", charged: true},
		{name: "offering: no profile", setup: registered, signer: alice, msg: setOffering(node1, aliceV1.PackageId, 100, 5), code: 25, log: "no profile with the vendor role", charged: true},
		{name: "offering: profile without the vendor role", setup: func(c *chain) {
			registered(c)
			c.mustBlock(c.tx(alice, setProfile("Alice", ledgerpb.Role_ROLE_BUYER)))
		}, signer: alice, msg: setOffering(node1, aliceV1.PackageId, 100, 5), code: 25, log: "vendor role", charged: true},
		{name: "offering: unregistered package", setup: registered, signer: bob, msg: setOffering(node0, pkgID("nothing"), 100, 5), code: 22, log: "not a registered package", charged: true},
		{name: "offering: remove none", setup: registered, signer: bob, msg: removeOffering(aliceV1.PackageId), code: 26, log: "has no offering of package", charged: true},
		{name: "offering: remove short id", signer: bob, msg: removeOffering(nil), code: 27, log: "remove_offering: package_id: must be 32 bytes, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestChain(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			checkRejection(t, c, c.tx(tc.signer, tc.msg), registry.Codespace, tc.code, tc.log, tc.charged)
		})
	}
}

// TestPrices: a node's price list is kept with its record, and the
// market/prices query lists the nodes that could bid on an order of a
// package — with a price list, fitting the package, active — each with
// its asking price for the order's input size.
func TestPrices(t *testing.T) {
	c := newTestChain(t)
	env := envelope(alice, "priced", "priced", "1.0.0", nil)
	id := env.PackageId
	list := &ledgerpb.PriceList{Base: 5_000, PerInputMib: 10, Minimum: 4_000,
		Packages: []*ledgerpb.PackagePrice{{PackageId: id, Base: 6_000}}}
	priced := announceMsg(node0)
	priced.Prices = list
	unpriced := announceMsg(node1)
	lab := announceMsg(newKey("lab node"))
	lab.Architectures, lab.BotspecHashes = nil, [][]byte{bytes.Repeat([]byte{7}, 32)}
	lab.Prices = &ledgerpb.PriceList{Base: 1, Minimum: 1}
	c.mustBlock(c.tx(alice, register(alice, env)), c.tx(bob, announceWith(priced), announceWith(unpriced), announceWith(lab)))

	var st ledgerpb.NodeStatus
	c.query(query.Node, mustMarshal(&ledgerpb.NodeRequest{NodePubkey: node0.pub()}), &st)
	if !proto.Equal(st.Node.Prices, list) {
		t.Fatalf("stored price list %v, want %v", st.Node.Prices, list)
	}
	prices := func(input uint64, height int64) []*ledgerpb.NodePrice {
		var r ledgerpb.PricesResponse
		c.query(query.Prices, mustMarshal(&ledgerpb.PricesRequest{PackageId: id, InputBytes: input, Height: height}), &r)
		return r.Prices
	}
	// Only node0: node1 publishes no prices, the lab node cannot run a
	// compute package.
	got := prices(2*registry.MiB+1, c.height+1)
	if len(got) != 1 || !bytes.Equal(got[0].NodePubkey, node0.pub()) || !bytes.Equal(got[0].Operator, bob.addr.Bytes()) ||
		got[0].Price != 6_000+3*10 || !proto.Equal(got[0].Prices, list) || got[0].Endpoint != priced.Endpoint || got[0].Capacity != priced.Capacity {
		t.Fatalf("prices %v", got)
	}
	// node1 announces a price list: it is listed, at its price.
	unpriced.Prices = &ledgerpb.PriceList{Base: 100, Minimum: 4_500}
	c.mustBlock(c.tx(bob, announceWith(unpriced)))
	got = prices(0, c.height+1)
	byKey := map[string]uint64{}
	for _, p := range got {
		byKey[string(p.NodePubkey)] = p.Price
	}
	if len(got) != 2 || byKey[string(node0.pub())] != 6_000 || byKey[string(node1.pub())] != 4_500 {
		t.Fatalf("prices %v", got)
	}
	// Past node0's ttl only node1, announced later, is left; judged at 0
	// both are.
	if got := prices(0, st.ActiveUntilHeight+1); len(got) != 1 || !bytes.Equal(got[0].NodePubkey, node1.pub()) {
		t.Fatalf("prices after node0 expired: %v", got)
	}
	if got := prices(0, 0); len(got) != 2 {
		t.Fatalf("prices unjudged: %v", got)
	}
	for _, tc := range []struct {
		req  *ledgerpb.PricesRequest
		want error
	}{
		{&ledgerpb.PricesRequest{PackageId: pkgID("nothing")}, query.ErrNotFound},
		{&ledgerpb.PricesRequest{PackageId: []byte{1}}, query.ErrInvalidQuery},
		{&ledgerpb.PricesRequest{PackageId: id, Height: -1}, query.ErrInvalidQuery},
	} {
		if _, err := c.app.Query(c.st, query.Prices, mustMarshal(tc.req)); !errors.Is(err, tc.want) {
			t.Errorf("%v: %v, want %v", tc.req, err, tc.want)
		}
	}
}

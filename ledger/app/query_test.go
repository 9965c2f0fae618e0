package app

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// TestUnboundedListQueriesArePaged: a list query answered every entry in
// one reply, so a registry of thousands of nodes made each such query
// (clients list the nodes before every order) a reply of megabytes and a
// walk of the whole registry. A registry of 3,201 nodes now comes back in
// pages of at most query.MaxPage, in node key order, each entry once; a
// smaller limit is honored, a larger one capped, and a cursor of another
// list refused.
func TestUnboundedListQueriesArePaged(t *testing.T) {
	c := newTestChain(t)
	const total, bobs = 3_201, 1_201
	seqs := map[string]uint64{}
	var txs [][]byte
	var msgs []*ledgerpb.Msg
	flush := func(k key) {
		if len(msgs) == 0 {
			return
		}
		b := c.body(k, msgs...)
		b.Sequence = seqs[k.name]
		seqs[k.name]++
		txs, msgs = append(txs, signBody(t, k, b)), nil
	}
	for i := range total {
		k := alice
		if i >= total-bobs {
			k = bob
		}
		seed := sha256.Sum256(fmt.Appendf(nil, "node %d", i))
		priv := ed25519.NewKeyFromSeed(seed[:])
		m := announceMsg(node0)
		m.NodePubkey = priv.Public().(ed25519.PublicKey)
		m.NodeSignature = registry.SignNodeKeyProof(priv, testChainID, k.addr)
		msgs = append(msgs, announceWith(m))
		if len(msgs) == int(c.p.MaxMsgsPerTx) || i == total-bobs-1 || i == total-1 {
			flush(k)
		}
	}
	c.mustBlock(txs...)

	pages := func(req *ledgerpb.NodesRequest) (sizes []int, nodes [][]byte) {
		t.Helper()
		req.Page = &ledgerpb.PageRequest{Limit: req.GetPage().GetLimit()}
		for {
			var r ledgerpb.NodesResponse
			c.query(query.Nodes, mustMarshal(req), &r)
			sizes = append(sizes, len(r.Nodes))
			for _, n := range r.Nodes {
				nodes = append(nodes, n.Node.NodePubkey)
			}
			if len(r.GetPage().GetNextKey()) == 0 {
				return sizes, nodes
			}
			req.Page.Key = r.Page.NextKey
		}
	}
	check := func(name string, req *ledgerpb.NodesRequest, want, page int) {
		t.Helper()
		sizes, nodes := pages(req)
		if len(nodes) != want {
			t.Fatalf("%s: %d nodes, want %d", name, len(nodes), want)
		}
		for i, n := range sizes {
			if n > page || (i < len(sizes)-1 && n != page) {
				t.Fatalf("%s: page sizes %v, want pages of %d", name, sizes, page)
			}
		}
		for i := 1; i < len(nodes); i++ {
			if bytes.Compare(nodes[i-1], nodes[i]) >= 0 {
				t.Fatalf("%s: node %d out of order or repeated", name, i)
			}
		}
	}
	check("every node", &ledgerpb.NodesRequest{}, total, query.MaxPage)
	check("bob's, 7 a page", &ledgerpb.NodesRequest{Operator: bob.addr.Bytes(), Page: &ledgerpb.PageRequest{Limit: 7}}, bobs, 7)
	check("alice's, limit above the maximum", &ledgerpb.NodesRequest{Operator: alice.addr.Bytes(), Page: &ledgerpb.PageRequest{Limit: 10 * query.MaxPage}}, total-bobs, query.MaxPage)

	// Empty data is the first page of every node.
	var first ledgerpb.NodesResponse
	c.query(query.Nodes, nil, &first)
	if len(first.Nodes) != query.MaxPage || len(first.Page.GetNextKey()) == 0 {
		t.Fatalf("first page: %d nodes, next %x", len(first.Nodes), first.Page.GetNextKey())
	}
	// A cursor of every node's list is not one of bob's.
	_, err := c.app.Query(c.st, query.Nodes, mustMarshal(&ledgerpb.NodesRequest{Operator: bob.addr.Bytes(), Page: &ledgerpb.PageRequest{Key: first.Page.NextKey}}))
	if !errors.Is(err, query.ErrInvalidQuery) {
		t.Fatalf("foreign cursor: %v", err)
	}
	if got := registry.NodePrefix(); !bytes.HasPrefix(first.Page.NextKey, got) {
		t.Fatalf("cursor %x: not a node key", first.Page.NextKey)
	}
}

// TestPagedListQueries pages through each of the other paged lists with a
// limit of 1: validators, unbondings (all, and one operator's), the
// packages of a name, and offerings (all, a vendor's, a package's).
func TestPagedListQueries(t *testing.T) {
	c := newTestChain(t)
	p1 := envelope(alice, "p1", "p-one", "1.0.0", nil)
	p2 := envelope(alice, "p2", "p-one", "1.1.0", p1.PackageId)
	c.mustBlock(c.tx(alice, register(alice, p1)), c.tx(bob, setProfile("Bob's bots", ledgerpb.Role_ROLE_VENDOR), announce(node0)),
		c.tx(val1, createValidator(cons1, 2_000, "val1"), setProfile("Val one", ledgerpb.Role_ROLE_VENDOR), announce(node1)))
	c.mustBlock(c.tx(alice, register(alice, p2)), c.tx(bob, setOffering(node0, p1.PackageId, 500, 20), setOffering(node0, p2.PackageId, 700, 5)),
		c.tx(val1, setOffering(node1, p1.PackageId, 450, 30)), c.tx(val0, unbond(1_000)))
	c.mustBlock(c.tx(val1, unbond(100)), c.tx(val0, unbond(2_000)))

	one := &ledgerpb.PageRequest{Limit: 1}
	for _, tc := range []struct {
		name  string
		path  string
		req   proto.Message
		reply proto.Message
		want  int
	}{
		{"validators", query.Validators, &ledgerpb.ValidatorsRequest{Page: one}, &ledgerpb.ValidatorsResponse{}, 2},
		{"unbondings", query.Unbondings, &ledgerpb.UnbondingsRequest{Page: one}, &ledgerpb.UnbondingsResponse{}, 3},
		{"val0's unbondings", query.Unbondings, &ledgerpb.UnbondingsRequest{Operator: val0.addr.Bytes(), Page: one}, &ledgerpb.UnbondingsResponse{}, 2},
		{"packages of p-one", query.PackagesByName, &ledgerpb.PackagesRequest{Name: "p-one", Page: one}, &ledgerpb.PackagesResponse{}, 2},
		{"every offering", query.Offerings, &ledgerpb.OfferingsRequest{Page: one}, &ledgerpb.OfferingsResponse{}, 3},
		{"bob's offerings", query.Offerings, &ledgerpb.OfferingsRequest{Vendor: bob.addr.Bytes(), Page: one}, &ledgerpb.OfferingsResponse{}, 2},
		{"offerings of p1", query.Offerings, &ledgerpb.OfferingsRequest{PackageId: p1.PackageId, Page: one}, &ledgerpb.OfferingsResponse{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Every paged request has its PageRequest in field "page",
			// every reply its entries in field 1 and its PageResponse in
			// field "page".
			req := proto.Clone(tc.req).ProtoReflect()
			got := 0
			for range 10 {
				r := tc.reply.ProtoReflect().New()
				c.query(tc.path, mustMarshal(req.Interface()), r.Interface())
				n := r.Get(r.Descriptor().Fields().ByNumber(1)).List().Len()
				if n > 1 {
					t.Fatalf("page of %d entries, want at most 1", n)
				}
				got += n
				next := r.Get(r.Descriptor().Fields().ByName("page")).Message().Interface().(*ledgerpb.PageResponse).GetNextKey()
				if len(next) == 0 {
					break
				}
				page := proto.Clone(one).(*ledgerpb.PageRequest)
				page.Key = next
				req.Set(req.Descriptor().Fields().ByName("page"), protoreflect.ValueOfMessage(page.ProtoReflect()))
			}
			if got != tc.want {
				t.Fatalf("%d entries, want %d", got, tc.want)
			}
		})
	}
	if _, err := c.app.Query(c.st, query.PackagesByName, mustMarshal(&ledgerpb.PackagesRequest{})); !errors.Is(err, query.ErrInvalidQuery) {
		t.Fatalf("no name: %v", err)
	}
	if _, err := c.app.Query(c.st, query.Offerings, mustMarshal(&ledgerpb.OfferingsRequest{Vendor: bob.addr.Bytes(), PackageId: p1.PackageId})); !errors.Is(err, query.ErrInvalidQuery) {
		t.Fatalf("vendor and package: %v", err)
	}
}

// TestPageScanIsBounded: a filtered list whose entries rarely match reads
// at most the scan bound per page and hands back a cursor, so no page of
// it costs a walk of the whole list.
func TestPageScanIsBounded(t *testing.T) {
	st := store.NewMemStore()
	prefix := []byte("list/")
	for i := range 2_500 {
		st.Set(store.Key(prefix, store.Uint64(uint64(i))), []byte{byte(i % 1_000 / 999)}) // 1 for i = 999, 1999
	}
	var req *ledgerpb.PageRequest
	pages, found := 0, 0
	for {
		read := 0
		res, err := page(st, prefix, nil, req, query.MaxPage, query.MaxPageScan, func(_, v []byte) bool {
			read++
			if v[0] == 1 {
				found++
				return true
			}
			return false
		})
		if err != nil {
			t.Fatal(err)
		}
		if read > query.MaxPageScan {
			t.Fatalf("page %d read %d entries", pages, read)
		}
		pages++
		if len(res.NextKey) == 0 {
			break
		}
		req = &ledgerpb.PageRequest{Key: res.NextKey}
	}
	if pages != 3 || found != 2 {
		t.Fatalf("%d pages, %d entries found: want 3 pages of at most %d reads and 2 entries", pages, found, query.MaxPageScan)
	}
}

package registry

import (
	"bytes"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/internal/codec"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// CheckInvariants returns an error if the registry's records and indexes
// disagree:
//
//   - every node is stored under its key, has a 20-byte operator and is
//     indexed under it and in the key's history, and every index entry
//     names such a node;
//   - every package is stored under its id, indexed under its name and
//     registration height, its name belongs to its author, and its parent,
//     if any, is a registered package of the same name and author; every
//     name index entry names such a package;
//   - every offering is stored under (vendor, package id), names a
//     registered package and is indexed under the package, and every
//     package index entry names such an offering.
func (k Keeper) CheckInvariants(st store.KVStore) error {
	nodes := 0
	it := st.Iterator(NodePrefix(), store.PrefixEnd(NodePrefix()))
	for ; it.Valid(); it.Next() {
		n := &ledgerpb.Node{}
		codec.MustUnmarshal(it.Value(), n)
		nodes++
		switch {
		case !bytes.Equal(it.Key()[len(prefixNode):], n.NodePubkey):
			return fmt.Errorf("registry: invariant: node %x stored under key %x", n.NodePubkey, it.Key())
		case len(n.Operator) != address.Size:
			return fmt.Errorf("registry: invariant: node %x: operator of %d bytes", n.NodePubkey, len(n.Operator))
		case !st.Has(OperatorNodeKey(address.Address(n.Operator), n.NodePubkey)):
			return fmt.Errorf("registry: invariant: node %x is not indexed under its operator", n.NodePubkey)
		case !st.Has(NodeHistoryKey(n.NodePubkey, address.Address(n.Operator))):
			return fmt.Errorf("registry: invariant: node %x: its operator is not in the key's history", n.NodePubkey)
		}
	}
	it.Close()
	if got := store.Count(st, OperatorNodePrefix(address.Address{})); got != nodes {
		return fmt.Errorf("registry: invariant: %d nodes, %d operator index entries", nodes, got)
	}

	pkgs := 0
	it = st.Iterator(PackagePrefix(), store.PrefixEnd(PackagePrefix()))
	for ; it.Valid(); it.Next() {
		p := &ledgerpb.Package{}
		codec.MustUnmarshal(it.Value(), p)
		pkgs++
		if !bytes.Equal(it.Key()[len(prefixPackage):], p.PackageId) {
			return fmt.Errorf("registry: invariant: package %x stored under key %x", p.PackageId, it.Key())
		}
		if !st.Has(PackageNameKey(p.Name, p.RegisteredHeight, p.PackageId)) {
			return fmt.Errorf("registry: invariant: package %x is not indexed under its name", p.PackageId)
		}
		if owner := st.Get(NameAuthorKey(p.Name)); !bytes.Equal(owner, p.Author) {
			return fmt.Errorf("registry: invariant: package %x by %x: name %q belongs to %x", p.PackageId, p.Author, p.Name, owner)
		}
		if len(p.Parent) != 0 {
			parent := k.Package(st, p.Parent)
			if parent == nil || parent.Name != p.Name || !bytes.Equal(parent.Author, p.Author) {
				return fmt.Errorf("registry: invariant: package %x: parent %x is not a package of the same name and author", p.PackageId, p.Parent)
			}
		}
	}
	it.Close()
	if got := store.Count(st, PackageNamePrefix("")); got != pkgs {
		return fmt.Errorf("registry: invariant: %d packages, %d name index entries", pkgs, got)
	}

	offerings := 0
	it = st.Iterator(OfferingPrefix(address.Address{}), store.PrefixEnd(OfferingPrefix(address.Address{})))
	defer it.Close()
	for ; it.Valid(); it.Next() {
		o := &ledgerpb.Offering{}
		codec.MustUnmarshal(it.Value(), o)
		offerings++
		switch {
		case len(o.Vendor) != address.Size || !bytes.Equal(it.Key(), OfferingKey(address.Address(o.Vendor), o.PackageId)):
			return fmt.Errorf("registry: invariant: offering %x/%x stored under key %x", o.Vendor, o.PackageId, it.Key())
		case !st.Has(PackageKey(o.PackageId)):
			return fmt.Errorf("registry: invariant: offering %s/%x: the package is not registered", address.Address(o.Vendor), o.PackageId)
		case !st.Has(PackageOfferingKey(o.PackageId, address.Address(o.Vendor))):
			return fmt.Errorf("registry: invariant: offering %s/%x is not indexed under its package", address.Address(o.Vendor), o.PackageId)
		}
	}
	if got := store.Count(st, PackageOfferingPrefix(nil)); got != offerings {
		return fmt.Errorf("registry: invariant: %d offerings, %d package index entries", offerings, got)
	}
	return nil
}

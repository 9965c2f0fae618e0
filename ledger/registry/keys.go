package registry

import (
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// State keys of the registry module. Every key starts with "registry/";
// addresses are 20 bytes, node keys and package ids 32, heights 8 bytes
// big-endian, so byte order is numeric order.
//
//	"registry/profile/" ‖ owner (20)                        →  ledgerpb.Profile
//	"registry/node/" ‖ node key (32)                        →  ledgerpb.Node
//	"registry/operator_node/" ‖ operator (20) ‖ node key (32)
//	                                                        →  0x01; the nodes of an operator
//	"registry/package/" ‖ package id (32)                   →  ledgerpb.Package
//	"registry/package_name/" ‖ name ‖ 0x00 ‖ registered height (8) ‖ package id (32)
//	                                                        →  0x01; the versions of a name in registration
//	                                                           order (a name never contains 0x00)
//	"registry/name_author/" ‖ name                          →  author (20 bytes): the only author who may
//	                                                           register packages of that name
//	"registry/offering/" ‖ vendor (20) ‖ package id (32)    →  ledgerpb.Offering
//	"registry/package_offering/" ‖ package id (32) ‖ vendor (20)
//	                                                        →  0x01; the offerings of a package
//	"registry/node_history/" ‖ node key (32) ‖ operator (20)
//	                                                        →  0x01; every operator that ever announced
//	                                                           the node key (kept after removal)
const (
	prefixProfile         = "registry/profile/"
	prefixNode            = "registry/node/"
	prefixOperatorNode    = "registry/operator_node/"
	prefixPackage         = "registry/package/"
	prefixPackageName     = "registry/package_name/"
	prefixNameAuthor      = "registry/name_author/"
	prefixOffering        = "registry/offering/"
	prefixPackageOffering = "registry/package_offering/"
	prefixNodeHistory     = "registry/node_history/"
)

// marker is the value of index keys, whose information is in the key.
var marker = []byte{1}

// ProfileKey returns the state key of the profile of owner.
func ProfileKey(owner address.Address) []byte {
	return store.Key([]byte(prefixProfile), owner[:])
}

// ProfilePrefix returns the prefix shared by every profile key.
func ProfilePrefix() []byte { return []byte(prefixProfile) }

// NodeKey returns the state key of the node with the 32-byte node key.
func NodeKey(nodeKey []byte) []byte { return store.Key([]byte(prefixNode), nodeKey) }

// NodePrefix returns the prefix shared by every node key.
func NodePrefix() []byte { return []byte(prefixNode) }

// OperatorNodeKey returns the index key of a node of operator.
func OperatorNodeKey(operator address.Address, nodeKey []byte) []byte {
	return store.Key([]byte(prefixOperatorNode), operator[:], nodeKey)
}

// OperatorNodePrefix returns the prefix of the index keys of operator's
// nodes, or of every operator's if operator is zero.
func OperatorNodePrefix(operator address.Address) []byte {
	if operator.IsZero() {
		return []byte(prefixOperatorNode)
	}
	return store.Key([]byte(prefixOperatorNode), operator[:])
}

// PackageKey returns the state key of the package with the 32-byte id.
func PackageKey(id []byte) []byte { return store.Key([]byte(prefixPackage), id) }

// PackagePrefix returns the prefix shared by every package key.
func PackagePrefix() []byte { return []byte(prefixPackage) }

// PackageNameKey returns the index key of the version of package name
// with the given id, registered at height.
func PackageNameKey(name string, height int64, id []byte) []byte {
	return store.Key(PackageNamePrefix(name), store.Uint64(uint64(height)), id)
}

// PackageNamePrefix returns the prefix of the index keys of the packages
// named name, or of every name's if name is empty.
func PackageNamePrefix(name string) []byte {
	if name == "" {
		return []byte(prefixPackageName)
	}
	return store.Key([]byte(prefixPackageName), []byte(name), []byte{0})
}

// NameAuthorKey returns the state key of the author who owns a package
// name.
func NameAuthorKey(name string) []byte { return store.Key([]byte(prefixNameAuthor), []byte(name)) }

// NameAuthorPrefix returns the prefix shared by every name-author key.
func NameAuthorPrefix() []byte { return []byte(prefixNameAuthor) }

// OfferingKey returns the state key of vendor's offering of a package.
func OfferingKey(vendor address.Address, packageID []byte) []byte {
	return store.Key([]byte(prefixOffering), vendor[:], packageID)
}

// OfferingPrefix returns the prefix of the keys of vendor's offerings, or
// of every offering if vendor is zero.
func OfferingPrefix(vendor address.Address) []byte {
	if vendor.IsZero() {
		return []byte(prefixOffering)
	}
	return store.Key([]byte(prefixOffering), vendor[:])
}

// PackageOfferingKey returns the index key of vendor's offering of a
// package.
func PackageOfferingKey(packageID []byte, vendor address.Address) []byte {
	return store.Key([]byte(prefixPackageOffering), packageID, vendor[:])
}

// NodeHistoryKey returns the index key recording that operator once
// announced the node key.
func NodeHistoryKey(nodeKey []byte, operator address.Address) []byte {
	return store.Key([]byte(prefixNodeHistory), nodeKey, operator[:])
}

// NodeHistoryPrefix returns the prefix shared by every node history key.
func NodeHistoryPrefix() []byte { return []byte(prefixNodeHistory) }

// PackageOfferingPrefix returns the prefix of the index keys of the
// offerings of a package, or of every package's if packageID is empty.
func PackageOfferingPrefix(packageID []byte) []byte {
	return store.Key([]byte(prefixPackageOffering), packageID)
}

package registry

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/address"
)

// TestKeys pins the bytes of every registry key.
func TestKeys(t *testing.T) {
	addr := address.Address{0: 0x01, 19: 0xff}
	const addrHex = "01000000000000000000000000000000000000ff"
	id := bytes.Repeat([]byte{0xab}, 32)
	idHex := hex.EncodeToString(id)
	h := func(s string) string { return hex.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name string
		key  []byte
		want string
	}{
		{"profile", ProfileKey(addr), h("registry/profile/") + addrHex},
		{"node", NodeKey(id), h("registry/node/") + idHex},
		{"operator node", OperatorNodeKey(addr, id), h("registry/operator_node/") + addrHex + idHex},
		{"operator node prefix", OperatorNodePrefix(addr), h("registry/operator_node/") + addrHex},
		{"all operator nodes", OperatorNodePrefix(address.Address{}), h("registry/operator_node/")},
		{"package", PackageKey(id), h("registry/package/") + idHex},
		{"package name", PackageNameKey("digest", 0x0102, id), h("registry/package_name/digest") + "00" + "0000000000000102" + idHex},
		{"package name prefix", PackageNamePrefix("digest"), h("registry/package_name/digest") + "00"},
		{"name author", NameAuthorKey("digest"), h("registry/name_author/digest")},
		{"offering", OfferingKey(addr, id), h("registry/offering/") + addrHex + idHex},
		{"package offering", PackageOfferingKey(id, addr), h("registry/package_offering/") + idHex + addrHex},
		{"node history", NodeHistoryKey(id, addr), h("registry/node_history/") + idHex + addrHex},
	} {
		if got := hex.EncodeToString(tc.key); got != tc.want {
			t.Errorf("%s key %s, want %s", tc.name, got, tc.want)
		}
	}
}

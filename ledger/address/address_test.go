package address

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey)
	a, err := FromPubKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	// Pinned: the key of the all-zero ed25519 seed.
	if got := hex.EncodeToString(a[:]); got != "139e3940e64b5491722088d9a0d741628fc826e0" {
		t.Fatalf("address bytes %s", got)
	}
	s := a.String()
	if s != "cell1zw0rjs8xfd2fzu3q3rv6p46pv28usfhqet2cna" {
		t.Fatalf("String() = %s", s)
	}
	back, err := Parse(s)
	if err != nil || back != a {
		t.Fatalf("Parse(String()) = %v, %v", back, err)
	}
}

func TestParseErrors(t *testing.T) {
	other := "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu"
	for _, tc := range []struct{ in, want string }{
		{"", "not bech32"},
		{"cell1xyz", "not bech32"},
		{other, `prefix is "cosmos"`},
	} {
		if _, err := Parse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := FromPubKey([]byte{1}); err == nil {
		t.Error("FromPubKey accepted a 1-byte key")
	}
}

package tx

import (
	"crypto/ed25519"
	"errors"
	"testing"

	voied25519 "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// TestVerifyExpanded: with the signer's expanded key, a signature
// verifies exactly when VerifySignature says it does, alone and in a
// batch; an expanded key of another signer, or none, is ignored rather
// than trusted.
func TestVerifyExpanded(t *testing.T) {
	raw, err := Sign(testKey(), testBody())
	if err != nil {
		t.Fatal(err)
	}
	good, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	bad.BodyBytes = append([]byte{}, bad.BodyBytes...)
	bad.BodyBytes[0] ^= 1
	own, err := voied25519.NewExpandedPublicKey(voied25519.PublicKey(good.PubKey))
	if err != nil {
		t.Fatal(err)
	}
	otherPub := ed25519.NewKeyFromSeed(append([]byte{1}, make([]byte, 31)...)).Public().(ed25519.PublicKey) // not testKey's
	otherKey, err := voied25519.NewExpandedPublicKey(voied25519.PublicKey(otherPub))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		t    *Tx
		k    *voied25519.ExpandedPublicKey
		ok   bool
	}{
		{"own key", good, own, true},
		{"no key", good, nil, true},
		{"another signer's key", good, otherKey, true},
		{"bad signature, own key", bad, own, false},
		{"bad signature, another signer's key", bad, otherKey, false},
	} {
		err := c.t.VerifySignatureExpanded(c.k)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrSignature) {
			t.Errorf("%s: VerifySignatureExpanded = %v, want ok %v", c.name, err, c.ok)
		}
		v := voied25519.NewBatchVerifier()
		c.t.AddToBatchExpanded(v, c.k)
		good.AddToBatchExpanded(v, own)
		if got := v.VerifyBatchOnly(nil); got != c.ok {
			t.Errorf("%s: batch = %v, want %v", c.name, got, c.ok)
		}
	}
}

package keyring_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/celltonomy/celltonomy/client/keyring"
)

// A development key made from a fixed seed has a fixed address; it is
// stored unencrypted, which is only fit for a local devnet.
func Example() {
	home, err := os.MkdirTemp("", "cell-home-*")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(home)

	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		log.Fatal(err)
	}
	seed := bytes.Repeat([]byte{1}, keyring.SeedSize)
	info, err := kr.AddFromSeed("validator-0", seed, nil) // nil passphrase: unencrypted
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(info.Name, info.Address, "encrypted:", info.Encrypted)

	priv, err := kr.PrivateKey("validator-0", nil)
	if err != nil {
		log.Fatal(err)
	}
	sig := ed25519.Sign(priv, []byte("hello"))
	fmt.Println("verifies:", ed25519.Verify(info.PublicKey, []byte("hello"), sig))

	_, err = kr.AddFromSeed("validator-0", seed, nil)
	fmt.Println(errors.Is(err, keyring.ErrExists))
	// Output:
	// validator-0 cell1x36slx9at870e9rd53d2405n80s4ff94v2p85z encrypted: false
	// verifies: true
	// true
}

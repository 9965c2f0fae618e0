package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/celltonomy/celltonomy/node"
)

// nodePubKey reads a node's public key given as 64 hex digits or as the
// path of its node key file (node.LoadNodeKey); flag names it in errors.
func nodePubKey(flag, s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	if _, err := os.Stat(s); err != nil {
		return nil, &usageError{fmt.Errorf("%s %q: neither a node public key (%d hex digits) nor a node key file: %v", flag, s, 2*ed25519.PublicKeySize, err)}
	}
	priv, err := node.LoadNodeKey(s)
	if err != nil {
		return nil, err
	}
	return priv.Public().(ed25519.PublicKey), nil
}

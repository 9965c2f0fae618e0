package cli

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
)

// parseOrderParams turns KEY=VALUE flags into the sorted parameter list
// an order carries.
func parseOrderParams(kvs []string) ([]*ledgerpb.OrderParam, error) {
	var out []*ledgerpb.OrderParam
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &usageError{fmt.Errorf("--param %q: want KEY=VALUE", kv)}
		}
		out = append(out, &ledgerpb.OrderParam{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b *ledgerpb.OrderParam) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func orderIDArg(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, &usageError{fmt.Errorf("ORDER_ID %q: want a positive whole number", s)}
	}
	return id, nil
}

func completionCodeArg(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < market.MinCompletionCodeBytes || len(b) > market.MaxCompletionCodeBytes {
		return nil, &usageError{fmt.Errorf("COMPLETION_CODE: want %d to %d bytes in hex", market.MinCompletionCodeBytes, market.MaxCompletionCodeBytes)}
	}
	return b, nil
}

func ratingArgs(starsArg, saltArg string) (uint32, []byte, error) {
	stars, err := strconv.ParseUint(starsArg, 10, 8)
	if err != nil || stars > market.MaxStars {
		return 0, nil, &usageError{fmt.Errorf("STARS %q: want 0 to %d", starsArg, market.MaxStars)}
	}
	salt, err := hexArg("SALT", saltArg, market.HashSize)
	if err != nil {
		return 0, nil, err
	}
	return uint32(stars), salt, nil
}

// hexArg decodes a hex argument of exactly size bytes.
func hexArg(name, s string, size int) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != size {
		return nil, &usageError{fmt.Errorf("%s: want %d bytes in hex (%d characters)", name, size, 2*size)}
	}
	return b, nil
}

func mustProto(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("cli: marshal %T: %v", m, err)) // bytes and integers only: cannot fail
	}
	return b
}

func addrString(b []byte) string {
	a, err := address.FromBytes(b)
	if err != nil {
		return hex.EncodeToString(b)
	}
	return a.String()
}

// resolveAddress accepts a bech32 address or the name of a key in the
// keyring.
func resolveAddress(g *globals, s string) (address.Address, error) {
	if strings.HasPrefix(s, address.Prefix+"1") {
		return address.Parse(s)
	}
	kr, err := keyring.Open(keyring.Dir(g.home))
	if err != nil {
		return address.Address{}, err
	}
	info, err := kr.Show(s)
	if err != nil {
		return address.Address{}, fmt.Errorf("%q is neither a cell1… address nor a key: %w", s, err)
	}
	return info.Address, nil
}

func parseAmount(s string) (uint64, error) {
	n, err := strconv.ParseUint(strings.TrimSuffix(s, "ucell"), 10, 64)
	if err != nil {
		return 0, &usageError{fmt.Errorf("amount %q: want a whole number of ucell, e.g. 1500 or 1500ucell", s)}
	}
	return n, nil
}

// signingKey returns the private key of the keyring key name, asking for
// its passphrase when it is encrypted and warning when it is not.
func signingKey(cmd *cobra.Command, g *globals, name string, pass *passphrases) (ed25519.PrivateKey, error) {
	kr, err := keyring.Open(keyring.Dir(g.home))
	if err != nil {
		return nil, err
	}
	info, err := kr.Show(name)
	if err != nil {
		return nil, fmt.Errorf("key %s: %w", name, err)
	}
	var secret []byte
	if info.Encrypted {
		if secret, err = pass.read(cmd, fmt.Sprintf("passphrase of %s: ", name), false); err != nil {
			return nil, err
		}
	} else {
		warnUnencrypted(g, kr, info)
	}
	return kr.PrivateKey(name, secret)
}

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

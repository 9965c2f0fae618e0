package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// loadNodeKey reads a node key file, JSON {"type": "ed25519",
// "public_key": HEX, "seed": HEX} as the node writes it (node.LoadNodeKey),
// without linking the node into every command. Errors name the file and
// the field at fault.
func loadNodeKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	var kf struct {
		Type      string `json:"type"`
		PublicKey string `json:"public_key"`
		Seed      string `json:"seed"`
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("node key %s: %w", path, err)
	}
	if kf.Type != "ed25519" {
		return nil, fmt.Errorf("node key %s: type %q: must be ed25519", path, kf.Type)
	}
	seed, err := hex.DecodeString(kf.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("node key %s: seed: must be %d bytes in hex", path, ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub, err := hex.DecodeString(kf.PublicKey)
	if err != nil || !bytes.Equal(pub, priv.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("node key %s: public_key: does not match the seed", path)
	}
	return priv, nil
}

// nodePubKey reads a node's public key given as 64 hex digits or as the
// path of its node key file (loadNodeKey); flag names it in errors.
func nodePubKey(flag, s string) ([]byte, error) {
	if b, err := hex.DecodeString(s); err == nil && len(b) == ed25519.PublicKeySize {
		return b, nil
	}
	if _, err := os.Stat(s); err != nil {
		return nil, &usageError{fmt.Errorf("%s %q: neither a node public key (%d hex digits) nor a node key file: %v", flag, s, 2*ed25519.PublicKeySize, err)}
	}
	priv, err := loadNodeKey(s)
	if err != nil {
		return nil, err
	}
	return priv.Public().(ed25519.PublicKey), nil
}

// consensusKeyFile is the consensus key of a CometBFT home.
func consensusKeyFile(home string) string {
	return filepath.Join(home, "config", "priv_validator_key.json")
}

// loadConsensusKey reads the ed25519 private key of a CometBFT
// priv_validator_key.json ({"priv_key": {"type":
// "tendermint/PrivKeyEd25519", "value": BASE64}, "pub_key": …}), checking
// it against the public key the file names. CometBFT's own loader exits
// the process on a bad file; a command must report it instead.
func loadConsensusKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("consensus key: %w", err)
	}
	type typed struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	var kf struct {
		PubKey  typed `json:"pub_key"`
		PrivKey typed `json:"priv_key"`
	}
	if err := json.Unmarshal(b, &kf); err != nil {
		return nil, fmt.Errorf("consensus key %s: %w", path, err)
	}
	if kf.PrivKey.Type != "tendermint/PrivKeyEd25519" {
		return nil, fmt.Errorf("consensus key %s: priv_key.type %q: must be tendermint/PrivKeyEd25519", path, kf.PrivKey.Type)
	}
	raw, err := base64.StdEncoding.DecodeString(kf.PrivKey.Value)
	if err != nil || len(raw) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("consensus key %s: priv_key.value: must be %d bytes in base64", path, ed25519.PrivateKeySize)
	}
	priv := ed25519.NewKeyFromSeed(raw[:ed25519.SeedSize])
	if !bytes.Equal(priv, raw) {
		return nil, fmt.Errorf("consensus key %s: priv_key.value: its public half does not match its seed", path)
	}
	if pub, err := base64.StdEncoding.DecodeString(kf.PubKey.Value); err != nil || !bytes.Equal(pub, priv.Public().(ed25519.PublicKey)) {
		return nil, fmt.Errorf("consensus key %s: pub_key: does not match priv_key", path)
	}
	return priv, nil
}

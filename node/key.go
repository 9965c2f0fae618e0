package node

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// keyFile is the JSON form of a node key file:
//
//	{"type": "ed25519", "public_key": "<64 hex>", "seed": "<64 hex>"}
//
// The seed is the ed25519 private key seed (RFC 8032, 32 bytes). The file
// is written with mode 0600.
type keyFile struct {
	Type      string `json:"type"`
	PublicKey string `json:"public_key"`
	Seed      string `json:"seed"`
}

// LoadNodeKey reads the node key file at path (see CreateNodeKey for its
// form). Errors name the file and the field at fault; a missing file wraps
// fs.ErrNotExist.
func LoadNodeKey(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	var kf keyFile
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

// CreateNodeKey writes a new random node key to path, as JSON
// {"type": "ed25519", "public_key": HEX, "seed": HEX} with mode 0600, and
// returns it. It refuses to overwrite an existing file (fs.ErrExist).
func CreateNodeKey(path string) (ed25519.PrivateKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	return writeNodeKey(path, seed)
}

// LoadOrCreateNodeKey loads the key at path, creating it first when the
// file does not exist.
func LoadOrCreateNodeKey(path string) (ed25519.PrivateKey, error) {
	k, err := LoadNodeKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return CreateNodeKey(path)
	}
	return k, err
}

func writeNodeKey(path string, seed []byte) (ed25519.PrivateKey, error) {
	priv := ed25519.NewKeyFromSeed(seed)
	b, err := json.MarshalIndent(keyFile{Type: "ed25519", PublicKey: hex.EncodeToString(priv.Public().(ed25519.PublicKey)), Seed: hex.EncodeToString(seed)}, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("node key: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, err
	}
	return priv, f.Close()
}

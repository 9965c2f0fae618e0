package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/node"
)

// testNodeKeyJSON is a node key file as the node writes it (seed 32 × 0x07).
var testNodeKeyJSON = `{"type": "ed25519", "public_key": "` + hex.EncodeToString(testNodeKey().Public().(ed25519.PublicKey)) +
	`", "seed": "` + strings.Repeat("07", 32) + `"}`

func testNodeKey() ed25519.PrivateKey { return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32)) }

func TestNodeKeyFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubHex := hex.EncodeToString(testNodeKey().Public().(ed25519.PublicKey))
	good := write("good.json", testNodeKeyJSON)
	tests := []struct {
		name, path string
		want       string // a part of the error, "" for success
	}{
		{"node key file", good, ""},
		{"other type", write("rsa.json", `{"type": "rsa", "public_key": "`+pubHex+`", "seed": "`+strings.Repeat("07", 32)+`"}`), "type"},
		{"short seed", write("short.json", `{"type": "ed25519", "public_key": "`+pubHex+`", "seed": "0707"}`), "seed"},
		{"public key of another seed", write("other.json", `{"type": "ed25519", "public_key": "`+pubHex+`", "seed": "`+strings.Repeat("08", 32)+`"}`), "public_key"},
		{"not JSON", write("garbage.json", "node key"), "garbage.json"},
		{"missing", filepath.Join(dir, "none.json"), "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := node.LoadNodeKey(tt.path)
			switch {
			case tt.want == "" && (err != nil || !bytes.Equal(k, testNodeKey())):
				t.Fatalf("LoadNodeKey: %x, %v", k, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("LoadNodeKey: %v, want an error naming %q", err, tt.want)
			}
		})
	}
	for _, arg := range []string{pubHex, good} {
		if pub, err := nodePubKey("--node-key", arg); err != nil || hex.EncodeToString(pub) != pubHex {
			t.Errorf("nodePubKey(%s): %x, %v", arg, pub, err)
		}
	}
	var ue *usageError
	if _, err := nodePubKey("--node-key", "abcd"); err == nil || !strings.Contains(err.Error(), "--node-key") || !errors.As(err, &ue) {
		t.Errorf("nodePubKey of neither a key nor a file: %v, want a usage error naming the flag", err)
	}
}

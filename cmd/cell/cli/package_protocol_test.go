package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// protocolPkgDir is the protocol package directory of the tests: λ DNA
// digested by the enzyme of parameter ENZYME, run on a gel.
const protocolPkgDir = "../../../runtime/protopkg/testdata/lambda-digest"

// TestPackageBuildProtocol: `cell package build` of a protocol directory
// writes a package of kind protocol, architecture autoprotocol/1, holding
// protocol.json; a broken template is refused naming the instruction and
// field.
func TestPackageBuildProtocol(t *testing.T) {
	file := filepath.Join(t.TempDir(), "p.cellpkg")
	out, errOut, code := cell(t, "package", "build", protocolPkgDir, "-o", file)
	if code != 0 {
		t.Fatalf("build: %s", errOut)
	}
	id := strings.Fields(out)[0]
	out, errOut, code = cell(t, "--output", "json", "package", "inspect", file)
	var d description
	if code != 0 || json.Unmarshal([]byte(out), &d) != nil {
		t.Fatalf("inspect: %s%s", out, errOut)
	}
	if d.ID != id || d.Envelope.Kind != "protocol" || strings.Join(d.Architectures, ",") != "autoprotocol/1" ||
		len(d.Files) != 1 || d.Files[0].Path != "/protocol.json" || len(d.Envelope.Parameters) != 1 || !d.Envelope.Parameters[0].Required {
		t.Fatalf("inspect = %+v", d)
	}

	broken := t.TempDir()
	manifest, _ := os.ReadFile(filepath.Join(protocolPkgDir, "cell.toml"))
	tmpl, _ := os.ReadFile(filepath.Join(protocolPkgDir, "protocol.json"))
	os.WriteFile(filepath.Join(broken, "cell.toml"), manifest, 0o644)
	os.WriteFile(filepath.Join(broken, "protocol.json"), []byte(strings.Replace(string(tmpl), `"60:minute"`, `"60:meter"`, 1)), 0o644)
	_, errOut, code = cell(t, "package", "build", broken, "-o", filepath.Join(t.TempDir(), "b.cellpkg"))
	if code != 1 || !strings.Contains(errOut, "protocol.json (filled with the parameters' examples and defaults): instructions[5].duration") {
		t.Fatalf("broken template: exit %d\n%s", code, errOut)
	}
}

// TestRegisterProtocolPackage: a protocol package built and signed by
// `cell package build --key` registers on a real chain with kind
// protocol (PACKAGE_KIND_PROTOCOL), under its package id.
func TestRegisterProtocolPackage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	author, err := kr.AddFromSeed("author", bytes.Repeat([]byte{0xa7}, ed25519.SeedSize), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := &ledgerpb.Genesis{Params: params.Default(),
		Accounts: []*ledgerpb.GenesisAccount{{Address: author.Address.String(), Balance: 1_000_000_000}}}
	rpc := testchain.Start(t, testchain.Options{ChainID: "protocol-package", Genesis: g}).RPC
	cellAt := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	file := filepath.Join(t.TempDir(), "lambda-digest.cellpkg")
	out, errOut, code := cellAt("package", "build", protocolPkgDir, "--key", "author", "-o", file)
	if code != 0 {
		t.Fatalf("build: %s%s", out, errOut)
	}
	id := strings.Fields(out)[0]
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		out, errOut, code = cellAt("tx", "registry", "register-package", file, "--from", "author", "--location", "https://example.org/p.cellpkg", "--node", rpc)
		if code == 0 || time.Since(start) > 30*time.Second {
			break
		}
	}
	if code != 0 {
		t.Fatalf("register-package: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = cellAt("query", "registry", "package", id, "--node", rpc, "--output", "json")
	var list struct{ Items []packageJSON }
	if code != 0 || json.Unmarshal([]byte(out), &list) != nil || len(list.Items) != 1 {
		t.Fatalf("query: exit %d\n%s%s", code, out, errOut)
	}
	if p := list.Items[0]; p.PackageID != id || p.Kind != spec.KindName(specpb.Kind(ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL)) ||
		p.Name != "lambda-digest" {
		t.Fatalf("query: exit %d\n%s%s", code, out, errOut)
	}
}

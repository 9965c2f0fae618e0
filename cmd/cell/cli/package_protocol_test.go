package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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

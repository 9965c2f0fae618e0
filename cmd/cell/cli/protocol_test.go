package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProtocolValidate: `cell protocol validate` fills, parses and
// validates a protocol, prints its requirements, says whether a BotSpec
// covers them (exit 1, naming the first unmet one, when not), and names
// the field of a bad protocol.
func TestProtocolValidate(t *testing.T) {
	tmpl, _ := filepath.Abs("../../../protocol/testdata/lambda-digest.json")
	simlab, _ := filepath.Abs("../../../examples/botspecs/simlab.json")
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"refs":{},"instructions":[{"op":"teleport"}]}`), 0o644)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or stderr when code is not 0 or 1
	}{
		{"covered", []string{tmpl, "--param", "ENZYME=EcoRI", "--botspec", simlab}, 0, "covered by BotSpec 58e2e830"},
		{"not covered", []string{tmpl, "--param", "ENZYME=NotI", "--botspec", simlab}, 1, "resource NotI: not in the bot's inventory"},
		{"no botspec", []string{tmpl, "--param", "ENZYME=BamHI"}, 0, "resources:       BamHI, BamHI-buffer"},
		{"missing parameter", []string{tmpl}, 1, "params.ENZYME: missing"},
		{"package directory", []string{protocolPkgDir, "--param", "ENZYME=EcoRI"}, 0, "valid, 9 instructions, 1 refs"},
		{"package without its required parameter", []string{protocolPkgDir}, 1, "params.ENZYME: required"},
		{"unknown op", []string{bad}, 1, "instructions[0]"},
		{"no such file", []string{filepath.Join(t.TempDir(), "none.json")}, 1, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cellNoHome(t, append([]string{"protocol", "validate"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, want %d; want %q in:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
	out, _, code := cellNoHome(t, "protocol", "validate", tmpl, "-p", "ENZYME=HindIII", "--botspec", simlab, "--output", "json")
	var v protocolValidation
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Covered == nil || !*v.Covered || v.Instructions == 0 ||
		!strings.Contains(out, `"schema": "cell/v1/protocol-validation"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
}

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// TestRunProtocol: `cell run` of a protocol package runs it on the
// simulated lab, prints the timeline and the gel bands, and with --out
// writes what `cell protocol check` needs; the check of that run conforms.
func TestRunProtocol(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	out, errOut, code := cellNoHome(t, "run", protocolPkgDir, "--param", "ENZYME=EcoRI", "--out", dir)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"lambda-digest 1.0.0", "(simulated)", "5 incubate", "incubator.load, incubator.hold, incubator.unload",
		"lane 1 digest/A1    bands (bp): 21228 7421 5724 4878 3530", "loaded (bp): 21226 7421 5804 5643 4878 3530",
		"shipment: digest at cold_4", "cell protocol check " + filepath.Join(dir, "eventlog"),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("run output lacks %q:\n%s", want, out)
		}
	}
	out, errOut, code = cellNoHome(t, "protocol", "check", filepath.Join(dir, "eventlog"), "--protocol", filepath.Join(dir, "protocol.json"),
		"--botspec", filepath.Join(dir, "botspec.json"), "--datasets", filepath.Join(dir, "datasets"))
	if code != 0 || !strings.HasPrefix(out, "conforms: ") || !strings.Contains(out, "checked and replayed on the simulator") ||
		!strings.Contains(errOut, "give --node-key and --head") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}

	out, _, code = cellNoHome(t, "run", protocolPkgDir, "-p", "ENZYME=BamHI", "--output", "json")
	var v protocolRunJSON
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || !strings.Contains(out, `"schema": "cell/v1/protocol-run"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	if len(v.Timeline) != 9 || v.Timeline[8].Op != "gel_separate" || v.MakespanMs != v.Timeline[8].EndMs || len(v.Gels) != 1 ||
		len(v.Datasets) != 2 || v.Shipment == nil || v.Params["ENZYME"] != "BamHI" || v.OutputDir != "" {
		t.Fatalf("json: %+v", v)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing parameter", []string{protocolPkgDir}, 1, "params.ENZYME: required"},
		{"enzyme the lab lacks", []string{protocolPkgDir, "-p", "ENZYME=NotI"}, 1, "NotI"},
		{"input", []string{protocolPkgDir, "-p", "ENZYME=EcoRI", "--input", "x=y"}, 2, "a protocol package takes no input files"},
		{"sandbox limit", []string{protocolPkgDir, "-p", "ENZYME=EcoRI", "--time-limit", "1s"}, 2, "limits of the compute sandbox"},
		{"bad seed", []string{protocolPkgDir, "-p", "ENZYME=EcoRI", "--seed", "abc"}, 2, "--seed: must be 64 hex digits"},
		{"not simulated", []string{protocolPkgDir, "-p", "ENZYME=EcoRI", "--botspec", realBotSpec(t)}, 1, "only a simulated BotSpec"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cellNoHome(t, append([]string{"run"}, tt.args...)...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, want %d; want %q in:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
}

// realBotSpec writes the simulated lab's BotSpec with "simulated": false.
func realBotSpec(t *testing.T) string {
	s := labsim.SimlabBotSpec()
	s.Simulated = false
	data, err := s.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "real.json")
	os.WriteFile(path, data, 0o644)
	return path
}

// TestProtocolCheck: `cell protocol check` of a labsim run conforms with
// the node key and head it was delivered with, and names the first
// violation (exit 1) of a faulty bot's log, a tampered dataset, another
// node's key or another protocol.
func TestProtocolCheck(t *testing.T) {
	pkg, err := packer.Build(protocolPkgDir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	params := map[string]string{"ENZYME": "HindIII"}
	honest, faulty := filepath.Join(t.TempDir(), "honest"), filepath.Join(t.TempDir(), "faulty")
	res, err := protopkg.RunLocal(protopkg.Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec(), OutputDir: honest})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := protopkg.RunLocal(protopkg.Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec(), OutputDir: faulty, Fault: labsim.FaultSkipStep}); err != nil {
		t.Fatal(err)
	}
	tampered := t.TempDir()
	for _, name := range []string{"gel.json", "gel.png"} {
		data, _ := os.ReadFile(filepath.Join(honest, "datasets", name))
		if name == "gel.json" {
			data = append(data, '\n')
		}
		os.WriteFile(filepath.Join(tampered, name), data, 0o644)
	}
	nodeKey, head := hexOf(res.NodeKey), hexOf(res.Head[:])
	args := func(dir string, extra ...string) []string {
		return append([]string{"protocol", "check", filepath.Join(dir, "eventlog"), "--protocol", protocolPkgDir, "-p", "ENZYME=HindIII",
			"--botspec", filepath.Join(honest, "botspec.json"), "--datasets", filepath.Join(dir, "datasets")}, extra...)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"honest", args(honest, "--node-key", nodeKey, "--head", head), 0, "conforms: "},
		{"skipped step", args(faulty), 1, "violation: instruction "},
		{"tampered dataset", append(args(honest)[:len(args(honest))-1], tampered), 1, "violation: instruction 8 (gel_imager.analyze): dataset: "},
		{"other node", args(honest, "--node-key", strings.Repeat("ab", 32)), 1, "violation: signature: "},
		{"other head", args(honest, "--head", strings.Repeat("00", 32)), 1, "violation: signature: "},
		{"other protocol", append(args(honest)[:6], "ENZYME=EcoRI", "--botspec", filepath.Join(honest, "botspec.json"), "--datasets", filepath.Join(honest, "datasets")), 1, "violation: start: protocol hash"},
		{"missing flag", []string{"protocol", "check", filepath.Join(honest, "eventlog")}, 1, `required flag(s) "botspec", "datasets", "protocol" not set`},
		{"not a log", append([]string{"protocol", "check", filepath.Join(honest, "protocol.json")}, args(honest)[3:]...), 1, "violation: schema: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := cellNoHome(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("exit %d, want %d; want %q in:\n%s%s", code, tt.code, tt.want, out, errOut)
			}
		})
	}
	out, _, code := cellNoHome(t, append(args(faulty), "--output", "json")...)
	var v protocolCheck
	if code != 1 || json.Unmarshal([]byte(out), &v) != nil || v.Conforms || v.Violation == nil || v.Violation.Rule != "missing-warp" {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

package protopkg

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// checkDir runs Check on the files a local run wrote to dir, with the
// package filled with params.
func checkDir(t *testing.T, dir string, params map[string]string, edit func(*CheckInput)) error {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, LocalLogFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	log, err := ReadLog(f)
	if err != nil {
		return err
	}
	l, err := Open(filepath.Join(dir, LocalProtocolFile), nil)
	if err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, LocalDatasetsDir))
	datasets := map[string][]byte{}
	for _, e := range ents {
		datasets[e.Name()], _ = os.ReadFile(filepath.Join(dir, LocalDatasetsDir, e.Name()))
	}
	in := CheckInput{CheckInput: botlog.CheckInput{Log: log, NodeKey: log.NodeKey, Head: log.Head(),
		Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: labsim.SimlabBotSpec(), Datasets: datasets}}
	if edit != nil {
		edit(&in)
	}
	return Check(in)
}

// TestRunLocalAndCheck: a local run of the testdata package writes the
// filled protocol, the BotSpec, a signed log and the gel datasets; the
// run is deterministic, its log conforms and replays, and each kind of
// tampering is caught by the right rule.
func TestRunLocalAndCheck(t *testing.T) {
	pkg := build(t, "testdata/lambda-digest")
	params := map[string]string{"ENZYME": "EcoRI"}
	dir := filepath.Join(t.TempDir(), "out")
	res, err := RunLocal(Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec(), OutputDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	again, err := RunLocal(Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec()})
	if err != nil || again.Head != res.Head || !bytes.Equal(again.NodeKey, res.NodeKey) {
		t.Fatalf("two local runs differ: %v", err)
	}
	for _, name := range []string{LocalProtocolFile, LocalBotSpecFile, LocalLogFile, "datasets/gel.json", "datasets/gel.png"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Fatalf("%s not written: %v", name, err)
		}
	}
	if len(res.Sim.Gels) != 1 || len(res.Sim.Gels[0].Lanes) != 2 || len(res.Sim.Gels[0].Lanes[1].Species) != 6 {
		t.Fatalf("EcoRI digest of λ: gels %+v", res.Sim.Gels)
	}
	if err := checkDir(t, dir, params, nil); err != nil {
		t.Fatalf("honest run: %v", err)
	}
	seed := res.Seed
	if err := checkDir(t, dir, params, func(in *CheckInput) { in.Seed = &seed }); err != nil {
		t.Fatalf("honest run with its seed: %v", err)
	}

	faulty := filepath.Join(t.TempDir(), "faulty")
	if _, err := RunLocal(Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec(), Fault: labsim.FaultSkipStep, OutputDir: faulty}); err != nil {
		t.Fatal(err)
	}
	other := LocalKey([32]byte{1})
	tests := []struct {
		name string
		dir  string
		edit func(*CheckInput)
		rule string
	}{
		{"skipped warp", faulty, nil, botlog.RuleMissingWarp},
		{"other node", dir, func(in *CheckInput) { in.NodeKey = other.Public().(ed25519.PublicKey) }, botlog.RuleSignature},
		{"other head", dir, func(in *CheckInput) { in.Head[0] ^= 1 }, botlog.RuleSignature},
		{"other seed", dir, func(in *CheckInput) { in.Seed = &[32]byte{7} }, botlog.RuleStart},
		{"changed dataset", dir, func(in *CheckInput) {
			in.Datasets["gel.json"] = append(bytes.Clone(in.Datasets["gel.json"]), ' ')
		}, botlog.RuleDataset},
		{"extra dataset", dir, func(in *CheckInput) { in.Datasets["notes.txt"] = []byte("x") }, botlog.RuleReplay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDir(t, tt.dir, params, tt.edit)
			var v *botlog.Violation
			if !errors.As(err, &v) || v.Rule != tt.rule {
				t.Fatalf("err = %v, want a %s violation", err, tt.rule)
			}
		})
	}

	// A log whose bytes were changed does not read: a signature violation.
	data, _ := os.ReadFile(filepath.Join(dir, LocalLogFile))
	data[len(data)-100] ^= 1
	_, err = ReadLog(bytes.NewReader(data))
	var v *botlog.Violation
	if !errors.As(err, &v) || (v.Rule != botlog.RuleSignature && v.Rule != botlog.RuleSchema) {
		t.Fatalf("tampered bytes: %v", err)
	}
	if _, err := RunLocal(Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec(), OutputDir: dir}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("non-empty output directory: %v", err)
	}
}

// BenchmarkCheckGrowthCurve: the whole check of a growth-curve run (96
// wells, 17 reads): botlog.Check and the replay on the simulator, as a
// buyer or a verifier runs it on a delivery.
func BenchmarkCheckGrowthCurve(b *testing.B) {
	pkg, err := packer.Build("../../examples/protocols/growth-curve", spec.DefaultLimits())
	if err != nil {
		b.Fatal(err)
	}
	res, err := RunLocal(Local{Package: pkg, BotSpec: labsim.SimlabBotSpec()})
	if err != nil {
		b.Fatal(err)
	}
	datasets := map[string][]byte{}
	for _, d := range res.Sim.Datasets {
		datasets[d.Name] = d.Data
	}
	in := CheckInput{CheckInput: botlog.CheckInput{Log: res.Log, NodeKey: res.NodeKey, Head: res.Head,
		Protocol: res.Loaded.Protocol, ProtocolHash: res.Loaded.Hash, BotSpec: labsim.SimlabBotSpec(), Datasets: datasets}}
	for b.Loop() {
		if err := Check(in); err != nil {
			b.Fatal(err)
		}
	}
}

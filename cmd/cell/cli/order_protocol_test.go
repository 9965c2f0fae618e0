package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// simulated runs an example protocol on the simulated lab, as a provider's
// node would, and returns the report a buyer's client makes of it.
func simulated(t *testing.T, dir string, params map[string]string) *order.ProtocolReport {
	t.Helper()
	l, err := protopkg.Open(dir, params)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := protocol.ParseBotSpec(mustRead(t, "../../../examples/botspecs/simlab.json"))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := spec.ID()
	res, err := labsim.Run(labsim.Input{Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: spec, Seed: labsim.SeedFor(1, [32]byte{}, id), Stock: labsim.SimlabStock()})
	if err != nil {
		t.Fatal(err)
	}
	rep := &order.ProtocolReport{Instructions: len(l.Protocol.Instructions), BotSpecID: id.String(), BotSpec: spec.Name, Simulated: true, Conforms: true,
		Gels: res.Gels, Absorbance: res.Absorbance, LogFile: "results/7/eventlog.bin", LabelFile: "results/7/label.png"}
	for _, w := range res.Run.Warps {
		if n := len(rep.Timeline); n > 0 && rep.Timeline[n-1].Instruction == w.Instruction {
			rep.Timeline[n-1].EndMS, rep.Timeline[n-1].Warps = w.End, rep.Timeline[n-1].Warps+1
			continue
		}
		rep.Timeline = append(rep.Timeline, order.InstructionSpan{Instruction: w.Instruction, Op: w.Op, StartMS: w.Start, EndMS: w.End, Warps: 1})
	}
	return rep
}

func TestPrintProtocol(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dir    string
		params map[string]string
		want   []string
	}{
		{"digest gel: timeline, lanes with band sizes, label", "../../../examples/protocols/lambda-digest-gel/protocol.json", map[string]string{"ENZYME": "HindIII"},
			[]string{" 0 provision", " 5 incubate", "gel gel (agarose(8,0.8%), ladder-1kb", "lane 0 ladder-1kb", "lane 1 digest/A1", "conformance check: conforms",
				"event log in results/7/eventlog.bin", "shipping label (QR code with the completion code) in results/7/label.png"}},
		{"growth curve: an OD600 table of 17 reads over 96 wells", "../../../examples/protocols/growth-curve/protocol.json", nil,
			[]string{"OD600", "17 reads", "(96 wells)", "median"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			printProtocol(&b, simulated(t, tc.dir, tc.params))
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("no %q in\n%s", w, b.String())
				}
			}
		})
	}
	t.Run("a violation is shown", func(t *testing.T) {
		var b bytes.Buffer
		printProtocol(&b, &order.ProtocolReport{Violation: "instruction 5 (incubator.hold): missing-warp: …"})
		if !strings.Contains(b.String(), "conformance check: VIOLATION: instruction 5 (incubator.hold): missing-warp") {
			t.Errorf("got\n%s", b.String())
		}
	})
	t.Run("milli OD", func(t *testing.T) {
		for m, want := range map[int64]string{0: "0.000", 52: "0.052", 1823: "1.823", -7: "-0.007"} {
			if got := milliOD(m); got != want {
				t.Errorf("milliOD(%d) = %q, want %q", m, got, want)
			}
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

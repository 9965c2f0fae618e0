package order

import (
	"os"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// simulate runs an example protocol template on the simulated lab.
func simulate(t *testing.T, template string, params map[string]string) (*protopkg.Loaded, *labsim.Result) {
	t.Helper()
	l, err := protopkg.Open(template, params)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := protocol.ParseBotSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := spec.ID()
	res, err := labsim.Run(labsim.Input{Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: spec, Seed: labsim.SeedFor(3, [32]byte{1}, id), Stock: labsim.SimlabStock()})
	if err != nil {
		t.Fatal(err)
	}
	return l, res
}

// TestResultsOfARun: the buyer reads a delivered run's timeline (one span
// per instruction, covering its warps), its gel and its absorbance
// reads from the datasets the log names — for a plate read many times,
// the dataset as the last read left it.
func TestResultsOfARun(t *testing.T) {
	for _, tc := range []struct {
		name        string
		template    string
		params      map[string]string
		gels, reads int
	}{
		{"λ digest with HindIII", "../../examples/protocols/lambda-digest-gel/protocol.json", map[string]string{"ENZYME": "HindIII"}, 1, 0},
		{"growth curve", "../../examples/protocols/growth-curve/protocol.json", nil, 0, 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, res := simulate(t, tc.template, tc.params)
			spans := spansOf(res.Run)
			if len(spans) != len(l.Protocol.Instructions) {
				t.Fatalf("%d spans for %d instructions", len(spans), len(l.Protocol.Instructions))
			}
			warps := 0
			for i, s := range spans {
				if s.Instruction != i || s.Op != l.Protocol.Instructions[i].Op || s.EndMS < s.StartMS || (i > 0 && s.StartMS < spans[i-1].EndMS) {
					t.Errorf("span %d: %+v", i, s)
				}
				warps += s.Warps
			}
			if warps != len(res.Run.Warps) {
				t.Errorf("spans hold %d warps, the run %d", warps, len(res.Run.Warps))
			}
			ds := map[string][]byte{}
			for _, d := range res.Datasets {
				ds[d.Name] = d.Data
			}
			gels, abs := resultsOf(res.Run, ds)
			if len(gels) != tc.gels {
				t.Fatalf("%d gels, want %d", len(gels), tc.gels)
			}
			for i, g := range gels {
				if len(g.Lanes) != len(res.Gels[i].Lanes) || len(g.Lanes[1].Bands) == 0 {
					t.Errorf("gel %d: %+v, the simulator's %+v", i, g, res.Gels[i])
				}
			}
			reads := 0
			for _, a := range abs {
				reads += len(a.Reads)
			}
			if reads != tc.reads {
				t.Errorf("%d absorbance reads, want %d", reads, tc.reads)
			}
		})
	}
}

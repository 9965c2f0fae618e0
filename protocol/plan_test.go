package protocol

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// renderWarp writes a planned warp on one line, the shape of the golden file.
func renderWarp(w PlannedWarp) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s %s@%s %dms", w.Instruction, w.Op, w.Warp, w.Device, w.Duration)
	if w.Fixed {
		b.WriteString(" fixed")
	}
	if w.Dataset != "" {
		fmt.Fprintf(&b, " data=%s:%s", w.Dataref, w.Dataset)
	}
	for _, p := range w.Params {
		fmt.Fprintf(&b, " %s=%s", p.Key, p.Value)
	}
	return b.String()
}

func mustLoad(t testing.TB, doc string) *Protocol {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanOps expands one instruction of every op on the simulated lab.
func TestPlanOps(t *testing.T) {
	const refs = `"refs": {"p": {"new": "96-pcr", "discard": true}, "f": {"new": "96-flat", "discard": true, "cover": "standard"},
	  "t": {"id": "smp-1", "type": "micro-2.0", "discard": true}}`
	tests := []struct {
		name  string
		instr string // the instructions, JSON
		want  []string
	}{
		{"provision", `{"op": "provision", "resource_id": "water", "to": [{"well": "p/A1", "volume": "10:microliter"}, {"well": "p/1", "volume": "500:nanoliter"}]}`, []string{
			"0 provision liquid_handler.provision@lh1 6000ms resource=water volume_nl=10000 well=p/A1",
			"0 provision liquid_handler.provision@lh1 6000ms resource=water volume_nl=500 well=p/1",
		}},
		{"dispense", `{"op": "dispense", "object": "p", "resource_id": "lb-broth", "columns": [{"column": 0, "volume": "50:microliter"}, {"column": 11, "volume": "5:microliter"}]}`, []string{
			"0 dispense dispenser.dispense@disp1 15000ms column=0 object=p resource=lb-broth volume_nl=50000",
			"0 dispense dispenser.dispense@disp1 15000ms column=11 object=p resource=lb-broth volume_nl=5000",
		}},
		{"liquid_handle", `{"op": "provision", "resource_id": "water", "to": [{"well": "p/0", "volume": "20:microliter"}]},
		  {"op": "liquid_handle", "mode": "air_displacement", "locations": [{"location": "p/0", "transports": [{"volume": "-15:microliter"}]},
		   {"location": "p/1", "transports": [{"volume": "10:microliter"}]}, {"location": "p/2", "transports": [{"volume": "5:microliter"}]}]}`, []string{
			"0 provision liquid_handler.provision@lh1 6000ms resource=water volume_nl=20000 well=p/0",
			"1 liquid_handle liquid_handler.aspirate@lh1 4000ms location=p/0 mode=air_displacement volume_nl=15000",
			"1 liquid_handle liquid_handler.dispense@lh1 4000ms location=p/1 mode=air_displacement volume_nl=10000",
			"1 liquid_handle liquid_handler.dispense@lh1 4000ms location=p/2 mode=air_displacement volume_nl=5000",
		}},
		{"oligosynthesize", `{"op": "oligosynthesize", "oligos": [{"destination": "p/0", "sequence": "ACGT", "scale": "25nm", "purification": "standard"}]}`, []string{
			"0 oligosynthesize oligo_synthesizer.synthesize@oligo1 3600000ms destination=p/0 purification=standard scale=25nm sequence=ACGT",
		}},
		{"seal and unseal", `{"op": "seal", "object": "p", "type": "foil"}, {"op": "unseal", "object": "p"}`, []string{
			"0 seal sealer.seal@seal1 10000ms object=p type=foil",
			"1 unseal sealer.unseal@seal1 8000ms object=p",
		}},
		{"uncover and cover", `{"op": "uncover", "object": "f"}, {"op": "cover", "object": "f", "lid": "universal"}`, []string{
			"0 uncover sealer.uncover@seal1 5000ms object=f",
			"1 cover sealer.cover@seal1 5000ms lid=universal object=f",
		}},
		{"incubate", `{"op": "incubate", "object": "f", "where": "warm_37", "duration": "30:minute", "shaking": true, "co2_percent": 5}`, []string{
			"0 incubate incubator.load@inc1 10000ms object=f",
			"0 incubate incubator.hold@inc1 1800000ms fixed co2_percent=5 duration_ms=1800000 object=f shaking=true where=warm_37",
			"0 incubate incubator.unload@inc1 10000ms object=f",
		}},
		{"thermocycle", `{"op": "seal", "object": "p", "type": "foil"}, {"op": "thermocycle", "object": "p", "volume": "20:microliter", "groups": [
		  {"cycles": 1, "steps": [{"temperature": "95:celsius", "duration": "2:minute"}]},
		  {"cycles": 30, "steps": [{"temperature": "95:celsius", "duration": "30:second"}, {"temperature": "55.5:celsius", "duration": "30:second"}, {"temperature": "72:celsius", "duration": "1:minute"}]}]}`, []string{
			"0 seal sealer.seal@seal1 10000ms object=p type=foil",
			"1 thermocycle thermocycler.load@tc1 10000ms object=p",
			"1 thermocycle thermocycler.run@tc1 3720000ms fixed object=p program=1x(95000@120000)+30x(95000@30000/55500@30000/72000@60000) volume_nl=20000",
			"1 thermocycle thermocycler.unload@tc1 10000ms object=p",
		}},
		{"spin", `{"op": "spin", "object": "t", "acceleration": "1000:g", "duration": "1:minute"}`, []string{
			"0 spin centrifuge.load@cf1 8000ms object=t",
			"0 spin centrifuge.spin@cf1 60000ms fixed acceleration_g=1000 duration_ms=60000 object=t",
			"0 spin centrifuge.unload@cf1 8000ms object=t",
		}},
		{"spectrophotometry", `{"op": "spectrophotometry", "object": "f", "dataref": "od600", "groups": [
		  {"mode": "absorbance", "mode_params": {"wells": ["f/A1", "f/H12"], "wavelength": ["600:nanometer"], "num_flashes": 25}},
		  {"mode": "absorbance", "mode_params": {"wells": ["f/0"], "wavelength": ["260:nanometer", "280:nanometer"], "num_flashes": 5}}]}`, []string{
			"0 spectrophotometry plate_reader.read_absorbance@pr1 30000ms data=od600:od600.json mode=absorbance num_flashes=25 object=f wavelengths_nm=600 wells=f/A1,f/H12",
			"0 spectrophotometry plate_reader.read_absorbance@pr1 30000ms data=od600:od600.json mode=absorbance num_flashes=5 object=f wavelengths_nm=260,280 wells=f/0",
		}},
		{"gel_separate", `{"op": "provision", "resource_id": "water", "to": [{"well": "p/0", "volume": "20:microliter"}, {"well": "p/1", "volume": "20:microliter"}]},
		  {"op": "gel_separate", "objects": ["p/0", "p/1"], "volume": "10:microliter", "matrix": "agarose(8,0.8%)", "ladder": "ladder-1kb", "duration": "30:minute", "dataref": "gel"}`, []string{
			"0 provision liquid_handler.provision@lh1 6000ms resource=water volume_nl=20000 well=p/0",
			"0 provision liquid_handler.provision@lh1 6000ms resource=water volume_nl=20000 well=p/1",
			"1 gel_separate gel_imager.load@gel1 20000ms ladder=ladder-1kb matrix=agarose(8,0.8%) objects=p/0,p/1 volume_nl=10000",
			"1 gel_separate gel_imager.run@gel1 1800000ms fixed duration_ms=1800000 matrix=agarose(8,0.8%)",
			"1 gel_separate gel_imager.image@gel1 5000ms data=gel:gel.png dataref=gel",
			"1 gel_separate gel_imager.analyze@gel1 5000ms data=gel:gel.json dataref=gel",
		}},
	}
	spec := simlab(t)
	seen := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustLoad(t, `{`+refs+`, "instructions": [`+tt.instr+`]}`)
			ws, err := Plan(p, spec)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var sum int64
			for _, w := range ws {
				got = append(got, renderWarp(w))
				sum += w.Duration
				seen[w.Op] = true
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if Makespan(ws) != sum {
				t.Errorf("Makespan = %d, want %d", Makespan(ws), sum)
			}
		})
	}
	for _, op := range Ops() {
		if !seen[op] {
			t.Errorf("op %s has no case in the table", op)
		}
	}
}

func TestPlanUnmet(t *testing.T) {
	p := mustLoad(t, string(lambdaDigest(t)))
	tests := []struct {
		name string
		edit func(s *BotSpec)
		want string
	}{
		{"no gel imager", func(s *BotSpec) {
			s.Devices = deleteDevice(s.Devices, "gel1")
		}, "warp gel_imager.load: instruction 8 (gel_separate): no gel_imager device of the bot runs gel_separate"},
		{"no timing", func(s *BotSpec) {
			d := findDevice(s, "gel1")
			d.Timings = deleteTiming(d.Timings, "gel_imager.analyze")
		}, "warp gel_imager.analyze: instruction 8 (gel_separate): device gel1 has no timing for it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := simlab(t)
			tt.edit(s)
			_, err := Plan(p, s)
			var ue *UnmetError
			if !errors.As(err, &ue) || !errors.Is(err, ErrNotCovered) || err.Error() != tt.want {
				t.Fatalf("err = %v, want *UnmetError %q", err, tt.want)
			}
		})
	}
}

// TestPlanFirstDevice: of two devices of a kind, the first one running the
// op is chosen, and a Fixed warp needs no timing.
func TestPlanFirstDevice(t *testing.T) {
	s := simlab(t)
	inc := *findDevice(s, "inc1")
	inc.ID = "inc0"
	inc.Ops = []string{"incubate"}
	s.Devices = append([]Device{{ID: "inc00", Kind: KindIncubator, Ops: nil}, inc}, s.Devices...)
	p := mustLoad(t, string(lambdaDigest(t)))
	ws, err := Plan(p, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if strings.HasPrefix(w.Warp, "incubator.") && w.Device != "inc0" {
			t.Errorf("%s on %s, want inc0", w.Warp, w.Device)
		}
	}
}

func TestPlanRefusesLineBreak(t *testing.T) {
	p := mustLoad(t, `{"refs": {"p": {"new": "96-pcr", "discard": true}}, "instructions": [
	  {"op": "provision", "resource_id": "wat\ner", "to": [{"well": "p/0", "volume": "1:microliter"}]}]}`)
	_, err := Plan(p, simlab(t))
	if !errors.Is(err, ErrPlan) || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "instructions[0] (liquid_handler.provision): parameter resource holds a line break") {
		t.Fatalf("err = %v", err)
	}
}

func findDevice(s *BotSpec, id string) *Device {
	for i := range s.Devices {
		if s.Devices[i].ID == id {
			return &s.Devices[i]
		}
	}
	return nil
}

func deleteDevice(ds []Device, id string) []Device {
	var out []Device
	for _, d := range ds {
		if d.ID != id {
			out = append(out, d)
		}
	}
	return out
}

func deleteTiming(ts Timings, warp string) Timings {
	var out Timings
	for _, t := range ts {
		if t.Warp != warp {
			out = append(out, t)
		}
	}
	return out
}

// TestLambdaDigestPlan pins the plan, makespan, consumables, reagents and
// price of the λ digest on the simulated lab (testdata/lambda-digest.plan.golden;
// rewrite with -update after a deliberate change).
func TestLambdaDigestPlan(t *testing.T) {
	p := mustLoad(t, string(lambdaDigest(t)))
	s := simlab(t)
	ws, err := Plan(p, s)
	if err != nil {
		t.Fatal(err)
	}
	est, err := EstimatePrice(p, s)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("# warps of testdata/lambda-digest.json (ENZYME=EcoRI) on examples/botspecs/simlab.json\n")
	for _, w := range ws {
		b.WriteString(renderWarp(w) + "\n")
	}
	fmt.Fprintf(&b, "makespan %d ms\n", Makespan(ws))
	for _, c := range Consumables(p) {
		fmt.Fprintf(&b, "container %s × %d\n", c.Type, c.Count)
	}
	for _, l := range est.Lines {
		fmt.Fprintf(&b, "reagent %s %d nL %d uses × %d ucell = %d ucell\n", l.ResourceID, l.VolumeNL, l.Uses, l.UnitPriceUcell, l.PriceUcell)
	}
	fmt.Fprintf(&b, "total %d ucell\n", est.TotalUcell)
	const golden = "testdata/lambda-digest.plan.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("plan differs from %s (run with -update after a deliberate change):\n%s", golden, b.String())
	}
	// Facts the golden must show: 4 provisions, the seal, the 60 min
	// hold, the 20 min heat inactivation, the 30 min gel.
	if len(ws) != 4+1+3+3+1+4 || ws[6].Duration != 3_600_000 || ws[9].Duration != 1_200_000 || ws[13].Duration != 1_800_000 {
		t.Errorf("unexpected plan shape: %d warps", len(ws))
	}
}

func TestConsumablesAndPrice(t *testing.T) {
	p := mustLoad(t, `{"refs": {"a": {"new": "96-flat", "discard": true}, "b": {"new": "96-pcr", "discard": true},
	  "c": {"new": "96-flat", "store": {"where": "cold_4"}}, "s": {"id": "x", "type": "micro-2.0", "discard": true}},
	  "instructions": [
	    {"op": "dispense", "object": "a", "resource_id": "lb-broth", "columns": [{"column": 0, "volume": "100:microliter"}, {"column": 1, "volume": "100:microliter"}]},
	    {"op": "provision", "resource_id": "water", "to": [{"well": "b/0", "volume": "1.5:microliter"}, {"well": "b/1", "volume": "1:microliter"}]},
	    {"op": "provision", "resource_id": "water", "to": [{"well": "c/0", "volume": "100:nanoliter"}]},
	    {"op": "gel_separate", "objects": ["b/0"], "volume": "1:microliter", "matrix": "agarose(8,0.8%)", "ladder": "ladder-1kb", "duration": "30:minute", "dataref": "g1"},
	    {"op": "gel_separate", "objects": ["b/1"], "volume": "1:microliter", "matrix": "agarose(8,0.8%)", "ladder": "ladder-1kb", "duration": "30:minute", "dataref": "g2"}
	  ]}`)
	if got, want := Consumables(p), []ContainerCount{{"96-flat", 2}, {"96-pcr", 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Consumables = %v, want %v", got, want)
	}
	want := []Reagent{{"ladder-1kb", 0, 2}, {"lb-broth", 2 * 8 * 100_000, 0}, {"water", 2_600, 0}}
	if got := Reagents(p); !reflect.DeepEqual(got, want) {
		t.Errorf("Reagents = %v, want %v", got, want)
	}
	est, err := EstimatePrice(p, simlab(t))
	if err != nil {
		t.Fatal(err)
	}
	// lb-broth 1600 µL × 1, ladder 2 uses × 100, water 2.6 µL → 3 µL × 1.
	if est.TotalUcell != 1600+200+3 || est.Lines[2].PriceUcell != 3 {
		t.Errorf("EstimatePrice = %+v", est)
	}
	s := simlab(t)
	s.Inventory = s.Inventory[:len(s.Inventory)-1] // drop water
	if _, err := EstimatePrice(p, s); !errors.Is(err, ErrNotCovered) || !strings.Contains(err.Error(), "resource water") {
		t.Errorf("missing water: %v", err)
	}
}

package botlog

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

func TestCheckHonest(t *testing.T) {
	f := lambdaDigest(t)
	r, ds := f.honest()
	if err := Check(f.input(t, r, ds)); err != nil {
		t.Fatalf("honest log: %v", err)
	}
}

// warpIndex returns the index of the first warp of instruction instr named warp.
func warpIndex(r *Run, instr int, warp string) int {
	for i, w := range r.Warps {
		if w.Instruction == instr && w.Warp == warp {
			return i
		}
	}
	panic("no such warp")
}

// shift moves every warp from index k on by d ms, and the shipment.
func shift(r *Run, k int, d int64) {
	for i := k; i < len(r.Warps); i++ {
		r.Warps[i].Start += d
		r.Warps[i].End += d
	}
	if r.Pack != nil {
		r.Pack.Time += d
		r.Handover.Time += d
	}
}

// TestCheckTampered: each tampered log of the λ digest (re-signed with the
// node key unless the tampering is of the signature itself) is caught by
// the right rule.
func TestCheckTampered(t *testing.T) {
	type tamper struct {
		run   func(r *Run, ds map[string][]byte) // before signing
		input func(in *CheckInput)               // after signing
	}
	tests := []struct {
		name string
		tamper
		rule  string
		instr int
		warp  string
		want  string // in the error text
	}{
		{"skipped instruction", tamper{run: func(r *Run, _ map[string][]byte) {
			k := warpIndex(r, 2, "liquid_handler.provision")
			r.Warps = append(r.Warps[:k], r.Warps[k+1:]...)
		}}, RuleMissingWarp, 2, "liquid_handler.provision", "warp 2 of the plan (provision) is not in the log"},
		{"skipped last warp", tamper{run: func(r *Run, _ map[string][]byte) { r.Warps = r.Warps[:len(r.Warps)-1] }},
			RuleMissingWarp, 8, "gel_imager.analyze", "warp 15 of the plan (gel_separate) is not in the log, which ends after 15 warps"},
		{"reordered warps", tamper{run: func(r *Run, _ map[string][]byte) {
			r.Warps[2], r.Warps[3] = r.Warps[3], r.Warps[2]
			r.Warps[2].Start, r.Warps[2].End, r.Warps[3].Start, r.Warps[3].End = r.Warps[3].Start, r.Warps[3].End, r.Warps[2].Start, r.Warps[2].End
		}}, RuleOrder, 2, "liquid_handler.provision", "warp 2 of the plan is warp 3 of the log"},
		{"extra warp", tamper{run: func(r *Run, _ map[string][]byte) {
			w := r.Warps[len(r.Warps)-1]
			w.Start, w.End = w.End, w.End+5000
			r.Warps = append(r.Warps, w)
			shift(r, len(r.Warps), 5000)
		}}, RuleOrder, 8, "gel_imager.analyze", "warp 16 is not in the plan"},
		{"changed parameter", tamper{run: func(r *Run, _ map[string][]byte) {
			r.Warps[1].Params = []protocol.Param{{Key: "resource", Value: "lambda-dna"}, {Key: "volume_nl", Value: "2500"}, {Key: "well", Value: "digest/A1"}}
		}}, RuleParams, 1, "liquid_handler.provision", `volume_nl is "2500", the protocol says "5000"`},
		{"other enzyme", tamper{run: func(r *Run, _ map[string][]byte) {
			r.Warps[3].Params[0].Value = "BamHI"
		}}, RuleParams, 3, "liquid_handler.provision", `resource is "BamHI", the protocol says "EcoRI"`},
		{"dropped parameter", tamper{run: func(r *Run, _ map[string][]byte) {
			k := warpIndex(r, 5, "incubator.hold")
			r.Warps[k].Params = r.Warps[k].Params[1:]
		}}, RuleParams, 5, "incubator.hold", "parameter duration_ms missing"},
		{"failed warp", tamper{run: func(r *Run, _ map[string][]byte) { r.Warps[4].Outcome = "seal jammed" }},
			RuleOutcome, 4, "sealer.seal", `outcome "seal jammed"`},
		{"unknown device", tamper{run: func(r *Run, _ map[string][]byte) { r.Warps[0].Device = "lh9" }},
			RuleDevice, 0, "liquid_handler.provision", `device "lh9" is not in the BotSpec`},
		{"device of another kind", tamper{run: func(r *Run, _ map[string][]byte) { r.Warps[4].Device = "inc1" }},
			RuleDevice, 4, "sealer.seal", "device inc1 is a incubator, the warp needs a sealer"},
		{"too-short incubation", tamper{run: func(r *Run, _ map[string][]byte) {
			k := warpIndex(r, 5, "incubator.hold")
			r.Warps[k].End = r.Warps[k].Start + 1_800_000
		}}, RuleDuration, 5, "incubator.hold", "instruction 5 (incubator.hold): duration: 1800000 ms, the protocol says 3600000 ms ± 1 %"},
		{"incubation 1 % long passes the duration rule", tamper{run: func(r *Run, _ map[string][]byte) {
			k := warpIndex(r, 5, "incubator.hold")
			r.Warps[k].End += 36_000
			shift(r, k+1, 36_000)
			r.Warps[len(r.Warps)-1].Outcome = "lamp failed" // so that the check fails after the duration rule
		}}, RuleOutcome, 8, "gel_imager.analyze", "lamp failed"},
		{"too-slow pipetting", tamper{run: func(r *Run, _ map[string][]byte) {
			r.Warps[0].End = r.Warps[0].Start + 12_001
			shift(r, 1, 6_001)
		}}, RuleDuration, 0, "liquid_handler.provision", "12001 ms, the BotSpec allows 4000 to 12000 ms on lh1"},
		{"broken time constraint", tamper{run: func(r *Run, _ map[string][]byte) {
			shift(r, warpIndex(r, 4, "sealer.seal"), 30*60_000)
		}}, RuleTimeConstraint, 5, "", "time_constraints[0]: 1810000 ms from instruction_end 3 to instruction_start 5, want less than 1800000 ms"},
		{"overlapping warps", tamper{run: func(r *Run, _ map[string][]byte) {
			r.Warps[1].Start -= 1000
			r.Warps[1].End -= 1000
		}}, RuleClock, 1, "liquid_handler.provision", "starts at 5000 ms, before the previous warp ends at 6000 ms"},
		{"dataset whose hash differs", tamper{run: func(r *Run, ds map[string][]byte) { ds["gel.json"] = []byte(`{"lanes":[]}`) }},
			RuleDataset, 8, "gel_imager.analyze", "dataset gel.json hashes to"},
		{"dataset not delivered", tamper{run: func(r *Run, ds map[string][]byte) { delete(ds, "gel.png") }},
			RuleDataset, 8, "gel_imager.image", "dataset gel.png is not delivered"},
		{"dataset renamed", tamper{run: func(r *Run, ds map[string][]byte) {
			r.Warps[len(r.Warps)-1].Dataset = "gel2.json"
			ds["gel2.json"] = ds["gel.json"]
		}}, RuleDataset, 8, "gel_imager.analyze", `dataset "gel2.json" of dataref "gel", the plan says "gel.json" of "gel"`},
		{"nothing shipped", tamper{run: func(r *Run, _ map[string][]byte) { r.Pack, r.Handover = nil, nil }},
			RuleShipment, -1, KindPack, "ship.pack: shipment: nothing packed, the protocol stores digest"},
		{"shipped warm", tamper{run: func(r *Run, _ map[string][]byte) { r.Pack.Where = "ambient" }},
			RuleShipment, -1, KindPack, `stored at "ambient", the protocol says "cold_4"`},
		{"packed before the gel", tamper{run: func(r *Run, _ map[string][]byte) { r.Pack.Time = 1000 }},
			RuleClock, -1, KindPack, "packed at 1000 ms"},
		{"another BotSpec", tamper{run: func(r *Run, _ map[string][]byte) { r.Start.BotSpec[0] ^= 1 }},
			RuleStart, -1, "", "the bid names"},
		{"another protocol", tamper{run: func(r *Run, _ map[string][]byte) { r.Start.Protocol[0] ^= 1 }},
			RuleStart, -1, "", "protocol hash"},
		{"wrong warp count", tamper{run: func(r *Run, _ map[string][]byte) { r.Start.Warps++ }},
			RuleStart, -1, "", "start: run.start counts 9 instructions and 17 warps, the plan has 9 and 16"},
		{"not in the schema", tamper{run: func(r *Run, _ map[string][]byte) { r.Warps[2].Params = nil; r.Warps[2].Outcome = "" }},
			RuleSchema, -1, "", "event 3 (warp): attr outcome: empty"},
		{"broken signature", tamper{input: func(in *CheckInput) { in.Log.Events[len(in.Log.Events)-1].Sig[0] ^= 1 }},
			RuleSignature, -1, "", "event 18: signature does not verify under the node key"},
		{"broken signature and a changed event", tamper{input: func(in *CheckInput) {
			in.Log.Events[3].Sig[0] ^= 1
			in.Log.Events[3].Attrs[0].Value = []byte("5")
		}}, RuleSignature, -1, "", "event 3: hash does not match"},
		{"changed event, not re-signed", tamper{input: func(in *CheckInput) { in.Log.Events[6].Time++ }},
			RuleSignature, -1, "", "event 6: hash does not match"},
		{"head that differs", tamper{input: func(in *CheckInput) { in.Head[0] ^= 1 }},
			RuleSignature, -1, "", "event log: head is"},
		{"another node's key", tamper{input: func(in *CheckInput) {
			in.NodeKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
		}}, RuleSignature, -1, "", "signed by node key"},
	}
	f := lambdaDigest(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ds := f.honest()
			if tt.run != nil {
				tt.run(r, ds)
			}
			in := f.input(t, r, ds)
			if tt.input != nil {
				tt.input(&in)
			}
			err := Check(in)
			var v *Violation
			if !errors.As(err, &v) || !errors.Is(err, ErrViolation) {
				t.Fatalf("Check = %v, want a *Violation", err)
			}
			if v.Rule != tt.rule || v.Instruction != tt.instr || v.Warp != tt.warp || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %q (rule %s, instruction %d, warp %q)\nwant rule %s, instruction %d, warp %q, containing %q",
					err, v.Rule, v.Instruction, v.Warp, tt.rule, tt.instr, tt.warp, tt.want)
			}
		})
	}
}

// TestCheckInnerSignature: a signature of an event before the last,
// damaged after signing, leaves the contents authenticated by the chain and
// the last signature: Check passes, and eventlog.Read still refuses the
// stored form.
func TestCheckInnerSignature(t *testing.T) {
	f := lambdaDigest(t)
	r, ds := f.honest()
	in := f.input(t, r, ds)
	in.Log.Events[3].Sig = bytes.Clone(in.Log.Events[3].Sig)
	in.Log.Events[3].Sig[0] ^= 1
	if err := Check(in); err != nil {
		t.Fatalf("Check: %v", err)
	}
	var b bytes.Buffer
	if _, err := in.Log.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if _, err := eventlog.Read(&b); err == nil || !strings.Contains(err.Error(), "event 3: signature does not verify") {
		t.Errorf("Read: %v", err)
	}
}

func TestCheckBadInput(t *testing.T) {
	f := lambdaDigest(t)
	r, ds := f.honest()
	in := f.input(t, r, ds)
	in.BotSpec = nil
	if err := Check(in); err == nil || errors.Is(err, ErrViolation) {
		t.Errorf("nil BotSpec: %v, want an error that is not a violation", err)
	}
	// A BotSpec that cannot run the protocol at all: the run cannot conform.
	in = f.input(t, r, ds)
	spec := *f.spec
	spec.Devices = spec.Devices[:len(spec.Devices)-1] // no gel imager
	in.BotSpec = &spec
	r.Start.BotSpec, _ = spec.ID()
	in = f.input(t, r, ds)
	in.BotSpec = &spec
	var v *Violation
	if err := Check(in); !errors.As(err, &v) || v.Rule != RuleDevice || !strings.Contains(err.Error(), "warp gel_imager.load") {
		t.Errorf("BotSpec without a gel imager: %v", err)
	}
}

// TestCheckTimeConstraints covers ref ends and more_than on a protocol
// with both.
func TestCheckTimeConstraints(t *testing.T) {
	doc := `{"refs": {"p": {"new": "96-pcr", "discard": true}, "q": {"new": "96-pcr", "discard": true}},
	  "instructions": [
	    {"op": "provision", "resource_id": "water", "to": [{"well": "p/0", "volume": "10:microliter"}]},
	    {"op": "seal", "object": "p", "type": "foil"},
	    {"op": "incubate", "object": "p", "where": "warm_37", "duration": "10:minute", "shaking": false},
	    {"op": "provision", "resource_id": "water", "to": [{"well": "q/0", "volume": "10:microliter"}]}
	  ],
	  "time_constraints": [
	    {"from": {"ref_start": "p"}, "to": {"ref_end": "p"}, "more_than": "10:minute", "less_than": "11:minute"},
	    {"from": {"ref_end": "p"}, "to": {"ref_start": "q"}, "less_than": "1:minute"}
	  ]}`
	f := newFixture(t, []byte(doc))
	r, ds := f.honest()
	if err := Check(f.input(t, r, ds)); err != nil {
		t.Fatalf("honest: %v", err)
	}
	// p: 6 s + 10 s + 10 s + 10 min + 10 s = 636 s; shorten nothing, delay q by 1 min.
	r2, _ := f.honest()
	shift(r2, 5, 60_000)
	var v *Violation
	if err := Check(f.input(t, r2, ds)); !errors.As(err, &v) || v.Rule != RuleTimeConstraint || !strings.Contains(v.Detail, "time_constraints[1]: 60000 ms from ref_end p to ref_start q") {
		t.Errorf("late q: %v", err)
	}
	// Slow load and unload within the BotSpec's bounds break less_than 11 min.
	r3, _ := f.honest()
	r3.Warps[2].End += 10_000 // incubator.load 20 s
	shift(r3, 3, 10_000)
	r3.Warps[4].End += 10_000 // incubator.unload 20 s
	shift(r3, 5, 10_000)
	r3.Warps[0].End += 6_000 // provision 12 s
	shift(r3, 1, 6_000)
	r3.Warps[1].End += 10_000 // seal 20 s
	shift(r3, 2, 10_000)
	if err := Check(f.input(t, r3, ds)); !errors.As(err, &v) || v.Rule != RuleTimeConstraint || !strings.Contains(v.Detail, "time_constraints[0]: 672000 ms from ref_start p to ref_end p, want less than 660000 ms") {
		t.Errorf("slow p: %v", err)
	}
}

// input is the CheckInput of a signed log of r.
func (f *fixture) input(t testing.TB, r *Run, ds map[string][]byte) CheckInput {
	l := f.sign(t, r)
	return CheckInput{Log: l, NodeKey: f.key.Public().(ed25519.PublicKey), Head: l.Head(),
		Protocol: f.p, ProtocolHash: f.hash, BotSpec: f.spec, Datasets: ds}
}

func TestCheckShipment(t *testing.T) {
	doc := `{"refs": {"b": {"new": "96-pcr", "store": {"where": "cold_20"}}, "a": {"new": "96-pcr", "store": {"where": "cold_4"}},
	    "c": {"new": "96-pcr", "discard": true}},
	  "instructions": [{"op": "provision", "resource_id": "water", "to": [{"well": "a/0", "volume": "10:microliter"}, {"well": "b/0", "volume": "10:microliter"}]}]}`
	f := newFixture(t, []byte(doc))
	tests := []struct {
		name string
		edit func(r *Run)
		want string // "" for no violation
	}{
		{"honest", func(r *Run) {}, ""},
		{"where in container order", func(r *Run) {
			if r.Pack.Where != "cold_4,cold_20" || !slices.Equal(r.Pack.Containers, []string{"a", "b"}) {
				t.Errorf("pack = %+v", r.Pack)
			}
		}, ""},
		{"one container left behind", func(r *Run) { r.Pack.Containers = []string{"a"} },
			"ship.pack: shipment: containers a packed, the protocol stores a,b"},
		{"a discarded container shipped", func(r *Run) { r.Pack.Containers = []string{"a", "b", "c"} },
			"ship.pack: shipment: containers a,b,c packed, the protocol stores a,b"},
		{"one condition for both", func(r *Run) { r.Pack.Where = "cold_4" },
			`ship.pack: shipment: stored at "cold_4", the protocol says "cold_4,cold_20"`},
		{"not handed over", func(r *Run) { r.Handover = nil },
			"ship.handover: shipment: packed but not handed over to a carrier"},
		{"handed over before packing", func(r *Run) { r.Handover.Time = r.Pack.Time - 1 },
			"ship.handover: clock: handed over at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ds := f.honest()
			tt.edit(r)
			err := Check(f.input(t, r, ds))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
		})
	}
	// A protocol that stores nothing ships nothing.
	g := newFixture(t, []byte(strings.ReplaceAll(strings.ReplaceAll(doc, `"store": {"where": "cold_20"}`, `"discard": true`), `"store": {"where": "cold_4"}`, `"discard": true`)))
	r, ds := g.honest()
	if r.Pack != nil {
		t.Fatal("honest run of a protocol storing nothing packs")
	}
	if err := Check(g.input(t, r, ds)); err != nil {
		t.Fatal(err)
	}
	r.Pack = &Pack{Containers: []string{"a"}, Where: "cold_4", Label: "l", Time: r.Warps[len(r.Warps)-1].End}
	r.Handover = &Handover{Carrier: "c", Tracking: "t", Time: r.Pack.Time}
	if err := Check(g.input(t, r, ds)); err == nil || !strings.Contains(err.Error(), "ship.pack: shipment: containers a packed, the protocol stores none") {
		t.Errorf("Check = %v", err)
	}
}

func TestPackWhere(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{{nil, ""}, {[]string{"cold_4"}, "cold_4"}, {[]string{"cold_4", "cold_4"}, "cold_4"}, {[]string{"cold_4", "ambient", "cold_4"}, "cold_4,ambient,cold_4"}} {
		if got := PackWhere(tt.in); got != tt.want {
			t.Errorf("PackWhere(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCheckGrowingDataset: reads of one plate write one file; the last
// read's hash is the delivered file's, earlier reads logged it as it was.
func TestCheckGrowingDataset(t *testing.T) {
	doc := `{"refs": {"f": {"new": "96-flat", "discard": true}},
	  "instructions": [
	    {"op": "provision", "resource_id": "lb-broth", "to": [{"well": "f/0", "volume": "100:microliter"}]},
	    {"op": "spectrophotometry", "object": "f", "dataref": "od600", "groups": [
	      {"mode": "absorbance", "mode_params": {"wells": ["f/0"], "wavelength": ["600:nanometer"], "num_flashes": 25}},
	      {"mode": "absorbance", "mode_params": {"wells": ["f/0"], "wavelength": ["600:nanometer"], "num_flashes": 25}}]}
	  ]}`
	f := newFixture(t, []byte(doc))
	r, ds := f.honest()
	r.Warps[1].SHA256[0] ^= 1 // the file after the first read
	if err := Check(f.input(t, r, ds)); err != nil {
		t.Fatalf("growing file: %v", err)
	}
	r.Warps[2].SHA256[0] ^= 1
	var v *Violation
	if err := Check(f.input(t, r, ds)); !errors.As(err, &v) || v.Rule != RuleDataset || v.Instruction != 1 || !strings.Contains(v.Detail, "dataset od600.json hashes to") {
		t.Errorf("last read's hash differs: %v", err)
	}
}

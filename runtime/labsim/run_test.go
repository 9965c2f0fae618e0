package labsim

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// Primers of the lambda-pcr example (its README): λ 20,001–20,020 on the
// top strand and 20,994–21,013 on the bottom strand.
const (
	forward = "TCCGTGGTGGCACAGAGTAC"
	reverse = "TGGATCATTCCCGAGCGCTG"
)

// example is one example protocol with its parameters.
type example struct {
	name, dir string
	params    map[string]string
}

var examples = []example{
	{"lambda-digest-gel-EcoRI", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}},
	{"lambda-digest-gel-BamHI", "lambda-digest-gel", map[string]string{"ENZYME": "BamHI"}},
	{"lambda-digest-gel-HindIII", "lambda-digest-gel", map[string]string{"ENZYME": "HindIII"}},
	{"lambda-pcr", "lambda-pcr", map[string]string{"FORWARD": forward, "REVERSE": reverse}},
	{"growth-curve", "growth-curve", nil},
}

// simlab reads examples/botspecs/simlab.json from the disk and checks
// that SimlabBotSpec is the same document.
func simlab(t testing.TB) *protocol.BotSpec {
	t.Helper()
	doc, err := os.ReadFile("../../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := protocol.ParseBotSpec(doc)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.ID()
	if embedded, _ := SimlabBotSpec().ID(); embedded != id {
		t.Fatalf("SimlabBotSpec has id %s, simlab.json %s", embedded, id)
	}
	return s
}

// input fills, parses and validates an example's template (rewritten by
// edit first, when given), checks that the simulated lab covers it, and
// returns the simulator's input for order 7.
func input(t testing.TB, dir string, params map[string]string, edit func(string) string) Input {
	t.Helper()
	tpl, err := os.ReadFile(filepath.Join("../../examples/protocols", dir, "protocol.json"))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		tpl = []byte(edit(string(tpl)))
	}
	filled, err := protocol.Fill(tpl, params)
	if err != nil {
		t.Fatal(err)
	}
	p, err := protocol.Parse(filled)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	spec := simlab(t)
	if err := protocol.Covers(spec, p.Requirements()); err != nil {
		t.Fatal(err)
	}
	id, err := spec.ID()
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Protocol: p, ProtocolHash: sha256.Sum256(filled), BotSpec: spec,
		Seed: SeedFor(7, sha256.Sum256(tpl), id), Stock: SimlabStock(),
	}
}

func run(t testing.TB, in Input) *Result {
	t.Helper()
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// nodeKey is a fixed key, so signed logs are byte-stable (ed25519 is
// deterministic).
var nodeKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

// signedLog writes res's run as a signed event log and returns its bytes
// and the parsed log.
func signedLog(t testing.TB, res *Result) ([]byte, *eventlog.Log) {
	t.Helper()
	w := eventlog.New(nodeKey, []byte("order-7"))
	if err := res.Run.AppendTo(w); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.Log()
}

func datasetMap(res *Result) map[string][]byte {
	m := map[string][]byte{}
	for _, d := range res.Datasets {
		m[d.Name] = d.Data
	}
	return m
}

// render is the golden text of a run: one line per event, and the head
// of the signed log.
func render(res *Result, head [32]byte) string {
	var b strings.Builder
	s := res.Run.Start
	fmt.Fprintf(&b, "run.start botspec=%s protocol=%x instructions=%d warps=%d simulated=%v\n", s.BotSpec, s.Protocol[:8], s.Instructions, s.Warps, s.Simulated)
	for _, w := range res.Run.Warps {
		var ps []string
		for _, p := range w.Params {
			v := p.Value
			if len(v) > 80 { // the 96 wells of a read
				v = fmt.Sprintf("<%d items, sha256 %x>", strings.Count(v, ",")+1, sha256.Sum256([]byte(v)))
			}
			ps = append(ps, p.Key+"="+v)
		}
		fmt.Fprintf(&b, "%9d-%9d  i%-2d %-28s %-6s %s", w.Start, w.End, w.Instruction, w.Warp, w.Device, strings.Join(ps, " "))
		if w.Dataset != "" {
			fmt.Fprintf(&b, "  => %s sha256=%x", w.Dataset, w.SHA256)
		}
		b.WriteString("\n")
	}
	if p := res.Run.Pack; p != nil {
		fmt.Fprintf(&b, "%9d ship.pack containers=%s where=%s label=%s\n", p.Time, strings.Join(p.Containers, ","), p.Where, p.Label)
	}
	if h := res.Run.Handover; h != nil {
		fmt.Fprintf(&b, "%9d ship.handover carrier=%s tracking=%s\n", h.Time, h.Carrier, h.Tracking)
	}
	for _, d := range res.Datasets {
		fmt.Fprintf(&b, "dataset %s %d bytes sha256=%x\n", d.Name, len(d.Data), sha256.Sum256(d.Data))
	}
	for _, n := range res.Notes {
		fmt.Fprintf(&b, "note i%d: %s\n", n.Instruction, n.Text)
	}
	fmt.Fprintf(&b, "head %x\n", head)
	return b.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) && i < len(gl); i++ {
		if wl[i] != gl[i] {
			return fmt.Sprintf("line %d:\nwant %s\ngot  %s", i+1, wl[i], gl[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d", len(wl), len(gl))
}

// TestExamplesGolden validates and simulates every example protocol on
// the simulated lab, pins its log and JSON datasets in testdata/, checks
// that the conformance check passes the honest log, and that a second
// simulator gives identical log bytes and datasets and a replay agrees.
func TestExamplesGolden(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			in := input(t, ex.dir, ex.params, nil)
			res := run(t, in)
			logBytes, log := signedLog(t, res)
			golden(t, ex.name+"/log.golden", []byte(render(res, log.Head())))
			for _, d := range res.Datasets {
				if strings.HasSuffix(d.Name, ".json") {
					golden(t, ex.name+"/"+d.Name, d.Data)
				}
			}

			if err := botlog.Check(botlog.CheckInput{
				Log: log, NodeKey: nodeKey.Public().(ed25519.PublicKey), Head: log.Head(),
				Protocol: in.Protocol, ProtocolHash: in.ProtocolHash, BotSpec: in.BotSpec,
				Datasets: datasetMap(res),
			}); err != nil {
				t.Fatalf("the conformance check refuses the simulator's honest log: %v", err)
			}

			again := run(t, input(t, ex.dir, ex.params, nil))
			logAgain, _ := signedLog(t, again)
			if !bytes.Equal(logBytes, logAgain) {
				t.Error("a second simulation writes different log bytes")
			}
			if !slices.EqualFunc(res.Datasets, again.Datasets, func(a, b Dataset) bool { return a.Name == b.Name && bytes.Equal(a.Data, b.Data) }) {
				t.Error("a second simulation writes different datasets")
			}
			decoded, err := botlog.Decode(log)
			if err != nil {
				t.Fatal(err)
			}
			if err := Replay(in, decoded, datasetMap(res)); err != nil {
				t.Errorf("replay of the decoded log: %v", err)
			}
		})
	}
}

// Replay finds the first difference: a changed warp, a changed dataset,
// a missing dataset, a skipped warp, a different seed.
func TestReplayCatches(t *testing.T) {
	in := input(t, "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, nil)
	for _, tc := range []struct {
		name   string
		tamper func(r *botlog.Run, ds map[string][]byte) Input
		want   string
	}{
		{"honest", func(*botlog.Run, map[string][]byte) Input { return in }, ""},
		{"shorter hold", func(r *botlog.Run, _ map[string][]byte) Input {
			for i := range r.Warps {
				if r.Warps[i].Warp == "incubator.hold" {
					r.Warps[i].End -= 60_000
				}
			}
			return in
		}, "instruction 5 (incubator.hold): replay: warp 6: ran 44000–3584000 ms, the simulation 44000–3644000 ms"},
		{"changed gel", func(_ *botlog.Run, ds map[string][]byte) Input {
			ds["gel.json"] = append([]byte(nil), ds["gel.json"][1:]...)
			return in
		}, "replay: dataset gel.json differs"},
		{"missing dataset", func(_ *botlog.Run, ds map[string][]byte) Input {
			delete(ds, "gel.png")
			return in
		}, "replay: dataset gel.png is not delivered"},
		{"skipped warp", func(r *botlog.Run, _ map[string][]byte) Input {
			faulty := in
			faulty.Fault = FaultSkipStep
			*r = *run(t, faulty).Run
			return in
		}, "replay: warp "},
		{"other seed", func(*botlog.Run, map[string][]byte) Input {
			other := in
			other.Seed[0] ^= 1
			return other
		}, "replay: run.start differs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := run(t, in) // a fresh copy to tamper with
			ds := datasetMap(h)
			replayIn := tc.tamper(h.Run, ds)
			err := Replay(replayIn, h.Run, ds)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("honest run: %v", err)
				}
				return
			}
			var v *botlog.Violation
			if !errors.As(err, &v) || v.Rule != botlog.RuleReplay || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Replay = %v, want a replay violation containing %q", err, tc.want)
			}
		})
	}
}

// lambdaSeq is the λ genome as the stock holds it.
func lambdaSeq(t testing.TB) []byte { return SimlabStock()[0].Sequence }

// speciesBP returns the sizes of the species of a gel lane, sorted.
func speciesBP(l GelLane) []int {
	var out []int
	for _, s := range l.Species {
		out = append(out, s.BP)
	}
	slices.Sort(out)
	return out
}

// TestDigestGelMatchesRestriction checks the biology against facts: the
// species on the gel of λ cut with EcoRI, BamHI or HindIII equal the
// fragments bio/restriction computes from examples/data/lambda.fa — for
// EcoRI and BamHI also the published sizes of the λ digests sold as size
// markers — and each band's estimated size lies within 3 % of its species.
func TestDigestGelMatchesRestriction(t *testing.T) {
	published := map[string][]int{
		"EcoRI": {3530, 4878, 5643, 5804, 7421, 21226},
		"BamHI": {5505, 5626, 6527, 6770, 7233, 16841},
	}
	seq := lambdaSeq(t)
	for _, enzyme := range []string{"EcoRI", "BamHI", "HindIII"} {
		t.Run(enzyme, func(t *testing.T) {
			res := run(t, input(t, "lambda-digest-gel", map[string]string{"ENZYME": enzyme}, nil))
			if len(res.Gels) != 1 || len(res.Gels[0].Lanes) != 2 {
				t.Fatalf("gels %+v, want one gel of ladder + one lane", res.Gels)
			}
			lane := res.Gels[0].Lanes[1]
			e, _ := restriction.Lookup(enzyme)
			var want []int
			for _, f := range restriction.Fragments(restriction.FindCuts(seq, []restriction.Enzyme{e}, restriction.Linear), len(seq), restriction.Linear) {
				want = append(want, f.Length)
			}
			slices.Sort(want)
			if got := speciesBP(lane); !slices.Equal(got, want) {
				t.Errorf("species %v, bio/restriction gives %v", got, want)
			}
			if p, ok := published[enzyme]; ok && !slices.Equal(want, p) {
				t.Errorf("fragments %v, published %v", want, p)
			}
			for _, b := range lane.Bands {
				ok := false
				for _, s := range lane.Species {
					if d := b.SizeBP - int64(s.BP); d*100 <= 3*int64(s.BP) && -d*100 <= 3*int64(s.BP) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("band at %d µm estimated %d bp: no species within 3 %%", b.PositionUM, b.SizeBP)
				}
			}
		})
	}
}

// TestPCRAmpliconIsPrimerDistance: the product on the gel is as long as
// the distance between the primer sites in the genome, found here
// independently of the model.
func TestPCRAmpliconIsPrimerDistance(t *testing.T) {
	seq := string(lambdaSeq(t))
	f := strings.Index(seq, forward)
	r := strings.Index(seq, restriction.ReverseComplement(reverse))
	if f < 0 || r < 0 || strings.Count(seq, forward) != 1 {
		t.Fatal("the example primers do not match λ once")
	}
	want := r + len(reverse) - f
	res := run(t, input(t, "lambda-pcr", map[string]string{"FORWARD": forward, "REVERSE": reverse}, nil))
	lane := res.Gels[0].Lanes[1]
	if got := speciesBP(lane); !slices.Contains(got, want) || len(got) != 2 {
		t.Fatalf("species %v, want the template and a %d bp product", got, want)
	}
	if want != 1013 {
		t.Errorf("the README says 1,013 bp; the primer sites are %d bp apart", want)
	}
	found := false
	for _, b := range lane.Bands {
		if b.SizeBP*100 >= int64(want)*97 && b.SizeBP*100 <= int64(want)*103 {
			found = true
		}
	}
	if !found {
		t.Errorf("no band near %d bp: %+v", want, lane.Bands)
	}
}

// TestNoProduct: a wrong annealing temperature, a 4 °C digest, a missing
// enzyme, too short a digest and a primer that does not match each leave
// the DNA as it was.
func TestNoProduct(t *testing.T) {
	lambdaOnly := []int{48502}
	pcrParams := map[string]string{"FORWARD": forward, "REVERSE": reverse}
	for _, tc := range []struct {
		name   string
		dir    string
		params map[string]string
		edit   func(string) string
	}{
		{"annealing at 68 °C", "lambda-pcr", pcrParams, func(s string) string {
			return strings.Replace(s, `"55:celsius"`, `"68:celsius"`, 1)
		}},
		{"no denaturation", "lambda-pcr", pcrParams, func(s string) string {
			return strings.ReplaceAll(s, `"95:celsius"`, `"90:celsius"`)
		}},
		{"primer not in λ", "lambda-pcr", map[string]string{"FORWARD": "TCCGTGGTGGCACAGAGTAA", "REVERSE": reverse}, nil},
		{"digest at 4 °C", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(s string) string {
			return strings.Replace(s, `"warm_37"`, `"cold_4"`, 1)
		}},
		{"digest for 10 min", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(s string) string {
			return strings.Replace(s, `"60:minute"`, `"10:minute"`, 1)
		}},
		{"no enzyme", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(s string) string {
			return strings.Replace(s, `{"op": "provision", "resource_id": "{{ENZYME}}", "to": [{"well": "digest/A1", "volume": "1:microliter"}]},`, `{"op": "provision", "resource_id": "water", "to": [{"well": "digest/A1", "volume": "1:microliter"}]},`, 1)
		}},
		{"no buffer", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(s string) string {
			return strings.Replace(s, `"{{ENZYME}}-buffer"`, `"water"`, 1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := run(t, input(t, tc.dir, tc.params, tc.edit))
			if got := speciesBP(res.Gels[0].Lanes[1]); !slices.Equal(got, lambdaOnly) {
				t.Errorf("species %v, want λ alone %v (notes %v)", got, lambdaOnly, res.Notes)
			}
		})
	}
}

// TestGrowthCurve: 17 reads of 96 wells 30 min apart; the inoculated
// wells start near 0.04 above the blank and saturate near the carrying
// capacity; the blanks stay at the blank.
func TestGrowthCurve(t *testing.T) {
	res := run(t, input(t, "growth-curve", nil, nil))
	if len(res.Absorbance) != 1 || len(res.Absorbance[0].Reads) != 17 {
		t.Fatalf("absorbance %d datasets, want one of 17 reads", len(res.Absorbance))
	}
	reads := res.Absorbance[0].Reads
	for i, r := range reads {
		if len(r.Wells) != 96 || len(r.MOD) != 96 {
			t.Fatalf("read %d: %d wells", i, len(r.Wells))
		}
		if i > 0 && r.TimeMS-reads[i-1].TimeMS != 30*60_000 {
			t.Errorf("read %d at %d ms, %d ms after the previous, want 30 min", i, r.TimeMS, r.TimeMS-reads[i-1].TimeMS)
		}
	}
	if span := reads[16].TimeMS - reads[0].TimeMS; span != 8*3_600_000 {
		t.Errorf("reads span %d ms, want 8 h", span)
	}
	k := growthModels[0].CapacityMOD
	for w := 0; w < 96; w++ {
		first, last, prev := reads[0].MOD[w][0], reads[16].MOD[w][0], reads[15].MOD[w][0]
		if w%12 == 11 { // blanks
			if last < BlankMOD-5 || last > BlankMOD+5 {
				t.Errorf("blank well %s: %d mOD at 8 h, want %d ± 5", reads[0].Wells[w], last, BlankMOD)
			}
			continue
		}
		if first < BlankMOD+40-5 || first > BlankMOD+40+5 {
			t.Errorf("well %s: %d mOD at 0 h, want blank + 40", reads[0].Wells[w], first)
		}
		if last < BlankMOD+k*95/100 || last > BlankMOD+k*105/100 {
			t.Errorf("well %s: %d mOD at 8 h, want the plateau %d ± 5 %%", reads[0].Wells[w], last, BlankMOD+k)
		}
		if d := last - prev; d > k/20 || d < -k/20 {
			t.Errorf("well %s: still changing by %d mOD in the last 30 min", reads[0].Wells[w], d)
		}
	}
	var ds Absorbance
	if err := json.Unmarshal(datasetMap(res)["od600.json"], &ds); err != nil || len(ds.Reads) != 17 {
		t.Errorf("od600.json does not decode to 17 reads: %v", err)
	}
}

// The simulated bot refuses what its state forbids, naming the
// instruction.
func TestRunRefuses(t *testing.T) {
	pcr := map[string]string{"FORWARD": forward, "REVERSE": reverse}
	for _, tc := range []struct {
		name   string
		dir    string
		params map[string]string
		mutate func(in *Input)
		want   string
	}{
		{"resource not stocked", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(in *Input) {
			in.BotSpec.Inventory = slices.DeleteFunc(slices.Clone(in.BotSpec.Inventory), func(it protocol.InventoryItem) bool { return it.ResourceID == "water" })
		}, "instruction 0 (provision): resource \"water\" is not in the bot's inventory"},
		{"no λ sequence", "lambda-pcr", pcr, func(in *Input) { in.Stock = nil }, "instruction 4 (provision): DNA resource \"lambda-dna\" has no sequence"},
		{"liquid op on a sealed plate", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(in *Input) {
			in.Protocol.Instructions = slices.Delete(slices.Clone(in.Protocol.Instructions), 7, 8) // drop unseal
		}, "instruction 7 (gel_separate): \"digest\" is sealed"},
		{"overfilled well", "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, func(in *Input) {
			in.Protocol.Instructions[0].Args.(*protocol.Provision).To[0].Volume.Value = 155_000 // 160 µL wells
		}, "instruction 2 (provision): provision of digest/A1 overfills: 162000 nL above the 96-pcr capacity of 160000 nL"},
		{"shaking an open plate", "growth-curve", nil, func(in *Input) {
			in.Protocol.Instructions = slices.Delete(slices.Clone(in.Protocol.Instructions), 2, 3) // drop cover
		}, "instruction 3 (incubate): \"plate\" is open: incubate with shaking needs it covered or sealed"},
		{"too many reads", "growth-curve", nil, func(in *Input) {
			read := in.Protocol.Instructions[3]
			for range MaxReadsPerDataref {
				in.Protocol.Instructions = append(in.Protocol.Instructions, read)
			}
		}, "instruction 307 (spectrophotometry): dataref \"od600\": over the limit of 288 reads in one dataset"},
		{"unknown fault", "growth-curve", nil, func(in *Input) { in.Fault = "melt" }, "unknown fault"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input(t, tc.dir, tc.params, nil)
			tc.mutate(&in)
			_, err := Run(in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, want %q", err, tc.want)
			}
		})
	}
}

// FaultSkipStep drops one warp, the same one for the same seed, and the
// conformance check catches it.
func TestSkipStepFault(t *testing.T) {
	in := input(t, "lambda-digest-gel", map[string]string{"ENZYME": "EcoRI"}, nil)
	in.Fault = FaultSkipStep
	res := run(t, in)
	again := run(t, in)
	if len(res.Run.Warps) != res.Run.Start.Warps-1 || !slices.EqualFunc(res.Run.Warps, again.Run.Warps, func(a, b botlog.Warp) bool { return a.Warp == b.Warp && a.Start == b.Start }) {
		t.Fatalf("%d warps of %d planned, want one fewer, the same each time", len(res.Run.Warps), res.Run.Start.Warps)
	}
	_, log := signedLog(t, res)
	err := botlog.Check(botlog.CheckInput{
		Log: log, NodeKey: nodeKey.Public().(ed25519.PublicKey), Head: log.Head(),
		Protocol: in.Protocol, ProtocolHash: in.ProtocolHash, BotSpec: in.BotSpec, Datasets: datasetMap(res),
	})
	var v *botlog.Violation
	if !errors.As(err, &v) {
		t.Fatalf("Check = %v, want a violation", err)
	}
	t.Logf("caught: %v", err)
}

func TestSeedFor(t *testing.T) {
	var pkg [32]byte
	var spec protocol.BotSpecID
	pkg[0], spec[31] = 1, 2
	got := SeedFor(258, pkg, spec)
	b := append([]byte{0, 0, 0, 0, 0, 0, 1, 2}, pkg[:]...)
	if want := sha256.Sum256(append(b, spec[:]...)); got != want {
		t.Errorf("SeedFor = %s", hex.EncodeToString(got[:]))
	}
}

// BenchmarkSimulateGrowthCurve simulates the growth-curve example (96
// wells, 17 reads) and checks its log (target: ≤ 50 ms in all).
func BenchmarkSimulateGrowthCurve(b *testing.B) {
	in := input(b, "growth-curve", nil, nil)
	for b.Loop() {
		res, err := Run(in)
		if err != nil {
			b.Fatal(err)
		}
		_, log := signedLog(b, res)
		if err := botlog.Check(botlog.CheckInput{
			Log: log, NodeKey: nodeKey.Public().(ed25519.PublicKey), Head: log.Head(),
			Protocol: in.Protocol, ProtocolHash: in.ProtocolHash, BotSpec: in.BotSpec, Datasets: datasetMap(res),
		}); err != nil {
			b.Fatal(err)
		}
	}
}

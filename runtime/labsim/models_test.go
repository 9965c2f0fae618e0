package labsim

import (
	"bytes"
	"testing"

	"github.com/celltonomy/celltonomy/bio/oligo"
	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/examples/data"
	"github.com/celltonomy/celltonomy/protocol"
)

func lambda(t testing.TB) []byte {
	t.Helper()
	rec, err := restriction.ReadFASTA(bytes.NewReader(data.LambdaFASTA), int64(len(data.LambdaFASTA)))
	if err != nil {
		t.Fatal(err)
	}
	return rec.Seq
}

func lambdaWell(t testing.TB, extra ...amount) *well {
	seq := lambda(t)
	w := &well{}
	w.add("lambda-dna", 5_000)
	w.addDNA(Species{BP: len(seq), PG: 2_500_000, Origin: "lambda-dna", seq: seq, stock: "lambda-dna"})
	for _, a := range extra {
		w.add(a.id, a.nl)
	}
	return w
}

// The digest model cuts only with the enzyme, its buffer, at its
// temperature, for long enough, and not after heat inactivation.
func TestDigestConditions(t *testing.T) {
	full := []amount{{"EcoRI", 1_000}, {"EcoRI-buffer", 2_000}}
	for _, tc := range []struct {
		name   string
		extra  []amount
		tempMC int64
		ms     int64
		dead   bool
		cuts   bool
	}{
		{"37 °C 60 min", full, 37_000, 3_600_000, false, true},
		{"37 °C 15 min", full, 37_000, DigestMinMS, false, true},
		{"37 °C 10 min", full, 37_000, 600_000, false, false},
		{"4 °C", full, 4_000, 3_600_000, false, false},
		{"30 °C", full, 30_000, 3_600_000, false, false},
		{"no enzyme", []amount{{"EcoRI-buffer", 2_000}}, 37_000, 3_600_000, false, false},
		{"no buffer", []amount{{"EcoRI", 1_000}}, 37_000, 3_600_000, false, false},
		{"wrong buffer", []amount{{"EcoRI", 1_000}, {"BamHI-buffer", 2_000}}, 37_000, 3_600_000, false, false},
		{"inactivated", full, 37_000, 3_600_000, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := lambdaWell(t, tc.extra...)
			if tc.dead {
				inactivate(w, 65_000, InactivateMinMS)
			}
			got := len(activeEnzymes(w, tc.tempMC, tc.ms)) > 0
			if got != tc.cuts {
				t.Errorf("cuts = %v, want %v", got, tc.cuts)
			}
		})
	}
}

// Heat inactivation follows NEB: EcoRI at 65 °C, HindIII only at 80 °C,
// BamHI never.
func TestInactivate(t *testing.T) {
	w := &well{}
	for _, id := range []string{"BamHI", "EcoRI", "HindIII"} {
		w.add(id, 1_000)
	}
	inactivate(w, 65_000, InactivateMinMS)
	if len(w.dead) != 1 || w.dead[0] != "EcoRI" {
		t.Fatalf("after 65 °C: dead %v, want [EcoRI]", w.dead)
	}
	inactivate(w, 80_000, InactivateMinMS)
	if len(w.dead) != 2 || w.dead[1] != "HindIII" {
		t.Fatalf("after 80 °C: dead %v, want [EcoRI HindIII]", w.dead)
	}
}

// Growth saturates at the carrying capacity and starts at the inoculum.
func TestGrowthSaturates(t *testing.T) {
	m := growthModels[0]
	w := &well{}
	w.add("lb-broth", 198_000)
	w.add("e-coli", 2_000)
	if got := cultureMOD(w); got != 40 {
		t.Fatalf("OD600 at inoculation %d mOD, want 40 (1:100 of %d)", got, m.InoculumMOD)
	}
	grow(w, 37_000, m.LagMS)
	if got := cultureMOD(w); got != 40 {
		t.Fatalf("OD600 after the lag %d mOD, want 40", got)
	}
	grow(w, 37_000, m.DoublingMS)
	if got := cultureMOD(w); got < 78 || got > 80 {
		t.Fatalf("OD600 after one doubling %d mOD, want about 80 (logistic, K = %d)", got, m.CapacityMOD)
	}
	var prev int64
	for h := 0; h < 12; h++ {
		grow(w, 37_000, 3_600_000)
		got := cultureMOD(w)
		if got < prev || got > m.CapacityMOD {
			t.Fatalf("hour %d: OD600 %d mOD after %d: not monotone up to K", h, got, prev)
		}
		prev = got
	}
	if prev < m.CapacityMOD-5 {
		t.Errorf("OD600 after 14 h %d mOD, want the plateau %d", prev, m.CapacityMOD)
	}
	cold := &well{}
	cold.add("lb-broth", 198_000)
	cold.add("e-coli", 2_000)
	grow(cold, 4_000, 10*3_600_000)
	if got := cultureMOD(cold); got != 40 {
		t.Errorf("OD600 after 10 h at 4 °C %d mOD, want 40", got)
	}
}

// The mobility model is log-linear: equal size ratios, equal distances.
func TestGelMobility(t *testing.T) {
	d1 := positionUM(1_000, GelReferenceMS) - positionUM(2_000, GelReferenceMS)
	d2 := positionUM(4_000, GelReferenceMS) - positionUM(8_000, GelReferenceMS)
	if d1 <= 0 || d1-d2 > 1 || d2-d1 > 1 {
		t.Errorf("distance per doubling %d µm vs %d µm", d1, d2)
	}
	if got := positionUM(GelMinBP, GelReferenceMS); got != GelReferenceUM {
		t.Errorf("GelMinBP at %d µm, want %d", got, GelReferenceUM)
	}
	if got := positionUM(GelMaxBP*2, GelReferenceMS); got != 0 {
		t.Errorf("above GelMaxBP at %d µm, want 0", got)
	}
	// two species closer than the resolution merge; farther apart they do not
	ss := []Species{{BP: 5804, PG: 100_000}, {BP: 5643, PG: 100_000}, {BP: 3530, PG: 100_000}}
	bs := bands(ss, GelReferenceMS)
	if len(bs) != 2 || bs[0].Species != 2 || bs[0].PG != 200_000 {
		t.Errorf("bands %+v, want the 5804/5643 doublet merged and 3530 apart", bs)
	}
}

// A ladder's own bands are estimated at their sizes.
func TestGelEstimate(t *testing.T) {
	g := &Gel{RunMS: GelReferenceMS}
	runGel(g, ladders[0], [][]Species{{{BP: 2_322, PG: 50_000}, {BP: 48_502, PG: 50_000}}}, []string{"x/0"})
	for i, b := range g.Lanes[0].Bands {
		if want := int64(ladders[0].BP[i]); b.SizeBP < want-want/100 || b.SizeBP > want+want/100 {
			t.Errorf("ladder band %d: %d bp, want %d", i, b.SizeBP, want)
		}
	}
	for i, want := range []int64{48_502, 2_322} {
		got := g.Lanes[1].Bands[i].SizeBP
		if got < want-want/50 || got > want+want/50 {
			t.Errorf("band %d estimated %d bp, want %d ± 2 %%", i, got, want)
		}
	}
	if img := g.PNG(); !bytes.HasPrefix(img, []byte("\x89PNG")) || !bytes.Equal(img, g.PNG()) {
		t.Error("PNG is not a deterministic PNG")
	}
}

// The PCR model on λ: the product spans the primer sites; a too-warm
// annealing step, too short an extension or no polymerase give none.
func TestPCRModel(t *testing.T) {
	seq := lambda(t)
	fwd := append([]byte(nil), seq[1000:1020]...)
	rev := []byte(restriction.ReverseComplement(string(seq[1980:2000])))
	program := func(annealMC, extendMS int64) *protocol.Thermocycle {
		q := func(v int64) protocol.Quantity { return protocol.Quantity{Value: v} }
		return &protocol.Thermocycle{Volume: q(25_000), Groups: []protocol.ThermocycleGroup{
			{Cycles: 1, Steps: []protocol.ThermocycleStep{{Temperature: q(95_000), Duration: q(120_000)}}},
			{Cycles: 30, Steps: []protocol.ThermocycleStep{
				{Temperature: q(95_000), Duration: q(30_000)},
				{Temperature: q(annealMC), Duration: q(30_000)},
				{Temperature: q(72_000), Duration: q(extendMS)},
			}},
		}}
	}
	mk := func(pol bool) *well {
		w := &well{}
		w.add("lambda-dna", 100)
		w.addDNA(Species{BP: len(seq), PG: 1_000, Origin: "lambda-dna", seq: seq, stock: "lambda-dna"})
		if pol {
			w.add("pcr-master-mix", 12_500)
		}
		w.addOligo(fwd)
		w.addOligo(rev)
		return w
	}
	tm := min(oligo.TmMC(fwd), oligo.TmMC(rev))
	got, why := pcr(mk(true), program(tm-5_000, 60_000))
	if len(got) != 1 || got[0].BP != 1000 || got[0].Origin != "lambda-dna 1001-2000" {
		t.Fatalf("products %+v (%s), want one of 1000 bp, λ 1001-2000", got, why)
	}
	if !bytes.Equal(got[0].seq, seq[1000:2000]) {
		t.Error("product sequence is not λ 1001-2000")
	}
	if got[0].PG != PlateauPGPerNL*25_000 {
		t.Errorf("yield %d pg after 30 cycles, want the plateau %d", got[0].PG, PlateauPGPerNL*25_000)
	}
	for _, tc := range []struct {
		name string
		w    *well
		p    *protocol.Thermocycle
	}{
		{"annealing 6 °C above Tm", mk(true), program(tm+6_000, 60_000)},
		{"extension too short", mk(true), program(tm-5_000, 30_000)},
		{"no polymerase", mk(false), program(tm-5_000, 60_000)},
	} {
		if got, why := pcr(tc.w, tc.p); len(got) != 0 || why == "" {
			t.Errorf("%s: products %+v, reason %q; want none with a reason", tc.name, got, why)
		}
	}
}

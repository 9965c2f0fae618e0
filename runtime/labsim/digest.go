package labsim

import (
	"fmt"
	"slices"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// EnzymeConditions are the reaction conditions of a restriction enzyme in
// the simulated lab: the digest model cuts only when they are met.
type EnzymeConditions struct {
	// Name is the enzyme's REBASE name, as bio/restriction has it, and its
	// resource id in the lab's inventory.
	Name string
	// Buffer is the resource id of the reaction buffer it needs.
	Buffer string
	// TempMC is its incubation temperature, m°C.
	TempMC int64
	// InactivateMC is the temperature, m°C, at which a 20-minute hold
	// inactivates it; 0 when heat does not inactivate it.
	InactivateMC int64
}

// enzymeConditions is the table of enzymes the digest model knows, sorted
// by name. Source: the New England Biolabs product pages of BamHI (R0136),
// EcoRI (R0101) and HindIII (R0104): incubation at 37 °C in the enzyme's
// buffer; heat inactivation 65 °C for 20 min (EcoRI), 80 °C for 20 min
// (HindIII), none (BamHI). Buffers are named as the simulated lab stocks
// them (examples/botspecs/simlab.json).
var enzymeConditions = []EnzymeConditions{
	{Name: "BamHI", Buffer: "BamHI-buffer", TempMC: 37_000},
	{Name: "EcoRI", Buffer: "EcoRI-buffer", TempMC: 37_000, InactivateMC: 65_000},
	{Name: "HindIII", Buffer: "HindIII-buffer", TempMC: 37_000, InactivateMC: 80_000},
}

// Enzymes returns the conditions of the enzymes the digest model knows,
// sorted by name.
func Enzymes() []EnzymeConditions { return slices.Clone(enzymeConditions) }

// Digest model constants.
const (
	// DigestMinMS is the shortest incubation, ms, that cuts completely:
	// NEB's Time-Saver qualified enzymes (EcoRI-HF, BamHI-HF, HindIII-HF)
	// digest 1 µg of DNA in 5–15 min; we ask for 15.
	DigestMinMS = 15 * 60_000
	// DigestToleranceMC is how far, m°C, the incubation may be from the
	// enzyme's temperature and still cut.
	DigestToleranceMC = 2_000
	// InactivateMinMS is the hold, ms, that inactivates an enzyme at its
	// InactivateMC (NEB: 20 min).
	InactivateMinMS = 20 * 60_000
)

func lookupEnzyme(name string) (EnzymeConditions, bool) {
	for _, e := range enzymeConditions {
		if e.Name == name {
			return e, true
		}
	}
	return EnzymeConditions{}, false
}

// activeEnzymes returns the enzymes of the well that cut during an
// incubation at tempMC for ms: each is known to the model, not inactivated,
// with its buffer in the well, at its temperature ± DigestToleranceMC for
// at least DigestMinMS. They are in the order of enzymeConditions.
func activeEnzymes(w *well, tempMC, ms int64) []restriction.Enzyme {
	var out []restriction.Enzyme
	for _, c := range enzymeConditions {
		if w.has(c.Name) == 0 || w.has(c.Buffer) == 0 || slices.Contains(w.dead, c.Name) {
			continue
		}
		if d := tempMC - c.TempMC; d < -DigestToleranceMC || d > DigestToleranceMC || ms < DigestMinMS {
			continue
		}
		if e, ok := restriction.Lookup(c.Name); ok {
			out = append(out, e)
		}
	}
	return out
}

// inactivate marks the enzymes of the well that a hold at tempMC for ms
// inactivates.
func inactivate(w *well, tempMC, ms int64) {
	for _, c := range enzymeConditions {
		if c.InactivateMC > 0 && tempMC >= c.InactivateMC && ms >= InactivateMinMS &&
			w.has(c.Name) > 0 && !slices.Contains(w.dead, c.Name) {
			w.dead = append(w.dead, c.Name)
		}
	}
}

// enzymeKey names a set of enzymes: their names joined by "+".
func enzymeKey(enzymes []restriction.Enzyme) string {
	var b []byte
	for i, e := range enzymes {
		if i > 0 {
			b = append(b, '+')
		}
		b = append(b, e.Name...)
	}
	return string(b)
}

// digestScanBytes is the bytes of sequence a digest of the well scans.
func digestScanBytes(w *well) int64 {
	var n int64
	for _, s := range w.dna {
		n += int64(len(s.seq))
	}
	return n
}

// digest is the restriction digest model (fabrication.md, "Restriction
// digest"): every species of known sequence is cut completely at every
// site of enzymes, by the rules of bio/restriction (linear molecules), and
// replaced by its fragments, each with the share of the mass its length
// gives. Ladder bands (no sequence) are left alone.
func digest(ss []Species, enzymes []restriction.Enzyme) []Species {
	if len(enzymes) == 0 {
		return ss
	}
	var out []Species
	for _, s := range ss {
		if s.seq == nil {
			out = append(out, s)
			continue
		}
		cuts := restriction.FindCuts(s.seq, enzymes, restriction.Linear)
		if len(cuts) == 0 {
			out = append(out, s)
			continue
		}
		for _, f := range restriction.Fragments(cuts, len(s.seq), restriction.Linear) {
			out = append(out, Species{
				BP:     f.Length,
				PG:     mulDiv(s.PG, int64(f.Length), int64(s.BP)),
				Origin: fmt.Sprintf("%s %d-%d", s.stock, s.from+f.Start, s.from+f.End),
				seq:    s.seq[f.Start-1 : f.End],
				from:   s.from + f.Start - 1,
				stock:  s.stock,
			})
		}
	}
	sortSpecies(out)
	return out
}

package labsim

import (
	"slices"
	"strings"
)

// Species is one kind of DNA molecule in a well: double-stranded and
// linear, with its length and mass. Molecules of one species have the
// same sequence.
type Species struct {
	// BP is the length in bp.
	BP int `json:"bp"`
	// PG is the mass in pg.
	PG int64 `json:"mass_pg"`
	// Origin says how the species arose: "lambda-dna" (a stock),
	// "lambda-dna 1-21226" (a fragment, 1-based inclusive coordinates of
	// the stock's sequence), "ladder-1kb 10000" (a ladder band).
	Origin string `json:"origin"`
	// seq is the top strand (uppercase IUPAC); nil for ladder bands. It
	// is shared between species and never written.
	seq []byte
	// from is the offset of seq in the stock the species came from.
	from int
	// stock is the resource id of that stock.
	stock string
}

// amount is a volume of one inventory resource in a well.
type amount struct {
	id string
	nl int64
}

// well is the simulated content of one well: its volume, the resources
// put in (by id, sorted), the DNA species, the oligos synthesized into it
// and the state of a culture.
type well struct {
	nl      int64
	res     []amount
	dna     []Species
	oligos  [][]byte
	dead    []string // enzymes inactivated by heat
	culture culture
	// digested is the enzymeKey of the last complete digest of the
	// well's DNA, "" when DNA came in since: a complete digest with the
	// same enzymes again changes nothing and is not repeated.
	digested string
}

// add puts nl of resource id into the well.
func (w *well) add(id string, nl int64) {
	w.nl += nl
	i, ok := slices.BinarySearchFunc(w.res, id, func(a amount, id string) int { return strings.Compare(a.id, id) })
	if ok {
		w.res[i].nl += nl
		return
	}
	w.res = slices.Insert(w.res, i, amount{id, nl})
}

// has returns the volume of resource id in the well.
func (w *well) has(id string) int64 {
	i, ok := slices.BinarySearchFunc(w.res, id, func(a amount, id string) int { return strings.Compare(a.id, id) })
	if !ok {
		return 0
	}
	return w.res[i].nl
}

// take removes nl from the well and returns it as a new well holding the
// same share of every resource, species and mass; oligos and the culture
// state go along. nl must not exceed the well's volume.
func (w *well) take(nl int64) *well {
	out := &well{nl: nl, culture: w.culture}
	if w.nl == 0 || nl == 0 {
		return out
	}
	for i := range w.res {
		part := mulDiv(w.res[i].nl, nl, w.nl)
		w.res[i].nl -= part
		if part > 0 {
			out.res = append(out.res, amount{w.res[i].id, part})
		}
	}
	for i := range w.dna {
		s := w.dna[i]
		part := mulDiv(s.PG, nl, w.nl)
		w.dna[i].PG -= part
		s.PG = part
		out.dna = append(out.dna, s)
	}
	out.oligos = slices.Clone(w.oligos)
	out.dead = slices.Clone(w.dead)
	w.nl -= nl
	return out
}

// mix pours src into the well.
func (w *well) mix(src *well) {
	for _, a := range src.res {
		w.add(a.id, a.nl)
	}
	w.nl += src.nl - sumNL(src.res)
	w.addDNA(src.dna...)
	for _, o := range src.oligos {
		w.addOligo(o)
	}
	for _, d := range src.dead {
		if !slices.Contains(w.dead, d) {
			w.dead = append(w.dead, d)
		}
	}
	if w.culture.zero() {
		w.culture = src.culture
	}
}

func sumNL(as []amount) int64 {
	var n int64
	for _, a := range as {
		n += a.nl
	}
	return n
}

// addDNA adds species, merging those of the same sequence (same stock and
// coordinates), and keeps them sorted by length, longest first, then by
// origin.
func (w *well) addDNA(ss ...Species) {
	if len(ss) > 0 {
		w.digested = ""
	}
	for _, s := range ss {
		i := slices.IndexFunc(w.dna, func(d Species) bool {
			return d.Origin == s.Origin && d.BP == s.BP
		})
		if i >= 0 {
			w.dna[i].PG += s.PG
			continue
		}
		w.dna = append(w.dna, s)
	}
	sortSpecies(w.dna)
}

func sortSpecies(ss []Species) {
	slices.SortStableFunc(ss, func(a, b Species) int {
		if a.BP != b.BP {
			return b.BP - a.BP
		}
		return strings.Compare(a.Origin, b.Origin)
	})
}

func (w *well) addOligo(seq []byte) {
	for _, o := range w.oligos {
		if string(o) == string(seq) {
			return
		}
	}
	w.oligos = append(w.oligos, seq)
}

package labsim

import (
	"bytes"
	"fmt"

	"github.com/celltonomy/celltonomy/bio/oligo"
	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/protocol"
)

// PCR model constants (fabrication.md, "PCR").
const (
	// DenatureMinMC is the lowest denaturation temperature, m°C.
	DenatureMinMC = 94_000
	// AnnealAboveTmMC is how far, m°C, the annealing step may lie above
	// the lower primer Tm.
	AnnealAboveTmMC = 5_000
	// ExtendMinMC and ExtendMaxMC bound the extension step, m°C: the
	// working range of Taq-like polymerases.
	ExtendMinMC = 68_000
	ExtendMaxMC = 72_000
	// ExtendMSPerBP is the extension time needed per bp of amplicon, ms:
	// 1 kb/min, the rule of thumb for Taq.
	ExtendMSPerBP = 60
	// PlateauPGPerNL is the product mass at which amplification stops,
	// pg per nL of reaction (40 ng/µL, about 2 µg in a 50 µL reaction).
	PlateauPGPerNL = 40
	// copiesPerPGPerBP is the copies of a 1 bp double strand in 1 pg,
	// at 650 g/mol per bp: 6.022e23 / 650 / 1e12 ≈ 9.26e8.
	copiesPerPGPerBP = 926_000_000
	// MinPrimerNT is the shortest oligo that primes: shorter ones are
	// ignored (they would bind all over a genome).
	MinPrimerNT = 12
	// MaxPrimers is how many primers of a well the model considers: the
	// first synthesized into it. With MaxSitesPerPrimer and maxProducts it
	// bounds the work of one reaction, which an order's protocol controls.
	MaxPrimers = 16
	// MaxSitesPerPrimer is how many sites of a primer on one template the
	// model considers, from the start of the template.
	MaxSitesPerPrimer = 16
	// MaxTemplates is how many DNA species of a well the model uses as
	// templates: the longest.
	MaxTemplates = 16
	// maxProducts bounds the products of one reaction.
	maxProducts = 64
)

// Polymerases are the resource ids whose presence in a well makes a
// thermocycle a PCR: the simulated lab's 2× master mix.
var polymerases = []string{"pcr-master-mix"}

// program is what the PCR model reads from a thermocycle: its cycling
// group (the group with the most cycles, the first of them on a tie).
type program struct {
	cycles       int
	maxMC, minMC int64 // hottest and coldest step
	extendMS     int64 // longest step within [ExtendMinMC, ExtendMaxMC]; 0 when none
}

func readProgram(t *protocol.Thermocycle) program {
	var p program
	best := -1
	for i, g := range t.Groups {
		if best < 0 || g.Cycles > t.Groups[best].Cycles {
			best = i
		}
	}
	g := t.Groups[best]
	p.cycles = g.Cycles
	for i, s := range g.Steps {
		mc, ms := s.Temperature.Value, s.Duration.Value
		if i == 0 || mc > p.maxMC {
			p.maxMC = mc
		}
		if i == 0 || mc < p.minMC {
			p.minMC = mc
		}
		if mc >= ExtendMinMC && mc <= ExtendMaxMC && ms > p.extendMS {
			p.extendMS = ms
		}
	}
	return p
}

// pcr is the PCR model (fabrication.md, "PCR"). For a well holding a
// polymerase, template DNA and primers, each ordered pair of primers
// (forward, reverse; one primer may be both) gives a product for each
// forward site — an exact match on the top strand of a template — and
// reverse site — an exact match of the reverse primer on the bottom
// strand, that is of its reverse complement on the top strand — at or
// after it, when the cycling group of the program denatures (a step
// ≥ DenatureMinMC), anneals (its coldest step ≤ the lower Tm of the pair
// + AnnealAboveTmMC) and extends (a step of ExtendMinMC–ExtendMaxMC
// lasting ExtendMSPerBP per bp of the product). The product's copies
// double each cycle from the template's copies until its mass reaches
// PlateauPGPerNL × the reaction volume. Primers shorter than MinPrimerNT
// are ignored, and the work is bounded (MaxPrimers, MaxSitesPerPrimer). It
// returns the products, longest first, or none with the reason.
func pcr(w *well, t *protocol.Thermocycle) ([]Species, string) {
	hasPol := false
	for _, id := range polymerases {
		hasPol = hasPol || w.has(id) > 0
	}
	var primers [][]byte
	for _, o := range w.oligos {
		if len(o) >= MinPrimerNT && len(primers) < MaxPrimers {
			primers = append(primers, o)
		}
	}
	switch {
	case !hasPol:
		return nil, "no polymerase"
	case len(primers) == 0:
		return nil, fmt.Sprintf("no primers of %d nt or more", MinPrimerNT)
	}
	prog := readProgram(t)
	if prog.maxMC < DenatureMinMC {
		return nil, fmt.Sprintf("no denaturation: hottest cycling step %d m°C, need ≥ %d", prog.maxMC, DenatureMinMC)
	}
	plateau := PlateauPGPerNL * t.Volume.Value
	var out []Species
	reason := "no template"
	for _, tpl := range templates(w) {
		reason = "no primer sites"
		copies := mulDiv(tpl.PG, copiesPerPGPerBP, int64(tpl.BP))
		// each primer's sites on the top strand (as a forward primer) and
		// on the bottom strand (its reverse complement on the top strand)
		fwd := make([][]int, len(primers))
		rev := make([][]int, len(primers))
		for k, p := range primers {
			fwd[k] = sites(tpl.seq, p)
			rev[k] = sites(tpl.seq, []byte(restriction.ReverseComplement(string(p))))
		}
		for fi, f := range primers {
			for ri, r := range primers {
				tm := min(oligo.TmMC(f), oligo.TmMC(r))
				if prog.minMC > tm+AnnealAboveTmMC {
					reason = fmt.Sprintf("annealing at %d m°C, above the primers' Tm %d m°C + %d", prog.minMC, tm, AnnealAboveTmMC)
					continue
				}
				for _, i := range fwd[fi] {
					for _, j := range rev[ri] {
						end := j + len(r)
						bp := end - i
						if j < i || bp < len(f) {
							continue
						}
						if prog.extendMS < int64(bp)*ExtendMSPerBP {
							reason = fmt.Sprintf("extension of %d ms at 68–72 °C, %d bp need %d ms", prog.extendMS, bp, int64(bp)*ExtendMSPerBP)
							continue
						}
						if len(out) == maxProducts {
							continue
						}
						out = append(out, Species{
							BP:     bp,
							PG:     amplify(copies, bp, prog.cycles, plateau),
							Origin: fmt.Sprintf("%s %d-%d", tpl.stock, tpl.from+i+1, tpl.from+end),
							seq:    tpl.seq[i:end],
							from:   tpl.from + i,
							stock:  tpl.stock,
						})
					}
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, reason
	}
	sortSpecies(out)
	return out, ""
}

// amplify returns the product mass in pg after cycles doublings of copies
// molecules of bp, capped at plateau pg.
func amplify(copies int64, bp, cycles int, plateau int64) int64 {
	capCopies := mulDiv(plateau, copiesPerPGPerBP, int64(bp))
	for c := 0; c < cycles && copies < capCopies; c++ {
		copies *= 2
	}
	copies = min(copies, capCopies)
	return mulDiv(copies, int64(bp), copiesPerPGPerBP)
}

// templates returns the species of the well the PCR model uses as
// templates: those of known sequence, at most MaxTemplates, longest first.
func templates(w *well) []Species {
	var out []Species
	for _, s := range w.dna {
		if s.seq != nil && len(out) < MaxTemplates {
			out = append(out, s)
		}
	}
	return out
}

// pcrScanBytes is the most bytes of sequence the PCR model scans in the
// well: each template once per primer and strand.
func pcrScanBytes(w *well) int64 {
	n := int64(min(len(w.oligos), MaxPrimers)) * 2
	var total int64
	for _, s := range templates(w) {
		total += int64(len(s.seq)) * n
	}
	return total
}

// sites returns the first MaxSitesPerPrimer 0-based offsets where pat
// occurs exactly in seq.
func sites(seq, pat []byte) []int {
	var out []int
	for off := 0; len(pat) > 0 && len(out) < MaxSitesPerPrimer; {
		i := bytes.Index(seq[off:], pat)
		if i < 0 {
			break
		}
		out = append(out, off+i)
		off += i + 1
	}
	return out
}

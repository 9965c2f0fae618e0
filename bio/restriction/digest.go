package restriction

import (
	"fmt"
	"math/bits"
	"slices"
)

// A Topology is the shape of the molecule: Linear (the zero value) or
// Circular.
type Topology int

// The topologies.
const (
	Linear   Topology = iota // a molecule with two ends, e.g. a genome or a PCR product
	Circular                 // a closed molecule, e.g. a plasmid
)

// String returns "linear" or "circular".
func (t Topology) String() string {
	if t == Circular {
		return "circular"
	}
	return "linear"
}

// A Cut is a double-strand break, reported where the top strand is cut.
// Position is in bp: the number of top-strand bases before the break, so the
// break falls between base Position and base Position+1 (1-based), and it is
// always in 1..L-1 for a linear molecule of L bp and in 0..L-1 for a
// circular one, where 0 is the origin.
type Cut struct {
	Position int   // bp of top strand before the break
	Enzymes  []int // indexes into the enzyme list given to FindCuts, ascending
}

// A Fragment is a piece of the digested molecule in 1-based inclusive
// top-strand coordinates. On a circle the fragment across the origin has
// Start > End.
type Fragment struct {
	Start  int // first base, 1-based
	End    int // last base, 1-based; below Start across the origin
	Length int // bp
}

// FindCuts returns the cuts that enzymes make in seq, sorted by position.
// Several enzymes cutting at one position make one cut listing them all.
//
// Both strands are searched: a palindromic site once, any other site also as
// its reverse complement. A forward match at top-strand offset p (0-based)
// cuts the top strand at p + top; a reverse-complement match at p cuts it at
// p + n - bottom, n being the site length, since the enzyme's bottom-strand
// cut is then on our top strand. On a linear molecule a cut is kept only when
// it falls strictly inside the sequence. On a circle, sites across the
// origin are found too and positions wrap modulo the length.
//
// Matching follows CodeMatches: an ambiguous code in seq matches a site only
// if every base it may stand for does.
func FindCuts(seq []byte, enzs []Enzyme, topo Topology) []Cut {
	if len(seq) == 0 {
		return nil
	}
	var pats []pattern
	for i, e := range enzs {
		pats = append(pats, pattern{enzyme: i, site: e.Site, offset: e.Top})
		if !e.Palindromic() {
			pats = append(pats, pattern{enzyme: i, site: ReverseComplement(e.Site), offset: len(e.Site) - e.Bottom})
		}
	}
	n := len(seq)
	var hits []hit
	for _, m := range newMatchers(pats) {
		m.scan(seq, topo, func(p pattern, start int) {
			c := start + p.offset
			if topo == Circular {
				c = ((c % n) + n) % n
			} else if c <= 0 || c >= n {
				return
			}
			hits = append(hits, hit{c, p.enzyme})
		})
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.position != b.position {
			return a.position - b.position
		}
		return a.enzyme - b.enzyme
	})
	var cuts []Cut
	for _, h := range hits {
		if k := len(cuts) - 1; k >= 0 && cuts[k].Position == h.position {
			if es := cuts[k].Enzymes; es[len(es)-1] != h.enzyme {
				cuts[k].Enzymes = append(es, h.enzyme)
			}
			continue
		}
		cuts = append(cuts, Cut{Position: h.position, Enzymes: []int{h.enzyme}})
	}
	return cuts
}

// A hit is one enzyme cutting at one top-strand position.
type hit struct {
	position, enzyme int
}

// Fragments returns the pieces that cuts, sorted by position, leave of a
// molecule of length bp. A cut at c ends a fragment at base c and starts the
// next at base c+1. Linear: k cuts give k+1 fragments, from 1 to length.
// Circular: k ≥ 1 cuts give k fragments, the one across the origin last;
// no cut gives one fragment, 1 to length, the whole circle. The result is
// sorted by start.
func Fragments(cuts []Cut, length int, topo Topology) []Fragment {
	if len(cuts) == 0 {
		return []Fragment{{1, length, length}}
	}
	var out []Fragment
	if topo == Linear {
		start := 1
		for _, c := range cuts {
			out = append(out, Fragment{start, c.Position, c.Position - start + 1})
			start = c.Position + 1
		}
		return append(out, Fragment{start, length, length - start + 1})
	}
	// Each cut starts a fragment that ends at the next cut; the last one
	// crosses the origin unless a cut lies at the origin.
	for i, c := range cuts {
		start, end := c.Position+1, cuts[(i+1)%len(cuts)].Position
		if end == 0 {
			end = length // the next cut is at the origin, after the last base
		}
		size := end - start + 1
		if end < start {
			size = length - start + 1 + end
		}
		out = append(out, Fragment{start, end, size})
	}
	return out
}

// A pattern is one strand's reading of an enzyme's site.
type pattern struct {
	enzyme int    // index into the digest's enzyme list
	site   string // canonical IUPAC codes, 5'→3' on the strand searched
	offset int    // top-strand cut, bp from the match's first base
}

// A matcher finds several patterns at once with the Shift-And algorithm
// (Baeza-Yates and Gonnet, "A new approach to text searching", CACM 35(10),
// 1992): the patterns are laid end to end in one 64-bit word, bit j of the
// state being set while the text read so far ends with the pattern prefix
// that ends at word position j. One step per sequence byte, whatever the
// patterns' ambiguity codes.
type matcher struct {
	masks  [256]uint64 // bit j set when a sequence code certainly matches word position j
	starts uint64      // first position of every pattern
	ends   uint64      // last position of every pattern
	pats   []pattern
	endOf  [64]int // pattern index whose last position is bit j
	maxLen int     // longest pattern, bp
}

// newMatchers packs patterns, in order, into as few matchers as fit: each
// holds up to 64 bp of patterns. A pattern longer than 64 bp panics: the
// enzyme table holds none.
func newMatchers(pats []pattern) []*matcher {
	var out []*matcher
	var m *matcher
	used := 0
	for _, p := range pats {
		n := len(p.site)
		if n == 0 || n > 64 {
			panic(fmt.Sprintf("site %q: length must be 1..64 bp", p.site))
		}
		if m == nil || used+n > 64 {
			m = &matcher{}
			out = append(out, m)
			used = 0
		}
		for j := range n {
			bit := uint64(1) << (used + j)
			for _, g := range []byte(CanonicalCodes) {
				if CodeMatches(g, p.site[j]) {
					m.masks[g] |= bit
				}
			}
		}
		m.starts |= 1 << used
		m.ends |= 1 << (used + n - 1)
		m.endOf[used+n-1] = len(m.pats)
		m.pats = append(m.pats, p)
		m.maxLen = max(m.maxLen, n)
		used += n
	}
	return out
}

// scan calls found with each match of m's patterns in seq and its 0-based
// start on the top strand, in order of the match's end. On a circle the
// search goes on past the end into the sequence's beginning, so a match may
// cross the origin; every match start is still below len(seq).
func (m *matcher) scan(seq []byte, topo Topology, found func(p pattern, start int)) {
	var state uint64
	for i, c := range seq {
		state = (state<<1 | m.starts) & m.masks[c]
		if state&m.ends != 0 {
			m.report(state&m.ends, i, len(seq), found)
		}
	}
	if topo == Circular {
		for i := len(seq); i < len(seq)+m.maxLen-1; i++ {
			state = (state<<1 | m.starts) & m.masks[seq[i%len(seq)]]
			if state&m.ends != 0 {
				m.report(state&m.ends, i, len(seq), found)
			}
		}
	}
}

// report calls found for each pattern whose last position is set in ends,
// the match ending at text index i, unless the match starts at or past n:
// on a circle that match was already found at start-n.
func (m *matcher) report(ends uint64, i, n int, found func(p pattern, start int)) {
	for ends != 0 {
		j := bits.TrailingZeros64(ends)
		ends &= ends - 1
		p := m.pats[m.endOf[j]]
		if start := i - len(p.site) + 1; start < n {
			found(p, start)
		}
	}
}

package restriction

import (
	"slices"
	"strings"
)

// The reference digest: every position of both strands compared base by
// base with every site, with the IUPAC rules written out again here rather
// than taken from iupac.go. It is slow and plain on purpose; the tests check
// FindCuts and fragments against it.

// refBases spells out the bases each IUPAC code stands for (NC-IUB 1985).
var refBases = map[byte]string{
	'A': "A", 'C': "C", 'G': "G", 'T': "T",
	'R': "AG", 'Y': "CT", 'S': "CG", 'W': "AT", 'K': "GT", 'M': "AC",
	'B': "CGT", 'D': "AGT", 'H': "ACT", 'V': "ACG", 'N': "ACGT",
}

// refComplement pairs each code with the code of the complementary bases.
var refComplement = map[byte]byte{
	'A': 'T', 'T': 'A', 'C': 'G', 'G': 'C', 'R': 'Y', 'Y': 'R', 'S': 'S',
	'W': 'W', 'K': 'M', 'M': 'K', 'B': 'V', 'V': 'B', 'D': 'H', 'H': 'D', 'N': 'N',
}

// refMatch reports whether sequence code g matches site code s: each base of
// g is a base of s.
func refMatch(g, s byte) bool {
	return refMatches[g][s]
}

// refMatches tabulates refMatch, computed once from refBases, so that the
// reference scan of a whole genome stays quick.
var refMatches = func() (m [256][256]bool) {
	for g, gb := range refBases {
		for s, sb := range refBases {
			m[g][s] = true
			for _, b := range gb {
				if !strings.ContainsRune(sb, b) {
					m[g][s] = false
				}
			}
		}
	}
	return m
}()

// refCuts returns the cuts by the naive scan, sorted by position, each with
// its Enzyme indexes ascending.
func refCuts(seq []byte, enzs []Enzyme, topo Topology) []Cut {
	n := len(seq)
	var comp [256]byte
	for c, cc := range refComplement {
		comp[c] = cc
	}
	byPos := map[int][]int{}
	add := func(c, e int) {
		if topo == Circular {
			c = ((c % n) + n) % n
		} else if c <= 0 || c >= n {
			return
		}
		if !slices.Contains(byPos[c], e) {
			byPos[c] = append(byPos[c], e)
		}
	}
	for ei, e := range enzs {
		m := len(e.Site)
		last := n - m // last start of a site inside a linear sequence
		if topo == Circular {
			last = n - 1
		}
		for p := 0; p <= last; p++ {
			top, bottom := true, true
			for j := range m {
				if !refMatch(seq[(p+j)%n], e.Site[j]) {
					top = false
				}
				// The bottom strand, read 5'→3', starts at the window's right end.
				if !refMatch(comp[seq[(p+m-1-j)%n]], e.Site[j]) {
					bottom = false
				}
			}
			if top {
				add(p+e.Top, ei)
			}
			if bottom {
				add(p+m-e.Bottom, ei)
			}
		}
	}
	var cuts []Cut
	for pos, es := range byPos {
		slices.Sort(es)
		cuts = append(cuts, Cut{Position: pos, Enzymes: es})
	}
	slices.SortFunc(cuts, func(a, b Cut) int { return a.Position - b.Position })
	return cuts
}

// refFragments walks the molecule base by base, closing a fragment after
// each base that a cut follows.
func refFragments(cuts []Cut, length int, topo Topology) []Fragment {
	after := make([]bool, length+1) // after[b]: a cut follows base b (1-based)
	for _, c := range cuts {
		b := c.Position
		if b == 0 {
			b = length // the origin follows the last base
		}
		after[b] = true
	}
	first := 1
	if topo == Circular && len(cuts) > 0 {
		first = cuts[0].Position%length + 1
	}
	var out []Fragment
	start, size := first, 0
	for i := range length {
		b := (first-1+i)%length + 1
		size++
		if after[b] || i == length-1 {
			out = append(out, Fragment{start, b, size})
			start, size = b%length+1, 0
		}
	}
	slices.SortFunc(out, func(a, b Fragment) int { return a.Start - b.Start })
	return out
}

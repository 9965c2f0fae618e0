package main

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/celltonomy/celltonomy/bio/restriction"
)

// K is the length of the indexed k-mers, nt: a query's 3'-end K-mer is
// looked up, so queries are at least K nt long. 12 is the shortest primer
// runtime/labsim's PCR model lets prime (labsim.MinPrimerNT).
const K = 12

// Query limits: a request is at most MaxRequest bytes and MaxQueries
// sequences of MinQueryNT to MaxQueryNT nt each; each answer lists at most
// MaxSites sites (and says when there were more).
const (
	MaxRequest = 64 << 10
	MaxQueries = 1024
	MinQueryNT = K
	MaxQueryNT = 64
	MaxSites   = 64
)

// Site is one binding site of a query on the indexed sequence. Start and
// End are the 1-based inclusive top-strand coordinates of the bases the
// query pairs with. Strand "+" means the query reads on the top strand
// (its 5' end at Start); "-" means its reverse complement does (it anneals
// to the top strand, its 5' end at End).
type Site struct {
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Strand string `json:"strand"`
}

// Index is a k-mer index of one sequence on both strands.
type Index struct {
	seq []byte
	// entries are kmer<<32 | strand<<31 | position, sorted: for the top
	// strand (0) the K-mer seq[position:position+K], for the bottom
	// strand (1) its reverse complement. K-mers holding a letter other
	// than A, C, G, T are left out.
	entries []uint64
}

var code = [256]int8{}

func init() {
	for i := range code {
		code[i] = -1
	}
	code['A'], code['C'], code['G'], code['T'] = 0, 1, 2, 3
}

// kmer packs s (len K, A/C/G/T) in 2 bits a base; ok false for another
// letter.
func kmer(s []byte) (uint64, bool) {
	var v uint64
	for _, c := range s {
		b := code[c]
		if b < 0 {
			return 0, false
		}
		v = v<<2 | uint64(b)
	}
	return v, true
}

// NewIndex indexes seq (canonical IUPAC codes, as restriction.ReadFASTA
// returns them) on both strands. It keeps seq.
func NewIndex(seq []byte) *Index {
	ix := &Index{seq: seq, entries: make([]uint64, 0, 2*len(seq))}
	rc := []byte(restriction.ReverseComplement(string(seq)))
	n := len(seq)
	for i := 0; i+K <= n; i++ {
		if v, ok := kmer(seq[i : i+K]); ok {
			ix.entries = append(ix.entries, v<<32|uint64(i))
		}
		// the bottom strand's K-mer over top positions i..i+K-1 is
		// rc[n-i-K : n-i]
		if v, ok := kmer(rc[n-i-K : n-i]); ok {
			ix.entries = append(ix.entries, v<<32|1<<31|uint64(i))
		}
	}
	slices.Sort(ix.entries)
	return ix
}

// Len returns the length of the indexed sequence, bp.
func (ix *Index) Len() int { return len(ix.seq) }

// Entries returns the number of indexed k-mers (both strands).
func (ix *Index) Entries() int { return len(ix.entries) }

// Sites returns the binding sites of q, top-strand order (start, then
// strand + before -), at most max, and whether there were more. The rule:
// the 3'-end K-mer of q is looked up on both strands, and each hit is
// extended to the whole of q, which must match exactly (a 3' end that
// pairs but a 5' part that does not is no site). q must pass CheckQuery.
func (ix *Index) Sites(q []byte, max int) ([]Site, bool) {
	n := len(q)
	key, ok := kmer(q[n-K:])
	if !ok {
		return nil, false
	}
	lo, _ := slices.BinarySearch(ix.entries, key<<32)
	rcq := []byte(restriction.ReverseComplement(string(q)))
	var out []Site
	more := false
	for _, e := range ix.entries[lo:] {
		if e>>32 != key {
			break
		}
		pos := int(e & (1<<31 - 1))
		var s Site
		if e&(1<<31) == 0 { // q's 3' end at pos+K on the top strand
			start := pos + K - n
			if start < 0 || !bytes.Equal(ix.seq[start:start+n], q) {
				continue
			}
			s = Site{Start: start + 1, End: start + n, Strand: "+"}
		} else { // q's 3' end pairs with top pos..pos+K-1, q spans pos..pos+n-1
			if pos+n > len(ix.seq) || !bytes.Equal(ix.seq[pos:pos+n], rcq) {
				continue
			}
			s = Site{Start: pos + 1, End: pos + n, Strand: "-"}
		}
		if len(out) == max {
			more = true
			break
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Site) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return bytes.Compare([]byte(a.Strand), []byte(b.Strand))
	})
	return out, more
}

// CheckQuery returns an error naming the rule q breaks: MinQueryNT to
// MaxQueryNT nt of upper-case A, C, G, T.
func CheckQuery(q []byte) error {
	if len(q) < MinQueryNT || len(q) > MaxQueryNT {
		return fmt.Errorf("length %d nt, want %d to %d", len(q), MinQueryNT, MaxQueryNT)
	}
	for i, c := range q {
		if code[c] < 0 {
			return fmt.Errorf("letter %q at position %d: want A, C, G or T", c, i+1)
		}
	}
	return nil
}

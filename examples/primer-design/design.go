package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/celltonomy/celltonomy/bio/oligo"
	"github.com/celltonomy/celltonomy/bio/restriction"
)

// Request is the request of slot 1. Coordinates are 1-based inclusive on
// λ's top strand; temperatures in °C, GC contents in %; zero fields take
// the defaults of Defaults.
type Request struct {
	// Start and End bound the target region (required).
	Start int `json:"start"`
	End   int `json:"end"`
	// MinLength and MaxLength bound the primers' length, nt (14 to 40,
	// what lambda-pcr takes).
	MinLength int `json:"min_length,omitempty"`
	MaxLength int `json:"max_length,omitempty"`
	// MinTm and MaxTm bound each primer's Tm (bio/oligo.TmMC), °C; MinTm
	// is at least 50, lambda-pcr's rule.
	MinTm int `json:"min_tm,omitempty"`
	MaxTm int `json:"max_tm,omitempty"`
	// MaxTmDiff bounds the difference of a pair's Tms, °C.
	MaxTmDiff int `json:"max_tm_diff,omitempty"`
	// MinGC and MaxGC bound each primer's GC content, %.
	MinGC int `json:"min_gc,omitempty"`
	MaxGC int `json:"max_gc,omitempty"`
	// Window is how far before Start and after End primers are looked
	// for, bp.
	Window int `json:"window,omitempty"`
	// MaxAmplicon bounds the product, bp (lambda-pcr extends 90 s: 1,500).
	MaxAmplicon int `json:"max_amplicon,omitempty"`
	// Pairs is how many pairs to return at most.
	Pairs int `json:"pairs,omitempty"`
	// Index is the hex service id of the seq-index child; empty: the
	// environment variable SEQ_INDEX.
	Index string `json:"index,omitempty"`
}

// Defaults are the values of a Request's zero fields.
var Defaults = Request{MinLength: 18, MaxLength: 24, MinTm: 52, MaxTm: 62, MaxTmDiff: 5, MinGC: 40, MaxGC: 60,
	Window: 200, MaxAmplicon: 1500, Pairs: 5}

// Bounds of a request's fields.
const (
	MaxRequest    = 4 << 10 // bytes
	MinPrimerNT   = 14      // lambda-pcr's bounds
	MaxPrimerNT   = 40
	MinTmFloor    = 50   // °C, lambda-pcr's rule (anneals at 55 °C, ≤ 5 °C above Tm)
	MaxWindow     = 1000 // bp
	MaxAmpliconBP = 1500 // bp: lambda-pcr's 90 s extension at 1 kb/min
	MaxPairs      = 50
)

// Primer is one designed primer.
type Primer struct {
	// Sequence is the primer, 5'→3'.
	Sequence string `json:"sequence"`
	// Start and End are its site, 1-based inclusive top-strand
	// coordinates; Strand "+" (forward, on the top strand, 5' at Start)
	// or "-" (reverse, its reverse complement on the top strand, 5' at End).
	Start  int    `json:"start"`
	End    int    `json:"end"`
	Strand string `json:"strand"`
	// TmMC is its Tm, m°C (bio/oligo.TmMC); GCPermille its GC content, ‰.
	TmMC       int64 `json:"tm_mc"`
	GCPermille int64 `json:"gc_permille"`
}

// Pair is a primer pair and its product.
type Pair struct {
	Forward Primer `json:"forward"`
	Reverse Primer `json:"reverse"`
	// AmpliconBP is the product's size, bp: Reverse.End − Forward.Start + 1.
	AmpliconBP int `json:"amplicon_bp"`
	// Params is the pair as lambda-pcr's parameters: "FORWARD=… REVERSE=…".
	Params string `json:"params"`
}

// Rejected is a candidate that passed Tm and GC but binds λ more than once.
type Rejected struct {
	Sequence string `json:"sequence"`
	Strand   string `json:"strand"`
	// Sites is how many sites the index found (its "more" is counted as
	// one more).
	Sites int `json:"sites"`
}

// Response is the answer of slot 1.
type Response struct {
	// Request is the request with its defaults filled in.
	Request Request `json:"request"`
	// Candidates counts the forward and reverse primers that passed the
	// length, Tm and GC filters, before the uniqueness check.
	Candidates struct {
		Forward int `json:"forward"`
		Reverse int `json:"reverse"`
	} `json:"candidates"`
	// Rejected lists the candidates that bind λ elsewhere (at most 100).
	Rejected []Rejected `json:"rejected"`
	// Pairs are the pairs, smallest amplicon first.
	Pairs []Pair `json:"pairs"`
}

// Indexer asks the seq-index service where sequences bind: the answer's
// results, one per sequence in order.
type Indexer func(seqs []string) ([]IndexResult, error)

// IndexResult is one result of seq-index's slot 1.
type IndexResult struct {
	Sequence string `json:"sequence"`
	Sites    []struct {
		Start  int    `json:"start"`
		End    int    `json:"end"`
		Strand string `json:"strand"`
	} `json:"sites"`
	More bool `json:"more"`
}

// maxIndexBatch is how many sequences one call of seq-index carries (its
// limit is 1,024).
const maxIndexBatch = 1000

// ParseRequest decodes and checks a request, filling in Defaults. The
// error names the field and the rule.
func ParseRequest(b []byte, genomeLen int) (Request, error) {
	var r Request
	if len(b) > MaxRequest {
		return r, fmt.Errorf("request: %d bytes, more than %d", len(b), MaxRequest)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&r); err != nil {
		return r, fmt.Errorf("request: %w", err)
	}
	for _, f := range []struct {
		v *int
		d int
	}{{&r.MinLength, Defaults.MinLength}, {&r.MaxLength, Defaults.MaxLength}, {&r.MinTm, Defaults.MinTm}, {&r.MaxTm, Defaults.MaxTm},
		{&r.MaxTmDiff, Defaults.MaxTmDiff}, {&r.MinGC, Defaults.MinGC}, {&r.MaxGC, Defaults.MaxGC}, {&r.Window, Defaults.Window},
		{&r.MaxAmplicon, Defaults.MaxAmplicon}, {&r.Pairs, Defaults.Pairs}} {
		if *f.v == 0 {
			*f.v = f.d
		}
	}
	switch {
	case r.Start < 1 || r.Start > genomeLen:
		return r, fmt.Errorf("start: %d, want 1 to %d (λ's length)", r.Start, genomeLen)
	case r.End < r.Start || r.End > genomeLen:
		return r, fmt.Errorf("end: %d, want start (%d) to %d", r.End, r.Start, genomeLen)
	case r.MinLength < MinPrimerNT || r.MinLength > MaxPrimerNT:
		return r, fmt.Errorf("min_length: %d, want %d to %d", r.MinLength, MinPrimerNT, MaxPrimerNT)
	case r.MaxLength < r.MinLength || r.MaxLength > MaxPrimerNT:
		return r, fmt.Errorf("max_length: %d, want min_length (%d) to %d", r.MaxLength, r.MinLength, MaxPrimerNT)
	case r.MinTm < MinTmFloor:
		return r, fmt.Errorf("min_tm: %d °C, want at least %d (lambda-pcr anneals at 55 °C)", r.MinTm, MinTmFloor)
	case r.MaxTm < r.MinTm || r.MaxTm > 100:
		return r, fmt.Errorf("max_tm: %d °C, want min_tm (%d) to 100", r.MaxTm, r.MinTm)
	case r.MaxTmDiff < 0 || r.MaxTmDiff > 50:
		return r, fmt.Errorf("max_tm_diff: %d °C, want 0 to 50", r.MaxTmDiff)
	case r.MinGC < 0 || r.MinGC > 100:
		return r, fmt.Errorf("min_gc: %d %%, want 0 to 100", r.MinGC)
	case r.MaxGC < r.MinGC || r.MaxGC > 100:
		return r, fmt.Errorf("max_gc: %d %%, want min_gc (%d) to 100", r.MaxGC, r.MinGC)
	case r.Window < r.MinLength || r.Window > MaxWindow:
		return r, fmt.Errorf("window: %d bp, want min_length (%d) to %d", r.Window, r.MinLength, MaxWindow)
	case r.MaxAmplicon < 1 || r.MaxAmplicon > MaxAmpliconBP:
		return r, fmt.Errorf("max_amplicon: %d bp, want 1 to %d (lambda-pcr extends 90 s)", r.MaxAmplicon, MaxAmpliconBP)
	case r.End-r.Start+1+2*r.MinLength > r.MaxAmplicon:
		return r, fmt.Errorf("end: the region of %d bp and two primers of %d nt exceed max_amplicon %d bp", r.End-r.Start+1, r.MinLength, r.MaxAmplicon)
	case r.Pairs < 1 || r.Pairs > MaxPairs:
		return r, fmt.Errorf("pairs: %d, want 1 to %d", r.Pairs, MaxPairs)
	}
	if r.Index != "" {
		if id, err := hex.DecodeString(r.Index); err != nil || len(id) != 32 {
			return r, fmt.Errorf("index: %q, want a service id of 64 hex digits", r.Index)
		}
	}
	return r, nil
}

// candidate is a primer that passed the filters, with its site.
type candidate struct {
	Primer
	from, to int // 0-based half-open top-strand span of its site
}

// candidates enumerates the primers of lengths MinLength..MaxLength whose
// site lies in the window: forward ones on the top strand ending before
// the region, reverse ones (reverse complements) starting after it, and
// keeps those within the Tm and GC windows; nearest the region first.
func candidates(seq []byte, r Request) (fwd, rev []candidate) {
	keep := func(p []byte) (int64, int64, bool) {
		if oligo.Check(p, r.MinLength, r.MaxLength) != nil {
			return 0, 0, false
		}
		tm, gc := oligo.TmMC(p), oligo.GCPermille(p)
		return tm, gc, tm >= int64(r.MinTm)*1000 && tm <= int64(r.MaxTm)*1000 && gc >= int64(r.MinGC)*10 && gc <= int64(r.MaxGC)*10
	}
	s0, e0 := r.Start-1, r.End // the region, 0-based half-open
	for end := s0; end >= max(0, s0-r.Window); end-- {
		for n := r.MinLength; n <= r.MaxLength && end-n >= max(0, s0-r.Window); n++ {
			p := seq[end-n : end]
			if tm, gc, ok := keep(p); ok {
				fwd = append(fwd, candidate{Primer{string(p), end - n + 1, end, "+", tm, gc}, end - n, end})
			}
		}
	}
	for start := e0; start <= min(len(seq), e0+r.Window); start++ {
		for n := r.MinLength; n <= r.MaxLength && start+n <= min(len(seq), e0+r.Window); n++ {
			p := []byte(restriction.ReverseComplement(string(seq[start : start+n])))
			if tm, gc, ok := keep(p); ok {
				rev = append(rev, candidate{Primer{string(p), start + 1, start + n, "-", tm, gc}, start, start + n})
			}
		}
	}
	return fwd, rev
}

// Design designs primer pairs for r on seq (λ), asking index where each
// candidate binds: a candidate with any site but its own is rejected.
func Design(seq []byte, r Request, index Indexer) (*Response, error) {
	out := &Response{Request: r, Rejected: []Rejected{}, Pairs: []Pair{}}
	fwd, rev := candidates(seq, r)
	out.Candidates.Forward, out.Candidates.Reverse = len(fwd), len(rev)
	all := append(slices.Clip(fwd), rev...)
	unique := make([]bool, len(all))
	for lo := 0; lo < len(all); lo += maxIndexBatch {
		hi := min(len(all), lo+maxIndexBatch)
		seqs := make([]string, hi-lo)
		for i := range seqs {
			seqs[i] = all[lo+i].Sequence
		}
		res, err := index(seqs)
		if err != nil {
			return nil, fmt.Errorf("seq-index: %w", err)
		}
		if len(res) != len(seqs) {
			return nil, fmt.Errorf("seq-index: %d results for %d sequences", len(res), len(seqs))
		}
		for i, x := range res {
			c := all[lo+i]
			if x.Sequence != c.Sequence {
				return nil, fmt.Errorf("seq-index: result %d is for %q, not %q", lo+i, x.Sequence, c.Sequence)
			}
			own := false
			for _, s := range x.Sites {
				own = own || s.Start == c.Start && s.End == c.End && s.Strand == c.Strand
			}
			if len(x.Sites) == 1 && own && !x.More {
				unique[lo+i] = true
				continue
			}
			if len(out.Rejected) < 100 {
				n := len(x.Sites)
				if x.More {
					n++
				}
				out.Rejected = append(out.Rejected, Rejected{Sequence: c.Sequence, Strand: c.Strand, Sites: n})
			}
		}
	}
	// The best r.Pairs pairs, kept in order while all are scanned (the
	// pairs of a wide window number in the 100,000s: only indices and
	// scores are compared, and at most r.Pairs are kept).
	type scored struct {
		f, v *candidate
		bp   int
		diff int64
	}
	less := func(a, b scored) bool {
		switch {
		case a.bp != b.bp:
			return a.bp < b.bp
		case a.diff != b.diff:
			return a.diff < b.diff
		case a.f.Start != b.f.Start:
			return a.f.Start > b.f.Start
		case a.v.End != b.v.End:
			return a.v.End < b.v.End
		case a.f.Sequence != b.f.Sequence:
			return a.f.Sequence < b.f.Sequence
		}
		return a.v.Sequence < b.v.Sequence
	}
	best := make([]scored, 0, r.Pairs)
	for i := range fwd {
		if !unique[i] {
			continue
		}
		f := &fwd[i]
		for j := range rev {
			if !unique[len(fwd)+j] {
				continue
			}
			v := &rev[j]
			diff := f.TmMC - v.TmMC
			if diff < 0 {
				diff = -diff
			}
			bp := v.to - f.from
			if diff > int64(r.MaxTmDiff)*1000 || bp > r.MaxAmplicon {
				continue
			}
			x := scored{f, v, bp, diff}
			if len(best) == r.Pairs && !less(x, best[len(best)-1]) {
				continue
			}
			k := len(best)
			for k > 0 && less(x, best[k-1]) {
				k--
			}
			if len(best) < r.Pairs {
				best = append(best, scored{})
			}
			copy(best[k+1:], best[k:len(best)-1])
			best[k] = x
		}
	}
	for _, p := range best {
		out.Pairs = append(out.Pairs, Pair{p.f.Primer, p.v.Primer, p.bp, "FORWARD=" + p.f.Sequence + " REVERSE=" + p.v.Sequence})
	}
	return out, nil
}

// Package oligo holds the rules of short DNA primers that the lab
// simulator and the example services share: the melting temperature by the
// basic formulas of OligoCalc (TmMC), the GC content (GCPermille) and the
// check of a primer's letters and length (Check). The reverse complement is
// bio/restriction's ReverseComplement: one copy of the complement table.
//
// It is the one copy of these rules: runtime/labsim's PCR model decides
// whether a pair of primers anneals with TmMC, and the service
// examples/primer-design picks primers with it, so a pair the service
// designs is a pair the simulated bot amplifies. Like bio/restriction it is
// pure in the sense of internal/purity (no clocks, randomness, I/O,
// goroutines, floating point or map iteration; TestOligoIsPure) and
// imports only the standard library: temperatures are integers in m°C
// (1 °C = 1000 m°C), contents in ‰ (per mille).
//
// Primers are byte slices of upper-case A, C, G and T, written 5'→3'.
package oligo

import "fmt"

// TmMC returns the melting temperature of a primer in m°C by the basic
// formulas of OligoCalc (Kibbe 2007, Nucleic Acids Res 35:W43): below 14 nt
// the Wallace rule Tm = 2·(A+T) + 4·(G+C) °C; from 14 nt on
// Tm = 64.9 + 41·(G+C − 16.4)/N °C. Computed in integers, rounded down
// (toward −∞). An empty primer has 0. Letters other than G and C count as
// A or T.
func TmMC(primer []byte) int64 {
	n := int64(len(primer))
	if n == 0 {
		return 0
	}
	gc := gcCount(primer)
	if n < 14 {
		return 1000 * (2*(n-gc) + 4*gc)
	}
	// 64.9 + 41·(gc − 16.4)/n in m°C = 64900 + 41000·(10·gc − 164)/(10·n)
	v := 41_000 * (10*gc - 164)
	d := 10 * n
	q := v / d
	if v%d != 0 && v < 0 {
		q-- // floor
	}
	return 64_900 + q
}

// GCPermille returns the share of G and C in primer, in ‰ rounded down
// (0 for an empty primer).
func GCPermille(primer []byte) int64 {
	if len(primer) == 0 {
		return 0
	}
	return 1000 * gcCount(primer) / int64(len(primer))
}

func gcCount(primer []byte) int64 {
	var gc int64
	for _, c := range primer {
		if c == 'G' || c == 'C' {
			gc++
		}
	}
	return gc
}

// Check returns an error naming the rule a primer breaks: its length
// outside minNT..maxNT (nt), or a letter other than upper-case A, C, G, T
// (with its 1-based position). nil for a valid primer.
func Check(primer []byte, minNT, maxNT int) error {
	if len(primer) < minNT || len(primer) > maxNT {
		return fmt.Errorf("length %d nt, want %d to %d", len(primer), minNT, maxNT)
	}
	for i, c := range primer {
		switch c {
		case 'A', 'C', 'G', 'T':
		default:
			return fmt.Errorf("letter %q at position %d: want A, C, G or T", c, i+1)
		}
	}
	return nil
}

package restriction

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// parseNotation reads NEB's notation: "G^AATTC" for a cut inside a site,
// "GGTCTC(1/5)" for cuts a and b bases past its 3' end.
func parseNotation(t *testing.T, s string) (site string, top, bottom int) {
	t.Helper()
	if m := regexp.MustCompile(`^([A-Z]+)\((-?\d+)/(-?\d+)\)$`).FindStringSubmatch(s); m != nil {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		return m[1], len(m[1]) + a, len(m[1]) + b
	}
	i := strings.IndexByte(s, '^')
	if i < 0 || strings.Count(s, "^") != 1 {
		t.Fatalf("notation %q: want one '^' or a (a/b) suffix", s)
	}
	site = strings.Replace(s, "^", "", 1)
	// NEB writes only the top-strand cut of a palindromic site; the bottom
	// one mirrors it.
	return site, i, len(site) - i
}

func TestEnzymeTable(t *testing.T) {
	for i, e := range table {
		if i > 0 && strings.ToLower(table[i-1].Name) >= strings.ToLower(e.Name) {
			t.Errorf("%s after %s: table not sorted by name, or a name repeats", e.Name, table[i-1].Name)
		}
		if len(e.Site) == 0 || len(e.Site) > 64 {
			t.Errorf("%s: site length %d bp, want 1..64", e.Name, len(e.Site))
		}
		for _, c := range []byte(e.Site) {
			if !strings.ContainsRune(CanonicalCodes, rune(c)) {
				t.Errorf("%s: site %q has %q, not a canonical code", e.Name, e.Site, c)
			}
		}
		site, top, bottom := parseNotation(t, e.Notation)
		if site != e.Site || top != e.Top || bottom != e.Bottom {
			t.Errorf("%s: notation %s means %s top %d bottom %d; table has %s top %d bottom %d",
				e.Name, e.Notation, site, top, bottom, e.Site, e.Top, e.Bottom)
		}
		// A palindromic site is searched on one strand only; that is right
		// only when its cuts are symmetric.
		if e.Palindromic() && e.Top+e.Bottom != len(e.Site) {
			t.Errorf("%s: palindromic site %s with asymmetric cuts %d/%d", e.Name, e.Site, e.Top, e.Bottom)
		}
	}
	required := []string{"EcoRI", "BamHI", "HindIII", "XhoI", "PstI", "SmaI", "NotI", "BstEII", "KpnI",
		"SacI", "SalI", "XbaI", "SphI", "NcoI", "NdeI", "EcoRV", "ClaI", "BglII", "ApaI", "NheI", "HaeIII",
		"AluI", "HincII", "AvaI", "StyI", "HinfI", "MluI", "ScaI", "PvuII", "SacII", "BsaI", "BsmBI"}
	for _, name := range required {
		if _, ok := Lookup(name); !ok {
			t.Errorf("%s missing from the table", name)
		}
	}
	// doc.go, README.md and cell.toml give the size of the table.
	if len(table) != 79 {
		t.Errorf("%d enzymes; update the count in doc.go, README.md and cell.toml", len(table))
	}
	nonPalindromic := 0
	for _, e := range table {
		if !e.Palindromic() {
			nonPalindromic++
		}
	}
	if nonPalindromic < 2 {
		t.Errorf("%d non-palindromic enzymes, want at least 2", nonPalindromic)
	}
}

// TestEnzymeCuts pins a few rows by the catalog's own words.
func TestEnzymeCuts(t *testing.T) {
	tests := []struct {
		name            string
		site            string
		top, bottom     int
		wantPalindromic bool
	}{
		{"EcoRI", "GAATTC", 1, 5, true},   // G^AATTC, 5' AATT overhang
		{"PstI", "CTGCAG", 5, 1, true},    // CTGCA^G, 3' TGCA overhang
		{"SmaI", "CCCGGG", 3, 3, true},    // CCC^GGG, blunt
		{"BstEII", "GGTNACC", 1, 6, true}, // G^GTNACC
		{"HinfI", "GANTC", 1, 4, true},    // G^ANTC
		{"BsaI", "GGTCTC", 7, 11, false},  // GGTCTC(1/5)
		{"BsmBI", "CGTCTC", 7, 11, false}, // CGTCTC(1/5)
		{"BsmI", "GAATGC", 7, 5, false},   // GAATGC(1/-1), 3' overhang
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.name)
		if !ok {
			t.Fatalf("%s missing", tt.name)
		}
		if e.Site != tt.site || e.Top != tt.top || e.Bottom != tt.bottom || e.Palindromic() != tt.wantPalindromic {
			t.Errorf("%s = %s %d/%d palindromic %v, want %s %d/%d palindromic %v", tt.name,
				e.Site, e.Top, e.Bottom, e.Palindromic(), tt.site, tt.top, tt.bottom, tt.wantPalindromic)
		}
	}
}

func TestReverseComplement(t *testing.T) {
	tests := []struct{ in, want string }{
		{"GAATTC", "GAATTC"},
		{"GGTCTC", "GAGACC"},
		{"GTYRAC", "GTYRAC"},
		{"ACGTRYSWKMBDHVN", "NBDHVKMWSRYACGT"},
	}
	for _, tt := range tests {
		if got := ReverseComplement(tt.in); got != tt.want {
			t.Errorf("ReverseComplement(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, c := range []byte(CanonicalCodes) {
		if refComplement[c] != complementCode(c) {
			t.Errorf("complementCode(%q) = %q, want %q", c, complementCode(c), refComplement[c])
		}
		for _, s := range []byte(CanonicalCodes) {
			if CodeMatches(c, s) != refMatch(c, s) {
				t.Errorf("CodeMatches(%q, %q) = %v, want %v", c, s, CodeMatches(c, s), refMatch(c, s))
			}
		}
	}
}

func TestLookupAndClosest(t *testing.T) {
	tests := []struct {
		name        string
		wantFound   string   // canonical name Lookup finds; "" when none
		wantClosest []string // Closest(name): distance 0, 1, then 2 (EarI and NcoI are both 2 from EcoRI; EarI comes first in the table)
	}{
		{"EcoRI", "EcoRI", []string{"EcoRI", "EcoRV", "EarI"}},
		{"ecori", "EcoRI", []string{"EcoRI", "EcoRV", "EarI"}},
		{"HINDIII", "HindIII", []string{"HindIII", "HincII"}},
		{"EcoR1", "", []string{"EcoRI", "EcoRV"}},
		{"BamH1", "", []string{"BamHI"}},
		{"Zebra", "", nil},
		{"", "", nil},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.name)
		if ok != (tt.wantFound != "") || e.Name != tt.wantFound {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.name, e.Name, ok, tt.wantFound)
		}
		if got := Closest(tt.name); !slices.Equal(got, tt.wantClosest) {
			t.Errorf("Closest(%q) = %v, want %v", tt.name, got, tt.wantClosest)
		}
	}
}

// TestEnzymesIsACopy checks that a caller cannot change the table.
func TestEnzymesIsACopy(t *testing.T) {
	all := Enzymes()
	if len(all) != len(table) {
		t.Fatalf("Enzymes() has %d enzymes, want the table's %d", len(all), len(table))
	}
	all[0].Site, all[0].Top = "AAAA", 99
	if again := Enzymes(); again[0] != table[0] || again[0].Site == "AAAA" {
		t.Errorf("changing Enzymes()[0] changed the table: %+v", again[0])
	}
}

package main

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
	for i, e := range enzymes {
		if i > 0 && strings.ToLower(enzymes[i-1].name) >= strings.ToLower(e.name) {
			t.Errorf("%s after %s: table not sorted by name, or a name repeats", e.name, enzymes[i-1].name)
		}
		if len(e.site) == 0 || len(e.site) > 64 {
			t.Errorf("%s: site length %d bp, want 1..64", e.name, len(e.site))
		}
		for _, c := range []byte(e.site) {
			if !strings.ContainsRune(canonicalCodes, rune(c)) {
				t.Errorf("%s: site %q has %q, not a canonical code", e.name, e.site, c)
			}
		}
		site, top, bottom := parseNotation(t, e.notation)
		if site != e.site || top != e.top || bottom != e.bottom {
			t.Errorf("%s: notation %s means %s top %d bottom %d; table has %s top %d bottom %d",
				e.name, e.notation, site, top, bottom, e.site, e.top, e.bottom)
		}
		// A palindromic site is searched on one strand only; that is right
		// only when its cuts are symmetric.
		if e.palindromic() && e.top+e.bottom != len(e.site) {
			t.Errorf("%s: palindromic site %s with asymmetric cuts %d/%d", e.name, e.site, e.top, e.bottom)
		}
	}
	required := []string{"EcoRI", "BamHI", "HindIII", "XhoI", "PstI", "SmaI", "NotI", "BstEII", "KpnI",
		"SacI", "SalI", "XbaI", "SphI", "NcoI", "NdeI", "EcoRV", "ClaI", "BglII", "ApaI", "NheI", "HaeIII",
		"AluI", "HincII", "AvaI", "StyI", "HinfI", "MluI", "ScaI", "PvuII", "SacII", "BsaI", "BsmBI"}
	for _, name := range required {
		if _, ok := lookupEnzyme(name); !ok {
			t.Errorf("%s missing from the table", name)
		}
	}
	// doc.go, README.md and cell.toml give the size of the table.
	if len(enzymes) != 79 {
		t.Errorf("%d enzymes; update the count in doc.go, README.md and cell.toml", len(enzymes))
	}
	nonPalindromic := 0
	for _, e := range enzymes {
		if !e.palindromic() {
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
		e, ok := lookupEnzyme(tt.name)
		if !ok {
			t.Fatalf("%s missing", tt.name)
		}
		if e.site != tt.site || e.top != tt.top || e.bottom != tt.bottom || e.palindromic() != tt.wantPalindromic {
			t.Errorf("%s = %s %d/%d palindromic %v, want %s %d/%d palindromic %v", tt.name,
				e.site, e.top, e.bottom, e.palindromic(), tt.site, tt.top, tt.bottom, tt.wantPalindromic)
		}
	}
}

func TestParseEnzymes(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    []string
		wantErr []string // substrings of the error
	}{
		{"one", "EcoRI", []string{"EcoRI"}, nil},
		{"case and space", " ecori ,  BAMHI\t", []string{"EcoRI", "BamHI"}, nil},
		{"order kept", "HindIII,EcoRI,BamHI", []string{"HindIII", "EcoRI", "BamHI"}, nil},
		{"duplicates removed", "EcoRI,BamHI,ecoRI,BamHI", []string{"EcoRI", "BamHI"}, nil},
		{"missing", "", nil, []string{"ENZYMES is required"}},
		{"blank", "  ", nil, []string{"ENZYMES is required"}},
		{"empty name", "EcoRI,,BamHI", nil, []string{"name 2 is empty"}},
		{"trailing comma", "EcoRI,", nil, []string{"name 2 is empty"}},
		{"unknown with suggestion", "EcoR1", nil, []string{`unknown enzyme "EcoR1"`, "closest known: EcoRI"}},
		{"unknown far", "Zebra", nil, []string{`unknown enzyme "Zebra"`, "known: AatII", "XmnI"}},
		{"all unknown listed", "Foo,EcoRI,BamH1", nil, []string{`"Foo"`, `"BamH1"`, "BamHI"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEnzymes(tt.value)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("parseEnzymes(%q) = %v, want error", tt.value, got)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("parseEnzymes(%q): %v", tt.value, err)
			}
			var names []string
			for _, e := range got {
				names = append(names, e.name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("parseEnzymes(%q) = %v, want %v", tt.value, names, tt.want)
			}
		})
	}
}

func TestParseTopology(t *testing.T) {
	tests := []struct {
		value   string
		want    topology
		wantErr bool
	}{
		{"", linear, false},
		{"linear", linear, false},
		{"circular", circular, false},
		{" Circular ", circular, false},
		{"ring", linear, true},
	}
	for _, tt := range tests {
		got, err := parseTopology(tt.value)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseTopology(%q) = %v, %v; want %v, error %v", tt.value, got, err, tt.want, tt.wantErr)
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
		if got := reverseComplement(tt.in); got != tt.want {
			t.Errorf("reverseComplement(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, c := range []byte(canonicalCodes) {
		if refComplement[c] != complementCode(c) {
			t.Errorf("complementCode(%q) = %q, want %q", c, complementCode(c), refComplement[c])
		}
		for _, s := range []byte(canonicalCodes) {
			if codeMatches(c, s) != refMatch(c, s) {
				t.Errorf("codeMatches(%q, %q) = %v, want %v", c, s, codeMatches(c, s), refMatch(c, s))
			}
		}
	}
}

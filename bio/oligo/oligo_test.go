package oligo

import (
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/purity"
)

// The Tm formulas of OligoCalc, checked by hand: Wallace below 14 nt, the
// GC formula from 14 nt on, rounded toward −∞.
func TestTmMC(t *testing.T) {
	for _, tc := range []struct {
		primer string
		want   int64
	}{
		{"", 0},
		{"ACGTACGTACGT", 36_000},         // 6 A/T, 6 G/C: 2·6 + 4·6
		{"GGGGGGGGGGGGG", 52_000},        // 13 nt, still Wallace: 4·13
		{"ACGTACGTACGTAC", 37_371},       // 14 nt, 7 G/C: 64.9 + 41·(7 − 16.4)/14 = 37.37…; floor
		{"GGGCGGCGACCTCGCGGGTT", 64_080}, // 16 G/C of 20: 64.9 + 41·(16 − 16.4)/20
		{"AAAAAAAAAAAAAAAAAAAA", 31_280}, // 64.9 + 41·(0 − 16.4)/20 = 31.28
		{"TCCGTGGTGGCACAGAGTAC", 55_880}, // 12 G/C of 20: 64.9 + 41·(12 − 16.4)/20 = 55.88
	} {
		if got := TmMC([]byte(tc.primer)); got != tc.want {
			t.Errorf("Tm(%s) = %d m°C, want %d", tc.primer, got, tc.want)
		}
	}
}

func TestGCPermille(t *testing.T) {
	for _, tc := range []struct {
		primer string
		want   int64
	}{{"", 0}, {"AT", 0}, {"GC", 1000}, {"ACG", 666}, {"TCCGTGGTGGCACAGAGTAC", 600}} {
		if got := GCPermille([]byte(tc.primer)); got != tc.want {
			t.Errorf("GC(%s) = %d‰, want %d", tc.primer, got, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		primer string
		err    string // "" for valid
	}{
		{"ACGTACGTACGTAC", ""},
		{"ACGT", "length 4 nt, want 14 to 40"},
		{strings.Repeat("A", 41), "length 41 nt, want 14 to 40"},
		{"ACGTACGTACGTNC", `letter 'N' at position 13`},
		{"acgtacgtacgtac", `letter 'a' at position 1`},
	} {
		err := Check([]byte(tc.primer), 14, 40)
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Check(%s) = %v, want %q", tc.primer, err, tc.err)
		}
	}
}

// TestOligoIsPure fails if the package's code (tests aside) uses a clock,
// randomness, I/O, goroutines, map iteration or floating point, or imports
// anything but the standard library: the lab simulator runs these rules.
func TestOligoIsPure(t *testing.T) {
	const pkgPath = "github.com/celltonomy/celltonomy/bio/oligo"
	fset := token.NewFileSet()
	dirs, files, err := purity.ParseTree(fset, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 1 || dirs[0] != "." || len(files["."]) < 1 {
		t.Fatalf("found packages %v, want this package's files", dirs)
	}
	problems, err := purity.Check(fset, purity.ExportImporter(t, fset), pkgPath, files["."])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	for _, f := range files["."] {
		for _, is := range f.Imports {
			p, _ := strconv.Unquote(is.Path.Value)
			if first, _, _ := strings.Cut(p, "/"); strings.Contains(first, ".") {
				t.Errorf("%s: imports %q: bio/oligo may import only the standard library", fset.Position(is.Pos()), p)
			}
		}
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// env returns a getenv that reads vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRun(t *testing.T) {
	const genome = ">toy a small test\nAAGAATTCAA\nGGATCCAAGA\nattcAA\n"
	tests := []struct {
		name       string
		vars       map[string]string
		genome     string // "" for no genome file
		noOutDir   bool
		wantCode   int
		wantStderr string
	}{
		{name: "ok", vars: map[string]string{"ENZYMES": "EcoRI,BamHI"}, genome: genome, wantCode: 0},
		{name: "missing ENZYMES", vars: nil, genome: genome, wantCode: 2, wantStderr: "ENZYMES is required"},
		{name: "unknown enzyme", vars: map[string]string{"ENZYMES": "EcoR1"}, genome: genome, wantCode: 2,
			wantStderr: `unknown enzyme "EcoR1" (closest known: EcoRI`},
		{name: "bad topology", vars: map[string]string{"ENZYMES": "EcoRI", "TOPOLOGY": "ring"}, genome: genome,
			wantCode: 2, wantStderr: `TOPOLOGY "ring": must be linear or circular`},
		{name: "parameters checked before input", vars: nil, genome: "", wantCode: 2},
		{name: "missing genome", vars: map[string]string{"ENZYMES": "EcoRI"}, genome: "", wantCode: 3,
			wantStderr: `input "genome"`},
		{name: "bad FASTA", vars: map[string]string{"ENZYMES": "EcoRI"}, genome: ">s\nACGT\nAC*T\n", wantCode: 3,
			wantStderr: "line 3, column 3"},
		{name: "no header", vars: map[string]string{"ENZYMES": "EcoRI"}, genome: "ACGT\n", wantCode: 3,
			wantStderr: "sequence before any header"},
		{name: "no outputs directory", vars: map[string]string{"ENZYMES": "EcoRI"}, genome: genome, noOutDir: true,
			wantCode: 4, wantStderr: "write output"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, out := t.TempDir(), t.TempDir()
			if tt.genome != "" {
				if err := os.WriteFile(filepath.Join(in, "genome"), []byte(tt.genome), 0o444); err != nil {
					t.Fatal(err)
				}
			}
			if tt.noOutDir {
				out = filepath.Join(out, "missing")
			}
			var stdout, stderr bytes.Buffer
			code := run(env(tt.vars), in, out, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("run = %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.wantStderr)
			}
			if code != 0 {
				if stdout.Len() != 0 {
					t.Errorf("stdout not empty on failure: %q", stdout.String())
				}
				if _, err := os.Stat(filepath.Join(out, "fragments.json")); err == nil {
					t.Errorf("fragments.json written on failure")
				}
				return
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr not empty on success: %q", stderr.String())
			}
		})
	}
}

// TestRunOutputs pins fragments.json and the table for a small input: EcoRI
// cuts G^AATTC at 3 and 19 (its site across a line break), BamHI G^GATCC at 11.
func TestRunOutputs(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	genome := ">toy a small test\r\nAAGAATTCAA\r\nGGATCCAAGA\r\nattcAA\r\n"
	if err := os.WriteFile(filepath.Join(in, "genome"), []byte(genome), 0o444); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"ENZYMES": " bamhi, EcoRI ,BamHI", "TOPOLOGY": "linear"}
	if code := run(env(vars), in, out, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "fragments.json"))
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{
  "length": 26,
  "enzymes": [
    "BamHI",
    "EcoRI"
  ],
  "topology": "linear",
  "sequence": "toy",
  "cuts": [
    {
      "position": 3,
      "enzymes": [
        "EcoRI"
      ]
    },
    {
      "position": 11,
      "enzymes": [
        "BamHI"
      ]
    },
    {
      "position": 19,
      "enzymes": [
        "EcoRI"
      ]
    }
  ],
  "fragments": [
    {
      "start": 1,
      "end": 3,
      "length": 3
    },
    {
      "start": 4,
      "end": 11,
      "length": 8
    },
    {
      "start": 12,
      "end": 19,
      "length": 8
    },
    {
      "start": 20,
      "end": 26,
      "length": 7
    }
  ]
}
`
	if string(got) != wantJSON {
		t.Errorf("fragments.json =\n%s\nwant\n%s", got, wantJSON)
	}
	const wantTable = `sequence   toy a small test
length     26 bp
topology   linear
enzymes    BamHI G^GATCC, EcoRI G^AATTC
cuts       3
fragments  4

#   start     end  length
1       1       3       3
2       4      11       8
3      12      19       8
4      20      26       7

sizes, largest first (bp):
  8 8 7 3
`
	if stdout.String() != wantTable {
		t.Errorf("stdout =\n%s\nwant\n%s", stdout.String(), wantTable)
	}

	// The same run gives the same bytes.
	var again bytes.Buffer
	out2 := t.TempDir()
	if code := run(env(vars), in, out2, &again, &stderr); code != 0 {
		t.Fatalf("second run = %d", code)
	}
	got2, _ := os.ReadFile(filepath.Join(out2, "fragments.json"))
	if !bytes.Equal(got, got2) || again.String() != stdout.String() {
		t.Errorf("a second run gave different output")
	}
}

// TestRunLambda runs λ with EcoRI on a circle end to end.
func TestRunLambda(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	data, err := os.ReadFile(lambdaPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(in, "genome"), data, 0o444); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	vars := map[string]string{"ENZYMES": "EcoRI", "TOPOLOGY": "circular"}
	if code := run(env(vars), in, out, &stdout, &stderr); code != 0 {
		t.Fatalf("run = %d; stderr: %s", code, stderr.String())
	}
	for _, row := range []string{
		"1   21227   26104    4878\n",
		"5   44973   21226   24756\n",
		"24756 7421 5804 5643 4878\n",
	} {
		if !strings.Contains(stdout.String(), row) {
			t.Errorf("stdout lacks %q:\n%s", row, stdout.String())
		}
	}
}

func TestRunStdoutFails(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(in, "genome"), []byte(">s\nGAATTC\n"), 0o444); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run(env(map[string]string{"ENZYMES": "EcoRI"}), in, out, failingWriter{}, &stderr); code != 4 {
		t.Fatalf("run = %d, want 4; stderr: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "disk full") {
		t.Errorf("stderr %q lacks the cause", stderr.String())
	}
}

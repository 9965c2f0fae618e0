package gcrust

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/internal/digesttest"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = "../data/lambda_virus.fa"

func module(tb testing.TB) []byte { return wasmbuild.Rust(tb, ".", "src/main.rs") }

// gcRun is one run of the module: its genome (nil: no input) and params.
type gcRun struct {
	genome []byte
	params map[string]string
	limits wasm.Limits
	seed   byte
}

// run runs the module on r and returns the result and gc.json (nil when
// absent).
func (r gcRun) run(tb testing.TB, ex *wasm.Executor) (*wasm.Result, []byte) {
	tb.Helper()
	run := digesttest.Run{Genome: r.genome, Params: r.params, Limits: r.limits, Seed: [32]byte{r.seed}}
	return run.DoAs(tb, ex, "gc.wasm", module(tb), "gc.json")
}

// TestOutputs pins gc.json and the table for a small input.
func TestOutputs(t *testing.T) {
	ex := digesttest.NewExecutor(t)
	res, out := gcRun{genome: []byte(">toy a test\r\nggCCaU\r\n\r\n"), params: map[string]string{"WINDOW": " 4 "}}.run(t, ex)
	if res.Outcome != outputroot.OutcomeExited || res.ExitCode != 0 {
		t.Fatalf("outcome %v exit %d: %s", res.Outcome, res.ExitCode, res.Stderr)
	}
	const wantJSON = `{
  "sequence": "toy",
  "length": 6,
  "counts": {"A": 1, "C": 2, "G": 2, "T": 1, "other": 0},
  "gc_permille": 666,
  "windows": [
    {"start": 1, "end": 4, "gc_permille": 1000},
    {"start": 5, "end": 6, "gc_permille": 0}
  ]
}
`
	if string(out) != wantJSON {
		t.Errorf("gc.json =\n%s\nwant\n%s", out, wantJSON)
	}
	const wantTable = `sequence   toy
length     6 bp
GC         66.6 %
window     4 bp
         1          4  1000
         5          6     0
`
	if string(res.Stdout) != wantTable {
		t.Errorf("stdout =\n%s\nwant\n%s", res.Stdout, wantTable)
	}
	if len(res.Stderr) != 0 {
		t.Errorf("stderr = %q", res.Stderr)
	}
}

// TestLambdaAgreesWithGo: on phage λ the counts are those of the sequence
// that bio/restriction's FASTA reader gives, and the GC content is the one
// computed from them in Go.
func TestLambdaAgreesWithGo(t *testing.T) {
	ex := digesttest.NewExecutor(t)
	data := digesttest.ReadFile(t, lambdaPath)
	rec, err := restriction.ReadFASTA(bytes.NewReader(data), 0)
	if err != nil {
		t.Fatal(err)
	}
	var a, c, g, tt, other int
	for _, b := range rec.Seq {
		switch b {
		case 'A':
			a++
		case 'C':
			c++
		case 'G':
			g++
		case 'T':
			tt++
		default:
			other++
		}
	}
	res, out := gcRun{genome: data}.run(t, ex)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d: %s", res.ExitCode, res.Stderr)
	}
	want := fmt.Sprintf("\"length\": %d,\n  \"counts\": {\"A\": %d, \"C\": %d, \"G\": %d, \"T\": %d, \"other\": %d},\n  \"gc_permille\": %d,",
		len(rec.Seq), a, c, g, tt, other, (g+c)*1000/len(rec.Seq))
	if !bytes.Contains(out, []byte(want)) {
		t.Errorf("gc.json lacks %q:\n%s", want, out)
	}
	if !bytes.Contains(out, []byte(`"sequence": "`+rec.ID+`"`)) {
		t.Errorf("gc.json lacks the id %q", rec.ID)
	}
}

// TestErrors: bad parameters and bad input end with the documented exit
// codes and a message naming the parameter or the line, and write nothing.
func TestErrors(t *testing.T) {
	ex := digesttest.NewExecutor(t)
	tests := []struct {
		name       string
		run        gcRun
		wantCode   uint32
		wantStderr string
	}{
		{"WINDOW zero", gcRun{genome: []byte(">s\nACGT\n"), params: map[string]string{"WINDOW": "0"}}, 2, `gc: WINDOW "0": must be a whole number of bp from 1 to 1073741824`},
		{"WINDOW too large", gcRun{genome: []byte(">s\nACGT\n"), params: map[string]string{"WINDOW": "1073741825"}}, 2, "WINDOW"},
		{"WINDOW not a number", gcRun{genome: []byte(">s\nACGT\n"), params: map[string]string{"WINDOW": "-3"}}, 2, "WINDOW"},
		{"parameters checked before input", gcRun{params: map[string]string{"WINDOW": "x"}}, 2, "WINDOW"},
		{"missing genome", gcRun{}, 3, `gc: input "genome": open /inputs/genome:`},
		{"bad character", gcRun{genome: []byte(">s\nACGT\nAC*T\n")}, 3, `line 3, column 3: byte 0x2A is not a nucleotide code`},
		{"no header", gcRun{genome: []byte("ACGT\n")}, 3, "line 1: sequence before any header"},
		{"second record", gcRun{genome: []byte(">a\nAC\n>b\nGT\n")}, 3, "found a second record at line 3 (the first header is at line 1)"},
		{"empty sequence", gcRun{genome: []byte(">a\n\n")}, 3, `sequence "a" (header at line 1) is empty`},
		{"empty file", gcRun{genome: []byte{}}, 3, "no FASTA header"},
		{"header without id", gcRun{genome: []byte(">  \nACGT\n")}, 3, "line 1: header has no sequence identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, out := tt.run.run(t, ex)
			if res.Outcome != outputroot.OutcomeExited || res.ExitCode != tt.wantCode {
				t.Fatalf("outcome %v exit %d, want exit %d; stderr %q", res.Outcome, res.ExitCode, tt.wantCode, res.Stderr)
			}
			if !strings.Contains(string(res.Stderr), tt.wantStderr) {
				t.Errorf("stderr %q lacks %q", res.Stderr, tt.wantStderr)
			}
			if out != nil || len(res.Stdout) != 0 {
				t.Errorf("output written on failure: gc.json %q, stdout %q", out, res.Stdout)
			}
		})
	}
}

// TestDeterministic: runs with different seeds give the same output root.
func TestDeterministic(t *testing.T) {
	ex := digesttest.NewExecutor(t)
	r := gcRun{genome: digesttest.ReadFile(t, lambdaPath), params: map[string]string{"WINDOW": "1000"}}
	first, _ := r.run(t, ex)
	r.seed = 7
	second, _ := r.run(t, ex)
	if first.OutputRoot != second.OutputRoot {
		t.Errorf("output roots differ: %x and %x", first.OutputRoot, second.OutputRoot)
	}
}

// TestHostileInputLimits: the package's limits bind the Rust module as they
// bind the Go one: each ends the run with its outcome, the same on every
// run; at the stdout limit stdout is exactly the first bytes of the table.
func TestHostileInputLimits(t *testing.T) {
	ex := digesttest.NewExecutor(t)
	lambda := digesttest.ReadFile(t, lambdaPath)
	big := append([]byte(">big\n"), bytes.Repeat([]byte("ACGTGAATTCGGATCCAAGCTT"), 1<<20)...) // 22 MiB
	w := map[string]string{"WINDOW": "10"}
	full, _ := gcRun{genome: lambda, params: w}.run(t, ex)
	tests := []struct {
		name   string
		run    gcRun
		want   outputroot.Outcome
		prefix bool
	}{
		{"memory", gcRun{genome: big, limits: wasm.Limits{Memory: 16 << 20}}, outputroot.OutcomeMemoryLimit, false},
		{"stdout", gcRun{genome: lambda, params: w, limits: wasm.Limits{Stdout: 1000}}, outputroot.OutcomeStdoutLimit, true},
		{"output", gcRun{genome: lambda, params: w, limits: wasm.Limits{Output: 4096}}, outputroot.OutcomeOutputLimit, false},
		{"fuel", gcRun{genome: lambda, params: w, limits: wasm.Limits{Fuel: 10_000}}, outputroot.OutcomeFuelLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := tt.run.run(t, ex)
			if res.Outcome != tt.want {
				t.Fatalf("outcome %v (%v), want %v; stderr %q", res.Outcome, res.Err(), tt.want, res.Stderr)
			}
			again, _ := tt.run.run(t, ex)
			if again.OutputRoot != res.OutputRoot || again.Usage.Fuel != res.Usage.Fuel {
				t.Errorf("two runs: roots %x and %x, fuel %d and %d", res.OutputRoot, again.OutputRoot, res.Usage.Fuel, again.Usage.Fuel)
			}
			if tt.prefix && (len(res.Stdout) != int(tt.run.limits.Stdout) || !bytes.HasPrefix(full.Stdout, res.Stdout)) {
				t.Errorf("stdout at the limit: %d bytes, not the first %d of the table", len(res.Stdout), tt.run.limits.Stdout)
			}
		})
	}
}

// TestCellRun builds the package from cell.toml and runs it as `cell run`
// does (batch.RunLocal).
func TestCellRun(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), digesttest.ReadFile(t, "cell.toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gc.wasm"), module(t), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := batch.RunLocal(context.Background(), batch.Local{
		Package: dir,
		Inputs:  map[string]string{"genome": lambdaPath},
		Params:  map[string]string{"WINDOW": "10000"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || !bytes.Contains(res.Stdout, []byte("window     10000 bp\n")) {
		t.Errorf("exit %d, stdout %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if arch := res.Package.Spec().Architectures(); !slices.Equal(arch, []string{"wasm32-wasip1"}) {
		t.Errorf("architectures %q", arch)
	}
}

// TestBuildFlags: `go generate` builds with wasmbuild.RustFlags, the flags
// of the tests' build.
func TestBuildFlags(t *testing.T) {
	wasmbuild.CheckGenerate(t, wasmbuild.Rustc, wasmbuild.RustFlags, "gc.wasm", "src/main.rs")
}

// TestReproducibleBuild builds with gen.go's command in a copy of the
// source elsewhere under another HOME: the same bytes as the tests' build,
// and no path of the build directory in the module.
func TestReproducibleBuild(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "else", "where")
	built := wasmbuild.BuildCopy(t, dir, wasmbuild.Rustc, wasmbuild.Generate(t, wasmbuild.Rustc), []string{"src/main.rs"}, "gc.wasm")
	if !bytes.Equal(built, module(t)) {
		t.Error("a build elsewhere differs from the tests' build")
	}
	wasmbuild.NoPaths(t, built, dir)
}

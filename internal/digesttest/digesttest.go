// Package digesttest holds what the tests of the digest packages written in
// other languages (examples/digest-c, examples/digest-rust) share: the run
// of a digest module in the sandbox, the comparison of two runs byte for
// byte, the cases on which such a module must agree with the Go package
// examples/digest (Cases, EveryEnzymeSets, Fuzz), the hostile-input limits
// (HostileInputLimits), λ×100 and the wasm/native benchmark
// (WasmVsNative). examples/gc-rust's tests use its sandbox run (Run.DoAs),
// NewExecutor and ReadFile. It is for tests only.
//
// Paths are relative to the directory of a package under examples/, where
// the tests run.
package digesttest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// LambdaPath is phage λ, NC_001416.1, 48,502 bp, from an examples/ package.
const LambdaPath = "../data/lambda_virus.fa"

// Toy is the small genome of examples/digest's tests.
const Toy = ">toy a small test\nAAGAATTCAA\nGGATCCAAGA\nattcAA\n"

// GoModule returns the Go package examples/digest built for the sandbox.
func GoModule(tb testing.TB) []byte { return wasmbuild.Build(tb, "../digest") }

// NewExecutor returns a sandbox executor closed at the end of the test.
func NewExecutor(tb testing.TB) *wasm.Executor {
	tb.Helper()
	ctx := context.Background()
	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ex.Close(ctx) })
	return ex
}

// ReadFile returns the file's bytes or fails tb.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// A Run is one run of a digest module: its genome (nil: no input file),
// parameters, limits (zero: the sandbox's defaults) and seed.
type Run struct {
	Genome []byte
	Params map[string]string
	Limits wasm.Limits
	Seed   [32]byte
}

// Do runs module (mounted as digest.wasm) on r in the sandbox and returns
// the result and the bytes of fragments.json (nil when absent). A run the
// sandbox cannot start fails tb.
func (r Run) Do(tb testing.TB, ex *wasm.Executor, module []byte) (*wasm.Result, []byte) {
	tb.Helper()
	return r.DoAs(tb, ex, "digest.wasm", module, "fragments.json")
}

// DoAs is Do for another program that reads its input "genome": it runs
// module, mounted as entry, on r in the sandbox and returns the result and
// the bytes of the output file output (nil when absent). A run the sandbox
// cannot start fails tb. examples/gc-rust's tests run with it.
func (r Run) DoAs(tb testing.TB, ex *wasm.Executor, entry string, module []byte, output string) (*wasm.Result, []byte) {
	tb.Helper()
	job := wasm.Job{
		Root:      fstest.MapFS{entry: {Data: module, Mode: 0o444}},
		Entry:     entry,
		Params:    r.Params,
		OutputDir: tb.TempDir(),
		Limits:    r.Limits,
		Seed:      r.Seed,
	}
	if r.Genome != nil {
		path := filepath.Join(tb.TempDir(), "genome")
		if err := os.WriteFile(path, r.Genome, 0o444); err != nil {
			tb.Fatal(err)
		}
		job.Inputs = []wasm.Input{{Name: "genome", Path: path}}
	}
	res, err := ex.Run(context.Background(), job)
	if err != nil {
		tb.Fatalf("run: %v", err)
	}
	out, err := os.ReadFile(filepath.Join(job.OutputDir, output))
	if err != nil {
		out = nil
	}
	return res, out
}

// SameAsGo runs module (lang names it in messages) and the Go package on r
// and fails tb where they differ: outcome, exit code, stdout, stderr,
// fragments.json or output root. It returns module's result.
func SameAsGo(tb testing.TB, ex *wasm.Executor, lang string, module []byte, r Run) *wasm.Result {
	tb.Helper()
	res, frag := r.Do(tb, ex, module)
	goRes, goFrag := r.Do(tb, ex, GoModule(tb))
	if res.Outcome != goRes.Outcome || res.ExitCode != goRes.ExitCode {
		tb.Errorf("%s: outcome %v exit %d; Go: outcome %v exit %d (%s stderr %q, Go stderr %q)",
			lang, res.Outcome, res.ExitCode, goRes.Outcome, goRes.ExitCode, lang, res.Stderr, goRes.Stderr)
	}
	if !bytes.Equal(res.Stderr, goRes.Stderr) {
		tb.Errorf("stderr differs:\n%s: %q\nGo: %q", lang, res.Stderr, goRes.Stderr)
	}
	if !bytes.Equal(res.Stdout, goRes.Stdout) {
		tb.Errorf("stdout differs:\n%s:\n%s\nGo:\n%s", lang, head(res.Stdout), head(goRes.Stdout))
	}
	if !bytes.Equal(frag, goFrag) {
		tb.Errorf("fragments.json differs:\n%s:\n%s\nGo:\n%s", lang, head(frag), head(goFrag))
	}
	if res.OutputRoot != goRes.OutputRoot {
		tb.Errorf("output roots differ: %s %x, Go %x", lang, res.OutputRoot, goRes.OutputRoot)
	}
	return res
}

// head returns the first 2,000 bytes of b, for messages.
func head(b []byte) []byte { return b[:min(len(b), 2000)] }

// A Case is a run on which a digest module must agree with the Go package,
// and the exit code both must give.
type Case struct {
	Name     string
	Run      Run
	WantCode uint32
}

// Cases are the cases of examples/digest's tests (TestRun, TestRunOutputs,
// TestRunLambda), the enzyme set of its benchmark, and edge cases of the
// parameters, the FASTA reader and the report. It reads λ.
func Cases(tb testing.TB) []Case {
	lambda := ReadFile(tb, LambdaPath)
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	toy := []byte(Toy)
	return []Case{
		// examples/digest TestRun
		{"ok", Run{Genome: toy, Params: p("ENZYMES", "EcoRI,BamHI")}, 0},
		{"missing ENZYMES", Run{Genome: toy}, 2},
		{"unknown enzyme", Run{Genome: toy, Params: p("ENZYMES", "EcoR1")}, 2},
		{"bad topology", Run{Genome: toy, Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "ring")}, 2},
		{"parameters checked before input", Run{}, 2},
		{"missing genome", Run{Params: p("ENZYMES", "EcoRI")}, 3},
		{"bad FASTA", Run{Genome: []byte(">s\nACGT\nAC*T\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"no header", Run{Genome: []byte("ACGT\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		// examples/digest TestRunOutputs, TestRunLambda, the benchmark's set
		{"outputs", Run{Genome: []byte(">toy a small test\r\nAAGAATTCAA\r\nGGATCCAAGA\r\nattcAA\r\n"),
			Params: p("ENZYMES", " bamhi, EcoRI ,BamHI", "TOPOLOGY", "linear")}, 0},
		{"lambda EcoRI circular", Run{Genome: lambda, Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"lambda benchmark set", Run{Genome: lambda, Params: p("ENZYMES", "EcoRI,BamHI,HindIII")}, 0},
		// parameters
		{"blank ENZYMES", Run{Genome: toy, Params: p("ENZYMES", " \t\u00a0")}, 2},
		{"empty name", Run{Genome: toy, Params: p("ENZYMES", "EcoRI,,BamHI")}, 2},
		{"empty name after unknown", Run{Genome: toy, Params: p("ENZYMES", "Foo, ")}, 2},
		{"unknown far from all", Run{Genome: toy, Params: p("ENZYMES", "Zzzzzzzz")}, 2},
		{"several unknown", Run{Genome: toy, Params: p("ENZYMES", "EcoRI,hindiii,BamH,Sma,x\"y\\z")}, 2},
		{"unknown with odd bytes", Run{Genome: toy, Params: p("ENZYMES", "Eco\x01RI\xff\u00e9\u200b")}, 2},
		{"Kelvin sign folds to k", Run{Genome: toy, Params: p("ENZYMES", "\u212apnI")}, 0},
		{"unicode spaces around names", Run{Genome: toy, Params: p("ENZYMES", "\u3000EcoRI\u2003,\u00a0BamHI")}, 0},
		{"topology case and spaces", Run{Genome: toy, Params: p("ENZYMES", "EcoRI", "TOPOLOGY", " CIRCULAR ")}, 0},
		{"topology odd bytes", Run{Genome: toy, Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "li\tn\u00e9ar\xfe")}, 2},
		// FASTA
		{"empty file", Run{Genome: []byte{}, Params: p("ENZYMES", "EcoRI")}, 3},
		{"blank lines only", Run{Genome: []byte("\n \n\t\r\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"second record", Run{Genome: []byte("\n>a\nACGT\n\n>b\nACGT\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"empty sequence", Run{Genome: []byte(">seq\u00e9 x\n\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"header without id", Run{Genome: []byte(">  \u00a0\nACGT\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"bad byte", Run{Genome: []byte(">s\nACGTACGTACGTA\xffCG\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"bad rune", Run{Genome: []byte(">s\nACGTé\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"bad control", Run{Genome: []byte(">s\nACGTACGTACGT\x01\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"bad quote", Run{Genome: []byte(">s\nAC'\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"inner space", Run{Genome: []byte(">s\nACGT ACGT\n"), Params: p("ENZYMES", "EcoRI")}, 3},
		{"no final newline, RNA, lower case", Run{Genome: []byte(">r rna\nggaauuccuuaagcuu"), Params: p("ENZYMES", "EcoRI,HindIII")}, 0},
		{"ambiguity codes", Run{Genome: []byte(">amb\nGANTCGAATTCNNNNGAATTCRYSWKMBDHVN\n"), Params: p("ENZYMES", "HinfI,EcoRI,BglI,XmnI")}, 0},
		{"no cut", Run{Genome: []byte(">s\nAAAAAAAA\n"), Params: p("ENZYMES", "EcoRI")}, 0},
		{"no cut circular", Run{Genome: []byte(">s\nAAAAAAAA\n"), Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"site across the origin", Run{Genome: []byte(">c\nATTCAAAAAAAAGA\n"), Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"cut at the origin", Run{Genome: []byte(">c\nAATTCAAAAAAAAG\n"), Params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"sequence shorter than the site, circular", Run{Genome: []byte(">c\nGAATT\n"), Params: p("ENZYMES", "EcoRI,BglI", "TOPOLOGY", "circular")}, 0},
		{"id with control and odd characters", Run{Genome: []byte(">a\x01\"b\\<&>\u2028\xff\u00e9\tdescr  ip\u00a0tion \n\nGAATTC\n"), Params: p("ENZYMES", "EcoRI")}, 0},
		{"Type IIS both strands", Run{Genome: []byte(">g\nAAGGTCTCAAAAAAAAAAAAAGAGACCAAAAAAGAAGACAAAAAAAAAGCTCTTCAAAAA\n"), Params: p("ENZYMES", "BsaI,BbsI,SapI,AcuI,BsmI,FokI,MboII")}, 0},
	}
}

// TestCases runs module and the Go package side by side on every case of
// Cases, each as a subtest: they must agree, with the case's exit code.
func TestCases(t *testing.T, lang string, module []byte) {
	ex := NewExecutor(t)
	for _, tt := range Cases(t) {
		t.Run(tt.Name, func(t *testing.T) {
			res := SameAsGo(t, ex, lang, module, tt.Run)
			if res.Outcome != outputroot.OutcomeExited || res.ExitCode != tt.WantCode {
				t.Errorf("%s: outcome %v exit %d, want exit %d; stderr %q", lang, res.Outcome, res.ExitCode, tt.WantCode, res.Stderr)
			}
		})
	}
}

// TestEveryEnzyme digests λ with each enzyme of bio/restriction's table
// alone and with all of them together, linear and circular, each as a
// subtest: module and the Go package agree, and exit 0.
func TestEveryEnzyme(t *testing.T, lang string, module []byte) {
	lambda := ReadFile(t, LambdaPath)
	ex := NewExecutor(t)
	var all []string
	sets := [][]string{}
	for _, e := range restriction.Enzymes() {
		all = append(all, e.Name)
		sets = append(sets, []string{e.Name})
	}
	sets = append(sets, all)
	for _, set := range sets {
		for _, topo := range []string{"linear", "circular"} {
			name := set[0]
			if len(set) > 1 {
				name = "all"
			}
			t.Run(fmt.Sprintf("%s/%s", name, topo), func(t *testing.T) {
				res := SameAsGo(t, ex, lang, module, Run{Genome: lambda, Params: map[string]string{"ENZYMES": strings.Join(set, ","), "TOPOLOGY": topo}})
				if res.ExitCode != 0 {
					t.Errorf("exit %d: %s", res.ExitCode, res.Stderr)
				}
			})
		}
	}
}

// Fuzz runs module and the Go package on arbitrary genomes (up to 64 KiB)
// and ASCII parameters: they must agree byte for byte. Non-ASCII input is
// skipped: the C and Rust programs approximate how Go's %q quotes unusual
// non-ASCII runes in messages (see their doc.go).
func Fuzz(f *testing.F, lang string, module []byte) {
	f.Add([]byte(Toy), "EcoRI,BamHI", "linear")
	f.Add([]byte(">c\nATTCAAAAAAAAGA\n"), "EcoRI", "circular")
	f.Add([]byte(">s\nAC*T\n"), "EcoR1,", " Circular")
	f.Add([]byte(">amb\nGANTCGAATTCNNNNGAATTCRYSWKMBDHVN\n"), "HinfI,BglI,XmnI,BsaI", "")
	// Build and compile both modules before fuzzing: done inside the first
	// call, it takes longer than the fuzzing engine waits for a worker.
	ex := NewExecutor(f)
	for _, m := range [][]byte{module, GoModule(f)} {
		if _, err := ex.Prepare(context.Background(), fstest.MapFS{"digest.wasm": {Data: m}}, "digest.wasm"); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, genome []byte, enzymes, topology string) {
		if len(genome) > 1<<16 || strings.ContainsRune(enzymes, 0) || strings.ContainsRune(topology, 0) {
			return // NUL is not a valid parameter value; large inputs only slow the search
		}
		if !isASCII(enzymes) || !isASCII(topology) || !isASCII(genome) {
			return // quoting of non-ASCII runes is approximated
		}
		SameAsGo(t, ex, lang, module, Run{Genome: genome, Params: map[string]string{"ENZYMES": enzymes, "TOPOLOGY": topology}})
	})
}

func isASCII[S string | []byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// HostileInputLimits checks that the package's limits bind module as they
// bind the Go one. A genome larger than the memory limit, a table longer
// than the stdout limit, a fragments.json larger than the output limit and
// a fuel budget too small for the search each end the run with that
// limit's outcome, the same on every run; at the stdout limit the module's
// stdout is exactly the first bytes of the full table.
func HostileInputLimits(t *testing.T, module []byte) {
	ex := NewExecutor(t)
	lambda := ReadFile(t, LambdaPath)
	big := bytes.Repeat([]byte("ACGTGAATTCGGATCCAAGCTT"), 1<<20) // 22 MiB of sequence
	big = append([]byte(">big\n"), big...)
	all := map[string]string{"ENZYMES": "EcoRI,BamHI,HindIII,AluI,HaeIII,MseI,TaqI,HpaII", "TOPOLOGY": "circular"}

	full, _ := Run{Genome: lambda, Params: all}.Do(t, ex, module)
	if full.ExitCode != 0 {
		t.Fatalf("full run: exit %d, %s", full.ExitCode, full.Stderr)
	}
	tests := []struct {
		name   string
		run    Run
		want   outputroot.Outcome
		prefix bool // stdout is a prefix of the full run's
	}{
		{"memory", Run{Genome: big, Params: all, Limits: wasm.Limits{Memory: 16 << 20}}, outputroot.OutcomeMemoryLimit, false},
		{"stdout", Run{Genome: lambda, Params: all, Limits: wasm.Limits{Stdout: 1000}}, outputroot.OutcomeStdoutLimit, true},
		{"output", Run{Genome: lambda, Params: all, Limits: wasm.Limits{Output: 4096}}, outputroot.OutcomeOutputLimit, false},
		{"fuel", Run{Genome: lambda, Params: all, Limits: wasm.Limits{Fuel: 20_000}}, outputroot.OutcomeFuelLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, _ := tt.run.Do(t, ex, module)
			if res.Outcome != tt.want {
				t.Fatalf("outcome %v (%v), want %v; stderr %q", res.Outcome, res.Err(), tt.want, res.Stderr)
			}
			again, _ := tt.run.Do(t, ex, module)
			if again.OutputRoot != res.OutputRoot || again.Usage.Fuel != res.Usage.Fuel {
				t.Errorf("two runs: roots %x and %x, fuel %d and %d", res.OutputRoot, again.OutputRoot, res.Usage.Fuel, again.Usage.Fuel)
			}
			if tt.prefix && (len(res.Stdout) != int(tt.run.Limits.Stdout) || !bytes.HasPrefix(full.Stdout, res.Stdout)) {
				t.Errorf("stdout at the limit: %d bytes, not the first %d of the table", len(res.Stdout), tt.run.Limits.Stdout)
			}
		})
	}
}

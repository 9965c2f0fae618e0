package digestc

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

// lambdaPath is phage λ, NC_001416.1, 48,502 bp.
const lambdaPath = "../data/lambda_virus.fa"

// The two modules: the C program of src/ and the Go package examples/digest.
func cModule(tb testing.TB) []byte  { return wasmbuild.C(tb, ".", "src/digest.c") }
func goModule(tb testing.TB) []byte { return wasmbuild.Build(tb, "../digest") }

// newExecutor returns an executor closed at the end of the test.
func newExecutor(tb testing.TB) *wasm.Executor {
	tb.Helper()
	ctx := context.Background()
	ex, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ex.Close(ctx) })
	return ex
}

// A digestRun is one run of a digest module: its genome (nil: no input
// file) and parameters.
type digestRun struct {
	genome []byte
	params map[string]string
	limits wasm.Limits
}

// run runs module on r in the sandbox and returns the result and the
// bytes of fragments.json (nil when absent).
func (r digestRun) run(tb testing.TB, ex *wasm.Executor, module []byte) (*wasm.Result, []byte) {
	tb.Helper()
	job := wasm.Job{
		Root:      fstest.MapFS{"digest.wasm": {Data: module, Mode: 0o444}},
		Entry:     "digest.wasm",
		Params:    r.params,
		OutputDir: tb.TempDir(),
		Limits:    r.limits,
	}
	if r.genome != nil {
		path := filepath.Join(tb.TempDir(), "genome")
		if err := os.WriteFile(path, r.genome, 0o444); err != nil {
			tb.Fatal(err)
		}
		job.Inputs = []wasm.Input{{Name: "genome", Path: path}}
	}
	res, err := ex.Run(context.Background(), job)
	if err != nil {
		tb.Fatalf("run: %v", err)
	}
	frag, err := os.ReadFile(filepath.Join(job.OutputDir, "fragments.json"))
	if err != nil {
		frag = nil
	}
	return res, frag
}

// sameAsGo runs the C and the Go module on r and fails tb where they
// differ: outcome, exit code, stdout, stderr, fragments.json or output
// root. It returns the C module's result.
func sameAsGo(tb testing.TB, ex *wasm.Executor, r digestRun) *wasm.Result {
	tb.Helper()
	cRes, cFrag := r.run(tb, ex, cModule(tb))
	goRes, goFrag := r.run(tb, ex, goModule(tb))
	if cRes.Outcome != goRes.Outcome || cRes.ExitCode != goRes.ExitCode {
		tb.Errorf("C: outcome %v exit %d; Go: outcome %v exit %d (C stderr %q, Go stderr %q)",
			cRes.Outcome, cRes.ExitCode, goRes.Outcome, goRes.ExitCode, cRes.Stderr, goRes.Stderr)
	}
	if !bytes.Equal(cRes.Stderr, goRes.Stderr) {
		tb.Errorf("stderr differs:\nC:  %q\nGo: %q", cRes.Stderr, goRes.Stderr)
	}
	if !bytes.Equal(cRes.Stdout, goRes.Stdout) {
		tb.Errorf("stdout differs:\nC:\n%s\nGo:\n%s", head(cRes.Stdout), head(goRes.Stdout))
	}
	if !bytes.Equal(cFrag, goFrag) {
		tb.Errorf("fragments.json differs:\nC:\n%s\nGo:\n%s", head(cFrag), head(goFrag))
	}
	if cRes.OutputRoot != goRes.OutputRoot {
		tb.Errorf("output roots differ: C %x, Go %x", cRes.OutputRoot, goRes.OutputRoot)
	}
	return cRes
}

// head returns the first 2,000 bytes of b, for messages.
func head(b []byte) []byte { return b[:min(len(b), 2000)] }

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// toy is the small genome of examples/digest's tests.
const toy = ">toy a small test\nAAGAATTCAA\nGGATCCAAGA\nattcAA\n"

// TestSameAsGo runs the C and the Go module side by side on the cases of
// examples/digest's tests (TestRun, TestRunOutputs, TestRunLambda), on the
// enzyme set of its benchmark, and on more edge cases of the parameters,
// the FASTA reader and the report, and requires identical results.
func TestSameAsGo(t *testing.T) {
	lambda := readFile(t, lambdaPath)
	ex := newExecutor(t)
	p := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name     string
		run      digestRun
		wantCode uint32
	}{
		// examples/digest TestRun
		{"ok", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI,BamHI")}, 0},
		{"missing ENZYMES", digestRun{genome: []byte(toy)}, 2},
		{"unknown enzyme", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoR1")}, 2},
		{"bad topology", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI", "TOPOLOGY", "ring")}, 2},
		{"parameters checked before input", digestRun{}, 2},
		{"missing genome", digestRun{params: p("ENZYMES", "EcoRI")}, 3},
		{"bad FASTA", digestRun{genome: []byte(">s\nACGT\nAC*T\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"no header", digestRun{genome: []byte("ACGT\n"), params: p("ENZYMES", "EcoRI")}, 3},
		// examples/digest TestRunOutputs, TestRunLambda, the benchmark's set
		{"outputs", digestRun{genome: []byte(">toy a small test\r\nAAGAATTCAA\r\nGGATCCAAGA\r\nattcAA\r\n"),
			params: p("ENZYMES", " bamhi, EcoRI ,BamHI", "TOPOLOGY", "linear")}, 0},
		{"lambda EcoRI circular", digestRun{genome: lambda, params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"lambda benchmark set", digestRun{genome: lambda, params: p("ENZYMES", "EcoRI,BamHI,HindIII")}, 0},
		// parameters
		{"blank ENZYMES", digestRun{genome: []byte(toy), params: p("ENZYMES", " \t\u00a0")}, 2},
		{"empty name", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI,,BamHI")}, 2},
		{"empty name after unknown", digestRun{genome: []byte(toy), params: p("ENZYMES", "Foo, ")}, 2},
		{"unknown far from all", digestRun{genome: []byte(toy), params: p("ENZYMES", "Zzzzzzzz")}, 2},
		{"several unknown", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI,hindiii,BamH,Sma,x\"y\\z")}, 2},
		{"unknown with odd bytes", digestRun{genome: []byte(toy), params: p("ENZYMES", "Eco\x01RI\xff\u00e9\u200b")}, 2},
		{"Kelvin sign folds to k", digestRun{genome: []byte(toy), params: p("ENZYMES", "\u212apnI")}, 0},
		{"unicode spaces around names", digestRun{genome: []byte(toy), params: p("ENZYMES", "\u3000EcoRI\u2003,\u00a0BamHI")}, 0},
		{"topology case and spaces", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI", "TOPOLOGY", " CIRCULAR ")}, 0},
		{"topology odd bytes", digestRun{genome: []byte(toy), params: p("ENZYMES", "EcoRI", "TOPOLOGY", "li\tn\u00e9ar\xfe")}, 2},
		// FASTA
		{"empty file", digestRun{genome: []byte{}, params: p("ENZYMES", "EcoRI")}, 3},
		{"blank lines only", digestRun{genome: []byte("\n \n\t\r\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"second record", digestRun{genome: []byte("\n>a\nACGT\n\n>b\nACGT\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"empty sequence", digestRun{genome: []byte(">seq\u00e9 x\n\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"header without id", digestRun{genome: []byte(">  \u00a0\nACGT\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"bad byte", digestRun{genome: []byte(">s\nACGTACGTACGTA\xffCG\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"bad rune", digestRun{genome: []byte(">s\nACGTé\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"bad control", digestRun{genome: []byte(">s\nACGTACGTACGT\x01\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"bad quote", digestRun{genome: []byte(">s\nAC'\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"inner space", digestRun{genome: []byte(">s\nACGT ACGT\n"), params: p("ENZYMES", "EcoRI")}, 3},
		{"no final newline, RNA, lower case", digestRun{genome: []byte(">r rna\nggaauuccuuaagcuu"), params: p("ENZYMES", "EcoRI,HindIII")}, 0},
		{"ambiguity codes", digestRun{genome: []byte(">amb\nGANTCGAATTCNNNNGAATTCRYSWKMBDHVN\n"), params: p("ENZYMES", "HinfI,EcoRI,BglI,XmnI")}, 0},
		{"no cut", digestRun{genome: []byte(">s\nAAAAAAAA\n"), params: p("ENZYMES", "EcoRI")}, 0},
		{"no cut circular", digestRun{genome: []byte(">s\nAAAAAAAA\n"), params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"site across the origin", digestRun{genome: []byte(">c\nATTCAAAAAAAAGA\n"), params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"cut at the origin", digestRun{genome: []byte(">c\nAATTCAAAAAAAAG\n"), params: p("ENZYMES", "EcoRI", "TOPOLOGY", "circular")}, 0},
		{"sequence shorter than the site, circular", digestRun{genome: []byte(">c\nGAATT\n"), params: p("ENZYMES", "EcoRI,BglI", "TOPOLOGY", "circular")}, 0},
		{"id with control and odd characters", digestRun{genome: []byte(">a\x01\"b\\<&>\u2028\xff\u00e9\tdescr  ip\u00a0tion \n\nGAATTC\n"), params: p("ENZYMES", "EcoRI")}, 0},
		{"Type IIS both strands", digestRun{genome: []byte(">g\nAAGGTCTCAAAAAAAAAAAAAGAGACCAAAAAAGAAGACAAAAAAAAAGCTCTTCAAAAA\n"), params: p("ENZYMES", "BsaI,BbsI,SapI,AcuI,BsmI,FokI,MboII")}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sameAsGo(t, ex, tt.run)
			if res.Outcome != outputroot.OutcomeExited || res.ExitCode != tt.wantCode {
				t.Errorf("C: outcome %v exit %d, want exit %d; stderr %q", res.Outcome, res.ExitCode, tt.wantCode, res.Stderr)
			}
		})
	}
}

// TestSameAsGoEveryEnzyme digests λ with each enzyme of the table alone and
// with all 79 together, linear and circular: the C and Go modules agree.
func TestSameAsGoEveryEnzyme(t *testing.T) {
	lambda := readFile(t, lambdaPath)
	ex := newExecutor(t)
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
				res := sameAsGo(t, ex, digestRun{genome: lambda, params: map[string]string{"ENZYMES": strings.Join(set, ","), "TOPOLOGY": topo}})
				if res.ExitCode != 0 {
					t.Errorf("exit %d: %s", res.ExitCode, res.Stderr)
				}
			})
		}
	}
}

// FuzzSameAsGo runs the C and the Go module on arbitrary genomes and
// parameters: they must agree byte for byte (see doc.go for the one known
// difference: how unusual non-ASCII characters are quoted in messages).
func FuzzSameAsGo(f *testing.F) {
	f.Add([]byte(toy), "EcoRI,BamHI", "linear")
	f.Add([]byte(">c\nATTCAAAAAAAAGA\n"), "EcoRI", "circular")
	f.Add([]byte(">s\nAC*T\n"), "EcoR1,", " Circular")
	f.Add([]byte(">amb\nGANTCGAATTCNNNNGAATTCRYSWKMBDHVN\n"), "HinfI,BglI,XmnI,BsaI", "")
	// Build and compile both modules before fuzzing: done inside the first
	// call, it takes longer than the fuzzing engine waits for a worker.
	ex := newExecutor(f)
	for _, m := range [][]byte{cModule(f), goModule(f)} {
		if _, err := ex.Prepare(context.Background(), fstest.MapFS{"digest.wasm": {Data: m}}, "digest.wasm"); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, genome []byte, enzymes, topology string) {
		if len(genome) > 1<<16 || strings.ContainsRune(enzymes, 0) || strings.ContainsRune(topology, 0) {
			return // NUL is not a valid parameter value; large inputs only slow the search
		}
		if !isASCII(enzymes) || !isASCII(topology) || !isASCII(genome) {
			return // quoting of non-ASCII runes is approximated (doc.go)
		}
		sameAsGo(t, ex, digestRun{genome: genome, params: map[string]string{"ENZYMES": enzymes, "TOPOLOGY": topology}})
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

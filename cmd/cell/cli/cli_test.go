package cli

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

// cell runs the command line in-process and returns stdout, stderr and the
// exit code.
func cell(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), append([]string{"--home", t.TempDir()}, args...), &out, &errb)
	return out.String(), errb.String(), code
}

// digestDir returns a package directory for examples/digest with its module
// freshly built, so the test does not depend on `make examples`.
func digestDir(t *testing.T) string {
	t.Helper()
	wasm := wasmbuild.Build(t, "../../../examples/digest")
	dir := t.TempDir()
	manifest, err := os.ReadFile("../../../examples/digest/cell.toml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "digest.wasm"), wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestVersionAndOutputFlag(t *testing.T) {
	out, _, code := cell(t, "version", "--output", "json")
	var v map[string]string
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["version"] == "" || v["wazero"] == "" {
		t.Fatalf("version --output json: code %d, %q", code, out)
	}
	if _, errOut, code := cell(t, "version", "--output", "yaml"); code != 2 || !strings.Contains(errOut, "--output") {
		t.Fatalf("--output yaml: code %d, %q", code, errOut)
	}
	if out, _, code := cell(t, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Fatalf("completion bash: code %d", code)
	}
}

// TestPackageBuildIsReproducible builds the example package twice into two
// files and checks the bytes and ids agree, then inspects the file.
func TestPackageBuildIsReproducible(t *testing.T) {
	dir := digestDir(t)
	a, b := filepath.Join(t.TempDir(), "a.cellpkg"), filepath.Join(t.TempDir(), "b.cellpkg")
	outA, errA, code := cell(t, "package", "build", dir, "-o", a)
	if code != 0 {
		t.Fatalf("build: %s", errA)
	}
	outB, _, _ := cell(t, "package", "build", dir, "-o", b)
	idA, idB := strings.Fields(outA)[0], strings.Fields(outB)[0]
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if idA != idB || len(idA) != 64 || !bytes.Equal(ba, bb) {
		t.Fatalf("two builds differ: %s vs %s", idA, idB)
	}

	out, errOut, code := cell(t, "--output", "json", "package", "inspect", a)
	if code != 0 {
		t.Fatalf("inspect: %s", errOut)
	}
	var d struct {
		ID       string `json:"id"`
		Envelope struct {
			Name  string `json:"name"`
			Kind  string `json:"kind"`
			Skill string `json:"skill"`
		} `json:"envelope"`
		Files []struct {
			Path string `json:"path"`
			Size int64  `json:"size"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("inspect json: %v\n%s", err, out)
	}
	if d.ID != idA || d.Envelope.Name != "digest" || d.Envelope.Kind != "compute" || d.Envelope.Skill != "compute/genomics/digest" {
		t.Fatalf("inspect = %+v", d)
	}
	if len(d.Files) != 1 || d.Files[0].Path != "/digest.wasm" || d.Files[0].Size == 0 {
		t.Fatalf("files = %+v", d.Files)
	}
	text, _, _ := cell(t, "package", "inspect", a)
	for _, want := range []string{idA, "digest 1.0.0", "ENZYMES (required)", `TOPOLOGY (default "linear")`, "genome (fasta)", "/digest.wasm"} {
		if !strings.Contains(text, want) {
			t.Errorf("inspect text lacks %q:\n%s", want, text)
		}
	}
}

// TestRunDigestLambdaEcoRI is the acceptance test of the foundation: the
// digest of phage λ with EcoRI gives the six fragments of the commercial
// λ/EcoRI marker, and two runs agree on the output root.
func TestRunDigestLambdaEcoRI(t *testing.T) {
	dir := digestDir(t)
	lambda := "../../../examples/data/lambda.fa"
	outDir := filepath.Join(t.TempDir(), "out")
	stdout, stderr, code := cell(t, "run", dir, "--input", "genome="+lambda, "--param", "ENZYMES=EcoRI", "--out", outDir)
	if code != 0 {
		t.Fatalf("run: code %d\n%s", code, stderr)
	}
	root, _, _ := strings.Cut(stdout, "\n")
	if !strings.HasPrefix(root, "output root ") || len(strings.TrimPrefix(root, "output root ")) != 64 {
		t.Fatalf("first line %q is not the output root", root)
	}
	data, err := os.ReadFile(filepath.Join(outDir, "fragments.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Length    int `json:"length"`
		Fragments []struct {
			Length int `json:"length"`
		} `json:"fragments"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, f := range got.Fragments {
		sizes = append(sizes, f.Length)
	}
	slices.Sort(sizes)
	// The λ/EcoRI marker: 21226, 7421, 5804, 5643, 4878, 3530 bp.
	if want := []int{3530, 4878, 5643, 5804, 7421, 21226}; got.Length != 48502 || !slices.Equal(sizes, want) {
		t.Fatalf("length %d, fragments %v; want 48502 and %v", got.Length, sizes, want)
	}
	for _, size := range []string{"21226", "7421", "5804", "5643", "4878", "3530"} {
		if !strings.Contains(stdout, size) {
			t.Errorf("stdout lacks fragment %s:\n%s", size, stdout)
		}
	}

	// A second run, from a .cellpkg file this time, gives the same root.
	pkg := filepath.Join(t.TempDir(), "digest.cellpkg")
	if _, e, code := cell(t, "package", "build", dir, "-o", pkg); code != 0 {
		t.Fatal(e)
	}
	out2, _, code := cell(t, "--output", "json", "run", pkg, "--input", "genome="+lambda, "--param", "ENZYMES=EcoRI")
	var r struct {
		OutputRoot string `json:"output_root"`
		Outcome    string `json:"outcome"`
		ExitCode   int    `json:"exit_code"`
		Usage      struct {
			Fuel int64 `json:"fuel"`
		} `json:"usage"`
	}
	if code != 0 || json.Unmarshal([]byte(out2), &r) != nil || "output root "+r.OutputRoot != root {
		t.Fatalf("second run: code %d root %q, want %q", code, r.OutputRoot, root)
	}
	// The protocol's default fuel leaves the digest of λ a wide margin.
	if r.Outcome != "exited" || r.Usage.Fuel <= 0 || r.Usage.Fuel*100 > batch.DefaultFuel {
		t.Errorf("outcome %q, fuel %d; want exited, with at most 1/100 of %d", r.Outcome, r.Usage.Fuel, batch.DefaultFuel)
	}
}

// TestRunOutcomes runs the digest with limits it cannot live with, declared
// in its manifest: the run ends with that outcome, cell prints it and exits
// with 125, and the root is the outcome root.
func TestRunOutcomes(t *testing.T) {
	lambda := "../../../examples/data/lambda.fa"
	home := t.TempDir() // one compilation cache for all the runs
	cell := func(t *testing.T, args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--home", home}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	for _, tt := range []struct {
		name      string
		resources string
		outcome   outputroot.Outcome
		reason    string
	}{
		{"fuel", "fuel = 1000", outputroot.OutcomeFuelLimit, "fuel limit exceeded: limit 1000 loop iterations"},
		{"output", "disk_bytes = 100", outputroot.OutcomeOutputLimit, "output limit exceeded: limit 100 bytes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := digestDir(t)
			manifest := filepath.Join(dir, "cell.toml")
			text, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			text = regexp.MustCompile(`(?m)^disk_bytes = .*$`).ReplaceAll(text, []byte(tt.resources))
			if err := os.WriteFile(manifest, text, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"run", dir, "--input", "genome=" + lambda, "--param", "ENZYMES=EcoRI"}
			_, stderr, code := cell(t, args...)
			if code != 125 || !strings.Contains(stderr, "ended with outcome "+tt.outcome.String()+" ("+tt.reason+")") {
				t.Fatalf("code %d, stderr:\n%s", code, stderr)
			}
			out, _, code := cell(t, append([]string{"--output", "json"}, args...)...)
			var r struct {
				OutputRoot string             `json:"output_root"`
				Outcome    outputroot.Outcome `json:"outcome"`
				Reason     string             `json:"reason"`
				Stdout     string             `json:"stdout"`
				Stderr     string             `json:"stderr"`
			}
			if err := json.Unmarshal([]byte(out), &r); err != nil || code != 125 {
				t.Fatalf("code %d, %v:\n%s", code, err, out)
			}
			root, _ := outputroot.ComputeOutcome(tt.outcome, 0, []byte(r.Stdout), []byte(r.Stderr), nil)
			if r.Outcome != tt.outcome || r.Reason != tt.reason || r.OutputRoot != hex.EncodeToString(root[:]) {
				t.Errorf("outcome %v, reason %q, root %s; want %v, %q, %x", r.Outcome, r.Reason, r.OutputRoot, tt.outcome, tt.reason, root)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := digestDir(t)
	lambda := "../../../examples/data/lambda.fa"
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing input", []string{"--param", "ENZYMES=EcoRI"}, 1, "input genome: required"},
		{"unknown input", []string{"--input", "genome=" + lambda, "--input", "x=" + lambda, "--param", "ENZYMES=EcoRI"}, 1, `input "x": not declared`},
		{"missing parameter", []string{"--input", "genome=" + lambda}, 1, "parameter ENZYMES: required"},
		{"unknown parameter", []string{"--input", "genome=" + lambda, "--param", "ENZYMES=EcoRI", "--param", "COLOUR=red"}, 1, `parameter "COLOUR": not declared`},
		{"bad pair", []string{"--param", "ENZYMES"}, 2, "want NAME=VALUE"},
		{"unknown enzyme exits like the package", []string{"--input", "genome=" + lambda, "--param", "ENZYMES=NoSuchI"}, 2, "NoSuchI"},
		{"bad seed", []string{"--input", "genome=" + lambda, "--param", "ENZYMES=EcoRI", "--seed", "xyz"}, 2, "--seed"},
		{"memory limit below the package's", []string{"--input", "genome=" + lambda, "--param", "ENZYMES=EcoRI", "--memory-limit", "64MiB"}, 1,
			"needs more than this machine gives: job.limits.memory: 268435456 is above the executor's ceiling (67108864)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := cell(t, append([]string{"run", dir}, tt.args...)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) {
				t.Fatalf("code %d (want %d), stderr:\n%s\nwant it to contain %q", code, tt.code, stderr, tt.want)
			}
		})
	}
}

// TestPackageBuildSigned signs a package with a keyring key: the author is
// the key's address, the id is unchanged, and inspect says it is signed.
func TestPackageBuildSigned(t *testing.T) {
	dir := digestDir(t)
	home := t.TempDir()
	run := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(context.Background(), append([]string{"--home", home}, args...), &out, &errb)
		return out.String(), errb.String(), code
	}
	if _, e, code := run("keys", "add", "author", "--dev"); code != 0 {
		t.Fatal(e)
	}
	signed := filepath.Join(t.TempDir(), "signed.cellpkg")
	out, e, code := run("package", "build", dir, "--key", "author", "-o", signed)
	if code != 0 {
		t.Fatal(e)
	}
	unsigned, _, _ := run("package", "build", dir, "-o", filepath.Join(t.TempDir(), "u.cellpkg"))
	if strings.Fields(out)[0] != strings.Fields(unsigned)[0] {
		t.Fatal("signing changed the package id")
	}
	js, _, _ := run("--output", "json", "package", "inspect", signed)
	var d struct {
		Signed   bool `json:"signed"`
		Envelope struct {
			Author string `json:"author"`
		} `json:"envelope"`
	}
	if err := json.Unmarshal([]byte(js), &d); err != nil || !d.Signed || d.Envelope.Author == "" {
		t.Fatalf("inspect of a signed package: %v %s", err, js)
	}
}

package protopkg

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

func build(t *testing.T, dir string) *spec.Package {
	t.Helper()
	p, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoad: the testdata package filled with each enzyme gives the
// protocol.Load of the same template, its SHA-256, and requirements that
// name the enzyme; the package survives a .cellpkg round trip.
func TestLoad(t *testing.T) {
	pkg := build(t, "testdata/lambda-digest")
	back, err := spec.DecodePackage(pkg.Encode(), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := os.ReadFile("testdata/lambda-digest/protocol.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, enzyme := range []string{"EcoRI", "BamHI", "HindIII"} {
		params := map[string]string{"ENZYME": enzyme}
		l, err := Load(back, params)
		if err != nil {
			t.Fatal(err)
		}
		filled, _ := protocol.Fill(tmpl, params)
		if !bytes.Equal(l.Template, tmpl) || !bytes.Equal(l.Filled, filled) || l.Hash != sha256.Sum256(filled) {
			t.Fatalf("%s: template, filled bytes or hash differ from the template's", enzyme)
		}
		if len(l.Protocol.Instructions) != 9 || !strings.Contains(strings.Join(l.Requirements.Resources, ","), enzyme+"-buffer") {
			t.Fatalf("%s: %d instructions, resources %v", enzyme, len(l.Protocol.Instructions), l.Requirements.Resources)
		}
		if l.Params["ENZYME"] != enzyme {
			t.Fatalf("params %v", l.Params)
		}
	}
}

// TestLoadParams: a left-out parameter takes its default, an undeclared
// or missing required one is refused naming it, and a value that breaks
// the protocol is refused naming the instruction and field.
func TestLoadParams(t *testing.T) {
	dir := t.TempDir()
	manifest := `name = "digest-time"
version = "1.0.0"
kind = "protocol"
skill = "protocol/digest"

[[parameter]]
name = "ENZYME"
required = true
example = "EcoRI"

[[parameter]]
name = "MINUTES"
default = "60"
`
	tmpl := `{"refs": {"d": {"new": "96-pcr", "discard": true}},
 "instructions": [
  {"op": "provision", "resource_id": "{{ENZYME}}", "to": [{"well": "d/A1", "volume": "1:microliter"}]},
  {"op": "seal", "object": "d", "type": "ultra-clear"},
  {"op": "incubate", "object": "d", "where": "warm_37", "duration": "{{MINUTES}}:minute", "shaking": false}]}`
	os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(manifest), 0o644)
	os.WriteFile(filepath.Join(dir, "protocol.json"), []byte(tmpl), 0o644)
	pkg := build(t, dir)

	l, err := Load(pkg, map[string]string{"ENZYME": "BamHI"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Params["MINUTES"] != "60" || l.Requirements.Duration.Max != 3_600_000 {
		t.Fatalf("default not filled in: params %v, duration %+v", l.Params, l.Requirements.Duration)
	}
	l, err = Load(pkg, map[string]string{"ENZYME": "BamHI", "MINUTES": "5"})
	if err != nil || l.Requirements.Duration.Max != 300_000 {
		t.Fatalf("MINUTES=5: %v", err)
	}
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"missing required", map[string]string{"MINUTES": "5"}, "params.ENZYME: required: the package has no default"},
		{"undeclared", map[string]string{"ENZYME": "EcoRI", "ENZYMES": "x"}, "params.ENZYMES: not a parameter of digest-time (it declares ENZYME, MINUTES)"},
		{"breaks the protocol", map[string]string{"ENZYME": "EcoRI", "MINUTES": "-5"}, "instructions[2].duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(pkg, tt.params)
			if !errors.Is(err, protocol.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want protocol.ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadRefusesCompute: a compute package is not a protocol package.
func TestLoadRefusesCompute(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(`name = "x"
version = "1.0.0"
kind = "compute"
skill = "compute/x"
architecture = "wasm32-wasip1"
files = ["x.wasm"]
entry = {path = "x.wasm"}
`), 0o644)
	os.WriteFile(filepath.Join(dir, "x.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	pkg := build(t, dir)
	if _, err := Load(pkg, nil); !errors.Is(err, ErrNotProtocol) || !strings.Contains(err.Error(), "KIND_COMPUTE") {
		t.Fatalf("err = %v, want ErrNotProtocol", err)
	}
}

// TestOpen: a package directory, a .cellpkg file, a bare template and a
// directory holding one all load to the same filled protocol.
func TestOpen(t *testing.T) {
	params := map[string]string{"ENZYME": "HindIII"}
	file := filepath.Join(t.TempDir(), "p"+spec.FileExt)
	os.WriteFile(file, build(t, "testdata/lambda-digest").Encode(), 0o644)
	bare := t.TempDir()
	tmpl, _ := os.ReadFile("testdata/lambda-digest/protocol.json")
	os.WriteFile(filepath.Join(bare, "protocol.json"), tmpl, 0o644)
	var hashes [][32]byte
	for _, path := range []string{"testdata/lambda-digest", file, "testdata/lambda-digest/protocol.json", bare} {
		l, err := Open(path, params)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		hashes = append(hashes, l.Hash)
	}
	for _, h := range hashes[1:] {
		if h != hashes[0] {
			t.Fatal("the forms of one protocol load to different hashes")
		}
	}
	if _, err := Open("testdata/none.json", params); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := Open("testdata/lambda-digest/protocol.json", nil); !errors.Is(err, protocol.ErrInvalid) || !strings.Contains(err.Error(), "params.ENZYME: missing") {
		t.Fatalf("missing parameter: %v", err)
	}
}

// FuzzLoad: an order's parameter values are outside input; whatever they
// are, Load returns a protocol whose hash is that of its filled bytes, or
// an error matching protocol.ErrInvalid, and never panics.
func FuzzLoad(f *testing.F) {
	pkg, err := packer.Build("testdata/lambda-digest", spec.DefaultLimits())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"EcoRI", "", `"}`, "{{ENZYME}}", "Eco\nRI", "\\u0000", strings.Repeat("A", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, enzyme string) {
		l, err := Load(pkg, map[string]string{"ENZYME": enzyme})
		switch {
		case err != nil && !errors.Is(err, protocol.ErrInvalid):
			t.Fatalf("error does not match ErrInvalid: %v", err)
		case err == nil && l.Hash != sha256.Sum256(l.Filled):
			t.Fatal("hash is not that of the filled bytes")
		}
	})
}

package packer

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

const manifest = `
name = "hello"
version = "0.1.0"
kind = "compute"
skill = "compute/greeting"
prose = "Prints a greeting."
architecture = "wasm32-wasip1"
files = ["bin", "share/greeting.txt", "hello.wasm"]

[entry]
path = "hello.wasm"
args = ["--loud"]

[license]
royalty_bps = 100
terms = "MIT"

[resources]
memory_bytes = 1048576
fuel = 5000000

[[parameter]]
name = "NAME"
prose = "who to greet"
required = true

[[parameter]]
name = "GREETING"
default = "hello"

[[input]]
name = "names"
format = "text"

[[output]]
name = "out.txt"
`

// writeTree writes files (path → content; content "->x" makes a link to x)
// under a new directory, creating them in the order given.
func writeTree(t *testing.T, files [][2]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f[0]))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(f[1], "->"); ok {
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(f[1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var helloFiles = [][2]string{
	{"cell.toml", manifest},
	{"hello.wasm", "\x00asm\x01\x00\x00\x00"},
	{"bin/tool", "tool"},
	{"bin/sub/deep", "deep"},
	{"bin/alias", "->tool"},
	{"share/greeting.txt", "hi"},
	{"share/ignored.txt", "not listed"},
}

func TestBuildIsReproducible(t *testing.T) {
	a := writeTree(t, helloFiles)
	// The same content created in the opposite order, with other
	// permissions and timestamps, must give the same bytes.
	reversed := make([][2]string, len(helloFiles))
	for i, f := range helloFiles {
		reversed[len(helloFiles)-1-i] = f
	}
	b := writeTree(t, reversed)
	if err := os.Chmod(filepath.Join(b, "bin", "tool"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(filepath.Join(b, "hello.wasm"), old, old); err != nil {
		t.Fatal(err)
	}
	pa, err := Build(a, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	pb, err := Build(b, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if pa.ID() != pb.ID() || !bytes.Equal(pa.Encode(), pb.Encode()) {
		t.Fatalf("two builds differ: %s vs %s", pa.ID(), pb.ID())
	}
	again, err := Build(a, spec.DefaultLimits())
	if err != nil || !bytes.Equal(again.Encode(), pa.Encode()) {
		t.Fatalf("rebuilding the same directory differs: %v", err)
	}

	var paths []string
	_ = pa.Spec().Tree().Walk(func(e spec.Entry) error {
		paths = append(paths, e.Path)
		return nil
	})
	want := "/bin /bin/alias /bin/sub /bin/sub/deep /bin/tool /hello.wasm /share /share/greeting.txt"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("files = %s\nwant    %s", got, want)
	}
	env := pa.Envelope()
	if env.GetName() != "hello" || env.GetParameters()[0].GetName() != "GREETING" || env.GetParameters()[1].GetName() != "NAME" {
		t.Errorf("envelope = %v", env)
	}
	if prog, args := pa.Spec().Entry(); prog != "hello.wasm" || strings.Join(args, " ") != "--loud" {
		t.Errorf("entry = %q %q", prog, args)
	}
	if got := pa.Spec().MaxResources().GetMemLimit(); got != 1<<20 {
		t.Errorf("mem_limit = %d", got)
	}
	if got := env.GetFuel(); got != 5_000_000 {
		t.Errorf("fuel = %d", got)
	}
	if !pa.Spec().Tree().ReadOnly() {
		t.Error("root is not read-only")
	}
	// The package survives the file format.
	back, err := spec.DecodePackage(pa.Encode(), spec.DefaultLimits())
	if err != nil || back.ID() != pa.ID() {
		t.Fatalf("DecodePackage: %v", err)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(m string) string
		files [][2]string
		want  string
	}{
		{"unknown key", func(m string) string { return "colour = \"red\"\n" + m }, nil, "unknown keys: colour"},
		{"negative memory", func(m string) string { return strings.Replace(m, "memory_bytes = 1048576", "memory_bytes = -1", 1) }, nil, "resources.memory_bytes: must not be negative"},
		{"negative fuel", func(m string) string { return strings.Replace(m, "fuel = 5000000", "fuel = -1", 1) }, nil, "resources.fuel: must not be negative"},
		{"too much fuel", func(m string) string { return strings.Replace(m, "fuel = 5000000", "fuel = 1000000000001", 1) }, nil, "envelope.fuel: 1000000000001 loop iterations is over"},
		{"negative royalty", func(m string) string { return strings.Replace(m, "royalty_bps = 100", "royalty_bps = -1", 1) }, nil, `"license.royalty_bps"): -1 is out of range`},
		{"missing file", func(m string) string { return strings.Replace(m, `"bin",`, `"nope",`, 1) }, nil, "nope"},
		{"file outside", func(m string) string { return strings.Replace(m, `"bin",`, `"../x",`, 1) }, nil, "must be a path inside"},
		{"absolute link", nil, [][2]string{{"bin/abs", "->/etc/passwd"}}, "link to absolute path"},
		{"link leaves", nil, [][2]string{{"bin/up", "->../../x"}}, "escapes the package root"},
		{"dangling link", nil, [][2]string{{"bin/gone", "->nowhere"}}, "file does not exist"},
		{"bad kind", func(m string) string { return strings.Replace(m, `"compute"`, `"magic"`, 1) }, nil, `kind: unknown kind "magic"`},
		{"bad version", func(m string) string { return strings.Replace(m, `"0.1.0"`, `"1"`, 1) }, nil, "envelope.version"},
		{"empty skill", func(m string) string { return strings.Replace(m, `"compute/greeting"`, `""`, 1) }, nil, "envelope.skill: must not be empty"},
		{"entry missing", func(m string) string { return strings.Replace(m, `path = "hello.wasm"`, `path = "nope.wasm"`, 1) }, nil, "container.init.entry_path:"},
		{"no entry", func(m string) string { return strings.Replace(m, `path = "hello.wasm"`, ``, 1) }, nil, "entry.path: required"},
		{"unknown architecture", func(m string) string { return strings.Replace(m, `"wasm32-wasip1"`, `"riscv64"`, 1) }, nil, "unknown architecture"},
		{"bad parent", func(m string) string {
			return m[:strings.Index(m, "[entry]")] + "parent = \"abc\"\n" + m[strings.Index(m, "[entry]"):]
		}, nil, "parent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := append([][2]string(nil), helloFiles...)
			if tt.edit != nil {
				files[0][1] = tt.edit(manifest)
			}
			files = append(files, tt.files...)
			_, err := Build(writeTree(t, files), spec.DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Build(t.TempDir(), spec.DefaultLimits()); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("no manifest: err = %v", err)
	}
}

func TestBuildSigned(t *testing.T) {
	dir := writeTree(t, helloFiles)
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	a, err := BuildSigned(dir, spec.DefaultLimits(), priv)
	if err != nil {
		t.Fatal(err)
	}
	b, err := BuildSigned(dir, spec.DefaultLimits(), priv)
	if err != nil || !bytes.Equal(a.Encode(), b.Encode()) {
		t.Fatalf("signed builds differ: %v", err)
	}
	if !a.Signed() || !bytes.Equal(a.Envelope().GetAuthor(), spec.Address(priv.Public().(ed25519.PublicKey))) {
		t.Fatal("not signed by the key's address")
	}
	back, err := spec.DecodePackage(a.Encode(), spec.DefaultLimits())
	if err != nil || !back.Signed() || back.ID() != a.ID() {
		t.Fatalf("signed package does not decode and verify: %v", err)
	}
	unsigned, _ := Build(dir, spec.DefaultLimits())
	if unsigned.ID() != a.ID() {
		t.Fatal("signing changed the package id: it must depend on the spec only")
	}
}

const protocolManifest = `
name = "digest-gel"
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

const protocolTemplate = `{
  "refs": {"digest": {"new": "96-pcr", "store": {"where": "cold_4"}}},
  "instructions": [
    {"op": "provision", "resource_id": "{{ENZYME}}", "to": [{"well": "digest/A1", "volume": "1:microliter"}]},
    {"op": "seal", "object": "digest", "type": "ultra-clear"},
    {"op": "incubate", "object": "digest", "where": "warm_37", "duration": "{{MINUTES}}:minute", "shaking": false}
  ]
}`

// TestBuildProtocol: a protocol package gets architecture autoprotocol/1,
// entry and filesystem protocol.json and kind protocol without saying so;
// its parameters are declared as [[parameter]] tables.
func TestBuildProtocol(t *testing.T) {
	p, err := Build(writeTree(t, [][2]string{{"cell.toml", protocolManifest}, {"protocol.json", protocolTemplate}, {"notes.txt", "not packed"}}), spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	s, env := p.Spec(), p.Envelope()
	if prog, _ := s.Entry(); prog != "protocol.json" || env.GetKind() != specpb.Kind_KIND_PROTOCOL ||
		strings.Join(s.Architectures(), ",") != spec.ArchAutoprotocol1 || s.Tree().Len() != 1 {
		t.Fatalf("entry %q, kind %v, architectures %v, %d entries", prog, env.GetKind(), s.Architectures(), s.Tree().Len())
	}
	if got, err := s.Tree().ReadFile("protocol.json"); err != nil || string(got) != protocolTemplate {
		t.Fatalf("protocol.json not in the filesystem: %v", err)
	}
	var names []string
	for _, par := range env.GetParameters() {
		names = append(names, par.GetName())
	}
	if strings.Join(names, ",") != "ENZYME,MINUTES" || !env.GetParameters()[0].GetRequired() || env.GetParameters()[1].GetDefault() != "60" {
		t.Fatalf("parameters %v", env.GetParameters())
	}
	back, err := spec.DecodePackage(p.Encode(), spec.DefaultLimits())
	if err != nil || back.ID() != p.ID() {
		t.Fatalf("protocol package does not round-trip: %v", err)
	}
}

// TestBuildProtocolErrors: the build fills the template with the
// examples and defaults and refuses a broken protocol naming the field.
func TestBuildProtocolErrors(t *testing.T) {
	tests := []struct {
		name     string
		manifest func(string) string
		template func(string) string
		want     string
	}{
		{"broken template", nil, func(s string) string {
			return strings.Replace(s, `"shaking": false`, `"shaking": false, "speed": 3`, 1)
		},
			`protocol.json (filled with the parameters' examples and defaults): instructions[2]: incubate: json: unknown field "speed"`},
		{"bad example", func(m string) string { return strings.Replace(m, `default = "60"`, `default = "sixty"`, 1) }, nil,
			"instructions[2].duration"},
		{"undeclared placeholder", func(m string) string { return m[:strings.Index(m, "[[parameter]]\nname = \"MINUTES\"")] }, nil,
			"params.MINUTES: missing: the template uses {{MINUTES}}"},
		{"unused parameter", func(m string) string { return m + "[[parameter]]\nname = \"EXTRA\"\ndefault = \"x\"\n" }, nil,
			"params: not used by the template: EXTRA"},
		{"required without example", func(m string) string { return strings.Replace(m, `example = "EcoRI"`, ``, 1) }, nil,
			"parameter ENZYME: example: a required parameter of a protocol package needs an example"},
		{"optional without default", func(m string) string { return strings.Replace(m, `default = "60"`, ``, 1) }, nil,
			"parameter MINUTES: default: a protocol parameter is required or has a default"},
		{"no template", func(m string) string { return "files = [\"notes.txt\"]\n" + m }, nil, "container.init.entry_path:"},
		{"wasm architecture", func(m string) string { return "architecture = \"wasm32-wasip1\"\n" + m }, nil,
			`architecture: a protocol package is autoprotocol/1, not "wasm32-wasip1"`},
		{"other entry", func(m string) string { return "entry = {path = \"notes.txt\"}\n" + m }, nil,
			`entry.path: a protocol package's entry is its template protocol.json, not "notes.txt"`},
		{"example on compute", func(m string) string { return strings.Replace(m, `"protocol"`, `"compute"`, 1) }, nil,
			"parameter ENZYME: example: only a protocol package's parameters have examples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, tmpl := protocolManifest, protocolTemplate
			if tt.manifest != nil {
				m = tt.manifest(m)
			}
			if tt.template != nil {
				tmpl = tt.template(tmpl)
			}
			_, err := Build(writeTree(t, [][2]string{{"cell.toml", m}, {"protocol.json", tmpl}, {"notes.txt", "x"}}), spec.DefaultLimits())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

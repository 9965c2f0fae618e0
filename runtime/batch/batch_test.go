package batch

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

const manifest = `
name = "t"
version = "1.0.0"
kind = "compute"
skill = "compute/test"
architecture = "wasm32-wasip1"
files = ["m.wasm"]
[entry]
path = "m.wasm"
args = ["-x"]
[resources]
memory_bytes = 1048576
disk_bytes = 4096
[[parameter]]
name = "NEEDED"
required = true
[[parameter]]
name = "MODE"
default = "fast"
[[parameter]]
name = "EXTRA"
[[input]]
name = "data"
`

func testPackage(t *testing.T) *spec.Package {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewJob(t *testing.T) {
	p := testPackage(t)
	job, err := NewJob(p, Request{
		Inputs:    map[string]string{"data": "/tmp/data"},
		Params:    map[string]string{"NEEDED": "yes"},
		OutputDir: "/tmp/out",
		Seed:      LocalSeed(p.ID()),
	})
	if err != nil {
		t.Fatal(err)
	}
	if job.Entry != "m.wasm" || strings.Join(job.Args, " ") != "-x" {
		t.Errorf("entry = %q %q", job.Entry, job.Args)
	}
	if len(job.Params) != 2 || job.Params["NEEDED"] != "yes" || job.Params["MODE"] != "fast" {
		t.Errorf("params = %v: want NEEDED given, MODE defaulted, EXTRA unset", job.Params)
	}
	if strings.Join(job.DeclaredParams, ",") != "EXTRA,MODE,NEEDED" {
		t.Errorf("declared = %v", job.DeclaredParams)
	}
	if job.Limits.Memory != 1<<20 || job.Limits.Output != 4096 {
		t.Errorf("limits = %+v: want the package's resources", job.Limits)
	}
	if len(job.Inputs) != 1 || job.Inputs[0].Name != "data" || job.Inputs[0].Path != "/tmp/data" {
		t.Errorf("inputs = %+v", job.Inputs)
	}
	if LocalSeed(p.ID()) == LocalSeed(spec.ID{}) {
		t.Error("LocalSeed does not depend on the package")
	}
}

func TestNewJobErrors(t *testing.T) {
	p := testPackage(t)
	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"missing input", Request{Params: map[string]string{"NEEDED": "1"}}, "input data: required"},
		{"unknown input", Request{Inputs: map[string]string{"data": "a", "other": "b"}, Params: map[string]string{"NEEDED": "1"}}, `input "other": not declared`},
		{"missing required parameter", Request{Inputs: map[string]string{"data": "a"}}, "parameter NEEDED: required"},
		{"unknown parameter", Request{Inputs: map[string]string{"data": "a"}, Params: map[string]string{"NEEDED": "1", "X": "2"}}, `parameter "X": not declared`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewJob(p, tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

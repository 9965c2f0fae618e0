package batch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/runtime/wasm"
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
fuel = 123456
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
	return buildPackage(t, manifest)
}

func buildPackage(t *testing.T, manifest string) *spec.Package {
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
	if job.Limits != Limits(p) {
		t.Errorf("limits = %+v, want the package's %+v", job.Limits, Limits(p))
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

// TestLimits checks that every deterministic limit comes from the package,
// or from the protocol's defaults when it declares none, and never leaves
// a field to the executor.
func TestLimits(t *testing.T) {
	const resources = "[resources]\nmemory_bytes = 1048576\ndisk_bytes = 4096\nfuel = 123456\n"
	without := func(keys ...string) string {
		m := manifest
		for _, k := range keys {
			m = strings.Replace(m, k+"\n", "", 1)
		}
		return m
	}
	for _, tt := range []struct {
		name     string
		manifest string
		want     wasm.Limits
	}{
		{"all declared", manifest, wasm.Limits{Memory: 1 << 20, Output: 4096, Fuel: 123456, Stdout: StdoutLimit, Stderr: StderrLimit}},
		{"none declared", strings.Replace(manifest, resources, "", 1),
			wasm.Limits{Memory: DefaultMemory, Output: DefaultOutput, Fuel: DefaultFuel, Stdout: 1 << 20, Stderr: 1 << 20}},
		{"fuel only", without("memory_bytes = 1048576", "disk_bytes = 4096"),
			wasm.Limits{Memory: DefaultMemory, Output: DefaultOutput, Fuel: 123456, Stdout: StdoutLimit, Stderr: StderrLimit}},
		{"memory only", without("disk_bytes = 4096", "fuel = 123456"),
			wasm.Limits{Memory: 1 << 20, Output: DefaultOutput, Fuel: DefaultFuel, Stdout: StdoutLimit, Stderr: StderrLimit}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(manifest, resources) {
				t.Fatal("the test manifest changed")
			}
			p := buildPackage(t, tt.manifest)
			if got := Limits(p); got != tt.want {
				t.Errorf("Limits = %+v, want %+v", got, tt.want)
			}
			job, err := NewJob(p, Request{Inputs: map[string]string{"data": "d"}, Params: map[string]string{"NEEDED": "1"}})
			if err != nil || job.Limits != tt.want {
				t.Errorf("NewJob limits = %+v, %v", job.Limits, err)
			}
		})
	}

	// The defaults fit the default ceilings of an executor, so a node with
	// the default configuration runs a package that declares nothing.
	ex, err := wasm.NewExecutor(context.Background(), wasm.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close(context.Background())
	if err := ex.CheckLimits(Limits(buildPackage(t, strings.Replace(manifest, resources, "", 1)))); err != nil {
		t.Errorf("default limits on a default executor: %v", err)
	}
	// DefaultFuel is within what an envelope may declare.
	if DefaultFuel > spec.MaxFuel {
		t.Errorf("DefaultFuel %d > spec.MaxFuel %d", DefaultFuel, int64(spec.MaxFuel))
	}
}

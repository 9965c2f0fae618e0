package wasm_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// foreignModules are the sandbox probes of testdata/csandbox (clang +
// wasi-libc) and testdata/rustsandbox (rustc, wasm32-wasi): modules from
// the two other toolchains the runtime supports.
var foreignModules = []struct {
	lang  string
	build func(testing.TB) []byte
}{
	{"c", func(tb testing.TB) []byte { return wasmbuild.C(tb, "testdata/csandbox", "sandbox.c") }},
	{"rust", func(tb testing.TB) []byte { return wasmbuild.Rust(tb, "testdata/rustsandbox", "sandbox.rs") }},
}

// foreignJob runs module in mode with the input "in" and seed.
func foreignJob(tb testing.TB, module []byte, mode string, seed byte) wasm.Job {
	tb.Helper()
	in := filepath.Join(tb.TempDir(), "in.txt")
	if err := os.WriteFile(in, []byte(inputContent), 0o644); err != nil {
		tb.Fatal(err)
	}
	return wasm.Job{
		Root:      fstest.MapFS{"sandbox.wasm": {Data: module, Mode: 0o444}},
		Entry:     "sandbox.wasm",
		Args:      []string{"--flag", "value"},
		Inputs:    []wasm.Input{{Name: "in", Path: in}},
		Params:    map[string]string{"MODE": mode, "B": "2", "A": "1"},
		OutputDir: tb.TempDir(),
		Seed:      [32]byte{seed},
		Limits:    smallLimits,
	}
}

// lineWith returns the line of out that starts with prefix.
func lineWith(out []byte, prefix string) string {
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// TestForeignModulesInTheSandbox runs a C and a Rust module through the
// executor and checks what they see: the fake clock (at the Unix epoch, the
// same on every run), the seeded random source, their arguments and sorted
// environment, the read-only package filesystem and inputs, the writable
// /outputs, stdout, stderr and the exit code; and that two runs give one
// output root.
func TestForeignModulesInTheSandbox(t *testing.T) {
	ex := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	ctx := context.Background()
	for _, m := range foreignModules {
		t.Run(m.lang, func(t *testing.T) {
			module := m.build(t)
			run := func(seed byte) (*wasm.Result, wasm.Job) {
				job := foreignJob(t, module, "report", seed)
				res, err := ex.Run(ctx, job)
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				return res, job
			}
			res, job := run(1)
			if res.Outcome != outputroot.OutcomeExited || res.ExitCode != 7 {
				t.Fatalf("outcome %v, exit %d, stderr %q", res.Outcome, res.ExitCode, res.Stderr)
			}
			out := res.Stdout
			for _, want := range []string{
				"realtime 1640995200.000000000\n", // wazero's fake wall clock: 2022-01-01
				"arg sandbox.wasm\narg --flag\narg value\n",
				"env A=1\nenv B=2\nenv MODE=report\n",
				"ls /: inputs outputs sandbox.wasm\n",
				"ls /inputs: in\n",
				"input " + inputContent,
			} {
				if !bytes.Contains(out, []byte(want)) {
					t.Errorf("stdout lacks %q:\n%s", want, out)
				}
			}
			for _, path := range []string{"/inputs/in", "/sandbox.wasm", "/new.txt"} {
				if l := lineWith(out, "write "+path+":"); l == "" || strings.HasSuffix(l, ": ok") {
					t.Errorf("writing %s: %q, want a refusal", path, l)
				}
			}
			if string(res.Stderr) != "to stderr\n" {
				t.Errorf("stderr = %q", res.Stderr)
			}
			a, err := os.ReadFile(filepath.Join(job.OutputDir, "a.txt"))
			if err != nil || !bytes.HasPrefix(a, []byte("written by ")) {
				t.Errorf("a.txt = %q, %v", a, err)
			}
			if len(res.Outputs) != 1 || res.Outputs[0].Path != "a.txt" {
				t.Errorf("outputs = %+v", res.Outputs)
			}

			again, _ := run(1)
			if again.OutputRoot != res.OutputRoot || !bytes.Equal(again.Stdout, res.Stdout) {
				t.Errorf("two runs of one job differ:\n%s\n%s", res.Stdout, again.Stdout)
			}
			other, _ := run(2)
			if lineWith(other.Stdout, "random ") == lineWith(res.Stdout, "random ") {
				t.Errorf("seeds 1 and 2 gave the same random bytes: %s", lineWith(res.Stdout, "random "))
			}
		})
	}
}

// TestForeignModulesLimits: the loop instrumentation stops a C or Rust loop
// that never calls out, at the fuel limit (deterministically: the same fuel
// on every run) or at the wall time; the memory limit makes allocation
// fail.
func TestForeignModulesLimits(t *testing.T) {
	ex := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	ctx := context.Background()
	for _, m := range foreignModules {
		t.Run(m.lang, func(t *testing.T) {
			module := m.build(t)

			job := foreignJob(t, module, "loop", 0)
			job.Limits.Fuel = 1_000_000
			res, err := ex.Run(ctx, job)
			if err != nil || res.Outcome != outputroot.OutcomeFuelLimit || !errors.Is(res.Err(), wasm.ErrFuelLimit) {
				t.Errorf("loop with fuel: %v, outcome %v (%v)", err, resOutcome(res), resErr(res))
			} else if res.Usage.Fuel != 1_000_000 {
				t.Errorf("fuel used %d, want the limit", res.Usage.Fuel)
			}

			job = foreignJob(t, module, "loop", 0)
			job.Limits.WallTime = 300 * time.Millisecond
			start := time.Now()
			_, err = ex.Run(ctx, job)
			if !errors.Is(err, wasm.ErrTimeLimit) {
				t.Errorf("endless loop: %v, want the wall time limit", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("the endless loop was stopped after %v", d)
			}

			job = foreignJob(t, module, "grow", 0)
			job.Limits.Memory = 16 << 20
			res, err = ex.Run(ctx, job)
			if err != nil || res.Outcome != outputroot.OutcomeMemoryLimit {
				t.Errorf("grow: %v, outcome %v (%v), stdout %q", err, resOutcome(res), resErr(res), res.Stdout)
			}
		})
	}
}

func resOutcome(r *wasm.Result) outputroot.Outcome {
	if r == nil {
		return 0
	}
	return r.Outcome
}

func resErr(r *wasm.Result) error {
	if r == nil {
		return nil
	}
	return r.Err()
}

package batch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// recorder is an Executor that returns a fixed result and keeps the job
// it was given.
type recorder struct {
	job wasm.Job
	res *wasm.Result
	err error
}

func (r *recorder) Run(_ context.Context, job wasm.Job) (*wasm.Result, error) {
	r.job = job
	return r.res, r.err
}

func TestRun(t *testing.T) {
	p := testPackage(t)
	in := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(in, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	req := Request{Inputs: map[string]string{"data": in}, Params: map[string]string{"NEEDED": "1"}, OutputDir: t.TempDir()}
	root, err := outputroot.ComputeOutcome(outputroot.OutcomeExited, 3, []byte("out"), []byte("err"), nil)
	if err != nil {
		t.Fatal(err)
	}
	good := &wasm.Result{Outcome: outputroot.OutcomeExited, ExitCode: 3, Stdout: []byte("out"), Stderr: []byte("err"), OutputRoot: root}
	bad := *good
	bad.OutputRoot[0] ^= 1
	hostErr := errors.New("wall time exceeded")

	for _, tc := range []struct {
		name    string
		ex      *recorder
		req     Request
		wantErr string
	}{
		{"exit", &recorder{res: good}, req, ""},
		{"root does not recompute", &recorder{res: &bad}, req, "does not recompute"},
		{"host error", &recorder{res: good, err: hostErr}, req, "wall time exceeded"},
		{"bad request", &recorder{res: good}, Request{OutputDir: t.TempDir()}, "input data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.ex, p, tc.req, 3*time.Second)
			if tc.wantErr == "" {
				if err != nil || res != good {
					t.Fatalf("Run = %v, %v", res, err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.name == "bad request" {
				if tc.ex.job.Entry != "" {
					t.Error("a job that NewJob refuses ran")
				}
				return
			}
			if tc.ex.job.Limits.WallTime != 3*time.Second || tc.ex.job.Limits.Fuel != 123456 || tc.ex.job.Params["MODE"] != "fast" {
				t.Errorf("job limits %+v, params %v", tc.ex.job.Limits, tc.ex.job.Params)
			}
		})
	}
}

func TestRunLocalErrors(t *testing.T) {
	if _, err := RunLocal(context.Background(), Local{Package: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("a missing package ran")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := RunLocal(context.Background(), Local{Package: dir, Params: map[string]string{"NEEDED": "1"}})
	if err == nil || !strings.Contains(err.Error(), "input data: required by the package") {
		t.Errorf("err = %v, want the missing input named", err)
	}
}

package wasm_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// checkOK asserts what the "ok" mode of testdata/hostile must produce.
func checkOK(t *testing.T, job wasm.Job, res *wasm.Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("ok run: %v (stderr %q)", err, stderrOf(res))
	}
	if res.ExitCode != 0 {
		t.Fatalf("ok run: exit code %d, stderr %q", res.ExitCode, res.Stderr)
	}
	for _, want := range []string{
		`args=["hostile.wasm" "--flag" "value"]`,
		`input="hello from the buyer\n"`,
		"root=[hostile.wasm inputs outputs]",
		"inputs=[in]",
		"outputs=[a.txt sub]",
		"stat=a.txt -rw------- 21 0", // WASI has no permission bits: Go reports 0600,
	} {
		if !strings.Contains(string(res.Stdout), want+"\n") {
			t.Errorf("stdout lacks %q:\n%s", want, res.Stdout)
		}
	}
	if string(res.Stderr) != "ok: done\n" {
		t.Errorf("stderr = %q", res.Stderr)
	}
	var paths []string
	for _, f := range res.Outputs {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "a.txt sub/b.txt" {
		t.Errorf("outputs = %q", paths)
	}
	a, err := os.ReadFile(filepath.Join(job.OutputDir, "a.txt"))
	if err != nil || string(a) != strings.ToUpper(inputContent) {
		t.Errorf("a.txt = %q, %v", a, err)
	}
	// The root is the one outputroot computes from what is on disk.
	files, err := outputroot.ScanDir(job.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	root, err := outputroot.Compute(0, res.Stdout, res.Stderr, files)
	if err != nil || root != res.OutputRoot {
		t.Errorf("OutputRoot = %x, recomputed %x (%v)", res.OutputRoot, root, err)
	}
}

func stdoutOf(res *wasm.Result) string {
	if res == nil {
		return ""
	}
	return string(res.Stdout)
}

func stderrOf(res *wasm.Result) string {
	if res == nil {
		return ""
	}
	return string(res.Stderr)
}

// TestHostile runs each mode of testdata/hostile on one Executor, checks
// that it ends as expected, and that the Executor then still runs the "ok"
// mode correctly.
func TestHostile(t *testing.T) {
	ctx := context.Background()
	e := newExecutor(t, wasm.NewConfig().WithLimits(smallLimits).WithCacheDir(sharedCacheDir))

	// Warm up: compile once before the parallel subtests.
	job := hostileJob(t, "ok")
	res, err := e.Run(ctx, job)
	checkOK(t, job, res, err)

	tests := []struct {
		mode    string
		outcome outputroot.Outcome // the outcome, or 0 for the time limit error
		exit    uint32
		limit   error // the sentinel matched by Result.Err or the error
		stdout  string
		inspect func(t *testing.T, job wasm.Job, res *wasm.Result)
	}{
		{mode: "exit3", outcome: outputroot.OutcomeExited, exit: 3, stdout: "exiting with 3\n"},
		{mode: "readpasswd", outcome: outputroot.OutcomeExited, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if !strings.Contains(string(res.Stdout), "/etc/passwd: open /etc/passwd: No such file or directory") {
				t.Errorf("stdout:\n%s", res.Stdout)
			}
		}},
		{mode: "writeinputs", outcome: outputroot.OutcomeExited, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			in, err := os.ReadFile(job.Inputs[0].Path)
			if err != nil || string(in) != inputContent {
				t.Errorf("host input is now %q, %v", in, err)
			}
			if !strings.Contains(string(res.Stdout), "create: open /inputs/new: Read-only file system") {
				t.Errorf("stdout:\n%s", res.Stdout)
			}
		}},
		{mode: "links", outcome: outputroot.OutcomeExited, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if len(res.Outputs) != 1 || res.Outputs[0].Path != "f" {
				t.Errorf("outputs = %+v", res.Outputs)
			}
		}},
		{mode: "rmoutputs", outcome: outputroot.OutcomeExited, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if st, err := os.Lstat(job.OutputDir); err != nil || !st.IsDir() {
				t.Errorf("host output dir: %v", err)
			}
		}},
		{mode: "sleep", outcome: outputroot.OutcomeExited, stdout: "true\n"},
		{mode: "listing", outcome: outputroot.OutcomeExited, stdout: "/: [hostile.wasm inputs outputs] then [hostile.wasm inputs outputs]\n" +
			"/inputs: [in] then [in]\n" +
			"/outputs: [order] then [order]\n" +
			"/outputs/order: [a b c d k m y z] then [a b c]\n"},
		{mode: "loop", limit: wasm.ErrTimeLimit},
		{mode: "membomb", outcome: outputroot.OutcomeMemoryLimit, limit: wasm.ErrMemoryLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if peak := res.Usage.MemoryPeakBytes; peak > uint64(smallLimits.Memory) || peak < uint64(smallLimits.Memory)/2 {
				t.Errorf("memory peak %d bytes, limit %d", peak, smallLimits.Memory)
			}
			if strings.Contains(string(res.Stderr), "out of memory") {
				t.Errorf("stderr holds what the module wrote after the limit:\n%s", res.Stderr)
			}
		}},
		{mode: "flood", outcome: outputroot.OutcomeStdoutLimit, limit: wasm.ErrStdoutLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if int64(len(res.Stdout)) != smallLimits.Stdout {
				t.Errorf("captured %d bytes of stdout, limit %d", len(res.Stdout), smallLimits.Stdout)
			}
		}},
		{mode: "errflood", outcome: outputroot.OutcomeStderrLimit, limit: wasm.ErrStderrLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if int64(len(res.Stderr)) != smallLimits.Stderr || !strings.HasPrefix(string(res.Stderr), "line 0\nline 1\n") {
				t.Errorf("captured %d bytes of stderr, limit %d", len(res.Stderr), smallLimits.Stderr)
			}
		}},
		{mode: "outflood", outcome: outputroot.OutcomeOutputLimit, limit: wasm.ErrOutputLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			st, err := os.Stat(filepath.Join(job.OutputDir, "big"))
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > smallLimits.Output || res.Usage.OutputBytes != st.Size()+wasm.OutputEntryBytes {
				t.Errorf("big has %d bytes, charged %d, limit %d", st.Size(), res.Usage.OutputBytes, smallLimits.Output)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			t.Parallel()
			job := hostileJob(t, tt.mode)
			start := time.Now()
			res, err := e.Run(ctx, job)
			took := time.Since(start)
			switch {
			case tt.outcome == 0:
				var le *wasm.LimitError
				if !errors.Is(err, tt.limit) || !errors.As(err, &le) {
					t.Fatalf("error %v, want %v", err, tt.limit)
				}
				if res == nil {
					t.Fatal("no partial result with the limit error")
				}
				if res.Outcome != 0 || res.OutputRoot != ([32]byte{}) || res.Outputs != nil {
					t.Errorf("a run that ran out of wall time has outcome %v, root %x", res.Outcome, res.OutputRoot)
				}
			case err != nil:
				t.Fatalf("error %v, stdout %q, stderr %q", err, stdoutOf(res), stderrOf(res))
			case res.Outcome != tt.outcome || res.ExitCode != tt.exit:
				t.Fatalf("outcome %v, exit code %d (%v); want %v, %d; stdout:\n%s\nstderr:\n%s",
					res.Outcome, res.ExitCode, res.Err(), tt.outcome, tt.exit, res.Stdout, res.Stderr)
			case tt.outcome != outputroot.OutcomeExited:
				if !errors.Is(res.Err(), tt.limit) {
					t.Errorf("Err() = %v, want %v", res.Err(), tt.limit)
				}
				if res.Outputs != nil {
					t.Error("a run that hit a limit has outputs")
				}
				root, err := outputroot.ComputeOutcome(tt.outcome, 0, res.Stdout, res.Stderr, nil)
				if err != nil || root != res.OutputRoot {
					t.Errorf("OutputRoot = %x, recomputed %x (%v)", res.OutputRoot, root, err)
				}
			}
			if tt.stdout != "" && string(res.Stdout) != tt.stdout {
				t.Errorf("stdout = %q, want %q", res.Stdout, tt.stdout)
			}
			if tt.inspect != nil {
				tt.inspect(t, job, res)
			}
			// Only the time limit may take long; the others end the run
			// as soon as they are hit.
			if tt.limit != wasm.ErrTimeLimit && took >= smallLimits.WallTime {
				t.Errorf("run took %v", took)
			}
			if tt.limit == wasm.ErrTimeLimit && (took < smallLimits.WallTime || took > smallLimits.WallTime+2*time.Second) {
				t.Errorf("run took %v, time limit %v", took, smallLimits.WallTime)
			}

			// The host keeps working.
			job = hostileJob(t, "ok")
			res, err = e.Run(ctx, job)
			checkOK(t, job, res, err)
		})
	}
}

// TestOutcomesDeterministic runs jobs that end in each outcome twice, on
// two Executors (one loading the compiled module from the on-disk cache,
// one compiling it), and checks that all four runs agree on the outcome,
// the output root, stdout, stderr and the fuel used.
func TestOutcomesDeterministic(t *testing.T) {
	ctx := context.Background()
	cfg := wasm.NewConfig().WithLimits(wasm.Limits{Memory: 64 << 20, Fuel: 1 << 40, WallTime: 20 * time.Second})
	executors := []*wasm.Executor{
		newExecutor(t, cfg.WithCacheDir(sharedCacheDir)),
		newExecutor(t, cfg),
	}
	tests := []struct {
		name    string
		job     func(t *testing.T) wasm.Job
		limits  wasm.Limits
		outcome outputroot.Outcome
		stdout  string // a prefix of stdout
	}{
		{"exited", func(t *testing.T) wasm.Job { return hostileJob(t, "ok") }, wasm.Limits{Fuel: 1 << 30}, outputroot.OutcomeExited, "args="},
		{"exit code", func(t *testing.T) wasm.Job { return hostileJob(t, "exit3") }, wasm.Limits{}, outputroot.OutcomeExited, "exiting with 3\n"},
		{"trap", func(t *testing.T) wasm.Job { return moduleJob(t, trapModule()) }, wasm.Limits{}, outputroot.OutcomeTrap, ""},
		{"fuel in a Go program", func(t *testing.T) wasm.Job { return hostileJob(t, "spin") }, wasm.Limits{Fuel: 20_000_000}, outputroot.OutcomeFuelLimit, "spinning\n"},
		{"fuel in a start function", func(t *testing.T) wasm.Job { return moduleJob(t, spinStartModule()) }, wasm.Limits{Fuel: 100_000}, outputroot.OutcomeFuelLimit, ""},
		{"memory", func(t *testing.T) wasm.Job { return hostileJob(t, "membomb") }, wasm.Limits{Memory: 32 << 20}, outputroot.OutcomeMemoryLimit, ""},
		{"initial memory", func(t *testing.T) wasm.Job { return moduleJob(t, bigMemoryModule(1024)) }, wasm.Limits{Memory: 32 << 20}, outputroot.OutcomeMemoryLimit, ""},
		{"output", func(t *testing.T) wasm.Job { return hostileJob(t, "outflood") }, wasm.Limits{Output: 300 << 10}, outputroot.OutcomeOutputLimit, ""},
		{"empty files", func(t *testing.T) wasm.Job { return hostileJob(t, "emptyfiles") }, wasm.Limits{Output: 200 << 10}, outputroot.OutcomeOutputLimit, "/outputs/d00\n"},
		{"stdout", func(t *testing.T) wasm.Job { return hostileJob(t, "flood") }, wasm.Limits{Stdout: 10_000}, outputroot.OutcomeStdoutLimit, "xxx"},
		{"stderr", func(t *testing.T) wasm.Job { return hostileJob(t, "errflood") }, wasm.Limits{Stderr: 10_000}, outputroot.OutcomeStderrLimit, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first *wasm.Result
			for i := range 4 {
				job := tt.job(t)
				job.Limits = tt.limits
				res, err := executors[i%2].Run(ctx, job)
				if err != nil {
					t.Fatalf("run %d: %v", i, err)
				}
				if res.Outcome != tt.outcome {
					t.Fatalf("run %d: outcome %v (%v), want %v", i, res.Outcome, res.Err(), tt.outcome)
				}
				if !strings.HasPrefix(string(res.Stdout), tt.stdout) {
					t.Errorf("run %d: stdout %.100q, want it to start with %q", i, res.Stdout, tt.stdout)
				}
				if i == 0 {
					first = res
					continue
				}
				if res.OutputRoot != first.OutputRoot || !bytes.Equal(res.Stdout, first.Stdout) || !bytes.Equal(res.Stderr, first.Stderr) {
					t.Errorf("run %d: root %x, stdout %d bytes, stderr %d bytes; first run: %x, %d, %d",
						i, res.OutputRoot, len(res.Stdout), len(res.Stderr), first.OutputRoot, len(first.Stdout), len(first.Stderr))
				}
				if res.Usage.Fuel != first.Usage.Fuel {
					t.Errorf("run %d: fuel %d, first run %d", i, res.Usage.Fuel, first.Usage.Fuel)
				}
			}
			if tt.outcome == outputroot.OutcomeFuelLimit && first.Usage.Fuel != tt.limits.Fuel {
				t.Errorf("fuel used %d at a fuel limit of %d", first.Usage.Fuel, tt.limits.Fuel)
			}
			if tt.outcome != outputroot.OutcomeFuelLimit && first.Usage.Fuel <= 0 && tt.name != "initial memory" && tt.name != "trap" {
				t.Errorf("fuel used %d", first.Usage.Fuel)
			}
			t.Logf("root %x, fuel %d", first.OutputRoot, first.Usage.Fuel)
		})
	}
}

// TestEmptyFiles runs a module that creates 10,000 empty files (in 100
// directories) under an output limit of 1 MiB: each file and directory
// costs OutputEntryBytes, so it hits the limit after about 2,000 of them.
// Creating a file takes the host a while, so this test has the default
// wall time rather than smallLimits'.
func TestEmptyFiles(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	job := hostileJob(t, "emptyfiles")
	job.Limits.Output = 1 << 20
	res, err := e.Run(context.Background(), job)
	if err != nil || res.Outcome != outputroot.OutcomeOutputLimit || !errors.Is(res.Err(), wasm.ErrOutputLimit) {
		t.Fatalf("result %v, error %v; want the output limit", res, err)
	}
	// Each directory of 100 files costs 101 entries.
	full := int(job.Limits.Output / (101 * wasm.OutputEntryBytes))
	if lines := strings.Count(string(res.Stdout), "\n"); lines != full {
		t.Errorf("%d directories completed, want %d", lines, full)
	}
	if res.Usage.OutputBytes > job.Limits.Output || res.Usage.OutputBytes < job.Limits.Output-wasm.OutputEntryBytes {
		t.Errorf("charged %d bytes, limit %d", res.Usage.OutputBytes, job.Limits.Output)
	}
	root, err := outputroot.ComputeOutcome(outputroot.OutcomeOutputLimit, 0, res.Stdout, res.Stderr, nil)
	if err != nil || root != res.OutputRoot {
		t.Errorf("OutputRoot = %x, recomputed %x (%v)", res.OutputRoot, root, err)
	}
}

// TestFuelExact checks that a fuel limit just below what a run needs ends
// it with the fuel limit, and one equal to it lets it exit.
func TestFuelExact(t *testing.T) {
	ctx := context.Background()
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	res, err := e.Run(ctx, hostileJob(t, "exit3"))
	if err != nil || res.Outcome != outputroot.OutcomeExited {
		t.Fatalf("%v, %v", res, err)
	}
	need := res.Usage.Fuel
	for _, tt := range []struct {
		fuel    int64
		outcome outputroot.Outcome
	}{
		{need, outputroot.OutcomeExited},
		{need + 1, outputroot.OutcomeExited},
		{need - 1, outputroot.OutcomeFuelLimit},
		{need / 2, outputroot.OutcomeFuelLimit},
	} {
		job := hostileJob(t, "exit3")
		job.Limits.Fuel = tt.fuel
		res, err := e.Run(ctx, job)
		if err != nil || res.Outcome != tt.outcome {
			t.Fatalf("fuel %d of %d needed: outcome %v, %v; want %v", tt.fuel, need, res.Outcome, err, tt.outcome)
		}
		if want := min(tt.fuel, need); res.Usage.Fuel != want {
			t.Errorf("fuel %d: used %d, want %d", tt.fuel, res.Usage.Fuel, want)
		}
		if tt.outcome == outputroot.OutcomeFuelLimit {
			var le *wasm.LimitError
			if !errors.As(res.Err(), &le) || le.Limit != wasm.LimitFuel || le.Max != tt.fuel || !errors.Is(le, wasm.ErrFuelLimit) {
				t.Errorf("Err() = %v", res.Err())
			}
		}
	}
}

// TestDeterminism checks that the same job gives the same result in two
// Executors (one loading from an on-disk cache, one compiling), and that
// the seed reaches the module.
func TestDeterminism(t *testing.T) {
	ctx := context.Background()
	cached := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	fresh := newExecutor(t, wasm.NewConfig())

	run := func(e *wasm.Executor, seed byte) (wasm.Job, *wasm.Result) {
		t.Helper()
		job := hostileJob(t, "ok")
		job.Params["ZED"] = "last"
		job.Params["ALPHA"] = "first"
		job.Seed[0] = seed
		res, err := e.Run(ctx, job)
		checkOK(t, job, res, err)
		return job, res
	}
	_, a := run(cached, 1)
	_, b := run(fresh, 1)
	if a.OutputRoot != b.OutputRoot {
		t.Errorf("roots differ: %x vs %x", a.OutputRoot, b.OutputRoot)
	}
	if !bytes.Equal(a.Stdout, b.Stdout) {
		t.Errorf("stdout differs:\n%s\nvs\n%s", a.Stdout, b.Stdout)
	}
	out := string(a.Stdout)
	for _, want := range []string{
		`env=["ALPHA=first" "MODE=ok" "ZED=last"]`, // sorted
		"slept=1h0m0.", // a fake hour, plus the clock's 1 ms steps
		"now=16409952000",
		"random=",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}

	_, c := run(cached, 2)
	if c.OutputRoot == a.OutputRoot {
		t.Error("a different seed gave the same root")
	}
	if randomLine(c.Stdout) == randomLine(a.Stdout) {
		t.Error("a different seed gave the same random bytes")
	}
}

func randomLine(stdout []byte) string {
	for line := range strings.Lines(string(stdout)) {
		if strings.HasPrefix(line, "random=") {
			return line
		}
	}
	return ""
}

// TestCompilationCache checks that a second Executor on the same cache
// directory loads the compiled module instead of compiling it.
func TestCompilationCache(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	first := newExecutor(t, wasm.NewConfig().WithCacheDir(dir))
	job := hostileJob(t, "ok")
	res, err := first.Run(ctx, job)
	checkOK(t, job, res, err)
	if !res.Usage.Compiled {
		t.Error("first run on an empty cache: Compiled = false")
	}
	var entries int
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && d.Type().IsRegular() {
			entries++
		}
		return nil
	})
	if entries == 0 {
		t.Fatal("cache dir is empty after a compilation")
	}

	job = hostileJob(t, "ok")
	res, err = first.Run(ctx, job)
	checkOK(t, job, res, err)
	if res.Usage.Compiled {
		t.Error("second run on the same Executor: Compiled = true")
	}

	second := newExecutor(t, wasm.NewConfig().WithCacheDir(dir))
	job = hostileJob(t, "ok")
	res, err = second.Run(ctx, job)
	checkOK(t, job, res, err)
	if res.Usage.Compiled {
		t.Error("new Executor on a warm cache dir: Compiled = true")
	}
}

// TestJobLimits checks that a job's limits apply as given, that a zero
// field takes the executor's value, and that a limit above the executor's
// ceiling is refused before anything runs, naming the field.
func TestJobLimits(t *testing.T) {
	ctx := context.Background()
	ceilings := smallLimits
	ceilings.Fuel = 1 << 40
	e := newExecutor(t, wasm.NewConfig().WithLimits(ceilings).WithCacheDir(sharedCacheDir))
	for _, tt := range []struct {
		name    string
		stdout  int64
		wantMax int64
	}{
		{"tighter", 4 << 10, 4 << 10},
		{"at the ceiling", smallLimits.Stdout, smallLimits.Stdout},
		{"unset", 0, smallLimits.Stdout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			job := hostileJob(t, "flood")
			job.Limits.Stdout = tt.stdout
			res, err := e.Run(ctx, job)
			var le *wasm.LimitError
			if err != nil || !errors.As(res.Err(), &le) || le.Limit != wasm.LimitStdout || le.Max != tt.wantMax {
				t.Fatalf("result %v, error %v; want a stdout limit of %d", res, err, tt.wantMax)
			}
			if int64(len(res.Stdout)) != tt.wantMax {
				t.Errorf("captured %d bytes", len(res.Stdout))
			}
		})
	}

	for _, tt := range []struct {
		field string
		edit  func(l *wasm.Limits)
	}{
		{"job.limits.memory", func(l *wasm.Limits) { l.Memory = smallLimits.Memory + 1 }},
		{"job.limits.fuel", func(l *wasm.Limits) { l.Fuel = 1<<40 + 1 }},
		{"job.limits.output", func(l *wasm.Limits) { l.Output = smallLimits.Output * 2 }},
		{"job.limits.stdout", func(l *wasm.Limits) { l.Stdout = smallLimits.Stdout + 1 }},
		{"job.limits.stderr", func(l *wasm.Limits) { l.Stderr = 1 << 40 }},
	} {
		t.Run("above "+tt.field, func(t *testing.T) {
			job := hostileJob(t, "ok")
			tt.edit(&job.Limits)
			res, err := e.Run(ctx, job)
			var je *wasm.JobError
			if !errors.As(err, &je) || je.Field != tt.field || !errors.Is(err, wasm.ErrOverCeiling) {
				t.Fatalf("error %v, want a *JobError for %s above the ceiling", err, tt.field)
			}
			if res != nil {
				t.Error("result for a refused job")
			}
			if err := e.CheckLimits(job.Limits); err == nil || err.Error() != je.Error() {
				t.Errorf("CheckLimits = %v, Run = %v", err, je)
			}
		})
	}

	// Memory above 4 GiB counts as 4 GiB, which a 4 GiB ceiling admits.
	big := newExecutor(t, wasm.NewConfig().WithLimits(wasm.Limits{Memory: 4 << 30}))
	if err := big.CheckLimits(wasm.Limits{Memory: 1 << 40}); err != nil {
		t.Errorf("1 TiB of memory under a 4 GiB ceiling: %v", err)
	}
	// Without a fuel ceiling any fuel is admitted.
	if err := newExecutor(t, wasm.NewConfig()).CheckLimits(wasm.Limits{Fuel: 1 << 62}); err != nil {
		t.Errorf("fuel without a ceiling: %v", err)
	}
}

// TestWallTimeIsNoOutcome checks that a job's own wall time, shorter than
// the executor's, applies, and that running out of it is an error without
// an outcome or a root, also when a fuel limit would have ended the run
// later.
func TestWallTimeIsNoOutcome(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	job := hostileJob(t, "spin")
	job.Limits = wasm.Limits{WallTime: 300 * time.Millisecond, Fuel: 1 << 50}
	start := time.Now()
	res, err := e.Run(context.Background(), job)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("run took %v with a wall time of 300ms", took)
	}
	var le *wasm.LimitError
	if !errors.Is(err, wasm.ErrTimeLimit) || !errors.As(err, &le) || le.Max != int64(300*time.Millisecond) {
		t.Fatalf("error %v, want the job's time limit", err)
	}
	if res == nil || res.Outcome != 0 || res.OutputRoot != ([32]byte{}) {
		t.Fatalf("result %+v: want a partial result without outcome", res)
	}
	if string(res.Stdout) != "spinning\n" {
		t.Errorf("stdout %q", res.Stdout)
	}
}

// TestCallerCancel checks that the caller's context ends a run with the
// caller's error, not a limit error.
func TestCallerCancel(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := e.Run(ctx, hostileJob(t, "loop"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want context.DeadlineExceeded", err)
	}
	var le *wasm.LimitError
	if errors.As(err, &le) {
		t.Fatalf("caller's deadline reported as %v", le)
	}
	if res == nil {
		t.Fatal("no partial result")
	}
}

func TestModuleErrors(t *testing.T) {
	ctx := context.Background()
	e := newExecutor(t, wasm.NewConfig().WithLimits(wasm.Limits{Memory: 64 << 20}))

	t.Run("not wasm", func(t *testing.T) {
		_, err := e.Run(ctx, moduleJob(t, []byte("#!/bin/sh\necho hi\n")))
		if !errors.Is(err, wasm.ErrModule) {
			t.Fatalf("error %v, want ErrModule", err)
		}
	})
	t.Run("foreign import", func(t *testing.T) {
		_, err := e.Run(ctx, moduleJob(t, importModule("env", "open_socket")))
		if !errors.Is(err, wasm.ErrModule) || !strings.Contains(err.Error(), "env.open_socket") {
			t.Fatalf("error %v, want ErrModule naming env.open_socket", err)
		}
	})
	t.Run("unknown wasi function", func(t *testing.T) {
		_, err := e.Run(ctx, moduleJob(t, importModule("wasi_snapshot_preview1", "no_such_call")))
		if !errors.Is(err, wasm.ErrModule) {
			t.Fatalf("error %v, want ErrModule", err)
		}
	})
	t.Run("wasi function with a wrong signature", func(t *testing.T) {
		_, err := e.Run(ctx, moduleJob(t, importModule("wasi_snapshot_preview1", "fd_write")))
		if !errors.Is(err, wasm.ErrModule) {
			t.Fatalf("error %v, want ErrModule", err)
		}
	})
	t.Run("no _start", func(t *testing.T) {
		_, err := e.Run(ctx, moduleJob(t, noStartModule()))
		if !errors.Is(err, wasm.ErrModule) {
			t.Fatalf("error %v, want ErrModule", err)
		}
	})
	t.Run("initial memory above the limit", func(t *testing.T) {
		res, err := e.Run(ctx, moduleJob(t, bigMemoryModule(2048))) // 128 MiB
		var le *wasm.LimitError
		if err != nil || res.Outcome != outputroot.OutcomeMemoryLimit || !errors.As(res.Err(), &le) || !errors.Is(le, wasm.ErrMemoryLimit) || le.Requested != 128<<20 {
			t.Fatalf("result %+v, error %v; want the memory limit outcome for 128 MiB", res, err)
		}
		if want, _ := outputroot.ComputeOutcome(outputroot.OutcomeMemoryLimit, 0, nil, nil, nil); res.OutputRoot != want {
			t.Errorf("root %x, want %x", res.OutputRoot, want)
		}
	})
	t.Run("initial memory at the limit", func(t *testing.T) {
		res, err := e.Run(ctx, moduleJob(t, bigMemoryModule(1024))) // 64 MiB
		if err != nil || res.ExitCode != 0 || res.Usage.MemoryPeakBytes != 64<<20 {
			t.Fatalf("result %+v, error %v", res, err)
		}
	})
	t.Run("trap", func(t *testing.T) {
		res, err := e.Run(ctx, moduleJob(t, trapModule()))
		var te *wasm.TrapError
		if err != nil || res.Outcome != outputroot.OutcomeTrap || !errors.As(res.Err(), &te) || !strings.Contains(te.Error(), "unreachable") {
			t.Fatalf("result %+v, error %v; want the trap outcome for unreachable", res, err)
		}
	})
	t.Run("hello", func(t *testing.T) {
		res, err := e.Run(ctx, moduleJob(t, helloModule()))
		if err != nil || string(res.Stdout) != "hello, world\n" {
			t.Fatalf("result %+v, error %v", res, err)
		}
	})
}

func TestJobValidation(t *testing.T) {
	ctx := context.Background()
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	tmp := t.TempDir()
	notEmpty := filepath.Join(tmp, "full")
	if err := os.MkdirAll(filepath.Join(notEmpty, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(tmp, "file")
	if err := os.WriteFile(aFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(tmp, "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		edit   func(j *wasm.Job)
		field  string
		target error // optional: errors.Is target
	}{
		{"nil root", func(j *wasm.Job) { j.Root = nil }, "job.root", nil},
		{"empty entry", func(j *wasm.Job) { j.Entry = "" }, "job.entry", nil},
		{"entry escapes", func(j *wasm.Job) { j.Entry = "../hostile.wasm" }, "job.entry", nil},
		{"entry missing", func(j *wasm.Job) { j.Entry = "/nope.wasm" }, "job.entry", fs.ErrNotExist},
		{"arg with NUL", func(j *wasm.Job) { j.Args = []string{"ok", "a\x00b"} }, "job.args[1]", nil},
		{"empty input name", func(j *wasm.Job) { j.Inputs[0].Name = "" }, "job.inputs[0].name", nil},
		{"input name with slash", func(j *wasm.Job) { j.Inputs[0].Name = "a/b" }, "job.inputs[0].name", nil},
		{"input name dot", func(j *wasm.Job) { j.Inputs[0].Name = "." }, "job.inputs[0].name", nil},
		{"input name dot dot", func(j *wasm.Job) { j.Inputs[0].Name = ".." }, "job.inputs[0].name", nil},
		{"duplicate input", func(j *wasm.Job) { j.Inputs = append(j.Inputs, j.Inputs[0]) }, "job.inputs[1].name", nil},
		{"missing input file", func(j *wasm.Job) {
			j.Inputs = append(j.Inputs, wasm.Input{Name: "b", Path: filepath.Join(tmp, "nope")})
		}, "job.inputs[1].path", fs.ErrNotExist},
		{"input is a directory", func(j *wasm.Job) { j.Inputs[0].Path = tmp }, "job.inputs[0].path", nil},
		{"param name with =", func(j *wasm.Job) { j.Params["A=B"] = "x" }, `job.params["A=B"]`, nil},
		{"param name with digit first", func(j *wasm.Job) { j.Params["1X"] = "x" }, `job.params["1X"]`, nil},
		{"param name empty", func(j *wasm.Job) { j.Params[""] = "x" }, `job.params[""]`, nil},
		{"param value with NUL", func(j *wasm.Job) { j.Params["X"] = "a\x00" }, `job.params["X"]`, nil},
		{"undeclared param", func(j *wasm.Job) {
			j.DeclaredParams = []string{"MODE"}
			j.Params["SNEAKY"] = "1"
		}, `job.params["SNEAKY"]`, nil},
		{"missing output dir", func(j *wasm.Job) { j.OutputDir = filepath.Join(tmp, "nope") }, "job.output_dir", fs.ErrNotExist},
		{"output dir not empty", func(j *wasm.Job) { j.OutputDir = notEmpty }, "job.output_dir", nil},
		{"output dir is a file", func(j *wasm.Job) { j.OutputDir = aFile }, "job.output_dir", nil},
		{"output dir is a symlink", func(j *wasm.Job) { j.OutputDir = link }, "job.output_dir", nil},
		{"negative limit", func(j *wasm.Job) { j.Limits.Output = -1 }, "job.limits.output", nil},
		{"negative fuel", func(j *wasm.Job) { j.Limits.Fuel = -1 }, "job.limits.fuel", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := hostileJob(t, "ok")
			tt.edit(&job)
			res, err := e.Run(ctx, job)
			var je *wasm.JobError
			if !errors.As(err, &je) {
				t.Fatalf("error %v (%T), want a *JobError", err, err)
			}
			if je.Field != tt.field || !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Errorf("error %q names field %q, want %q", err, je.Field, tt.field)
			}
			if tt.target != nil && !errors.Is(err, tt.target) {
				t.Errorf("error %v does not match %v", err, tt.target)
			}
			if res != nil {
				t.Error("result for an invalid job")
			}
		})
	}

	// An entry with a leading slash is found, and is argv[0] as given.
	job := hostileJob(t, "ok")
	job.Entry = "/hostile.wasm"
	res, err := e.Run(ctx, job)
	if err != nil || res.ExitCode != 0 || !strings.Contains(string(res.Stdout), `args=["/hostile.wasm" "--flag" "value"]`) {
		t.Errorf("entry /hostile.wasm: %v, %+v", err, res)
	}

	// Declared params that are all present pass.
	job = hostileJob(t, "ok")
	job.DeclaredParams = []string{"MODE", "OTHER"}
	res, err = e.Run(ctx, job)
	checkOK(t, job, res, err)
}

func TestConfig(t *testing.T) {
	if _, err := wasm.NewExecutor(context.Background(), wasm.NewConfig().WithLimits(wasm.Limits{Memory: -1})); err == nil ||
		!strings.Contains(err.Error(), "config.limits.memory") {
		t.Errorf("negative memory limit: %v", err)
	}
	base := wasm.NewConfig()
	tight := base.WithLimits(wasm.Limits{Stdout: 10})
	if base.Limits().Stdout != wasm.DefaultStdout || tight.Limits().Stdout != 10 || tight.Limits().Memory != wasm.DefaultMemory {
		t.Errorf("WithLimits changed its receiver or lost defaults: %+v, %+v", base.Limits(), tight.Limits())
	}
	if _, err := wasm.NewExecutor(context.Background(), wasm.NewConfig().WithLimits(wasm.Limits{Fuel: -1})); err == nil ||
		!strings.Contains(err.Error(), "config.limits.fuel") {
		t.Errorf("negative fuel limit: %v", err)
	}
	if base.Limits().Fuel != 0 {
		t.Errorf("default fuel ceiling %d, want none (0)", base.Limits().Fuel)
	}
	if (wasm.Config{}).Limits() != wasm.NewConfig().Limits() {
		t.Error("zero Config differs from NewConfig")
	}
}

// TestGarbageCollectionDuringLoop checks that a module spinning in a loop
// that never calls out does not keep the Go runtime from stopping the world:
// collections complete while it runs, and the time limit still ends it.
// Compiled code has no preemption points of its own; without the safe point
// that the loop instrumentation inserts, runtime.GC would wait forever.
func TestGarbageCollectionDuringLoop(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir).WithLimits(smallLimits))
	done := make(chan error, 1)
	go func() {
		_, err := e.Run(context.Background(), hostileJob(t, "loop"))
		done <- err
	}()
	collected := make(chan struct{})
	go func() {
		for range 5 {
			time.Sleep(100 * time.Millisecond)
			runtime.GC()
		}
		close(collected)
	}()
	select {
	case <-collected:
	case <-time.After(30 * time.Second):
		t.Fatal("runtime.GC did not complete while a module was looping")
	}
	select {
	case err := <-done:
		if !errors.Is(err, wasm.ErrTimeLimit) {
			t.Fatalf("err = %v, want the time limit", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the looping module was not stopped")
	}
}

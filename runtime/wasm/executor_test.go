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
		exit    uint32
		limit   error // a sentinel error, or nil for a normal exit
		stdout  string
		inspect func(t *testing.T, job wasm.Job, res *wasm.Result)
	}{
		{mode: "exit3", exit: 3, stdout: "exiting with 3\n"},
		{mode: "readpasswd", inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if !strings.Contains(string(res.Stdout), "/etc/passwd: open /etc/passwd: No such file or directory") {
				t.Errorf("stdout:\n%s", res.Stdout)
			}
		}},
		{mode: "writeinputs", inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			in, err := os.ReadFile(job.Inputs[0].Path)
			if err != nil || string(in) != inputContent {
				t.Errorf("host input is now %q, %v", in, err)
			}
			if !strings.Contains(string(res.Stdout), "create: open /inputs/new: Read-only file system") {
				t.Errorf("stdout:\n%s", res.Stdout)
			}
		}},
		{mode: "links", inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if len(res.Outputs) != 1 || res.Outputs[0].Path != "f" {
				t.Errorf("outputs = %+v", res.Outputs)
			}
		}},
		{mode: "rmoutputs", inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if st, err := os.Lstat(job.OutputDir); err != nil || !st.IsDir() {
				t.Errorf("host output dir: %v", err)
			}
		}},
		{mode: "sleep", stdout: "true\n"},
		{mode: "listing", stdout: "/: [hostile.wasm inputs outputs] then [hostile.wasm inputs outputs]\n" +
			"/inputs: [in] then [in]\n" +
			"/outputs: [order] then [order]\n" +
			"/outputs/order: [a b c d k m y z] then [a b c]\n"},
		{mode: "loop", limit: wasm.ErrTimeLimit},
		{mode: "membomb", limit: wasm.ErrMemoryLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if peak := res.Usage.MemoryPeakBytes; peak > uint64(smallLimits.Memory) || peak < uint64(smallLimits.Memory)/2 {
				t.Errorf("memory peak %d bytes, limit %d", peak, smallLimits.Memory)
			}
		}},
		{mode: "flood", limit: wasm.ErrStdoutLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			if int64(len(res.Stdout)) != smallLimits.Stdout {
				t.Errorf("captured %d bytes of stdout, limit %d", len(res.Stdout), smallLimits.Stdout)
			}
		}},
		{mode: "outflood", limit: wasm.ErrOutputLimit, inspect: func(t *testing.T, job wasm.Job, res *wasm.Result) {
			st, err := os.Stat(filepath.Join(job.OutputDir, "big"))
			if err != nil {
				t.Fatal(err)
			}
			if st.Size() > smallLimits.Output || res.Usage.OutputBytes != st.Size() {
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
			case tt.limit == nil && err != nil:
				t.Fatalf("error %v, stdout %q, stderr %q", err, res.Stdout, res.Stderr)
			case tt.limit == nil && res.ExitCode != tt.exit:
				t.Fatalf("exit code %d, want %d; stdout:\n%s\nstderr:\n%s", res.ExitCode, tt.exit, res.Stdout, res.Stderr)
			case tt.limit != nil:
				var le *wasm.LimitError
				if !errors.Is(err, tt.limit) || !errors.As(err, &le) {
					t.Fatalf("error %v, want %v", err, tt.limit)
				}
				if res == nil {
					t.Fatal("no partial result with the limit error")
				}
				if res.OutputRoot != ([32]byte{}) || res.Outputs != nil {
					t.Error("a run that hit a limit has an output root")
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

// TestJobLimitsOnlyTighten checks that a job can lower a limit but not
// raise it.
func TestJobLimitsOnlyTighten(t *testing.T) {
	ctx := context.Background()
	e := newExecutor(t, wasm.NewConfig().WithLimits(smallLimits).WithCacheDir(sharedCacheDir))
	for _, tt := range []struct {
		name    string
		job     int64
		wantMax int64
	}{
		{"looser", 10 << 20, smallLimits.Stdout},
		{"tighter", 4 << 10, 4 << 10},
		{"unset", 0, smallLimits.Stdout},
	} {
		t.Run(tt.name, func(t *testing.T) {
			job := hostileJob(t, "flood")
			job.Limits.Stdout = tt.job
			res, err := e.Run(ctx, job)
			var le *wasm.LimitError
			if !errors.As(err, &le) || le.Limit != wasm.LimitStdout || le.Max != tt.wantMax {
				t.Fatalf("error %v, want a stdout limit of %d", err, tt.wantMax)
			}
			if int64(len(res.Stdout)) != tt.wantMax {
				t.Errorf("captured %d bytes", len(res.Stdout))
			}
		})
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
		if !errors.As(err, &le) || !errors.Is(err, wasm.ErrMemoryLimit) || le.Requested != 128<<20 {
			t.Fatalf("error %v, want a memory limit error for 128 MiB", err)
		}
		if res != nil {
			t.Error("result for a module that never ran")
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
		if !errors.As(err, &te) || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("error %v, want a *TrapError for unreachable", err)
		}
		if res == nil {
			t.Error("no partial result")
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

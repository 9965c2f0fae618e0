package wasm_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
)

// svcSlots are the slots of testdata/svc.
var svcSlots = []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}

func svcModule(tb testing.TB) []byte { return wasmbuild.BuildReactor(tb, "testdata/svc") }

func svcJob(tb testing.TB) wasm.ServiceJob {
	return wasm.ServiceJob{
		Root:   fstest.MapFS{"svc.wasm": {Data: svcModule(tb), Mode: 0o444}},
		Entry:  "svc.wasm",
		Limits: wasm.Limits{Memory: 64 << 20, WallTime: 3 * time.Second},
		Slots:  svcSlots,
	}
}

func startSvc(tb testing.TB, e *wasm.Executor, j wasm.ServiceJob) *wasm.Instance {
	tb.Helper()
	inst, err := e.StartService(context.Background(), j)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { inst.Stop(context.Background()) })
	return inst
}

func call(tb testing.TB, inst *wasm.Instance, port int32, req string) string {
	tb.Helper()
	resp, err := inst.Call(context.Background(), port, []byte(req))
	if err != nil {
		tb.Fatalf("call port %d: %v (log: %s)", port, err, inst.Log())
	}
	return string(resp)
}

func TestServiceKeepsStateAcrossCalls(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(t, e, svcJob(t))
	if got := call(t, inst, 1, "hello"); got != "hello" {
		t.Errorf("echo: %q", got)
	}
	if got := call(t, inst, 1, ""); got != "" {
		t.Errorf("echo of nothing: %q", got)
	}
	for want := 1; want <= 3; want++ {
		if got := call(t, inst, 2, ""); got != string(rune('0'+want)) {
			t.Errorf("counter call %d: %q", want, got)
		}
	}
	// A second instance of the same module has its own memory.
	other := startSvc(t, e, svcJob(t))
	if got := call(t, other, 2, ""); got != "1" {
		t.Errorf("counter of a second instance: %q", got)
	}
	u := inst.Usage()
	if u.Calls != 5 || u.BytesIn != 5 || u.BytesOut != 5+3 || u.MemoryPeakBytes == 0 {
		t.Errorf("usage: %+v", u)
	}
	if stop := inst.Stop(context.Background()); stop.Calls != 5 {
		t.Errorf("usage at stop: %+v", stop)
	}
	if again := inst.Stop(context.Background()); again.Calls != 5 {
		t.Errorf("second stop: %+v", again)
	}
	if _, err := inst.Call(context.Background(), 1, nil); !errors.Is(err, wasm.ErrInstanceStopped) {
		t.Errorf("call after stop: %v", err)
	}
}

// TestServiceSandbox checks the clocks and the random source: virtual and
// seeded, so two instances with one seed see the same.
func TestServiceSandbox(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	j := svcJob(t)
	j.Seed = [32]byte{7}
	a, b := startSvc(t, e, j), startSvc(t, e, j)
	first, second := call(t, a, 12, ""), call(t, b, 12, "")
	if first != second || !strings.HasPrefix(first, "2022-01-01T00:00:00") {
		t.Errorf("clock and random of two instances with one seed: %q and %q", first, second)
	}
	// The service reaches no network: asking for peers without a gateway
	// fails with the gateway's code.
	_, err := a.Call(context.Background(), 5, []byte("celltonomy:devnet"))
	var se *wasm.ServiceError
	if !errors.As(err, &se) || !strings.Contains(se.Message, abi.ErrNoGateway.Error()) {
		t.Errorf("net without a gateway: %v", err)
	}
}

func TestServiceRefusals(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	j := svcJob(t)
	j.MaxRequest, j.MaxResponse = 1000, 2000
	inst := startSvc(t, e, j)
	ctx := context.Background()

	var se *wasm.ServiceError
	for _, tc := range []struct {
		name  string
		port  int32
		req   string
		check func(error) bool
	}{
		{"undeclared port", 99, "", func(err error) bool { return errors.Is(err, wasm.ErrUndeclaredPort) }},
		{"request too large", 1, strings.Repeat("x", 1001), func(err error) bool { return errors.Is(err, wasm.ErrRequestTooLarge) }},
		{"response too large", 10, "2001", func(err error) bool { return errors.Is(err, wasm.ErrResponseTooLarge) }},
		{"error response", 8, "no such thing", func(err error) bool {
			return errors.As(err, &se) && se.Message == "no such thing" && se.Port == 8
		}},
		{"panic", 9, "", func(err error) bool { return errors.As(err, &se) && se.Message == "panic: on purpose" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := inst.Call(ctx, tc.port, []byte(tc.req))
			if err == nil || !tc.check(err) {
				t.Fatalf("got %v", err)
			}
			// The instance keeps serving, with its state.
			if got := call(t, inst, 1, "still here"); got != "still here" {
				t.Errorf("after the refusal: %q", got)
			}
		})
	}
	if got := call(t, inst, 10, "2000"); len(got) != 2000 {
		t.Errorf("a response at the limit: %d bytes", len(got))
	}
}

// TestServiceEnds checks the failures that end an instance: each is
// reported with its reason, later calls fail with ErrInstanceStopped, and
// another instance of the module keeps serving.
func TestServiceEnds(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	bystander := startSvc(t, e, svcJob(t))
	for _, tc := range []struct {
		name string
		port int32
		req  string
		want func(error) bool
	}{
		{"wall time", 7, "", func(err error) bool { return errors.Is(err, wasm.ErrTimeLimit) }},
		{"memory", 6, "100", func(err error) bool { return errors.Is(err, wasm.ErrMemoryLimit) }},
		{"exit", 13, "", func(err error) bool { return strings.Contains(err.Error(), "exited with code 3") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := svcJob(t)
			j.Limits.WallTime = 300 * time.Millisecond
			inst := startSvc(t, e, j)
			start := time.Now()
			_, err := inst.Call(context.Background(), tc.port, []byte(tc.req))
			if err == nil || !tc.want(err) {
				t.Fatalf("got %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			if _, err := inst.Call(context.Background(), 1, nil); !errors.Is(err, wasm.ErrInstanceStopped) || !tc.want(err) {
				t.Errorf("next call: %v", err)
			}
			if got := call(t, bystander, 1, "ok"); got != "ok" {
				t.Errorf("bystander: %q", got)
			}
		})
	}
}

// TestServiceCallerCancels checks that a caller's context interrupts a call
// and that Stop interrupts the call in progress.
func TestServiceStopInterruptsCall(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(t, e, svcJob(t))
	done := make(chan error, 1)
	go func() {
		_, err := inst.Call(context.Background(), 7, nil)
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	inst.Stop(context.Background())
	select {
	case err := <-done:
		if !errors.Is(err, wasm.ErrInstanceStopped) {
			t.Errorf("the interrupted call: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not interrupt the call")
	}
}

// TestServiceCallerGivesUp checks that a caller whose context ends while
// the module runs gets its error, and that the module finishes the call
// and serves on: a client that hangs up does not end the service.
func TestServiceCallerGivesUp(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(t, e, svcJob(t))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Millisecond)
	defer cancel()
	_, err := inst.Call(ctx, 6, []byte("40")) // touches 40 MiB: longer than 2 ms
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("call past its caller's deadline: %v", err)
	}
	if got := call(t, inst, 2, ""); got != "1" {
		t.Errorf("after the caller gave up: %q", got)
	}
	if inst.MemoryBytes() < 40<<20 {
		t.Errorf("the abandoned call did not finish: %d bytes of memory", inst.MemoryBytes())
	}
}

func TestServiceCallsAreSerialised(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	inst := startSvc(t, e, svcJob(t))
	var wg sync.WaitGroup
	const n = 50
	seen := make(chan string, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := inst.Call(context.Background(), 2, nil)
			if err != nil {
				t.Error(err)
			}
			seen <- string(resp)
		}()
	}
	wg.Wait()
	close(seen)
	got := map[string]bool{}
	for s := range seen {
		got[s] = true
	}
	if len(got) != n {
		t.Errorf("%d distinct counter values from %d concurrent calls", len(got), n)
	}
}

func TestServiceMemoryPool(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	pool := wasm.NewMemoryPool(96 << 20)
	j := svcJob(t)
	j.Pool = pool
	j.Limits.Memory = 128 << 20
	a := startSvc(t, e, j)
	b := startSvc(t, e, j)
	if pool.Used() != a.MemoryBytes()+b.MemoryBytes() {
		t.Errorf("pool used %d, instances %d + %d", pool.Used(), a.MemoryBytes(), b.MemoryBytes())
	}
	// Each may grow within its own 128 MiB, but not both beyond the pool's 96.
	call(t, a, 6, "40")
	_, err := b.Call(context.Background(), 6, []byte("50"))
	var le *wasm.LimitError
	if !errors.As(err, &le) || le.Limit != wasm.LimitMemory || le.Max != 96<<20 {
		t.Fatalf("growth beyond the pool: %v", err)
	}
	if got := call(t, a, 1, "a serves on"); got != "a serves on" {
		t.Errorf("the other instance of the pool: %q", got)
	}
	b.Stop(context.Background())
	a.Stop(context.Background())
	if pool.Used() != 0 {
		t.Errorf("pool used after stop: %d", pool.Used())
	}
}

func TestStartServiceRefuses(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		edit  func(*wasm.ServiceJob)
		field string
		is    error
	}{
		{"no slots", func(j *wasm.ServiceJob) { j.Slots = nil }, "service.slots", nil},
		{"duplicate slot", func(j *wasm.ServiceJob) { j.Slots = []int32{1, 2, 1} }, "service.slots[2]", nil},
		{"port out of range", func(j *wasm.ServiceJob) { j.Slots = []int32{70000} }, "service.slots[0]", nil},
		{"bad env", func(j *wasm.ServiceJob) { j.Env = []string{"NOEQUALS"} }, "service.env[0]", nil},
		{"duplicate env", func(j *wasm.ServiceJob) { j.Env = []string{"A=1", "A=2"} }, "service.env[1]", nil},
		{"missing entry", func(j *wasm.ServiceJob) { j.Entry = "nope.wasm" }, "service.entry", nil},
		{"memory above ceiling", func(j *wasm.ServiceJob) { j.Limits.Memory = 1 << 40 }, "service.limits.memory", wasm.ErrOverCeiling},
		{"a command, not a reactor", func(j *wasm.ServiceJob) {
			j.Root = fstest.MapFS{"svc.wasm": {Data: hostileModule(t)}}
		}, "", wasm.ErrModule},
		{"initial memory above the pool", func(j *wasm.ServiceJob) { j.Pool = wasm.NewMemoryPool(1 << 16) }, "", wasm.ErrMemoryLimit},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := svcJob(t)
			tc.edit(&j)
			inst, err := e.StartService(ctx, j)
			if err == nil {
				inst.Stop(ctx)
				t.Fatal("started")
			}
			var je *wasm.JobError
			if tc.field != "" && (!errors.As(err, &je) || je.Field != tc.field) {
				t.Errorf("got %v, want a JobError for %s", err, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
		})
	}
	// And Run refuses a service module.
	job := moduleJob(t, svcModule(t))
	if _, err := e.Run(ctx, job); !errors.Is(err, wasm.ErrModule) {
		t.Errorf("Run of a reactor: %v", err)
	}
}

// recordingGateway answers from a table, for checking the host functions'
// plumbing; node/gateway tests the real gateway.
type recordingGateway struct {
	mu       sync.Mutex
	children map[int64]*wasm.Instance
	e        *wasm.Executor
	job      wasm.ServiceJob
}

func (g *recordingGateway) StartChild(ctx context.Context, id []byte) (int64, error) {
	if !bytes.Equal(id, []byte("echo")) {
		return 0, abi.ErrUnknownService
	}
	inst, err := g.e.StartService(ctx, g.job)
	if err != nil {
		return 0, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	h := int64(len(g.children))
	g.children[h] = inst
	return h, nil
}

func (g *recordingGateway) CallChild(ctx context.Context, h int64, port int32, req []byte) ([]byte, error) {
	g.mu.Lock()
	c := g.children[h]
	g.mu.Unlock()
	if c == nil {
		return nil, abi.ErrBadRequest
	}
	return c.Call(ctx, port, req)
}

func (g *recordingGateway) StopChild(ctx context.Context, h int64) error {
	g.mu.Lock()
	c := g.children[h]
	g.mu.Unlock()
	if c == nil {
		return abi.ErrBadRequest
	}
	c.Stop(ctx)
	return nil
}

func (g *recordingGateway) NetPeers(_ context.Context, network string) ([]string, error) {
	if network != "celltonomy:devnet" {
		return nil, abi.ErrNetworkNotDeclared
	}
	return []string{"http://127.0.0.1:26657", "http://127.0.0.1:26658"}, nil
}

func TestServiceGatewayHostFunctions(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig().WithCacheDir(sharedCacheDir))
	g := &recordingGateway{children: map[int64]*wasm.Instance{}, e: e, job: svcJob(t)}
	j := svcJob(t)
	j.Gateway = g
	j.Env = []string{"CHILD=" + "6563686f"} // "echo"
	inst := startSvc(t, e, j)
	if got := call(t, inst, 3, "hi"); got != "child: hi" {
		t.Errorf("child call: %q", got)
	}
	if got := call(t, inst, 5, "celltonomy:devnet"); got != "http://127.0.0.1:26657\nhttp://127.0.0.1:26658" {
		t.Errorf("net peers: %q", got)
	}
	_, err := inst.Call(context.Background(), 5, []byte("internet"))
	var se *wasm.ServiceError
	if !errors.As(err, &se) || !strings.Contains(se.Message, abi.ErrNetworkNotDeclared.Error()) {
		t.Errorf("undeclared network: %v", err)
	}
	j.Env = []string{"CHILD=" + "00"}
	other := startSvc(t, e, j)
	if _, err := other.Call(context.Background(), 3, nil); !errors.As(err, &se) || !strings.Contains(se.Message, abi.ErrUnknownService.Error()) {
		t.Errorf("unknown child: %v", err)
	}
}

// TestServiceHandAssembled runs the smallest service module, written
// without any SDK: the ABI is the exports alone.
func TestServiceHandAssembled(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig())
	inst := startSvc(t, e, wasm.ServiceJob{
		Root:  fstest.MapFS{"echo.wasm": {Data: echoReactorModule()}},
		Entry: "echo.wasm",
		Slots: []int32{80},
	})
	if got := call(t, inst, 80, "ping"); got != "ping" {
		t.Errorf("echo: %q", got)
	}
}

// spinInitModule is a service module whose _initialize spins forever, in
// (loop (br 0)).
func spinInitModule() []byte {
	return module(
		section(1, vec(
			funcType(nil, nil),
			funcType([]byte{i32}, []byte{i32}),
			funcType([]byte{i32, i32, i32}, []byte{0x7e}),
		)),
		section(3, vec(uleb(0), uleb(1), uleb(2))),
		section(5, vec(cat([]byte{0x00}, uleb(1)))),
		section(7, vec(
			cat(str("_initialize"), []byte{0x00}, uleb(0)),
			cat(str("cell_alloc"), []byte{0x00}, uleb(1)),
			cat(str("cell_handle"), []byte{0x00}, uleb(2)),
		)),
		section(10, vec(
			body(0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b),
			body(0x41, 0x00, 0x0b),
			body(0x42, 0x00, 0x0b),
		)),
	)
}

// TestServiceInitializeBounded checks that the wall time bounds the
// initialisation, and that a caller's context ends it too.
func TestServiceInitializeBounded(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig())
	j := wasm.ServiceJob{
		Root:   fstest.MapFS{"m.wasm": {Data: spinInitModule()}},
		Entry:  "m.wasm",
		Slots:  []int32{1},
		Limits: wasm.Limits{WallTime: 200 * time.Millisecond},
	}
	start := time.Now()
	if _, err := e.StartService(context.Background(), j); !errors.Is(err, wasm.ErrTimeLimit) {
		t.Errorf("spinning _initialize: %v", err)
	}
	j.Limits.WallTime = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := e.StartService(ctx, j); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("spinning _initialize, caller gives up: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// probeModule calls cell.child_start with the pointer and length in the
// first 8 bytes of the request (little-endian i32s) and answers with the
// i64 it returned (8 bytes, little-endian). In the text format:
//
//	(module
//	  (import "cell" "child_start" (func $start (param i32 i32) (result i64)))
//	  (memory (export "memory") 1)
//	  (func (export "cell_alloc") (param i32) (result i32) (i32.const 0))
//	  (func (export "cell_handle") (param i32 i32 i32) (result i64)
//	    (i64.store (i32.const 0) (call $start (i32.load (i32.const 0)) (i32.load (i32.const 4))))
//	    (i64.const 8)))
func probeModule() []byte {
	const (
		i64      = 0x7e
		i32Const = 0x41
		i64Const = 0x42
		i32Load  = 0x28
		i64Store = 0x37
		call     = 0x10
		end      = 0x0b
	)
	return module(
		section(1, vec(
			funcType([]byte{i32, i32}, []byte{i64}),
			funcType([]byte{i32}, []byte{i32}),
			funcType([]byte{i32, i32, i32}, []byte{i64}),
		)),
		section(2, vec(cat(str("cell"), str("child_start"), []byte{0x00}, uleb(0)))),
		section(3, vec(uleb(1), uleb(2))),
		section(5, vec(cat([]byte{0x00}, uleb(1)))),
		section(7, vec(
			cat(str("memory"), []byte{0x02}, uleb(0)),
			cat(str("cell_alloc"), []byte{0x00}, uleb(1)),
			cat(str("cell_handle"), []byte{0x00}, uleb(2)),
		)),
		section(10, vec(
			body(i32Const, 0, end),
			body(i32Const, 0,
				i32Const, 0, i32Load, 2, 0,
				i32Const, 4, i32Load, 2, 0,
				call, 0,
				i64Store, 3, 0,
				i64Const, 8, end),
		)),
	)
}

// TestGatewayArgumentsChecked checks that the host refuses gateway
// arguments outside the module's memory or over their size limit with a
// code, before the gateway sees them, and that the instance serves on.
func TestGatewayArgumentsChecked(t *testing.T) {
	e := newExecutor(t, wasm.NewConfig())
	g := &recordingGateway{children: map[int64]*wasm.Instance{}, e: e}
	inst := startSvc(t, e, wasm.ServiceJob{
		Root:    fstest.MapFS{"m.wasm": {Data: probeModule()}},
		Entry:   "m.wasm",
		Slots:   []int32{1},
		Gateway: g,
	})
	for _, tc := range []struct {
		name     string
		ptr, len uint32
		want     int32
	}{
		{"outside memory", 0xffff_fff0, 32, abi.CodeBadRequest},
		{"straddling the end", 65536 - 16, 32, abi.CodeBadRequest},
		{"an id too long", 0, 65, abi.CodeTooLarge},
		{"a huge length", 0, 0xffff_ffff, abi.CodeTooLarge},
		{"in memory: the gateway answers", 0, 32, abi.CodeUnknownService},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, tc.ptr), tc.len)
			resp, err := inst.Call(context.Background(), 1, req)
			if err != nil || len(resp) != 8 {
				t.Fatalf("%q, %v", resp, err)
			}
			if got := int64(binary.LittleEndian.Uint64(resp)); got != int64(tc.want) {
				t.Errorf("child_start returned %d, want %d", got, tc.want)
			}
		})
	}
	if len(g.children) != 0 {
		t.Errorf("%d children started", len(g.children))
	}
}

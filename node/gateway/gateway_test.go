package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// svcPorts are the slots of runtime/wasm/testdata/svc (see its doc).
var svcPorts = []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}

func svcModule(tb testing.TB) []byte {
	return wasmbuild.BuildReactor(tb, "../../runtime/wasm/testdata/svc")
}

// pkgSpec says how to build a test service package of the svc module.
type pkgSpec struct {
	child    string   // hex service id written to /child; "" for none
	networks []string // tags of one network entry each
	memory   uint64   // container.resources.at_most.mem_limit; 0 for none
}

// buildPackage packs the svc module as a service package: the packer's
// package (so its filesystem is what `cell package build` makes), with the
// spec's api slots and network entries added.
func buildPackage(tb testing.TB, ps pkgSpec) *spec.Package {
	tb.Helper()
	dir := tb.TempDir()
	files := `["svc.wasm"]`
	if ps.child != "" {
		files = `["svc.wasm", "child"]`
		if err := os.WriteFile(filepath.Join(dir, "child"), []byte(ps.child), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	manifest := fmt.Sprintf(`name = "svc"
version = "1.0.0"
kind = "compute"
skill = "compute/test/svc"
architecture = "wasm32-wasip1"
files = %s
[entry]
path = "svc.wasm"
`, files)
	if ps.memory != 0 {
		manifest += fmt.Sprintf("[resources]\nmemory_bytes = %d\n", ps.memory)
	}
	if err := os.WriteFile(filepath.Join(dir, "cell.toml"), []byte(manifest), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "svc.wasm"), svcModule(tb), 0o644); err != nil {
		tb.Fatal(err)
	}
	p, err := packer.Build(dir, spec.DefaultLimits())
	if err != nil {
		tb.Fatal(err)
	}
	svc := proto.Clone(p.Spec().Service()).(*specpb.Service)
	svc.Api = &specpb.Api{}
	for _, port := range svcPorts {
		svc.Api.Slot = append(svc.Api.Slot, &specpb.Slot{Port: port})
	}
	for _, tag := range ps.networks {
		svc.Network = append(svc.Network, &specpb.Network{Tags: []string{tag}})
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(svc)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := spec.DecodeSpec(raw, spec.DefaultLimits())
	if err != nil {
		tb.Fatal(err)
	}
	env := proto.Clone(p.Envelope()).(*specpb.Envelope)
	env.ServicePorts = slices.Clone(svcPorts) // a service package records its ports
	id := s.ID()
	env.PackageId = id[:]
	envRaw, err := proto.MarshalOptions{Deterministic: true}.Marshal(env)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := spec.NewPackage(s, envRaw)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// packages is a Fetcher over packages built in the test. Packages are
// built again at each fetch from their pkgSpec, so that a chain of 100
// packages of a 3 MB module does not sit in memory.
type packages struct {
	tb    testing.TB
	mu    sync.Mutex
	specs map[spec.ID]pkgSpec
	// fetches counts fetches, by id.
	fetches map[spec.ID]int
}

func newPackages(tb testing.TB) *packages {
	return &packages{tb: tb, specs: map[spec.ID]pkgSpec{}, fetches: map[spec.ID]int{}}
}

// add builds the package of ps, remembers how, and returns it.
func (ps *packages) add(s pkgSpec) *spec.Package {
	p := buildPackage(ps.tb, s)
	ps.mu.Lock()
	ps.specs[p.ID()] = s
	ps.mu.Unlock()
	return p
}

func (ps *packages) Fetch(_ context.Context, id spec.ID) (*spec.Package, error) {
	ps.mu.Lock()
	s, ok := ps.specs[id]
	ps.fetches[id]++
	ps.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("package %s: %w", id, abi.ErrUnknownService)
	}
	return buildPackage(ps.tb, s), nil
}

type fixedPrice gateway.Price

func (f fixedPrice) Price(context.Context, *spec.Package) (gateway.Price, error) {
	return gateway.Price(f), nil
}

// sharedCache is an on-disk compilation cache shared by the tests, so
// that the svc module is compiled once per test binary.
var sharedCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gateway-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sharedCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newExecutor(tb testing.TB, ceiling int64) *wasm.Executor {
	tb.Helper()
	e, err := wasm.NewExecutor(context.Background(), wasm.NewConfig().
		WithCacheDir(sharedCache).WithLimits(wasm.Limits{Memory: ceiling}))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close(context.Background()) })
	return e
}

// startRoot starts p as the root of a tree made from cfg (with the
// packages' fetcher and a local runner on e filled in if unset).
func startRoot(tb testing.TB, e *wasm.Executor, pkgs *packages, cfg gateway.Config, p *spec.Package) (*wasm.Instance, *gateway.Tree) {
	tb.Helper()
	if cfg.Fetcher == nil {
		cfg.Fetcher = pkgs
	}
	if cfg.Runner == nil {
		cfg.Runner = gateway.LocalRunner{Executor: e}
	}
	if cfg.Memory == 0 {
		cfg.Memory = 512 << 20
	}
	tree, err := gateway.NewTree(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	j, err := gateway.JobFor(p)
	if err != nil {
		tb.Fatal(err)
	}
	j.Gateway = tree.Root(p.ID(), p.Spec())
	j.Pool = tree.Pool()
	inst, err := e.StartService(context.Background(), j)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { inst.Stop(context.Background()) })
	return inst, tree
}

func call(tb testing.TB, inst *wasm.Instance, port int32, req string) string {
	tb.Helper()
	resp, err := inst.Call(context.Background(), port, []byte(req))
	if err != nil {
		tb.Fatalf("call port %d: %v (log: %s)", port, err, inst.Log())
	}
	return string(resp)
}

// serviceError returns the module's error message of a call that must
// fail with one.
func serviceError(tb testing.TB, inst *wasm.Instance, port int32, req string) string {
	tb.Helper()
	_, err := inst.Call(context.Background(), port, []byte(req))
	var se *wasm.ServiceError
	if !errors.As(err, &se) {
		tb.Fatalf("call port %d: %v, want an error response", port, err)
	}
	return se.Message
}

func TestChildService(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	echo := pkgs.add(pkgSpec{})
	parent := pkgs.add(pkgSpec{child: echo.ID().String()})
	root, tree := startRoot(t, e, pkgs, gateway.Config{Budget: 100, Pricer: fixedPrice{Start: 10, PerCall: 1}}, parent)

	if got := call(t, root, 3, "hi"); got != "child: hi" {
		t.Errorf("child call: %q", got)
	}
	if got := call(t, root, 3, "again"); got != "child: again" {
		t.Errorf("second child call: %q", got)
	}
	if tree.Spent() != 22 || tree.Left() != 78 {
		t.Errorf("spent %d, left %d; want 2 starts of 10 and 2 calls of 1", tree.Spent(), tree.Left())
	}
	// The child stopped (port 3 stops it): its memory is back in the pool.
	if used, own := tree.Pool().Used(), root.MemoryBytes(); used != own {
		t.Errorf("pool holds %d bytes, the root alone %d", used, own)
	}
	if got := call(t, root, 4, ""); got != "1" {
		t.Errorf("chain of two: %q", got)
	}
}

func TestChainDepth(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	// A chain of 100 distinct services, each the child of the one before.
	var head *spec.Package
	for range 100 {
		s := pkgSpec{}
		if head != nil {
			s.child = head.ID().String()
		}
		head = pkgs.add(s)
	}
	bystander := pkgs.add(pkgSpec{})
	by, _ := startRoot(t, e, pkgs, gateway.Config{}, bystander)

	root, tree := startRoot(t, e, pkgs, gateway.Config{MaxDepth: 5}, head)
	msg := serviceError(t, root, 4, "")
	if !strings.Contains(msg, "depth of child services exceeded") || !strings.Contains(msg, "max depth 5") {
		t.Errorf("100-deep chain: %q", msg)
	}
	// The 6th child is refused before its package is fetched.
	if got := len(pkgs.fetches); got != 5 {
		t.Errorf("fetched %d packages, want 5", got)
	}
	if used, own := tree.Pool().Used(), root.MemoryBytes(); used != own {
		t.Errorf("pool holds %d bytes after the chain failed, the root alone %d", used, own)
	}
	// The root and the node keep serving.
	if got := call(t, root, 1, "alive"); got != "alive" {
		t.Errorf("root after the chain: %q", got)
	}
	if got := call(t, by, 2, ""); got != "1" {
		t.Errorf("bystander: %q", got)
	}

	// A chain within the bound answers.
	short := pkgs.add(pkgSpec{})
	for range 3 {
		short = pkgs.add(pkgSpec{child: short.ID().String()})
	}
	r2, _ := startRoot(t, e, pkgs, gateway.Config{MaxDepth: 5}, short)
	if got := call(t, r2, 4, ""); got != "3" {
		t.Errorf("chain of 4: %q", got)
	}
}

func TestCycleRefused(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	p := pkgs.add(pkgSpec{})
	root, _ := startRoot(t, e, pkgs, gateway.Config{}, p)
	id := p.ID().String()

	// The root starts itself.
	if msg := serviceError(t, root, 14, id+" 1 hi"); !strings.Contains(msg, "cycle of service ids") {
		t.Errorf("a service that starts itself: %q", msg)
	}
	// A child that starts itself: root → q → q.
	q := pkgs.add(pkgSpec{child: "00"})
	msg := serviceError(t, root, 14, q.ID().String()+" 14 "+q.ID().String()+" 1 hi")
	if !strings.Contains(msg, "cycle of service ids") {
		t.Errorf("a child that starts itself: %q", msg)
	}
	// A child that starts its grandparent: root → q → root.
	msg = serviceError(t, root, 14, q.ID().String()+" 14 "+id+" 1 hi")
	if !strings.Contains(msg, "cycle of service ids") {
		t.Errorf("a child that starts the root: %q", msg)
	}
	// Without a cycle the relay works.
	if got := call(t, root, 14, q.ID().String()+" 1 hi"); got != "hi" {
		t.Errorf("relay: %q", got)
	}
	// An unknown service.
	if msg := serviceError(t, root, 14, strings.Repeat("ab", 32)+" 1 hi"); !strings.Contains(msg, abi.ErrUnknownService.Error()) {
		t.Errorf("unknown service: %q", msg)
	}
}

func TestBudgetExhausted(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	echo := pkgs.add(pkgSpec{})
	parent := pkgs.add(pkgSpec{child: echo.ID().String()})
	root, tree := startRoot(t, e, pkgs, gateway.Config{Budget: 10, Pricer: fixedPrice{Start: 3, PerCall: 1}}, parent)

	got := call(t, root, 11, "x")
	if !strings.HasPrefix(got, "7 calls, then: ") || !strings.Contains(got, "budget exhausted") {
		t.Errorf("spending child: %q", got)
	}
	if tree.Spent() != 10 {
		t.Errorf("spent %d of 10", tree.Spent())
	}
	// Nothing is left to start a child either; nothing more is billed.
	if msg := serviceError(t, root, 3, "x"); !strings.Contains(msg, "budget exhausted") {
		t.Errorf("start with an empty budget: %q", msg)
	}
	if tree.Spent() != 10 {
		t.Errorf("spent %d after a refused start", tree.Spent())
	}
	if got := call(t, root, 1, "alive"); got != "alive" {
		t.Errorf("root after its budget ran out: %q", got)
	}
}

type directory map[spec.ID][]string

func (d directory) Verified(_ context.Context, id spec.ID) ([]string, error) { return d[id], nil }

func TestNetPeers(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	other := pkgs.add(pkgSpec{})
	svcNet := gateway.NetworkServicePrefix + other.ID().String()
	p := pkgs.add(pkgSpec{networks: []string{gateway.NetworkDevnet, svcNet, "example:unresolved"}})
	root, _ := startRoot(t, e, pkgs, gateway.Config{
		ChainRPC:  "http://127.0.0.1:26657",
		Directory: directory{other.ID(): {"http://10.1.2.3:7070/v1/services/9", "http://10.1.2.4:7070/v1/services/12"}},
	}, p)

	for _, tc := range []struct {
		network, want, refused string
	}{
		{network: gateway.NetworkDevnet, want: "http://127.0.0.1:26657"},
		{network: svcNet, want: "http://10.1.2.3:7070/v1/services/9\nhttp://10.1.2.4:7070/v1/services/12"},
		{network: gateway.NetworkServicePrefix + strings.Repeat("00", 32), refused: "network not declared by the service's spec"},
		{network: "tcp://1.1.1.1:53", refused: "network not declared by the service's spec"},
		{network: "example:unresolved", refused: "not a network this node resolves"},
	} {
		t.Run(tc.network, func(t *testing.T) {
			if tc.refused != "" {
				if msg := serviceError(t, root, 5, tc.network); !strings.Contains(msg, tc.refused) {
					t.Errorf("got %q, want %q", msg, tc.refused)
				}
				return
			}
			if got := call(t, root, 5, tc.network); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// A child has its own spec's networks: none.
	if msg := serviceError(t, root, 14, other.ID().String()+" 5 "+gateway.NetworkDevnet); !strings.Contains(msg, "network not declared") {
		t.Errorf("a child asking for its parent's network: %q", msg)
	}
}

func TestChildMemoryCountsAgainstParent(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	hog := pkgs.add(pkgSpec{memory: 512 << 20})
	p := pkgs.add(pkgSpec{})
	root, tree := startRoot(t, e, pkgs, gateway.Config{Memory: 96 << 20}, p)
	call(t, root, 6, "40") // the parent holds 40 MiB
	// The child could have 512 MiB by its own limit, but only what is left
	// of the parent's 96 MiB.
	if msg := serviceError(t, root, 14, hog.ID().String()+" 6 60"); !strings.Contains(msg, "memory limit exceeded") {
		t.Errorf("a child beyond its parent's memory: %q", msg)
	}
	if got := call(t, root, 14, hog.ID().String()+" 6 10"); got != "ok" {
		t.Errorf("a child within its parent's memory: %q", got)
	}
	if used, own := tree.Pool().Used(), root.MemoryBytes(); used != own {
		t.Errorf("pool holds %d bytes, the root alone %d", used, own)
	}
	root.Stop(context.Background())
	if tree.Pool().Used() != 0 {
		t.Errorf("pool holds %d bytes after the root stopped", tree.Pool().Used())
	}
}

// peer runs delegated children on an executor of its own, standing for a
// peer node (peer delegation over the network is another part's).
type peer struct {
	e     *wasm.Executor
	price gateway.Price
	calls int
}

func (p *peer) Delegate(ctx context.Context, req gateway.StartRequest) (gateway.Service, gateway.Price, error) {
	p.calls++
	req.Pool = wasm.NewMemoryPool(1 << 30) // the peer's memory, not ours
	svc, err := gateway.LocalRunner{Executor: p.e}.Start(ctx, req)
	if err != nil {
		return nil, gateway.Price{}, fmt.Errorf("%w: %w", abi.ErrPeerFailed, err)
	}
	return svc, p.price, nil
}

func TestDelegation(t *testing.T) {
	small := newExecutor(t, 256<<20) // this node: 256 MiB per instance at most
	pkgs := newPackages(t)
	big := pkgs.add(pkgSpec{memory: 400 << 20}) // needs more than this node gives
	p := pkgs.add(pkgSpec{memory: 128 << 20})
	pr := &peer{e: newExecutor(t, 1<<30), price: gateway.Price{Start: 5, PerCall: 2}}
	root, tree := startRoot(t, small, pkgs, gateway.Config{Budget: 100, Delegator: pr, Pricer: fixedPrice{Start: 1}}, p)
	if got := call(t, root, 14, big.ID().String()+" 1 far away"); got != "far away" {
		t.Errorf("delegated child: %q", got)
	}
	if pr.calls != 1 || tree.Spent() != 7 {
		t.Errorf("peer asked %d times, spent %d; want once, 5 + 2 at the peer's price", pr.calls, tree.Spent())
	}
	// Without a delegator the child is refused with the reason.
	root2, _ := startRoot(t, small, pkgs, gateway.Config{}, p)
	if msg := serviceError(t, root2, 14, big.ID().String()+" 1 x"); !strings.Contains(msg, "cannot run") {
		t.Errorf("no delegator: %q", msg)
	}
}

// TestSpinningChild checks that a child that never answers is stopped with
// its parent's call: the parent's wall time bounds the whole tree.
func TestSpinningChild(t *testing.T) {
	e := newExecutor(t, 0)
	pkgs := newPackages(t)
	spinner := pkgs.add(pkgSpec{memory: 256 << 20})
	p := pkgs.add(pkgSpec{})
	tree, err := gateway.NewTree(gateway.Config{Fetcher: pkgs, Runner: gateway.LocalRunner{Executor: e}, Memory: 512 << 20})
	if err != nil {
		t.Fatal(err)
	}
	j, err := gateway.JobFor(p)
	if err != nil {
		t.Fatal(err)
	}
	j.Gateway, j.Pool = tree.Root(p.ID(), p.Spec()), tree.Pool()
	j.Limits.WallTime = 500 * time.Millisecond
	root, err := e.StartService(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = root.Call(context.Background(), 14, []byte(spinner.ID().String()+" 7 x"))
	// Either the parent is stopped too, or it reports its child's end.
	if err == nil || !strings.Contains(err.Error(), "wall time limit exceeded: limit 500ms") {
		t.Errorf("parent of a spinning child: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v: the child ran on for its own wall time", d)
	}
	root.Stop(context.Background())
	if used := tree.Pool().Used(); used != 0 {
		t.Errorf("pool holds %d bytes after the root stopped", used)
	}
}

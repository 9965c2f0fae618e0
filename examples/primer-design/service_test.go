package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/celltonomy/celltonomy/bio/restriction"
	"github.com/celltonomy/celltonomy/examples/data"
	"github.com/celltonomy/celltonomy/internal/wasmbuild"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// lambda returns λ's sequence, read independently of the services.
func lambda(t testing.TB) []byte {
	t.Helper()
	rec, err := restriction.ReadFASTA(bytes.NewReader(data.LambdaFASTA), int64(len(data.LambdaFASTA)))
	if err != nil {
		t.Fatal(err)
	}
	return rec.Seq
}

// pack builds the example service in dir as `cell package build` does,
// with its reactor built afresh and genome as its lambda.fa.
func pack(t testing.TB, dir string, genome []byte) *spec.Package {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(dir, "cell.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	name := filepath.Base(dir) + ".wasm"
	if dir == "." {
		name = "primer-design.wasm"
	}
	for file, b := range map[string][]byte{"cell.toml": manifest, name: wasmbuild.BuildReactor(t, dir), "lambda.fa": genome} {
		if err := os.WriteFile(filepath.Join(out, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, err := packer.Build(out, spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fetcher is the gateway's Fetcher over packages built in the test.
type fetcher struct {
	mu   sync.Mutex
	pkgs map[spec.ID]*spec.Package
}

func (f *fetcher) Fetch(_ context.Context, id spec.ID) (*spec.Package, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.pkgs[id]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("package %s: %w", id, abi.ErrUnknownService)
}

// world is primer-design running as the root of a gateway tree on a real
// executor, its seq-index children fetched from the packages built here.
type world struct {
	root  *wasm.Instance
	index *spec.Package // seq-index over λ
	pkgs  *fetcher
}

func startWorld(t testing.TB, env []string) *world {
	t.Helper()
	seq := data.LambdaFASTA
	design := pack(t, ".", seq)
	index := pack(t, "../seq-index", seq)
	f := &fetcher{pkgs: map[spec.ID]*spec.Package{index.ID(): index}}
	ctx := context.Background()
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close(ctx) })
	j, err := gateway.JobFor(design)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := gateway.NewTree(gateway.Config{Fetcher: f, Runner: gateway.LocalRunner{Executor: e}, Memory: j.Limits.Memory})
	if err != nil {
		t.Fatal(err)
	}
	j.Env = env
	j.Gateway, j.Pool = tree.Root(design.ID(), design.Spec()), tree.Pool()
	inst, err := e.StartService(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { inst.Stop(ctx) })
	return &world{root: inst, index: index, pkgs: f}
}

var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "primer-design-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func (w *world) design(t *testing.T, req string) *Response {
	t.Helper()
	b, err := w.root.Call(context.Background(), PortDesign, []byte(req))
	if err != nil {
		t.Fatalf("design %s: %v\nlog: %s", req, err, w.root.Log())
	}
	var r Response
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("answer %s: %v", b, err)
	}
	return &r
}

// occurrences returns the 0-based offsets of every occurrence of pat in
// seq, overlapping ones included.
func occurrences(seq, pat []byte) []int {
	var out []int
	for off := 0; ; {
		i := bytes.Index(seq[off:], pat)
		if i < 0 {
			return out
		}
		out = append(out, off+i)
		off += i + 1
	}
}

// sitesOf returns where p binds seq: exact occurrences of p (top strand)
// and of its reverse complement (bottom strand).
func sitesOf(seq []byte, p string) (top, bottom []int) {
	return occurrences(seq, []byte(p)), occurrences(seq, []byte(restriction.ReverseComplement(p)))
}

// region is a target of λ between the lambda-pcr README's primers.
const region = `{"start": 20200, "end": 20800, "index": "%s"}`

// TestDesignPairs: primer-design with its seq-index child returns pairs;
// checked against λ independently of both services: every primer binds λ
// exactly once, where the answer says, on its strand, flanking the region;
// the amplicon is the distance between the sites; Tm and GC are within
// the windows; the pair is in lambda-pcr's parameter form.
func TestDesignPairs(t *testing.T) {
	w := startWorld(t, nil)
	seq := lambda(t)
	r := w.design(t, fmt.Sprintf(region, w.index.ID()))
	if len(r.Pairs) != Defaults.Pairs {
		t.Fatalf("%d pairs, want %d: %+v", len(r.Pairs), Defaults.Pairs, r)
	}
	first, _ := json.Marshal(r.Pairs[0])
	t.Logf("candidates %+v, %d rejected, first pair %s", r.Candidates, len(r.Rejected), first)
	if r.Candidates.Forward == 0 || r.Candidates.Reverse == 0 {
		t.Fatalf("candidates %+v", r.Candidates)
	}
	for i, p := range r.Pairs {
		ft, fb := sitesOf(seq, p.Forward.Sequence)
		rt, rb := sitesOf(seq, p.Reverse.Sequence)
		if len(ft)+len(fb) != 1 || len(ft) != 1 || len(rt)+len(rb) != 1 || len(rb) != 1 {
			t.Fatalf("pair %d: forward binds %v (top) %v (bottom), reverse %v %v; want once each, on its strand", i, ft, fb, rt, rb)
		}
		f0, r0 := ft[0], rb[0]
		if p.Forward.Start != f0+1 || p.Forward.End != f0+len(p.Forward.Sequence) || p.Forward.Strand != "+" ||
			p.Reverse.Start != r0+1 || p.Reverse.End != r0+len(p.Reverse.Sequence) || p.Reverse.Strand != "-" {
			t.Errorf("pair %d: sites %+v %+v, found at %d and %d", i, p.Forward, p.Reverse, f0, r0)
		}
		if want := r0 + len(p.Reverse.Sequence) - f0; p.AmpliconBP != want {
			t.Errorf("pair %d: amplicon %d bp, the sites are %d bp apart", i, p.AmpliconBP, want)
		}
		if p.Forward.End >= 20200 || p.Reverse.Start <= 20800 || p.Forward.Start < 20200-Defaults.Window || p.Reverse.End > 20800+Defaults.Window {
			t.Errorf("pair %d: %d-%d and %d-%d do not flank 20200-20800 within %d bp", i, p.Forward.Start, p.Forward.End, p.Reverse.Start, p.Reverse.End, Defaults.Window)
		}
		for _, x := range []Primer{p.Forward, p.Reverse} {
			n := len(x.Sequence)
			if x.TmMC < 52_000 || x.TmMC > 62_000 || x.GCPermille < 400 || x.GCPermille > 600 || n < 18 || n > 24 {
				t.Errorf("pair %d: primer %+v outside the windows", i, x)
			}
		}
		if want := "FORWARD=" + p.Forward.Sequence + " REVERSE=" + p.Reverse.Sequence; p.Params != want {
			t.Errorf("pair %d: params %q, want %q", i, p.Params, want)
		}
		if i > 0 && p.AmpliconBP < r.Pairs[i-1].AmpliconBP {
			t.Errorf("pair %d: amplicons not in increasing order", i)
		}
	}
	// The same request again: the same answer (the child, and its index,
	// kept across calls).
	again := w.design(t, fmt.Sprintf(region, w.index.ID()))
	a, _ := json.Marshal(r)
	b, _ := json.Marshal(again)
	if !bytes.Equal(a, b) {
		t.Errorf("a second call answers differently:\n%s\n%s", a, b)
	}
}

// TestRepeatRejected: an index whose genome holds a second copy of the
// 150 bp just upstream of the region (λ with that stretch appended)
// makes every forward candidate inside the stretch bind twice: each is
// rejected, the nearest pair of the plain index among them, and the pairs
// returned come from outside the stretch and bind that genome once.
func TestRepeatRejected(t *testing.T) {
	seq := lambda(t)
	const start, stretch = 20200, 150
	dup := seq[start-1-stretch : start-1]
	repeated := append(append([]byte(nil), seq...), dup...)
	fasta := []byte(">lambda-with-repeat λ with 19,901..20,050 appended\n" + string(repeated) + "\n")
	// The design itself reads the real λ; only the child's genome differs.
	w := startWorld(t, nil)
	plain := w.design(t, fmt.Sprintf(region, w.index.ID()))
	index := pack(t, "../seq-index", fasta)
	w.pkgs.mu.Lock()
	w.pkgs.pkgs[index.ID()] = index
	w.pkgs.mu.Unlock()
	r := w.design(t, fmt.Sprintf(region, index.ID()))
	if len(r.Rejected) == 0 || len(r.Pairs) == 0 {
		t.Fatalf("%d rejected, %d pairs: want both", len(r.Rejected), len(r.Pairs))
	}
	rejected := map[string]bool{}
	for _, x := range r.Rejected {
		top, bottom := sitesOf(repeated, x.Sequence)
		if len(top)+len(bottom) < 2 || x.Sites != len(top)+len(bottom) {
			t.Errorf("rejected %+v: binds %d + %d times", x, len(top), len(bottom))
		}
		rejected[x.Sequence] = true
	}
	if f := plain.Pairs[0].Forward; !rejected[f.Sequence] || f.Start < start-stretch {
		t.Errorf("the plain index's nearest forward primer %+v is not rejected", f)
	}
	for i, p := range r.Pairs {
		if p.Forward.Start >= start-stretch {
			t.Errorf("pair %d: forward %+v lies in the repeated stretch", i, p.Forward)
		}
		for _, x := range []string{p.Forward.Sequence, p.Reverse.Sequence} {
			if top, bottom := sitesOf(repeated, x); len(top)+len(bottom) != 1 {
				t.Errorf("pair %d: %s binds %d times", i, x, len(top)+len(bottom))
			}
		}
	}
}

// TestDesignErrors: bad requests are error responses naming the field; a
// missing index names both ways to give it; an unknown child is the
// gateway's error; the instance keeps serving.
func TestDesignErrors(t *testing.T) {
	w := startWorld(t, nil)
	for _, tc := range []struct{ req, want string }{
		{`{"start": 0, "end": 10}`, "start: 0, want 1 to 48502"},
		{`{"start": 100, "end": 90}`, "end: 90"},
		{`{"start": 100, "end": 200, "min_tm": 45}`, "min_tm: 45 °C, want at least 50"},
		{`{"start": 100, "end": 2000}`, "exceed max_amplicon"},
		{`{"start": 100, "end": 200, "bogus": 1}`, `unknown field "bogus"`},
		{`{"start": 100, "end": 200, "index": "12"}`, "index:"},
		{`{"start": 1000, "end": 1200}`, "index: no seq-index service id"},
		{`{"start": 1000, "end": 1200, "index": "` + strings.Repeat("ab", 32) + `"}`, "unknown service"},
		{`not json`, "request:"},
	} {
		_, err := w.root.Call(context.Background(), PortDesign, []byte(tc.req))
		var se *wasm.ServiceError
		if !errors.As(err, &se) || !strings.Contains(se.Message, tc.want) {
			t.Errorf("%s: %v, want an error response with %q", tc.req, err, tc.want)
		}
	}
	if r := w.design(t, fmt.Sprintf(region, w.index.ID())); len(r.Pairs) == 0 {
		t.Error("no pairs after the errors")
	}
}

// TestIndexFromEnvironment: without the request's index, SEQ_INDEX (the
// order's parameter, declared in the spec) names the child.
func TestIndexFromEnvironment(t *testing.T) {
	seq := data.LambdaFASTA
	id := pack(t, "../seq-index", seq).ID()
	w := startWorld(t, []string{IndexEnv + "=" + id.String()})
	r := w.design(t, `{"start": 20200, "end": 20800}`)
	if len(r.Pairs) == 0 || r.Request.Index != id.String() {
		t.Fatalf("pairs %d, index %q", len(r.Pairs), r.Request.Index)
	}
}

// TestPairFeedsLambdaPCR: the first pair's params fill
// examples/protocols/lambda-pcr unchanged; run on the simulated lab, its
// gel lane holds λ and exactly the predicted amplicon, seen as a band
// within 3 % of its size.
func TestPairFeedsLambdaPCR(t *testing.T) {
	w := startWorld(t, nil)
	r := w.design(t, fmt.Sprintf(region, w.index.ID()))
	p := r.Pairs[0]
	params := map[string]string{}
	for _, f := range strings.Fields(p.Params) {
		k, v, _ := strings.Cut(f, "=")
		params[k] = v
	}
	pkg, err := packer.Build("../protocols/lambda-pcr", spec.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	res, err := protopkg.RunLocal(protopkg.Local{Package: pkg, Params: params, BotSpec: labsim.SimlabBotSpec()})
	if err != nil {
		t.Fatal(err)
	}
	lane := res.Sim.Gels[0].Lanes[1]
	var bps []int
	for _, s := range lane.Species {
		bps = append(bps, s.BP)
	}
	if len(bps) != 2 || bps[0] != len(lambda(t)) || bps[1] != p.AmpliconBP {
		t.Fatalf("lane species %v bp, want λ (%d) and the %d bp amplicon", bps, len(lambda(t)), p.AmpliconBP)
	}
	found := false
	for _, b := range lane.Bands {
		found = found || b.SizeBP*100 >= int64(p.AmpliconBP)*97 && b.SizeBP*100 <= int64(p.AmpliconBP)*103
	}
	if !found {
		t.Errorf("no band near %d bp: %+v", p.AmpliconBP, lane.Bands)
	}
}

// TestSeqIndexKeepsItsIndex: the seq-index instance builds its index on
// its first call and keeps it: after three calls, one build.
func TestSeqIndexKeepsItsIndex(t *testing.T) {
	index := pack(t, "../seq-index", data.LambdaFASTA)
	ctx := context.Background()
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig().WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close(ctx)
	j, err := gateway.JobFor(index)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := e.StartService(ctx, j)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop(ctx)
	for range 2 {
		resp, err := inst.Call(ctx, 1, []byte(`{"sequences": ["TCCGTGGTGGCACAGAGTAC"]}`))
		if err != nil || !strings.Contains(string(resp), `"sites":[{"start":20001,"end":20020,"strand":"+"}]`) {
			t.Fatalf("sites: %s %v", resp, err)
		}
	}
	resp, err := inst.Call(ctx, 2, nil)
	var info struct{ Builds, Calls, Length, Entries int }
	if err != nil || json.Unmarshal(resp, &info) != nil || info.Builds != 1 || info.Calls != 3 || info.Length != 48502 || info.Entries != 2*(48502-11) {
		t.Fatalf("info %s %v", resp, err)
	}
}

package botlog

import (
	"crypto/ed25519"
	"crypto/sha256"
	"os"
	"slices"
	"testing"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// fixture is an order's protocol on the simulated lab and an honest run
// of it: every warp of protocol.Plan, one after another, taking its
// nominal (or the protocol's) duration.
type fixture struct {
	p      *protocol.Protocol
	hash   [32]byte
	spec   *protocol.BotSpec
	specID protocol.BotSpecID
	plan   []protocol.PlannedWarp
	key    ed25519.PrivateKey
}

func simlab(t testing.TB) *protocol.BotSpec {
	t.Helper()
	b, err := os.ReadFile("../../examples/botspecs/simlab.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := protocol.ParseBotSpec(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newFixture(t testing.TB, filled []byte) *fixture {
	t.Helper()
	p, err := protocol.Parse(filled)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{p: p, hash: sha256.Sum256(filled), spec: simlab(t)}
	if f.specID, err = f.spec.ID(); err != nil {
		t.Fatal(err)
	}
	if f.plan, err = protocol.Plan(p, f.spec); err != nil {
		t.Fatal(err)
	}
	f.key = ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	return f
}

// lambdaDigest is protocol/testdata/lambda-digest.json filled with EcoRI.
func lambdaDigest(t testing.TB) *fixture {
	t.Helper()
	tmpl, err := os.ReadFile("../../protocol/testdata/lambda-digest.json")
	if err != nil {
		t.Fatal(err)
	}
	filled, err := protocol.Fill(tmpl, map[string]string{"ENZYME": "EcoRI"})
	if err != nil {
		t.Fatal(err)
	}
	return newFixture(t, filled)
}

// honest returns an honest run and its datasets (each dataset's bytes
// name it, so they differ).
func (f *fixture) honest() (*Run, map[string][]byte) {
	r := &Run{Start: Start{BotSpec: f.specID, Protocol: f.hash, Seed: sha256.Sum256([]byte("seed")),
		Instructions: len(f.p.Instructions), Warps: len(f.plan), Simulated: f.spec.Simulated}}
	ds := map[string][]byte{}
	var clock int64
	for _, pw := range f.plan {
		w := Warp{Instruction: pw.Instruction, Op: pw.Op, Warp: pw.Warp, Device: pw.Device, Params: slices.Clone(pw.Params),
			Start: clock, End: clock + pw.Duration, Outcome: OutcomeOK, Dataref: pw.Dataref, Dataset: pw.Dataset}
		if pw.Dataset != "" {
			data := []byte("dataset " + pw.Dataset)
			ds[pw.Dataset] = data
			w.SHA256 = sha256.Sum256(data)
		}
		clock = w.End
		r.Warps = append(r.Warps, w)
	}
	var names, wheres []string
	for _, ref := range f.p.Refs {
		if ref.Store != nil {
			names = append(names, ref.Name)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		ref, _ := f.p.Refs.Lookup(n)
		wheres = append(wheres, ref.Store.Where)
	}
	if len(names) > 0 {
		r.Pack = &Pack{Containers: names, Where: PackWhere(wheres), Label: "label-0001", Time: clock}
		r.Handover = &Handover{Carrier: "simpost", Tracking: "SP0001", Time: clock + 60_000}
	}
	return r, ds
}

// sign writes r as a signed log of the fixture's node key.
func (f *fixture) sign(t testing.TB, r *Run) *eventlog.Log {
	t.Helper()
	w := eventlog.New(f.key, []byte("order-1"))
	if err := r.AppendTo(w); err != nil {
		t.Fatal(err)
	}
	return w.Log()
}

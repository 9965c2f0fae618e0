package demo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/internal/testhome"
	"github.com/celltonomy/celltonomy/runtime/labsim"
)

func TestMain(m *testing.M) {
	cleanup, err := testhome.Setup()
	if err != nil {
		panic(err)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// TestRun runs the demo as `cell demo --keep` does: a real devnet, a
// compute order and a protocol order on the bot node, both closed, the
// digest verified, the delivered run checked, the gel's species equal to
// the compute fragments of λ and EcoRI, the gel image and the label
// written, the devnet stopped.
func TestRun(t *testing.T) {
	if len(devnet.DefaultPackageDirs()) == 0 {
		t.Fatal("examples/digest/digest.wasm is missing: run make examples first")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var said []string
	res, err := Run(ctx, Options{Keep: true, Say: func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) }})
	if res != nil {
		t.Cleanup(func() { os.RemoveAll(res.Dir) })
	}
	if err != nil {
		t.Fatal(err)
	}
	o := res.Order
	if o.State != "closed" || !o.Verified || o.ExitCode != 0 || !strings.Contains(o.Stdout, "EcoRI") {
		t.Errorf("order %d: state %s, verified %v, exit %d, stdout %q", o.OrderID, o.State, o.Verified, o.ExitCode, o.Stdout)
	}
	if o.Heights.Created == 0 || o.Heights.Awarded <= o.Heights.Created || o.Heights.Closed <= o.Heights.Awarded {
		t.Errorf("heights %+v", o.Heights)
	}
	if len(res.Steps) == 0 || !strings.HasPrefix(res.Devnet.ChainID, devnet.ChainIDPrefix+"-") {
		t.Errorf("%d steps, chain %q", len(res.Steps), res.Devnet.ChainID)
	}

	// The protocol order: closed, run by the bot node, conforming, with
	// its timeline and gel.
	po := res.Protocol
	bot := res.Devnet.Nodes[devnet.BotNode-1]
	if po.State != "closed" || po.Provider != bot.Operator.String() || po.Protocol == nil || !po.Protocol.Conforms || !po.Protocol.Simulated {
		t.Fatalf("protocol order %d: state %s, provider %s (the bot node's operator %s), report %+v", po.OrderID, po.State, po.Provider, bot.Operator, po.Protocol)
	}
	if po.Heights.Closed <= o.Heights.Closed {
		t.Errorf("the protocol order closed at %d, the compute order at %d: want it after", po.Heights.Closed, o.Heights.Closed)
	}
	tl := po.Protocol.Timeline
	if len(tl) != po.Protocol.Instructions || tl[0].Instruction != 0 || tl[len(tl)-1].Op != "gel_separate" {
		t.Errorf("timeline %+v of %d instructions", tl, po.Protocol.Instructions)
	}
	for i := 1; i < len(tl); i++ {
		if tl[i].StartMS < tl[i-1].EndMS || tl[i].EndMS < tl[i].StartMS {
			t.Errorf("timeline: instruction %d at %d–%d ms after %d–%d ms", tl[i].Instruction, tl[i].StartMS, tl[i].EndMS, tl[i-1].StartMS, tl[i-1].EndMS)
		}
	}
	stepped := false
	for _, s := range res.ProtocolSteps {
		stepped = stepped || s.Kind == order.StepBot
	}
	if !stepped {
		t.Errorf("no bot progress among the protocol order's steps %v", res.ProtocolSteps)
	}

	// λ and EcoRI: 21226, 7421, 5804, 5643, 4878 and 3530 bp, from the
	// compute package and on the gel alike.
	want := []int{21226, 7421, 5804, 5643, 4878, 3530}
	frags := slices.Clone(res.Fragments)
	slices.Sort(frags)
	slices.Reverse(frags)
	if !slices.Equal(frags, want) {
		t.Errorf("compute fragments %v, want %v", res.Fragments, want)
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("rows %+v", res.Rows)
	}
	for i, r := range res.Rows {
		if r.FragmentBP != want[i] || r.SpeciesBP != r.FragmentBP || r.BandBP <= 0 || r.Merged < 1 {
			t.Errorf("row %d: %+v, want the fragment %d bp as a species with a band", i, r, want[i])
		}
	}
	for _, f := range []string{res.GelImage, res.Label} {
		data, err := os.ReadFile(f)
		if err != nil || !bytes.HasPrefix(data, []byte("\x89PNG")) || !strings.HasPrefix(f, filepath.Join(res.Dir, "out")) {
			t.Errorf("%q: not a PNG under %s/out (%v)", f, res.Dir, err)
		}
	}
	for _, f := range []string{"devnet", "devnet.log", "out"} {
		if _, err := os.Stat(filepath.Join(res.Dir, f)); err != nil {
			t.Errorf("the kept directory lacks %s: %v", f, err)
		}
	}
	if len(said) < 3 || !strings.HasPrefix(said[0], "starting a devnet in "+res.Dir) {
		t.Errorf("progress lines: %q", said)
	}
}

// TestRunEnzymeNotStocked: an enzyme the simulated lab does not stock is
// refused before a devnet starts, naming the unmet requirement.
func TestRunEnzymeNotStocked(t *testing.T) {
	if len(devnet.DefaultPackageDirs()) == 0 {
		t.Fatal("examples/digest/digest.wasm is missing: run make examples first")
	}
	_, err := Run(context.Background(), Options{Enzyme: "NotI"})
	if err == nil || !strings.Contains(err.Error(), "ENZYME=NotI") || !strings.Contains(err.Error(), "NotI") {
		t.Fatalf("err = %v, want one naming the enzyme the lab lacks", err)
	}
}

// TestCompare: fragments meet the lane's species longest first, and each
// species the band that holds it.
func TestCompare(t *testing.T) {
	lane := labsim.GelLane{Lane: 1, Species: []labsim.Species{{BP: 5804}, {BP: 5643}, {BP: 3530}, {BP: 120}},
		Bands: []labsim.Band{{SizeBP: 5700, Species: 2}, {SizeBP: 3500, Species: 1}}}
	got := Compare([]int{3530, 5643, 5804}, lane)
	want := []Row{{5804, 5804, 5700, 2}, {5643, 5643, 5700, 2}, {3530, 3530, 3500, 1}, {0, 120, 0, 0}}
	if !slices.Equal(got, want) {
		t.Errorf("Compare = %+v, want %+v", got, want)
	}
}

func TestRunBadGenome(t *testing.T) {
	if len(devnet.DefaultPackageDirs()) == 0 {
		t.Fatal("examples/digest/digest.wasm is missing: run make examples first")
	}
	_, err := Run(context.Background(), Options{Genome: "/nonexistent/genome.fa"})
	if err == nil || !strings.Contains(err.Error(), "genome") || !strings.Contains(err.Error(), "/nonexistent/genome.fa") {
		t.Fatalf("err = %v, want one naming the genome file", err)
	}
}

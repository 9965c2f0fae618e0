package bot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/labsim"
)

var simlab = filepath.Join("..", "..", "examples", "botspecs", "simlab.json")

func TestLoad(t *testing.T) {
	b, err := Load(simlab, "labsim")
	if err != nil {
		t.Fatal(err)
	}
	if b.Spec.Name != "simlab" || b.Driver.Name() != "labsim" {
		t.Errorf("Load = %s on %s", b.Spec.Name, b.Driver.Name())
	}
	if id, _ := b.Spec.ID(); id != b.ID {
		t.Errorf("ID %s, the BotSpec's %s", b.ID, id)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"x","devices":[{"id":"d1","kind":"toaster"}]}`), 0o644)
	big := filepath.Join(dir, "big.json")
	os.WriteFile(big, []byte(strings.Repeat(" ", protocol.MaxBotSpecBytes+1)), 0o644)
	for _, tc := range []struct{ path, driver, want string }{
		{simlab, "opentrons", `unknown driver "opentrons" (known: labsim)`},
		{filepath.Join(dir, "missing.json"), "labsim", "no such file"},
		{bad, "labsim", bad + ": "},
		{big, "labsim", big + ": "},
	} {
		_, err := Load(tc.path, tc.driver)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s, %s) = %v, want …%s…", tc.path, tc.driver, err, tc.want)
		}
	}
	if _, err := Load(bad, "labsim"); !errors.Is(err, protocol.ErrInvalidBotSpec) {
		t.Errorf("an invalid BotSpec: %v, want ErrInvalidBotSpec", err)
	}
}

// digest returns the λ EcoRI digest of examples/protocols, filled.
func digest(t *testing.T, enzyme string) (*protocol.Protocol, []byte) {
	t.Helper()
	tmpl, err := os.ReadFile(filepath.Join("..", "..", "examples", "protocols", "lambda-digest-gel", "protocol.json"))
	if err != nil {
		t.Fatal(err)
	}
	filled, err := protocol.Fill(tmpl, map[string]string{"ENZYME": enzyme})
	if err != nil {
		t.Fatal(err)
	}
	p, err := protocol.Load(tmpl, map[string]string{"ENZYME": enzyme})
	if err != nil {
		t.Fatal(err)
	}
	return p, filled
}

func TestSelect(t *testing.T) {
	b, err := Load(simlab, "labsim")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := digest(t, "EcoRI")
	got, err := Select([]*Bot{b}, p.Requirements())
	if err != nil || got != b {
		t.Fatalf("Select = %v, %v", got, err)
	}
	p, _ = digest(t, "NotI")
	_, err = Select([]*Bot{b, b}, p.Requirements())
	var nc *NotCoveredError
	if !errors.As(err, &nc) || len(nc.Unmet) != 2 || !errors.Is(err, protocol.ErrNotCovered) {
		t.Fatalf("Select of an uncovered protocol = %v", err)
	}
	if want := "BotSpec simlab (" + b.ID.String()[:8] + "…): resource NotI: not in the bot's inventory"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q, want it to start %q", err, want)
	}
	if _, err := Select(nil, p.Requirements()); err == nil || err.Error() != "the node has no bot" {
		t.Errorf("Select with no bot = %v", err)
	}
}

// TestLabsimDriver runs the λ digest on the labsim driver: it reports
// progress instruction by instruction up to all of them, returns the
// simulator's run and datasets for the seed of the order, and with the
// fault skip-step a run one warp short, which the conformance check's
// plan walk finds missing.
func TestLabsimDriver(t *testing.T) {
	b, _ := Load(simlab, "labsim")
	p, filled := digest(t, "EcoRI")
	var steps [][2]int
	j := Job{OrderID: 7, PackageID: [32]byte{1}, Protocol: p, Filled: filled, BotSpec: b.Spec, BotSpecID: b.ID,
		Progress: func(done, total int) { steps = append(steps, [2]int{done, total}) }}
	out, err := b.Driver.Run(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	n := len(p.Instructions)
	if len(steps) == 0 || steps[len(steps)-1] != [2]int{n, n} {
		t.Fatalf("progress %v, want it to end at %d of %d", steps, n, n)
	}
	for i := 1; i < len(steps); i++ {
		if steps[i][0] < steps[i-1][0] || steps[i][1] != n {
			t.Fatalf("progress %v goes back or changes its total", steps)
		}
	}
	want, err := labsim.Run(SimInput(j))
	if err != nil {
		t.Fatal(err)
	}
	if out.Run.Start.Seed != labsim.SeedFor(7, [32]byte{1}, b.ID) || len(out.Run.Warps) != len(want.Run.Warps) || len(out.Datasets) != len(want.Datasets) {
		t.Errorf("driver run differs from labsim.Run of its input")
	}
	for i, d := range out.Datasets {
		if d.Name != want.Datasets[i].Name || string(d.Data) != string(want.Datasets[i].Data) {
			t.Errorf("dataset %d: %s differs", i, d.Name)
		}
	}
	plan, err := protocol.Plan(p, b.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Run.Warps) != len(plan) {
		t.Errorf("%d warps, the plan has %d", len(out.Run.Warps), len(plan))
	}
	j.Fault, j.Progress = FaultSkipStep, nil
	skipped, err := b.Driver.Run(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped.Run.Warps) != len(plan)-1 {
		t.Errorf("skip-step: %d warps, want %d", len(skipped.Run.Warps), len(plan)-1)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Driver.Run(ctx, j); !errors.Is(err, context.Canceled) {
		t.Errorf("Run after its context ended = %v", err)
	}
}

// TestLabsimDriverPaced: with a Speedup the driver reports each
// instruction only once its end on the scaled bot clock has passed, and
// gives up with ctx's error when ctx ends during the run.
func TestLabsimDriverPaced(t *testing.T) {
	b, _ := Load(simlab, "labsim")
	p, filled := digest(t, "EcoRI")
	// The λ digest takes 6,712,000 ms on the bot: 100 ms of wall time.
	const speedup = 67120
	var steps []int
	start := time.Now()
	var at []time.Duration
	j := Job{OrderID: 7, PackageID: [32]byte{1}, Protocol: p, Filled: filled, BotSpec: b.Spec, BotSpecID: b.ID, Speedup: speedup,
		Progress: func(done, total int) { steps = append(steps, done); at = append(at, time.Since(start)) }}
	if _, err := b.Driver.Run(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if len(steps) < len(p.Instructions) {
		t.Fatalf("progress %v: want every one of %d instructions reported", steps, len(p.Instructions))
	}
	// The gel (the last instruction) ends at 6,712,000 ms on the bot clock.
	if last := at[len(at)-1]; last < 6712000*time.Millisecond/speedup {
		t.Errorf("last instruction reported after %v, before its paced end", last)
	}

	ctx, cancel := context.WithCancel(context.Background())
	j.Speedup = 1 // real time: the first warp alone takes seconds
	j.Progress = nil
	go func() { time.Sleep(20 * time.Millisecond); cancel() }()
	if _, err := b.Driver.Run(ctx, j); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled paced run: err %v, want context.Canceled", err)
	}
}

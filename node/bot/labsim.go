package bot

import (
	"context"
	"time"

	"github.com/celltonomy/celltonomy/runtime/labsim"
)

// Labsim is the driver of simulated bots: it runs a job on the
// deterministic simulator runtime/labsim (SimInput), so that every node
// gets the same log and datasets for the same order.
type Labsim struct{}

func init() { register(Labsim{}) }

// Name returns "labsim".
func (Labsim) Name() string { return "labsim" }

// SimInput returns the simulator's input for j: its filled protocol on
// its BotSpec, the stock of the simulated lab (labsim.SimlabStock: λ DNA),
// the seed labsim.SeedFor(order id, package id, BotSpec id), and j's
// label and fault. A verifier replays a delivery with the same input
// (labsim.Replay).
func SimInput(j Job) labsim.Input {
	return labsim.Input{
		Protocol: j.Protocol, ProtocolHash: j.ProtocolHash, BotSpec: j.BotSpec,
		Seed:  labsim.SeedFor(j.OrderID, j.PackageID, j.BotSpecID),
		Stock: labsim.SimlabStock(), Label: j.Label, Fault: j.Fault,
	}
}

// Run simulates j (labsim.Run) and reports its progress by instruction,
// as the simulated warps end. The simulation itself takes no wall time
// worth waiting for; with j.Speedup > 0 the driver keeps pace with the
// bot's clock divided by Speedup, reporting each instruction when its
// last warp ends on that scaled clock, so that a buyer watches the run
// as it would watch a real bot's (the log and datasets do not change).
// It returns ctx's error when ctx ends first.
func (Labsim) Run(ctx context.Context, j Job) (*Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := labsim.Run(SimInput(j))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	total := len(j.Protocol.Instructions)
	for i, w := range res.Run.Warps {
		if i+1 < len(res.Run.Warps) && res.Run.Warps[i+1].Instruction == w.Instruction {
			continue
		}
		if j.Speedup > 0 {
			if err := waitUntil(ctx, start.Add(time.Duration(w.End)*time.Millisecond/time.Duration(j.Speedup))); err != nil {
				return nil, err
			}
		}
		if j.Progress != nil {
			j.Progress(min(w.Instruction+1, total), total)
		}
	}
	if j.Progress != nil {
		j.Progress(total, total)
	}
	out := &Outcome{Run: res.Run}
	for _, d := range res.Datasets {
		out.Datasets = append(out.Datasets, Dataset{Name: d.Name, Data: d.Data})
	}
	return out, nil
}

// waitUntil returns when the wall clock reaches t, or with ctx's error
// when ctx ends first.
func waitUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package bot

import (
	"context"

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
// as the simulated warps end. The simulation takes no wall time worth
// waiting for: ctx is checked before it starts.
func (Labsim) Run(ctx context.Context, j Job) (*Outcome, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res, err := labsim.Run(SimInput(j))
	if err != nil {
		return nil, err
	}
	if j.Progress != nil {
		total := len(j.Protocol.Instructions)
		for i, w := range res.Run.Warps {
			if i+1 == len(res.Run.Warps) || res.Run.Warps[i+1].Instruction != w.Instruction {
				j.Progress(min(w.Instruction+1, total), total)
			}
		}
		j.Progress(total, total)
	}
	out := &Outcome{Run: res.Run}
	for _, d := range res.Datasets {
		out.Datasets = append(out.Datasets, Dataset{Name: d.Name, Data: d.Data})
	}
	return out, nil
}

package protopkg

import (
	"errors"

	"github.com/celltonomy/celltonomy/protocol"
)

// Analysis is what a loaded protocol takes to run: its requirements and
// materials, and, on a given bot, its plan, its duration and a price
// floor.
type Analysis struct {
	// Requirements are what a bot must offer (protocol.Requirements).
	Requirements protocol.Requirements
	// Consumables are the new containers the run uses, by type.
	Consumables []protocol.ContainerCount
	// Reagents are the inventory resources the run takes, in nL or uses.
	Reagents []protocol.Reagent

	// The rest is set only when Analyze is given a BotSpec.

	// BotSpec is the BotSpec's id.
	BotSpec protocol.BotSpecID
	// Plan is the warps the bot runs, in order (protocol.Plan).
	Plan []protocol.PlannedWarp
	// MakespanMs is the run's duration with the BotSpec's nominal timings
	// and the protocol's own durations, warps one after another, in ms.
	MakespanMs int64
	// Price is the reagents priced at the BotSpec's inventory prices, in
	// ucell: a floor for a bid, not a bid (protocol.EstimatePrice).
	Price *protocol.PriceEstimate
}

// Analyze analyses l, and its run on the bot s when s is not nil. When s
// does not cover the protocol (Covers, then Plan and EstimatePrice) it
// returns an error matching protocol.ErrNotCovered that names the first
// unmet requirement, together with the Analysis without the bot's part.
// Other errors are those of protocol.Plan or protocol.EstimatePrice, with a
// nil Analysis.
func Analyze(l *Loaded, s *protocol.BotSpec) (*Analysis, error) {
	a := &Analysis{
		Requirements: l.Requirements,
		Consumables:  protocol.Consumables(l.Protocol),
		Reagents:     protocol.Reagents(l.Protocol),
	}
	if s == nil {
		return a, nil
	}
	id, err := s.ID()
	if err != nil {
		return nil, err
	}
	a.BotSpec = id
	bare := *a
	if err := protocol.Covers(s, l.Requirements); err != nil {
		return &bare, err
	}
	if a.Plan, err = protocol.Plan(l.Protocol, s); err != nil {
		return partial(&bare, err)
	}
	a.MakespanMs = protocol.Makespan(a.Plan)
	price, err := protocol.EstimatePrice(l.Protocol, s)
	if err != nil {
		return partial(&bare, err)
	}
	a.Price = &price
	return a, nil
}

func partial(a *Analysis, err error) (*Analysis, error) {
	if errors.Is(err, protocol.ErrNotCovered) {
		return a, err
	}
	return nil, err
}

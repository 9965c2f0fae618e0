package protopkg

import (
	"errors"
	"fmt"
	"io"

	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
)

// CheckInput is what Check needs: the conformance check's input, plus
// what the replay of a simulated bot's run needs.
type CheckInput struct {
	botlog.CheckInput
	// Seed, when not nil, is the seed the run must have used,
	// labsim.SeedFor(order id, package id, BotSpec id); nil trusts the
	// seed the log's run.start names (enough to reproduce the run, not to
	// tie it to an order).
	Seed *[32]byte
	// Stock is the simulated bot's DNA stock; nil means
	// labsim.SimlabStock().
	Stock []labsim.Material
}

// Check is the whole check of a delivered protocol run
// (fabrication.md, "The conformance check"): botlog.Check and, when the
// BotSpec is simulated, the replay of the simulation, which must
// reproduce the log and the datasets byte for byte (labsim.Replay, with
// the seed and the label the log records). It returns nil when the run
// conforms, the first *botlog.Violation (matching botlog.ErrViolation)
// when it does not, or another error when the check could not run (a
// verifier's verdict is then undecidable).
func Check(in CheckInput) error {
	if err := botlog.Check(in.CheckInput); err != nil {
		return err
	}
	if !in.BotSpec.Simulated {
		return nil
	}
	run, err := botlog.Decode(in.Log)
	if err != nil {
		return err // Check decoded it already
	}
	if in.Seed != nil && *in.Seed != run.Start.Seed {
		return &botlog.Violation{Instruction: -1, Rule: botlog.RuleStart,
			Detail: fmt.Sprintf("seed %x, the order's is %x", run.Start.Seed, *in.Seed)}
	}
	stock := in.Stock
	if stock == nil {
		stock = labsim.SimlabStock()
	}
	var label string
	if run.Pack != nil {
		label = run.Pack.Label
	}
	return labsim.Replay(labsim.Input{
		Protocol: in.Protocol, ProtocolHash: in.ProtocolHash, BotSpec: in.BotSpec,
		Seed: run.Start.Seed, Stock: stock, Label: label,
	}, run, in.Datasets)
}

// ReadLog reads a stored event log of a delivery (eventlog.Read). Bytes
// that are not a stored log are a *botlog.Violation of rule schema, a log
// whose chain or signatures do not hold one of rule signature: a
// delivered log that cannot be read does not conform. Other errors are
// those of r.
func ReadLog(r io.Reader) (*eventlog.Log, error) {
	l, err := eventlog.Read(r)
	switch {
	case errors.Is(err, eventlog.ErrInvalidLog):
		return nil, &botlog.Violation{Instruction: -1, Rule: botlog.RuleSignature, Detail: err.Error()}
	case errors.Is(err, eventlog.ErrMalformed):
		return nil, &botlog.Violation{Instruction: -1, Rule: botlog.RuleSchema, Detail: err.Error()}
	}
	return l, err
}

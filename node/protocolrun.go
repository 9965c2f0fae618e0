package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// jobBot returns the bot that runs a protocol job: the one whose BotSpec
// the job (the bid) names, else the first that covers the protocol.
func (n *Node) jobBot(j Job, l *protopkg.Loaded) (*bot.Bot, error) {
	if !j.BotSpec.IsZero() {
		b, ok := n.botByID(protocol.BotSpecID(j.BotSpec))
		if !ok {
			return nil, fmt.Errorf("BotSpec %s: not one of this node's bots (node.toml [[bots]])", j.BotSpec)
		}
		return b, nil
	}
	return bot.Select(n.bots, l.Requirements)
}

// runProtocol runs a provider's protocol job on its bot: it fills the
// protocol with the order's parameters, runs it on the driver of the
// bot whose BotSpec the bid named, writes the run's events as the job's
// event log (afresh: the log of a protocol job is the bot run's log
// alone, its times the bot clock's ms, signed with the node key), stores
// the datasets as the outputs and records the output root over them,
// then delivers.
func (n *Node) runProtocol(ctx context.Context, j Job) error {
	id := j.OrderID
	rec, err := n.registeredPackage(ctx, j.PackageID[:])
	if err != nil {
		return err
	}
	pkg, err := n.ensurePackage(ctx, rec, nil)
	if err != nil {
		return err
	}
	l, err := loadProtocol(pkg, j.Params)
	if err != nil {
		return fmt.Errorf("protocol: %w", err)
	}
	b, err := n.jobBot(j, l)
	if err != nil {
		return err
	}
	var fault string
	if n.opts.Fault == FaultSkipStep {
		fault = bot.FaultSkipStep
	}
	n.metrics.running.Inc()
	start := n.now()
	out, err := b.Driver.Run(ctx, bot.Job{
		OrderID: id, PackageID: j.PackageID, Protocol: l.Protocol, ProtocolHash: l.Hash, Filled: l.Filled,
		BotSpec: b.Spec, BotSpecID: b.ID, Fault: fault, Speedup: b.Speedup,
		Progress: func(done, total int) {
			n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
				j.Instruction, j.Instructions = done, total
				return nil
			})
		},
	})
	n.metrics.running.Dec()
	if err != nil {
		return fmt.Errorf("bot %s: %w", b.Driver.Name(), err)
	}
	took := n.now().Sub(start)
	n.metrics.runSeconds.Observe(took.Seconds())
	if err := n.writeBotLog(id, out); err != nil {
		return err
	}
	files := make([]OutputFile, 0, len(out.Datasets))
	entries := make([]outputroot.File, 0, len(out.Datasets))
	for _, d := range out.Datasets {
		sum, size, err := n.files.Put(bytes.NewReader(d.Data))
		if err != nil {
			return fmt.Errorf("dataset %s: %w", d.Name, err)
		}
		files = append(files, OutputFile{Path: d.Name, Size: size, SHA256: sum})
		entries = append(entries, outputroot.File{Path: d.Name, Size: size, SHA256: sum})
	}
	root, err := outputroot.Compute(0, nil, nil, entries)
	if err != nil {
		return fmt.Errorf("output root: %w", err)
	}
	var label string
	if out.Run.Pack != nil {
		label = out.Run.Pack.Label
	}
	exit := uint32(0)
	if _, err := n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
		j.State = nodeapi.StateExecuted
		j.OutputRoot, j.DeliveredRoot = root, root
		j.ExitCode, j.Files, j.RunMillis, j.Result = &exit, files, took.Milliseconds(), outputroot.OutcomeExited.String()
		j.BotSpec, j.Label = Hash(b.ID), label
		j.Instruction, j.Instructions = len(l.Protocol.Instructions), len(l.Protocol.Instructions)
		return nil
	}); err != nil {
		return err
	}
	n.log.Info("executed on the bot", "order", id, "botspec", b.ID, "warps", len(out.Run.Warps), "datasets", len(files), "root", Hash(root))
	n.afterRun(ctx, id, nodeapi.RoleProvider)
	return nil
}

// writeBotLog writes a protocol job's event log afresh: the bot run's
// events, times on the bot clock, signed with the node key.
func (n *Node) writeBotLog(id uint64, out *bot.Outcome) error {
	path := n.logPath(id, nodeapi.RoleProvider)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	w, err := eventlog.OpenFile(path, n.opts.NodeKey, logID(id, nodeapi.RoleProvider))
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	defer w.Close()
	for _, s := range out.Run.Steps() {
		if _, err := w.Append(s.Kind, s.Time, s.Attrs...); err != nil {
			return fmt.Errorf("event log: %w", err)
		}
	}
	return w.Close()
}

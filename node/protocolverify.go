package node

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/celltonomy/celltonomy/examples/botspecs"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// Bounds of what a verifier of a protocol dispute reads from the
// provider's node.
const (
	// MaxVerifyDatasets bounds the datasets of a delivery a verifier
	// fetches.
	MaxVerifyDatasets = 1024
	// MaxVerifyDatasetBytes bounds the datasets of a delivery together,
	// in bytes, which the check holds in memory: what a simulated run
	// may write (labsim.MaxDatasetBytes, 64 MiB). A delivery over it is
	// undecidable for this node.
	MaxVerifyDatasetBytes = labsim.MaxDatasetBytes
)

// verifyProtocol is a verifier's run in the dispute of a protocol order:
// it reaches a verdict on the provider's delivery (protocolVerdict),
// records it and commits to it.
func (n *Node) verifyProtocol(ctx context.Context, j Job) error {
	id := j.OrderID
	verdict, detail := n.protocolVerdict(ctx, j)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if _, err := n.jobs.update(id, nodeapi.RoleVerifier, func(j *Job) error {
		j.State, j.Verdict, j.VerdictDetail = nodeapi.StateExecuted, uint32(verdict), detail
		return nil
	}); err != nil {
		return err
	}
	n.log.Info("verifier verdict", "order", id, "verdict", market.ProtocolVerdictName(verdict), "detail", detail)
	n.afterRun(ctx, id, nodeapi.RoleVerifier)
	return nil
}

// protocolVerdict checks the provider's delivery of a protocol order as
// the buyer's client does: it fetches the delivered event log and
// datasets from the provider's node (the buyer's routes, signed with
// this node's key, bounded), runs the conformance check
// (runtime/botlog.Check) against the order's filled protocol and the
// BotSpec the bid named, and, for a simulated BotSpec, replays the
// simulation (runtime/labsim.Replay) with the order's own seed,
// labsim.SeedFor(order, package, BotSpec), not the one the log claims,
// so a provider cannot pick its noise. A violation of either is
// "violates"; a delivery that passes both "conforms"; whatever keeps the
// check from running (the provider's node unreachable, the BotSpec
// neither one of this node's bots nor served by the provider's node
// (nodeapi's GET /v1/botspecs/{id}), the package not fetchable)
// "undecidable".
func (n *Node) protocolVerdict(ctx context.Context, j Job) (ledgerpb.ProtocolVerdict, string) {
	undecidable := func(format string, args ...any) (ledgerpb.ProtocolVerdict, string) {
		return ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNDECIDABLE, fmt.Sprintf(format, args...)
	}
	id := j.OrderID
	r, err := n.order(ctx, id)
	if err != nil {
		return undecidable("%v", err)
	}
	o := r.GetOrder()
	c := o.GetContract()
	head, err := hashOf("event log head", o.GetDelivery().GetEventLogHead())
	if err != nil {
		return undecidable("delivery: %v", err)
	}
	rec, err := n.registeredPackage(ctx, j.PackageID[:])
	if err != nil {
		return undecidable("%v", err)
	}
	pkg, err := n.ensurePackage(ctx, rec, c.GetNodeKey())
	if err != nil {
		return undecidable("%v", err)
	}
	l, err := loadProtocol(pkg, j.Params)
	if err != nil {
		return undecidable("protocol: %v", err)
	}
	ep, err := n.nodeEndpoint(ctx, c.GetNodeKey())
	if err != nil {
		return undecidable("provider's node: %v", err)
	}
	gw := &nodeapi.Client{Endpoint: ep, Key: n.opts.NodeKey, HTTP: n.fetchHTTP}
	var spec *protocol.BotSpec
	if id, err := hashOf("botspec id", c.GetBotspecId()); err == nil {
		var ok bool
		if spec, ok = n.knownBotSpec(protocol.BotSpecID(id)); !ok {
			// Neither one of this node's bots nor the simulated lab: the
			// provider's node serves the BotSpec its bid named, checked
			// against the id.
			sctx, cancel := context.WithTimeout(ctx, n.transferTimeout(protocol.MaxBotSpecBytes))
			spec, err = gw.BotSpec(sctx, protocol.BotSpecID(id))
			cancel()
			if err != nil {
				return undecidable("BotSpec %s: %v", id, err)
			}
		}
	} else if b, err := bot.Select(n.bots, l.Requirements); err == nil {
		spec = b.Spec
	} else {
		return undecidable("the contract names no BotSpec, and %v", err)
	}
	specID, err := spec.ID()
	if err != nil {
		return undecidable("BotSpec: %v", err)
	}
	octx, cancel := context.WithTimeout(ctx, n.transferTimeout(nodeapi.MaxAnswer))
	outs, err := gw.Outputs(octx, id)
	cancel()
	if err != nil {
		return undecidable("provider's outputs: %v", err)
	}
	if len(outs.Files) > MaxVerifyDatasets {
		return undecidable("provider's outputs: %d files, over %d", len(outs.Files), MaxVerifyDatasets)
	}
	datasets := map[string][]byte{}
	var total int64
	for _, f := range outs.Files {
		if f.Size < 0 || total+f.Size > MaxVerifyDatasetBytes {
			return undecidable("provider's datasets: over %d bytes", MaxVerifyDatasetBytes)
		}
		total += f.Size
		fctx, cancel := context.WithTimeout(ctx, n.transferTimeout(f.Size))
		data, err := gw.OutputFile(fctx, id, f.SHA256, f.Size)
		cancel()
		if err != nil {
			return undecidable("dataset %s: %v", f.Path, err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != f.SHA256 {
			return undecidable("dataset %s: the provider's node served other bytes than it lists", f.Path)
		}
		datasets[f.Path] = data
	}
	log, err := eventlog.Read(bytes.NewReader(outs.EventLog))
	if err != nil {
		return ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES, "event log: " + err.Error()
	}
	// The check of a delivered run, with the replay of a simulated bot's
	// run under the order's own seed (protopkg.Check).
	seed := labsim.SeedFor(id, j.PackageID, specID)
	err = protopkg.Check(protopkg.CheckInput{CheckInput: botlog.CheckInput{
		Log: log, NodeKey: ed25519.PublicKey(c.GetNodeKey()), Head: head,
		Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: spec, Datasets: datasets,
	}, Seed: &seed})
	var v *botlog.Violation
	switch {
	case errors.As(err, &v):
		return ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_VIOLATES, v.Error()
	case err != nil:
		return undecidable("conformance check: %v", err)
	}
	return ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_CONFORMS, "the log conforms"
}

// knownBotSpec returns the BotSpec whose id is id: one of the node's
// bots', or the simulated lab's (examples/botspecs), which every node
// can check a run of, bot or not.
func (n *Node) knownBotSpec(id protocol.BotSpecID) (*protocol.BotSpec, bool) {
	if b, ok := n.botByID(id); ok {
		return b.Spec, true
	}
	s, err := protocol.ParseBotSpec(botspecs.Simlab)
	if err != nil {
		return nil, false
	}
	if sid, err := s.ID(); err != nil || sid != id {
		return nil, false
	}
	return s, true
}

package order

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/labsim"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
	"github.com/celltonomy/celltonomy/spec"
)

// ProtocolReport is what the buyer learned of the run of a protocol
// package: the filled protocol, the bot, the instruction timeline from
// the delivered event log, the conformance check's verdict and the
// results of the datasets for display.
type ProtocolReport struct {
	// Hash is the SHA-256 (hex) of the filled protocol, which the log's
	// run.start must name.
	Hash string `json:"hash"`
	// Instructions is the protocol's number of instructions.
	Instructions int `json:"instructions"`
	// BotSpecID (hex) is the BotSpec of the bot that ran it: the one the
	// winning bid named. BotSpec is its name; Simulated says whether the
	// bot is the simulator (the check then also replays the run).
	BotSpecID string `json:"botspec_id,omitempty"`
	BotSpec   string `json:"botspec,omitempty"`
	Simulated bool   `json:"simulated,omitempty"`
	// Timeline is the run as the log records it, one entry per
	// instruction, in order.
	Timeline []InstructionSpan `json:"timeline,omitempty"`
	// Conforms says the delivery passed the conformance check (and, for
	// a simulated bot, its replay); Violation is the first violation
	// otherwise (botlog.Violation's text), the claim of the dispute.
	Conforms  bool   `json:"conforms"`
	Violation string `json:"violation,omitempty"`
	// Gels are the gels of the run (labsim's DATAREF.json of each
	// gel_separate): per lane, the bands with their sizes.
	Gels []labsim.Gel `json:"gels,omitempty"`
	// Absorbance are the plate reads of the run (DATAREF.json of each
	// spectrophotometry dataref), OD ×1000 per well.
	Absorbance []labsim.Absorbance `json:"absorbance,omitempty"`
	// Shipment says what was packed and handed to a carrier, when the
	// protocol stores containers ("" otherwise).
	Shipment string `json:"shipment,omitempty"`
	// LogFile and LabelFile are where the event log and the shipping
	// label (a PNG with the completion code as a QR code) were written,
	// when the results were written.
	LogFile   string `json:"log_file,omitempty"`
	LabelFile string `json:"label_file,omitempty"`
}

// InstructionSpan is one instruction of a protocol run: its index, op,
// and when its first warp started and its last warp ended on the bot's
// clock (ms from the start of the run), with its number of warps.
type InstructionSpan struct {
	Instruction int    `json:"instruction"`
	Op          string `json:"op"`
	StartMS     int64  `json:"start_ms"`
	EndMS       int64  `json:"end_ms"`
	Warps       int    `json:"warps"`
}

// loadProtocol fills and validates the protocol of a protocol package
// with the request's parameters, before any funds move. A package given
// by id is downloaded from its registered blob locations first (as
// protocolOf does), since the buyer must hold the protocol to fill and
// check it. A missing or undeclared parameter is a *FieldError on
// "params.NAME"; a protocol that does not fill, parse or validate, a
// *FieldError on "protocol.PATH" naming the instruction and field; a
// package no location serves, a *FieldError on "package".
func (b *Buyer) loadProtocol(ctx context.Context, r *resolved, params map[string]string) (*protopkg.Loaded, error) {
	if r.pkg == nil {
		if r.registered == nil {
			return nil, fieldErr("package", "%s is a protocol package that is not registered: give its directory or .cellpkg file", r.id)
		}
		pkg, err := b.fetchRegistered(ctx, r.registered, r.id[:])
		if err != nil {
			return nil, fieldErr("package", "%s: %v", r.id, err)
		}
		r.pkg = pkg
	}
	l, err := protopkg.Load(r.pkg, params)
	if err != nil {
		var fe *protocol.FieldError
		if errors.As(err, &fe) {
			field := fe.Path
			if !strings.HasPrefix(field, "params.") {
				field = "protocol." + field
			}
			return nil, &FieldError{Field: field, Rule: fe.Err.Error()}
		}
		return nil, fieldErr("package", "%v", err)
	}
	return l, nil
}

// spanOf returns the run's timeline, one span per instruction.
func spansOf(run *botlog.Run) []InstructionSpan {
	var out []InstructionSpan
	for _, w := range run.Warps {
		if n := len(out); n > 0 && out[n-1].Instruction == w.Instruction {
			out[n-1].EndMS = max(out[n-1].EndMS, w.End)
			out[n-1].Warps++
			continue
		}
		out = append(out, InstructionSpan{Instruction: w.Instruction, Op: w.Op, StartMS: w.Start, EndMS: w.End, Warps: 1})
	}
	return out
}

// datasetsOf returns the delivered files by path.
func datasetsOf(out nodeapi.Outputs, files map[string][]byte) map[string][]byte {
	ds := make(map[string][]byte, len(out.Files))
	for _, f := range out.Files {
		ds[f.Path] = files[f.SHA256]
	}
	return ds
}

// checkProtocol runs the conformance check of a verified delivery of a
// protocol run: it gets the BotSpec the contract names from the node
// (nodeapi's BotSpec, verified against its id), checks the delivered log
// against the filled protocol, the BotSpec, the delivery's event-log head
// and the datasets (botlog.Check), and for a simulated bot replays the
// run (labsim.Replay). It fills x.r.Protocol; a violation is returned as
// a *botlog.Violation, any other error means the check could not run.
func (x *run) checkProtocol(ctx context.Context, o *ledgerpb.Order, gw *nodeapi.Client, out nodeapi.Outputs, files map[string][]byte) error {
	l := x.proto
	rep := x.r.Protocol
	log, err := eventlog.Read(bytes.NewReader(out.EventLog))
	if err != nil {
		return &botlog.Violation{Instruction: -1, Rule: botlog.RuleSignature, Detail: fmt.Sprintf("the delivered event log: %v", err)}
	}
	var specID protocol.BotSpecID
	if raw := o.GetContract().GetBotspecId(); len(raw) == len(specID) {
		copy(specID[:], raw)
	} else if run, err := botlog.Decode(log); err == nil {
		// A contract that names no BotSpec (an offering set without
		// one): the run's own claim is checked, and must be a BotSpec
		// the node serves.
		specID = run.Start.BotSpec
	} else {
		return &botlog.Violation{Instruction: -1, Rule: botlog.RuleSchema, Detail: err.Error()}
	}
	rep.BotSpecID = specID.String()
	var spec *protocol.BotSpec
	err = x.b.retry(ctx, o.GetDelivery().GetConfirmDeadline()-confirmMargin, func() error {
		var err error
		spec, err = gw.BotSpec(ctx, specID)
		return err
	})
	if err != nil {
		return fmt.Errorf("order %d: the BotSpec %s of the contract: %w", o.Id, specID, err)
	}
	rep.BotSpec, rep.Simulated = spec.Name, spec.Simulated
	var head [32]byte
	copy(head[:], o.GetDelivery().GetEventLogHead())
	datasets := datasetsOf(out, files)
	nodeKey := o.GetContract().GetNodeKey()
	// The check, and the replay of a simulated bot's run under the
	// order's own seed (protopkg.Check).
	var pkgID [32]byte
	copy(pkgID[:], o.PackageId)
	seed := labsim.SeedFor(o.Id, pkgID, specID)
	in := botlog.CheckInput{Log: log, NodeKey: nodeKey, Head: head, Protocol: l.Protocol, ProtocolHash: l.Hash, BotSpec: spec, Datasets: datasets}
	if err := protopkg.Check(protopkg.CheckInput{CheckInput: in, Seed: &seed}); err != nil {
		var v *botlog.Violation
		if errors.As(err, &v) {
			return v
		}
		return fmt.Errorf("order %d: conformance check: %w", o.Id, err)
	}
	run, err := botlog.Decode(log)
	if err != nil {
		return &botlog.Violation{Instruction: -1, Rule: botlog.RuleSchema, Detail: err.Error()}
	}
	rep.Timeline = spansOf(run)
	if run.Pack != nil {
		rep.Shipment = fmt.Sprintf("packed %s (%s) with label %s", strings.Join(run.Pack.Containers, ", "), run.Pack.Where, run.Pack.Label)
		if h := run.Handover; h != nil {
			rep.Shipment += fmt.Sprintf(", handed to %s, tracking %s", h.Carrier, h.Tracking)
		}
	}
	rep.Gels, rep.Absorbance = resultsOf(run, datasets)
	rep.Conforms = true
	return nil
}

// resultsOf reads the gels and absorbance reads of a run from its
// datasets (labsim's formats): a gel_imager.analyze warp's dataset is a
// gel, a plate_reader.read_absorbance warp's a table of reads. A dataset
// that does not decode is left out (the check already matched its hash
// with the log's; a real bot's formats may differ).
func resultsOf(run *botlog.Run, datasets map[string][]byte) ([]labsim.Gel, []labsim.Absorbance) {
	var gels []labsim.Gel
	var abs []labsim.Absorbance
	seen := map[string]bool{}
	for _, w := range run.Warps {
		if w.Dataset == "" || seen[w.Dataset] {
			continue
		}
		data := datasets[w.Dataset]
		switch w.Warp {
		case "gel_imager.analyze":
			var g labsim.Gel
			if json.Unmarshal(data, &g) == nil {
				seen[w.Dataset] = true
				gels = append(gels, g)
			}
		case "plate_reader.read_absorbance":
			var a labsim.Absorbance
			if json.Unmarshal(data, &a) == nil {
				// Every read of a dataref rewrites its dataset; the last
				// one is complete.
				if i := slices.IndexFunc(abs, func(b labsim.Absorbance) bool { return b.Dataref == a.Dataref }); i >= 0 {
					abs[i] = a
				} else {
					abs = append(abs, a)
				}
			}
		}
	}
	return gels, abs
}

// writeProtocol writes, next to the outputs of a protocol run in dir,
// the delivered event log (eventlog.bin) and the shipping label
// (label.png), and records where in x.r.Protocol.
func (x *run) writeProtocol(dir string, out nodeapi.Outputs) error {
	rep := x.r.Protocol
	p := filepath.Join(dir, "eventlog.bin")
	if err := os.WriteFile(p, out.EventLog, 0o644); err != nil {
		return err
	}
	rep.LogFile = p
	if out.Label != nil && len(out.Label.PNG) > 0 {
		p := filepath.Join(dir, "label.png")
		if err := os.WriteFile(p, out.Label.PNG, 0o644); err != nil {
			return err
		}
		rep.LabelFile = p
	}
	return nil
}

// progressStep is the StepBot of a job's protocol progress: instruction
// done of n, with the op of the instruction in progress.
func (x *run) progressStep(done, n int) Step {
	s := Step{Kind: StepBot, Instruction: done, Instructions: n}
	if l := x.proto; l != nil {
		if done < len(l.Protocol.Instructions) {
			s.Detail = "next: " + l.Protocol.Instructions[done].Op
		}
	}
	return s
}

// violationOf returns err as a *botlog.Violation, if it is one.
func violationOf(err error) (*botlog.Violation, bool) {
	var v *botlog.Violation
	ok := errors.As(err, &v)
	return v, ok
}

// maxPackageBlob bounds, in bytes, a package blob the buyer downloads to
// read an order's protocol: the largest spec of spec.DefaultLimits and
// room for the envelope and signature.
var maxPackageBlob = spec.DefaultLimits().MaxSpecBytes + 1<<20

// protocolOf returns the filled protocol of an existing order of a
// protocol package (nil for a compute package), for a helper that did
// not create the order (Attach, Close, Get): it downloads the package
// from its registered blob locations (bounded reads; a blob whose
// package id differs is skipped) and fills it with the order's
// parameters.
func (b *Buyer) protocolOf(ctx context.Context, o *ledgerpb.Order) (*protopkg.Loaded, error) {
	rec, err := b.registeredPackage(ctx, o.PackageId)
	if err != nil {
		return nil, fmt.Errorf("order %d: its package: %w", o.Id, err)
	}
	if rec.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		return nil, nil
	}
	pkg, err := b.fetchRegistered(ctx, rec, o.PackageId)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", o.Id, err)
	}
	params := map[string]string{}
	for _, p := range o.Params {
		params[p.Key] = p.Value
	}
	l, err := protopkg.Load(pkg, params)
	if err != nil {
		return nil, fmt.Errorf("order %d: its protocol: %w", o.Id, err)
	}
	return l, nil
}

// fetchRegistered downloads the registered package rec, whose id is id,
// from the first of its blob locations that serves it (bounded reads; a
// blob whose package id differs is skipped).
func (b *Buyer) fetchRegistered(ctx context.Context, rec *ledgerpb.Package, id []byte) (*spec.Package, error) {
	var errs []error
	for _, loc := range rec.BlobLocations {
		pkg, err := b.fetchPackage(ctx, loc, id)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", loc, err))
			continue
		}
		return pkg, nil
	}
	return nil, fmt.Errorf("no blob location of package %x served it: %w", id, errors.Join(errs...))
}

// fetchPackage downloads the package blob at url, at most maxPackageBlob
// bytes, and decodes it; its id must be id.
func (b *Buyer) fetchPackage(ctx context.Context, url string, id []byte) (*spec.Package, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := b.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPackageBlob+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxPackageBlob {
		return nil, fmt.Errorf("longer than %d bytes", maxPackageBlob)
	}
	pkg, err := spec.DecodePackage(data, spec.DefaultLimits())
	if err != nil {
		return nil, err
	}
	if got := pkg.ID(); !bytes.Equal(got[:], id) {
		return nil, fmt.Errorf("holds package %s, not %x", got, id)
	}
	return pkg, nil
}

// ensureProtocol loads the protocol of o when the run does not hold it
// yet (a helper on an existing order) and o's package is a protocol
// package.
func (x *run) ensureProtocol(ctx context.Context, o *ledgerpb.Order) error {
	if x.proto != nil {
		return nil
	}
	l, err := x.b.protocolOf(ctx, o)
	if err != nil || l == nil {
		return err
	}
	x.proto = l
	x.r.Protocol = &ProtocolReport{Hash: hex.EncodeToString(l.Hash[:]), Instructions: len(l.Protocol.Instructions)}
	return nil
}

package order

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"time"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// planOf returns the Plan of req, its input paths made absolute so that
// Attach finds them from another directory.
func planOf(req Request) *Plan {
	p := &Plan{OutDir: req.OutDir, Stars: req.Stars, DisputeOutcome: req.DisputeOutcome, DisputeStake: req.DisputeStake,
		NoWaitFinal: req.NoWaitFinal, OnFailure: req.OnFailure, Inputs: map[string]string{}}
	for name, path := range req.Inputs {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		p.Inputs[name] = path
	}
	if p.OutDir != "" {
		if abs, err := filepath.Abs(p.OutDir); err == nil {
			p.OutDir = abs
		}
	}
	return p
}

// interruptTimeout bounds the chain query that says, after an
// interruption, what the buyer must do next.
const interruptTimeout = 3 * time.Second

// interrupted turns err, when ctx ended, into an *InterruptedError that
// says what was pending and what the buyer must do by when. An order
// whose rating is revealed already needs nothing more of the buyer: its
// interruption while waiting for the final ratings is no error.
func (x *run) interrupted(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	if x.r.Heights.Revealed > 0 {
		return nil
	}
	ie := &InterruptedError{OrderID: x.r.OrderID, Pending: x.pending, Err: ctx.Err()}
	if ie.OrderID != 0 {
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptTimeout)
		defer cancel()
		if r, qerr := x.b.Order(qctx, ie.OrderID); qerr == nil {
			st, _ := x.b.state(ie.OrderID)
			ie.Next = nextStep(r.Order, st, x.b.Params)
		}
	}
	return ie
}

// nextStep says what the buyer of o must do, and by which height, for the
// order to end well; st is the buyer's State of it.
func nextStep(o *ledgerpb.Order, st *State, p *ledgerpb.Params) string {
	c := o.GetContract()
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_OPEN:
		return fmt.Sprintf("its bids close at height %d; the inputs are then due at the winning node within %d blocks of the award (input_window_blocks), or the provider reports them missing and the order fails, everybody refunded",
			o.BidDeadline, p.GetInputWindowBlocks())
	case ledgerpb.OrderState_ORDER_STATE_AWARDED:
		switch {
		case c.GetMissingInputsDeadline() != 0:
			return fmt.Sprintf("the provider reported the inputs missing; unless its input receipt is shown before height %d the order fails, everybody refunded", c.MissingInputsDeadline)
		case st != nil && len(st.InputReceipt) > 0:
			return fmt.Sprintf("the provider holds the inputs and must deliver by height %d; your kept input receipt guards the contract", c.DeliveryDeadline)
		}
		return fmt.Sprintf("upload the inputs by height %d (the input deadline), or the provider reports them missing and the order fails, everybody refunded", c.GetInputDeadline())
	case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		return fmt.Sprintf("download, verify and close (or dispute) it before height %d, when it closes by itself in the provider's favour without your rating", o.GetDelivery().GetConfirmDeadline())
	case ledgerpb.OrderState_ORDER_STATE_CLOSED:
		if r := o.GetRatings(); !r.GetBuyerRevealed() && !r.GetFinal() && st != nil && st.Rating != nil {
			return fmt.Sprintf("reveal your rating (kept locally) before height %d", r.GetRevealDeadline())
		}
	case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
		return "follow the dispute: each round's seed is due by its deadline"
	}
	return ""
}

// inputsOnce sends the inputs to the provider's node behind gw unless it
// holds them already (an earlier process of the buyer sent them): then it
// only keeps the node's input receipt. Inputs reported missing on chain
// cannot be sent any more, and inputs the run does not have are asked
// for.
func (x *run) inputsOnce(ctx context.Context, gw *nodeapi.Client, o *ledgerpb.Order) error {
	c := o.Contract
	// Only the node's provider job counts: a node that was a verifier of
	// the order's dispute and now won its redo holds a finished verifier
	// job for the same order until it handles its award.
	if js, err := gw.Job(ctx, o.Id); err == nil && js.Role == nodeapi.RoleProvider && js.State != nodeapi.StateAwaitingInputs {
		if js.State == nodeapi.StateFailed {
			x.report(Step{Kind: StepJob, JobState: js.State, Detail: js.Error})
			return nil
		}
		x.report(Step{Kind: StepCommitted, Endpoint: gw.Endpoint, JobState: js.State, Detail: "held already"})
		return x.keepReceipt(o, js.InputReceipt)
	}
	if c.MissingInputsDeadline != 0 {
		return fmt.Errorf("order %d: the provider reported the inputs missing after the input deadline %d: the node takes them no more, and unless its input receipt is shown before height %d the order fails, everybody refunded",
			o.Id, c.InputDeadline, c.MissingInputsDeadline)
	}
	if !x.haveInputs {
		return fieldErr("inputs", "order %d awaits its inputs at %s until height %d (its input deadline): give the order's input files", o.Id, gw.Endpoint, c.InputDeadline)
	}
	if err := x.sendInputs(ctx, gw, o, c.DeliveryDeadline, false); err != nil {
		return fmt.Errorf("%w; unless the provider delivers by height %d, the order fails and is refunded", err, c.DeliveryDeadline)
	}
	return nil
}

// AttachOptions are the options of Attach. Each one left zero takes the
// value Run kept in the order's Plan.
type AttachOptions struct {
	// Inputs are the order's input files by name (checked against its
	// input root).
	Inputs map[string]string
	// OutDir receives the outputs (see WriteOutputs).
	OutDir string
	// Stars is the rating, 0 to 5.
	Stars *uint32
	// OnFailure and Ask as in Request.
	OnFailure OnFailure
	Ask       func(*Result) OnFailure
	// NoWaitFinal as in Request.
	NoWaitFinal bool
	// Progress receives every step; may be nil.
	Progress func(Step)
}

// Attach resumes an order of the buyer from wherever it is, with the
// Plan Run kept in its State (overridden by opt): an OPEN order is
// followed to its award; an AWARDED one gets its inputs (unless its node
// holds them already) and is followed to its delivery; a DELIVERED one is
// downloaded, verified, written and closed (or disputed, or left, as
// OnFailure says for a failed run); a CLOSED one gets the rating kept in
// its State revealed; a DISPUTED one is followed to its verdict. An
// order that ended is reported as Run reports it. Errors are Run's.
func (b *Buyer) Attach(ctx context.Context, id uint64, opt AttachOptions) (*Result, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o := r.Order
	if err := b.mine(o); err != nil {
		return nil, err
	}
	st, err := b.state(id)
	if err != nil {
		return nil, err
	}
	plan := &Plan{}
	if st.Plan != nil {
		plan = st.Plan
	}
	if opt.Inputs != nil {
		plan.Inputs = maps.Clone(opt.Inputs)
	}
	if opt.OutDir != "" {
		plan.OutDir = opt.OutDir
	}
	if opt.Stars != nil {
		if *opt.Stars > market.MaxStars {
			return nil, fieldErr("stars", "%d: must be 0 to %d", *opt.Stars, market.MaxStars)
		}
		plan.Stars = opt.Stars
	}
	if opt.OnFailure != "" {
		plan.OnFailure = opt.OnFailure
	}
	plan.NoWaitFinal = plan.NoWaitFinal || opt.NoWaitFinal
	var inputs map[string]string
	if len(plan.Inputs) > 0 {
		inputs = plan.Inputs
	}
	x, err := b.newRun(o, inputs, opt.Progress)
	if err != nil {
		return nil, err
	}
	x.outcome, x.onFailure, x.ask = plan.DisputeOutcome, plan.OnFailure, opt.Ask
	res, err := x.attach(ctx, o, st, plan)
	x.setTxCost()
	return res, x.interrupted(ctx, err)
}

// attach is Attach once the run is set up.
func (x *run) attach(ctx context.Context, o *ledgerpb.Order, st *State, plan *Plan) (*Result, error) {
	b := x.b
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_OPEN, ledgerpb.OrderState_ORDER_STATE_AWARDED:
		req := Request{OutDir: plan.OutDir, Stars: plan.Stars, DisputeOutcome: plan.DisputeOutcome, DisputeStake: plan.DisputeStake, NoWaitFinal: plan.NoWaitFinal}
		return x.serve(ctx, req, o.Id)
	case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		endpoint, err := b.nodeEndpoint(ctx, o.Contract.NodeKey)
		if err != nil {
			return x.r, fmt.Errorf("order %d: the provider's node: %w", o.Id, err)
		}
		x.r.Endpoint = endpoint
		return x.finish(ctx, o, b.nodeAPI(endpoint), plan.OutDir, plan.Stars, plan.DisputeStake, plan.NoWaitFinal, false)
	case ledgerpb.OrderState_ORDER_STATE_DISPUTED:
		return x.resumeDispute(ctx, o, true)
	case ledgerpb.OrderState_ORDER_STATE_FAILED:
		return x.r, x.failed(o)
	case ledgerpb.OrderState_ORDER_STATE_CLOSED:
		x.r.Heights.Closed = o.UpdatedHeight
		if d := o.GetDelivery(); d != nil {
			x.r.Heights.Delivered, x.r.RunResult, x.r.ExitCode = d.Height, market.RunResultName(d.Result), d.ExitCode
		}
		rt := o.GetRatings()
		if !rt.GetBuyerRevealed() && !rt.GetFinal() && st.Rating != nil {
			return x.reveal(ctx, o, st.Rating.Stars, st.Rating.Salt, plan.NoWaitFinal)
		}
		if rt.GetBuyerRevealed() {
			x.r.Stars = rt.GetBuyerStars()
		}
		if !rt.GetFinal() && !plan.NoWaitFinal {
			r, err := b.waitOrder(ctx, o.Id, func(r *ledgerpb.OrderResponse) (bool, error) { return r.Order.GetRatings().GetFinal(), nil })
			if err != nil {
				if ctx.Err() != nil && rt.GetBuyerRevealed() {
					return x.r, nil // nothing left for the buyer to do
				}
				return x.r, err
			}
			o = r.Order
		}
		if o.GetRatings().GetFinal() {
			x.r.Heights.Final = o.UpdatedHeight
			x.report(Step{Kind: StepFinal, Height: x.r.Heights.Final})
		}
		b.forget(o.Id)
		return x.r, nil
	}
	// Expired, cancelled or resolved: nothing left to do.
	b.forget(o.Id)
	return x.r, nil
}

// Get downloads the results of a delivered order of the buyer again from
// the provider's node, verifies them against the delivery on chain (as
// Run does) and writes them to outDir/ORDER_ID/ (WriteOutputs), at any
// time after the delivery while the node keeps them. A run that did not
// exit is written even when it cannot be verified locally; the Result's
// Verified says so. The run of a protocol package is also held to the
// conformance check, and its event log and label written (see the
// package documentation, "Protocol packages"); a violation is written
// and returned as an error, not disputed. It sends no transaction.
func (b *Buyer) Get(ctx context.Context, id uint64, outDir string, progress func(Step)) (*Result, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o := r.Order
	if err := b.mine(o); err != nil {
		return nil, err
	}
	d := o.GetDelivery()
	if d == nil {
		return nil, fieldErr("order", "order %d is %s: it has no delivery to download", id, market.StateName(o.State))
	}
	if outDir == "" {
		return nil, fieldErr("out", "required: the directory that receives ORDER_ID/")
	}
	x, err := b.newRun(o, nil, progress)
	if err != nil {
		return nil, err
	}
	x.r.OutputRoot, x.r.Heights.Delivered, x.r.RunResult = fmt.Sprintf("%x", d.OutputRoot), d.Height, market.RunResultName(d.Result)
	endpoint, err := b.nodeEndpoint(ctx, o.Contract.NodeKey)
	if err != nil {
		return x.r, fmt.Errorf("order %d: the provider's node: %w", id, err)
	}
	x.r.Endpoint = endpoint
	out, files, err := Download(ctx, b.nodeAPI(endpoint), id)
	if err != nil {
		return x.r, fmt.Errorf("order %d: download from %s: %w", id, endpoint, err)
	}
	err = Verify(id, d, out, files, b.OutcomeRoot)
	unverified := errors.Is(err, ErrNotVerifiable)
	if err != nil && !unverified {
		return x.r, err
	}
	x.downloaded(out, err)
	if err := x.ensureProtocol(ctx, o); err != nil {
		return x.r, err
	}
	var violation error
	if x.proto != nil {
		// Get sends no transaction: a violation is reported, not disputed.
		violation = x.checkProtocol(ctx, o, b.nodeAPI(endpoint), out, files)
		if v, ok := violationOf(violation); ok {
			x.r.Protocol.Violation = v.Error()
		} else if violation != nil {
			return x.r, violation
		}
		x.report(Step{Kind: StepChecked, Detail: x.r.Protocol.Violation})
	}
	dir, err := WriteOutputs(outDir, id, out, files)
	if err != nil {
		return x.r, fmt.Errorf("order %d: write outputs: %w", id, err)
	}
	x.r.OutputDir = dir
	if x.proto != nil {
		if err := x.writeProtocol(dir, out); err != nil {
			return x.r, fmt.Errorf("order %d: write the event log and label: %w", id, err)
		}
	}
	x.report(Step{Kind: StepWritten, Dir: dir})
	if violation != nil {
		return x.r, fmt.Errorf("order %d: not executed to spec: %w", id, violation)
	}
	return x.r, nil
}

// LogInfo is what Logs found of an order's event log.
type LogInfo struct {
	// Endpoint is the provider node's endpoint; NodeKey its key (hex),
	// which signs every event.
	Endpoint string `json:"endpoint"`
	NodeKey  string `json:"node_key"`
	// Events is how many events the log holds.
	Events int `json:"events"`
	// DeliveredSeq is the seq of the event whose hash is the event-log
	// head delivered on chain; -1 before the delivery.
	DeliveredSeq int64 `json:"delivered_seq"`
}

// logPoll is how often Logs asks the node while it follows a log.
const logPoll = 500 * time.Millisecond

// Logs reads the provider node's signed event log of order id (the
// buyer's) and passes each event to each, in seq order. Every event is
// checked: the log must verify under the contract's node key
// (runtime/eventlog Verify), and once the order is delivered the head on
// chain must be one of its events (LogInfo.DeliveredSeq). With follow,
// Logs waits for the award, then polls the node and passes each new event
// until the order leaves AWARDED and the log has no new event, or ctx
// ends.
func (b *Buyer) Logs(ctx context.Context, id uint64, follow bool, each func(eventlog.Event)) (*LogInfo, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := b.mine(r.Order); err != nil {
		return nil, err
	}
	if follow && r.Order.State == ledgerpb.OrderState_ORDER_STATE_OPEN {
		if r, err = b.waitOrder(ctx, id, func(r *ledgerpb.OrderResponse) (bool, error) {
			return r.Order.State != ledgerpb.OrderState_ORDER_STATE_OPEN, nil
		}); err != nil {
			return nil, err
		}
	}
	o := r.Order
	c := o.GetContract()
	if c == nil {
		return nil, fieldErr("order", "order %d is %s: no node runs it, so it has no event log", id, market.StateName(o.State))
	}
	endpoint, err := b.nodeEndpoint(ctx, c.NodeKey)
	if err != nil {
		return nil, fmt.Errorf("order %d: the provider's node: %w", id, err)
	}
	info := &LogInfo{Endpoint: endpoint, NodeKey: fmt.Sprintf("%x", c.NodeKey), DeliveredSeq: -1}
	gw := b.nodeAPI(endpoint)
	next := 0
	for {
		// The order is read before the log, so that the last read after
		// the order left AWARDED holds every event of the job.
		if r, err = b.Order(ctx, id); err != nil {
			return info, err
		}
		o = r.Order
		l, err := readEventLog(ctx, gw, id, c.NodeKey)
		// Following, a job the node has not created yet (404) or an event
		// being written (a torn tail) shows at the next poll.
		if err != nil && !(follow && (nodeapi.IsStatus(err, http.StatusNotFound) || errors.Is(err, eventlog.ErrMalformed))) {
			return info, fmt.Errorf("order %d: event log at %s: %w", id, endpoint, err)
		}
		if l != nil {
			for _, e := range l.Events[next:] {
				if each != nil {
					each(e)
				}
			}
			next, info.Events = len(l.Events), len(l.Events)
			if d := o.GetDelivery(); d != nil {
				info.DeliveredSeq = -1
				for _, e := range l.Events {
					if bytes.Equal(e.Hash[:], d.EventLogHead) {
						info.DeliveredSeq = int64(e.Seq)
					}
				}
				if info.DeliveredSeq < 0 {
					return info, fmt.Errorf("order %d: the node's event log (%d events) does not hold the head %x delivered on chain", id, len(l.Events), d.EventLogHead)
				}
			}
		}
		if !follow || o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
			return info, nil
		}
		if err := sleep(ctx, max(b.Poll, logPoll)); err != nil {
			return info, err
		}
	}
}

// readEventLog downloads the event log of order id from gw and checks it
// is signed by nodeKey; nil when the node has no event yet.
func readEventLog(ctx context.Context, gw *nodeapi.Client, id uint64, nodeKey []byte) (*eventlog.Log, error) {
	data, err := gw.EventLog(ctx, id)
	if err != nil || len(data) == 0 {
		return nil, err
	}
	l, err := eventlog.Read(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if err := eventlog.Verify(l, ed25519.PublicKey(nodeKey)); err != nil {
		return nil, err
	}
	return l, nil
}

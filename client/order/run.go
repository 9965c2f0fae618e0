package order

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/botlog"
	"github.com/celltonomy/celltonomy/runtime/protopkg"
)

// Heights are the blocks at which the order's steps were committed; 0
// for a step that did not happen.
type Heights struct {
	Published      int64 `json:"published,omitempty"`
	Created        int64 `json:"created,omitempty"`
	Awarded        int64 `json:"awarded,omitempty"`
	MissingInputs  int64 `json:"missing_inputs,omitempty"`
	ReceiptPosted  int64 `json:"receipt_posted,omitempty"`
	Delivered      int64 `json:"delivered,omitempty"`
	Closed         int64 `json:"closed,omitempty"`
	Revealed       int64 `json:"revealed,omitempty"`
	Final          int64 `json:"final,omitempty"`
	Expired        int64 `json:"expired,omitempty"`
	Failed         int64 `json:"failed,omitempty"`
	Cancelled      int64 `json:"cancelled,omitempty"`
	DisputeOpened  int64 `json:"dispute_opened,omitempty"`
	DisputeDecided int64 `json:"dispute_decided,omitempty"`
}

// Result is what became of an order. Amounts are in ucell.
type Result struct {
	OrderID   uint64 `json:"order_id"`
	PackageID string `json:"package_id,omitempty"`
	InputRoot string `json:"input_root,omitempty"`
	// State is the order's last known state (ledger/market StateName).
	State    string `json:"state"`
	Provider string `json:"provider,omitempty"`
	NodeKey  string `json:"node_key,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	Price    uint64 `json:"price,omitempty"`
	// Offering is the vendor whose offering was bought (bech32); empty
	// for an order that took bids.
	Offering string `json:"offering,omitempty"`
	// OutputRoot is the root delivered on chain (hex).
	OutputRoot string `json:"output_root,omitempty"`
	// RunResult is how the delivered run ended (ledger/market
	// RunResultName: exited, trap, fuel-limit, …).
	RunResult string `json:"run_result,omitempty"`
	// Verified says whether the outputs were verified against the
	// delivered root (a run that did not exit may not be; see
	// Buyer.OutcomeRoot).
	Verified bool `json:"verified,omitempty"`
	// ExitCode, Stdout, Stderr and Files are the downloaded results.
	ExitCode uint32               `json:"exit_code"`
	Stdout   string               `json:"stdout"`
	Stderr   string               `json:"stderr"`
	Files    []nodeapi.OutputFile `json:"files,omitempty"`
	// OutputDir is where the results were written (OUTDIR/ORDER_ID).
	OutputDir string  `json:"output_dir,omitempty"`
	Heights   Heights `json:"heights"`
	// Cost is set once the order closed.
	Cost *Cost `json:"cost,omitempty"`
	// Reputation are the reputation log entries appended for the order
	// (final ratings, or a dispute's transfer).
	Reputation []ReputationEntry `json:"reputation,omitempty"`
	// Dispute is set when a dispute was opened.
	Dispute *DisputeReport `json:"dispute,omitempty"`
	// Reasons are the nodes' bid decisions of an expired order.
	Reasons []Reason `json:"reasons,omitempty"`
	// FailReason is why the order failed (ledger/market FailReasonName:
	// no-delivery, no-delivery-after-receipt, inputs-missing).
	FailReason string `json:"fail_reason,omitempty"`
	// Refund is what returned to the buyer when the order failed, was
	// cancelled or expired; Slashed what the provider lost of its bid
	// stake to a failure.
	Refund  uint64 `json:"refund,omitempty"`
	Slashed uint64 `json:"slashed,omitempty"`
	// Stars is the buyer's revealed rating of the provider.
	Stars uint32 `json:"stars,omitempty"`
	// Protocol is set for an order of a protocol package: the bot's run,
	// its conformance check, the gels and absorbance reads.
	Protocol *ProtocolReport `json:"protocol,omitempty"`

	txs int
}

// DisputeReport is a dispute opened by the buyer and its decision.
type DisputeReport struct {
	Claim   string `json:"claim"`
	Outcome string `json:"outcome"`
	// Stake is the dispute stake in ucell.
	Stake uint64 `json:"stake"`
	// Why is the verification failure that led to it.
	Why string `json:"why,omitempty"`
	// Round is the last round whose verifiers were drawn (compute
	// packages).
	Round uint32 `json:"round,omitempty"`
	// Verifiers are the node keys (hex) of the verifiers drawn, in every
	// round, in draw order.
	Verifiers []string `json:"verifiers"`
	// Verdict is provider_won, buyer_won, split or abandoned
	// (ledger/market VerdictName); empty until decided.
	Verdict      string `json:"verdict,omitempty"`
	MajorityRoot string `json:"majority_root,omitempty"`
	// Refund is what the decision returned to the buyer, in ucell.
	Refund uint64 `json:"refund"`
}

// ReputationEntry is one reputation update log entry of the order.
type ReputationEntry struct {
	Cycle uint64 `json:"cycle"`
	Index uint64 `json:"index"`
	User  string `json:"user"`
	// Role is "provider" or "buyer".
	Role string `json:"role"`
	// Skill is the skill id; Amount the signed amount in decimal.
	Skill  uint64 `json:"skill"`
	Amount string `json:"amount"`
}

// run is the state of one Run or helper call.
type run struct {
	b        *Buyer
	r        *Result
	progress func(Step)
	// haveInputs says whether inputs and files hold the order's inputs
	// (verifiers of a dispute get them only then).
	haveInputs bool
	inputs     map[string]string
	files      []nodeapi.InputFile
	// outcome is asked for when the run disputes (zero: refund).
	outcome ledgerpb.DisputeOutcome
	// guard is what the run holds and did about the input receipt of the
	// current contract.
	guard receiptGuard
	// noClose stops the run before the close (Request.NoClose).
	noClose bool
	// detach stops the run once the inputs are committed (Request.Detach).
	detach bool
	// onFailure and ask decide on a failed run (Request.OnFailure, Ask);
	// failureOK makes a close of a failed run no error (an explicit
	// Close: the buyer accepted it).
	onFailure OnFailure
	ask       func(*Result) OnFailure
	failureOK bool
	// pending is what the run was waiting for after its last step.
	pending string
	// proto is the filled protocol of an order of a protocol package
	// (nil for a compute package).
	proto *protopkg.Loaded
}

func (x *run) report(s Step) {
	if s.OrderID == 0 {
		s.OrderID = x.r.OrderID
	}
	if w := s.Waiting(); w != "" {
		x.pending = w
	}
	if x.progress != nil {
		x.progress(s)
	}
}

// send is Buyer.send counting the buyer's transactions; it returns the
// transaction's events and height.
func (x *run) send(ctx context.Context, what string, msg *ledgerpb.Msg) ([]event.Typed, int64, error) {
	res, err := x.b.send(ctx, what, msg)
	if res.Height > 0 {
		x.r.txs++
	}
	if err != nil {
		return nil, 0, err
	}
	return res.Events, res.Height, nil
}

// Run orders req and follows the order to its end (see the package
// documentation). It returns the Result with every error after the
// order exists.
func (b *Buyer) Run(ctx context.Context, req Request) (*Result, error) {
	pl, err := b.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	req = pl.req
	x := &run{b: b, r: &Result{PackageID: pl.pkg.id.String(), InputRoot: hex.EncodeToString(pl.root[:])}, progress: req.Progress,
		haveInputs: true, inputs: req.Inputs, files: pl.inputs, outcome: req.DisputeOutcome, noClose: req.NoClose,
		detach: req.Detach, onFailure: req.OnFailure, ask: req.Ask}
	if pl.proto != nil {
		x.proto = pl.proto
		x.r.Protocol = &ProtocolReport{Hash: hex.EncodeToString(pl.proto.Hash[:]), Instructions: len(pl.proto.Protocol.Instructions)}
	}
	res, err := x.create(ctx, req, pl)
	return res, x.interrupted(ctx, err)
}

// create publishes the package if needed, creates the order, keeps its
// Plan and serves it.
func (x *run) create(ctx context.Context, req Request, pl *plan) (*Result, error) {
	b := x.b
	x.report(Step{Kind: StepPackage, PackageID: pl.pkg.id.String(), Name: pl.pkg.envelope.GetName() + " " + pl.pkg.envelope.GetVersion(), Registered: !pl.publish})
	if pl.publish {
		h, n, err := b.publish(ctx, pl.pkg)
		if h > 0 {
			x.r.txs++
		}
		if err != nil {
			return nil, err
		}
		x.r.Heights.Published = h
		x.report(Step{Kind: StepPublished, PackageID: pl.pkg.id.String(), Height: h, Count: n})
	}
	msg, what := &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: pl.create}}, "create order"
	detail := ""
	if pl.buy != nil {
		msg, what = &ledgerpb.Msg{Sum: &ledgerpb.Msg_BuyOffering{BuyOffering: pl.buy}}, "buy the offering of "+req.Offering
		x.r.Offering = req.Offering
		detail = fmt.Sprintf("a purchase of %s's offering at %d ucell, awarded at once", req.Offering, pl.offering.Price)
	}
	evs, h, err := x.send(ctx, what, msg)
	if err != nil {
		return nil, err
	}
	created, ok := event.Find[market.EventOrderCreated](evs)
	if !ok {
		return nil, fmt.Errorf("%s: no %s event at height %d", what, created.EventType(), h)
	}
	id := created.OrderID
	x.r.OrderID, x.r.Heights.Created, x.r.State = id, h, market.StateName(ledgerpb.OrderState_ORDER_STATE_OPEN)
	x.report(Step{Kind: StepCreated, Height: h, InputRoot: x.r.InputRoot, Detail: detail})
	if err := b.updateState(id, func(s *State) { s.Plan = planOf(req) }); err != nil {
		return x.r, fmt.Errorf("order %d: keep its plan: %w", id, err)
	}
	return x.serve(ctx, req, id)
}

// maxRedos bounds the rounds a Run follows after disputes that sent the
// order back to a provider (outcomes redo and redo-by-another).
const maxRedos = 3

// serve follows order id from its bids to its end: award, inputs, job,
// delivery, then the close or the dispute. When a dispute the buyer won
// sends the order back to a provider (outcome redo) or reopens it for
// bids without the provider (redo-by-another), it follows the new round,
// at most maxRedos times.
func (x *run) serve(ctx context.Context, req Request, id uint64) (*Result, error) {
	for round := 0; ; round++ {
		res, err := x.round(ctx, req, id)
		if round >= maxRedos || !errors.Is(err, ErrDisputed) || x.r.Dispute == nil || x.r.Dispute.Verdict != "buyer_won" {
			return res, err
		}
		if s := x.r.State; s != market.StateName(ledgerpb.OrderState_ORDER_STATE_OPEN) && s != market.StateName(ledgerpb.OrderState_ORDER_STATE_AWARDED) {
			return res, err
		}
		x.report(Step{Kind: StepRedo, Detail: fmt.Sprintf("the dispute sent order %d back (%s); following it again", id, x.r.Dispute.Outcome)})
	}
}

// round is one round of serve: bids (or the standing award), inputs,
// job, delivery, close or dispute.
func (x *run) round(ctx context.Context, req Request, id uint64) (*Result, error) {
	b := x.b
	o, err := x.followBids(ctx)
	if err != nil {
		return x.r, err
	}
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_EXPIRED:
		x.r.Heights.Expired, x.r.Refund = o.UpdatedHeight, o.MaxPrice+o.PoStake
		x.r.Reasons = b.reasons(ctx, id)
		x.report(Step{Kind: StepExpired, Height: o.UpdatedHeight, Reasons: x.r.Reasons, Refund: x.r.Refund})
		b.forget(id)
		return x.r, fmt.Errorf("order %d: %w at height %d; max price and PO stake (%d ucell) refunded; %s", id, ErrExpired, o.UpdatedHeight,
			x.r.Refund, reasonsText(x.r.Reasons))
	case ledgerpb.OrderState_ORDER_STATE_CANCELLED:
		x.r.Heights.Cancelled = o.UpdatedHeight
		b.forget(id)
		return x.r, fmt.Errorf("order %d: %w at height %d", id, ErrCancelled, o.UpdatedHeight)
	}
	gw, err := x.awarded(ctx, o)
	if err != nil {
		return x.r, err
	}
	if err := x.inputsOnce(ctx, gw, o); err != nil {
		return x.r, err
	}
	if x.detach {
		return x.r, nil
	}
	if o, err = x.followJob(ctx, gw); err != nil {
		return x.r, err
	}
	return x.finish(ctx, o, gw, req.OutDir, req.Stars, req.DisputeStake, req.NoWaitFinal, false)
}

// waitOrder polls the order until done says so.
func (b *Buyer) waitOrder(ctx context.Context, id uint64, done func(*ledgerpb.OrderResponse) (bool, error)) (*ledgerpb.OrderResponse, error) {
	for {
		r, err := b.Order(ctx, id)
		if err != nil {
			return nil, err
		}
		if ok, err := done(r); ok || err != nil {
			return r, err
		}
		if err := sleep(ctx, b.Poll); err != nil {
			return r, fmt.Errorf("order %d: %w", id, err)
		}
	}
}

// followBids reports the bids until the order leaves OPEN.
func (x *run) followBids(ctx context.Context) (*ledgerpb.Order, error) {
	seen := -1
	r, err := x.b.waitOrder(ctx, x.r.OrderID, func(r *ledgerpb.OrderResponse) (bool, error) {
		if r.Order.State != ledgerpb.OrderState_ORDER_STATE_OPEN {
			return true, nil
		}
		if len(r.Bids) != seen && len(r.Bids) > 0 {
			best := r.Bids[0].Price
			for _, bid := range r.Bids {
				best = min(best, bid.Price)
			}
			x.report(Step{Kind: StepBids, Count: len(r.Bids), BestPrice: best})
		}
		seen = len(r.Bids)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	x.r.State = market.StateName(r.Order.State)
	return r.Order, nil
}

// awarded records the contract and returns a client of the winning node's
// HTTP API.
func (x *run) awarded(ctx context.Context, o *ledgerpb.Order) (*nodeapi.Client, error) {
	c := o.GetContract()
	if c == nil {
		return nil, fmt.Errorf("order %d: %s without a contract", o.Id, market.StateName(o.State))
	}
	x.r.Provider, x.r.NodeKey, x.r.Price, x.r.Heights.Awarded = address.Address(c.Provider).String(), hex.EncodeToString(c.NodeKey), c.Price, c.AwardHeight
	if err := x.newGuard(o); err != nil {
		return nil, err
	}
	endpoint, err := x.b.nodeEndpoint(ctx, c.NodeKey)
	if err != nil {
		return nil, fmt.Errorf("order %d: the winning node: %w", o.Id, err)
	}
	x.r.Endpoint = endpoint
	x.report(Step{Kind: StepAwarded, Height: c.AwardHeight, Provider: x.r.Provider, NodeKey: x.r.NodeKey, Endpoint: endpoint, Price: c.Price})
	return x.b.nodeAPI(endpoint), nil
}

// retryable reports whether an error of the node's HTTP API may pass: the node has not
// seen the order's transition yet (404, 409), is busy (5xx) or is not
// reachable.
func retryable(err error) bool {
	var se *nodeapi.StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusNotFound || se.Status == http.StatusConflict || se.Status >= 500
	}
	var pe *fs.PathError // a local file, not the node
	return !errors.As(err, &pe) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// retry runs f until it succeeds, fails for good, the chain passes
// deadline (a height; 0: no deadline) or ctx ends.
func (b *Buyer) retry(ctx context.Context, deadline int64, f func() error) error {
	for {
		err := f()
		if err == nil || !retryable(err) {
			return err
		}
		if deadline > 0 {
			if h, herr := b.height(ctx); herr == nil && h >= deadline {
				return fmt.Errorf("gave up at height %d: %w", h, err)
			}
		}
		if serr := sleep(ctx, b.Poll); serr != nil {
			return fmt.Errorf("%w (last error: %v)", serr, err)
		}
	}
}

// sendInputs uploads every input of o to the node behind gw and commits
// the input list, retrying while the node has not seen the order
// (404/409) until the chain passes deadline (a height: the delivery
// deadline for the provider, the commit deadline for a verifier, which
// reports nothing per file). A 400 answer wraps ErrInputsRejected. The
// provider's input receipt in its answer is kept.
func (x *run) sendInputs(ctx context.Context, gw *nodeapi.Client, o *ledgerpb.Order, deadline int64, verifier bool) error {
	id := o.Id
	for _, f := range x.files {
		path := x.inputs[f.Name]
		err := x.b.retry(ctx, deadline, func() error { return gw.UploadInput(ctx, id, f.Name, path) })
		if err != nil {
			return inputsErr(id, "upload input "+f.Name, gw.Endpoint, err)
		}
		if !verifier {
			x.report(Step{Kind: StepUploaded, Input: f.Name, Bytes: int64(f.Size), Endpoint: gw.Endpoint})
		}
	}
	var st nodeapi.JobStatus
	err := x.b.retry(ctx, deadline, func() error {
		var err error
		st, err = gw.CommitInputs(ctx, id, x.files)
		if nodeapi.IsStatus(err, http.StatusConflict) {
			// Committed already (a retry after a lost answer): the job
			// says where it is.
			want := nodeapi.RoleProvider
			if verifier {
				want = nodeapi.RoleVerifier
			}
			if js, jerr := gw.Job(ctx, id); jerr == nil && js.Role == want && js.State != nodeapi.StateAwaitingInputs {
				st, err = js, nil
			}
		}
		return err
	})
	if err != nil {
		return inputsErr(id, "commit the input list", gw.Endpoint, err)
	}
	if !verifier {
		x.report(Step{Kind: StepCommitted, Endpoint: gw.Endpoint, JobState: st.State})
		return x.keepReceipt(o, st.InputReceipt)
	}
	return nil
}

func inputsErr(id uint64, what, endpoint string, err error) error {
	var se *nodeapi.StatusError
	if errors.As(err, &se) && se.Status == http.StatusBadRequest {
		return fmt.Errorf("order %d: %s at %s: %w: %s (the files must match the order's input root)", id, what, endpoint, ErrInputsRejected, se.Message)
	}
	return fmt.Errorf("order %d: %s at %s: %w", id, what, endpoint, err)
}

// followJob reports the node's job until the order is delivered or
// fails; meanwhile it answers a report of missing inputs, and posts the
// input receipt when the delivery deadline is near (see receiptGuard).
func (x *run) followJob(ctx context.Context, gw *nodeapi.Client) (*ledgerpb.Order, error) {
	last, lastDone := "", -1
	r, err := x.b.waitOrder(ctx, x.r.OrderID, func(r *ledgerpb.OrderResponse) (bool, error) {
		o := r.Order
		if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
			return true, nil
		}
		if st, err := gw.Job(ctx, x.r.OrderID); err == nil {
			if st.State+st.Error != last {
				last = st.State + st.Error
				detail := st.Error
				if st.State == nodeapi.StateExecuted && st.OutputRoot != "" {
					detail = fmt.Sprintf("%s, exit code %d, output root %s, %d ms", orExited(st.Result), ptrVal(st.ExitCode), st.OutputRoot, st.RunMillis)
				}
				x.report(Step{Kind: StepJob, JobState: st.State, Detail: detail})
			}
			if st.Instructions > 0 && st.Instruction != lastDone {
				lastDone = st.Instruction
				x.report(x.progressStep(st.Instruction, st.Instructions))
			}
			if err := x.keepReceipt(o, st.InputReceipt); err != nil {
				return false, err
			}
		}
		return false, x.guardContract(ctx, o)
	})
	if err != nil {
		return nil, err
	}
	o := r.Order
	x.r.State = market.StateName(o.State)
	if x.proto != nil {
		// A bot may finish between two polls: its last progress is
		// reported once the order left the award.
		if st, err := gw.Job(ctx, x.r.OrderID); err == nil && st.Instructions > 0 && st.Instruction != lastDone {
			x.report(x.progressStep(st.Instruction, st.Instructions))
		}
	}
	switch o.State {
	case ledgerpb.OrderState_ORDER_STATE_DELIVERED:
		return o, nil
	case ledgerpb.OrderState_ORDER_STATE_FAILED:
		return nil, x.failed(o)
	}
	return nil, fmt.Errorf("order %d: %s, expected a delivery", o.Id, x.r.State)
}

// failed reports a FAILED order and returns its error, which wraps
// ErrFailed.
func (x *run) failed(o *ledgerpb.Order) error {
	c := o.Contract
	x.r.Heights.Failed, x.r.FailReason = o.UpdatedHeight, market.FailReasonName(o.FailReason)
	x.r.Refund, x.r.Slashed = FailRefund(o, x.b.Params), FailSlashed(o)
	x.report(Step{Kind: StepFailed, Height: o.UpdatedHeight, Refund: x.r.Refund, Slashed: x.r.Slashed, Detail: x.r.FailReason})
	x.b.forget(o.Id)
	switch o.FailReason {
	case ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING:
		return fmt.Errorf("order %d: %w: the provider reported the inputs missing and no input receipt answered it by height %d; everybody refunded (%d ucell to the buyer)",
			o.Id, ErrFailed, o.UpdatedHeight, x.r.Refund)
	case ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT:
		return fmt.Errorf("order %d: %w (deadline %d) although the provider's input receipt was shown; refunded %d ucell, including %d of its bid stake",
			o.Id, ErrFailed, c.DeliveryDeadline, x.r.Refund, x.r.Refund-c.Price-o.PoStake)
	}
	return fmt.Errorf("order %d: %w (deadline %d); refunded %d ucell; the provider's bid stake of %d ucell went to the treasury (no input receipt was shown)",
		o.Id, ErrFailed, c.DeliveryDeadline, x.r.Refund, x.r.Slashed)
}

func ptrVal(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

// confirmMargin is how many blocks before the confirm deadline the buyer
// stops retrying a download and disputes instead.
const confirmMargin = 2

// NonExitedStars is the buyer's rating of a provider whose verified
// delivery is a run that did not exit, when the buyer named none: the
// provider ran the package as it must, so it is not punished, but a run
// that ended in a trap or a limit is not the result the buyer paid for,
// so it does not earn the full DefaultStars either.
const NonExitedStars = 3

// ratingOf returns the stars to rate a delivery of result with: the
// buyer's, or DefaultStars for a run that exited with code 0 and
// NonExitedStars for one that failed.
func ratingOf(stars *uint32, result ledgerpb.RunResult, exitCode uint32) uint32 {
	switch {
	case stars != nil:
		return *stars
	case exited(result) && exitCode == 0:
		return DefaultStars
	}
	return NonExitedStars
}

// exited reports whether a delivery's result is a run that exited
// (unspecified: a delivery written before results were stated).
func exited(r ledgerpb.RunResult) bool {
	return r == ledgerpb.RunResult_RUN_RESULT_EXITED || r == ledgerpb.RunResult_RUN_RESULT_UNSPECIFIED
}

// stderrTail bounds the stderr a StepRunResult shows, in bytes.
const stderrTail = 2048

// finish takes a DELIVERED order to its end: download and verify, then
// write, close, reveal and wait for final ratings; or dispute. A run
// that did not exit and cannot be verified locally is closed only with
// acceptUnverified (an explicit Close), else left to the buyer.
func (x *run) finish(ctx context.Context, o *ledgerpb.Order, gw *nodeapi.Client, outDir string, stars *uint32, disputeStake uint64, noWaitFinal, acceptUnverified bool) (*Result, error) {
	d := o.Delivery
	x.r.OutputRoot, x.r.Heights.Delivered, x.r.RunResult = hex.EncodeToString(d.OutputRoot), d.Height, market.RunResultName(d.Result)
	if err := x.ensureProtocol(ctx, o); err != nil {
		return x.r, err
	}
	x.report(Step{Kind: StepDelivered, Height: d.Height, OutputRoot: x.r.OutputRoot, Result: x.r.RunResult})

	var out nodeapi.Outputs
	var files map[string][]byte
	err := x.b.retry(ctx, d.ConfirmDeadline-confirmMargin, func() error {
		var err error
		out, files, err = Download(ctx, gw, o.Id)
		return err
	})
	claim := ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT
	switch {
	case err != nil && ctx.Err() != nil:
		return x.r, err
	case err != nil:
		claim = ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_RECEIVED
	default:
		err = Verify(o.Id, d, out, files, x.b.OutcomeRoot)
		if errors.Is(err, ErrCompletionMismatch) {
			claim = ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_RECEIVED
		}
	}
	unverified := errors.Is(err, ErrNotVerifiable)
	if err != nil && !unverified {
		outcome := x.outcome
		if outcome == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_UNSPECIFIED {
			outcome = ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
		}
		return x.dispute(ctx, o, claim, outcome, disputeStake, err.Error(), true)
	}
	x.downloaded(out, err)
	var violation *botlog.Violation
	if x.proto != nil && err == nil {
		cerr := x.checkProtocol(ctx, o, gw, out, files)
		if v, ok := violationOf(cerr); ok {
			violation = v
			x.r.Protocol.Violation = v.Error()
		} else if cerr != nil {
			return x.r, fmt.Errorf("order %d: the conformance check could not run: %w; the delivery is neither closed nor disputed: close it with `cell order close %d` or dispute it with `cell order dispute %d` before height %d",
				o.Id, cerr, o.Id, o.Id, d.ConfirmDeadline)
		}
		x.report(Step{Kind: StepChecked, Detail: x.r.Protocol.Violation})
	}
	failed := !exited(d.Result) || d.ExitCode != 0
	if failed {
		tail := out.Stderr
		if len(tail) > stderrTail {
			tail = tail[len(tail)-stderrTail:]
		}
		x.report(Step{Kind: StepRunResult, Result: orExited(x.r.RunResult), ExitCode: d.ExitCode, Detail: string(tail)})
	}
	if outDir != "" {
		dir, err := WriteOutputs(outDir, o.Id, out, files)
		if err != nil {
			return x.r, fmt.Errorf("order %d: write outputs: %w", o.Id, err)
		}
		x.r.OutputDir = dir
		if x.proto != nil {
			if err := x.writeProtocol(dir, out); err != nil {
				return x.r, fmt.Errorf("order %d: write the event log and label: %w", o.Id, err)
			}
		}
		x.report(Step{Kind: StepWritten, Dir: dir})
	}
	if violation != nil {
		outcome := x.outcome
		if outcome == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_UNSPECIFIED {
			outcome = ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
		}
		return x.dispute(ctx, o, ledgerpb.DisputeClaim_DISPUTE_CLAIM_NOT_TO_SPEC, outcome, disputeStake, "not executed to spec: "+violation.Error(), true)
	}
	if unverified && !acceptUnverified {
		return x.r, fmt.Errorf("order %d: %w; the run ended with %s; read its stderr, then accept the delivery with `cell order close %d` or dispute it with `cell order dispute %d` before height %d, when it closes by itself",
			o.Id, err, x.r.RunResult, o.Id, o.Id, d.ConfirmDeadline)
	}
	if x.noClose {
		x.r.State = market.StateName(ledgerpb.OrderState_ORDER_STATE_DELIVERED)
		return x.r, nil
	}
	code, _ := hex.DecodeString(out.CompletionCode) // checked by Verify
	if !failed {
		return x.close(ctx, o, code, ratingOf(stars, d.Result, d.ExitCode), noWaitFinal)
	}
	return x.onFailed(ctx, o, code, stars, disputeStake, noWaitFinal)
}

// onFailed decides on a verified delivery of a failed run as
// Request.OnFailure says: close it, dispute it, or leave it to the
// buyer. Unless the buyer accepted it with Close, the error wraps
// ErrPackageFailed.
func (x *run) onFailed(ctx context.Context, o *ledgerpb.Order, code []byte, stars *uint32, disputeStake uint64, noWaitFinal bool) (*Result, error) {
	d := o.Delivery
	why := fmt.Sprintf("exited with code %d", d.ExitCode)
	if !exited(d.Result) {
		why = "ended with " + x.r.RunResult
	}
	policy := x.onFailure
	if policy == "" || policy == OnFailureAsk {
		policy = OnFailureAsk
		if x.ask != nil {
			policy = x.ask(x.r)
		}
	}
	switch policy {
	case OnFailureClose:
		res, err := x.close(ctx, o, code, ratingOf(stars, d.Result, d.ExitCode), noWaitFinal)
		if err != nil || x.failureOK {
			return res, err
		}
		return res, fmt.Errorf("order %d: %w: the run %s; closed and paid as you chose", o.Id, ErrPackageFailed, why)
	case OnFailureDispute:
		outcome := x.outcome
		if outcome == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_UNSPECIFIED {
			outcome = ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
		}
		res, err := x.dispute(ctx, o, ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT, outcome, disputeStake, "the package "+why, true)
		if err == nil {
			err = fmt.Errorf("order %d: %w: the run %s; disputed as you chose", o.Id, ErrPackageFailed, why)
		}
		return res, err
	}
	x.r.State = market.StateName(ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	return x.r, fmt.Errorf("order %d: %w: the run %s; not closed: accept it (close), dispute it, or leave it to close by itself in the provider's favour at height %d",
		o.Id, ErrPackageFailed, why, d.ConfirmDeadline)
}

// close closes o with code, reveals the rating and waits for the ratings
// to be final (unless noWaitFinal).
func (x *run) close(ctx context.Context, o *ledgerpb.Order, code []byte, stars uint32, noWaitFinal bool) (*Result, error) {
	salt := make([]byte, market.HashSize)
	if _, err := rand.Read(salt); err != nil {
		return x.r, err
	}
	// Saved before the close commits to it, so that a buyer whose
	// process ends in between can still reveal. A rating saved already
	// is kept: a close sent with it before an interruption may still be
	// committed, and only that rating then reveals.
	if err := x.b.updateState(o.Id, func(s *State) {
		if s.Rating != nil {
			stars, salt = s.Rating.Stars, slices.Clone(s.Rating.Salt)
			return
		}
		s.Rating = &SavedRating{Stars: stars, Salt: salt}
	}); err != nil {
		return x.r, fmt.Errorf("order %d: keep the rating: %w", o.Id, err)
	}
	rc := market.RatingCommitment(o.Id, uint8(stars), salt)
	evs, h, err := x.send(ctx, fmt.Sprintf("close order %d", o.Id), &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: &ledgerpb.MsgClose{
		OrderId: o.Id, CompletionCode: code, BuyerRatingCommitment: rc[:]}}})
	if err != nil {
		return x.r, err
	}
	x.r.Heights.Closed, x.r.State = h, market.StateName(ledgerpb.OrderState_ORDER_STATE_CLOSED)
	pkg, err := x.b.registeredPackage(ctx, o.PackageId)
	if err != nil {
		return x.r, err
	}
	royaltyBps := min(pkg.RoyaltyBps, x.b.Params.MaxRoyaltyBps)
	cost := Breakdown(o.MaxPrice, o.PoStake, o.Contract.Price, x.b.Params.NetworkFeeBps, royaltyBps, 0, x.b.Fee)
	// The ledger's own split wins over the computed one.
	if closed, ok := event.Find[market.EventOrderClosed](evs); ok {
		cost.Payment, cost.NetworkFee, cost.Royalty = closed.Payment, closed.NetworkFee, closed.Royalty
	}
	if address.Address(pkg.Author) == x.b.Address {
		cost.AuthorRefund = cost.Royalty
	}
	x.r.Cost = &cost
	x.setTxCost()
	x.report(Step{Kind: StepClosed, Height: h, Price: cost.Price, Detail: fmt.Sprintf("provider %d, network fee %d, author royalty %d; PO stake %d returned",
		cost.Payment, cost.NetworkFee, cost.Royalty, cost.POStakeReturned)})

	return x.reveal(ctx, o, stars, salt, noWaitFinal)
}

// reveal reveals the buyer's rating of a closed order and, unless
// noWaitFinal, waits for the ratings to be final and collects the order's
// reputation log entries.
func (x *run) reveal(ctx context.Context, o *ledgerpb.Order, stars uint32, salt []byte, noWaitFinal bool) (*Result, error) {
	mark, err := x.b.logMark(ctx)
	if err != nil {
		return x.r, err
	}
	_, h, err := x.send(ctx, fmt.Sprintf("reveal rating of order %d", o.Id), &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{
		OrderId: o.Id, Stars: stars, Salt: salt}}})
	x.setTxCost()
	if err != nil {
		return x.r, err
	}
	x.b.forget(o.Id)
	x.r.Heights.Revealed, x.r.Stars = h, stars
	x.report(Step{Kind: StepRevealed, Height: h, Stars: stars})
	if noWaitFinal {
		return x.r, nil
	}
	r, err := x.b.waitOrder(ctx, o.Id, func(r *ledgerpb.OrderResponse) (bool, error) { return r.Order.GetRatings().GetFinal(), nil })
	if err != nil {
		return x.r, err
	}
	x.r.Heights.Final = r.Order.UpdatedHeight
	x.report(Step{Kind: StepFinal, Height: x.r.Heights.Final})
	x.r.Reputation, err = x.b.reputationSince(ctx, mark, ratingEntries(r.Order))
	if err != nil {
		return x.r, err
	}
	return x.r, nil
}

// setTxCost accounts the buyer's transactions in the cost.
// downloaded records the outputs out in the result and reports the
// StepDownloaded step; verr is Verify's error, nil or ErrNotVerifiable
// (the outputs are then kept as not verified).
func (x *run) downloaded(out nodeapi.Outputs, verr error) {
	x.r.Verified = verr == nil
	x.r.ExitCode, x.r.Stdout, x.r.Stderr, x.r.Files = out.ExitCode, string(out.Stdout), string(out.Stderr), out.Files
	var size int64
	for _, f := range out.Files {
		size += f.Size
	}
	s := Step{Kind: StepDownloaded, Count: len(out.Files), Bytes: size}
	if verr != nil {
		s.Detail = "not verified: " + verr.Error()
	}
	x.report(s)
}

func (x *run) setTxCost() {
	if c := x.r.Cost; c != nil {
		c.Txs, c.TxFees = x.r.txs, uint64(x.r.txs)*x.b.Fee
		c.total()
	}
}

// reasons asks every registered node for its bid decision on order id;
// an expired node is reported as such without asking.
func (b *Buyer) reasons(ctx context.Context, id uint64) []Reason {
	out := []Reason{}
	h, err := b.height(ctx)
	var nodes []*ledgerpb.NodeStatus
	if err == nil {
		nodes, err = client.All(b.Chain.Nodes(ctx, address.Address{}, h+1))
	}
	if err != nil {
		return append(out, Reason{Reason: "unknown", Detail: "the registry: " + err.Error()})
	}
	for _, st := range nodes {
		n := st.Node
		reason := Reason{NodeKey: hex.EncodeToString(n.NodePubkey), Endpoint: n.Endpoint}
		if st.Expired {
			reason.Reason, reason.Detail = "node-expired", fmt.Sprintf("its registration expired after height %d", st.ActiveUntilHeight)
			out = append(out, reason)
			continue
		}
		d, err := b.nodeAPI(n.Endpoint).Decision(ctx, id)
		if err != nil {
			reason.Reason, reason.Detail = "unreachable", err.Error()
		} else {
			reason.Bid, reason.Price, reason.Reason, reason.Detail = d.Bid, d.Price, d.Reason, d.Detail
		}
		out = append(out, reason)
	}
	return out
}

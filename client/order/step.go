package order

import (
	"fmt"
	"strings"
)

// StepKind names a stage of an order, in the order Run reports them.
type StepKind string

// The steps Run reports. Each Step sets the fields its kind documents.
const (
	// StepPackage: the package is resolved (PackageID, Name, Registered).
	StepPackage StepKind = "package"
	// StepPublished: the buyer registered the package (Height) and
	// uploaded its blob to Nodes of the active nodes (Count).
	StepPublished StepKind = "published"
	// StepCreated: the order is on chain (OrderID, Height, InputRoot).
	StepCreated StepKind = "created"
	// StepBids: the number of bids changed (Count, BestPrice in ucell).
	StepBids StepKind = "bids"
	// StepAwarded: the contract (Provider, NodeKey, Endpoint, Price,
	// Height of the award).
	StepAwarded StepKind = "awarded"
	// StepExpired: no valid bid (Height); Reasons has each node's decision.
	StepExpired StepKind = "expired"
	// StepUploaded: one input file reached a node (Input, Bytes,
	// Endpoint).
	StepUploaded StepKind = "uploaded"
	// StepCommitted: the node accepted the input list (Endpoint,
	// JobState).
	StepCommitted StepKind = "committed"
	// StepReceipt: the provider's node signed its input receipt, which
	// the buyer keeps to post only if it needs it (NodeKey); or the
	// receipt it sent does not verify and is not kept (Detail says why).
	StepReceipt StepKind = "input_receipt"
	// StepJob: the node's job changed state (JobState, Detail).
	StepJob StepKind = "job"
	// StepMissingInputs: the provider reported the inputs missing
	// (Height of the report, Deadline: the last height to answer it with
	// the input receipt; Detail says what the buyer does).
	StepMissingInputs StepKind = "missing_inputs"
	// StepReceiptPosted: the buyer posted the provider's input receipt
	// (Height; Detail says why: to void a report of missing inputs, or
	// because the delivery deadline is near), or failed to (Height 0,
	// Detail holds the error).
	StepReceiptPosted StepKind = "receipt_posted"
	// StepBot: the bot of a protocol order has done Instruction of the
	// protocol's Instructions (Detail: the next instruction's op).
	StepBot StepKind = "bot"
	// StepDelivered: the delivery is on chain (Height, OutputRoot,
	// Result: how the run ended, ledger/market RunResultName).
	StepDelivered StepKind = "delivered"
	// StepFailed: the contract ended without a delivery (Height, Refund,
	// Slashed; Detail: the reason, ledger/market FailReasonName).
	StepFailed StepKind = "failed"
	// StepDownloaded: the outputs are downloaded (Count files, Bytes) and
	// verified, unless Detail says why they could not be.
	StepDownloaded StepKind = "downloaded"
	// StepRunResult: the run failed: it exited with a non-zero code
	// (Result "exited", ExitCode) or ended in a trap or a limit of the
	// package (Result), which is what the package does with these inputs,
	// not a fault of the provider; Detail holds the end of its stderr.
	StepRunResult StepKind = "run_result"
	// StepChecked: the conformance check of a protocol run's delivery
	// passed, or (Detail) its first violation, which the buyer disputes.
	StepChecked StepKind = "checked"
	// StepWritten: the outputs are written (Dir).
	StepWritten StepKind = "written"
	// StepClosed: the close is on chain (Height, Price, Detail with the
	// payment split).
	StepClosed StepKind = "closed"
	// StepRevealed: the buyer's rating is revealed (Height, Stars).
	StepRevealed StepKind = "revealed"
	// StepFinal: the ratings are final (Height).
	StepFinal StepKind = "final"
	// StepDisputeOpened: a dispute is open (Height, Detail says why;
	// Deadline: the last height to reveal the seed of its first round,
	// for a compute package).
	StepDisputeOpened StepKind = "dispute_opened"
	// StepDisputeDrawn: the buyer revealed the seed of a round (Round,
	// Height) and the chain drew its verifiers (Verifiers, their node
	// keys; Deadline: the end of their commit window).
	StepDisputeDrawn StepKind = "dispute_drawn"
	// StepVerifierInputs: the inputs reached a drawn verifier (NodeKey,
	// Endpoint), or not (Detail holds the error).
	StepVerifierInputs StepKind = "verifier_inputs"
	// StepDisputeRound: a round ended without a majority (Round, the
	// round that follows); its seed is due by Deadline.
	StepDisputeRound StepKind = "dispute_round"
	// StepDisputeDecided: the verdict (Height, Detail, Refund).
	StepDisputeDecided StepKind = "dispute_decided"
	// StepCancelled: the order was cancelled (Height, Refund).
	StepCancelled StepKind = "cancelled"
	// StepRedo: a dispute the buyer won sent the order back to a
	// provider (outcome redo) or reopened it for bids (redo-by-another);
	// Run follows it again (Detail).
	StepRedo StepKind = "redo"
)

// Step is one stage of an order as Run (and the other helpers) report it.
// Only the fields its Kind documents are set; amounts are in ucell.
type Step struct {
	Kind       StepKind `json:"step"`
	OrderID    uint64   `json:"order_id,omitempty"`
	Height     int64    `json:"height,omitempty"`
	PackageID  string   `json:"package_id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Registered bool     `json:"registered,omitempty"`
	InputRoot  string   `json:"input_root,omitempty"`
	Count      int      `json:"count,omitempty"`
	BestPrice  uint64   `json:"best_price,omitempty"`
	Provider   string   `json:"provider,omitempty"`
	NodeKey    string   `json:"node_key,omitempty"`
	Endpoint   string   `json:"endpoint,omitempty"`
	Price      uint64   `json:"price,omitempty"`
	Input      string   `json:"input,omitempty"`
	Bytes      int64    `json:"bytes,omitempty"`
	JobState   string   `json:"job_state,omitempty"`
	OutputRoot string   `json:"output_root,omitempty"`
	Dir        string   `json:"dir,omitempty"`
	Stars      uint32   `json:"stars,omitempty"`
	Refund     uint64   `json:"refund,omitempty"`
	Slashed    uint64   `json:"slashed,omitempty"`
	Verifiers  []string `json:"verifiers,omitempty"`
	Reasons    []Reason `json:"reasons,omitempty"`
	Result     string   `json:"result,omitempty"`
	ExitCode   uint32   `json:"exit_code,omitempty"`
	Round      uint32   `json:"round,omitempty"`
	Deadline   int64    `json:"deadline,omitempty"`
	// Instruction and Instructions: a protocol run's progress (StepBot).
	Instruction  int    `json:"instruction,omitempty"`
	Instructions int    `json:"instructions,omitempty"`
	Detail       string `json:"detail,omitempty"`
}

// String is the step as one line for people.
func (s Step) String() string {
	at := ""
	if s.Height > 0 {
		at = fmt.Sprintf(" at height %d", s.Height)
	}
	switch s.Kind {
	case StepPackage:
		reg := "not registered yet"
		if s.Registered {
			reg = "registered"
		}
		return fmt.Sprintf("package %s %s (%s)", s.Name, s.PackageID, reg)
	case StepPublished:
		return fmt.Sprintf("published package %s%s; blob stored on %d node(s)", s.PackageID, at, s.Count)
	case StepCreated:
		return fmt.Sprintf("created order %d%s (input root %s)", s.OrderID, at, s.InputRoot)
	case StepBids:
		return fmt.Sprintf("%d bid(s), best %d ucell", s.Count, s.BestPrice)
	case StepAwarded:
		return fmt.Sprintf("awarded%s to %s for %d ucell (node %s at %s)", at, s.Provider, s.Price, short(s.NodeKey), s.Endpoint)
	case StepExpired:
		return fmt.Sprintf("expired%s without a bid; %s", at, reasonsText(s.Reasons))
	case StepUploaded:
		return fmt.Sprintf("uploaded input %s (%d bytes) to %s", s.Input, s.Bytes, s.Endpoint)
	case StepCommitted:
		return fmt.Sprintf("input list accepted by %s; job %s", s.Endpoint, s.JobState)
	case StepReceipt:
		if s.Detail != "" {
			return "input receipt not kept: " + s.Detail
		}
		return fmt.Sprintf("input receipt of node %s kept (posted only if needed)", short(s.NodeKey))
	case StepMissingInputs:
		return fmt.Sprintf("the provider reported the inputs missing%s; it stands unless answered by height %d: %s", at, s.Deadline, s.Detail)
	case StepReceiptPosted:
		if s.Height == 0 {
			return "input receipt not posted: " + s.Detail
		}
		return fmt.Sprintf("input receipt posted%s (%s)", at, s.Detail)
	case StepJob:
		if s.Detail != "" {
			return fmt.Sprintf("job %s: %s", s.JobState, s.Detail)
		}
		return "job " + s.JobState
	case StepBot:
		text := fmt.Sprintf("bot: instruction %d of %d done", s.Instruction, s.Instructions)
		if s.Detail != "" {
			text += " (" + s.Detail + ")"
		}
		return text
	case StepChecked:
		if s.Detail != "" {
			return "conformance check: violation: " + s.Detail
		}
		return "conformance check: the run conforms to the protocol and the BotSpec"
	case StepDelivered:
		return fmt.Sprintf("delivered%s, run %s, output root %s", at, orExited(s.Result), s.OutputRoot)
	case StepFailed:
		return fmt.Sprintf("failed%s: no delivery (%s); refunded %d ucell, provider's bid stake slashed by %d ucell", at, s.Detail, s.Refund, s.Slashed)
	case StepDownloaded:
		if s.Detail != "" {
			return fmt.Sprintf("downloaded %d output file(s), %d bytes; %s", s.Count, s.Bytes, s.Detail)
		}
		return fmt.Sprintf("downloaded and verified %d output file(s), %d bytes", s.Count, s.Bytes)
	case StepRunResult:
		text := fmt.Sprintf("the run did not exit: %s (the package's own limit or fault, not the provider's)", s.Result)
		if s.Result == "" || s.Result == "exited" {
			text = fmt.Sprintf("the package failed: it exited with code %d", s.ExitCode)
		}
		if s.Detail != "" {
			text += "; stderr:\n" + s.Detail
		}
		return text
	case StepWritten:
		return "outputs written to " + s.Dir
	case StepClosed:
		return fmt.Sprintf("closed%s: paid %d ucell (%s)", at, s.Price, s.Detail)
	case StepRevealed:
		return fmt.Sprintf("revealed rating of %d star(s)%s", s.Stars, at)
	case StepFinal:
		return "ratings final" + at
	case StepDisputeOpened:
		if s.Deadline > 0 {
			return fmt.Sprintf("dispute opened%s (%s); the seed of round 1 is due by height %d", at, s.Detail, s.Deadline)
		}
		return fmt.Sprintf("dispute opened%s (%s)", at, s.Detail)
	case StepDisputeDrawn:
		vs := strings.Join(shortAll(s.Verifiers), ", ")
		if vs == "" {
			vs = "none (no verifier could be drawn)"
		}
		return fmt.Sprintf("seed of round %d revealed%s; verifiers %s, committing until height %d", s.Round, at, vs, s.Deadline)
	case StepDisputeRound:
		return fmt.Sprintf("round %d ended without a majority; round %d follows, its seed due by height %d", s.Round-1, s.Round, s.Deadline)
	case StepVerifierInputs:
		if s.Detail != "" {
			return fmt.Sprintf("verifier %s at %s: inputs not delivered: %s", short(s.NodeKey), s.Endpoint, s.Detail)
		}
		return fmt.Sprintf("inputs uploaded to verifier %s at %s", short(s.NodeKey), s.Endpoint)
	case StepDisputeDecided:
		return fmt.Sprintf("dispute decided%s: %s; returned to the buyer %d ucell", at, s.Detail, s.Refund)
	case StepCancelled:
		return fmt.Sprintf("cancelled%s; refunded %d ucell", at, s.Refund)
	case StepRedo:
		return s.Detail
	}
	return string(s.Kind)
}

// Waiting says what follows the step, for a live display: what the
// buyer's client is waiting for once the step is done, or "" at the end.
func (s Step) Waiting() string {
	switch s.Kind {
	case StepPackage:
		return "checking the request"
	case StepPublished:
		return "creating the order"
	case StepCreated, StepBids:
		return "waiting for bids"
	case StepAwarded:
		return "uploading inputs"
	case StepUploaded:
		return "uploading inputs"
	case StepCommitted, StepReceipt, StepJob, StepBot, StepMissingInputs, StepReceiptPosted:
		return "waiting for the delivery"
	case StepDelivered:
		return "downloading outputs"
	case StepDownloaded, StepChecked:
		return "writing outputs"
	case StepRunResult:
		return "writing outputs, then deciding on the failed run"
	case StepWritten:
		return "closing the order"
	case StepClosed:
		return "revealing the rating"
	case StepRevealed:
		return "waiting for final ratings"
	case StepDisputeOpened, StepDisputeRound:
		return "revealing the draw seed"
	case StepDisputeDrawn, StepVerifierInputs:
		return "waiting for the verdict"
	case StepRedo:
		return "waiting for the new round"
	}
	return ""
}

// Reason is one node's bid decision on an expired order.
type Reason struct {
	NodeKey  string `json:"node_key"`
	Endpoint string `json:"endpoint"`
	Bid      bool   `json:"bid"`
	Price    uint64 `json:"price,omitempty"`
	// Reason is the node's reason not to bid (e.g. "above-max-price"),
	// "unreachable" with Detail the error, or "node-expired" for a node
	// whose registration expired (not asked).
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// String is the reason for people.
func (r Reason) String() string {
	s := fmt.Sprintf("node %s: ", short(r.NodeKey))
	switch {
	case r.Bid:
		s += fmt.Sprintf("bid %d ucell", r.Price)
	case r.Reason != "":
		s += r.Reason
	default:
		s += "no reason given"
	}
	if r.Detail != "" {
		s += " (" + r.Detail + ")"
	}
	return s
}

// reasonsText joins the reasons for people.
func reasonsText(reasons []Reason) string {
	var rs []string
	for _, r := range reasons {
		rs = append(rs, r.String())
	}
	return orNone(strings.Join(rs, "; "))
}

func orExited(result string) string {
	if result == "" {
		return "exited"
	}
	return result
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func shortAll(hs []string) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = short(h)
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "no node gave a reason"
	}
	return s
}

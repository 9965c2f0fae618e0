// Package order is the buyer's side of ordering a package run: it posts a
// purchase order on the ledger (or buys a vendor's offering), follows it
// block by block, talks to the winning node's HTTP API (nodeapi),
// checks what comes back against the ledger, and closes, rates or
// disputes (market.md: "Purchase order lifecycle", "Disputes").
//
// Usage:
//
//	b, err := order.NewBuyer(ctx, chainClient, buyerKey)
//	b.StateDir = "orders"                         // keep each order's State across restarts
//	res, err := b.Run(ctx, order.Request{
//		Package:  "examples/digest",              // a directory, a .cellpkg or a package id
//		Inputs:   map[string]string{"genome": "lambda.fa"},
//		Params:   map[string]string{"ENZYMES": "EcoRI"},
//		MaxPrice: 1_000_000,                      // ucell
//		OutDir:   "results",
//		Progress: func(s order.Step) { fmt.Println(s) },
//	})
//
// Run does, in order, reporting each stage as a Step:
//
//  1. resolve the package (StepPackage) and check the inputs and
//     parameters against its envelope, the amounts against the params and
//     the buyer's balance: a bad request fails here, before any funds move,
//     with a *FieldError naming the field and the rule;
//  2. publish the package when it is not registered (StepPublished): the
//     buyer registers it as its author, naming as blob locations
//     ENDPOINT/v1/blobs/SHA256 of every active node, and uploads the
//     .cellpkg to each of them;
//  3. create the order (StepCreated) and follow its bids (StepBids) to the
//     award (StepAwarded) or the expiry (StepExpired, with every node's bid
//     decision as the reason); with Request.Offering, buy the vendor's
//     offering instead (MsgBuyOffering with MaxPrice as its max_price):
//     the purchase is awarded in its own block to the offering's node
//     (StepCreated, StepAwarded) and served from here on as any award;
//  4. upload each input to the winning node (StepUploaded) and commit the
//     input list (StepCommitted), keep the node's input receipt
//     (StepReceipt), then follow the job (StepJob) until the delivery on
//     chain (StepDelivered) or the failure (StepFailed); meanwhile, guard
//     the contract with the receipt (see "Input receipts");
//  5. download the outputs (StepDownloaded) and verify every file's
//     SHA-256, the output root against the root delivered on chain and the
//     completion code against its commitment (see Verify); report a run
//     that did not exit (StepRunResult); write the outputs (StepWritten)
//     to OUTDIR/ORDER_ID/ (see WriteOutputs for the layout);
//  6. close with the completion code and a rating commitment (StepClosed),
//     reveal the rating (StepRevealed) and wait for the ratings to be final
//     (StepFinal); the Result carries the cost breakdown and the
//     reputation log entries of the order.
//
// Amounts are in ucell, windows, deadlines and heights in blocks. Run
// returns a Result also with its errors, so that a caller can report what
// happened: ErrExpired, ErrFailed, ErrDisputed, ErrDisputeLost,
// ErrDisputeSplit, ErrDisputeAbandoned and ErrNotVerifiable are matched
// with errors.Is.
//
// For an order that exists already: Show (the order with its bids and the
// provider node's job) and List need no key; Close takes a delivered
// order from the download to the final ratings as Run does, or reveals
// the rating of an order closed by an interrupted process; Dispute opens
// a dispute, or goes on with one already open; Cancel cancels an open
// order.
//
// # Local state
//
// What the buyer must remember of an order between its steps is its
// State: the provider's input receipt, the seed chain of a dispute, the
// rating committed to at the close. With Buyer.StateDir it is written
// durably to STATEDIR/ORDER_ID.json before the transaction that depends on
// it, and removed when the order ends, so that a buyer whose process ends
// can go on with Close or Dispute; without it, it lives in memory.
//
// # Input receipts
//
// A provider's node signs an input receipt when it holds the order's
// inputs (ledger/market InputReceiptBytes); the buyer keeps it from the
// answer to POST …/inputs, or from GET …/job, once it verifies against
// the contract's node key, and posts it (MsgPostInputReceipt,
// StepReceiptPosted) only when it needs it:
//
//   - when the provider reports the inputs missing (StepMissingInputs):
//     the receipt, posted before the report's contest deadline, voids the
//     report, and the provider is held to its delivery deadline again;
//     unanswered, the report ends the contract with everybody refunded;
//   - when the delivery deadline is within Buyer.ReceiptMargin blocks
//     (DefaultReceiptMargin, 5) and nothing is delivered: a missed
//     delivery after a receipt pays the buyer fail_slash_buyer_bps of the
//     bid stake; without one the whole stake goes to the treasury.
//
// # Disputes
//
// When the outputs do not match the delivered root (or the completion code
// does not match its commitment), Run opens a dispute instead of closing
// (StepDisputeOpened). A dispute of a compute package commits to the head
// of a new seed chain (NewSeedChain), kept in the order's State first; in
// the next block the buyer reveals the first round's seed, which draws the
// round's verifiers (StepDisputeDrawn), and sends them the inputs
// (StepVerifierInputs). When a round ends without a majority
// (StepDisputeRound), the buyer reveals the next seed, up to the chain's
// max_dispute_rounds. The verdict (StepDisputeDecided) is provider_won,
// buyer_won, split (no round had a majority: the price is split, stakes
// return) or abandoned (the first seed was not revealed in time: the
// delivery stands). When the buyer wins and the outcome sends the order
// back to a provider (redo: the same one; redo-by-another: new bids
// without it), Run reports StepRedo and follows the new round from step
// 3, up to three times.
//
// # Protocol packages
//
// A protocol package (a lab protocol a provider's bot runs;
// runtime/protopkg) is ordered like a compute package, with parameters
// and no inputs, for bids or as a vendor's offering; the bid or the
// offering names the BotSpec of the bot that runs it.
// Before any funds move, Run fills its protocol with the parameters and
// validates it: a missing or undeclared parameter is a *FieldError on
// "params.NAME", a protocol that does not fill, parse or validate one on
// "protocol.PATH" naming the instruction and field (e.g.
// "protocol.instructions[5].duration"). While the bot runs, each change
// of the node's progress (nodeapi.JobStatus Instruction of Instructions)
// is a StepBot. The delivered files are the run's datasets, verified
// against the output root as any outputs; then the conformance check runs
// (StepChecked): the BotSpec the contract's bid named is fetched from the
// provider's node (nodeapi.Client.BotSpec, checked against its id), and
// runtime/botlog.Check holds the delivered event log (Outputs.EventLog) to
// the filled protocol, the BotSpec, the delivery's event-log head and the
// datasets; for a simulated BotSpec, runtime/labsim.Replay must reproduce
// the log and datasets byte for byte. The event log (eventlog.bin) and
// the shipping label (label.png, a QR code of the completion code, from
// Outputs.Label) are written next to the outputs, and the Result's
// Protocol holds the instruction timeline, the gels and the absorbance
// reads. A run that conforms is closed as a compute run; the first
// violation is disputed with claim not-to-spec and the violation's text
// as the reason, and the drawn verifiers run the same check. A check that
// cannot run (the node does not serve the BotSpec by the confirm
// deadline) leaves the order to the buyer, neither closed nor disputed.
// Attach, Close and Get, which did not create the order, read its
// protocol from the package's registered blob locations.
//
// # Runs that did not exit
//
// A run that ended in a trap or in one of the package's own limits (fuel,
// memory, output, stdout, stderr) is a correct delivery of what the
// package deterministically does, not a fault of the provider. Its output
// root covers only the result, stdout and stderr (runtime/outputroot:
// ComputeOutcome); the buyer verifies it with Buyer.OutcomeRoot, which
// NewBuyer sets to OutcomeRoot. Run reports the result and the package's
// stderr (StepRunResult). Without an OutcomeRoot it checks the completion
// code, writes the outputs, and stops with ErrNotVerifiable, neither
// closing nor disputing: the buyer decides (Close accepts, Dispute
// contests) before the confirm deadline, when the order closes by itself.
// A verified one Run closes; its rating, unless the request names one, is
// NonExitedStars (3), never the full DefaultStars, for a run that did not
// give the buyer a result.
//
// # RPC blips
//
// A call to the chain's RPC that fails to reach it (refused or cut
// connection, timeout, 5xx answer) is retried with backoff (client.Retry:
// 200 ms doubling up to 10 s) until the chain answers or the context
// ends, each retry reported to Buyer.OnRetry; what the chain then answers
// decides, so a deadline that passed meanwhile shows as the order's new
// state or a refused transaction. A transaction is signed once: repeated
// after a lost answer it is the same transaction, found by its hash if it
// went through. Run's context is the only bound; give it a deadline to
// stop waiting for a chain that does not come back.
//
// # What the buyer expects of a node
//
// The node's HTTP API is nodeapi's. Run calls, on the winning
// node: PUT …/inputs/NAME for each input, then POST …/inputs, whose
// JobStatus carries the node's input receipt (JobStatus.InputReceipt,
// also in GET …/job once the node holds the inputs); GET …/job while it
// waits for the delivery on chain (only to report progress: the chain
// decides); GET …/outputs, then GET …/outputs/SHA256 for each file once
// the delivery is on chain. Outputs.Result names how the run ended; only
// the chain's result counts. A node that has not yet seen the award
// (or the dispute, for a verifier) answers 404 or 409, and the buyer
// retries each request until the deadline on chain (delivery deadline,
// dispute commit deadline, two blocks before the confirm deadline); 5xx
// answers and network errors are retried the same way; 400 is final
// (ErrInputsRejected for inputs). A 409 to POST …/inputs when the job has
// left awaiting-inputs counts as accepted. When outputs cannot be
// downloaded before the confirm deadline, Run disputes with claim
// not-received. A drawn verifier must accept the inputs from the order's
// buyer. On expiry every active node is asked GET …/decision.
package order

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
)

// Errors of the order's outcome, matched with errors.Is.
var (
	// ErrExpired: the bid window ended without a valid bid; everything
	// was refunded. The Result's Reasons hold the nodes' reasons.
	ErrExpired = errors.New("order expired without a bid")
	// ErrFailed: the contract ended without a delivery; the Result's
	// FailReason says who paid for it (ledger/market FailReasonName).
	ErrFailed = errors.New("order failed: no delivery by the deadline")
	// ErrDisputed: the outputs did not verify, so a dispute was opened;
	// the error says why. Its verdict is in the Result's Dispute.
	ErrDisputed = errors.New("results did not verify")
	// ErrDisputeLost: the verifiers found the delivered root right.
	ErrDisputeLost = errors.New("dispute lost: the verifiers confirmed the delivered output root")
	// ErrDisputeSplit: no round of the dispute reached a majority of
	// verifiers; the price was split between the provider and the buyer.
	ErrDisputeSplit = errors.New("dispute undecided after its last round: the price was split")
	// ErrDisputeAbandoned: the buyer did not reveal the seed of the
	// dispute's first round in time; the delivery stands and the dispute
	// stake went to the provider.
	ErrDisputeAbandoned = errors.New("dispute abandoned: the seed of its first round was not revealed in time")
	// ErrInputsRejected: the node refused the input list or a file
	// (an answer 400): they do not match the order's input root.
	ErrInputsRejected = errors.New("the node refused the inputs")
	// ErrInsufficientFunds: the buyer's balance does not cover max price
	// + PO stake + fees.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrCancelled: the order was cancelled while Run followed it.
	ErrCancelled = errors.New("order cancelled")
	// ErrPackageFailed: the delivered run failed (the package exited
	// with a non-zero code, or ended in a trap or one of its limits); the
	// Result holds its exit code and stderr, and says whether the order
	// was closed, disputed or left to the buyer (Request.OnFailure).
	ErrPackageFailed = errors.New("the package failed")
)

// InterruptedError is the error of Run, Attach, Close and Dispute when
// their context ended while an order they follow is not finished: the
// order goes on on chain, and its State is kept, so Attach resumes it.
type InterruptedError struct {
	// OrderID is the order's id (0: the order was being created, and may
	// or may not exist).
	OrderID uint64
	// Pending says what the buyer's client was doing (Step.Waiting).
	Pending string
	// Next says what the buyer must do on chain, and by which height,
	// for the order to end well; empty when the chain did not answer.
	Next string
	// Err is the context's error.
	Err error
}

// Error implements error.
func (e *InterruptedError) Error() string {
	s := "interrupted"
	if e.Pending != "" {
		s += " while " + e.Pending
	}
	if e.OrderID == 0 {
		return s + " (the order may have been created: list your orders)"
	}
	s = fmt.Sprintf("order %d: %s; the order goes on on chain and its local state is kept", e.OrderID, s)
	if e.Next != "" {
		s += "; " + e.Next
	}
	return s
}

// Unwrap returns the context's error.
func (e *InterruptedError) Unwrap() error { return e.Err }

// FieldError is a bad request, found before any funds move: Field names
// the request field (e.g. "inputs.genome", "max_price") and Rule what is
// wrong.
type FieldError struct {
	Field string
	Rule  string
}

// Error implements error: "FIELD: RULE".
func (e *FieldError) Error() string { return e.Field + ": " + e.Rule }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Rule: fmt.Sprintf(format, args...)}
}

// DefaultReceiptMargin is Buyer.ReceiptMargin's default, in blocks.
const DefaultReceiptMargin = 5

// OutcomeRootFunc returns the output root of a run that did not exit
// (result is not RUN_RESULT_EXITED) from what it wrote to stdout and
// stderr: runtime/outputroot's root of an outcome, whose number is the
// result's (outputroot.ComputeOutcome(outcome, 0, stdout, stderr, nil)).
type OutcomeRootFunc func(result ledgerpb.RunResult, stdout, stderr []byte) ([32]byte, error)

// OutcomeRoot is the OutcomeRootFunc of runtime/outputroot:
// outputroot.ComputeOutcome with the outcome whose number is the
// result's (the ledger's RunResult mirrors the runtime's Outcome, number
// for number).
func OutcomeRoot(result ledgerpb.RunResult, stdout, stderr []byte) ([32]byte, error) {
	if result <= ledgerpb.RunResult_RUN_RESULT_EXITED {
		return [32]byte{}, fmt.Errorf("result %s: the run exited; its root covers its files", market.RunResultName(result))
	}
	return outputroot.ComputeOutcome(outputroot.Outcome(result), 0, stdout, stderr, nil)
}

// Buyer orders package runs with one account key. Its methods may be
// called from several goroutines, on different orders.
type Buyer struct {
	// Chain is the ledger client.
	Chain *client.Client
	// Key is the buyer's account key: it signs the transactions and the
	// requests to the nodes' HTTP API.
	Key ed25519.PrivateKey
	// Address is Key's account address.
	Address address.Address
	// ChainID is the chain's id (from the node's status).
	ChainID string
	// Fee is the fee of each transaction in ucell (default: the chain's
	// min_fee).
	Fee uint64
	// HTTP is the client for the nodes' HTTP API (default: 30 s timeout).
	HTTP *http.Client
	// Poll is how often the ledger and the node are polled (default
	// 100 ms).
	Poll time.Duration
	// Params are the chain's params, read by NewBuyer.
	Params *ledgerpb.Params
	// StateDir keeps each order's State (ORDER_ID.json: the provider's
	// input receipt, the seed chain of a dispute, the rating committed to
	// at the close) until the order needs it no more, so that a buyer
	// whose process ends can go on with Close or Dispute. Empty: the
	// State is kept in memory only.
	StateDir string
	// ReceiptMargin is how many blocks before the delivery deadline the
	// buyer posts the provider's input receipt of an order not yet
	// delivered (0: DefaultReceiptMargin). The receipt must be in a
	// block by the deadline; a margin of a few blocks leaves time for a
	// slow block or an RPC blip.
	ReceiptMargin int64
	// OutcomeRoot verifies deliveries of runs that did not exit (a trap
	// or a limit of the package). Nil: such a delivery is reported but
	// not verified, so Run neither closes nor disputes it (see the
	// package documentation, "Runs that did not exit").
	OutcomeRoot OutcomeRootFunc
	// OnRetry, if set, is told of each RPC blip that a call to the chain
	// retries: what was being done, the error and the wait before the
	// next attempt.
	OnRetry func(what string, err error, wait time.Duration)

	mu  sync.Mutex
	mem map[uint64]*State // orders' State without a StateDir
}

// NewBuyer returns a Buyer of key on the chain c, reading the chain id
// and the params from the node. Unlike the Buyer's later calls it does
// not retry an unreachable RPC: at the start that is more likely a wrong
// address than a blip.
func NewBuyer(ctx context.Context, c *client.Client, key ed25519.PrivateKey) (*Buyer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("order: buyer key: want an ed25519 private key")
	}
	addr, err := address.FromPubKey(key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	b := &Buyer{Chain: c, Key: key, Address: addr, HTTP: &http.Client{Timeout: 30 * time.Second}, Poll: 100 * time.Millisecond,
		OutcomeRoot: OutcomeRoot}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("order: node status: %w", err)
	}
	b.ChainID = st.NodeInfo.Network
	p, err := c.Params(ctx)
	if err != nil {
		return nil, err
	}
	b.Params = p
	b.Fee = p.MinFee
	return b, nil
}

// receiptMargin returns ReceiptMargin or its default.
func (b *Buyer) receiptMargin() int64 {
	if b.ReceiptMargin > 0 {
		return b.ReceiptMargin
	}
	return DefaultReceiptMargin
}

// ask calls one of the chain client's queries, through RPC blips; path
// names it (query.Paths) to OnRetry.
func ask[T any](ctx context.Context, b *Buyer, path string, q func(context.Context) (T, error)) (T, error) {
	var v T
	err := b.rpc(ctx, "query "+path, func(ctx context.Context) (err error) {
		v, err = q(ctx)
		return err
	})
	return v, err
}

// nodeAPI returns a client of the HTTP API of the node at endpoint,
// signing with the buyer's key.
func (b *Buyer) nodeAPI(endpoint string) *nodeapi.Client {
	return &nodeapi.Client{Endpoint: endpoint, Key: b.Key, HTTP: b.HTTP}
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// height returns the latest committed height, through RPC blips.
func (b *Buyer) height(ctx context.Context) (int64, error) {
	var h int64
	err := b.rpc(ctx, "node status", func(ctx context.Context) error {
		st, err := b.Chain.Status(ctx)
		if err != nil {
			return err
		}
		h = st.SyncInfo.LatestBlockHeight
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	return h, nil
}

// Order returns the order id with its bids (while open).
func (b *Buyer) Order(ctx context.Context, id uint64) (*ledgerpb.OrderResponse, error) {
	r, err := ask(ctx, b, query.Order, func(ctx context.Context) (*ledgerpb.OrderResponse, error) { return b.Chain.Order(ctx, id) })
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	return r, nil
}

// nodeEndpoint returns the registered endpoint of the node with key.
func (b *Buyer) nodeEndpoint(ctx context.Context, key []byte) (string, error) {
	st, err := ask(ctx, b, query.Node, func(ctx context.Context) (*ledgerpb.NodeStatus, error) { return b.Chain.Node(ctx, key, 0) })
	if err != nil {
		return "", fmt.Errorf("node %x: %w", key, err)
	}
	return st.GetNode().GetEndpoint(), nil
}

// activeNodes returns the registered nodes not expired at the next block.
func (b *Buyer) activeNodes(ctx context.Context) ([]*ledgerpb.Node, error) {
	h, err := b.height(ctx)
	if err != nil {
		return nil, err
	}
	var out []*ledgerpb.Node
	for n, err := range b.Chain.Nodes(ctx, address.Address{}, h+1) {
		if err != nil {
			return nil, err
		}
		if !n.Expired {
			out = append(out, n.Node)
		}
	}
	return out, nil
}

// balance returns the buyer's spendable balance in ucell.
func (b *Buyer) balance(ctx context.Context) (uint64, error) {
	return ask(ctx, b, query.Balance, func(ctx context.Context) (uint64, error) { return b.Chain.Balance(ctx, b.Address) })
}

// registeredPackage returns the registry record of package id, through
// RPC blips; an error matching query.ErrNotFound if it is not registered.
func (b *Buyer) registeredPackage(ctx context.Context, id []byte) (*ledgerpb.Package, error) {
	return ask(ctx, b, query.Package, func(ctx context.Context) (*ledgerpb.Package, error) { return b.Chain.Package(ctx, id) })
}

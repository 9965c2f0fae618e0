// Package order is the buyer's side of ordering a package run: it posts a
// purchase order on the ledger, follows it block by block, talks to the
// winning node's gateway (client/gateway), checks what comes back against
// the ledger, and closes, rates or disputes (market.md: "Purchase order
// lifecycle", "Disputes").
//
// Usage:
//
//	b, err := order.NewBuyer(ctx, chainClient, buyerKey)
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
//     decision as the reason);
//  4. upload each input to the winning node (StepUploaded) and commit the
//     input list (StepCommitted), then follow the job (StepJob) until the
//     delivery on chain (StepDelivered) or the failure (StepFailed);
//  5. download the outputs (StepDownloaded) and verify every file's
//     SHA-256, the output root against the root delivered on chain and the
//     completion code against its commitment; write them (StepWritten) to
//     OUTDIR/ORDER_ID/ (see WriteOutputs for the layout);
//  6. close with the completion code and a rating commitment (StepClosed),
//     reveal the rating (StepRevealed) and wait for the ratings to be final
//     (StepFinal); the Result carries the cost breakdown and the
//     reputation log entries of the order.
//
// When the outputs do not match the delivered root (or the completion code
// does not match its commitment), Run opens a dispute instead of closing
// (StepDisputeOpened), uploads the inputs to every drawn verifier
// (StepVerifierInputs) and waits for the verdict (StepDisputeDecided).
// When the buyer wins and the outcome sends the order back to a provider
// (redo: the same one; redo-by-another: new bids without it), Run reports
// StepRedo and follows the new round from step 3, up to three times.
//
// Amounts are in ucell, windows and heights in blocks. Run returns a
// Result also with its errors, so that a caller can report what happened:
// ErrExpired, ErrFailed, ErrDisputeLost and ErrDisputed are matched with
// errors.Is.
//
// For an order that exists already: Show (the order with its bids and the
// provider node's job) and List need no key; Close takes a delivered
// order from the download to the final ratings as Run does; Dispute opens
// a dispute (and sends the inputs to the verifiers when given them);
// Cancel cancels an open order.
//
// # What the buyer expects of a node
//
// The gateway protocol is client/gateway's. Run calls, on the winning
// node: PUT …/inputs/NAME for each input, then POST …/inputs; GET …/job
// while it waits for the delivery on chain (only to report progress: the
// chain decides); GET …/outputs, then GET …/outputs/SHA256 for each file
// once the delivery is on chain. A node that has not yet seen the award
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
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/gateway"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// Errors of the order's outcome, matched with errors.Is.
var (
	// ErrExpired: the bid window ended without a valid bid; everything
	// was refunded. The Result's Expiry holds the nodes' reasons.
	ErrExpired = errors.New("order expired without a bid")
	// ErrFailed: the provider did not deliver by the delivery deadline;
	// the buyer was refunded and the bid stake slashed.
	ErrFailed = errors.New("order failed: no delivery by the deadline")
	// ErrDisputed: the outputs did not verify, so a dispute was opened;
	// the error says why. Its verdict is in the Result's Dispute.
	ErrDisputed = errors.New("results did not verify")
	// ErrDisputeLost: the verifiers found the delivered root right.
	ErrDisputeLost = errors.New("dispute lost: the verifiers confirmed the delivered output root")
	// ErrInputsRejected: the node refused the input list or a file
	// (an answer 400): they do not match the order's input root.
	ErrInputsRejected = errors.New("the node refused the inputs")
	// ErrInsufficientFunds: the buyer's balance does not cover max price
	// + PO stake + fees.
	ErrInsufficientFunds = errors.New("insufficient funds")
	// ErrCancelled: the order was cancelled while Run followed it.
	ErrCancelled = errors.New("order cancelled")
)

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

// Buyer orders package runs with one account key.
type Buyer struct {
	// Chain is the ledger client.
	Chain *client.Client
	// Key is the buyer's account key: it signs the transactions and the
	// gateway requests.
	Key ed25519.PrivateKey
	// Address is Key's account address.
	Address address.Address
	// ChainID is the chain's id (from the node's status).
	ChainID string
	// Fee is the fee of each transaction in ucell (default: the chain's
	// min_fee).
	Fee uint64
	// HTTP is the client for the nodes' gateways (default: 30 s timeout).
	HTTP *http.Client
	// Poll is how often the ledger and the node are polled (default
	// 100 ms).
	Poll time.Duration
	// Params are the chain's params, read by NewBuyer.
	Params *ledgerpb.Params
	// StateDir keeps, from the close until the reveal, the rating and
	// salt the buyer committed to (ORDER_ID.rating.json), so that a buyer
	// whose process ends in between can still reveal with Close (and so
	// escape the no-reveal penalty). Empty: they are kept in memory only.
	StateDir string
}

// NewBuyer returns a Buyer of key on the chain c, reading the chain id
// and the params from the node.
func NewBuyer(ctx context.Context, c *client.Client, key ed25519.PrivateKey) (*Buyer, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, errors.New("order: buyer key: want an ed25519 private key")
	}
	addr, err := address.FromPubKey(key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("order: node status: %w", err)
	}
	b := &Buyer{Chain: c, Key: key, Address: addr, ChainID: st.NodeInfo.Network,
		HTTP: &http.Client{Timeout: 30 * time.Second}, Poll: 100 * time.Millisecond}
	var p ledgerpb.Params
	if err := b.query(ctx, app.PathParams, nil, &p); err != nil {
		return nil, err
	}
	b.Params = &p
	b.Fee = p.MinFee
	return b, nil
}

// query asks the ledger's app query path and decodes the reply.
func (b *Buyer) query(ctx context.Context, path string, data []byte, reply proto.Message) error {
	return query(ctx, b.Chain, path, data, reply)
}

func mustMarshal(m proto.Message) []byte {
	raw, err := proto.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("order: marshal %T: %v", m, err)) // bytes and integers only
	}
	return raw
}

// gateway returns a gateway client of the node at endpoint, signing with
// the buyer's key.
func (b *Buyer) gateway(endpoint string) *gateway.Client {
	return &gateway.Client{Endpoint: endpoint, Key: b.Key, HTTP: b.HTTP}
}

// send signs msgs, broadcasts them and waits for the commit; a
// transaction that failed in its block is an error naming its log.
func (b *Buyer) send(ctx context.Context, what string, msgs ...*ledgerpb.Msg) (client.TxResult, error) {
	res, err := b.Chain.Send(ctx, b.Key, b.ChainID, b.Fee, msgs...)
	if err != nil {
		return res, fmt.Errorf("%s: %w", what, err)
	}
	if res.Code != 0 {
		return res, fmt.Errorf("%s: transaction %X failed: code %d (%s): %s", what, res.Hash, res.Code, res.Codespace, res.Log)
	}
	return res, nil
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

// height returns the latest committed height.
func (b *Buyer) height(ctx context.Context) (int64, error) {
	st, err := b.Chain.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("node status: %w", err)
	}
	return st.SyncInfo.LatestBlockHeight, nil
}

// Order returns the order id with its bids (while open).
func (b *Buyer) Order(ctx context.Context, id uint64) (*ledgerpb.OrderResponse, error) {
	var r ledgerpb.OrderResponse
	if err := b.query(ctx, app.PathOrder, mustMarshal(&ledgerpb.OrderRequest{OrderId: id}), &r); err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	return &r, nil
}

// nodeEndpoint returns the registered endpoint of the node with key.
func (b *Buyer) nodeEndpoint(ctx context.Context, key []byte) (string, error) {
	var st ledgerpb.NodeStatus
	if err := b.query(ctx, app.PathNode, mustMarshal(&ledgerpb.NodeRequest{NodePubkey: key}), &st); err != nil {
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
	err = b.nodes(ctx, h+1, func(n *ledgerpb.NodeStatus) {
		if !n.Expired {
			out = append(out, n.Node)
		}
	})
	return out, err
}

// nodes calls each on every registered node, judged at height, page by
// page.
func (b *Buyer) nodes(ctx context.Context, height int64, each func(*ledgerpb.NodeStatus)) error {
	return client.QueryPages(ctx, b.Chain, app.PathNodes,
		func(p *ledgerpb.PageRequest) proto.Message { return &ledgerpb.NodesRequest{Height: height, Page: p} },
		func(r *ledgerpb.NodesResponse) error {
			for _, n := range r.Nodes {
				each(n)
			}
			return nil
		})
}

// balance returns the buyer's spendable balance in ucell.
func (b *Buyer) balance(ctx context.Context) (uint64, error) {
	var r ledgerpb.BalanceResponse
	if err := b.query(ctx, app.PathBalance, b.Address.Bytes(), &r); err != nil {
		return 0, err
	}
	return r.Balance, nil
}

package order

import (
	"context"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"slices"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/nodeapi"
)

// logMark is a position in the reputation update log.
type logMark struct{ cycle, index uint64 }

// logFrom reads the pages of a cycle's log from entry start on, through
// RPC blips.
func (b *Buyer) logFrom(ctx context.Context, cycle, start uint64) ([]*ledgerpb.ReputationLogResponse, error) {
	return ask(ctx, b, query.ReputationLog, func(ctx context.Context) ([]*ledgerpb.ReputationLogResponse, error) {
		return client.All(b.Chain.ReputationLog(ctx, cycle, start))
	})
}

// logMark returns the end of the open cycle's reputation log.
func (b *Buyer) logMark(ctx context.Context) (logMark, error) {
	cycle, err := ask(ctx, b, query.ReputationLog, b.Chain.OpenCycle)
	if err != nil {
		return logMark{}, err
	}
	pages, err := b.logFrom(ctx, cycle, 0)
	if err != nil {
		return logMark{}, err
	}
	m := logMark{cycle: cycle}
	for _, p := range pages {
		m.index += uint64(len(p.Entries))
	}
	return m, nil
}

// expect is a reputation log entry an order's transition appends.
type expect struct {
	user   address.Address
	role   string
	amount *big.Int
}

// ratingEntries are the two entries the ledger appends when the ratings
// of o become final (ledger/market finalizeRatings): the provider earns
// from the buyer's stars, the buyer from the provider's, both on the
// payment the provider received, each side that did not reveal less
// payment / NoRevealPenaltyDivisor; an unrevealed rating counts as 5
// stars. (Sides the registry links earn nothing: no entries are found.)
func ratingEntries(o *ledgerpb.Order) [2]expect {
	r := o.GetRatings()
	payment := r.GetPayment()
	counted := func(revealed bool, stars uint32) uint8 {
		if revealed {
			return uint8(stars)
		}
		return market.MaxStars
	}
	earned := func(stars uint8, revealed bool) *big.Int {
		a := reputation.RatingAmount(payment, stars)
		if !revealed {
			a.Sub(a, new(big.Int).SetUint64(payment/market.NoRevealPenaltyDivisor))
		}
		return a
	}
	return [2]expect{
		{address.Address(o.Contract.Provider), "provider", earned(counted(r.GetBuyerRevealed(), r.GetBuyerStars()), r.GetProviderRevealed())},
		{address.Address(o.Buyer), "buyer", earned(counted(r.GetProviderRevealed(), r.GetProviderStars()), r.GetBuyerRevealed())},
	}
}

// disputeEntries are the two entries a decided dispute of o appends:
// the price to the winner, then minus the price to the loser; none when
// undecided.
func disputeEntries(o *ledgerpb.Order) ([2]expect, bool) {
	price := new(big.Int).SetUint64(o.GetContract().GetPrice())
	provider := expect{address.Address(o.Contract.Provider), "provider", nil}
	buyer := expect{address.Address(o.Buyer), "buyer", nil}
	switch o.GetDispute().GetVerdict() {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_PROVIDER_WON:
		provider.amount, buyer.amount = price, new(big.Int).Neg(price)
		return [2]expect{provider, buyer}, true
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		buyer.amount, provider.amount = price, new(big.Int).Neg(price)
		return [2]expect{buyer, provider}, true
	}
	return [2]expect{}, false
}

// reputationSince finds, in the reputation log after mark, the first two
// consecutive entries that are want's: the ledger appends an order's
// entries together, in one block. It returns nil when they are not (yet)
// there.
func (b *Buyer) reputationSince(ctx context.Context, mark logMark, want [2]expect) ([]ReputationEntry, error) {
	var prev *ReputationEntry
	var prevEntry reputation.Entry
	cycle, index := mark.cycle, mark.index
	match := func(e reputation.Entry, x expect) bool { return e.User == x.user && e.Amount.Cmp(x.amount) == 0 }
	for {
		pages, err := b.logFrom(ctx, cycle, index)
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			for i, rec := range p.Entries {
				e, err := reputation.EntryFromRecord(rec)
				if err != nil {
					return nil, err
				}
				cur := &ReputationEntry{Cycle: cycle, Index: p.Start + uint64(i), User: e.User.String(), Role: want[1].role, Skill: e.Skill, Amount: e.Amount.String()}
				if prev != nil && match(prevEntry, want[0]) && match(e, want[1]) {
					prev.Role = want[0].role
					return []ReputationEntry{*prev, *cur}, nil
				}
				prev, prevEntry = cur, e
			}
		}
		if len(pages) == 0 || cycle >= pages[0].CurrentCycle {
			return nil, nil
		}
		cycle, index = cycle+1, 0
	}
}

// Details is an order as Show reports it: the ledger's record with its
// bids, and the provider node's job when there is one.
type Details struct {
	Order *ledgerpb.Order `json:"-"`
	Bids  []*ledgerpb.Bid `json:"-"`
	// Endpoint is the provider node's registered endpoint.
	Endpoint string `json:"endpoint,omitempty"`
	// Job is the node's job status, when the node answered.
	Job *nodeapi.JobStatus `json:"job,omitempty"`
	// JobError says why there is no Job, when a contract names a node.
	JobError string `json:"job_error,omitempty"`
}

// Show returns order id with its bids, contract, delivery, dispute and
// the provider node's public job status, asked with hc (nil: the
// default HTTP client). It needs no key.
func Show(ctx context.Context, c *client.Client, hc *http.Client, id uint64) (*Details, error) {
	r, err := c.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	d := &Details{Order: r.Order, Bids: r.Bids}
	if ct := r.Order.GetContract(); ct != nil && len(ct.NodeKey) > 0 {
		st, err := c.Node(ctx, ct.NodeKey, 0)
		if err != nil {
			d.JobError = fmt.Sprintf("node %x: %v", ct.NodeKey, err)
			return d, nil
		}
		d.Endpoint = st.GetNode().GetEndpoint()
		js, err := (&nodeapi.Client{Endpoint: d.Endpoint, HTTP: hc}).Job(ctx, id)
		if err != nil {
			d.JobError = err.Error()
		} else {
			d.Job = &js
		}
	}
	return d, nil
}

// List returns the orders of buyer, by id, only those in state unless
// state is ORDER_STATE_UNSPECIFIED. It needs no key.
func List(ctx context.Context, c *client.Client, buyer address.Address, state ledgerpb.OrderState) ([]*ledgerpb.Order, error) {
	var out []*ledgerpb.Order
	for o, err := range c.Orders(ctx, client.OrdersFilter{Buyer: buyer}) {
		if err != nil {
			return nil, err
		}
		if state == ledgerpb.OrderState_ORDER_STATE_UNSPECIFIED || o.State == state {
			out = append(out, o)
		}
	}
	return out, nil
}

// CloseOptions are the options of Close.
type CloseOptions struct {
	// OutDir receives the outputs (see WriteOutputs); empty: not written.
	OutDir string
	// Stars is the rating, 0 to 5 (nil: DefaultStars, or NonExitedStars
	// for a run that did not exit).
	Stars *uint32
	// Inputs are the order's input files by name; when given, a dispute
	// that Close opens sends them to the drawn verifiers.
	Inputs map[string]string
	// DisputeStake as in Request.
	DisputeStake uint64
	// NoWaitFinal as in Request.
	NoWaitFinal bool
	// Progress receives every step; may be nil.
	Progress func(Step)
}

// newRun starts the state of a helper on an existing order.
func (b *Buyer) newRun(o *ledgerpb.Order, inputs map[string]string, progress func(Step)) (*run, error) {
	x := &run{b: b, r: &Result{OrderID: o.Id, PackageID: hex.EncodeToString(o.PackageId), InputRoot: hex.EncodeToString(o.InputRoot),
		State: market.StateName(o.State)}, progress: progress}
	if c := o.GetContract(); c != nil {
		x.r.Provider, x.r.NodeKey, x.r.Price, x.r.Heights.Awarded = address.Address(c.Provider).String(), hex.EncodeToString(c.NodeKey), c.Price, c.AwardHeight
	}
	x.r.Heights.Created = o.CreatedHeight
	if inputs != nil {
		files, root, err := hashInputs(inputs)
		if err != nil {
			return nil, err
		}
		if !slices.Equal(root[:], o.InputRoot) {
			return nil, fieldErr("inputs", "the files' input root %x is not order %d's input root %x", root, o.Id, o.InputRoot)
		}
		x.haveInputs, x.inputs, x.files = true, inputs, files
	}
	return x, nil
}

// Close downloads the results of a DELIVERED order of the buyer from the
// provider's node, verifies them against the delivered root, writes
// them, closes the order and reveals the rating, as Run does from its
// delivery; a verification failure opens a dispute instead. Unlike Run,
// Close also closes the delivery of a run that did not exit when it
// cannot be verified locally (ErrNotVerifiable): the buyer asked to
// accept it. For an order the buyer closed already but did not reveal
// (its process ended in between), Close reveals the rating kept in its
// State.
func (b *Buyer) Close(ctx context.Context, id uint64, opt CloseOptions) (*Result, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o := r.Order
	if err := b.mine(o); err != nil {
		return nil, err
	}
	if o.State == ledgerpb.OrderState_ORDER_STATE_CLOSED && !o.GetRatings().GetBuyerRevealed() && !o.GetRatings().GetFinal() {
		// Closed by this buyer earlier, whose process ended before the
		// reveal: reveal the saved rating now.
		st, err := b.state(id)
		if err != nil {
			return nil, err
		}
		if r := st.Rating; r != nil {
			x, err := b.newRun(o, opt.Inputs, opt.Progress)
			if err != nil {
				return nil, err
			}
			x.r.State = market.StateName(o.State)
			res, err := x.reveal(ctx, o, r.Stars, r.Salt, opt.NoWaitFinal)
			return res, x.interrupted(ctx, err)
		}
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED {
		return nil, fieldErr("order", "order %d is %s: only a delivered order can be closed", id, market.StateName(o.State))
	}
	if opt.Stars != nil && *opt.Stars > market.MaxStars {
		return nil, fieldErr("stars", "%d: must be 0 to %d", *opt.Stars, market.MaxStars)
	}
	x, err := b.newRun(o, opt.Inputs, opt.Progress)
	if err != nil {
		return nil, err
	}
	endpoint, err := b.nodeEndpoint(ctx, o.Contract.NodeKey)
	if err != nil {
		return x.r, fmt.Errorf("order %d: the provider's node: %w", id, err)
	}
	x.r.Endpoint = endpoint
	x.onFailure, x.failureOK = OnFailureClose, true
	res, err := x.finish(ctx, o, b.nodeAPI(endpoint), opt.OutDir, opt.Stars, opt.DisputeStake, opt.NoWaitFinal, true)
	x.setTxCost()
	return res, x.interrupted(ctx, err)
}

// mine checks that the buyer placed o.
func (b *Buyer) mine(o *ledgerpb.Order) error {
	if address.Address(o.Buyer) != b.Address {
		return fieldErr("order", "order %d belongs to buyer %s, not %s", o.Id, address.Address(o.Buyer), b.Address)
	}
	return nil
}

// DisputeOptions are the options of Dispute.
type DisputeOptions struct {
	// Claim and Outcome default to wrong-result and refund.
	Claim   ledgerpb.DisputeClaim
	Outcome ledgerpb.DisputeOutcome
	// Stake is the dispute stake in ucell (default: min_dispute_stake).
	Stake uint64
	// Inputs are the order's input files by name (checked against its
	// input root); when given, they are sent to the drawn verifiers.
	Inputs map[string]string
	// Wait follows the dispute to its decision, revealing the seed of
	// every round; without it Dispute returns once the first round's
	// verifiers are drawn.
	Wait bool
	// Progress receives every step; may be nil.
	Progress func(Step)
}

// Dispute opens a dispute of a DELIVERED order of the buyer; for a
// compute package it keeps a new seed chain in the order's State and
// reveals the first round's seed in the next block, which draws the
// verifiers. On an order DISPUTED already it goes on where the dispute
// is: it reveals the seed of a round that waits for one from the State
// kept when the dispute was opened (so a buyer whose process ended can
// resume), and sends the inputs again to the verifiers drawn.
func (b *Buyer) Dispute(ctx context.Context, id uint64, opt DisputeOptions) (*Result, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o := r.Order
	if err := b.mine(o); err != nil {
		return nil, err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_DELIVERED && o.State != ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return nil, fieldErr("order", "order %d is %s: only a delivered order can be disputed, or a disputed one followed", id, market.StateName(o.State))
	}
	if opt.Claim == ledgerpb.DisputeClaim_DISPUTE_CLAIM_UNSPECIFIED {
		opt.Claim = ledgerpb.DisputeClaim_DISPUTE_CLAIM_WRONG_RESULT
	}
	if opt.Outcome == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_UNSPECIFIED {
		opt.Outcome = ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND
	}
	if opt.Stake != 0 && opt.Stake < b.Params.MinDisputeStake {
		return nil, fieldErr("stake", "%d ucell: must be at least the chain's min_dispute_stake %d ucell", opt.Stake, b.Params.MinDisputeStake)
	}
	x, err := b.newRun(o, opt.Inputs, opt.Progress)
	if err != nil {
		return nil, err
	}
	if o.State == ledgerpb.OrderState_ORDER_STATE_DISPUTED {
		return x.resumeDispute(ctx, o, opt.Wait)
	}
	x.r.OutputRoot, x.r.Heights.Delivered, x.r.RunResult = hex.EncodeToString(o.Delivery.OutputRoot), o.Delivery.Height, market.RunResultName(o.Delivery.Result)
	return x.dispute(ctx, o, opt.Claim, opt.Outcome, opt.Stake, "", opt.Wait)
}

// Cancel cancels an OPEN order of the buyer; max price and PO stake
// return (market.md: "buyer cancels → CANCELLED").
func (b *Buyer) Cancel(ctx context.Context, id uint64, progress func(Step)) (*Result, error) {
	r, err := b.Order(ctx, id)
	if err != nil {
		return nil, err
	}
	o := r.Order
	if err := b.mine(o); err != nil {
		return nil, err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_OPEN {
		return nil, fieldErr("order", "order %d is %s: only an open order can be cancelled", id, market.StateName(o.State))
	}
	x, err := b.newRun(o, nil, progress)
	if err != nil {
		return nil, err
	}
	_, h, err := x.send(ctx, fmt.Sprintf("cancel order %d", id), &ledgerpb.Msg{Sum: &ledgerpb.Msg_CancelOrder{CancelOrder: &ledgerpb.MsgCancelOrder{OrderId: id}}})
	if err != nil {
		return x.r, err
	}
	x.r.Heights.Cancelled, x.r.Refund, x.r.State = h, o.MaxPrice+o.PoStake, market.StateName(ledgerpb.OrderState_ORDER_STATE_CANCELLED)
	b.forget(id)
	x.report(Step{Kind: StepCancelled, Height: h, Refund: x.r.Refund})
	return x.r, nil
}

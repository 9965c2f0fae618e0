package order

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// receiptGuard is what a run did about the input receipt of the current
// contract, so that it reports and acts once per cause.
type receiptGuard struct {
	receipt       []byte // the receipt held, kept in the order's State too
	kept, refused bool   // a receipt was kept, or one that does not verify was refused
	reported      bool   // the provider's report of missing inputs was reported
	posted        bool   // the receipt was posted, or the attempt failed for good
}

// newGuard returns the guard of o's contract, holding the receipt kept
// in the order's State if it is this contract node's (a redo by the same
// provider keeps it).
func (x *run) newGuard(o *ledgerpb.Order) error {
	x.guard = receiptGuard{}
	st, err := x.b.state(o.Id)
	if err != nil {
		return err
	}
	if validReceipt(x.b.ChainID, o, st.InputReceipt) {
		x.guard.receipt = st.InputReceipt
	}
	return nil
}

// validReceipt reports whether sig is the input receipt of o's contract
// node on chain chainID (market.InputReceiptBytes).
func validReceipt(chainID string, o *ledgerpb.Order, sig []byte) bool {
	key := o.GetContract().GetNodeKey()
	return len(key) == ed25519.PublicKeySize && len(sig) == ed25519.SignatureSize &&
		ed25519.Verify(key, market.InputReceiptBytes(chainID, o.Id, o.InputRoot), sig)
}

// keepReceipt keeps the provider's input receipt sigHex (hex; empty:
// none yet) of o in the order's State once it verifies against the
// contract's node key; a receipt that does not verify is reported and not
// kept.
func (x *run) keepReceipt(o *ledgerpb.Order, sigHex string) error {
	if sigHex == "" || x.guard.kept {
		return nil
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || !validReceipt(x.b.ChainID, o, sig) {
		if !x.guard.refused {
			x.guard.refused = true
			x.report(Step{Kind: StepReceipt, NodeKey: hex.EncodeToString(o.Contract.NodeKey),
				Detail: fmt.Sprintf("the node's input receipt %.16s… is not its node key's signature of order %d's inputs", sigHex, o.Id)})
		}
		return nil
	}
	if err := x.b.updateState(o.Id, func(s *State) { s.InputReceipt = sig }); err != nil {
		return fmt.Errorf("order %d: keep the input receipt: %w", o.Id, err)
	}
	x.guard.kept, x.guard.receipt = true, sig
	x.report(Step{Kind: StepReceipt, NodeKey: hex.EncodeToString(o.Contract.NodeKey)})
	return nil
}

// guardContract looks after the buyer's side of an AWARDED order o: when
// the provider reported the inputs missing, the buyer answers with the
// input receipt it holds, which voids the report (ledger/market
// PostInputReceipt); when the delivery deadline is within ReceiptMargin
// blocks and nothing is delivered, it posts the receipt so that a missed
// delivery pays the buyer its share of the bid stake (fail_slash_buyer_bps)
// instead of the treasury all of it. A receipt shown already is not
// posted again. A post the chain refuses is reported, not returned: the
// order goes on to its deadline either way.
func (x *run) guardContract(ctx context.Context, o *ledgerpb.Order) error {
	c := o.Contract
	if c.InputReceiptHeight != 0 || x.guard.posted {
		return nil
	}
	receipt := x.guard.receipt
	if c.MissingInputsDeadline != 0 {
		if !x.guard.reported {
			x.guard.reported = true
			reported := c.MissingInputsDeadline - int64(x.b.Params.GetInputContestWindowBlocks())
			x.r.Heights.MissingInputs = reported
			detail := "the buyer answers with the provider's input receipt"
			if receipt == nil {
				detail = "the buyer holds no input receipt of this node: the order will fail and everybody be refunded"
			}
			x.report(Step{Kind: StepMissingInputs, Height: reported, Deadline: c.MissingInputsDeadline - 1, Detail: detail})
		}
		if receipt == nil {
			return nil
		}
		return x.postReceipt(ctx, o, receipt, "it voids the provider's report of missing inputs")
	}
	if receipt == nil {
		return nil
	}
	h, err := x.b.height(ctx)
	if err != nil || h < c.DeliveryDeadline-x.b.receiptMargin() {
		return err
	}
	return x.postReceipt(ctx, o, receipt, fmt.Sprintf("nothing is delivered and the delivery deadline %d is near", c.DeliveryDeadline))
}

// postReceipt posts sig, the input receipt of o, once.
func (x *run) postReceipt(ctx context.Context, o *ledgerpb.Order, sig []byte, why string) error {
	x.guard.posted = true
	_, h, err := x.send(ctx, fmt.Sprintf("post the input receipt of order %d", o.Id), &ledgerpb.Msg{Sum: &ledgerpb.Msg_PostInputReceipt{
		PostInputReceipt: &ledgerpb.MsgPostInputReceipt{OrderId: o.Id, Signature: sig}}})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// A delivery that came meanwhile makes the receipt moot.
		if r, oerr := x.b.Order(ctx, o.Id); oerr == nil && r.Order.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
			return nil
		}
		x.report(Step{Kind: StepReceiptPosted, Detail: err.Error()})
		return nil
	}
	x.r.Heights.ReceiptPosted = h
	x.report(Step{Kind: StepReceiptPosted, Height: h, Detail: why})
	return nil
}

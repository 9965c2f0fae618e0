package market

import (
	"crypto/ed25519"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// InputReceiptDomain separates input receipts from every other signature
// of the system.
const InputReceiptDomain = "celltonomy/input-receipt/v1"

// InputReceiptBytes returns what a provider's node signs, with its node
// key, when it holds an order's inputs and accepts to run them:
// InputReceiptDomain ‖ 0x00 ‖ chain id ‖ 0x00 ‖ order id (8, big-endian)
// ‖ input root (32). The buyer keeps the signature and shows it on chain
// (MsgPostInputReceipt) only when it needs it: to void a report of
// missing inputs, or to be compensated for a missed delivery.
func InputReceiptBytes(chainID string, orderID uint64, inputRoot []byte) []byte {
	return store.Key([]byte(InputReceiptDomain), []byte{0}, []byte(chainID), []byte{0}, store.Uint64(orderID), inputRoot)
}

// SignInputReceipt returns a node key's input receipt of an order
// (InputReceiptBytes), 64 bytes.
func SignInputReceipt(nodeKey ed25519.PrivateKey, chainID string, orderID uint64, inputRoot []byte) []byte {
	return ed25519.Sign(nodeKey, InputReceiptBytes(chainID, orderID, inputRoot))
}

// ValidatePostInputReceipt checks a MsgPostInputReceipt without state: a
// 64-byte signature (ErrBadReceipt).
func ValidatePostInputReceipt(m *ledgerpb.MsgPostInputReceipt) error {
	if len(m.Signature) != ed25519.SignatureSize {
		return ErrBadReceipt.Errorf("post_input_receipt: signature: must be %d bytes, got %d", ed25519.SignatureSize, len(m.Signature))
	}
	return nil
}

// PostInputReceipt executes a MsgPostInputReceipt, signed by anyone (the
// buyer, usually), in the block at height of chain chainID:
// ValidatePostInputReceipt's rules, then the order exists (ErrNoOrder)
// and is AWARDED (ErrWrongState) without a receipt shown yet
// (ErrReceiptExists), and the signature verifies under the contract's
// node key over InputReceiptBytes(chainID, order id, input root)
// (ErrBadReceipt), at a height up to the delivery deadline
// (ErrWindowClosed). With a report of missing inputs pending, it must come
// before the report's deadline instead (ErrWindowClosed): it voids the report,
// and the provider is again held to its delivery deadline — or, when
// that has passed, the contract fails at once as a missed delivery after
// a receipt (see fail).
func (k Keeper) PostInputReceipt(st store.KVStore, ev *event.Log, p *ledgerpb.Params, chainID string, height int64, signer address.Address, m *ledgerpb.MsgPostInputReceipt) error {
	const op = "post_input_receipt"
	if err := ValidatePostInputReceipt(m); err != nil {
		return err
	}
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	}
	c := o.Contract
	if c.InputReceiptHeight != 0 {
		return ErrReceiptExists.Errorf("%s: order %d: a receipt was shown at height %d", op, o.Id, c.InputReceiptHeight)
	}
	if len(c.NodeKey) != ed25519.PublicKeySize || !ed25519.Verify(c.NodeKey, InputReceiptBytes(chainID, o.Id, o.InputRoot), m.Signature) {
		return ErrBadReceipt.Errorf("%s: order %d: signature: not the receipt of node %x for input root %x", op, o.Id, c.NodeKey, o.InputRoot)
	}
	switch {
	case c.MissingInputsDeadline != 0 && height >= c.MissingInputsDeadline:
		return ErrWindowClosed.Errorf("%s: order %d: the report of missing inputs could be answered until height %d", op, o.Id, c.MissingInputsDeadline-1)
	case c.MissingInputsDeadline == 0 && height > c.DeliveryDeadline:
		return ErrWindowClosed.Errorf("%s: order %d: receipts are shown by the delivery deadline, height %d", op, o.Id, c.DeliveryDeadline)
	}
	contested := c.MissingInputsDeadline != 0
	st.Delete(DueKey(awardedDue(c), o.Id))
	c.MissingInputsDeadline, c.InputReceiptHeight = 0, height
	ev.Emit(EventInputReceiptPosted{OrderID: o.Id, By: signer, NodeKey: c.NodeKey, VoidedReport: contested})
	if height > c.DeliveryDeadline {
		k.fail(st, ev, p, height, o)
		return nil
	}
	k.write(st, o, o.State, height)
	st.Set(DueKey(awardedDue(c), o.Id), marker)
	return nil
}

// ValidateReportMissingInputs checks a MsgReportMissingInputs: nothing
// to check without state.
func ValidateReportMissingInputs(*ledgerpb.MsgReportMissingInputs) error { return nil }

// ReportMissingInputs executes a MsgReportMissingInputs signed by the
// provider in the block at height: the order exists (ErrNoOrder), is
// AWARDED (ErrWrongState) to the signer (ErrNotProvider), no input
// receipt was shown (ErrReceiptExists) nor a report made
// (ErrAlreadyReported), and the height is from the contract's input
// deadline to its delivery deadline (ErrWindowClosed: the buyer had
// input_window_blocks to upload, and a report after the deadline is
// late). The report stands unless the buyer shows the provider's receipt
// within input_contest_window_blocks; the hook at report height +
// input_contest_window_blocks then ends the contract with
// FAIL_REASON_INPUTS_MISSING: everybody gets their funds back.
func (k Keeper) ReportMissingInputs(st store.KVStore, ev *event.Log, p *ledgerpb.Params, height int64, signer address.Address, m *ledgerpb.MsgReportMissingInputs) error {
	const op = "report_missing_inputs"
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	}
	if IsServiceOrder(o) {
		return ErrServiceOrder.Errorf("%s: order %d is a service order: it has no inputs to miss", op, o.Id)
	}
	c := o.Contract
	switch {
	case address.Address(c.Provider) != signer:
		return ErrNotProvider.Errorf("%s: order %d: awarded to %s, not %s", op, o.Id, address.Address(c.Provider), signer)
	case c.InputReceiptHeight != 0:
		return ErrReceiptExists.Errorf("%s: order %d: the provider's input receipt was shown at height %d", op, o.Id, c.InputReceiptHeight)
	case c.MissingInputsDeadline != 0:
		return ErrAlreadyReported.Errorf("%s: order %d: reported already; it is settled at height %d", op, o.Id, c.MissingInputsDeadline)
	case height < c.InputDeadline || height > c.DeliveryDeadline:
		return ErrWindowClosed.Errorf("%s: order %d: missing inputs can be reported from height %d to %d", op, o.Id, c.InputDeadline, c.DeliveryDeadline)
	}
	st.Delete(DueKey(awardedDue(c), o.Id))
	c.MissingInputsDeadline = height + int64(p.InputContestWindowBlocks)
	k.write(st, o, o.State, height)
	st.Set(DueKey(awardedDue(c), o.Id), marker)
	ev.Emit(EventMissingInputsReported{OrderID: o.Id, Provider: signer, ContestDeadline: c.MissingInputsDeadline})
	return nil
}

package market

import (
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/event"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/store"
)

// IsServicePackage reports whether pkg is a service package: a compute
// package whose envelope declared service ports (the spec's API slots).
func IsServicePackage(pkg *ledgerpb.Package) bool {
	return pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE && len(pkg.ServicePorts) > 0
}

// IsServiceOrder reports whether o is a service order (service_blocks > 0).
func IsServiceOrder(o *ledgerpb.Order) bool { return o.ServiceBlocks > 0 }

// ServiceEnd returns the height at which an awarded service order ends
// by itself: award height + service_blocks.
func ServiceEnd(o *ledgerpb.Order) int64 {
	return o.Contract.AwardHeight + int64(o.ServiceBlocks)
}

// ServiceBound returns the most blocks a delivery of the awarded service
// order o at height may claim served: min(height, the buyer's stop
// height if any, ServiceEnd) − award height. A receipt claiming more is
// refused (ErrServedBlocks).
func ServiceBound(o *ledgerpb.Order, height int64) uint64 {
	c := o.Contract
	end := min(height, ServiceEnd(o))
	if c.StopHeight != 0 {
		end = min(end, c.StopHeight)
	}
	if end <= c.AwardHeight {
		return 0
	}
	return uint64(end - c.AwardHeight)
}

// ServiceCharge returns what a service order's provider is paid for
// served of serviceBlocks blocks at price (ucell, for the whole
// duration): floor(price × served / serviceBlocks); the rest of the
// price returns to the buyer. served <= serviceBlocks.
func ServiceCharge(price, served, serviceBlocks uint64) uint64 {
	if serviceBlocks == 0 || served >= serviceBlocks {
		return price
	}
	hi, lo := bits.Mul64(price, served)
	q, _ := bits.Div64(hi, lo, serviceBlocks) // served < serviceBlocks: q < price
	return q
}

// checkServiceOrder checks the service fields of a MsgCreateOrder
// against its package: service_blocks 1 to market_max_service_blocks
// (ErrServiceBlocks) exactly when the package is a service package
// (ErrServiceBlocks for a service package ordered without a duration,
// ErrNotService for a batch package ordered with one).
func checkServiceOrder(op string, m *ledgerpb.MsgCreateOrder, pkg *ledgerpb.Package, p *ledgerpb.Params) error {
	service := IsServicePackage(pkg)
	switch {
	case m.ServiceBlocks == 0 && service:
		return ErrServiceBlocks.Errorf("%s: service_blocks: 0: package %x is a service package: order it for a duration of 1 to %d blocks", op, m.PackageId, p.MarketMaxServiceBlocks)
	case m.ServiceBlocks != 0 && !service:
		return ErrNotService.Errorf("%s: service_blocks %d: package %x declares no API slots: it is a batch package, ordered with service_blocks 0", op, m.ServiceBlocks, m.PackageId)
	case m.ServiceBlocks > p.MarketMaxServiceBlocks:
		return ErrServiceBlocks.Errorf("%s: service_blocks %d: at most market_max_service_blocks %d", op, m.ServiceBlocks, p.MarketMaxServiceBlocks)
	}
	return nil
}

// ValidateStopService checks a MsgStopService without state: nothing to
// check.
func ValidateStopService(*ledgerpb.MsgStopService) error { return nil }

// StopService executes a MsgStopService signed by the buyer in the block
// at height: the order must exist (ErrNoOrder), be a service order
// (ErrNotService), the signer's (ErrNotBuyer), AWARDED (ErrWrongState:
// before the award the buyer cancels instead; after the delivery the
// service is over), not stopped already (ErrServiceStopped) and below its
// end, ServiceEnd (ErrWindowClosed). The contract records the stop
// height, which bounds the blocks a delivery may claim (ServiceBound),
// and its delivery deadline moves to at most height + delivery_window:
// the node has the order's delivery window to post its usage receipt.
func (k Keeper) StopService(st store.KVStore, ev *event.Log, height int64, signer address.Address, m *ledgerpb.MsgStopService) error {
	const op = "stop_service"
	o, err := k.order(st, op, m.OrderId)
	if err != nil {
		return err
	}
	if !IsServiceOrder(o) {
		return ErrNotService.Errorf("%s: order %d is a batch order: only a service order is stopped", op, o.Id)
	}
	if address.Address(o.Buyer) != signer {
		return ErrNotBuyer.Errorf("%s: order %d: only its buyer %s may stop it", op, o.Id, address.Address(o.Buyer))
	}
	if o.State != ledgerpb.OrderState_ORDER_STATE_AWARDED {
		return wrongState(op, o, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	}
	c := o.Contract
	if c.StopHeight != 0 {
		return ErrServiceStopped.Errorf("%s: order %d: stopped already at height %d", op, o.Id, c.StopHeight)
	}
	if end := ServiceEnd(o); height >= end {
		return ErrWindowClosed.Errorf("%s: order %d: the service ended at height %d", op, o.Id, end)
	}
	st.Delete(DueKey(awardedDue(c), o.Id))
	c.StopHeight = height
	c.DeliveryDeadline = min(c.DeliveryDeadline, height+int64(o.DeliveryWindow))
	c.InputDeadline = min(c.InputDeadline, c.DeliveryDeadline)
	k.write(st, o, o.State, height)
	st.Set(DueKey(awardedDue(c), o.Id), marker)
	ev.Emit(EventServiceStopped{OrderID: o.Id, Buyer: signer, StopHeight: height, ServedBound: ServiceBound(o, height),
		DeliveryDeadline: c.DeliveryDeadline})
	return nil
}

// checkServiceDelivery checks the usage receipt of a MsgDeliver against
// the order at height: a service order's served_blocks is at most
// ServiceBound (ErrServedBlocks); a batch order's delivery carries no
// usage (ErrNotService).
func checkServiceDelivery(op string, o *ledgerpb.Order, m *ledgerpb.MsgDeliver, height int64) error {
	if !IsServiceOrder(o) {
		if m.ServedBlocks != 0 || m.Calls != 0 || m.BytesIn != 0 || m.BytesOut != 0 {
			return ErrNotService.Errorf("%s: order %d is a batch order: served_blocks, calls, bytes_in and bytes_out must be 0", op, o.Id)
		}
		return nil
	}
	if bound := ServiceBound(o, height); m.ServedBlocks > bound {
		return ErrServedBlocks.Errorf("%s: order %d: served_blocks %d: at most %d blocks were served by height %d (award %d, end %d, stop %d)",
			op, o.Id, m.ServedBlocks, bound, height, o.Contract.AwardHeight, ServiceEnd(o), o.Contract.StopHeight)
	}
	return nil
}

// serviceNotDisputable is the error of a message that does not apply to a
// service order: a dispute (nothing to re-execute: a service's answers
// depend on the calls the buyer made, which the chain never saw; the
// buyer's recourse is to stop early and rate) or a report of missing
// inputs (a service has none).
func serviceNotDisputable(op string, o *ledgerpb.Order) error {
	return ErrServiceOrder.Errorf("%s: order %d is a service order: it cannot be re-executed by verifiers, whose answers would depend on calls the chain never saw; stop it early (stop_service) and rate it instead", op, o.Id)
}

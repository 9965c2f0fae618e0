// Package service is the buyer's side of service orders (ledger/market:
// "Service orders"): order a service package for a number of blocks,
// reach the instance the awarded node runs (an address and a per-client
// token, asked with the buyer's signature), call its slots through the
// node, stop it early, and list the buyer's instances. cmd/cell's
// `cell service` commands are thin shells over it.
package service

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/spec"
)

// Buyer orders and calls services as the account of Key on the chain
// Client talks to.
type Buyer struct {
	Client  *client.Client
	Key     ed25519.PrivateKey
	ChainID string
	// Fee is each transaction's fee in ucell (0: the chain's min_fee).
	Fee uint64
	// HTTP talks to the nodes (nil: http.DefaultClient).
	HTTP *http.Client
}

// Address returns the buyer's account address.
func (b *Buyer) Address() address.Address {
	a, _ := address.FromPubKey(b.Key.Public().(ed25519.PublicKey))
	return a
}

// NoInputs is the input root of a service order: the SHA-256 of nothing
// (a service has no input files).
var NoInputs = sha256.Sum256(nil)

// Order is what Start orders.
type Order struct {
	// Package is a registered service package.
	Package spec.ID
	// Blocks is the service's duration in blocks (service_blocks).
	Blocks uint64
	// MaxPrice is the most the buyer pays for the whole duration, ucell.
	MaxPrice uint64
	// POStake is the PO stake in ucell (0: the chain's min_po_stake).
	POStake uint64
	// BidWindow, DeliveryWindow and ConfirmWindow are in blocks (0: 5,
	// 20 and 10).
	BidWindow, DeliveryWindow, ConfirmWindow uint64
	// Params are the order's parameters, sorted by key; the instance gets
	// them as environment variables (e.g. primer-design's SEQ_INDEX).
	Params []*ledgerpb.OrderParam
}

func (b *Buyer) fee(ctx context.Context) (uint64, *ledgerpb.Params, error) {
	p, err := b.Client.Params(ctx)
	if err != nil {
		return 0, nil, err
	}
	if b.Fee != 0 {
		return b.Fee, p, nil
	}
	return p.GetMinFee(), p, nil
}

func orDefault(v, d uint64) uint64 {
	if v == 0 {
		return d
	}
	return v
}

// Start posts a service order and returns its id. Errors are the
// ledger's, matched with errors.Is against market codes
// (market.ErrNotService for a batch package, market.ErrServiceBlocks for a
// duration out of bounds, ...).
func (b *Buyer) Start(ctx context.Context, o Order) (uint64, error) {
	fee, p, err := b.fee(ctx)
	if err != nil {
		return 0, err
	}
	res, err := b.Client.Send(ctx, b.Key, b.ChainID, fee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
		PackageId: o.Package[:], InputRoot: NoInputs[:], MaxPrice: o.MaxPrice, PoStake: orDefault(o.POStake, p.GetMinPoStake()),
		BidWindow: orDefault(o.BidWindow, 5), DeliveryWindow: orDefault(o.DeliveryWindow, 20), ConfirmWindow: orDefault(o.ConfirmWindow, 10),
		Replication: 1, ServiceBlocks: o.Blocks, Params: o.Params,
	}}})
	if err != nil {
		return 0, fmt.Errorf("service start: %w", err)
	}
	for _, e := range res.Events {
		if c, ok := e.(market.EventOrderCreated); ok {
			return c.OrderID, nil
		}
	}
	return 0, errors.New("service start: the transaction holds no order_created event")
}

// Stop sends the buyer's MsgStopService and returns the height it took
// effect at.
func (b *Buyer) Stop(ctx context.Context, id uint64) (int64, error) {
	fee, _, err := b.fee(ctx)
	if err != nil {
		return 0, err
	}
	res, err := b.Client.Send(ctx, b.Key, b.ChainID, fee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_StopService{StopService: &ledgerpb.MsgStopService{OrderId: id}}})
	if err != nil {
		return 0, fmt.Errorf("service stop %d: %w", id, err)
	}
	return res.Height, nil
}

// ErrNotAwarded: the order has no contract yet (or never will: expired,
// cancelled).
var ErrNotAwarded = errors.New("service order not awarded")

// node returns a client of the node the service order id is awarded to.
func (b *Buyer) node(ctx context.Context, id uint64) (*nodeapi.Client, *ledgerpb.Order, error) {
	r, err := b.Client.Order(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	o := r.GetOrder()
	if !market.IsServiceOrder(o) {
		return nil, nil, fmt.Errorf("order %d is a batch order, not a service", id)
	}
	if o.GetContract() == nil {
		return nil, o, fmt.Errorf("order %d is %s: %w", id, market.StateName(o.GetState()), ErrNotAwarded)
	}
	n, err := b.Client.Node(ctx, o.GetContract().GetNodeKey(), 0)
	if err != nil {
		return nil, o, fmt.Errorf("order %d: its node: %w", id, err)
	}
	return &nodeapi.Client{Endpoint: n.GetNode().GetEndpoint(), Key: b.Key, HTTP: b.HTTP}, o, nil
}

// Access asks the awarded node for the address and a token of the
// service's instance (nodeapi.Client.ServiceToken). Errors: ErrNotAwarded,
// or the node's *nodeapi.StatusError.
func (b *Buyer) Access(ctx context.Context, id uint64) (*nodeapi.ServiceAccess, error) {
	c, _, err := b.node(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.ServiceToken(ctx, id)
}

// WaitAccess is Access, asked again every poll until the order is
// awarded and its instance runs, or ctx ends.
func (b *Buyer) WaitAccess(ctx context.Context, id uint64, poll time.Duration) (*nodeapi.ServiceAccess, error) {
	for {
		a, err := b.Access(ctx, id)
		if err == nil {
			return a, nil
		}
		retry := errors.Is(err, ErrNotAwarded) || nodeapi.IsStatus(err, http.StatusNotFound) || nodeapi.IsStatus(err, http.StatusServiceUnavailable)
		if r, qerr := b.Client.Order(ctx, id); qerr == nil {
			switch r.GetOrder().GetState() {
			case ledgerpb.OrderState_ORDER_STATE_OPEN, ledgerpb.OrderState_ORDER_STATE_AWARDED:
			default:
				retry = false
			}
		}
		if !retry {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("service %d: %w (last: %v)", id, ctx.Err(), err)
		case <-time.After(poll):
		}
	}
}

// Call calls port of the instance a describes with req, through its
// node, and returns the answer (nodeapi.Client.CallService).
func (b *Buyer) Call(ctx context.Context, a *nodeapi.ServiceAccess, port int32, req []byte) ([]byte, error) {
	c := &nodeapi.Client{HTTP: b.HTTP}
	return c.CallService(ctx, a, port, req)
}

// Instance is one of the buyer's service orders, as List shows it.
type Instance struct {
	OrderID uint64
	Package []byte
	// Node is the endpoint of the awarded node; empty before the award.
	Node string
	// State is the order's state ("open", "awarded", "delivered", ...).
	State string
	// Blocks is the ordered duration; Served the blocks served so far
	// (delivered: the receipt's; awarded: up to Height, the stop or the
	// end).
	Blocks, Served uint64
	// Calls is the receipt's count of calls, once delivered.
	Calls uint64
}

// List returns the buyer's service orders, by id, as of the chain's
// latest height.
func (b *Buyer) List(ctx context.Context) ([]Instance, error) {
	st, err := b.Client.Status(ctx)
	if err != nil {
		return nil, err
	}
	height := st.SyncInfo.LatestBlockHeight
	var out []Instance
	for o, err := range b.Client.Orders(ctx, client.OrdersFilter{Buyer: b.Address()}) {
		if err != nil {
			return nil, err
		}
		if !market.IsServiceOrder(o) {
			continue
		}
		in := Instance{OrderID: o.GetId(), Package: o.GetPackageId(), State: market.StateName(o.GetState()), Blocks: o.GetServiceBlocks()}
		if c := o.GetContract(); c != nil {
			if n, err := b.Client.Node(ctx, c.GetNodeKey(), 0); err == nil {
				in.Node = n.GetNode().GetEndpoint()
			}
			switch {
			case o.GetDelivery() != nil:
				in.Served, in.Calls = o.GetDelivery().GetServedBlocks(), o.GetDelivery().GetCalls()
			case o.GetState() == ledgerpb.OrderState_ORDER_STATE_AWARDED:
				in.Served = market.ServiceBound(o, height)
			}
		}
		out = append(out, in)
	}
	return out, nil
}

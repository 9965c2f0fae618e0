package order

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// QuoteRequest asks who would serve an order and at what price.
type QuoteRequest struct {
	// Package is a package directory (with cell.toml), a .cellpkg file,
	// or a registered package id (64 hex digits), as in Request.
	Package string
	// Inputs maps each input name the package declares to a host file;
	// their sizes price the order (per_input_mib). Empty: the order is
	// priced at 0 input bytes.
	Inputs map[string]string
	// POStake is the PO stake in ucell (default: the chain's
	// min_po_stake).
	POStake uint64
}

// Quote is who would serve an order and what it would cost the buyer, as
// the nodes' published price lists say (registry.AskingPrice). Amounts in
// ucell.
type Quote struct {
	// PackageID is the package's id (64 hex digits); Name and Version
	// its envelope's.
	PackageID string `json:"package_id"`
	Name      string `json:"name"`
	Version   string `json:"version"`
	// Registered is false for a package directory or file not registered
	// yet: ordering it publishes it first (one more transaction).
	Registered bool `json:"registered"`
	// RoyaltyBps is the author's royalty, capped at max_royalty_bps.
	RoyaltyBps uint32 `json:"royalty_bps"`
	// InputBytes is the total size of the input files.
	InputBytes uint64 `json:"input_bytes"`
	// Offers are the active nodes that publish a price list and fit the
	// package, cheapest first (then by node key).
	Offers []Offer `json:"offers"`
	// Winner says who would likely win the award, and why
	// (market.md: "Award": lowest price, then higher proven reputation,
	// then lower bid hash); empty without offers.
	Winner string `json:"winner"`
	// Cost is what an order at the cheapest offer costs the buyer; nil
	// without offers.
	Cost *QuoteCost `json:"cost,omitempty"`
}

// Offer is one node's asking price for the order.
type Offer struct {
	// Provider is the node's operator, the account that would bid.
	Provider string `json:"provider"`
	NodeKey  string `json:"node_key"`
	Endpoint string `json:"endpoint"`
	Capacity uint32 `json:"capacity"`
	// Price is the node's asking price; NetworkFee, Royalty and Payment
	// split it as the close would (Breakdown).
	Price      uint64 `json:"price"`
	NetworkFee uint64 `json:"network_fee"`
	Royalty    uint64 `json:"royalty"`
	Payment    uint64 `json:"payment"`
	// ActiveUntilHeight is the last height the node is active without a
	// new announcement.
	ActiveUntilHeight int64 `json:"active_until_height"`
}

// QuoteCost is what an order at one price costs the buyer, in ucell.
type QuoteCost struct {
	// Price is the price paid to the winner (the cheapest asking price).
	Price uint64 `json:"price"`
	// TxFees are the fees of the buyer's Txs transactions: create, close,
	// reveal the rating, and register the package when it is not yet.
	TxFees uint64 `json:"tx_fees"`
	Txs    int    `json:"txs"`
	// POStake is locked at creation and returned at the close.
	POStake uint64 `json:"po_stake"`
	// Upfront is what the buyer's balance needs at creation with a max
	// price of Price: Price + POStake + TxFees.
	Upfront uint64 `json:"upfront"`
	// Total is what the balance loses once the order is closed: Price +
	// TxFees.
	Total uint64 `json:"total"`
}

// Quote finds the nodes that could serve an order of req.Package with
// req.Inputs and their asking prices (client.Prices; for a package not
// registered yet, the same formula over every active node), and what the
// cheapest costs the buyer. It sends nothing. Errors are *FieldError
// values naming the field (package, inputs.NAME, po_stake), or the
// chain's.
func (b *Buyer) Quote(ctx context.Context, req QuoteRequest) (*Quote, error) {
	p := b.Params
	if req.POStake == 0 {
		req.POStake = p.MinPoStake
	}
	if req.POStake < p.MinPoStake {
		return nil, fieldErr("po_stake", "%d ucell: must be at least the chain's min_po_stake %d ucell", req.POStake, p.MinPoStake)
	}
	pkg, err := b.resolvePackage(ctx, req.Package)
	if err != nil {
		return nil, err
	}
	env := pkg.envelope
	if env.GetKind() != specpb.Kind_KIND_COMPUTE {
		return nil, fieldErr("package", "%s is a %s package; only compute packages can be ordered here", pkg.id, spec.KindName(env.GetKind()))
	}
	var inputBytes uint64
	if len(req.Inputs) > 0 {
		if err := CheckRequest(env, req.Inputs, nil); err != nil && !isParamError(err) {
			return nil, err
		}
		files, _, err := hashInputs(req.Inputs)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			inputBytes += uint64(f.Size)
		}
	}
	q := &Quote{PackageID: pkg.id.String(), Name: env.GetName(), Version: env.GetVersion(), Registered: pkg.registered != nil,
		RoyaltyBps: min(env.GetLicense().GetRoyaltyBps(), p.MaxRoyaltyBps), InputBytes: inputBytes}
	offers, err := b.offers(ctx, pkg, inputBytes)
	if err != nil {
		return nil, err
	}
	for _, np := range offers {
		if address.Address(np.Operator) == b.Address {
			continue // a buyer cannot bid on its own order
		}
		c := Breakdown(np.Price, 0, np.Price, p.NetworkFeeBps, q.RoyaltyBps, 0, 0)
		q.Offers = append(q.Offers, Offer{Provider: address.Address(np.Operator).String(), NodeKey: fmt.Sprintf("%x", np.NodePubkey),
			Endpoint: np.Endpoint, Capacity: np.Capacity, Price: np.Price, NetworkFee: c.NetworkFee, Royalty: c.Royalty, Payment: c.Payment,
			ActiveUntilHeight: np.ActiveUntilHeight})
	}
	if len(q.Offers) == 0 {
		return q, nil
	}
	best := q.Offers[0]
	tied := 1
	for _, o := range q.Offers[1:] {
		if o.Price == best.Price {
			tied++
		}
	}
	if tied == 1 {
		q.Winner = fmt.Sprintf("%s (node %s) at %d ucell: the lowest price wins the award", best.Provider, best.NodeKey, best.Price)
	} else {
		q.Winner = fmt.Sprintf("one of %d nodes at %d ucell: the lowest price wins, a tie goes to the higher reputation proven in the bid, then to the lower bid hash (which depends on the order id)",
			tied, best.Price)
	}
	txs := 3
	if !q.Registered {
		txs++
	}
	fees := uint64(txs) * b.Fee
	upfront, ok1 := sum(best.Price, req.POStake, fees)
	total, ok2 := sum(best.Price, fees)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("quote: price %d + PO stake %d + fees %d ucell overflows", best.Price, req.POStake, fees)
	}
	q.Cost = &QuoteCost{Price: best.Price, TxFees: fees, Txs: txs, POStake: req.POStake, Upfront: upfront, Total: total}
	return q, nil
}

// Prices returns the nodes that could bid on an order of package id
// (registered) whose inputs total inputBytes bytes, active at the next
// height, each with its asking price in ucell (client.Prices), cheapest
// first, then by node key. Errors: the chain's, e.g. one matching
// query.ErrNotFound when the package is not registered.
func Prices(ctx context.Context, c *client.Client, id spec.ID, inputBytes uint64) ([]*ledgerpb.NodePrice, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	var out []*ledgerpb.NodePrice
	for np, err := range c.Prices(ctx, id[:], inputBytes, st.SyncInfo.LatestBlockHeight+1) {
		if err != nil {
			return nil, fmt.Errorf("prices of package %s: %w", id, err)
		}
		out = append(out, np)
	}
	sortPrices(out)
	return out, nil
}

func sortPrices(ps []*ledgerpb.NodePrice) {
	slices.SortFunc(ps, func(a, b *ledgerpb.NodePrice) int {
		return cmp.Or(cmp.Compare(a.Price, b.Price), bytes.Compare(a.NodePubkey, b.NodePubkey))
	})
}

// offers returns the asking prices of the nodes that could serve an
// order of pkg (Prices); for a package not registered yet, the same
// rules applied to every node: registry.AskingPrice, market.Fits, active
// at the next height.
func (b *Buyer) offers(ctx context.Context, pkg *resolved, inputBytes uint64) ([]*ledgerpb.NodePrice, error) {
	if pkg.registered != nil {
		return Prices(ctx, b.Chain, pkg.id, inputBytes)
	}
	st, err := b.Chain.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	var out []*ledgerpb.NodePrice
	rec := &ledgerpb.Package{PackageId: pkg.id[:], Kind: ledgerpb.PackageKind(pkg.envelope.GetKind())}
	for ns, err := range b.Chain.Nodes(ctx, address.Address{}, st.SyncInfo.LatestBlockHeight+1) {
		if err != nil {
			return nil, fmt.Errorf("nodes: %w", err)
		}
		n := ns.GetNode()
		if ns.GetExpired() || n.GetPrices() == nil || !market.Fits(n, rec) {
			continue
		}
		price, err := registry.AskingPrice(n.Prices, pkg.id[:], inputBytes)
		if err != nil {
			continue // a price that overflows is no offer
		}
		out = append(out, &ledgerpb.NodePrice{Operator: n.Operator, NodePubkey: n.NodePubkey, Endpoint: n.Endpoint, Capacity: n.Capacity,
			Price: price, Prices: n.Prices, ActiveUntilHeight: ns.GetActiveUntilHeight()})
	}
	sortPrices(out)
	return out, nil
}

// isParamError reports whether err is CheckRequest's complaint about the
// order's parameters, which a quote does not take.
func isParamError(err error) bool {
	var fe *FieldError
	return errors.As(err, &fe) && strings.HasPrefix(fe.Field, "params")
}

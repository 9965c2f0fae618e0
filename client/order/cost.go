package order

import (
	"math/bits"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// Cost is what a closed order cost the buyer and where the price went
// (market.md: "Close"), all in ucell.
type Cost struct {
	// MaxPrice and POStake were escrowed at creation.
	MaxPrice uint64 `json:"max_price"`
	POStake  uint64 `json:"po_stake"`
	// Price is the winning bid, paid from escrow; MaxPrice − Price
	// returned at the award.
	Price uint64 `json:"price"`
	// NetworkFee (to the treasury), Royalty (to the package author) and
	// Payment (to the provider) split the price.
	NetworkFee uint64 `json:"network_fee"`
	Royalty    uint64 `json:"royalty"`
	Payment    uint64 `json:"payment"`
	// POStakeReturned is the PO stake returned at the close.
	POStakeReturned uint64 `json:"po_stake_returned"`
	// TxFees are the fees of the buyer's transactions for the order
	// (Txs of them).
	TxFees uint64 `json:"tx_fees"`
	Txs    int    `json:"txs"`
	// AuthorRefund is the royalty when the buyer is the package's author
	// (it published the package): it comes back to the buyer.
	AuthorRefund uint64 `json:"author_refund,omitempty"`
	// Total is what the buyer's balance lost: Price + TxFees −
	// AuthorRefund.
	Total uint64 `json:"total"`
}

// total sets Total from the other fields.
func (c *Cost) total() { c.Total = c.Price + c.TxFees - c.AuthorRefund }

// bps returns floor(amount × bps / 10000) without overflow; bps ≤ 10000.
func bps(amount uint64, b uint32) uint64 {
	hi, lo := bits.Mul64(amount, uint64(b))
	q, _ := bits.Div64(hi, lo, 10_000)
	return q
}

// Breakdown splits price as the ledger does at a close: network fee =
// floor(price × network_fee_bps / 10000), royalty = min(floor(price ×
// royalty_bps / 10000), price − fee), payment = the rest; royaltyBps is
// the package's, capped by the caller at the chain's max_royalty_bps.
// txs transactions of fee each are added to the total.
func Breakdown(maxPrice, poStake, price uint64, networkFeeBps, royaltyBps uint32, txs int, fee uint64) Cost {
	nf := bps(price, networkFeeBps)
	roy := min(bps(price, royaltyBps), price-nf)
	c := Cost{MaxPrice: maxPrice, POStake: poStake, Price: price, NetworkFee: nf, Royalty: roy, Payment: price - nf - roy,
		POStakeReturned: poStake, TxFees: uint64(txs) * fee, Txs: txs}
	c.total()
	return c
}

// FailRefund is what the buyer gets back when an order fails, in ucell
// (market.md: "Fail", as the market's hardening changed it): price + PO
// stake, plus fail_slash_buyer_bps of the bid stake when the provider's
// input receipt was shown (FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT).
func FailRefund(o *ledgerpb.Order, p *ledgerpb.Params) uint64 {
	c := o.GetContract()
	v := c.GetPrice() + o.GetPoStake()
	if o.GetFailReason() == ledgerpb.FailReason_FAIL_REASON_NO_DELIVERY_AFTER_RECEIPT {
		v += bps(c.GetBidStake(), p.GetFailSlashBuyerBps())
	}
	return v
}

// FailSlashed is what the provider of a failed order lost of its bid
// stake, in ucell: all of it, but nothing when its report of missing
// inputs stood (FAIL_REASON_INPUTS_MISSING).
func FailSlashed(o *ledgerpb.Order) uint64 {
	if o.GetFailReason() == ledgerpb.FailReason_FAIL_REASON_INPUTS_MISSING {
		return 0
	}
	return o.GetContract().GetBidStake()
}

// DisputeRefund is what a decided dispute returned to the buyer, in
// ucell (market.md: "Disputes"; ledger/market settle): nothing when the
// provider won; the PO stake when the buyer abandoned it (the dispute
// stake goes to the provider); price − ⌊price / 2⌋ + PO stake + dispute
// stake after a split; when the buyer won, the dispute stake and the
// provider's bid stake less the majority verifiers' reward, plus price +
// PO stake for a refund (store credit, litigation and redo keep them).
// A round without a decision (undecided) returns nothing yet.
func DisputeRefund(o *ledgerpb.Order, p *ledgerpb.Params) uint64 {
	d, c := o.GetDispute(), o.GetContract()
	switch d.GetVerdict() {
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_ABANDONED:
		return o.GetPoStake()
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_SPLIT:
		return c.GetPrice() - c.GetPrice()/2 + o.GetPoStake() + d.GetStake()
	case ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON:
		majority := 0
		for _, v := range d.GetVerifiers() {
			switch {
			case d.GetKind() == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL:
				// A protocol dispute's verifiers reveal verdicts.
				if v.GetVerdict() != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED && v.GetVerdict() == d.GetMajorityVerdict() {
					majority++
				}
			case len(v.GetOutputRoot()) > 0 && string(v.GetOutputRoot()) == string(d.GetMajorityRoot()):
				majority++
			}
		}
		forfeit := c.GetBidStake()
		if majority > 0 {
			forfeit -= bps(c.GetBidStake(), p.GetVerifierRewardBps()) / uint64(majority) * uint64(majority)
		}
		v := forfeit + d.GetStake()
		if d.GetOutcome() == ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_REFUND {
			v += c.GetPrice() + o.GetPoStake()
		}
		return v
	}
	return 0
}

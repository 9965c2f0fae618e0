package bid

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/spec"
)

var pkg = spec.ID{0xab, 0xcd}

// base is an input on which the node bids 1000 ucell with a 100 ucell stake
// (10% of the price, the default bid_stake_ratio_bps).
func base() Input {
	return Input{
		Order: Order{
			MaxPrice:       5000,
			PackageID:      pkg,
			Kind:           ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE,
			InputBytes:     0,
			InputSizeKnown: true,
		},
		BidStakeRatioBps: 1000,
		Node: Node{
			Architectures: []string{spec.ArchWasm32WASIP1},
			Capacity:      2,
			Fetchable:     true,
			FreeBalance:   1_000_000,
		},
		Pricing: config.Pricing{Base: 1000, Minimum: 1000},
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*Input)
		price  uint64 // with stake, expected bid when want is ""
		stake  uint64
		want   string // expected NoBid.String(), "" for a bid
		reason Reason
	}{
		{name: "default bid", edit: func(*Input) {}, price: 1000, stake: 100},
		// The node bids its published asking price, whatever the max
		// price above it, as long as the payment covers its fees.
		{name: "fee and royalty taken from the asking price", edit: func(in *Input) { in.NetworkFeeBps, in.Order.RoyaltyBps = 100, 2_000 }, price: 1000, stake: 100},
		{name: "payment covers the fees", edit: func(in *Input) {
			in.NetworkFeeBps, in.Order.RoyaltyBps, in.TxFee = 100, 2_000, 263 // 1000 − 10 − 200 = 790 > 3 × 263
		}, price: 1000, stake: 100},
		{name: "payment below the fees", edit: func(in *Input) { in.NetworkFeeBps, in.Order.RoyaltyBps, in.TxFee = 100, 2_000, 264 },
			want:   "below-cost: price 1000 ucell pays 790 ucell after the network fee (100 bps) and royalty (2000 bps), not more than the 792 ucell of fees of the provider's 3 transactions; the least price that covers them: 1003 ucell",
			reason: ReasonBelowCost},
		{name: "payment exactly the fees", edit: func(in *Input) { in.Pricing.Base, in.Pricing.Minimum, in.TxFee = 999, 999, 333 },
			want:   "below-cost: price 999 ucell pays 999 ucell after the network fee (0 bps) and royalty (0 bps), not more than the 999 ucell of fees of the provider's 3 transactions; the least price that covers them: 1000 ucell",
			reason: ReasonBelowCost},
		{name: "payment one above the fees", edit: func(in *Input) { in.Pricing.Base, in.Pricing.Minimum, in.TxFee = 1000, 999, 333 }, price: 1000, stake: 100},
		{name: "the old default price loses money", edit: func(in *Input) { in.NetworkFeeBps, in.TxFee = 100, 1_000 },
			want:   "below-cost: price 1000 ucell pays 990 ucell after the network fee (100 bps) and royalty (0 bps), not more than the 3000 ucell of fees of the provider's 3 transactions; the least price that covers them: 3031 ucell",
			reason: ReasonBelowCost},
		{name: "fees that overflow", edit: func(in *Input) { in.TxFee = math.MaxUint64 },
			want:   "below-cost: price 1000 ucell pays 1000 ucell after the network fee (0 bps) and royalty (0 bps), not more than the 18446744073709551615 ucell of fees of the provider's 3 transactions; the least price that covers them: none",
			reason: ReasonBelowCost},
		{name: "a royalty that leaves nothing", edit: func(in *Input) { in.NetworkFeeBps, in.Order.RoyaltyBps = 100, 9_900 },
			want: "bad-params: network fee 100 bps + royalty 9900 bps leave the provider nothing", reason: ReasonBadParams},
		{name: "the chain's minimum bid stake", edit: func(in *Input) { in.MinBidStake = 10_000 }, price: 1000, stake: 10_000},
		{name: "below the chain's min_price", edit: func(in *Input) { in.MinPrice = 2_000 },
			want: "below-min-price: price 1000 ucell < the chain's min_price 2000 ucell", reason: ReasonBelowMinPrice},
		{name: "order parameters that do not fit the package", edit: func(in *Input) { in.Order.ParamsError = "parameter ENZYMES: required by the package and not given" },
			want: "order-params: parameter ENZYMES: required by the package and not given", reason: ReasonOrderParams},
		{name: "bad ratio", edit: func(in *Input) { in.BidStakeRatioBps = 10_001 },
			want: "bad-params: bid_stake_ratio_bps 10001 > 10000", reason: ReasonBadParams},
		{name: "ratio 10000", edit: func(in *Input) { in.BidStakeRatioBps = 10_000 }, price: 1000, stake: 1000},
		{name: "ratio 0", edit: func(in *Input) { in.BidStakeRatioBps = 0 }, price: 1000, stake: 0},
		{name: "bad margin", edit: func(in *Input) { in.Pricing.StakeRatioMarginBps = 10_001 },
			want: "bad-params: stake_ratio_margin_bps 10001 > 10000", reason: ReasonBadParams},
		{name: "protocol package on a node without bots", edit: func(in *Input) { in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL },
			want: "kind: protocol packages need a lab (autoprotocol/1); this node has no bot", reason: ReasonKind},
		{name: "protocol package a bot covers", edit: func(in *Input) {
			in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
			in.Node.Architectures = []string{bot.Architecture}
		}, price: 1000, stake: 100},
		{name: "protocol package no bot covers", edit: func(in *Input) {
			in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL
			in.Node.Architectures = []string{spec.ArchWasm32WASIP1, bot.Architecture}
			in.Order.CoverError = "BotSpec simlab (58e2e830…): op oligosynthesize: no device of the bot runs it"
		}, want: "not-covered: BotSpec simlab (58e2e830…): op oligosynthesize: no device of the bot runs it", reason: ReasonNotCovered},
		{name: "unspecified kind", edit: func(in *Input) { in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_UNSPECIFIED },
			want: "kind: package kind PACKAGE_KIND_UNSPECIFIED is neither compute nor protocol", reason: ReasonKind},
		{name: "no architecture", edit: func(in *Input) { in.Node.Architectures = nil },
			want: "architecture: package needs wasm32-wasip1", reason: ReasonArchitecture},
		{name: "other architecture", edit: func(in *Input) { in.Node.Architectures = []string{"riscv64"} },
			want: "architecture: package needs wasm32-wasip1", reason: ReasonArchitecture},
		{name: "reputation below minimum", edit: func(in *Input) {
			in.Order.MinProviderReputation = 10
			in.Node.Reputation = big.NewInt(9)
		}, want: "reputation: own reputation 9 < order minimum 10", reason: ReasonReputation},
		{name: "negative reputation", edit: func(in *Input) {
			in.Order.MinProviderReputation = 1
			in.Node.Reputation = big.NewInt(-3)
		}, want: "reputation: own reputation -3 < order minimum 1", reason: ReasonReputation},
		{name: "reputation exactly at minimum", edit: func(in *Input) {
			in.Order.MinProviderReputation = 10
			in.Node.Reputation = big.NewInt(10)
		}, price: 1000, stake: 100},
		{name: "huge reputation", edit: func(in *Input) {
			in.Order.MinProviderReputation = math.MaxUint64
			in.Node.Reputation = new(big.Int).Lsh(big.NewInt(1), 100)
		}, price: 1000, stake: 100},
		{name: "reputation unknown", edit: func(in *Input) { in.Order.MinProviderReputation = 10 }, price: 1000, stake: 100},
		{name: "no minimum reputation", edit: func(in *Input) { in.Node.Reputation = big.NewInt(-100) }, price: 1000, stake: 100},
		{name: "no capacity", edit: func(in *Input) { in.Node.OpenJobs = 2 },
			want: "no-capacity: 2 of 2 jobs running", reason: ReasonNoCapacity},
		{name: "over capacity", edit: func(in *Input) { in.Node.OpenJobs = 3 },
			want: "no-capacity: 3 of 2 jobs running", reason: ReasonNoCapacity},
		{name: "zero capacity", edit: func(in *Input) { in.Node.Capacity = 0 },
			want: "no-capacity: 0 of 0 jobs running", reason: ReasonNoCapacity},
		{name: "last free slot", edit: func(in *Input) { in.Node.OpenJobs = 1 }, price: 1000, stake: 100},
		{name: "not fetchable", edit: func(in *Input) { in.Node.Fetchable = false },
			want: "not-fetchable: package " + pkg.String() + " is neither cached nor served by a registered location", reason: ReasonNotFetchable},
		{name: "per-package base", edit: func(in *Input) {
			in.Pricing.PerPackage = map[string]uint64{pkg.String(): 3000}
			in.Pricing.PerInputMiB = 7
			in.Order.InputBytes = 2 * registry.MiB
		}, price: 3014, stake: 302},
		{name: "per-package base needs the size too", edit: func(in *Input) {
			in.Pricing.PerPackage = map[string]uint64{pkg.String(): 3000}
			in.Pricing.PerInputMiB = 7
			in.Order.InputSizeKnown = false
		}, want: "input-size-unknown: pricing by input size (7 ucell per MiB) needs the input size", reason: ReasonInputSizeUnknown},
		{name: "per-package price raised to minimum", edit: func(in *Input) {
			in.Pricing.PerPackage = map[string]uint64{pkg.String(): 10}
		}, price: 1000, stake: 100},
		{name: "another package's price ignored", edit: func(in *Input) {
			in.Pricing.PerPackage = map[string]uint64{spec.ID{1}.String(): 3000}
		}, price: 1000, stake: 100},
		{name: "input size unknown", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 5
			in.Order.InputSizeKnown = false
		}, want: "input-size-unknown: pricing by input size (5 ucell per MiB) needs the input size", reason: ReasonInputSizeUnknown},
		{name: "input size unknown, not priced by size", edit: func(in *Input) { in.Order.InputSizeKnown = false }, price: 1000, stake: 100},
		{name: "zero-size input", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 500
			in.Pricing.Base = 1200
		}, price: 1200, stake: 120},
		{name: "one byte is one MiB", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 500
			in.Pricing.Base = 1200
			in.Order.InputBytes = 1
		}, price: 1700, stake: 170},
		{name: "exactly one MiB", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 500
			in.Pricing.Base = 1200
			in.Order.InputBytes = registry.MiB
		}, price: 1700, stake: 170},
		{name: "one MiB and a byte", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 500
			in.Pricing.Base = 1200
			in.Order.InputBytes = registry.MiB + 1
		}, price: 2200, stake: 220},
		{name: "size price raised to minimum", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 1
			in.Pricing.Base = 0
			in.Order.InputBytes = 3 * registry.MiB
		}, price: 1000, stake: 100},
		{name: "asking price above the max price", edit: func(in *Input) {
			in.Pricing.Base = 9000
		}, want: "above-max-price: asking price 9000 ucell > the order's max price 5000 ucell", reason: ReasonAboveMaxPrice},
		{name: "price exactly at max", edit: func(in *Input) {
			in.Pricing.Base = 5000
		}, price: 5000, stake: 500},
		{name: "max price one below the asking price", edit: func(in *Input) { in.Order.MaxPrice = 999 },
			want: "above-max-price: asking price 1000 ucell > the order's max price 999 ucell", reason: ReasonAboveMaxPrice},
		{name: "minimum above the max price", edit: func(in *Input) { in.Pricing.Minimum = 6000 },
			want: "above-max-price: asking price 6000 ucell > the order's max price 5000 ucell", reason: ReasonAboveMaxPrice},
		{name: "down to the floor", edit: func(in *Input) { in.Pricing.Floor, in.Order.MaxPrice = 800, 900 }, price: 900, stake: 90},
		{name: "max price exactly the floor", edit: func(in *Input) { in.Pricing.Floor, in.Order.MaxPrice = 800, 800 }, price: 800, stake: 80},
		{name: "max price below the floor", edit: func(in *Input) { in.Pricing.Floor, in.Order.MaxPrice = 800, 799 },
			want: "above-max-price: asking price 1000 ucell > the order's max price 799 ucell < floor 800 ucell", reason: ReasonAboveMaxPrice},
		{name: "floor price below the costs", edit: func(in *Input) { in.Pricing.Floor, in.Order.MaxPrice, in.TxFee = 800, 900, 300 },
			want:   "below-cost: price 900 ucell pays 900 ucell after the network fee (0 bps) and royalty (0 bps), not more than the 900 ucell of fees of the provider's 3 transactions; the least price that covers them: 901 ucell",
			reason: ReasonBelowCost},
		{name: "zero price refused", edit: func(in *Input) {
			in.Pricing = config.Pricing{} // minimum 0: config.Validate refuses it
			in.Order.MaxPrice = 0
		}, want: "below-cost: price 0 ucell pays 0 ucell after the network fee (0 bps) and royalty (0 bps), not more than the 0 ucell of fees of the provider's 3 transactions; the least price that covers them: 1 ucell", reason: ReasonBelowCost},
		{name: "price 1", edit: func(in *Input) {
			in.Pricing = config.Pricing{Minimum: 1}
		}, price: 1, stake: 1},
		{name: "stake rounds up", edit: func(in *Input) {
			in.Pricing.Base = 1001
		}, price: 1001, stake: 101},
		{name: "stake margin", edit: func(in *Input) {
			in.Pricing.StakeRatioMarginBps = 500
		}, price: 1000, stake: 150},
		{name: "stake margin rounds up", edit: func(in *Input) {
			in.Pricing.Base = 1001
			in.Pricing.StakeRatioMarginBps = 1
		}, price: 1001, stake: 102},
		{name: "insufficient balance", edit: func(in *Input) {
			in.Pricing.StakeRatioMarginBps = 500
			in.Node.FreeBalance = 100
		}, want: "insufficient-balance: stake 150 ucell > free balance 100 ucell", reason: ReasonInsufficientBalance},
		{name: "balance exactly the stake", edit: func(in *Input) { in.Node.FreeBalance = 100 }, price: 1000, stake: 100},
		{name: "balance one short", edit: func(in *Input) { in.Node.FreeBalance = 99 },
			want: "insufficient-balance: stake 100 ucell > free balance 99 ucell", reason: ReasonInsufficientBalance},
		{name: "huge size price overflows, never wraps", edit: func(in *Input) {
			in.Pricing.PerInputMiB = math.MaxUint64
			in.Pricing.Base = math.MaxUint64
			in.Order.InputBytes = math.MaxUint64
			in.Order.MaxPrice = 7000
		}, want: "overflow: registry: asking price: per_input_mib 18446744073709551615 ucell × 17592186044416 MiB: overflows", reason: ReasonOverflow},
		{name: "huge rate times size overflows", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 1 << 40
			in.Order.InputBytes = 1 << 50
			in.Order.MaxPrice = 7000
		}, want: "overflow: registry: asking price: per_input_mib 1099511627776 ucell × 1073741824 MiB: overflows", reason: ReasonOverflow},
		{name: "huge max price, zero ratio", edit: func(in *Input) {
			in.Pricing.Base = math.MaxUint64
			in.Order.MaxPrice = math.MaxUint64
			in.BidStakeRatioBps = 0
			in.Node.FreeBalance = math.MaxUint64
		}, price: math.MaxUint64, stake: 0},
		{name: "huge price plus stake overflows", edit: func(in *Input) {
			in.Pricing.Base = math.MaxUint64
			in.Order.MaxPrice = math.MaxUint64
			in.Node.FreeBalance = math.MaxUint64
		}, want: "overflow: price 18446744073709551615 + stake 1844674407370955162 ucell overflows", reason: ReasonOverflow},
		{name: "huge stake overflows", edit: func(in *Input) {
			in.Pricing.Base = math.MaxUint64
			in.Order.MaxPrice = math.MaxUint64
			in.BidStakeRatioBps = 10_000
			in.Pricing.StakeRatioMarginBps = 10_000
		}, want: "overflow: stake for price 18446744073709551615 ucell overflows", reason: ReasonOverflow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base()
			tt.edit(&in)
			d := Decide(in)
			if (d.Bid == nil) == (d.NoBid == nil) {
				t.Fatalf("Decide = %+v: want exactly one of Bid and NoBid", d)
			}
			if tt.want != "" {
				if d.NoBid == nil {
					t.Fatalf("Decide = bid %+v, want no bid %q", *d.Bid, tt.want)
				}
				if got := d.NoBid.String(); got != tt.want || d.NoBid.Reason != tt.reason {
					t.Errorf("Decide = %q (%s), want %q (%s)", got, d.NoBid.Reason, tt.want, tt.reason)
				}
				return
			}
			if d.NoBid != nil {
				t.Fatalf("Decide = no bid %q, want bid %d/%d", d.NoBid, tt.price, tt.stake)
			}
			if d.Bid.Price != tt.price || d.Bid.Stake != tt.stake {
				t.Errorf("Decide = bid %d/%d, want %d/%d", d.Bid.Price, d.Bid.Stake, tt.price, tt.stake)
			}
			checkChainRules(t, in, *d.Bid)
		})
	}
}

// checkChainRules checks a bid against market.md: "Bid" as the chain
// enforces it (market.ValidateBid) and against the node's own limits.
func checkChainRules(t *testing.T, in Input, b Bid) {
	t.Helper()
	msg := &ledgerpb.MsgBid{Price: b.Price, Stake: b.Stake, NodeKey: make([]byte, 32)}
	if err := market.ValidateBid(msg, &ledgerpb.Params{BidStakeRatioBps: in.BidStakeRatioBps}); err != nil {
		t.Errorf("chain refuses bid %+v: %v", b, err)
	}
	if b.Price > in.Order.MaxPrice {
		t.Errorf("price %d > max price %d", b.Price, in.Order.MaxPrice)
	}
	ask, err := registry.AskingPrice(in.Pricing.PriceList(), in.Order.PackageID[:], in.Order.InputBytes)
	if err != nil || (b.Price != ask && (b.Price != in.Order.MaxPrice || b.Price < in.Pricing.Floor || in.Pricing.Floor == 0)) {
		t.Errorf("price %d: neither the published asking price %d (%v) nor the max price %d above the floor %d", b.Price, ask, err, in.Order.MaxPrice, in.Pricing.Floor)
	}
	if net := Net(b.Price, in.NetworkFeeBps, in.Order.RoyaltyBps); net <= Costs(in.TxFee) {
		t.Errorf("price %d pays %d, not more than the fees %d", b.Price, net, Costs(in.TxFee))
	}
	if b.Stake > in.Node.FreeBalance {
		t.Errorf("stake %d > free balance %d", b.Stake, in.Node.FreeBalance)
	}
}

// TestDecideNeverBreaksChainRules sweeps prices and ratios around the
// boundaries and checks every bid against the chain's own validation.
func TestDecideNeverBreaksChainRules(t *testing.T) {
	values := []uint64{0, 1, 2, 999, 1000, 1001, 9_999, 10_000, 10_001, math.MaxUint64 / 2, math.MaxUint64 - 1, math.MaxUint64}
	ratios := []uint32{0, 1, 1000, 9_999, 10_000}
	for _, maxPrice := range values {
		for _, b := range values {
			for _, r := range ratios {
				for _, m := range ratios {
					in := base()
					in.Order.MaxPrice = maxPrice
					in.Pricing = config.Pricing{Base: b, Minimum: 1, StakeRatioMarginBps: m}
					in.BidStakeRatioBps = r
					in.Node.FreeBalance = math.MaxUint64
					d := Decide(in)
					if d.Bid != nil {
						checkChainRules(t, in, *d.Bid)
						if want := max(b, 1); d.Bid.Price != want {
							t.Errorf("max %d base %d: price %d, want %d", maxPrice, b, d.Bid.Price, want)
						}
					} else if r := d.NoBid.Reason; r != ReasonAboveMaxPrice && r != ReasonOverflow {
						t.Errorf("max %d base %d: unexpected %q", maxPrice, b, d.NoBid)
					}
				}
			}
		}
	}
}

func TestNoBidString(t *testing.T) {
	if got := (NoBid{Reason: ReasonNotFetchable}).String(); got != "not-fetchable" {
		t.Errorf("String = %q", got)
	}
	for _, r := range []Reason{ReasonBadParams, ReasonKind, ReasonNotCovered, ReasonArchitecture, ReasonReputation, ReasonNoCapacity,
		ReasonNotFetchable, ReasonInputSizeUnknown, ReasonAboveMaxPrice, ReasonBelowCost, ReasonOverflow, ReasonInsufficientBalance} {
		if strings.ToLower(string(r)) != string(r) || strings.ContainsAny(string(r), " :") {
			t.Errorf("reason %q is not a lowercase token", r)
		}
	}
}

// TestGross checks Gross against a naive reference: the least price whose
// payment after the cut covers the net.
func TestGross(t *testing.T) {
	for _, cut := range []uint32{0, 1, 100, 350, 2_100, 5_000, 9_000} {
		for net := uint64(0); net < 3_000; net += 7 {
			want := net
			for Net(want, cut, 0) < net {
				want++
			}
			if got := Gross(net, cut); got != want {
				t.Fatalf("Gross(%d, %d) = %d, want %d", net, cut, got, want)
			}
			// Split between a fee and a royalty, the payment covers the net.
			if got := Gross(net, cut); Net(got, cut/2, cut-cut/2) < net {
				t.Fatalf("Net(Gross(%d), %d+%d) = %d", net, cut/2, cut-cut/2, Net(got, cut/2, cut-cut/2))
			}
		}
	}
	if Gross(math.MaxUint64, 100) != math.MaxUint64 {
		t.Fatal("Gross does not saturate")
	}
}

// TestDefaultPricingCoversFees: a node at default settings, on a chain at
// the ledger's default params, bids on an order of a package with any
// royalty the chain allows, and the order it delivers nets it a positive
// amount after the network fee, the royalty and the fees of its bid,
// delivery and rating reveal. (Before the price lists the default price
// was 1,000 ucell: it lost about 2,000 ucell an order.)
func TestDefaultPricingCoversFees(t *testing.T) {
	p := params.Default()
	cfg := config.Default(t.TempDir())
	for _, royalty := range []uint32{0, 250, p.MaxRoyaltyBps / 2, p.MaxRoyaltyBps} {
		for _, input := range []uint64{0, registry.MiB, 1 << 30} {
			in := Input{
				Order: Order{MaxPrice: 1_000_000, PackageID: pkg, Kind: ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE,
					InputBytes: input, InputSizeKnown: true, RoyaltyBps: royalty},
				BidStakeRatioBps: p.BidStakeRatioBps, MinBidStake: p.MinBidStake, MinPrice: p.MinPrice,
				NetworkFeeBps: p.NetworkFeeBps, TxFee: p.MinFee,
				Node:    Node{Architectures: cfg.Architectures, Capacity: cfg.Capacity, Fetchable: true, FreeBalance: 10 * p.MinBidStake},
				Pricing: cfg.Pricing,
			}
			d := Decide(in)
			if d.Bid == nil {
				t.Fatalf("royalty %d bps, %d input bytes: no bid: %s", royalty, input, d.NoBid)
			}
			// What the chain's close pays (ledger/market payout), less the
			// provider's fees.
			fee := d.Bid.Price * uint64(p.NetworkFeeBps) / 10_000
			roy := d.Bid.Price * uint64(royalty) / 10_000
			fees := ProviderTxsPerOrder * p.MinFee
			gain := int64(d.Bid.Price-fee-roy) - int64(fees)
			if gain <= 0 {
				t.Errorf("royalty %d bps: price %d − fee %d − royalty %d − tx fees %d = %d ucell: the provider loses", royalty, d.Bid.Price, fee, roy, fees, gain)
			}
			t.Logf("royalty %4d bps, %10d input bytes: price %d ucell, network fee %d, royalty %d, tx fees %d: provider nets %d ucell",
				royalty, input, d.Bid.Price, fee, roy, fees, gain)
		}
	}
}

package bid

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
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
		Pricing: config.Pricing{Base: 1000, Minimum: 1000, Floor: 1000},
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
		// Free compute through a 100% royalty: the node prices net of the
		// network fee and the (capped) royalty, so it is paid its ask.
		{name: "priced net of fee and royalty", edit: func(in *Input) { in.NetworkFeeBps, in.Order.RoyaltyBps = 100, 2_000 }, price: 1265, stake: 127},
		{name: "a royalty that leaves nothing", edit: func(in *Input) { in.NetworkFeeBps, in.Order.RoyaltyBps = 100, 9_900 },
			want: "bad-params: network fee 100 bps + royalty 9900 bps leave the provider nothing", reason: ReasonBadParams},
		{name: "max price too low once the royalty is paid", edit: func(in *Input) { in.Order.RoyaltyBps, in.Order.MaxPrice = 2_000, 1_100 },
			want: "below-floor: max price 1100 ucell pays 880 ucell after the network fee (0 bps) and royalty (2000 bps) < floor 1000 ucell", reason: ReasonBelowFloor},
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
		{name: "protocol package", edit: func(in *Input) { in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL },
			want: "kind: protocol packages need a lab; this node runs compute packages", reason: ReasonKind},
		{name: "unspecified kind", edit: func(in *Input) { in.Order.Kind = ledgerpb.PackageKind_PACKAGE_KIND_UNSPECIFIED },
			want: "kind: package kind PACKAGE_KIND_UNSPECIFIED is not compute", reason: ReasonKind},
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
		{name: "per-package price", edit: func(in *Input) {
			in.Pricing.PerPackage = map[string]uint64{pkg.String(): 3000}
			in.Pricing.PerInputMiB = 7
			in.Order.InputSizeKnown = false // not needed with a fixed price
		}, price: 3000, stake: 300},
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
			in.Order.InputBytes = MiB
		}, price: 1700, stake: 170},
		{name: "one MiB and a byte", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 500
			in.Pricing.Base = 1200
			in.Order.InputBytes = MiB + 1
		}, price: 2200, stake: 220},
		{name: "size price raised to minimum", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 1
			in.Pricing.Base = 0
			in.Order.InputBytes = 3 * MiB
		}, price: 1000, stake: 100},
		{name: "ask capped at max price", edit: func(in *Input) {
			in.Pricing.Base = 9000
		}, price: 5000, stake: 500},
		{name: "price exactly at max", edit: func(in *Input) {
			in.Pricing.Base = 5000
		}, price: 5000, stake: 500},
		{name: "max exactly at floor", edit: func(in *Input) {
			in.Pricing.Minimum = 2000
			in.Order.MaxPrice = 1000
		}, price: 1000, stake: 100},
		{name: "below floor", edit: func(in *Input) { in.Order.MaxPrice = 900 },
			want: "below-floor: max price 900 ucell < floor 1000 ucell", reason: ReasonBelowFloor},
		{name: "one below floor", edit: func(in *Input) { in.Order.MaxPrice = 999 },
			want: "below-floor: max price 999 ucell < floor 1000 ucell", reason: ReasonBelowFloor},
		{name: "zero price refused", edit: func(in *Input) {
			in.Pricing = config.Pricing{}
			in.Order.MaxPrice = 0
		}, want: "below-floor: max price 0 ucell < floor 1 ucell", reason: ReasonBelowFloor},
		{name: "zero ask refused", edit: func(in *Input) {
			in.Pricing = config.Pricing{} // minimum 0: config.Validate refuses it
		}, want: "below-floor: asking price 0 ucell < floor 1 ucell", reason: ReasonBelowFloor},
		{name: "price 1", edit: func(in *Input) {
			in.Pricing = config.Pricing{Minimum: 1}
		}, price: 1, stake: 1},
		{name: "ask below an invalid floor", edit: func(in *Input) {
			in.Pricing.Floor = 2000 // above Minimum: config.Validate refuses it
		}, want: "below-floor: asking price 1000 ucell < floor 2000 ucell", reason: ReasonBelowFloor},
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
		{name: "huge size price saturates and is capped", edit: func(in *Input) {
			in.Pricing.PerInputMiB = math.MaxUint64
			in.Pricing.Base = math.MaxUint64
			in.Order.InputBytes = math.MaxUint64
			in.Order.MaxPrice = 7000
		}, price: 7000, stake: 700},
		{name: "huge rate times size saturates", edit: func(in *Input) {
			in.Pricing.PerInputMiB = 1 << 40
			in.Order.InputBytes = 1 << 50
			in.Order.MaxPrice = 7000
		}, price: 7000, stake: 700},
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
	if b.Price < in.Pricing.Floor {
		t.Errorf("price %d < floor %d", b.Price, in.Pricing.Floor)
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
					in.Pricing = config.Pricing{Base: b, Minimum: 1, Floor: 1, StakeRatioMarginBps: m}
					in.BidStakeRatioBps = r
					in.Node.FreeBalance = math.MaxUint64
					d := Decide(in)
					if d.Bid != nil {
						checkChainRules(t, in, *d.Bid)
						if want := min(max(b, 1), maxPrice); d.Bid.Price != want {
							t.Errorf("max %d base %d: price %d, want %d", maxPrice, b, d.Bid.Price, want)
						}
					} else if r := d.NoBid.Reason; r != ReasonBelowFloor && r != ReasonOverflow {
						t.Errorf("max %d base %d: unexpected %q", maxPrice, b, d.NoBid)
					}
				}
			}
		}
	}
}

func TestAsk(t *testing.T) {
	p := config.Pricing{Base: 100, PerInputMiB: 10, Minimum: 50}
	tests := []struct {
		bytes uint64
		known bool
		want  uint64
		ok    bool
	}{
		{0, true, 100, true},
		{1, true, 110, true},
		{MiB, true, 110, true},
		{MiB + 1, true, 120, true},
		{10 * MiB, true, 200, true},
		{math.MaxUint64, true, 100 + 10*(1<<44), true},
		{5, false, 0, false},
	}
	for _, tt := range tests {
		got, ok := Ask(p, pkg, tt.bytes, tt.known)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Ask(%d bytes, known %v) = %d, %v; want %d, %v", tt.bytes, tt.known, got, ok, tt.want, tt.ok)
		}
	}
	sat, ok := Ask(config.Pricing{Base: 1, PerInputMiB: math.MaxUint64}, pkg, 2*MiB, true)
	if sat != math.MaxUint64 || !ok {
		t.Errorf("Ask overflow = %d, %v; want saturation at MaxUint64", sat, ok)
	}
}

func TestNoBidString(t *testing.T) {
	if got := (NoBid{Reason: ReasonNotFetchable}).String(); got != "not-fetchable" {
		t.Errorf("String = %q", got)
	}
	for _, r := range []Reason{ReasonBadParams, ReasonKind, ReasonArchitecture, ReasonReputation, ReasonNoCapacity,
		ReasonNotFetchable, ReasonInputSizeUnknown, ReasonBelowFloor, ReasonOverflow, ReasonInsufficientBalance} {
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

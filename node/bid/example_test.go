package bid_test

import (
	"fmt"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/node/bid"
	"github.com/celltonomy/celltonomy/node/config"
	"github.com/celltonomy/celltonomy/spec"
)

func ExampleDecide() {
	in := bid.Input{
		Order: bid.Order{
			MaxPrice:       5000,
			Kind:           ledgerpb.PackageKind_PACKAGE_KIND_COMPUTE,
			InputBytes:     3 << 20,
			InputSizeKnown: true,
		},
		BidStakeRatioBps: 1000,
		NetworkFeeBps:    100,
		TxFee:            100, // the provider's three transactions cost 300 ucell
		Node: bid.Node{
			Architectures: []string{spec.ArchWasm32WASIP1},
			Capacity:      2,
			Fetchable:     true,
			FreeBalance:   10_000,
		},
		Pricing: config.Pricing{Base: 1000, PerInputMiB: 200, Minimum: 1000},
	}
	d := bid.Decide(in)
	fmt.Printf("bid %d ucell, stake %d ucell\n", d.Bid.Price, d.Bid.Stake)

	in.Node.OpenJobs = 2
	fmt.Println(bid.Decide(in).NoBid)

	in.Node.OpenJobs = 0
	in.Order.MaxPrice = 1500
	fmt.Println(bid.Decide(in).NoBid)

	in.Order.MaxPrice = 5000
	in.TxFee = 1000
	fmt.Println(bid.Decide(in).NoBid)
	// Output:
	// bid 1600 ucell, stake 160 ucell
	// no-capacity: 2 of 2 jobs running
	// above-max-price: asking price 1600 ucell > the order's max price 1500 ucell
	// below-cost: price 1600 ucell pays 1584 ucell after the network fee (100 bps) and royalty (0 bps), not more than the 3000 ucell of fees of the provider's 3 transactions; the least price that covers them: 3031 ucell
}

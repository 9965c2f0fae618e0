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
		Node: bid.Node{
			Architectures: []string{spec.ArchWasm32WASIP1},
			Capacity:      2,
			Fetchable:     true,
			FreeBalance:   10_000,
		},
		Pricing: config.Pricing{Base: 1000, PerInputMiB: 200, Minimum: 1000, Floor: 800},
	}
	d := bid.Decide(in)
	fmt.Printf("bid %d ucell, stake %d ucell\n", d.Bid.Price, d.Bid.Stake)

	in.Node.OpenJobs = 2
	fmt.Println(bid.Decide(in).NoBid)

	in.Node.OpenJobs = 0
	in.Order.MaxPrice = 700
	fmt.Println(bid.Decide(in).NoBid)
	// Output:
	// bid 1600 ucell, stake 160 ucell
	// no-capacity: 2 of 2 jobs running
	// below-floor: max price 700 ucell < floor 800 ucell
}

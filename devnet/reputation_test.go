package devnet

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestReputationMinedAndProven is issue 6 end to end: an order closes and
// its ratings become final, the reputation cycle ends, the devnet's miner
// submits its root, the chain accepts it, the provider's reputation is
// proven against it; the provider then carries that proof in its bids,
// wins the tie-break against an equal price, and is the only one admitted
// by an order that asks for a minimum reputation.
func TestReputationMinedAndProven(t *testing.T) {
	ctx := context.Background()
	d := startDevnet(t, []NodeOptions{{}, {}})
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	genome, _ := filepath.Abs("../examples/data/lambda.fa")
	req := order.Request{Package: d.Packages[0].ID.String(), Inputs: map[string]string{"genome": genome},
		Params: map[string]string{"ENZYMES": "EcoRI"}, MaxPrice: 5000, BidWindow: 10}
	first, err := b.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Reputation) == 0 {
		t.Fatal("the close appended no reputation entries")
	}
	provider := first.Provider

	// Wait for a root accepted for a cycle that holds the order's entries.
	want := first.Reputation[0].Cycle
	var root repproof.Root
	deadline := time.Now().Add(90 * time.Second)
	for {
		bz, err := d.Client.QueryApp(ctx, app.PathReputationRoot, nil)
		if err == nil {
			var rr ledgerpb.ReputationRoot
			proto.Unmarshal(bz, &rr)
			if root, err = repproof.RootFromProto(&rr); err == nil && root.Cycle >= want {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no root accepted for cycle %d", want)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The provider's reputation, proven against the accepted root.
	mc, err := repproof.NewClient(d.Miner.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := repproof.ParseAddress(provider)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []repproof.VerifiedLeaf
	deadline = time.Now().Add(30 * time.Second)
	for {
		resp, err := mc.Reputation(ctx, addr, 0)
		if err == nil {
			leaves, err = repproof.VerifyReputation(resp, root, addr)
			if err != nil {
				t.Fatalf("the miner's proof does not verify: %v", err)
			}
			if len(leaves) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no proven reputation for %s: %v", provider, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	skill := first.Reputation[0].Skill
	found := false
	for _, l := range leaves {
		if l.Skill == skill && l.Reputation.Sign() > 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("provider %s has no positive reputation in skill %d: %+v", provider, skill, leaves)
	}

	// Same price on both nodes: the proven reputation breaks the tie.
	second, err := b.Run(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Provider != provider {
		t.Errorf("second order went to %s, not to the provider with reputation %s", second.Provider, provider)
	}
	// A minimum reputation admits only the provider that has it.
	req.MinProviderReputation = 1
	third, err := b.Run(ctx, req)
	if err != nil && !errors.Is(err, order.ErrExpired) {
		t.Fatal(err)
	}
	if third.Provider != provider {
		t.Errorf("order with a minimum reputation went to %q, want %s", third.Provider, provider)
	}
}

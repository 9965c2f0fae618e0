package devnet

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/node"
)

// startBotDevnet starts a devnet of the given nodes with the digest and
// the example protocol packages registered (make examples), and returns
// lambda-digest-gel's directory and package id. Miners earn no reward, so that
// every operator's balance moves only by the orders' own amounts.
func startBotDevnet(t *testing.T, nodes []NodeOptions) (*Devnet, string, string) {
	t.Helper()
	t.Chdir("..") // the repository, where DefaultPackageDirs looks
	d := startDevnetOptions(t, nodes, DefaultPackageDirs(), func(p *ledgerpb.Params) { p.MinerReward = 0 })
	for _, p := range d.Packages {
		if p.Name == "lambda-digest-gel" {
			return d, p.Dir, p.ID.String()
		}
	}
	t.Fatalf("packages %+v: lambda-digest-gel is not registered", d.Packages)
	return nil, "", ""
}

// TestSkipStepBotCaughtOnDevnet: a vendor's bot skips a warp of the λ
// digest (node 2, --fault skip-step, the cheapest bid). The buyer's
// conformance check names the missing warp, the buyer disputes with it
// as the claim, the drawn verifiers check the log and replay the
// simulated run, and their verdict "violates" refunds the buyer with the
// cheat's bid stake. The honest bot node and the third node lose nothing.
func TestSkipStepBotCaughtOnDevnet(t *testing.T) {
	d, pkg, _ := startBotDevnet(t, []NodeOptions{{Price: 4500}, {Fault: node.FaultSkipStep, Price: 4000}, {Price: 4500}})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	cheat := d.Nodes[1].Operator
	honest := []int{0, 2}
	buyerBefore, cheatBefore := balance(t, d, b.Address), balance(t, d, cheat)
	var honestBefore []uint64
	for _, i := range honest {
		honestBefore = append(honestBefore, balance(t, d, d.Nodes[i].Operator))
	}
	res, err := b.Run(ctx, order.Request{Package: pkg, Params: map[string]string{"ENZYME": "EcoRI"}, MaxPrice: 5000, BidWindow: 10})
	if !errors.Is(err, order.ErrDisputed) {
		t.Fatalf("run: %v, want ErrDisputed", err)
	}
	if res.Provider != cheat.String() {
		t.Fatalf("provider %s, want the skip-step node %s", res.Provider, cheat)
	}
	if p := res.Protocol; p == nil || p.Conforms || !strings.Contains(p.Violation, "missing-warp") {
		t.Fatalf("protocol report %+v: want a missing-warp violation", res.Protocol)
	}
	dis := res.Dispute
	if dis == nil || dis.Verdict != "buyer_won" || !strings.Contains(dis.Why, "missing-warp") || len(dis.Verifiers) == 0 {
		t.Fatalf("dispute %+v: want buyer_won on the missing warp, decided by drawn verifiers", dis)
	}
	for _, v := range dis.Verifiers {
		if v == cheat.String() {
			t.Errorf("the provider %s was drawn as a verifier", v)
		}
	}
	// The buyer gets back price, PO stake and dispute stake, plus the
	// cheat's forfeited bid stake (less the verifiers' reward): it pays
	// only its transactions' fees.
	back := res.Price + params.Default().MinPoStake + dis.Stake
	if dis.Refund <= back {
		t.Fatalf("refund %d, want more than price + PO stake + dispute stake %d", dis.Refund, back)
	}
	forfeit := dis.Refund - back
	if after := balance(t, d, b.Address); !onlyFees(buyerBefore+forfeit, after, 8) {
		t.Errorf("buyer %d → %d: want it to gain the forfeit %d less a few transactions' fees", buyerBefore, after, forfeit)
	}
	if after := balance(t, d, cheat); after+forfeit > cheatBefore {
		t.Errorf("skip-step vendor %d → %d: want it to lose at least the forfeit %d", cheatBefore, after, forfeit)
	}
	// Honest nodes pay their verifier transactions' fees and earn the
	// verifiers' reward; none of their stake is taken.
	for k, i := range honest {
		after := balance(t, d, d.Nodes[i].Operator)
		v, err := d.Client.Verifier(ctx, d.Nodes[i].NodeKey)
		if err != nil {
			t.Fatal(err)
		}
		if v.GetStake() < VerifierStake {
			t.Errorf("%s: verifier stake %d, want at least %d", d.Nodes[i].Name, v.GetStake(), VerifierStake)
		}
		if after+4*params.Default().MinFee < honestBefore[k] {
			t.Errorf("%s: %d → %d, more than its transactions' fees", d.Nodes[i].Name, honestBefore[k], after)
		}
	}
}

// TestUncoveredProtocolExpiresOnDevnet: nobody's BotSpec covers a digest
// with NotI (the simulated lab does not stock it); no node bids, the
// order expires, and the buyer sees the bot node's first unmet
// requirement among the reasons. The buyer orders the registered package
// by its id: the client downloads it to fill and check the protocol.
func TestUncoveredProtocolExpiresOnDevnet(t *testing.T) {
	d, _, pkg := startBotDevnet(t, []NodeOptions{{}, {}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	key, _ := d.Key(KeyBuyer)
	b, err := order.NewBuyer(ctx, d.Client, key)
	if err != nil {
		t.Fatal(err)
	}
	before := balance(t, d, b.Address)
	res, err := b.Run(ctx, order.Request{Package: pkg, Params: map[string]string{"ENZYME": "NotI"}, MaxPrice: 5000, BidWindow: 10})
	if !errors.Is(err, order.ErrExpired) {
		t.Fatalf("run: %v, want ErrExpired", err)
	}
	var seen bool
	for _, r := range res.Reasons {
		seen = seen || strings.Contains(r.String(), "resource NotI: not in the bot's inventory")
	}
	if !seen {
		t.Errorf("reasons %v: want the bot node's unmet requirement", res.Reasons)
	}
	if after := balance(t, d, b.Address); !onlyFees(before, after, 2) {
		t.Errorf("buyer %d → %d: want only its transactions' fees spent (create, cancel or none)", before, after)
	}
}

// onlyFees reports whether a balance went from before to after by paying
// whole transaction fees only, at most n of them.
func onlyFees(before, after uint64, n uint64) bool {
	fee := params.Default().MinFee
	return after <= before && (before-after)%fee == 0 && (before-after)/fee <= n
}

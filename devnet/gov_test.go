package devnet

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node"
)

// TestGovernanceOnDevnet: on a devnet with short governance periods, the
// buyer proposes a treasury spend to itself and a lower min price, the
// validator votes yes (both through the `cell` CLI), and after the voting period and the timelock both
// take effect; the books balance (startDevnetParams checks the
// invariants at the end).
func TestGovernanceOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	d := startDevnetParams(t, []NodeOptions{{Price: 4800}}, func(p *ledgerpb.Params) {
		p.GovMinDeposit, p.GovVotingPeriodBlocks, p.GovTimelockBlocks = 1_000, 5, 2
		// The devnet's miners are paid from the pool and then the
		// treasury each cycle, which would empty it before the spend.
		p.MinerReward = 1
	})
	ctx := context.Background()
	treasury, err := d.Client.TreasuryBalance(ctx)
	if err != nil || treasury < 2 {
		t.Fatalf("treasury %d, %v", treasury, err)
	}
	spend := treasury / 2
	file := filepath.Join(t.TempDir(), "proposal.json")
	prop := fmt.Sprintf(`{"title": "pay the buyer, lower the min price", "deposit": "1000",
	  "messages": [{"treasury_spend": {"recipient": "%s", "amount": "%d"}},
	               {"param_change": {"name": "min_price", "value": "999"}}]}`, d.Buyer, spend)
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	cellCLI(t, d, "proposal_submitted", "tx", "gov", "submit-proposal", file, "--from", KeyBuyer)
	b0, err := d.Client.Balance(ctx, d.Buyer)
	if err != nil {
		t.Fatal(err)
	}
	cellCLI(t, d, "vote_cast", "tx", "gov", "vote", "1", "yes", "--from", KeyValidator)
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pr, err := d.Client.Proposal(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
			break
		}
		if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING && pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED || time.Now().After(deadline) {
			t.Fatalf("proposal 1: %v", pr)
		}
	}
	// The deposit came back at the tally; the spend at the execution.
	if b, err := d.Client.Balance(ctx, d.Buyer); err != nil || b != b0+1_000+spend {
		t.Fatalf("buyer %d → %d (spend %d), %v", b0, b, spend, err)
	}
	if p, err := d.Client.Params(ctx); err != nil || p.MinPrice != 999 {
		t.Fatalf("min_price %d, %v", p.GetMinPrice(), err)
	}
}

// TestLitigatedFundsReleasedOnlyByProposal: a buyer disputes a wrong
// result asking for litigation; the verifiers side with it and the
// order's price and PO stake are frozen in escrow. A direct
// release_litigation, even from the validator, is refused and moves
// nothing; a proposal that releases the funds to the buyer, submitted and
// voted through the `cell` CLI, passes, and
// at its execution the buyer receives exactly the frozen amount while the
// provider, the author and the treasury receive nothing from it.
func TestLitigatedFundsReleasedOnlyByProposal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	d := startDevnetParams(t, []NodeOptions{{Fault: node.FaultWrongOutput, Price: 4000}, {Price: 4500}, {Price: 4500}}, func(p *ledgerpb.Params) {
		p.GovMinDeposit, p.GovVotingPeriodBlocks, p.GovTimelockBlocks = 1_000, 5, 2
	})
	ctx := context.Background()
	r := createOrder(t, d, 5000, 150, 30)
	o := waitState(t, d, r.id, 20*time.Second, ledgerpb.OrderState_ORDER_STATE_AWARDED)
	if string(o.GetContract().GetNodeKey()) != string(d.Nodes[0].NodeKey) {
		t.Fatalf("the faulty node did not win")
	}
	r.upload(d.Nodes[0].Endpoint)
	waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_DELIVERED)
	r.dispute(ledgerpb.DisputeOutcome_DISPUTE_OUTCOME_LITIGATION)
	for _, v := range queryOrder(t, d, r.id).GetDispute().GetVerifiers() {
		r.upload(d.nodeByKey(t, v.GetNodeKey()).Endpoint)
	}
	o = waitState(t, d, r.id, 60*time.Second, ledgerpb.OrderState_ORDER_STATE_RESOLVED)
	frozen := o.GetDispute().GetFrozen()
	if o.GetDispute().GetVerdict() != ledgerpb.DisputeVerdict_DISPUTE_VERDICT_BUYER_WON || frozen != o.GetContract().GetPrice()+o.GetPoStake() {
		t.Fatalf("dispute %v: want buyer won with price + PO stake frozen", o.GetDispute())
	}
	p, err := d.Client.Params(ctx)
	if err != nil {
		t.Fatal(err)
	}
	val, err := d.Key(KeyValidator)
	if err != nil {
		t.Fatal(err)
	}
	provider := address.Address(o.GetContract().GetProvider())
	valAddr, err := address.FromPubKey(val.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	type books struct{ buyer, provider, author, validator, escrow uint64 }
	read := func() books {
		var b books
		for _, x := range []struct {
			a *uint64
			f func() (uint64, error)
		}{
			{&b.buyer, func() (uint64, error) { return d.Client.Balance(ctx, d.Buyer) }},
			{&b.provider, func() (uint64, error) { return d.Client.Balance(ctx, provider) }},
			{&b.author, func() (uint64, error) { return d.Client.Balance(ctx, d.Author) }},
			{&b.validator, func() (uint64, error) { return d.Client.Balance(ctx, valAddr) }},
			{&b.escrow, func() (uint64, error) { return d.Client.Balance(ctx, bank.ModuleAddress(market.EscrowAccount)) }},
		} {
			v, err := x.f()
			if err != nil {
				t.Fatal(err)
			}
			*x.a = v
		}
		return b
	}

	// The validator releasing the funds directly: refused, no fee paid
	// (the simulation refuses it), nothing moves.
	before := read()
	release := &ledgerpb.MsgReleaseLitigation{OrderId: r.id, ToBuyerAmount: frozen}
	if res, err := d.Client.Send(ctx, val, d.ChainID, p.MinFee, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReleaseLitigation{ReleaseLitigation: release}}); err == nil || !errors.Is(err, market.ErrNotAuthority) {
		t.Fatalf("direct release_litigation: %v %+v; want market.ErrNotAuthority", err, res)
	}
	if after := read(); after != before {
		t.Fatalf("a refused release moved funds: %+v → %+v", before, after)
	}

	// The proposal and the vote go through the `cell` CLI, with the
	// devnet's keyring.
	file := filepath.Join(t.TempDir(), "release.json")
	prop := fmt.Sprintf(`{"title": "release the litigated order to its buyer", "deposit": "1000",
	  "messages": [{"release_litigation": {"order_id": "%d", "to_buyer_amount": "%d", "to_provider_amount": "0"}}]}`, r.id, frozen)
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	cellCLI(t, d, "proposal_submitted", "tx", "gov", "submit-proposal", file, "--from", KeyBuyer)
	const id = 1 // the devnet's first proposal
	cellCLI(t, d, "vote_cast", "tx", "gov", "vote", "1", "yes", "--from", KeyValidator)
	before = read()
	var pr *ledgerpb.Proposal
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if pr, err = d.Client.Proposal(ctx, id); err != nil {
			t.Fatal(err)
		}
		if pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
			break
		}
		if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING && pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED || time.Now().After(deadline) {
			t.Fatalf("proposal %d: %v", id, pr)
		}
	}
	after := read()
	// The buyer gets its deposit back (at the tally) and the frozen funds
	// (at the execution); nobody else's balance moves; escrow lets go of
	// exactly the frozen amount.
	// (The provider's node keeps sending its own transactions, so its
	// balance may only fall.)
	want := before
	want.buyer += 1_000 + frozen
	want.escrow -= frozen
	if after.provider > before.provider {
		t.Errorf("the provider gained %d ucell from the release", after.provider-before.provider)
	}
	want.provider = after.provider
	if after != want {
		t.Fatalf("books after the release: %+v, want %+v (before %+v, frozen %d)", after, want, before, frozen)
	}
	if o := queryOrder(t, d, r.id); o.GetDispute().GetFrozen() != 0 {
		t.Fatalf("order still holds frozen funds: %v", o.GetDispute())
	}
}

// cellBin is the `cell` binary the governance tests drive, built once.
var cellBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "cell-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "cell")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/cell").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ../cmd/cell: %v\n%s", err, out)
	}
	return bin, nil
})

// cellCLI runs `cell --home d.Home ARGS --node d.RPC` (the devnet's keyring
// signs) and fails the test unless it exits 0 and prints want.
func cellCLI(t *testing.T, d *Devnet, want string, args ...string) string {
	t.Helper()
	bin, err := cellBin()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append(append([]string{"--home", d.Home}, args...), "--node", d.RPC)...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), want) {
		t.Fatalf("cell %s: %v, want %q in\n%s", strings.Join(args, " "), err, want, out)
	}
	return string(out)
}

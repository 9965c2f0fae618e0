package devnet

import (
	"context"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestGovernanceOnDevnet: on a devnet with short governance periods, the
// buyer proposes a treasury spend to itself and a lower min price, the
// validator votes yes, and after the voting period and the timelock both
// take effect; the books balance (startDevnetParams checks the
// invariants at the end).
func TestGovernanceOnDevnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a devnet")
	}
	d := startDevnetParams(t, []NodeOptions{{Price: 4800}}, func(p *ledgerpb.Params) {
		p.GovMinDeposit, p.GovVotingPeriodBlocks, p.GovTimelockBlocks = 1_000, 5, 2
	})
	ctx := context.Background()
	buyer, err := d.Key(KeyBuyer)
	if err != nil {
		t.Fatal(err)
	}
	val, err := d.Key(KeyValidator)
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Client.Params(ctx)
	if err != nil {
		t.Fatal(err)
	}
	treasury, err := d.Client.TreasuryBalance(ctx)
	if err != nil || treasury < 2 {
		t.Fatalf("treasury %d, %v", treasury, err)
	}
	spend := treasury / 2
	submit := &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitProposal{SubmitProposal: &ledgerpb.MsgSubmitProposal{
		Title: "pay the buyer, lower the min price", Deposit: 1_000,
		Messages: []*ledgerpb.ProposalMsg{
			{Sum: &ledgerpb.ProposalMsg_TreasurySpend{TreasurySpend: &ledgerpb.TreasurySpend{Recipient: d.Buyer.String(), Amount: spend}}},
			{Sum: &ledgerpb.ProposalMsg_ParamChange{ParamChange: &ledgerpb.ParamChange{Name: "min_price", Value: "999"}}},
		}}}}
	if r, err := d.Client.Send(ctx, buyer, d.ChainID, p.MinFee, submit); err != nil || r.Code != 0 {
		t.Fatalf("submit: %v %+v", err, r)
	}
	b0, err := d.Client.Balance(ctx, d.Buyer)
	if err != nil {
		t.Fatal(err)
	}
	vote := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Vote{Vote: &ledgerpb.MsgVote{ProposalId: 1, Option: ledgerpb.VoteOption_VOTE_OPTION_YES}}}
	if r, err := d.Client.Send(ctx, val, d.ChainID, p.MinFee, vote); err != nil || r.Code != 0 {
		t.Fatalf("vote: %v %+v", err, r)
	}
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

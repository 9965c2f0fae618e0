package app

import (
	"strings"
	"testing"

	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

func submitProposal(deposit uint64, msgs ...*ledgerpb.ProposalMsg) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitProposal{SubmitProposal: &ledgerpb.MsgSubmitProposal{
		Title: "a proposal", Description: "why", Messages: msgs, Deposit: deposit}}}
}

func depositMsg(id, amount uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deposit{Deposit: &ledgerpb.MsgDeposit{ProposalId: id, Amount: amount}}}
}

func voteMsg(id uint64, o ledgerpb.VoteOption) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Vote{Vote: &ledgerpb.MsgVote{ProposalId: id, Option: o}}}
}

func cancelProposal(id uint64) *ledgerpb.Msg {
	return &ledgerpb.Msg{Sum: &ledgerpb.Msg_CancelProposal{CancelProposal: &ledgerpb.MsgCancelProposal{ProposalId: id}}}
}

func paramChange(name, value string) *ledgerpb.ProposalMsg {
	return &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_ParamChange{ParamChange: &ledgerpb.ParamChange{Name: name, Value: value}}}
}

func treasurySpend(to key, amount uint64) *ledgerpb.ProposalMsg {
	return &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_TreasurySpend{TreasurySpend: &ledgerpb.TreasurySpend{Recipient: to.addr.String(), Amount: amount}}}
}

func textProposal() *ledgerpb.ProposalMsg {
	return &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_Text{Text: &ledgerpb.TextProposal{}}}
}

func propRelease(id, toBuyer, toProvider uint64) *ledgerpb.ProposalMsg {
	return &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_ReleaseLitigation{ReleaseLitigation: &ledgerpb.MsgReleaseLitigation{
		OrderId: id, ToBuyerAmount: toBuyer, ToProviderAmount: toProvider}}}
}

func propRecoveryAddresses(ks ...key) *ledgerpb.ProposalMsg {
	return &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_SetRecoveryAddresses{SetRecoveryAddresses: setRecoveryAddresses(ks...).GetSetRecoveryAddresses()}}
}

func (c *chain) proposal(id uint64) *ledgerpb.Proposal { return c.app.gov.Proposal(c.st, id) }

// govPass submits msgs as a proposal of proposer with the min deposit
// (voting starts at once), val0 — the only validator of testGenesis —
// votes yes in the next block, and blocks run up to the proposal's
// execution height; it returns the proposal and the execution block's
// result.
func (c *chain) govPass(proposer key, msgs ...*ledgerpb.ProposalMsg) (*ledgerpb.Proposal, BlockResult) {
	c.t.Helper()
	res := c.mustBlock(c.tx(proposer, submitProposal(c.p.GovMinDeposit, msgs...)))
	id := proposalID(c.t, res)
	c.mustBlock(c.tx(val0, voteMsg(id, ledgerpb.VoteOption_VOTE_OPTION_YES)))
	pr := c.proposal(id)
	for c.height < pr.VotingEndHeight-1 {
		c.mustBlock()
	}
	c.mustBlock()
	pr = c.proposal(id)
	if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED {
		c.t.Fatalf("proposal %d: %s after voting, tally %v", id, gov.StatusName(pr.Status), pr.Tally)
	}
	for c.height < pr.ExecutionHeight-1 {
		c.mustBlock()
	}
	res = c.mustBlock()
	return c.proposal(id), res
}

func proposalID(t testing.TB, res BlockResult) uint64 {
	t.Helper()
	for _, r := range res.TxResults {
		for _, e := range r.Events {
			if e.Type == "proposal_submitted" {
				var id uint64
				for _, ch := range attr(e, "proposal_id") {
					id = id*10 + uint64(ch-'0')
				}
				return id
			}
		}
	}
	t.Fatal("no proposal_submitted event")
	return 0
}

// TestGovParamChange: a passed proposal changes the market's max bid
// window at its execution height, not before: the timelock holds it from
// the tally (voting end) to voting end + gov_timelock_blocks.
func TestGovParamChange(t *testing.T) {
	c := newTestChain(t)
	res := c.mustBlock(c.tx(alice, submitProposal(1_000, paramChange("max_bid_window", "7")))) // 1: voting [1, 4)
	id := proposalID(t, res)
	if pr := c.proposal(id); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_VOTING || pr.VotingEndHeight != 4 || c.balance(alice) != 1_000_000-1_000-c.p.MinFee {
		t.Fatalf("proposal %v, alice %d", pr, c.balance(alice))
	}
	c.mustBlock(c.tx(val0, voteMsg(id, ledgerpb.VoteOption_VOTE_OPTION_YES))) // 2
	c.mustBlock()                                                             // 3
	res = c.mustBlock()                                                       // 4: tallied, execution at 6
	e := findEvent(t, res.Events, "proposal_tallied")
	if attr(e, "status") != "queued" || attr(e, "yes") != "50000" || attr(e, "total_bonded") != "50000" || attr(e, "execution_height") != "6" {
		t.Fatalf("tally %v", e)
	}
	if c.balance(alice) != 1_000_000-c.p.MinFee {
		t.Fatalf("deposit not returned: alice %d", c.balance(alice))
	}
	c.mustBlock() // 5: one block before the timelock ends
	if p := c.params(); p.MaxBidWindow != 20 {
		t.Fatalf("max_bid_window %d before execution", p.MaxBidWindow)
	}
	res = c.mustBlock() // 6
	findEvent(t, res.Events, "proposal_executed")
	if p := c.params(); p.MaxBidWindow != 7 {
		t.Fatalf("max_bid_window %d after execution", p.MaxBidWindow)
	}
	if pr := c.proposal(id); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
		t.Fatalf("status %s", gov.StatusName(pr.Status))
	}
}

func (c *chain) params() *ledgerpb.Params {
	c.t.Helper()
	p, err := params.Get(c.st)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

// TestGovRejections: every message's bad input is refused, and a
// refusal changes no state (checkHookedRejection compares digests).
func TestGovRejections(t *testing.T) {
	p := testParams()
	p.GovDepositPeriodBlocks = 100 // each case below runs a block
	c := newChain(t, testGenesis(p))
	res := c.mustBlock(c.tx(alice, submitProposal(400, textProposal()))) // 1: proposal 1, deposit period to 4
	if id := proposalID(t, res); id != 1 {
		t.Fatal(id)
	}
	long := strings.Repeat("x", gov.MaxTitleBytes+1)
	tooMany := make([]*ledgerpb.ProposalMsg, gov.MaxMessages+1)
	for i := range tooMany {
		tooMany[i] = textProposal()
	}
	const charged = true
	for _, tc := range []struct {
		name      string
		signer    key
		msg       *ledgerpb.Msg
		codespace string
		code      uint32
		log       string
		charged   bool
	}{
		{"no title", alice, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitProposal{SubmitProposal: &ledgerpb.MsgSubmitProposal{Messages: []*ledgerpb.ProposalMsg{textProposal()}}}},
			gov.Codespace, gov.ErrInvalidProposal.Number, "title: 0 bytes", !charged},
		{"a long title", alice, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitProposal{SubmitProposal: &ledgerpb.MsgSubmitProposal{Title: long, Messages: []*ledgerpb.ProposalMsg{textProposal()}}}},
			gov.Codespace, gov.ErrInvalidProposal.Number, "title: 141 bytes", !charged},
		{"no messages", alice, submitProposal(0), gov.Codespace, gov.ErrInvalidProposal.Number, "messages: 0", !charged},
		{"too many messages", alice, submitProposal(0, tooMany...), gov.Codespace, gov.ErrInvalidProposal.Number, "messages: 17", !charged},
		{"an empty message", alice, submitProposal(0, &ledgerpb.ProposalMsg{}), gov.Codespace, gov.ErrInvalidProposal.Number, "messages[0]: no message set", !charged},
		{"an unknown param", alice, submitProposal(0, paramChange("no_such_param", "1")), gov.Codespace, gov.ErrInvalidParamChange.Number, `"no_such_param": no such param`, !charged},
		{"a param value that does not parse", alice, submitProposal(0, paramChange("max_bid_window", "-1")), gov.Codespace, gov.ErrInvalidParamChange.Number, "decimal integer", !charged},
		{"a uint32 param out of range", alice, submitProposal(0, paramChange("max_validators", "4294967296")), gov.Codespace, gov.ErrInvalidParamChange.Number, "32 bits", !charged},
		{"a param change its module refuses", alice, submitProposal(0, paramChange("max_bid_window", "0")), gov.Codespace, gov.ErrInvalidParamChange.Number, "max_bid_window 0: must be in [1", charged},
		{"params refused together", alice, submitProposal(0, paramChange("verifiers_per_dispute", "1")), gov.Codespace, gov.ErrInvalidParamChange.Number, "min_dispute_quorum 2", charged},
		{"a spend to a bad address", alice, submitProposal(0, &ledgerpb.ProposalMsg{Sum: &ledgerpb.ProposalMsg_TreasurySpend{TreasurySpend: &ledgerpb.TreasurySpend{Recipient: "cosmos1x", Amount: 1}}}),
			gov.Codespace, gov.ErrInvalidAddress.Number, "treasury_spend.recipient", !charged},
		{"a spend of 0", alice, submitProposal(0, treasurySpend(bob, 0)), gov.Codespace, gov.ErrInvalidAmount.Number, "treasury_spend.amount 0", !charged},
		{"a deposit on no proposal", alice, depositMsg(9, 10), gov.Codespace, gov.ErrNoProposal.Number, "proposal 9: not found", charged},
		{"a deposit of 0", alice, depositMsg(1, 0), gov.Codespace, gov.ErrInvalidAmount.Number, "amount 0", !charged},
		{"a deposit above the balance", bob, depositMsg(1, 600_000), bank.Codespace, bank.ErrInsufficientFunds.Number, "deposit 600000 ucell", charged},
		{"a vote in the deposit period", val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES), gov.Codespace, gov.ErrWrongStatus.Number, "is deposit", charged},
		{"a vote without an option", val0, voteMsg(1, 0), gov.Codespace, gov.ErrInvalidOption.Number, "option 0", !charged},
		{"a vote with an unknown option", val0, voteMsg(1, 9), gov.Codespace, gov.ErrInvalidOption.Number, "option 9", !charged},
		{"a vote with a malformed proof", val0, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Vote{Vote: &ledgerpb.MsgVote{ProposalId: 1, Option: 1, ReputationProof: &ledgerpb.ReputationProof{}}}},
			reputation.Codespace, reputation.ErrInvalidProof.Number, "colony: 0 bytes", !charged},
		{"a cancel by another", bob, cancelProposal(1), gov.Codespace, gov.ErrNotProposer.Number, "is not its proposer", charged},
		{"a cancel of no proposal", alice, cancelProposal(7), gov.Codespace, gov.ErrNoProposal.Number, "not found", charged},
		{"a direct release of litigated funds", alice, releaseLitigation(1, 1, 1), market.Codespace, market.ErrNotAuthority.Number, "only a passed governance proposal", !charged},
		{"a direct set of the recovery addresses", alice, setRecoveryAddresses(alice), reputation.Codespace, reputation.ErrNotAuthority.Number, "only a passed governance proposal", !charged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkHookedRejection(t, c, c.tx(tc.signer, tc.msg), tc.codespace, tc.code, tc.log, tc.charged)
		})
	}
}

// TestGovWindowEdges: deposits are taken below deposit_end_height, votes
// below voting_end_height, cancels before voting ends; a proposal that
// never reaches the min deposit expires with its deposits returned.
func TestGovWindowEdges(t *testing.T) {
	// Submitted at 1 with half the deposit: deposit period [1, 4).
	start := func(t *testing.T) *chain {
		c := newTestChain(t)
		c.mustBlock(c.tx(alice, submitProposal(500, textProposal())))
		return c
	}
	t.Run("a deposit one block before the deposit end starts voting", func(t *testing.T) {
		c := start(t)
		c.mustBlock()                                     // 2
		res := c.mustBlock(c.tx(bob, depositMsg(1, 500))) // 3
		if e := findEvent(t, res.TxResults[0].Events, "voting_started"); attr(e, "voting_end_height") != "6" {
			t.Fatalf("event %v", e)
		}
		if d := c.app.gov.Deposits(c.st, 1); len(d) != 2 {
			t.Fatalf("deposits %v", d)
		}
	})
	t.Run("a deposit at the deposit end is refused; the proposal expired", func(t *testing.T) {
		c := start(t)
		c.mustBlock() // 2
		c.mustBlock() // 3
		a0 := c.balance(alice)
		checkHookedRejection(t, c, c.tx(bob, depositMsg(1, 500)), gov.Codespace, gov.ErrWrongStatus.Number, "is expired", true) // 4
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXPIRED || c.balance(alice) != a0+500 {
			t.Fatalf("proposal %v, alice %d → %d", pr, a0, c.balance(alice))
		}
	})
	// Voting from 1: votes at 1 … 3, the tally at 4.
	voting := func(t *testing.T) *chain {
		c := newTestChain(t)
		c.mustBlock(c.tx(alice, submitProposal(1_000, textProposal())))
		return c
	}
	t.Run("a vote one block before the voting end counts", func(t *testing.T) {
		c := voting(t)
		c.mustBlock()                                                            // 2
		c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES))) // 3
		c.mustBlock()                                                            // 4
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED || pr.ExecutionHeight != 6 {
			t.Fatalf("proposal %v", pr)
		}
		c.mustBlock() // 5: the timelock holds it
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED {
			t.Fatalf("proposal %v", pr)
		}
		res := c.mustBlock() // 6
		findEvent(t, res.Events, "proposal_executed")
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
			t.Fatalf("proposal %v", pr)
		}
		c.mustBlock() // 7: nothing due any more
		if st := c.proposal(1).Status; st != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
			t.Fatal(st)
		}
	})
	t.Run("a vote at the voting end is refused; without votes it is rejected", func(t *testing.T) {
		c := voting(t)
		c.mustBlock() // 2
		c.mustBlock() // 3
		a0 := c.balance(alice)
		checkHookedRejection(t, c, c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES)), gov.Codespace, gov.ErrWrongStatus.Number, "is rejected", true) // 4
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_REJECTED || c.balance(alice) != a0+1_000 {
			t.Fatalf("proposal %v, alice %d → %d", pr, a0, c.balance(alice))
		}
	})
	t.Run("a cancel one block before the voting end burns the deposit", func(t *testing.T) {
		c := voting(t)
		c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES))) // 2
		s0 := c.app.bank.Supply(c.st)
		res := c.mustBlock(c.tx(alice, cancelProposal(1))) // 3
		if e := findEvent(t, res.TxResults[0].Events, "proposal_cancelled"); attr(e, "burned") != "1000" || c.app.bank.Supply(c.st) != s0-1_000 {
			t.Fatalf("event %v, supply %d → %d", e, s0, c.app.bank.Supply(c.st))
		}
		c.mustBlock() // 4: nothing due
		if pr := c.proposal(1); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_CANCELLED {
			t.Fatalf("proposal %v", pr)
		}
	})
	t.Run("a cancel at the voting end is refused", func(t *testing.T) {
		c := voting(t)
		c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES)))                                                // 2
		c.mustBlock()                                                                                                           // 3
		checkHookedRejection(t, c, c.tx(alice, cancelProposal(1)), gov.Codespace, gov.ErrWrongStatus.Number, "is queued", true) // 4
	})
}

// TestGovVetoBurns: a veto at the veto threshold burns the deposits; a
// second validator's no keeps yes at the threshold, not above it.
func TestGovVetoAndThreshold(t *testing.T) {
	t.Run("veto", func(t *testing.T) {
		c := newTestChain(t)
		c.mustBlock(c.tx(alice, submitProposal(1_000, textProposal())))           // 1
		c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_VETO))) // 2
		c.mustBlock()                                                             // 3
		s0, a0 := c.app.bank.Supply(c.st), c.balance(alice)
		res := c.mustBlock() // 4
		if e := findEvent(t, res.Events, "proposal_tallied"); attr(e, "status") != "vetoed" || attr(e, "veto") != "50000" {
			t.Fatalf("event %v", e)
		}
		if c.app.bank.Supply(c.st) != s0-1_000 || c.balance(alice) != a0 {
			t.Fatalf("supply %d → %d, alice %d → %d", s0, c.app.bank.Supply(c.st), a0, c.balance(alice))
		}
	})
	t.Run("yes equal to no is not above the threshold", func(t *testing.T) {
		c := newTestChain(t)
		c.mustBlock(c.tx(val1, createValidator(cons1, 50_000, "val1")))          // 1: as much stake as val0
		c.mustBlock(c.tx(alice, submitProposal(1_000, textProposal())))          // 2
		c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES)), // 3
			c.tx(val1, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_NO)))
		c.mustBlock()        // 4
		res := c.mustBlock() // 5
		if e := findEvent(t, res.Events, "proposal_tallied"); attr(e, "status") != "rejected" || attr(e, "yes") != "50000" || attr(e, "no") != "50000" || attr(e, "total_bonded") != "100000" {
			t.Fatalf("event %v", e)
		}
	})
}

// TestGovTreasurySpend: a passed spend pays from the treasury; an
// overspend passes the vote but fails at execution and changes nothing.
func TestGovTreasurySpend(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, send(bob, 1))) // the treasury holds a fee
	c.mustBlock(c.tx(alice, send(bob, 1)))
	pr, res := c.govPass(alice, treasurySpend(carol, 10))
	if pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED || c.balance(carol) != 10 {
		t.Fatalf("proposal %v, carol %d", pr, c.balance(carol))
	}
	findEvent(t, res.Events, "transfer")
	tr := c.treasuryBalance()
	before := clone(c.st)
	pr, res = c.govPass(alice, treasurySpend(carol, 5), treasurySpend(carol, tr*10))
	if e := findEvent(t, res.Events, "proposal_failed"); pr.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED ||
		!strings.Contains(attr(e, "reason"), "messages[1]") || !strings.Contains(attr(e, "reason"), "insufficient funds") {
		t.Fatalf("proposal %v", pr)
	}
	if c.balance(carol) != 10 || c.app.bank.Balance(before, carol.addr) != 10 {
		t.Fatalf("carol %d: the failed proposal's first spend was kept", c.balance(carol))
	}
	for _, e := range res.Events {
		if e.Type == "transfer" && attr(e, "to") == carol.addr.String() {
			t.Fatalf("a failed execution reported %v", e)
		}
	}
}

// TestGovTwoChamber: a raise of a supply param by more than 10 % needs
// the reputation chamber too (Colony's two-chamber rule): with the
// validators' yes alone it is rejected; with more proven reputation for
// yes than for no it passes. The supply ceiling is 1,000,000,000 ucell.
func TestGovTwoChamber(t *testing.T) {
	for _, tc := range []struct {
		name    string
		raise   string
		ballots map[int]ledgerpb.VoteOption // dvVoters index → vote with proof
		want    ledgerpb.ProposalStatus
		needs   bool
	}{
		{"a raise of 10 % needs no reputation", "1100000000", nil, ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED, false},
		{"a raise above 10 % without reputation votes", "1100000001", nil, ledgerpb.ProposalStatus_PROPOSAL_STATUS_REJECTED, true},
		{"reputation against", "1100000001", map[int]ledgerpb.VoteOption{0: ledgerpb.VoteOption_VOTE_OPTION_NO, 3: ledgerpb.VoteOption_VOTE_OPTION_YES},
			ledgerpb.ProposalStatus_PROPOSAL_STATUS_REJECTED, true},
		{"reputation for", "1100000001", map[int]ledgerpb.VoteOption{0: ledgerpb.VoteOption_VOTE_OPTION_YES, 3: ledgerpb.VoteOption_VOTE_OPTION_NO, 1: ledgerpb.VoteOption_VOTE_OPTION_ABSTAIN},
			ledgerpb.ProposalStatus_PROPOSAL_STATUS_QUEUED, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := domainDelivered(t)
			c := d.chain
			p := c.params()
			p.MintSupplyCeiling = 1_000_000_000
			if err := params.Set(c.st, p); err != nil {
				t.Fatal(err)
			}
			res := c.mustBlock(c.tx(alice, submitProposal(c.p.GovMinDeposit, paramChange("mint_supply_ceiling", tc.raise))))
			id := proposalID(t, res)
			if pr := c.proposal(id); pr.NeedsReputation != tc.needs {
				t.Fatalf("needs_reputation %v", pr.NeedsReputation)
			}
			txs := [][]byte{c.tx(val0, voteMsg(id, ledgerpb.VoteOption_VOTE_OPTION_YES))}
			for i, o := range tc.ballots {
				txs = append(txs, c.tx(dvVoters[i], &ledgerpb.Msg{Sum: &ledgerpb.Msg_Vote{Vote: &ledgerpb.MsgVote{ProposalId: id, Option: o, ReputationProof: d.proof(dvVoters[i])}}}))
			}
			c.mustBlock(txs...)
			for c.height < c.proposal(id).VotingEndHeight {
				c.mustBlock()
			}
			if pr := c.proposal(id); pr.Status != tc.want {
				t.Fatalf("status %s, tally %v", gov.StatusName(pr.Status), pr.Tally)
			}
		})
	}
	t.Run("a proof of another voter is refused", func(t *testing.T) {
		d := domainDelivered(t)
		c := d.chain
		res := c.mustBlock(c.tx(alice, submitProposal(c.p.GovMinDeposit, textProposal())))
		id := proposalID(t, res)
		m := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Vote{Vote: &ledgerpb.MsgVote{ProposalId: id, Option: ledgerpb.VoteOption_VOTE_OPTION_YES, ReputationProof: d.proof(dvVoters[0])}}}
		checkHookedRejection(t, c, c.tx(dvVoters[1], m), reputation.Codespace, reputation.ErrInvalidProof.Number, "want skill", true)
		m.GetVote().ReputationProof = d.proof(dvVoters[4]) // reputation 0
		checkHookedRejection(t, c, c.tx(dvVoters[4], m), gov.Codespace, gov.ErrNoReputation.Number, "proves reputation 0", true)
	})
}

// TestGovParamChangeCheckedAgainAtExecution: two proposals, each valid
// when submitted, execute at the same height in id order; the second is
// refused by the params' validation against the params the first left
// (min_dispute_quorum above verifiers_per_dispute) and changes nothing.
func TestGovParamChangeCheckedAgainAtExecution(t *testing.T) {
	c := newTestChain(t)
	c.mustBlock(c.tx(alice, submitProposal(1_000, paramChange("verifiers_per_dispute", "2"))), // 1: proposals 1 and 2
		c.tx(bob, submitProposal(1_000, paramChange("min_dispute_quorum", "3"))))
	c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES), voteMsg(2, ledgerpb.VoteOption_VOTE_OPTION_YES))) // 2
	c.mustBlock()                                                                                                             // 3
	c.mustBlock()                                                                                                             // 4: both queued for 6
	c.mustBlock()                                                                                                             // 5
	res := c.mustBlock()                                                                                                      // 6
	if e := findEvent(t, res.Events, "proposal_failed"); attr(e, "proposal_id") != "2" || !strings.Contains(attr(e, "reason"), "min_dispute_quorum 3") {
		t.Fatalf("event %v", e)
	}
	if p := c.params(); p.VerifiersPerDispute != 2 || p.MinDisputeQuorum != 2 {
		t.Fatalf("verifiers_per_dispute %d, min_dispute_quorum %d", p.VerifiersPerDispute, p.MinDisputeQuorum)
	}
	if c.proposal(1).Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED || c.proposal(2).Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_FAILED {
		t.Fatalf("statuses %v, %v", c.proposal(1).Status, c.proposal(2).Status)
	}
}

// TestGovDelegatorOverrides: with real delegations, a delegator's own vote
// takes its delegated stake from its validator's vote; a delegator that
// does not vote follows its validator.
func TestGovDelegatorOverrides(t *testing.T) {
	c := newTestChain(t)
	delegate := func(amount uint64) *ledgerpb.Msg {
		return &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: val0.addr.Bytes(), Amount: amount}}}
	}
	c.mustBlock(c.tx(alice, delegate(20_000)), c.tx(bob, delegate(10_000)))  // 1: val0 holds 80,000
	c.mustBlock(c.tx(alice, submitProposal(1_000, textProposal())))          // 2: voting [2, 5)
	c.mustBlock(c.tx(val0, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_YES)), // 3
		c.tx(alice, voteMsg(1, ledgerpb.VoteOption_VOTE_OPTION_NO)))
	c.mustBlock()        // 4
	res := c.mustBlock() // 5
	e := findEvent(t, res.Events, "proposal_tallied")
	if attr(e, "yes") != "60000" || attr(e, "no") != "20000" || attr(e, "total_bonded") != "80000" || attr(e, "status") != "queued" {
		t.Fatalf("tally %v", e)
	}
}

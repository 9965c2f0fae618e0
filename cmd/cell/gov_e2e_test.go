package main_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestMultiValidatorGovernance runs a 4-validator testnet as 4 processes
// whose genesis has short governance periods, driven by the `cell` CLI: a
// proposal file that changes the market's max bid window and pays half
// the treasury to a fresh account is submitted (`cell tx gov
// submit-proposal`), three of the four validators vote yes (`cell tx gov
// vote`; 75 % of the stake, above the quorum), and after the voting
// period and the timelock it executes at the same height on every
// validator: all four report it executed at that height, show the new
// param and the payment, and agree on the app hash after it.
func TestMultiValidatorGovernance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four nodes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	base := freeport.Base(t, 4, 10)
	const chainID = "gov-test"
	cell(t, "testnet", "init", "--validators", "4", "--out", dir, "--base-port", fmt.Sprint(base),
		"--block-time", "200ms", "--chain-id", chainID)
	for i := 0; i < 4; i++ {
		shortGovPeriods(t, filepath.Join(dir, fmt.Sprintf("node%d", i), "config", "genesis.json"))
	}
	var procs []*process
	var clients []*client.Client
	for i := 0; i < 4; i++ {
		home := filepath.Join(dir, fmt.Sprintf("node%d", i))
		procs = append(procs, start(t, home))
		clients = append(clients, nodeClient(t, home))
	}
	c0 := clients[0]
	waitHeight(t, c0, 3, procs[0])

	const window = 4321
	// The proposal, from a file, through the CLI of node0's home: the
	// bid window param and a treasury spend to a fresh account.
	ph := sha256.Sum256([]byte("gov e2e payee"))
	payee := address.Address(ph[:20])
	treasury0, err := c0.TreasuryBalance(ctx)
	if err != nil || treasury0 < 2 {
		t.Fatalf("treasury %d, %v", treasury0, err)
	}
	spend := treasury0 / 2
	file := filepath.Join(t.TempDir(), "proposal.json")
	prop := fmt.Sprintf(`{"title": "max bid window and a payment", "deposit": "1000",
	  "messages": [{"param_change": {"name": "max_bid_window", "value": "%d"}},
	               {"treasury_spend": {"recipient": "%s", "amount": "%d"}}]}`, window, payee, spend)
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	rpc := func(i int) string {
		a, err := chain.RPCAddress(procs[i].home)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if out := cell(t, "--home", procs[0].home, "tx", "gov", "submit-proposal", file, "--from", "validator", "--fee", "1000", "--node", rpc(0)); !strings.Contains(out, "voting_started") {
		t.Fatalf("submit-proposal:\n%s", out)
	}
	for i := 0; i < 3; i++ {
		if out := cell(t, "--home", procs[i].home, "tx", "gov", "vote", "1", "yes", "--from", "validator", "--fee", "1000", "--node", rpc(i)); !strings.Contains(out, "vote_cast") {
			t.Fatalf("vote of node%d:\n%s", i, out)
		}
	}
	if out := cell(t, "--home", procs[0].home, "query", "gov", "tally", "1", "--node", rpc(0)); !strings.Contains(out, "veto 0") {
		t.Fatalf("query gov tally 1:\n%s", out)
	}
	var pr *ledgerpb.Proposal
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if pr, err = c0.Proposal(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if pr.Status == ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("proposal 1 not executed: %v\n%s", pr, procs[0].tail())
		}
	}
	if pr.Tally.GetYes()*4 != pr.Tally.GetTotalBonded()*3 || pr.ExecutionHeight != pr.VotingEndHeight+3 {
		t.Fatalf("proposal 1: %v", pr)
	}
	e := pr.ExecutionHeight
	hashes := map[string]bool{}
	for i, c := range clients {
		waitHeight(t, c, e+1, procs[i])
		p, err := c.Proposal(ctx, 1)
		if err != nil || p.Status != ledgerpb.ProposalStatus_PROPOSAL_STATUS_EXECUTED || p.ExecutionHeight != e {
			t.Fatalf("node%d: proposal %v, %v", i, p, err)
		}
		params, err := c.Params(ctx)
		if err != nil || params.MaxBidWindow != window {
			t.Fatalf("node%d: max_bid_window %d, %v", i, params.GetMaxBidWindow(), err)
		}
		if b, err := c.Balance(ctx, payee); err != nil || b != spend {
			t.Fatalf("node%d: payee balance %d, %v; want the spend %d", i, b, err, spend)
		}
		hashes[appHash(t, c, e+1)] = true
	}
	if len(hashes) != 1 {
		t.Fatalf("app hashes after the execution height %d differ: %v", e, hashes)
	}
}

// shortGovPeriods edits a testnet genesis file: a voting period of 6
// blocks, a timelock of 3 and a min deposit of 1,000 ucell. Every node
// gets the same edit of the same file, so the genesis stays the same.
func shortGovPeriods(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var g map[string]any
	if err := dec.Decode(&g); err != nil {
		t.Fatal(err)
	}
	p := g["app_state"].(map[string]any)["params"].(map[string]any)
	p["govVotingPeriodBlocks"], p["govTimelockBlocks"], p["govMinDeposit"] = "6", "3", "1000"
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

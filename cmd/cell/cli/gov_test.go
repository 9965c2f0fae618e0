package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// TestGovCommandsOnChain runs governance end to end from the CLI on a
// chain: a proposal that changes the market's max bid window and pays
// from the treasury is submitted from a file with half the deposit,
// topped up, voted yes by the validator, executed after the voting period
// and the timelock; the param and the payment show; a second proposal is
// cancelled by its proposer.
func TestGovCommandsOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{0x6f}, ed25519.SeedSize)
	if _, err := kr.AddFromSeed("validator", seed, nil); err != nil {
		t.Fatal(err)
	}
	alice, err := kr.Add("alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	payee, err := kr.Add("payee", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := params.Default()
	p.GovMinDeposit = 2_000
	p.GovVotingPeriodBlocks = 4
	p.GovTimelockBlocks = 2
	g := &ledgerpb.Genesis{Params: p, Accounts: []*ledgerpb.GenesisAccount{{Address: alice.Address.String(), Balance: 1_000_000}}}
	rpc := testchain.Start(t, testchain.Options{ChainID: "gov", Genesis: g, Operator: ed25519.NewKeyFromSeed(seed)}).RPC
	cell := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, append(args, "--node", rpc)...), &out, &errb)
		return out.String(), errb.String(), code
	}
	mustCell := func(want string, args ...string) string {
		t.Helper()
		stdout, stderr, code := cell(args...)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("cell %s: exit %d, want %q\n%s\n%s", strings.Join(args, " "), code, want, stdout, stderr)
		}
		return stdout
	}
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		stdout, _, code := cell("status")
		if code == 0 && !strings.Contains(stdout, "height 0 ") && !strings.Contains(stdout, "height 1 ") {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the chain did not start:\n%s", stdout)
		}
	}
	// The treasury holds the fees of the transactions so far.
	mustCell("transfer", "tx", "bank", "send", "payee", "1", "--from", "alice")
	mustCell("gov_min_deposit", "query", "gov", "params")

	file := filepath.Join(t.TempDir(), "proposal.json")
	prop := `{"title": "Shorter bid windows", "description": "and a payment", "deposit": "1000",
	  "messages": [{"param_change": {"name": "max_bid_window", "value": "77"}},
	               {"treasury_spend": {"recipient": "` + payee.Address.String() + `", "amount": "500"}}]}`
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCell("proposal_submitted", "tx", "gov", "submit-proposal", file, "--from", "alice")
	mustCell("deposit", "query", "gov", "proposals")
	mustCell("voting_started", "tx", "gov", "deposit", "1", "1000", "--from", "alice")
	mustCell("vote_cast", "tx", "gov", "vote", "1", "yes", "--from", "validator")
	mustCell("yes", "query", "gov", "votes", "1")
	mustCell("no 0", "query", "gov", "tally", "1")
	var pr proposalJSON
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		stdout := mustCell("", "query", "gov", "proposal", "1", "--output", "json")
		if err := json.Unmarshal([]byte(stdout), &pr); err != nil {
			t.Fatal(err)
		}
		if pr.Status == "executed" {
			break
		}
		if pr.Status != "voting" && pr.Status != "queued" || time.Since(start) > 60*time.Second {
			t.Fatalf("proposal 1: %s", stdout)
		}
	}
	if pr.ExecutionHeight != pr.VotingEndHeight+2 || pr.Tally == nil || pr.Tally.Yes == 0 {
		t.Fatalf("proposal 1: %+v", pr)
	}
	c, err := client.New(rpc)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := c.Params(t.Context()); err != nil || p.MaxBidWindow != 77 {
		t.Errorf("max_bid_window after the proposal: %d, %v", p.GetMaxBidWindow(), err)
	}
	mustCell("501", "query", "bank", "balance", "payee")

	mustCell("proposal_submitted", "tx", "gov", "submit-proposal", file, "--from", "alice") // in its deposit period
	if stdout, _, code := cell("tx", "gov", "cancel", "2", "--from", "validator"); code == 0 || !strings.Contains(stdout, "not its proposer") {
		t.Errorf("cancel by another: exit %d\n%s", code, stdout)
	}
	mustCell("proposal_cancelled", "tx", "gov", "cancel", "2", "--from", "alice")
	mustCell("cancelled", "query", "gov", "proposal", "2")
	if _, stderr, code := cell("tx", "gov", "vote", "2", "maybe", "--from", "validator"); code != 2 || !strings.Contains(stderr, "yes, no, abstain or veto") {
		t.Errorf("vote maybe: exit %d\n%s", code, stderr)
	}
	if _, stderr, code := cell("tx", "gov", "vote", "2", "yes", "--proof-from", "http://127.0.0.1:1", "--from", "validator"); code != 2 || !strings.Contains(stderr, "needs --skill") {
		t.Errorf("vote --proof-from without --skill: exit %d\n%s", code, stderr)
	}
	if stdout, _, code := cell("tx", "gov", "vote", "2", "yes", "--proof-from", "http://127.0.0.1:1", "--skill", "compute", "--from", "validator"); code == 0 {
		t.Errorf("vote with an unreachable miner: exit 0\n%s", stdout)
	}
}

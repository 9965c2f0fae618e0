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

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

func TestRecoverySetRootArgs(t *testing.T) {
	root := strings.Repeat("ab", 32)
	jrh := "0x" + strings.Repeat("cd", 32)
	m, err := recoverySetRootArgs([]string{"3", root, "17", jrh})
	if err != nil || m.Cycle != 3 || m.NLeaves != 17 || len(m.Root) != 32 || m.Jrh[0] != 0xcd {
		t.Fatalf("recoverySetRootArgs = %v, %v", m, err)
	}
	for _, args := range [][]string{
		{"x", root, "17", jrh},
		{"3", "abcd", "17", jrh},
		{"3", root, "17", "zz"},
		{"3", root, "-1", jrh},
	} {
		if _, err := recoverySetRootArgs(args); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestRecoveryCommandsParse: the recovery commands exist and refuse bad
// arguments as usage errors (exit code 2) before reaching a node.
func TestRecoveryCommandsParse(t *testing.T) {
	for _, args := range [][]string{
		{"tx", "reputation", "recovery", "enter", "extra"},
		{"tx", "reputation", "recovery", "approve-exit"},
		{"tx", "reputation", "recovery", "approve-exit", "one"},
		{"tx", "reputation", "recovery", "set-root", "1", "2", "3"},
		{"tx", "reputation", "recovery", "set-root", "x", strings.Repeat("ab", 32), "1", strings.Repeat("ab", 32)},
		{"query", "reputation", "recovery", "extra"},
	} {
		if _, errOut, code := cell(t, args...); code != 2 {
			t.Errorf("%v: code %d, %q", args, code, errOut)
		}
	}
}

// TestRecoveryCommandsOnChain runs the recovery commands against a chain
// whose genesis names three recovery addresses of the keyring: one
// enters, the status shows it, entering again fails, two approvals end
// recovery mode, and a governance proposal replaces the addresses: rec1
// submits it from a file, the validator votes yes, and after the voting
// period and the timelock it is executed.
func TestRecoveryCommandsOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{0x5e}, ed25519.SeedSize)
	_, err = kr.AddFromSeed("validator", seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := params.Default()
	p.GovMinDeposit = 1_000
	p.GovVotingPeriodBlocks = 4
	p.GovTimelockBlocks = 2
	g := &ledgerpb.Genesis{Params: p}
	for _, name := range []string{"rec1", "rec2", "rec3"} {
		info, err := kr.Add(name, nil)
		if err != nil {
			t.Fatal(err)
		}
		g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: info.Address.String(), Balance: 1_000_000})
		g.RecoveryAddresses = append(g.RecoveryAddresses, info.Address.String())
	}
	rpc := testchain.Start(t, testchain.Options{ChainID: "recovery", Genesis: g, Operator: ed25519.NewKeyFromSeed(seed)}).RPC
	cellAt := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, append(args, "--node", rpc)...), &out, &errb)
		return out.String(), errb.String(), code
	}
	status := func() recoveryJSON {
		t.Helper()
		stdout, stderr, code := cellAt("query", "reputation", "recovery", "--output", "json")
		var r recoveryJSON
		if code != 0 || json.Unmarshal([]byte(stdout), &r) != nil {
			t.Fatalf("query reputation recovery: exit %d\n%s\n%s", code, stdout, stderr)
		}
		return r
	}

	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		// CometBFT reports a block stored before the application has
		// committed it: from height 2 on, block 1's state is committed.
		stdout, _, code := cellAt("status")
		if code == 0 && !strings.Contains(stdout, "height 0 ") && !strings.Contains(stdout, "height 1 ") {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the chain did not start:\n%s", stdout)
		}
	}
	if r := status(); r.Active || len(r.Addresses) != 3 || r.Needed != 2 {
		t.Fatalf("before: %+v", r)
	}
	stdout, stderr, code := cellAt("tx", "reputation", "recovery", "enter", "--from", "rec1")
	if code != 0 || !strings.Contains(stdout, "recovery_entered") {
		t.Fatalf("enter: exit %d\n%s\n%s", code, stdout, stderr)
	}
	rec1, _ := kr.Show("rec1")
	if r := status(); !r.Active || r.EnteredBy != rec1.Address.String() {
		t.Fatalf("after enter: %+v", r)
	}
	if stdout, _, _ := cellAt("query", "reputation", "mining"); !strings.Contains(stdout, "recovery mode: mining stopped") {
		t.Errorf("query reputation mining:\n%s", stdout)
	}
	if stdout, _, code := cellAt("tx", "reputation", "recovery", "enter", "--from", "rec2"); code != 1 || !strings.Contains(stdout, "in recovery mode already") {
		t.Errorf("enter twice: exit %d\n%s", code, stdout)
	}
	for _, name := range []string{"rec2", "rec3"} {
		if stdout, stderr, code := cellAt("tx", "reputation", "recovery", "approve-exit", "0", "--from", name); code != 0 {
			t.Fatalf("approve-exit by %s: exit %d\n%s\n%s", name, code, stdout, stderr)
		} else if name == "rec3" && !strings.Contains(stdout, "recovery_exited") {
			t.Errorf("the second approval did not end recovery mode:\n%s", stdout)
		}
	}
	stdout, _, code = cellAt("query", "reputation", "recovery")
	if code != 0 || !strings.Contains(stdout, "not in recovery mode") {
		t.Errorf("query reputation recovery: exit %d\n%s", code, stdout)
	}
	file := filepath.Join(t.TempDir(), "proposal.json")
	prop := `{"title": "rec1 alone", "deposit": "1000", "messages": [{"set_recovery_addresses": {"addresses": ["` + rec1.Address.String() + `"]}}]}`
	if err := os.WriteFile(file, []byte(prop), 0o600); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := cellAt("tx", "gov", "submit-proposal", file, "--from", "rec1"); code != 0 || !strings.Contains(stdout, "voting_started") {
		t.Fatalf("submit-proposal: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellAt("tx", "gov", "vote", "1", "yes", "--from", "validator"); code != 0 || !strings.Contains(stdout, "vote_cast") {
		t.Fatalf("vote: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, _, code := cellAt("query", "gov", "votes", "1"); code != 0 || !strings.Contains(stdout, "yes") {
		t.Errorf("query gov votes: exit %d\n%s", code, stdout)
	}
	for start := time.Now(); ; time.Sleep(200 * time.Millisecond) {
		stdout, stderr, code := cellAt("query", "gov", "proposal", "1", "--output", "json")
		var pr struct {
			Status string `json:"status"`
		}
		if code != 0 || json.Unmarshal([]byte(stdout), &pr) != nil {
			t.Fatalf("query gov proposal: exit %d\n%s\n%s", code, stdout, stderr)
		}
		if pr.Status == "executed" {
			break
		}
		if pr.Status != "voting" && pr.Status != "queued" || time.Since(start) > 60*time.Second {
			t.Fatalf("proposal 1: %s", stdout)
		}
	}
	if stdout, _, code := cellAt("query", "gov", "tally", "1"); code != 0 || !strings.Contains(stdout, "no 0") {
		t.Errorf("query gov tally: exit %d\n%s", code, stdout)
	}
	if r := status(); len(r.Addresses) != 1 || r.Addresses[0] != rec1.Address.String() || r.Needed != 1 {
		t.Fatalf("after the proposal: %+v", r)
	}
}

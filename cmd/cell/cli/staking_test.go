package cli

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// TestStakingCommandsOnChain: a delegator delegates to the chain's
// validator, sees its delegation and rewards, withdraws them, undelegates
// part; the operator changes its commission and cannot unjail a
// validator that is not jailed.
func TestStakingCommandsOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{0x57}, ed25519.SeedSize)
	op, err := kr.AddFromSeed("validator", seed, nil)
	if err != nil {
		t.Fatal(err)
	}
	del, err := kr.Add("delegator", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := params.Default()
	p.StakingCommissionChangeBlocks = 0
	g := &ledgerpb.Genesis{Params: p, Accounts: []*ledgerpb.GenesisAccount{{Address: del.Address.String(), Balance: 100_000_000}}}
	rpc := testchain.Start(t, testchain.Options{ChainID: "staking", Genesis: g, Operator: ed25519.NewKeyFromSeed(seed), CheckInvariants: true}).RPC
	cellAt := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, append(args, "--node", rpc)...), &out, &errb)
		return out.String(), errb.String(), code
	}
	must := func(args ...string) string {
		t.Helper()
		stdout, stderr, code := cellAt(args...)
		if code != 0 {
			t.Fatalf("cell %s: exit %d\n%s\n%s", strings.Join(args, " "), code, stdout, stderr)
		}
		return stdout
	}
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		stdout, _, code := cellAt("status")
		if code == 0 && !strings.Contains(stdout, "height 0 ") && !strings.Contains(stdout, "height 1 ") {
			break
		}
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the chain did not start:\n%s", stdout)
		}
	}

	must("tx", "staking", "delegate", "validator", "3000000", "--from", "delegator")
	var list struct {
		Items []struct {
			Validator string `json:"validator"`
			Shares    uint64 `json:"shares"`
			Tokens    uint64 `json:"tokens"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(must("query", "staking", "delegations", "delegator", "--output", "json")), &list); err != nil {
		t.Fatal(err)
	}
	dels := list.Items
	if len(dels) != 1 || dels[0].Validator != op.Address.String() || dels[0].Tokens != 3_000_000 || dels[0].Shares != 3_000_000 {
		t.Fatalf("delegations %+v", dels)
	}
	var v struct {
		Bonded        uint64 `json:"bonded"`
		CommissionBps uint32 `json:"commission_bps"`
		Power         int64  `json:"power"`
	}
	if err := json.Unmarshal([]byte(must("query", "staking", "validator", "validator", "--output", "json")), &v); err != nil {
		t.Fatal(err)
	}
	if v.Bonded != 1_000_000_000+3_000_000 {
		t.Fatalf("validator %+v: the delegation is not in its stake", v)
	}
	// The mint pays part of each block's minting into "rewards", which the
	// next block gives the validator and its delegators.
	var rw struct {
		Rewards uint64 `json:"rewards"`
	}
	for start := time.Now(); rw.Rewards == 0; time.Sleep(100 * time.Millisecond) {
		if err := json.Unmarshal([]byte(must("query", "staking", "rewards", "delegator", "validator", "--output", "json")), &rw); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > 20*time.Second {
			t.Fatal("the delegation earned no rewards")
		}
	}
	if out := must("tx", "staking", "withdraw-rewards", "validator", "--from", "delegator"); !strings.Contains(out, "withdraw_rewards") {
		t.Fatalf("withdraw-rewards printed no payment:\n%s", out)
	}
	must("tx", "staking", "undelegate", "validator", "1000000", "--from", "delegator")
	if out := must("query", "staking", "delegations", "delegator"); !strings.Contains(out, "2000000 ucell") {
		t.Fatalf("after undelegating 1000000:\n%s", out)
	}
	must("tx", "staking", "edit-validator", "--commission-bps", "100", "--moniker", "renamed", "--from", "validator")
	if out := must("query", "staking", "validator", "validator"); !strings.Contains(out, "commission 100 bps") || !strings.Contains(out, "(renamed)") {
		t.Fatalf("after edit-validator:\n%s", out)
	}
	if stdout, stderr, code := cellAt("tx", "staking", "unjail", "--from", "validator"); code == 0 || !strings.Contains(stdout+stderr, "not jailed") {
		t.Fatalf("unjail of a validator not jailed: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if stdout, stderr, code := cellAt("tx", "staking", "redelegate", "validator", "validator", "1", "--from", "delegator"); code == 0 || !strings.Contains(stdout+stderr, "must differ") {
		t.Fatalf("redelegate to the source: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

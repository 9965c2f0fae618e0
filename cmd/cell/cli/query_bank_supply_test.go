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
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// TestQueryBankSupplyOnChain runs a chain that mints 100 % a year over
// 1,000-block years and burns a share of every fee, sends with a fee,
// and reads `cell query bank supply`: supply = genesis + minted − burned.
func TestQueryBankSupplyOnChain(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a chain")
	}
	home := t.TempDir()
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{0x5f}, ed25519.SeedSize)
	if _, err := kr.AddFromSeed("validator", seed, nil); err != nil {
		t.Fatal(err)
	}
	p := params.Default()
	p.MintInflationBps, p.MintBlockTimeMs = 10_000, mint.MsPerYear/1_000
	rpc := testchain.Start(t, testchain.Options{ChainID: "supply", Genesis: &ledgerpb.Genesis{Params: p}, Operator: ed25519.NewKeyFromSeed(seed)}).RPC
	cellAt := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := Run(t.Context(), append([]string{"--home", home}, append(args, "--node", rpc)...), &out, &errb)
		return out.String(), errb.String(), code
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
	info, err := kr.Add("payee", nil)
	if err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, code := cellAt("tx", "bank", "send", info.Address.String(), "1000", "--from", "validator", "--fee", "10000"); code != 0 {
		t.Fatalf("send: exit %d\n%s\n%s", code, stdout, stderr)
	}
	stdout, stderr, code := cellAt("query", "bank", "supply", "--output", "json")
	var s struct {
		Supply        uint64 `json:"supply"`
		GenesisSupply uint64 `json:"genesis_supply"`
		Minted        uint64 `json:"minted"`
		Burned        uint64 `json:"burned"`
		Treasury      uint64 `json:"treasury"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &s) != nil {
		t.Fatalf("query bank supply: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if s.GenesisSupply != testchain.OperatorBalance || s.Minted == 0 || s.Burned < 2_000 || s.Treasury == 0 ||
		s.Supply != s.GenesisSupply+s.Minted-s.Burned {
		t.Fatalf("supply %+v", s)
	}
	stdout, _, code = cellAt("query", "bank", "supply")
	for _, want := range []string{"supply ", "genesis supply ", "minted ", "burned ", "treasury "} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("query bank supply: exit %d, no %q:\n%s", code, want, stdout)
		}
	}
	t.Logf("cell query bank supply:\n%s", stdout)
}

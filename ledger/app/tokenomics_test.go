package app

import (
	"testing"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/mint"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// TestTokenomicsBlock runs one block with a successful and a failed
// transaction under tokenomics params: each fee is burned in part and
// split, the block mints after its transactions, and the supply query
// reports the totals.
func TestTokenomicsBlock(t *testing.T) {
	p := testParams()
	p.MinFee = 1_000
	// 100 % over 1,000-block years. The year starts in block 1, after its
	// transactions burned 400 ucell: 1,699,600 ucell a year, 1,699 or
	// 1,700 a block.
	p.MintInflationBps, p.MintBlockTimeMs, p.MintSupplyCeiling = 10_000, mint.MsPerYear/1_000, 1<<62
	p.MintRewardsBps, p.MintMinersBps = 6_000, 1_000
	p.FeeBurnBps, p.FeeValidatorBps = 2_000, 5_000
	c := newChain(t, testGenesis(p))
	const genesis = 1_700_000
	res := c.block(c.tx(alice, send(bob, 100)), c.tx(bob, send(alice, 10_000_000)))
	if res.TxResults[0].Code != 0 || res.TxResults[1].Code == 0 || !res.TxResults[1].Charged {
		t.Fatalf("results %+v", res.TxResults)
	}
	fee := findEvent(t, res.TxResults[1].Events, "tx")
	if attr(fee, "fee") != "1000" || attr(fee, "burned") != "200" || attr(fee, "validators") != "500" || attr(fee, "treasury") != "300" {
		t.Fatalf("fee event of the failed transaction %v", fee)
	}
	m := findEvent(t, res.Events, "minted")
	if attr(m, "height") != "1" || attr(m, "amount") != "1699" || attr(m, "rewards") != "1019" || attr(m, "miners") != "169" || attr(m, "treasury") != "511" {
		t.Fatalf("minted event %v", m)
	}
	for _, tc := range []struct {
		account string
		want    uint64
	}{
		{mint.RewardsAccount, 2*500 + 1_019},
		{mint.MiningRewardsAccount, 169},
		{"treasury", 2*300 + 511},
	} {
		if got := c.app.bank.ModuleBalance(c.st, tc.account); got != tc.want {
			t.Errorf("%s holds %d ucell, want %d", tc.account, got, tc.want)
		}
	}
	if got := c.balance(alice); got != 1_000_000-100-1_000 {
		t.Errorf("alice %d", got)
	}
	if got := c.balance(bob); got != 500_000+100-1_000 {
		t.Errorf("bob %d", got)
	}
	var sup ledgerpb.SupplyResponse
	c.query(query.Supply, nil, &sup)
	want := &ledgerpb.SupplyResponse{Supply: genesis + 1_699 - 400, GenesisSupply: genesis, Minted: 1_699, Burned: 400, Treasury: 1_111}
	if sup.Supply != want.Supply || sup.GenesisSupply != want.GenesisSupply || sup.Minted != want.Minted || sup.Burned != want.Burned || sup.Treasury != want.Treasury {
		t.Fatalf("supply %v, want %v", &sup, want)
	}
}

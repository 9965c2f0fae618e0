package chain

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// BenchmarkTransferBlock: what a block of 1,000 transfers from 100
// accounts costs the node once the signatures are verified (the run of
// cell bench ledger): executing it (ProcessProposal), writing it and
// converting its results (FinalizeBlock), and CometBFT publishing each
// transaction's events on its event bus (as its block executor does after
// every block), reported per transaction. The tree is rolled back after
// each block, so every iteration runs the same block.
//
//	go test ./chain -run '^$' -bench TransferBlock -benchtime 100x
func BenchmarkTransferBlock(b *testing.B) {
	const senders, perSender = 100, 10
	fee := params.Default().MinFee
	keys := make([]testKey, senders)
	var accounts []*ledgerpb.GenesisAccount
	for i := range keys {
		keys[i] = newTestKey(fmt.Sprintf("sender %d", i))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: keys[i].addr.String(), Balance: 1_000_000_000})
	}
	accounts = append(accounts, &ledgerpb.GenesisAccount{Address: operator.addr.String(), Balance: 10_000_000})
	a, err := NewApplication(dbm.NewMemDB(), testChainID)
	if err != nil {
		b.Fatal(err)
	}
	appState, err := LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: operator.addr.String(), ConsensusPubkey: consKey.priv.Public().(ed25519.PublicKey), SelfBond: 1_000_000, Moniker: "solo",
	}}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		b.Fatal(err)
	}
	mustProcess(b, a, proposal{height: 1})
	mustFinalize(b, a, proposal{height: 1}) // the genesis state saved, so that Rollback keeps it
	p := proposal{height: 2}
	for s := range perSender {
		for i := range keys {
			p.txs = append(p.txs, sendTx(b, keys[i], uint64(s), fee, keys[(i+1)%senders], 1))
		}
	}
	a.verifyBlock(p.txs) // as CheckTx would have
	bus := types.NewEventBus()
	if err := bus.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { _ = bus.Stop() }()
	process, finalize := p.process(), p.finalize()
	for b.Loop() {
		pr, err := a.ProcessProposal(context.Background(), process)
		if err != nil || pr.Status != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			b.Fatalf("block rejected: %v", err)
		}
		res, err := a.FinalizeBlock(context.Background(), finalize)
		if err != nil {
			b.Fatal(err)
		}
		for i, r := range res.TxResults {
			if r.Code != 0 {
				b.Fatalf("tx %d: %s", i, r.Log)
			}
			if err := bus.PublishEventTx(types.EventDataTx{TxResult: abci.TxResult{Height: p.height, Index: uint32(i), Tx: p.txs[i], Result: *r}}); err != nil {
				b.Fatal(err)
			}
		}
		a.tree.Rollback()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(p.txs)), "µs/tx")
}

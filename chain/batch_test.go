package chain

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	dbm "github.com/cosmos/iavl/db"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
	"github.com/celltonomy/celltonomy/ledger/tx"
)

// badSignature returns raw with one bit of its signature flipped: it
// still decodes, and its signature no longer verifies.
func badSignature(t testing.TB, raw []byte) []byte {
	t.Helper()
	d, err := tx.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	sig := []byte(string(d.Signature))
	i := strings.Index(string(raw), string(sig))
	if i < 0 {
		t.Fatal("signature not found in the transaction")
	}
	bad := []byte(string(raw))
	bad[i+10] ^= 0x04
	if _, err := tx.Decode(bad); err != nil {
		t.Fatal(err)
	}
	return bad
}

// fundedApp returns a fresh application after InitChain and n keys, each
// funded with 100,000 ucell at genesis.
func fundedApp(t testing.TB, n int) (*Application, []testKey) {
	t.Helper()
	a, err := NewApplication(dbm.NewMemDB(), testChainID)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]testKey, n)
	accounts := []*ledgerpb.GenesisAccount{{Address: operator.addr.String(), Balance: 10_000_000}}
	for i := range keys {
		keys[i] = newTestKey(fmt.Sprintf("sender %d", i))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: keys[i].addr.String(), Balance: 100_000})
	}
	appState, err := LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: operator.addr.String(), ConsensusPubkey: consKey.priv.Public().(ed25519.PublicKey), SelfBond: 1_000_000, Moniker: "solo",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(context.Background(), &abci.InitChainRequest{ChainId: testChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	return a, keys
}

// TestBadSignatureAmongThousand: a block of 1,000 transfers, one of which
// (number 613) carries a bad signature, reaches a node that never saw its
// transactions (a peer's block, a replay): their signatures are verified
// in batches; the batch holding the bad one fails and is verified one
// signature at a time. Exactly that transaction is refused, with the code
// and log of a bad signature naming its key, and the 999 others apply. A
// proposer's PrepareProposal leaves out exactly that one, and
// ProcessProposal rejects a block that holds it.
func TestBadSignatureAmongThousand(t *testing.T) {
	const n, bad = 1000, 613
	a, keys := fundedApp(t, n)
	fee := params.Default().MinFee
	txs := make([][]byte, n)
	for i := range txs {
		txs[i] = sendTx(t, keys[i], 0, fee, keys[(i+1)%n], 7)
	}
	txs[bad] = badSignature(t, txs[bad])
	ctx := context.Background()

	prep, err := a.PrepareProposal(ctx, &abci.PrepareProposalRequest{Txs: txs, MaxTxBytes: 1 << 30, Height: 1, Time: proposal{height: 1}.time(), ProposerAddress: consKey.addr[:]})
	if err != nil {
		t.Fatal(err)
	}
	if len(prep.Txs) != n-1 {
		t.Fatalf("PrepareProposal kept %d transactions, want %d", len(prep.Txs), n-1)
	}
	for _, raw := range prep.Txs {
		if string(raw) == string(txs[bad]) {
			t.Fatal("PrepareProposal kept the transaction with the bad signature")
		}
	}
	if s := mustProcess(t, a, proposal{height: 1, txs: txs}); s != abci.PROCESS_PROPOSAL_STATUS_REJECT {
		t.Fatalf("ProcessProposal of the block with a bad signature: %v", s)
	}

	// A fresh node: nothing cached, every signature goes through a batch.
	b, _ := fundedApp(t, n)
	res := mustFinalize(t, b, proposal{height: 1, txs: txs})
	for i, r := range res.TxResults {
		switch {
		case i == bad:
			if r.Codespace != tx.Codespace || r.Code != tx.ErrSignature.Number ||
				!strings.Contains(r.Log, fmt.Sprintf("%x", keys[bad].priv.Public())) {
				t.Fatalf("bad transaction: code %d (%s) %q", r.Code, r.Codespace, r.Log)
			}
		case r.Code != 0:
			t.Fatalf("transaction %d: code %d (%s) %s", i, r.Code, r.Codespace, r.Log)
		}
		if _, verified := b.txs.Lookup(txs[i]); verified != (i != bad) {
			t.Fatalf("transaction %d: cached as verified %v", i, verified)
		}
	}
	// Sender bad kept its funds (it paid nothing) and received 7; the
	// others paid the fee and 7, and received 7.
	if got := queryBalance(t, b, keys[bad].addr); got != 100_000+7 {
		t.Fatalf("balance of the bad signer %d", got)
	}
	if got := queryBalance(t, b, keys[bad+1].addr); got != 100_000-fee-7 {
		t.Fatalf("balance of the bad signer's payee %d, want %d (it received nothing)", got, 100_000-fee-7)
	}
	if got := queryBalance(t, b, keys[5].addr); got != 100_000-fee {
		t.Fatalf("balance of sender 5 %d, want %d", got, 100_000-fee)
	}
}

// TestVerifySignatures: batches, whole or failing, give the same answer as
// verifying every signature alone, wherever the bad ones are, whether or
// not the signers' expanded keys come from the cache.
func TestVerifySignatures(t *testing.T) {
	fee := params.Default().MinFee
	var all []*tx.Tx
	for i := range 2*maxBatch + 37 {
		raw := sendTx(t, newTestKey(fmt.Sprintf("v%d", i)), uint64(i), fee, bob, 1)
		if i%97 == 5 || i == 2*maxBatch {
			raw = badSignature(t, raw)
		}
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, d)
	}
	// Without a key cache, with one that forgets most keys, and with one
	// that holds them all, verified twice (the second time from the
	// cache).
	for _, keys := range []*keyCache{nil, newKeyCache(4), newKeyCache(4 * maxBatch)} {
		for range 2 {
			for _, n := range []int{0, 1, 2, 6, maxBatch, maxBatch + 1, len(all)} {
				txs := all[len(all)-n:]
				got := verifySignatures(keys, txs)
				for i, d := range txs {
					if want := d.VerifySignature() == nil; got[i] != want {
						t.Fatalf("%d signatures: number %d: batch says %v, alone %v", n, i, got[i], want)
					}
				}
			}
		}
	}
}

// TestSigBatcher: concurrent callers (as CometBFT's CheckTx calls are) get
// each its own signature's answer.
func TestSigBatcher(t *testing.T) {
	fee := params.Default().MinFee
	b := newSigBatcher(newKeyCache(4))
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for i := range 300 {
		raw := sendTx(t, newTestKey(fmt.Sprintf("c%d", i%40)), uint64(i), fee, bob, 1)
		if i%13 == 0 {
			raw = badSignature(t, raw)
		}
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, want := b.verify(d), i%13 != 0; got != want {
				errs <- fmt.Errorf("call %d: verified %v, want %v", i, got, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b.workers != 0 || len(b.queue) != 0 {
		t.Fatalf("after the calls: %d workers, %d queued", b.workers, len(b.queue))
	}
}

// TestTxCacheIsBounded: the cache holds at most its number of entries and
// its weight of decoded transactions, forgets the oldest first, and a
// forgotten transaction is decoded and verified again, with the same
// result.
func TestTxCacheIsBounded(t *testing.T) {
	fee := params.Default().MinFee
	var raws [][]byte
	var txs []*tx.Tx
	for i := range 50 {
		raw := sendTx(t, alice, uint64(i), fee, bob, 1)
		d, err := tx.Decode(raw)
		if err != nil {
			t.Fatal(err)
		}
		raws, txs = append(raws, raw), append(txs, d)
	}
	c := newTxCache(10, 1<<30)
	for i := range txs {
		c.AddDecoded(raws[i], txs[i])
		c.AddVerified(raws[i])
		if n, _ := c.len(); n > 10 {
			t.Fatalf("after %d additions: %d entries, bound 10", i+1, n)
		}
	}
	for i := range txs {
		d, verified := c.Lookup(raws[i])
		if cached := d != nil; cached != (i >= 40) || verified != (i >= 40) {
			t.Fatalf("entry %d: cached %v verified %v; want only the last 10", i, cached, verified)
		}
	}

	// By weight: room for three transactions.
	w := weight(raws[0])
	c = newTxCache(100, 3*w+w/2)
	for i := range 8 {
		c.AddDecoded(raws[i], txs[i])
		if _, bytes := c.len(); bytes > 3*w+w/2 {
			t.Fatalf("after %d additions: weight %d, bound %d", i+1, bytes, 3*w+w/2)
		}
	}
	d4, _ := c.Lookup(raws[4])
	d5, _ := c.Lookup(raws[5])
	if n, _ := c.len(); n != 3 || d4 != nil || d5 == nil {
		t.Fatalf("%d entries; want the last three", n)
	}

	// Through the application: 3,000 transactions through CheckTx leave
	// the cache within its bounds.
	a := newTestApp(t)
	a.txs = newTxCache(1000, txCacheBytes)
	a.ledger = a.ledger.WithTxCache(a.txs)
	for i := range 3000 {
		raw := sendTx(t, alice, uint64(i), fee, bob, 1)
		r, err := a.CheckTx(context.Background(), &abci.CheckTxRequest{Tx: raw})
		if err != nil || (r.Code != 0 && i < 9) {
			t.Fatalf("CheckTx %d: %v %s", i, err, r.GetLog())
		}
	}
	if n, _ := a.txs.len(); n != 1000 {
		t.Fatalf("%d entries after 3,000 transactions, bound 1,000", n)
	}
}

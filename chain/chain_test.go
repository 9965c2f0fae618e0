package chain_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cometbft/cometbft/privval"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/testchain"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// soloNode starts a real single-validator node in this process, whose
// operator alice is funded at genesis besides the accounts.
func soloNode(t *testing.T, chainID string, accounts ...*ledgerpb.GenesisAccount) (*testchain.Chain, ed25519.PrivateKey) {
	t.Helper()
	alice := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	c := testchain.Start(t, testchain.Options{ChainID: chainID, Operator: alice, Genesis: &ledgerpb.Genesis{Accounts: accounts}})
	return c, alice
}

// TestInProcessNode starts a real single-validator node in this process and
// drives it through the client: a transfer commits, a replayed transaction
// is refused with a code and a log naming the rule, and the balance is read
// with a proof checked against the app hash.
func TestInProcessNode(t *testing.T) {
	ctx := context.Background()
	tc, alice := soloNode(t, "inproc")
	c := tc.Client

	var bob address.Address
	bob[0] = 0xb0
	msg := &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob[:], Amount: 12_345}}}
	raw, err := client.BuildTx(alice, "inproc", 0, 1000, "", msg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Broadcast(ctx, raw, client.WaitCommit)
	if err != nil || r.Code != 0 || r.Height == 0 {
		t.Fatalf("send: %v %+v", err, r)
	}
	sent := r.Height

	// The transfer's event can be waited for by query.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	found, err := c.WaitEvents(wctx, client.Match(bank.EventTransfer{To: bob}))
	cancel()
	if err != nil || len(found) != 1 || found[0].Height != r.Height {
		t.Fatalf("WaitEvents: %v %+v", err, found)
	}

	// The same bytes again: the sequence was used.
	again, err := client.BuildTx(alice, "inproc", 0, 1000, "memo", msg)
	if err != nil {
		t.Fatal(err)
	}
	r, err = c.Broadcast(ctx, again, client.WaitCommit)
	if !errors.Is(err, client.ErrRefused) || r.Code == 0 || !strings.Contains(r.Log, "sequence") {
		t.Fatalf("replay: err %v, result %+v: want a refusal naming the sequence", err, r)
	}
	// Another chain's transaction.
	other, _ := client.BuildTx(alice, "elsewhere", 1, 1000, "", msg)
	if r, err := c.Broadcast(ctx, other, client.WaitCheck); !errors.Is(err, client.ErrRefused) || !strings.Contains(r.Log, "chain") {
		t.Fatalf("wrong chain: err %v, result %+v", err, r)
	}

	// Wait for one more block so that the transfer's state is provable.
	tc.WaitHeight(t, sent+2)
	bal, h, err := c.ProvenBalance(ctx, bob)
	if err != nil || bal != 12_345 || h < 1 {
		t.Fatalf("proven balance = %d at %d, %v", bal, h, err)
	}
	// An absent account is proven absent.
	var nobody address.Address
	nobody[0] = 0xee
	if bal, _, err := c.ProvenBalance(ctx, nobody); err != nil || bal != 0 {
		t.Fatalf("absent account: %d, %v", bal, err)
	}
}

// TestConsensusKeyOfAHome: the consensus private key of a home matches
// the public key InitHome reports.
func TestConsensusKeyOfAHome(t *testing.T) {
	home := t.TempDir()
	keys, err := chain.InitHome(home, chain.NodeConfig{Moniker: "k", Local: true})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := chain.LoadConsensusKey(chain.ConsensusKeyFile(home))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Public().(ed25519.PublicKey), keys.ConsensusPubKey) {
		t.Fatal("the private key is not the home's consensus key")
	}
}

// TestLoadConsensusKey: a key file CometBFT wrote loads to its key; a
// file of another key type, or no file, is an error naming what is wrong.
func TestLoadConsensusKey(t *testing.T) {
	dir := t.TempDir()
	keyFile, stateFile := filepath.Join(dir, "priv_validator_key.json"), filepath.Join(dir, "priv_validator_state.json")
	pv, err := privval.GenFilePV(keyFile, stateFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	pv.Save()
	priv, err := chain.LoadConsensusKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if pub, _ := pv.GetPubKey(); !bytes.Equal(priv.Public().(ed25519.PublicKey), pub.Bytes()) {
		t.Errorf("loaded key %x, CometBFT's public key %x", priv.Public(), pub.Bytes())
	}
	data, _ := os.ReadFile(keyFile)
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, bytes.Replace(data, []byte("PrivKeyEd25519"), []byte("PrivKeySecp256k1"), 1), 0o600)
	if _, err := chain.LoadConsensusKey(broken); err == nil || !strings.Contains(err.Error(), "priv_key.type") {
		t.Errorf("a secp256k1 key: %v, want an error naming priv_key.type", err)
	}
	if _, err := chain.LoadConsensusKey(filepath.Join(dir, "none.json")); err == nil {
		t.Error("a missing file loaded")
	}
}

// TestInProcessNodeLeavesOutUnpaidTransactions: carol's second transaction
// passes CheckTx, which charges fees only, but her first spends what would
// have paid its fee. The node's PrepareProposal leaves it out of its
// blocks, so its own ProcessProposal never rejects one: the first
// transaction commits, the second never does, and blocks go on.
func TestInProcessNodeLeavesOutUnpaidTransactions(t *testing.T) {
	ctx := context.Background()
	carol := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{3}, 32))
	carolAddr, _ := address.FromPubKey(carol.Public().(ed25519.PublicKey))
	const fee = 1000
	tc, _ := soloNode(t, "unpaid", &ledgerpb.GenesisAccount{Address: carolAddr.String(), Balance: 3 * fee})
	c := tc.Client
	var bob address.Address
	bob[0] = 0xb0
	send := func(seq, amount uint64) []byte {
		raw, err := client.BuildTx(carol, "unpaid", seq, fee, "", &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob[:], Amount: amount}}})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	spend, unpaid := send(0, 2*fee), send(1, 1)
	for _, raw := range [][]byte{spend, unpaid} {
		if r, err := c.Broadcast(ctx, raw, client.WaitCheck); err != nil {
			t.Fatalf("CheckTx: %v %+v", err, r)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	r, err := c.WaitTx(wctx, txHash(spend))
	cancel()
	if err != nil || r.Code != 0 {
		t.Fatalf("spend: %v %+v", err, r)
	}
	tc.WaitHeight(t, r.Height+5)
	if r, err := c.Tx(ctx, txHash(unpaid)); err == nil {
		t.Fatalf("the unpaid transaction committed at %d: %+v", r.Height, r)
	}
	tc.WaitHeight(t, r.Height+7)
	if bal, _, err := c.ProvenBalance(ctx, bob); err != nil || bal != 2*fee {
		t.Fatalf("bob %d, %v", bal, err)
	}
}

func txHash(raw []byte) []byte {
	h := sha256.Sum256(raw)
	return h[:]
}

package chain

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"time"

	cfg "github.com/cometbft/cometbft/config"
	rpcclient "github.com/cometbft/cometbft/rpc/client"
	"github.com/cometbft/cometbft/rpc/client/local"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// TestHistoryPruning runs a real node that keeps 3 state versions and 5
// blocks, with CometBFT's pruner every second: once it is well past
// height 15, its block store, block results and the state below the
// retained heights are gone, and the node says so; the latest blocks and
// state are still served.
func TestHistoryPruning(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	n, _ := startPruningNode(t, home, 5)
	defer n.Stop()
	rpc := local.New(n.CometBFT())
	var last int64
	deadline := time.Now().Add(60 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("at height %d: block store base %d, want the blocks below %d pruned", last, n.CometBFT().BlockStore().Base(), last-5)
		}
		time.Sleep(200 * time.Millisecond)
		st, err := rpc.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		last = st.SyncInfo.LatestBlockHeight
		if last < 20 {
			continue
		}
		h := int64(2)
		if _, err := rpc.BlockResults(ctx, &h); err == nil {
			continue // the pruner has not run since
		}
		if n.CometBFT().BlockStore().Base() > 2 {
			break
		}
	}
	h := last - 1
	if _, err := rpc.Block(ctx, &h); err != nil {
		t.Fatalf("block %d: %v", h, err)
	}
	if _, err := rpc.BlockResults(ctx, &h); err != nil {
		t.Fatalf("block results %d: %v", h, err)
	}
	r, err := rpc.ABCIQueryWithOptions(ctx, "/store", []byte("x"), rpcclient.ABCIQueryOptions{Height: 2})
	if err != nil || r.Response.Code == 0 {
		t.Fatalf("query at height 2: %v %+v", err, r)
	}
	if want := fmt.Sprintf("height %d: pruned", 2); !bytes.Contains([]byte(r.Response.Log), []byte(want)) {
		t.Fatalf("query at height 2: log %q, want %q", r.Response.Log, want)
	}
}

// startPruningNode starts a real node in home that keeps 3 state versions
// and retain blocks (-1: all), with an evidence window of 5 blocks
// (unbonding_blocks) and CometBFT's pruner every 200 ms; it returns the
// node and its operator's key (funded at genesis).
func startPruningNode(t *testing.T, home string, retain int64) (*Node, ed25519.PrivateKey) {
	t.Helper()
	p := params.Default()
	p.UnbondingBlocks = 5
	return startNodeParams(t, home, StateConfig{KeepVersions: 3, RetainBlocks: retain}, p, nil, io.Discard)
}

// startNode starts a real node in a new home with sc, 30 ms blocks and
// CometBFT's pruner every 200 ms, logging to logw; it returns the node
// and its operator's key (funded at genesis).
func startNode(t *testing.T, home string, sc StateConfig, logw io.Writer) (*Node, ed25519.PrivateKey) {
	t.Helper()
	return startNodeParams(t, home, sc, nil, nil, logw)
}

// startNodeParams is startNode with the ledger params p (nil: the
// defaults) and CometBFT's configuration changed by edit (nil: none).
func startNodeParams(t *testing.T, home string, sc StateConfig, p *ledgerpb.Params, edit func(*cfg.Config), logw io.Writer) (*Node, ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	ports := freeport.Ports(t, 2)
	keys, err := InitHome(home, NodeConfig{Moniker: "prune", Ports: Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: 30 * time.Millisecond, Local: true,
		State: sc})
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	c.Storage.Pruning.Interval = 200 * time.Millisecond
	if edit != nil {
		edit(c)
	}
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	op := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	opAddr, _ := address.FromPubKey(op.Public().(ed25519.PublicKey))
	appState, err := LedgerGenesis([]*ledgerpb.GenesisAccount{{Address: opAddr.String(), Balance: 10_000_000_000}},
		[]*ledgerpb.GenesisValidator{{Operator: opAddr.String(), ConsensusPubkey: keys.ConsensusPubKey, SelfBond: 1_000_000_000, Moniker: "prune"}}, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteGenesis(home, "prune", time.Now(), appState); err != nil {
		t.Fatal(err)
	}
	n, err := Start(ctx, home, logw)
	if err != nil {
		t.Fatal(err)
	}
	return n, op
}

// TestTxIndexPruning: the transaction index is pruned at the retain
// height too. Two nodes commit 60 transfers, one a block: one keeps every
// block, the other 5. On the first the index finds the 60 transfers; on
// the second the first transfer is no longer found once pruned, and the
// index comes to hold less than a third of them, those of the blocks
// since the pruner last ran (counted by a search over every height, which
// reads the index's height keys as CometBFT's own pruner does; how many
// that is depends on the machine's speed, so the test waits for it). The
// index's database cannot be opened to count its keys in this process:
// CometBFT's node does not close it on Stop.
func TestTxIndexPruning(t *testing.T) {
	ctx := context.Background()
	indexed := map[int64]int{}
	for _, retain := range []int64{-1, 5} {
		home := t.TempDir()
		n, op := startPruningNode(t, home, retain)
		first := sendTransfers(t, n, op, 60)
		rpc := local.New(n.CometBFT())
		count := func() int {
			page, per := 1, 100
			r, err := rpc.TxSearch(ctx, "tx.height >= 1", false, &page, &per, "asc")
			if err != nil {
				t.Fatal(err)
			}
			return r.TotalCount
		}
		deadline := time.Now().Add(30 * time.Second)
		for retain > 0 {
			_, err := rpc.Tx(ctx, first, false)
			if err != nil && count()*3 < 60 {
				break // pruned
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 30 s: the first transfer indexed: %v; %d transfers indexed", err == nil, count())
			}
			time.Sleep(200 * time.Millisecond)
		}
		indexed[retain] = count()
		n.Stop()
	}
	t.Logf("transfers in the index after 60: %d keeping every block, %d keeping 5", indexed[-1], indexed[5])
	// The last transfer's indexing may lag its commit.
	if indexed[-1] < 59 || indexed[5]*3 > indexed[-1] {
		t.Fatalf("transfers in the index after 60: %d keeping every block (want 59 or 60), %d keeping 5 (want under a third)", indexed[-1], indexed[5])
	}
}

// sendTransfers commits count transfers from op, one a block, and returns
// the first's hash.
func sendTransfers(t *testing.T, n *Node, op ed25519.PrivateKey, count int) []byte {
	t.Helper()
	rpc := local.New(n.CometBFT())
	var bob address.Address
	bob[0] = 0xb0
	var first []byte
	for seq := range uint64(count) {
		raw, err := client.BuildTx(op, "prune", seq, 1000, "", &ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: bob[:], Amount: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		r, err := rpc.BroadcastTxCommit(context.Background(), raw)
		if err != nil || r.CheckTx.Code != 0 || r.TxResult.Code != 0 {
			t.Fatalf("transfer %d: %v %+v", seq, err, r)
		}
		if seq == 0 {
			first = r.Hash
		}
	}
	return first
}

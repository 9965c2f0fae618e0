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

	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// TestHistoryPruning runs a real node that keeps 3 state versions and 5
// blocks, with CometBFT's pruner every second: once it is well past
// height 15, its block store, block results and the state below the
// retained heights are gone, and the node says so; the latest blocks and
// state are still served.
func TestHistoryPruning(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	ports := freeport.Ports(t, 2)
	keys, err := InitHome(home, NodeConfig{Moniker: "prune", Ports: Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: 30 * time.Millisecond, Local: true,
		State: StateConfig{KeepVersions: 3, RetainBlocks: 5}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	c.Storage.Pruning.Interval = 200 * time.Millisecond
	cfg.WriteConfigFile(filepath.Join(home, "config", "config.toml"), c)
	op := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	opAddr, _ := address.FromPubKey(op.Public().(ed25519.PublicKey))
	appState, err := LedgerGenesis([]*ledgerpb.GenesisAccount{{Address: opAddr.String(), Balance: 10_000_000_000}},
		[]*ledgerpb.GenesisValidator{{Operator: opAddr.String(), ConsensusPubkey: keys.ConsensusPubKey, SelfBond: 1_000_000_000, Moniker: "prune"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteGenesis(home, "prune", time.Now(), appState); err != nil {
		t.Fatal(err)
	}
	n, err := Start(ctx, home, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
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

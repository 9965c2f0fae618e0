package chain

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	abci "github.com/cometbft/cometbft/abci/types"
	ics23 "github.com/cosmos/ics23/go"

	"github.com/celltonomy/celltonomy/ledger/bank"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/query"
)

// TestPruning runs 300 blocks, a transfer in each, on an Application over
// LevelDB on disk that keeps 5 versions and retains 10 blocks: each
// Commit asks CometBFT to keep the last 10 blocks; the database holds as
// many keys after 300 blocks as after 100 (the state does not grow with
// the history); a proof at a recent height still verifies against that
// height's app hash; a query at a pruned height fails with ErrHeight,
// saying so.
func TestPruning(t *testing.T) {
	ctx := context.Background()
	home := t.TempDir()
	db, err := OpenDB(home)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a, err := OpenApplication(db, testChainID, StateConfig{KeepVersions: 5, RetainBlocks: 10})
	if err != nil {
		t.Fatal(err)
	}
	appState, err := LedgerGenesis([]*ledgerpb.GenesisAccount{
		{Address: alice.addr.String(), Balance: 100_000_000},
		{Address: operator.addr.String(), Balance: 10_000_000},
	}, []*ledgerpb.GenesisValidator{{
		Operator: operator.addr.String(), ConsensusPubkey: consKey.priv.Public().(ed25519.PublicKey), SelfBond: 1_000_000, Moniker: "solo",
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(ctx, &abci.InitChainRequest{ChainId: testChainID, AppStateBytes: appState, InitialHeight: 1}); err != nil {
		t.Fatal(err)
	}
	keys := func() int {
		it, err := db.Iterator(nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		n := 0
		for ; it.Valid(); it.Next() {
			n++
		}
		return n
	}
	appHash := map[int64][]byte{}
	var at100 int
	for h := int64(1); h <= 300; h++ {
		p := proposal{height: h, txs: [][]byte{sendTx(t, alice, uint64(h-1), 1_000, bob, uint64(h))}}
		if mustProcess(t, a, p) != abci.PROCESS_PROPOSAL_STATUS_ACCEPT {
			t.Fatalf("block %d rejected", h)
		}
		r, err := a.FinalizeBlock(ctx, p.finalize())
		if err != nil {
			t.Fatal(err)
		}
		appHash[h] = r.AppHash
		c, err := a.Commit(ctx, &abci.CommitRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if want := max(0, h-9); h > 10 && c.RetainHeight != want || h <= 10 && c.RetainHeight != 0 {
			t.Fatalf("block %d: retain height %d, want %d", h, c.RetainHeight, want)
		}
		if h == 100 {
			at100 = keys()
		}
	}
	if n := keys(); n > at100+at100/20 {
		t.Fatalf("%d database keys after 300 blocks, %d after 100: the state grows with its history", n, at100)
	}
	if v := a.tree.AvailableVersions(); len(v) != 5 || v[0] != 296 {
		t.Fatalf("versions %v, want 296 to 300", v)
	}

	key := bank.BalanceKey(bob.addr)
	r, err := a.Query(ctx, &abci.QueryRequest{Path: query.Store, Data: key, Height: 297, Prove: true})
	if err != nil || r.Code != 0 {
		t.Fatalf("query at 297: %v %s", err, r.GetLog())
	}
	var proof ics23.CommitmentProof
	if err := proof.Unmarshal(r.ProofOps.Ops[0].Data); err != nil {
		t.Fatal(err)
	}
	if r.Value == nil || !ics23.VerifyMembership(ics23.IavlSpec, appHash[297], &proof, key, r.Value) {
		t.Fatalf("proof of bob's balance at 297 does not verify against its app hash")
	}
	for _, h := range []int64{3, 295} {
		r, err := a.Query(ctx, &abci.QueryRequest{Path: query.Store, Data: key, Height: h, Prove: true})
		if err != nil {
			t.Fatal(err)
		}
		if r.Code != query.ErrHeight.Number || r.Codespace != query.ErrHeight.Codespace || !strings.Contains(r.Log, "pruned") || !strings.Contains(r.Log, "296 to 300") {
			t.Fatalf("query at pruned height %d: code %s/%d %q", h, r.Codespace, r.Code, r.Log)
		}
	}
}

// TestStateConfig: ledger.toml is written by InitHome with the defaults
// and read back; an operator's value is kept; a bad value is an error
// naming its key.
func TestStateConfig(t *testing.T) {
	home := t.TempDir()
	if _, err := InitHome(home, NodeConfig{Moniker: "t"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadStateConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if c != (StateConfig{CacheNodes: DefaultCacheNodes, KeepVersions: DefaultKeepVersions, RetainBlocks: DefaultRetainBlocks, LevelDBCacheMB: DefaultLevelDBCacheMB, GCPercent: DefaultGCPercent, LevelDBCompression: CompressionSnappy, ConsensusWALMB: DefaultConsensusWALMB}) {
		t.Fatalf("defaults %+v", c)
	}
	if err := os.WriteFile(StateConfigFile(home), []byte("keep_versions = -1\nretain_blocks = 50\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := InitHome(home, NodeConfig{Moniker: "t"}); err != nil {
		t.Fatal(err)
	}
	if c, err = LoadStateConfig(home); err != nil || c.KeepVersions != -1 || c.RetainBlocks != 50 || c.CacheNodes != DefaultCacheNodes {
		t.Fatalf("operator's config %+v %v", c, err)
	}
	for body, want := range map[string]string{
		"keep_versions = 1\n":                "keep_versions 1",
		"retain_blocks = -2\n":               "retain_blocks -2",
		"iavl_cache_nodes = -5\n":            "iavl_cache_nodes -5",
		"leveldb_cache_mb = -1\n":            "leveldb_cache_mb -1",
		"gc_percent = 10\n":                  "gc_percent 10",
		"gc_percent = -1\n":                  "gc_percent -1",
		"keep_version = 10\n":                `unknown key "keep_version"`,
		"leveldb_compression = \"zstd\"\n":   `leveldb_compression "zstd"`,
		"consensus_wal_mb = -2\n":            "consensus_wal_mb -2",
		"consensus_wal_mb = 1099511627776\n": "consensus_wal_mb 1099511627776",
	} {
		if err := os.WriteFile(StateConfigFile(home), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadStateConfig(home); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
	}
	if c, err := LoadStateConfig(filepath.Join(home, "nothing")); err != nil || c.KeepVersions != DefaultKeepVersions {
		t.Fatalf("no file: %+v %v", c, err)
	}
}

// TestApplyGC: gc_percent of ledger.toml becomes the process's collector
// target (the default when absent), and ApplyGC returns the one it
// replaced.
func TestApplyGC(t *testing.T) {
	home := t.TempDir()
	if _, err := InitHome(home, NodeConfig{Moniker: "t"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(StateConfigFile(home), []byte("gc_percent = 250\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadStateConfig(home)
	if err != nil || c.GCPercent != 250 {
		t.Fatalf("gc_percent %+v %v", c, err)
	}
	orig := ApplyGC(c)
	defer debug.SetGCPercent(orig)
	if got := ApplyGC(StateConfig{}); got != 250 {
		t.Fatalf("target after gc_percent = 250: %d", got)
	}
	if got := debug.SetGCPercent(orig); got != DefaultGCPercent {
		t.Fatalf("target of the default config: %d, want %d", got, DefaultGCPercent)
	}
}

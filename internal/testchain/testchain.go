// Package testchain starts a real single-validator chain for a test: a
// CometBFT node and the ledger in this process, in a temporary home, on
// ports of internal/freeport, stopped when the test ends. It is for tests
// only.
//
//	c := testchain.Start(t, testchain.Options{Genesis: &ledgerpb.Genesis{
//		Accounts: []*ledgerpb.GenesisAccount{{Address: buyer.String(), Balance: 1_000_000}}}})
//	res, err := c.Client.Send(ctx, c.Operator, c.ChainID, c.Params.MinFee, msg)
package testchain

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/freeport"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// Options shape the chain. The zero value is a chain "test-chain" with
// default params, 100 ms blocks and only the validator's operator funded.
type Options struct {
	// ChainID is the chain's id (default "test-chain").
	ChainID string
	// Genesis holds the ledger's genesis besides the validator: accounts,
	// params (default params.Default()), skills (default
	// chain.GenesisSkills()), recovery addresses, …. It is not modified.
	Genesis *ledgerpb.Genesis
	// Operator is the validator's operator key (default Key("validator")),
	// funded with OperatorBalance at genesis and bonded with a self-bond
	// of 10^9 ucell.
	Operator ed25519.PrivateKey
	// BlockTime is the time between blocks (default 100 ms).
	BlockTime time.Duration
	// NoIndex turns CometBFT's transaction index off: CometBFT v1 leaves
	// the index database open on Stop, so only a node that does not index
	// can start again in the same process (Chain.Restart).
	NoIndex bool
	// CheckInvariants checks the ledger's invariants
	// (chain.CheckInvariants) once the chain has stopped at the end of the
	// test, and fails the test when one does not hold.
	CheckInvariants bool
	// Log receives CometBFT's log (default: discarded).
	Log io.Writer
}

// OperatorBalance is the operator's balance at genesis, in ucell.
const OperatorBalance = 10_000_000_000

// Chain is a running chain.
type Chain struct {
	// ChainID is the chain's id.
	ChainID string
	// Home is the node's home directory.
	Home string
	// RPC is the validator's RPC URL (http://127.0.0.1:PORT).
	RPC string
	// Client is a typed client of RPC.
	Client *client.Client
	// Operator is the validator's operator key and OperatorAddress its
	// address.
	Operator        ed25519.PrivateKey
	OperatorAddress address.Address
	// Params are the chain's params at genesis.
	Params *ledgerpb.Params

	node *chain.Node
	log  io.Writer
}

// Key returns a deterministic key named label, the same in every test.
func Key(label string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte("testchain " + label))
	return ed25519.NewKeyFromSeed(seed[:])
}

// Address returns the account address of key.
func Address(key ed25519.PrivateKey) address.Address {
	a, _ := address.FromPubKey(key.Public().(ed25519.PublicKey))
	return a
}

// Start starts the chain and waits for its block 2; the test fails when
// it cannot. The chain stops when the test ends.
func Start(t testing.TB, o Options) *Chain {
	t.Helper()
	if o.ChainID == "" {
		o.ChainID = "test-chain"
	}
	if o.Operator == nil {
		o.Operator = Key("validator")
	}
	if o.BlockTime == 0 {
		o.BlockTime = 100 * time.Millisecond
	}
	g := &ledgerpb.Genesis{}
	if o.Genesis != nil {
		g = proto.Clone(o.Genesis).(*ledgerpb.Genesis)
	}
	if g.Params == nil {
		g.Params = params.Default()
	}
	home := t.TempDir()
	ports := freeport.Ports(t, 2)
	keys, err := chain.InitHome(home, chain.NodeConfig{Moniker: "solo", Ports: chain.Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: o.BlockTime, Local: true})
	if err != nil {
		t.Fatalf("testchain: %v", err)
	}
	if o.NoIndex {
		noIndex(t, home)
	}
	op := Address(o.Operator)
	g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: op.String(), Balance: OperatorBalance})
	g.Validators = append(g.Validators, &ledgerpb.GenesisValidator{Operator: op.String(), ConsensusPubkey: keys.ConsensusPubKey,
		SelfBond: 1_000_000_000, Moniker: "solo"})
	appState, err := chain.LedgerGenesisOf(g)
	if err != nil {
		t.Fatalf("testchain: %v", err)
	}
	if err := chain.WriteGenesis(home, o.ChainID, time.Now(), appState); err != nil {
		t.Fatalf("testchain: %v", err)
	}
	c := &Chain{ChainID: o.ChainID, Home: home, RPC: fmt.Sprintf("http://127.0.0.1:%d", ports[1]), Operator: o.Operator,
		OperatorAddress: op, Params: g.Params, log: o.Log}
	if c.log == nil {
		c.log = io.Discard
	}
	if c.Client, err = client.New(c.RPC); err != nil {
		t.Fatalf("testchain: %v", err)
	}
	c.Restart(t)
	t.Cleanup(func() {
		c.Stop(t)
		if o.CheckInvariants {
			if err := chain.CheckInvariants(home); err != nil {
				t.Errorf("ledger invariants: %v", err)
			}
		}
	})
	c.WaitHeight(t, 2)
	return c
}

// noIndex turns the transaction index off in the home's config.toml.
func noIndex(t testing.TB, home string) {
	t.Helper()
	path := filepath.Join(home, "config", "config.toml")
	toml, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testchain: %v", err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(toml), `indexer = "kv"`, `indexer = "null"`, 1)), 0o600); err != nil {
		t.Fatalf("testchain: %v", err)
	}
}

// Stop stops the node; it is harmless when it is stopped already.
func (c *Chain) Stop(t testing.TB) {
	t.Helper()
	if c.node == nil {
		return
	}
	if err := c.node.Stop(); err != nil {
		t.Errorf("testchain: stop: %v", err)
	}
	c.node = nil
}

// Restart starts the stopped node again from its home (Options.NoIndex
// must be set); it does not wait for a block.
func (c *Chain) Restart(t testing.TB) {
	t.Helper()
	n, err := chain.Start(context.Background(), c.Home, c.log)
	if err != nil {
		t.Fatalf("testchain: start: %v", err)
	}
	c.node = n
}

// Height returns the latest height, 0 while the node does not answer.
func (c *Chain) Height() int64 {
	st, err := c.Client.Status(context.Background())
	if err != nil {
		return 0
	}
	return st.SyncInfo.LatestBlockHeight
}

// WaitHeight waits until the latest height is at least h, for at most 30
// seconds, and returns it.
func (c *Chain) WaitHeight(t testing.TB, h int64) int64 {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := c.Height(); got >= h {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("testchain: height %d not reached in 30 s (at %d)", h, c.Height())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Send signs msg with key, broadcasts it with the chain's min fee, waits
// for its commit, and fails the test unless it committed with code 0.
func (c *Chain) Send(t testing.TB, key ed25519.PrivateKey, msg *ledgerpb.Msg) client.TxResult {
	t.Helper()
	res, err := c.Client.Send(context.Background(), key, c.ChainID, c.Params.MinFee, msg)
	if err != nil || res.Code != 0 {
		t.Fatalf("testchain: send: %v (code %d: %s)", err, res.Code, res.Log)
	}
	return res
}

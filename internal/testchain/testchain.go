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
	// (chain.CheckInvariants) once the chain is closed (at the end of the
	// test, for Start), and fails the test when one does not hold.
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

	node       *chain.Node
	log        io.Writer
	invariants bool
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

// Start starts the chain in a temporary directory of the test and waits
// for its block 2; the test fails when it cannot. The chain stops when the
// test ends.
func Start(t testing.TB, o Options) *Chain {
	t.Helper()
	c, err := Open(t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return c
}

// Open starts the chain with its home in dir (empty or missing) and waits
// for its block 2, for a chain that outlives one test (a network shared by
// the tests of a package, started once); Close stops it. Errors: the
// home cannot be written, the genesis is invalid, the node does not start
// or reach block 2 in 30 seconds.
func Open(dir string, o Options) (*Chain, error) {
	if o.ChainID == "" {
		o.ChainID = "test-chain"
	}
	if o.Operator == nil {
		o.Operator = Key("validator")
	}
	if o.BlockTime == 0 {
		o.BlockTime = 100 * time.Millisecond
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	g := &ledgerpb.Genesis{}
	if o.Genesis != nil {
		g = proto.Clone(o.Genesis).(*ledgerpb.Genesis)
	}
	if g.Params == nil {
		g.Params = params.Default()
	}
	ports, err := freeport.Take(2)
	if err != nil {
		return nil, err
	}
	keys, err := chain.InitHome(dir, chain.NodeConfig{Moniker: "solo", Ports: chain.Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: o.BlockTime, Local: true})
	if err != nil {
		return nil, fmt.Errorf("testchain: %w", err)
	}
	if o.NoIndex {
		if err := noIndex(dir); err != nil {
			return nil, err
		}
	}
	op := Address(o.Operator)
	g.Accounts = append(g.Accounts, &ledgerpb.GenesisAccount{Address: op.String(), Balance: OperatorBalance})
	g.Validators = append(g.Validators, &ledgerpb.GenesisValidator{Operator: op.String(), ConsensusPubkey: keys.ConsensusPubKey,
		SelfBond: 1_000_000_000, Moniker: "solo"})
	appState, err := chain.LedgerGenesisOf(g)
	if err != nil {
		return nil, fmt.Errorf("testchain: %w", err)
	}
	if err := chain.WriteGenesis(dir, o.ChainID, time.Now(), appState); err != nil {
		return nil, fmt.Errorf("testchain: %w", err)
	}
	c := &Chain{ChainID: o.ChainID, Home: dir, RPC: fmt.Sprintf("http://127.0.0.1:%d", ports[1]), Operator: o.Operator,
		OperatorAddress: op, Params: g.Params, log: o.Log, invariants: o.CheckInvariants}
	if c.Client, err = client.New(c.RPC); err != nil {
		return nil, fmt.Errorf("testchain: %w", err)
	}
	if err := c.start(); err != nil {
		return nil, err
	}
	if _, err := c.waitHeight(2); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// noIndex turns the transaction index off in the home's config.toml.
func noIndex(home string) error {
	path := filepath.Join(home, "config", "config.toml")
	toml, err := os.ReadFile(path)
	if err == nil {
		err = os.WriteFile(path, []byte(strings.Replace(string(toml), `indexer = "kv"`, `indexer = "null"`, 1)), 0o600)
	}
	if err != nil {
		return fmt.Errorf("testchain: %w", err)
	}
	return nil
}

// Close stops the node, when it runs, and checks the ledger's invariants
// when Options.CheckInvariants is set. Errors: the node does not stop, an
// invariant does not hold.
func (c *Chain) Close() error {
	if c.node != nil {
		if err := c.node.Stop(); err != nil {
			return fmt.Errorf("testchain: stop: %w", err)
		}
		c.node = nil
	}
	if c.invariants {
		if err := chain.CheckInvariants(c.Home); err != nil {
			return fmt.Errorf("ledger invariants: %w", err)
		}
	}
	return nil
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
	if err := c.start(); err != nil {
		t.Fatal(err)
	}
}

func (c *Chain) start() error {
	n, err := chain.Start(context.Background(), c.Home, c.log)
	if err != nil {
		return fmt.Errorf("testchain: start: %w", err)
	}
	c.node = n
	return nil
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
	got, err := c.waitHeight(h)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (c *Chain) waitHeight(h int64) (int64, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		if got := c.Height(); got >= h {
			return got, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("testchain: height %d not reached in 30 s (at %d)", h, c.Height())
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

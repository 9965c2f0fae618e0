// Package bench measures how many transactions per second a single
// validator commits, for the ledger and, through the same harness, for
// CometBFT's own kvstore example application, so that the ratio of the two
// says what the ledger costs on top of consensus.
//
// The harness, for each application:
//
//  1. writes a fresh home in a temporary directory (one validator, the
//     given block time, a mempool large enough for every transaction);
//  2. starts CometBFT in this process with the application;
//  3. submits the pre-built transactions through the mempool
//     (broadcast_tx_sync on the node's local RPC client), from one
//     goroutine per sender so that each sender's transactions arrive in
//     order (the ledger checks sequence numbers);
//  4. counts the transactions in committed blocks until all are in, and
//     reports committed transactions over the time from the first
//     submission to the commit of the last.
//
// Ledger transactions are bank transfers between Accounts accounts funded
// at genesis, signed before the clock starts. kvstore transactions are
// distinct "key=value" pairs of the same count.
package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cometbft/cometbft/abci/example/kvstore"
	abci "github.com/cometbft/cometbft/abci/types"
	cfg "github.com/cometbft/cometbft/config"
	"github.com/cometbft/cometbft/node"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/proxy"
	"github.com/cometbft/cometbft/rpc/client/local"
	"github.com/cometbft/cometbft/types"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/params"
)

// Options of a run.
type Options struct {
	// Txs is the number of transactions per application.
	Txs int
	// Accounts is the number of sending accounts (default 100).
	Accounts int
	// BlockTime is CometBFT's timeout_commit (default 100 ms).
	BlockTime time.Duration
	// Timeout bounds each application's run (default 5 minutes).
	Timeout time.Duration
	// Log receives CometBFT's logs (default: discarded).
	Log io.Writer
}

// Result is the outcome of a run.
type Result struct {
	Txs         int     `json:"txs"`
	Accounts    int     `json:"accounts"`
	TPS         float64 `json:"tps"`
	BaselineTPS float64 `json:"baseline_tps"`
	// Ratio is TPS / BaselineTPS.
	Ratio       float64 `json:"ratio"`
	Seconds     float64 `json:"seconds"`
	BaselineSec float64 `json:"baseline_seconds"`
	Blocks      int64   `json:"blocks"`
	// Failed counts ledger transactions that committed with a non-zero code.
	Failed int `json:"failed"`
}

// Run measures the ledger, then kvstore, with o.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Txs < 1 {
		return Result{}, fmt.Errorf("bench: txs: must be at least 1, got %d", o.Txs)
	}
	if o.Accounts <= 0 {
		o.Accounts = 100
	}
	o.Accounts = min(o.Accounts, o.Txs)
	if o.BlockTime <= 0 {
		o.BlockTime = 100 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Minute
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	res := Result{Txs: o.Txs, Accounts: o.Accounts}

	ledgerRun, err := runLedger(ctx, o)
	if err != nil {
		return res, fmt.Errorf("bench ledger: %w", err)
	}
	baseRun, err := runKVStore(ctx, o)
	if err != nil {
		return res, fmt.Errorf("bench kvstore: %w", err)
	}
	res.Seconds, res.Blocks, res.Failed = ledgerRun.elapsed.Seconds(), ledgerRun.blocks, ledgerRun.failed
	res.BaselineSec = baseRun.elapsed.Seconds()
	res.TPS = float64(o.Txs) / res.Seconds
	res.BaselineTPS = float64(o.Txs) / res.BaselineSec
	res.Ratio = res.TPS / res.BaselineTPS
	return res, nil
}

type run struct {
	elapsed time.Duration
	blocks  int64
	failed  int
}

// home writes a one-validator home with free ports and returns its config.
func home(dir string, o Options, txs int) (*cfg.Config, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	if _, err := chain.InitHome(dir, chain.NodeConfig{Moniker: "bench", Ports: chain.Ports{P2P: ports[0], RPC: ports[1]}, BlockTime: o.BlockTime}); err != nil {
		return nil, err
	}
	c, err := chain.LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	c.Mempool.Size = txs + 1000
	c.Mempool.CacheSize = txs + 1000
	c.Mempool.MaxTxsBytes = 1 << 30
	c.TxIndex.Indexer = "null"
	c.LogLevel = "error"
	cfg.WriteConfigFile(filepath.Join(dir, "config", "config.toml"), c)
	return c, nil
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// seedKey returns the deterministic key of sender i.
func seedKey(i int) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, "celltonomy-bench")
	binary.BigEndian.PutUint64(seed[24:], uint64(i))
	return ed25519.NewKeyFromSeed(seed)
}

func runLedger(ctx context.Context, o Options) (run, error) {
	dir, err := os.MkdirTemp("", "cell-bench-ledger-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(dir)
	c, err := home(dir, o, o.Txs)
	if err != nil {
		return run{}, err
	}
	const chainID = "bench"
	fee := params.Default().MinFee
	perAccount := (o.Txs + o.Accounts - 1) / o.Accounts
	var accounts []*ledgerpb.GenesisAccount
	keys := make([]ed25519.PrivateKey, o.Accounts)
	for i := range keys {
		keys[i] = seedKey(i)
		addr, _ := address.FromPubKey(keys[i].Public().(ed25519.PublicKey))
		accounts = append(accounts, &ledgerpb.GenesisAccount{Address: addr.String(), Balance: uint64(perAccount) * (fee + 1) * 2})
	}
	op := seedKey(-1)
	opAddr, _ := address.FromPubKey(op.Public().(ed25519.PublicKey))
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return run{}, err
	}
	accounts = append(accounts, &ledgerpb.GenesisAccount{Address: opAddr.String(), Balance: 10_000_000_000})
	appState, err := chain.LedgerGenesis(accounts, []*ledgerpb.GenesisValidator{{
		Operator: opAddr.String(), ConsensusPubkey: pub.Bytes(), SelfBond: 1_000_000_000, Moniker: "bench",
	}}, nil)
	if err != nil {
		return run{}, err
	}
	if err := chain.WriteGenesis(dir, chainID, time.Now(), appState); err != nil {
		return run{}, err
	}

	// Pre-sign: sender i sends its k-th transfer to sender i+1.
	senders := make([][][]byte, o.Accounts)
	for n := 0; n < o.Txs; n++ {
		i := n % o.Accounts
		seq := uint64(len(senders[i]))
		to, _ := address.FromPubKey(keys[(i+1)%o.Accounts].Public().(ed25519.PublicKey))
		raw, err := client.BuildTx(keys[i], chainID, seq, fee, "",
			&ledgerpb.Msg{Sum: &ledgerpb.Msg_Send{Send: &ledgerpb.MsgSend{To: to[:], Amount: 1}}})
		if err != nil {
			return run{}, err
		}
		senders[i] = append(senders[i], raw)
	}

	tree, db, err := chain.OpenTree(dir)
	if err != nil {
		return run{}, err
	}
	defer db.Close()
	app, err := chain.NewApplication(tree, chainID)
	if err != nil {
		return run{}, err
	}
	return measure(ctx, c, app, proxy.NewUnsyncLocalClientCreator, senders, o)
}

func runKVStore(ctx context.Context, o Options) (run, error) {
	dir, err := os.MkdirTemp("", "cell-bench-kvstore-")
	if err != nil {
		return run{}, err
	}
	defer os.RemoveAll(dir)
	c, err := home(dir, o, o.Txs)
	if err != nil {
		return run{}, err
	}
	pv := privval.LoadFilePV(c.PrivValidatorKeyFile(), c.PrivValidatorStateFile())
	pub, err := pv.GetPubKey()
	if err != nil {
		return run{}, err
	}
	doc := types.GenesisDoc{
		ChainID: "bench-kvstore", GenesisTime: time.Now(), InitialHeight: 1,
		ConsensusParams: types.DefaultConsensusParams(),
		Validators:      []types.GenesisValidator{{Address: pub.Address(), PubKey: pub, Power: 10, Name: "bench"}},
	}
	if err := doc.SaveAs(c.GenesisFile()); err != nil {
		return run{}, err
	}
	senders := make([][][]byte, o.Accounts)
	for n := 0; n < o.Txs; n++ {
		i := n % o.Accounts
		senders[i] = append(senders[i], []byte(fmt.Sprintf("bench-%08d=value-%08d", n, n)))
	}
	app := kvstore.NewPersistentApplication(filepath.Join(dir, "kvstore"))
	defer app.Close()
	return measure(ctx, c, app, proxy.NewLocalClientCreator, senders, o)
}

// measure runs a node with app, submits every sender's transactions in
// order, and waits until all are committed.
func measure(ctx context.Context, c *cfg.Config, app abci.Application, clients func(abci.Application) proxy.ClientCreator, senders [][][]byte, o Options) (run, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	counted := &counting{Application: app}
	n, err := chain.StartWith(ctx, c, clients(counted), o.Log)
	if err != nil {
		return run{}, err
	}
	defer func() {
		_ = n.Stop()
		n.Wait()
	}()
	if err := waitHeight(ctx, n, 2); err != nil {
		return run{}, err
	}
	startHeight := n.BlockStore().Height()
	lc := local.New(n)
	total := 0
	for _, s := range senders {
		total += len(s)
	}

	start := time.Now()
	errs := make(chan error, len(senders))
	var wg sync.WaitGroup
	for _, txs := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range txs {
				r, err := lc.BroadcastTxSync(ctx, tx)
				if err != nil {
					errs <- err
					return
				}
				if r.Code != 0 {
					errs <- fmt.Errorf("check tx: code %d: %s", r.Code, r.Log)
					return
				}
			}
		}()
	}

	committed := 0
	h := startHeight
	for committed < total {
		select {
		case err := <-errs:
			return run{}, err
		case <-ctx.Done():
			return run{}, fmt.Errorf("%d of %d transactions committed: %w", committed, total, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
		for h < n.BlockStore().Height() {
			h++
			b, _ := n.BlockStore().LoadBlock(h)
			if b == nil {
				return run{}, errors.New("block store lost a block")
			}
			committed += len(b.Txs)
		}
	}
	elapsed := time.Since(start)
	wg.Wait()
	return run{elapsed: elapsed, blocks: h - startHeight, failed: int(counted.failed.Load())}, nil
}

// counting counts the transactions that failed in their block.
type counting struct {
	abci.Application
	failed atomic.Int64
}

func (c *counting) FinalizeBlock(ctx context.Context, req *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	res, err := c.Application.FinalizeBlock(ctx, req)
	if res != nil {
		for _, r := range res.TxResults {
			if r.Code != 0 {
				c.failed.Add(1)
			}
		}
	}
	return res, err
}

func waitHeight(ctx context.Context, n *node.Node, h int64) error {
	for n.BlockStore().Height() < h {
		select {
		case <-ctx.Done():
			return fmt.Errorf("node did not reach height %d: %w", h, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// operatorKey is the keyring name of a node's operator account.
const operatorKey = "validator"

// Defaults of the genesis a node home starts with, in ucell.
const (
	defaultOperatorBalance uint64 = 1_000_000_000_000 // 1,000,000 CELL
	defaultSelfBond        uint64 = 100_000_000_000   // 100,000 CELL
)

type genesisFlags struct {
	accounts  []string
	balance   uint64
	selfBond  uint64
	blockTime time.Duration
	dev       bool
}

func (f *genesisFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&f.accounts, "account", nil, "fund an account at genesis: ADDRESS=UCELL (repeatable)")
	fl.Uint64Var(&f.balance, "operator-balance", defaultOperatorBalance, "ucell of each validator operator account, before its self-bond")
	fl.Uint64Var(&f.selfBond, "self-bond", defaultSelfBond, "ucell each validator bonds at genesis")
	fl.DurationVar(&f.blockTime, "block-time", 0, "pause after each commit (CometBFT timeout_commit; default 1s)")
	fl.BoolVar(&f.dev, "dev", false, "store the operator key unencrypted (local development only)")
}

// accounts parses --account flags.
func (f *genesisFlags) extraAccounts() ([]*ledgerpb.GenesisAccount, error) {
	var out []*ledgerpb.GenesisAccount
	for _, kv := range f.accounts {
		a, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, &usageError{fmt.Errorf("--account %q: want ADDRESS=UCELL", kv)}
		}
		addr, err := address.Parse(a)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--account: %w", err)}
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return nil, &usageError{fmt.Errorf("--account %s: amount %q: %w", a, v, err)}
		}
		out = append(out, &ledgerpb.GenesisAccount{Address: addr.String(), Balance: n})
	}
	return out, nil
}

// operator returns the operator key of home, creating it when missing:
// encrypted with CELL_KEYRING_PASSPHRASE, or unencrypted with --dev.
func (g *globals) operator(home string, dev bool) (keyring.Info, error) {
	return g.accountKey(home, operatorKey, dev)
}

// accountKey returns the key name of home's keyring, creating it when
// missing, as operator does.
func (g *globals) accountKey(home, name string, dev bool) (keyring.Info, error) {
	kr, err := keyring.Open(keyring.Dir(home))
	if err != nil {
		return keyring.Info{}, err
	}
	if info, err := kr.Show(name); err == nil {
		return info, nil
	}
	var pass []byte
	if p := os.Getenv(envPassphrase); p != "" {
		pass = []byte(p)
	} else if !dev {
		return keyring.Info{}, &usageError{fmt.Errorf("key %q needs a passphrase: set %s, or pass --dev for an unencrypted development key", name, envPassphrase)}
	}
	info, err := kr.Add(name, pass)
	if err != nil {
		return keyring.Info{}, err
	}
	if pass == nil {
		fmt.Fprintf(g.stderr, "WARNING: key %q is stored unencrypted in %s; use it only for local development\n", name, kr.Path(name))
	}
	return info, nil
}

func newInitCmd(g *globals) *cobra.Command {
	var chainID, moniker string
	var gf genesisFlags
	cmd := &cobra.Command{
		Use:   "init --chain-id ID [--moniker M] [--account ADDRESS=UCELL]...",
		Short: "Create a node home: CometBFT config, keys, and a genesis naming this node the sole validator",
		Long: `Init writes a node home (--home, default ~/.cell): CometBFT's config.toml, a
node key, a consensus key, an operator account key "validator" in the
keyring, and a genesis in which this node is the only validator (bonding
--self-bond from its operator account) and the --account addresses are
funded. Then run cell start.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if chainID == "" {
				return &usageError{fmt.Errorf("--chain-id: required")}
			}
			extra, err := gf.extraAccounts()
			if err != nil {
				return err
			}
			if _, err := os.Stat(g.home + "/config/genesis.json"); err == nil {
				return fmt.Errorf("%s already holds a genesis; remove it or pick another --home", g.home)
			}
			if moniker == "" {
				moniker, _ = os.Hostname()
			}
			keys, err := chain.InitHome(g.home, chain.NodeConfig{Moniker: moniker, BlockTime: gf.blockTime})
			if err != nil {
				return err
			}
			op, err := g.operator(g.home, gf.dev)
			if err != nil {
				return err
			}
			appState, err := chain.LedgerGenesis(
				append([]*ledgerpb.GenesisAccount{{Address: op.Address.String(), Balance: gf.balance}}, extra...),
				[]*ledgerpb.GenesisValidator{{Operator: op.Address.String(), ConsensusPubkey: keys.ConsensusPubKey, SelfBond: gf.selfBond, Moniker: moniker}},
				nil)
			if err != nil {
				return err
			}
			if err := chain.WriteGenesis(g.home, chainID, time.Now(), appState); err != nil {
				return err
			}
			v := map[string]any{"home": g.home, "chain_id": chainID, "node_id": keys.NodeID, "operator": op.Address.String(), "moniker": moniker}
			if g.output == outputJSON {
				return g.json("chain-init", v)
			}
			fmt.Fprintf(g.stdout, "initialized %s for chain %s\nnode id   %s\noperator  %s (key %q)\nrun: cell start --home %s\n",
				g.home, chainID, keys.NodeID, op.Address, operatorKey, g.home)
			return nil
		},
	}
	cmd.Flags().StringVar(&chainID, "chain-id", "", "chain id (required)")
	cmd.Flags().StringVar(&moniker, "moniker", "", "node name shown to peers (default: host name)")
	gf.register(cmd)
	return cmd
}

func newStartCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Run the node of --home (validator or full node) until interrupted",
		Long: `Start runs CometBFT and the ledger in this process. CometBFT's RPC listens on
the address of config.toml (127.0.0.1:26657 by default), so curl and the
standard tools work. Logs go to stderr. Stop with Ctrl-C or SIGTERM.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := chain.Start(cmd.Context(), g.home, g.stderr)
			if err != nil {
				return err
			}
			rpc, _ := chain.RPCAddress(g.home)
			fmt.Fprintf(g.stderr, "cell: node of %s running; RPC at %s\n", g.home, rpc)
			<-cmd.Context().Done()
			fmt.Fprintln(g.stderr, "cell: stopping")
			return n.Stop()
		},
	}
}

func newTestnetCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "testnet", Short: "Create local multi-validator networks"}
	var o chain.TestnetOptions
	var chainID string
	var gf genesisFlags
	initCmd := &cobra.Command{
		Use:   "init --validators N --out DIR",
		Short: "Write N validator homes on one host with distinct ports and a shared genesis",
		Long: `Testnet init writes DIR/node0 … DIR/node{N-1}: each a complete home with its own
ports (P2P base-port+10i, RPC base-port+10i+1), every other node as a
persistent peer, an unencrypted operator key, and one genesis shared by all.
Start each with: cell start --home DIR/nodeI`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Dir == "" {
				return &usageError{fmt.Errorf("--out: required")}
			}
			extra, err := gf.extraAccounts()
			if err != nil {
				return err
			}
			o.BlockTime = gf.blockTime
			nodes, err := chain.Testnet(o, chainID, time.Now(), func(nodes []chain.TestnetNode) (json.RawMessage, error) {
				var accounts []*ledgerpb.GenesisAccount
				var vals []*ledgerpb.GenesisValidator
				for i, n := range nodes {
					op, err := g.operator(n.Home, true)
					if err != nil {
						return nil, err
					}
					accounts = append(accounts, &ledgerpb.GenesisAccount{Address: op.Address.String(), Balance: gf.balance})
					vals = append(vals, &ledgerpb.GenesisValidator{
						Operator: op.Address.String(), ConsensusPubkey: ed25519.PublicKey(n.Keys.ConsensusPubKey),
						SelfBond: gf.selfBond, Moniker: fmt.Sprintf("node%d", i),
					})
				}
				return chain.LedgerGenesis(append(accounts, extra...), vals, nil)
			})
			if err != nil {
				return err
			}
			type nodeJSON struct {
				Home   string `json:"home"`
				NodeID string `json:"node_id"`
				P2P    int    `json:"p2p_port"`
				RPC    int    `json:"rpc_port"`
			}
			var out []nodeJSON
			for _, n := range nodes {
				out = append(out, nodeJSON{n.Home, n.Keys.NodeID, n.Ports.P2P, n.Ports.RPC})
			}
			if g.output == outputJSON {
				return g.json("testnet-node", out)
			}
			for _, n := range out {
				fmt.Fprintf(g.stdout, "%s  node %s  p2p %d  rpc %d\n", n.Home, n.NodeID, n.P2P, n.RPC)
			}
			return nil
		},
	}
	initCmd.Flags().IntVar(&o.Validators, "validators", 4, "number of validators")
	initCmd.Flags().StringVar(&o.Dir, "out", "", "directory for the homes (required)")
	initCmd.Flags().StringVar(&o.Host, "host", "127.0.0.1", "address every node listens on")
	initCmd.Flags().IntVar(&o.BasePort, "base-port", chain.DefaultPorts.P2P, "P2P port of node0")
	initCmd.Flags().StringVar(&chainID, "chain-id", "celltonomy-testnet", "chain id")
	gf.register(initCmd)
	cmd.AddCommand(initCmd)
	return cmd
}

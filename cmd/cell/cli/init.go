package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/spf13/cobra"
)

// operatorKey is the keyring name of a node's operator account.
const operatorKey = "validator"

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

// Defaults of the genesis a node home starts with, in ucell.
const (
	defaultOperatorBalance uint64 = 1_000_000_000_000 // 1,000,000 CELL
	defaultSelfBond        uint64 = 100_000_000_000   // 100,000 CELL
)

package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"time"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/spf13/cobra"
)

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

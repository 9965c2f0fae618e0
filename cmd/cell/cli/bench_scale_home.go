package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/devnet/bench"
)

func newBenchScaleHomeCmd(g *globals) *cobra.Command {
	var dir string
	var scale float64
	var nc chain.NodeConfig
	var blockTime time.Duration
	cmd := &cobra.Command{
		Use:   "scale-home --state DIR [--scale S]",
		Short: "Write a chain home (--home) whose ledger is a state kept by cell bench scale --state DIR",
		Long: `Scale-home writes, in --home, a single-validator chain whose ledger holds a copy
of the state of scale S that 'cell bench scale --state DIR' seeded and kept
(1,000,000 accounts, 100,000 open orders … at --scale 1). 'cell start --home'
then runs a validator of the full state, and fulfillment nodes, miners and
clients can use it: the keyring of --home holds the seeded funder's key as
"funder" (unencrypted), to fund a node's operator with
'cell tx bank send --from funder'. The chain's first block is the seeded
height + 1. Its keys are public: for measurements, never for value.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return &usageError{fmt.Errorf("--state: required")}
			}
			nc.BlockTime = blockTime
			h, err := bench.WriteScaleHome(cmd.Context(), dir, scale, g.home, nc)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-scale-home", h)
			}
			fmt.Fprintf(g.stdout, "home      %s\nchain     %s, first block %d, validator power %d\nfunder    %s (key %q)\nstart it: cell start --home %s\n",
				h.Home, bench.ScaleChainID, h.Height+1, h.Power, h.Funder, bench.ScaleFunderKeyName, h.Home)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "state", "", "the directory of cell bench scale --state")
	cmd.Flags().Float64Var(&scale, "scale", 1, "the size of the kept state to use")
	cmd.Flags().StringVar(&nc.Moniker, "moniker", "scale", "node name shown to peers")
	cmd.Flags().IntVar(&nc.Ports.P2P, "p2p-port", chain.DefaultPorts.P2P, "CometBFT peer-to-peer port")
	cmd.Flags().IntVar(&nc.Ports.RPC, "rpc-port", chain.DefaultPorts.RPC, "CometBFT RPC port")
	cmd.Flags().DurationVar(&blockTime, "block-time", 0, "pause after each commit (CometBFT timeout_commit; default 1s)")
	return cmd
}

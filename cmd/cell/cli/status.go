package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newStatusCmd(g *globals) *cobra.Command {
	f := &nodeFlags{g: g}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Print the node's chain id, latest height and app hash",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			st, err := c.Status(cmd.Context())
			if err != nil {
				return err
			}
			v := map[string]any{
				"chain_id": st.NodeInfo.Network, "moniker": st.NodeInfo.Moniker, "node_id": string(st.NodeInfo.DefaultNodeID),
				"latest_height": st.SyncInfo.LatestBlockHeight, "latest_app_hash": st.SyncInfo.LatestAppHash.String(),
				"latest_block_time": st.SyncInfo.LatestBlockTime, "catching_up": st.SyncInfo.CatchingUp,
				"voting_power": st.ValidatorInfo.VotingPower,
			}
			if g.output == outputJSON {
				return g.json("status", v)
			}
			fmt.Fprintf(g.stdout, "chain %s  node %s (%s)\nheight %d  app hash %s  time %s\ncatching up %v  voting power %d\n",
				st.NodeInfo.Network, st.NodeInfo.Moniker, st.NodeInfo.DefaultNodeID, st.SyncInfo.LatestBlockHeight,
				st.SyncInfo.LatestAppHash, st.SyncInfo.LatestBlockTime.UTC().Format("2006-01-02T15:04:05Z"),
				st.SyncInfo.CatchingUp, st.ValidatorInfo.VotingPower)
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

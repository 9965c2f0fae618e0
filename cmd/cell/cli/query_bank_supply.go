package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newQuerySupplyCmd is `cell query bank supply`: the supply accounting.
func newQuerySupplyCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "supply",
		Short: "Print the total supply, the totals minted and burned since genesis, and the treasury (ucell)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			s, err := c.Supply(cmd.Context())
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("supply", map[string]any{"supply": s.Supply, "genesis_supply": s.GenesisSupply,
					"minted": s.Minted, "burned": s.Burned, "treasury": s.Treasury})
			}
			fmt.Fprintf(g.stdout, "supply          %d ucell\n", s.Supply)
			fmt.Fprintf(g.stdout, "genesis supply  %d ucell\n", s.GenesisSupply)
			fmt.Fprintf(g.stdout, "minted          %d ucell\n", s.Minted)
			fmt.Fprintf(g.stdout, "burned          %d ucell\n", s.Burned)
			fmt.Fprintf(g.stdout, "treasury        %d ucell\n", s.Treasury)
			return nil
		},
	}
}

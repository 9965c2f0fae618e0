package cli

import (
	"encoding/hex"
	"fmt"

	"github.com/spf13/cobra"
)

// newServiceListCmd is `cell service list`.
func newServiceListCmd(g *globals, f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the service orders of --from: order, node, state, served blocks",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := f.serviceBuyer(cmd)
			if err != nil {
				return err
			}
			list, err := b.List(cmd.Context())
			if err != nil {
				return err
			}
			out := []serviceJSON{}
			for _, in := range list {
				out = append(out, serviceJSON{OrderID: in.OrderID, Package: hex.EncodeToString(in.Package), Node: in.Node, State: in.State,
					Blocks: in.Blocks, Served: in.Served, Calls: in.Calls})
			}
			if g.output == outputJSON {
				return g.json("service", out)
			}
			for _, s := range out {
				fmt.Fprintf(g.stdout, "%d\t%s\t%s\t%d/%d blocks\t%d calls\n", s.OrderID, s.State, s.Node, s.Served, s.Blocks, s.Calls)
			}
			return nil
		},
	}
}

package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

// newServiceStopCmd is `cell service stop ORDER_ID`.
func newServiceStopCmd(g *globals, f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stop ORDER_ID",
		Short: "Stop a running service of --from early; pay only for the blocks served",
		Long: `stop sends MsgStopService for ORDER_ID, signed by --from (its buyer). The
node stops the instance and posts its usage receipt; the provider is paid the
price × served blocks / ordered blocks when the order closes, and the rest
returns to the buyer.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			b, err := f.serviceBuyer(cmd)
			if err != nil {
				return err
			}
			h, err := b.Stop(cmd.Context(), id)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("service", serviceJSON{OrderID: id, State: "stopped", Height: h})
			}
			fmt.Fprintf(g.stdout, "order %d: stopped at height %d\n", id, h)
			return nil
		},
	}
}

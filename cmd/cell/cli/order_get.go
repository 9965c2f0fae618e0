package cli

import (
	"github.com/spf13/cobra"
)

// newOrderGetCmd is `cell order get ORDER_ID`.
func newOrderGetCmd(g *globals, f *txFlags) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "get ORDER_ID",
		Short: "Download the results of a delivered order of --from again, verify them and write them",
		Long: `get downloads the results of a delivered order of --from from the provider's
node, verifies them against the output root delivered on chain (and the
completion code against its commitment), and writes them to OUT/ORDER_ID/:
outputs/, stdout.txt, stderr.txt and receipt.json (and, for a protocol package,
the event log eventlog.bin and the label label.png, after the conformance
check of the run). It works at any time after
the delivery, closed or not, as long as the node keeps the results; it sends
no transaction.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			if out == "" {
				out = resultsDir(b.ChainID)
			}
			p := newProgress(g)
			res, err := b.Get(cmd.Context(), id, out, p.step)
			p.done()
			return p.result(res, err)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", outFlagUsage)
	return cmd
}

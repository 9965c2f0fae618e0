package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain/bench"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure the system on this machine"}
	var o bench.Options
	ledger := &cobra.Command{
		Use:   "ledger [--txs N]",
		Short: "Committed transfers per second of a single in-process validator, against CometBFT's kvstore",
		Long: `Bench ledger starts a single validator in this process with a short block
time, pre-signs --txs bank transfers from --accounts accounts, submits them
through the mempool and measures committed transactions per second. It then
runs CometBFT's own kvstore example application through the same harness and
reports both rates and their ratio.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking %d transactions from %d accounts (block time %v)...\n", o.Txs, o.Accounts, o.BlockTime)
			res, err := bench.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json(res)
			}
			fmt.Fprintf(g.stdout, "ledger   %8.0f tx/s  (%d txs in %.2fs, %d blocks, %d failed)\nkvstore  %8.0f tx/s  (%d txs in %.2fs)\nratio    %8.2f\n",
				res.TPS, res.Txs, res.Seconds, res.Blocks, res.Failed, res.BaselineTPS, res.Txs, res.BaselineSec, res.Ratio)
			return nil
		},
	}
	ledger.Flags().IntVar(&o.Txs, "txs", 5000, "transactions per application")
	ledger.Flags().IntVar(&o.Accounts, "accounts", 100, "sending accounts")
	ledger.Flags().DurationVar(&o.BlockTime, "block-time", 100*time.Millisecond, "CometBFT timeout_commit")
	cmd.AddCommand(ledger)
	return cmd
}

package cli

import (
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// newReportMissingInputsCmd is `cell tx market report-missing-inputs`.
func newReportMissingInputsCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "report-missing-inputs ORDER_ID",
		Short: "Report, as the provider, that an awarded order's inputs never arrived",
		Long: `report-missing-inputs is the provider's report that the buyer did not send
an order's inputs. It is accepted from the contract's input deadline to its
delivery deadline. Unless the buyer shows the provider's input receipt within
input_contest_window_blocks, the contract ends without a delivery and
everybody is refunded; a receipt shown voids the report and holds the provider
to its delivery deadline again.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReportMissingInputs{ReportMissingInputs: &ledgerpb.MsgReportMissingInputs{OrderId: id}}})
		},
	}
}

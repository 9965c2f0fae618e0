package cli

import (
	"crypto/ed25519"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// newTxMarketPostInputReceiptCmd is `cell tx market post-input-receipt`.
func newTxMarketPostInputReceiptCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "post-input-receipt ORDER_ID SIGNATURE_HEX",
		Short: "Show on chain the provider node's receipt of an order's inputs",
		Long: `post-input-receipt posts the input receipt a provider's node signed when it
took an order's inputs (SIGNATURE_HEX, 64 bytes: its node key's signature of
market.InputReceiptBytes; the node returns it from POST …/inputs and GET
…/job, and cell order run keeps it in HOME/orders/ORDER_ID.json). Post it to
void the provider's report that the inputs never arrived (before the report's
contest deadline), or by the delivery deadline so that a missed delivery pays
you fail_slash_buyer_bps of the bid stake. Anyone may post it; it is shown
once.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			sig, err := hexArg("SIGNATURE_HEX", args[1], ed25519.SignatureSize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_PostInputReceipt{PostInputReceipt: &ledgerpb.MsgPostInputReceipt{OrderId: id, Signature: sig}}})
		},
	}
}

// newTxMarketReportMissingInputsCmd is `cell tx market report-missing-inputs`.
func newTxMarketReportMissingInputsCmd(f *txFlags) *cobra.Command {
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

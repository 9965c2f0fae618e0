package cli

import (
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// newRevealDisputeSeedCmd is `cell tx market reveal-dispute-seed`.
func newRevealDisputeSeedCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reveal-dispute-seed ORDER_ID SEED_HEX",
		Short: "Reveal the draw seed of the current round of a dispute of a compute package; it draws the verifiers",
		Long: `reveal-dispute-seed reveals SEED_HEX (32 bytes), the seed of the dispute's
current round: its market.SeedHash must be the dispute's seed head (the
commitment of open-dispute, then the seed revealed last). It is accepted in a
block after the round started, up to the round's seed deadline; the verifiers
are drawn in the same transaction. Unrevealed, round 1 is abandoned (the
delivery stands, the dispute stake goes to the provider) and a later round
ends in a split. open-dispute saves the chain in HOME/orders/ORDER_ID.json;
cell order dispute ORDER_ID --wait reveals each round's seed from there.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			seed, err := hexArg("SEED_HEX", args[1], market.HashSize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{OrderId: id, Seed: seed}}})
		},
	}
}

package cli

import (
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// newTxStakingDelegationCmds are `cell tx staking delegate|undelegate|
// redelegate|unjail|withdraw-rewards|edit-validator`.
func newTxStakingDelegationCmds(g *globals, f *txFlags) []*cobra.Command {
	// validatorAmount parses VALIDATOR AMOUNT arguments.
	validatorAmount := func(args []string) ([]byte, uint64, error) {
		op, err := resolveAddress(g, args[0])
		if err != nil {
			return nil, 0, err
		}
		amount, err := parseAmount(args[1])
		return op.Bytes(), amount, err
	}
	delegate := &cobra.Command{
		Use:   "delegate VALIDATOR AMOUNT",
		Short: "Delegate AMOUNT ucell of --from's balance to VALIDATOR (an operator address or key name)",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, amount, err := validatorAmount(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Delegate{Delegate: &ledgerpb.MsgDelegate{Validator: op, Amount: amount}}})
		},
	}
	undelegate := &cobra.Command{
		Use:   "undelegate VALIDATOR AMOUNT",
		Short: "Undelegate AMOUNT ucell from VALIDATOR; it returns to --from after the unbonding period",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, amount, err := validatorAmount(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Undelegate{Undelegate: &ledgerpb.MsgUndelegate{Validator: op, Amount: amount}}})
		},
	}
	redelegate := &cobra.Command{
		Use:   "redelegate SRC_VALIDATOR DST_VALIDATOR AMOUNT",
		Short: "Move AMOUNT ucell of --from's delegation from SRC_VALIDATOR to DST_VALIDATOR at once (slashable for SRC's faults during the unbonding period)",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			dst, amount, err := validatorAmount(args[1:])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Redelegate{Redelegate: &ledgerpb.MsgRedelegate{SrcValidator: src.Bytes(), DstValidator: dst, Amount: amount}}})
		},
	}
	unjail := &cobra.Command{
		Use:   "unjail",
		Short: "Let --from's validator, jailed for downtime, back into consensus after its jail period",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Unjail{Unjail: &ledgerpb.MsgUnjail{}}})
		},
	}
	withdraw := &cobra.Command{
		Use:   "withdraw-rewards VALIDATOR",
		Short: "Pay --from its rewards from VALIDATOR and, if --from operates it, the validator's commission",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_WithdrawRewards{WithdrawRewards: &ledgerpb.MsgWithdrawRewards{Validator: op.Bytes()}}})
		},
	}
	var moniker string
	var commission int
	edit := &cobra.Command{
		Use:   "edit-validator",
		Short: "Change the moniker (--moniker) or the commission (--commission-bps) of --from's validator",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			m := &ledgerpb.MsgEditValidator{Moniker: moniker}
			if commission >= 0 {
				m.SetCommission, m.CommissionBps = true, uint32(min(commission, 1<<31))
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_EditValidator{EditValidator: m}})
		},
	}
	edit.Flags().StringVar(&moniker, "moniker", "", "new moniker (default: keep)")
	edit.Flags().IntVar(&commission, "commission-bps", -1, "new commission in basis points (default: keep)")
	return []*cobra.Command{delegate, undelegate, redelegate, unjail, withdraw, edit}
}

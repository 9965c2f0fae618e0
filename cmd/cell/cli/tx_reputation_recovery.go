package cli

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// newTxReputationRecoveryCmd is `cell tx reputation recovery …`: recovery mode of
// reputation mining (Colony whitepaper §2.2, §7.9).
func newTxReputationRecoveryCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "recovery", Short: "Recovery mode of reputation mining: stop, repair the root, resume"}
	cmd.AddCommand(&cobra.Command{
		Use:   "enter",
		Short: "Stop reputation mining (--from must be a recovery address): no freeze, no decay, no submission",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_EnterRecovery{EnterRecovery: &ledgerpb.MsgEnterRecovery{}}})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "set-root CYCLE ROOT N_LEAVES JRH",
		Short: "In recovery mode, set the accepted reputation root of a frozen cycle (ROOT and JRH in hex)",
		Long: `In recovery mode, a recovery address sets the accepted reputation root of
CYCLE, a frozen cycle (below the open one): ROOT and JRH are 32 bytes in hex
(cell rep replay computes them). The cycle being mined, if any, is dropped
without rewards or slashing; CYCLE + 1 is mined next. It is an edit: exit
approvals given before it no longer count.`,
		Args: exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := recoverySetRootArgs(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RecoverySetRoot{RecoverySetRoot: m}})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "approve-exit EDIT",
		Short: "Approve ending recovery mode as the state stands after EDIT edits (see `cell query reputation recovery`); a majority of the recovery addresses ends it",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			edit, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return &usageError{fmt.Errorf("EDIT %q: want the number of edits shown by `cell query reputation recovery`", args[0])}
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ApproveRecoveryExit{ApproveRecoveryExit: &ledgerpb.MsgApproveRecoveryExit{Edit: edit}}})
		},
	})
	return cmd
}

// recoverySetRootArgs parses CYCLE ROOT N_LEAVES JRH.
func recoverySetRootArgs(args []string) (*ledgerpb.MsgRecoverySetRoot, error) {
	var nums [2]uint64
	for i, a := range []int{0, 2} {
		n, err := strconv.ParseUint(args[a], 10, 64)
		if err != nil {
			return nil, &usageError{fmt.Errorf("%s %q: want a whole number", []string{"CYCLE", "N_LEAVES"}[i], args[a])}
		}
		nums[i] = n
	}
	var hashes [2][]byte
	for i, a := range []int{1, 3} {
		b, err := hex.DecodeString(strings.TrimPrefix(args[a], "0x"))
		if err != nil || len(b) != reputation.HashSize {
			return nil, &usageError{fmt.Errorf("%s %q: want %d bytes in hex", []string{"ROOT", "JRH"}[i], args[a], reputation.HashSize)}
		}
		hashes[i] = b
	}
	return &ledgerpb.MsgRecoverySetRoot{Cycle: nums[0], Root: hashes[0], NLeaves: nums[1], Jrh: hashes[1]}, nil
}

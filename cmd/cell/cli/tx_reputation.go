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

// newTxReputationCmd is `cell tx reputation …`: the skill tree, mining
// and its recovery mode.
func newTxReputationCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "The skill tree and reputation mining"}
	cmd.AddCommand(newTxReputationCreateSkillCmd(f))
	cmd.AddCommand(newTxReputationStakeMinerCmd(f))
	cmd.AddCommand(newTxReputationUnstakeMinerCmd(f))
	cmd.AddCommand(newTxReputationSubmitRootCmd(f))
	cmd.AddCommand(newTxReputationRecoveryCmd(f))
	return cmd
}

func newTxReputationCreateSkillCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "create-skill PARENT_PATH NAME",
		Short: "Create the skill PARENT_PATH/NAME under an existing skill, e.g. create-skill compute/genomics assembly",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateSkill{CreateSkill: &ledgerpb.MsgCreateSkill{ParentPath: args[0], Name: args[1]}}})
		},
	}
}

func newTxReputationStakeMinerCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "stake-miner AMOUNT",
		Short: "Stake AMOUNT ucell as a reputation miner (the stake must reach min_miner_stake)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_StakeMiner{StakeMiner: &ledgerpb.MsgStakeMiner{Amount: n}}})
		},
	}
}

func newTxReputationUnstakeMinerCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "unstake-miner AMOUNT",
		Short: "Take AMOUNT ucell of miner stake back (refused while a submission waits)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := parseAmount(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_UnstakeMiner{UnstakeMiner: &ledgerpb.MsgUnstakeMiner{Amount: n}}})
		},
	}
}

func newTxReputationSubmitRootCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "submit-root CYCLE ROOT N_LEAVES JRH ENTRY_INDEX",
		Short: "Submit the reputation root, number of leaves and JRH (hex) of the mining cycle",
		Long: `Submit what replaying the mining cycle gives (cell rep replay computes it):
ROOT and JRH are 32 bytes in hex. ENTRY_INDEX is 1 … stake / min_miner_stake;
a submission is eligible once keccak256(miner ‖ entry index ‖ root) is below
the target, which rises over the window (cell query reputation mining).`,
		Args: exactArgs(5),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := submitRootArgs(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitRootHash{SubmitRootHash: m}})
		},
	}
}

// submitRootArgs parses CYCLE ROOT N_LEAVES JRH ENTRY_INDEX.
func submitRootArgs(args []string) (*ledgerpb.MsgSubmitRootHash, error) {
	var nums [3]uint64
	for i, a := range []int{0, 2, 4} {
		n, err := strconv.ParseUint(args[a], 10, 64)
		if err != nil {
			return nil, &usageError{fmt.Errorf("%s %q: want a whole number", []string{"CYCLE", "N_LEAVES", "ENTRY_INDEX"}[i], args[a])}
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
	if nums[2] == 0 {
		return nil, &usageError{fmt.Errorf("ENTRY_INDEX 0: must be at least 1")}
	}
	return &ledgerpb.MsgSubmitRootHash{Cycle: nums[0], Root: hashes[0], NLeaves: nums[1], Jrh: hashes[1], EntryIndex: nums[2]}, nil
}

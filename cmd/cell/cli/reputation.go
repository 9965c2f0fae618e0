package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// newReputationTxCmd is `cell tx reputation …`: the skill tree, mining
// and its recovery mode.
func newReputationTxCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "The skill tree and reputation mining"}
	cmd.AddCommand(newTxReputationCreateSkillCmd(f))
	cmd.AddCommand(newTxReputationStakeMinerCmd(f))
	cmd.AddCommand(newTxReputationUnstakeMinerCmd(f))
	cmd.AddCommand(newTxReputationSubmitRootCmd(f))
	cmd.AddCommand(newRecoveryTxCmd(f))
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

// newReputationQueryCmd is `cell query reputation …`: skills, the
// reputation update log and mining.
func newReputationQueryCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "Skills, the reputation update log and mining"}
	cmd.AddCommand(newQueryReputationRootCmd(g, f))
	cmd.AddCommand(newQueryReputationMiningCmd(g, f))
	cmd.AddCommand(newRecoveryQueryCmd(g, f))
	cmd.AddCommand(newQueryReputationMinerCmd(g, f))
	cmd.AddCommand(newQueryReputationSkillsCmd(g, f))
	cmd.AddCommand(newQueryReputationSkillCmd(g, f))
	cmd.AddCommand(newQueryReputationLogCmd(g, f))
	return cmd
}

func newQueryReputationRootCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "root",
		Short: "Print the latest accepted reputation root",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.ReputationRoot(cmd.Context())
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("reputation-root", r)
			}
			fmt.Fprintf(g.stdout, "cycle %d accepted at height %d\nroot %x\nn_leaves %d\njrh %x\n", r.GetCycle(), r.GetAcceptedHeight(), r.GetRoot(), r.GetNLeaves(), r.GetJrh())
			return nil
		},
	}
}

func newQueryReputationMiningCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "mining",
		Short: "Print the cycle being mined, its window, submissions and claims, its challenges, and the accepted root",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			s, err := c.Mining(cmd.Context())
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("mining", s)
			}
			writeMiningStatus(g.stdout, s)
			return nil
		},
	}
}

func newQueryReputationMinerCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "miner ADDRESS",
		Short: "Print a miner's stake and the height it has been staked since",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			m, err := c.Miner(cmd.Context(), addr)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("miner", m)
			}
			fmt.Fprintf(g.stdout, "miner %s\nstake %d ucell\nsince height %d\n", addr, m.GetStake(), m.GetSinceHeight())
			return nil
		},
	}
}

func newQueryReputationSkillsCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "skills",
		Short: "Print every skill in creation order: id, parent, path",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			skills, err := client.All(c.Skills(cmd.Context()))
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("skill", skills)
			}
			for _, sk := range skills {
				fmt.Fprintf(g.stdout, "%6d  parent %-6d %s\n", sk.GetId(), sk.GetParent(), sk.GetPath())
			}
			return nil
		},
	}
}

func newQueryReputationSkillCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "skill PATH",
		Short: "Print a skill: id, parents and descendants",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			sk, err := c.Skill(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("skill", sk)
			}
			fmt.Fprintf(g.stdout, "skill %d %s\nparents %v\n", sk.GetId(), args[0], sk.GetAncestors())
			return nil
		},
	}
}

func newQueryReputationLogCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "log [CYCLE [START]]",
		Short: "Print the reputation update log of a cycle (default: the open one), a page at a time",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var nums []uint64
			for _, a := range args {
				n, err := strconv.ParseUint(a, 10, 64)
				if err != nil {
					return &usageError{fmt.Errorf("%q: want a whole number", a)}
				}
				nums = append(nums, n)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			if len(nums) == 0 {
				open, err := c.OpenCycle(cmd.Context())
				if err != nil {
					return err
				}
				nums = append(nums, open)
			}
			if len(nums) == 1 {
				nums = append(nums, 0)
			}
			// One page, as the ledger serves it; the rest on demand.
			var res *ledgerpb.ReputationLogResponse
			for page, err := range c.ReputationLog(cmd.Context(), nums[0], nums[1]) {
				if err != nil {
					return err
				}
				res = page
				break
			}
			next := uint64(0)
			if len(res.GetPage().GetNextKey()) != 0 {
				next = res.GetStart() + uint64(len(res.GetEntries()))
			}
			type entryJSON struct {
				User             string `json:"user"`
				Amount           string `json:"amount"`
				Skill            uint64 `json:"skill"`
				Colony           string `json:"colony"`
				NUpdates         uint64 `json:"n_updates"`
				NPreviousUpdates uint64 `json:"n_previous_updates"`
			}
			out := struct {
				Cycle   uint64      `json:"cycle"`
				Start   uint64      `json:"start"`
				Next    uint64      `json:"next,omitempty"`
				Entries []entryJSON `json:"items"`
			}{Cycle: res.GetCycle(), Start: res.GetStart(), Next: next, Entries: []entryJSON{}}
			for _, r := range res.GetEntries() {
				e, err := reputation.EntryFromRecord(r)
				if err != nil {
					return err
				}
				out.Entries = append(out.Entries, entryJSON{e.User.String(), e.Amount.String(), e.Skill,
					hex.EncodeToString(e.Colony[:]), e.NUpdates, e.NPreviousUpdates})
			}
			if g.output == outputJSON {
				return g.json("reputation-entry-list", out)
			}
			fmt.Fprintf(g.stdout, "cycle %d, entries from %d\n", out.Cycle, out.Start)
			for i, e := range out.Entries {
				fmt.Fprintf(g.stdout, "%6d  %s  %s in skill %d  (updates %d, before %d)\n",
					out.Start+uint64(i), e.User, e.Amount, e.Skill, e.NUpdates, e.NPreviousUpdates)
			}
			if out.Next != 0 {
				fmt.Fprintf(g.stderr, "cell: more entries: cell query reputation log %d %d\n", out.Cycle, out.Next)
			}
			return nil
		},
	}
}

// writeMiningStatus prints a mining status for people: the open cycle,
// recovery mode, the cycle being mined and its window, its submissions
// and claims, the challenges of the current round with the step each
// awaits and its deadline, and the accepted root.
func writeMiningStatus(w io.Writer, s *ledgerpb.MiningStatus) {
	fmt.Fprintf(w, "open cycle %d since height %d\n", s.GetOpenCycle(), s.GetOpenCycleStart())
	if s.GetRecovery() {
		fmt.Fprintln(w, "recovery mode: mining stopped, nothing below moves (cell query reputation recovery)")
	}
	switch {
	case !s.GetMining():
		fmt.Fprintln(w, "no cycle is being mined")
	case s.GetChallenging():
		fmt.Fprintf(w, "cycle %d: %d updates; window %d to %d closed; challenge round %d\n", s.GetMiningCycle(), s.GetUpdates(),
			s.GetWindowStart(), s.GetWindowEnd(), s.GetRound())
	default:
		fmt.Fprintf(w, "cycle %d: %d updates; window %d to %d\n", s.GetMiningCycle(), s.GetUpdates(), s.GetWindowStart(), s.GetWindowEnd())
	}
	for _, sub := range s.GetSubmissions() {
		fmt.Fprintf(w, "  %s entry %d at %d: claim %d\n", address.Address(sub.GetMiner()), sub.GetEntryIndex(),
			sub.GetHeight(), sub.GetClaim())
	}
	for _, c := range s.GetClaims() {
		fmt.Fprintf(w, "  claim %d: root %x n_leaves %d jrh %x: %s", c.GetId(), c.GetRoot(), c.GetNLeaves(), c.GetJrh(), reputation.ClaimStateName(c.GetState()))
		switch {
		case c.GetState() == ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED && c.GetHasLostTo():
			fmt.Fprintf(w, " in round %d to claim %d (%s)", c.GetRound(), c.GetLostTo(), c.GetReason())
		case c.GetState() == ledgerpb.ClaimState_CLAIM_STATE_INVALIDATED:
			fmt.Fprintf(w, " in round %d (%s)", c.GetRound(), c.GetReason())
		case c.GetBye() && s.GetChallenging():
			fmt.Fprintf(w, ", bye in round %d", c.GetRound())
		}
		fmt.Fprintln(w)
	}
	for _, ch := range s.GetChallenges() {
		sides := ch.GetSides()
		fmt.Fprintf(w, "  round %d challenge %d: claim %d vs claim %d: ", ch.GetRound(), ch.GetIndex(), sides[0].GetClaim(), sides[1].GetClaim())
		switch ch.GetStep() {
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_DECIDED:
			if ch.GetHasWinner() {
				fmt.Fprintf(w, "claim %d won (%s)\n", ch.GetWinner(), ch.GetReason())
			} else {
				fmt.Fprintf(w, "both lost (%s)\n", ch.GetReason())
			}
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_SEARCH:
			fmt.Fprintf(w, "search of leaves [%d, %d] after %d steps (%s), until height %d\n", ch.GetLo(), ch.GetHi(), ch.GetSearchSteps(),
				answered(sides), ch.GetDeadline())
		case ledgerpb.ChallengeStep_CHALLENGE_STEP_RESPOND:
			fmt.Fprintf(w, "respond for update %d, until height %d\n", ch.GetLo()-1, ch.GetDeadline())
		default:
			fmt.Fprintf(w, "%s (%s), until height %d\n", reputation.StepName(ch.GetStep()), answered(sides), ch.GetDeadline())
		}
	}
	if a := s.GetAccepted(); a != nil {
		fmt.Fprintf(w, "accepted: cycle %d root %x n_leaves %d\n", a.GetCycle(), a.GetRoot(), a.GetNLeaves())
	}
}

// answered says which sides of a challenge answered its current step.
func answered(sides []*ledgerpb.ChallengeSide) string {
	var parts []string
	for _, sd := range sides {
		if sd.GetAnswered() {
			parts = append(parts, fmt.Sprintf("claim %d answered", sd.GetClaim()))
		} else {
			parts = append(parts, fmt.Sprintf("claim %d to answer", sd.GetClaim()))
		}
	}
	return strings.Join(parts, ", ")
}

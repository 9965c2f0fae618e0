package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/spf13/cobra"
)

// newQueryReputationCmd is `cell query reputation …`: skills, the
// reputation update log and mining.
func newQueryReputationCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "Skills, the reputation update log and mining"}
	cmd.AddCommand(newQueryReputationRootCmd(g, f))
	cmd.AddCommand(newQueryReputationMiningCmd(g, f))
	cmd.AddCommand(newQueryReputationRecoveryCmd(g, f))
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
			addr, c, err := f.addressClient(g, args[0])
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

// recoveryJSON is the --output json form of `cell query reputation
// recovery`.
type recoveryJSON struct {
	Active        bool           `json:"active"`
	Addresses     []string       `json:"addresses"`
	EnteredHeight int64          `json:"entered_height,omitempty"`
	EnteredBy     string         `json:"entered_by,omitempty"`
	Edits         uint64         `json:"edits"`
	Approvals     []approvalJSON `json:"approvals"`
	Approved      uint32         `json:"approved"`
	Needed        uint32         `json:"needed"`
}

type approvalJSON struct {
	Address string `json:"address"`
	Edit    uint64 `json:"edit"`
	Height  int64  `json:"height"`
	Counts  bool   `json:"counts"`
}

func recoveryOf(r *ledgerpb.RecoveryStatus) recoveryJSON {
	out := recoveryJSON{Active: r.GetActive(), Addresses: []string{}, EnteredHeight: r.GetEnteredHeight(), Edits: r.GetEdits(),
		Approvals: []approvalJSON{}, Approved: r.GetApproved(), Needed: r.GetNeeded()}
	for _, a := range r.GetAddresses() {
		out.Addresses = append(out.Addresses, address.Address(a).String())
	}
	if len(r.GetEnteredBy()) == address.Size {
		out.EnteredBy = address.Address(r.GetEnteredBy()).String()
	}
	for _, a := range r.GetApprovals() {
		out.Approvals = append(out.Approvals, approvalJSON{Address: address.Address(a.GetAddress()).String(), Edit: a.GetEdit(),
			Height: a.GetHeight(), Counts: a.GetEdit() == r.GetEdits()})
	}
	return out
}

// newQueryReputationRecoveryCmd is `cell query reputation recovery`.
func newQueryReputationRecoveryCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "recovery",
		Short: "Print recovery mode: whether mining is stopped, the recovery addresses, the edits and the exit approvals",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Recovery(cmd.Context())
			if err != nil {
				return err
			}
			out := recoveryOf(r)
			if g.output == outputJSON {
				return g.json("recovery", out)
			}
			if out.Active {
				fmt.Fprintf(g.stdout, "recovery mode since height %d, entered by %s: mining stopped\n", out.EnteredHeight, out.EnteredBy)
			} else {
				fmt.Fprintln(g.stdout, "not in recovery mode")
			}
			fmt.Fprintf(g.stdout, "edits %d\n", out.Edits)
			fmt.Fprintf(g.stdout, "recovery addresses (%d; %d approvals end recovery mode):\n", len(out.Addresses), out.Needed)
			for _, a := range out.Addresses {
				fmt.Fprintf(g.stdout, "  %s\n", a)
			}
			if out.Active {
				fmt.Fprintf(g.stdout, "exit approvals counted: %d of %d\n", out.Approved, out.Needed)
			}
			for _, a := range out.Approvals {
				state := "counts"
				if !a.Counts {
					state = "before the latest edit: does not count"
				}
				fmt.Fprintf(g.stdout, "  %s at height %d after edit %d: %s\n", a.Address, a.Height, a.Edit, state)
			}
			return nil
		},
	}
}

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
)

// newQueryStakingCmds are `cell query staking delegations|rewards|
// validator`.
func newQueryStakingCmds(g *globals, f *nodeFlags) []*cobra.Command {
	return []*cobra.Command{newQueryStakingDelegationsCmd(g, f), newQueryStakingRewardsCmd(g, f), newQueryStakingValidatorCmd(g, f)}
}

func newQueryStakingDelegationsCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delegations DELEGATOR",
		Short: "List DELEGATOR's delegations (an address or key name): validator, shares, worth and pending rewards in ucell",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			del, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ds, err := client.All(c.Delegations(cmd.Context(), del))
			if err != nil {
				return err
			}
			type delJSON struct {
				Validator string `json:"validator"`
				Shares    uint64 `json:"shares"`
				Tokens    uint64 `json:"tokens"`
				Rewards   uint64 `json:"rewards"`
			}
			out := []delJSON{}
			for _, d := range ds {
				op, _ := address.FromBytes(d.GetDelegation().GetValidator())
				out = append(out, delJSON{op.String(), d.GetDelegation().GetShares(), d.GetTokens(), d.GetRewards()})
			}
			if g.output == outputJSON {
				return g.json("delegation", out)
			}
			for _, d := range out {
				fmt.Fprintf(g.stdout, "%s  %d ucell (%d shares)  rewards %d ucell\n", d.Validator, d.Tokens, d.Shares, d.Rewards)
			}
			return nil
		},
	}
}

func newQueryStakingRewardsCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "rewards DELEGATOR VALIDATOR",
		Short: "Print the rewards of DELEGATOR's delegation to VALIDATOR a withdrawal would pay now, and the validator's commission owed",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			del, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			op, err := resolveAddress(g, args[1])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Rewards(cmd.Context(), del, op)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("rewards", struct {
					Delegator  string `json:"delegator"`
					Validator  string `json:"validator"`
					Rewards    uint64 `json:"rewards"`
					Commission uint64 `json:"commission"`
				}{del.String(), op.String(), r.GetRewards(), r.GetCommission()})
			}
			fmt.Fprintf(g.stdout, "rewards %d ucell\ncommission %d ucell\n", r.GetRewards(), r.GetCommission())
			return nil
		},
	}
}

func newQueryStakingValidatorCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "validator VALIDATOR",
		Short: "Print VALIDATOR's stake, shares, commission, power and jail status",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			op, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			s, err := c.Validator(cmd.Context(), op)
			if err != nil {
				return err
			}
			v := s.GetValidator()
			out := struct {
				Operator         string `json:"operator"`
				Moniker          string `json:"moniker"`
				Bonded           uint64 `json:"bonded"`
				DelegatorShares  uint64 `json:"delegator_shares"`
				CommissionBps    uint32 `json:"commission_bps"`
				MaxCommissionBps uint32 `json:"max_commission_bps"`
				MaxChangeBps     uint32 `json:"max_change_bps"`
				Power            int64  `json:"power"`
				Jailed           bool   `json:"jailed"`
				JailedUntil      int64  `json:"jailed_until"`
				Tombstoned       bool   `json:"tombstoned"`
			}{op.String(), v.GetMoniker(), v.GetBonded(), v.GetDelegatorShares(), v.GetCommissionBps(), v.GetMaxCommissionBps(),
				v.GetMaxChangeBps(), s.GetPower(), v.GetJailed(), v.GetJailedUntil(), v.GetTombstoned()}
			if g.output == outputJSON {
				return g.json("validator", out)
			}
			fmt.Fprintf(g.stdout, "validator %s (%s)\nbonded %d ucell, %d shares\ncommission %d bps (max %d, change at most %d)\npower %d\n",
				out.Operator, out.Moniker, out.Bonded, out.DelegatorShares, out.CommissionBps, out.MaxCommissionBps, out.MaxChangeBps, out.Power)
			switch {
			case out.Tombstoned:
				fmt.Fprintln(g.stdout, "jailed for ever (double sign)")
			case out.Jailed:
				fmt.Fprintf(g.stdout, "jailed until height %d\n", out.JailedUntil)
			}
			return nil
		},
	}
}

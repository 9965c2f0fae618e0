package cli

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/spf13/cobra"
)

func newQueryCmd(g *globals) *cobra.Command {
	f := &nodeFlags{g: g}
	cmd := &cobra.Command{Use: "query", Aliases: []string{"q"}, Short: "Read the ledger: balances (proven against the app hash), transactions, validators"}
	f.register(cmd)
	bank := &cobra.Command{Use: "bank", Short: "Balances and the supply"}
	bank.AddCommand(&cobra.Command{
		Use:   "balance ADDRESS|KEY",
		Short: "Print a balance in ucell, read with a proof checked against the app hash",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			addr, c, err := f.addressClient(g, args[0])
			if err != nil {
				return err
			}
			bal, h, err := c.ProvenBalance(cmd.Context(), addr)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("balance", map[string]any{"address": addr.String(), "balance": bal, "height": h, "proven": true})
			}
			fmt.Fprintf(g.stdout, "%d ucell\n", bal)
			fmt.Fprintf(g.stderr, "cell: %s at height %d, proven against the app hash of block %d\n", addr, h, h+1)
			return nil
		},
	})
	bank.AddCommand(newQuerySupplyCmd(g, f))
	txq := &cobra.Command{
		Use:   "tx HASH",
		Short: "Print a committed transaction's result",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := hex.DecodeString(args[0])
			if err != nil {
				return &usageError{fmt.Errorf("HASH: want hex: %w", err)}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Tx(cmd.Context(), hash)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("tx", txJSON(r))
			}
			printTx(g, r)
			return nil
		},
	}
	staking := &cobra.Command{Use: "staking", Short: "Validators"}
	staking.AddCommand(&cobra.Command{
		Use:   "validators",
		Short: "List the validators with their stake and voting power",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			return printValidators(cmd.Context(), g, c)
		},
	})
	staking.AddCommand(newQueryStakingCmds(g, f)...)
	cmd.AddCommand(bank, txq, staking, newQueryRegistryCmd(g, f))
	cmd.AddCommand(newQueryMarketCmd(g, f), newQueryReputationCmd(g, f))
	cmd.AddCommand(newQueryGovCmd(g, f))
	return cmd
}

func printValidators(ctx context.Context, g *globals, c *client.Client) error {
	vals, err := client.All(c.Validators(ctx))
	if err != nil {
		return err
	}
	type valJSON struct {
		Operator        string `json:"operator"`
		ConsensusPubkey string `json:"consensus_pubkey"`
		Moniker         string `json:"moniker"`
		Bonded          uint64 `json:"bonded"`
		Power           int64  `json:"power"`
		Jailed          bool   `json:"jailed"`
	}
	out := []valJSON{}
	for _, v := range vals {
		op, _ := address.FromBytes(v.GetValidator().GetOperator())
		out = append(out, valJSON{op.String(), hex.EncodeToString(v.GetValidator().GetConsensusPubkey()), v.GetValidator().GetMoniker(),
			v.GetValidator().GetBonded(), v.GetPower(), v.GetValidator().GetJailed()})
	}
	if g.output == outputJSON {
		return g.json("validator", out)
	}
	for _, v := range out {
		jailed := ""
		if v.Jailed {
			jailed = " JAILED"
		}
		fmt.Fprintf(g.stdout, "%s  %-12s bonded %d ucell  power %d%s\n", v.Operator, v.Moniker, v.Bonded, v.Power, jailed)
	}
	return nil
}

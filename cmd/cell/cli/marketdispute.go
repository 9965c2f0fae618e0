package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// ordersDir is where the order commands keep each order's local state
// (client/order State), under the home.
func ordersDir(home string) string { return filepath.Join(home, "orders") }

// newOpenDisputeCmd is `cell tx market open-dispute`.
func newOpenDisputeCmd(f *txFlags) *cobra.Command {
	var commitment string
	cmd := &cobra.Command{
		Use:   "open-dispute ORDER_ID CLAIM OUTCOME STAKE",
		Short: "Dispute a delivery to --from before its confirm deadline, staking STAKE (ucell)",
		Long: `open-dispute disputes a delivered order of a compute or protocol package.
CLAIM is wrong-result, not-received, not-to-spec or too-slow; OUTCOME, what
--from gets if the dispute finds against the provider (verifiers re-executing
a compute package, or a vote of reputation holders in a protocol package's
domain), is refund, redo, redo-by-another, store-credit or litigation.

A dispute of a compute package commits to the head of a seed chain, one seed
per round (at most max_dispute_rounds): open-dispute makes the chain, saves it
in HOME/orders/ORDER_ID.json as cell order does, and prints the seed of round
1 on stderr. Reveal it in a later block with reveal-dispute-seed, by the seed
deadline of dispute_opened, or the dispute is abandoned; or let cell order
dispute ORDER_ID --wait reveal every round's seed. --seed-commitment gives the
head of a chain of your own instead.`,
		Args: exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			claim, err := market.ParseClaim(args[1])
			if err != nil {
				return &usageError{err}
			}
			outcome, err := market.ParseOutcome(args[2])
			if err != nil {
				return &usageError{err}
			}
			stake, err := parseAmount(args[3])
			if err != nil {
				return err
			}
			var head []byte
			if commitment != "" {
				if head, err = hexArg("--seed-commitment", commitment, market.HashSize); err != nil {
					return err
				}
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, _ address.Address) ([]*ledgerpb.Msg, error) {
				m := &ledgerpb.MsgOpenDispute{OrderId: id, Claim: claim, Outcome: outcome, Stake: stake, SeedCommitment: head}
				if head == nil {
					if m.SeedCommitment, err = newDisputeSeeds(ctx, f.g, c, id); err != nil {
						return nil, err
					}
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: m}}}, nil
			})
		},
	}
	cmd.Flags().StringVar(&commitment, "seed-commitment", "", "the head of your own seed chain (32 bytes in hex) instead of a new one")
	return cmd
}

// newDisputeSeeds makes and saves the seed chain of a dispute of order
// id and returns its head; nil for an order of a protocol package, whose
// dispute draws no verifiers.
func newDisputeSeeds(ctx context.Context, g *globals, c *client.Client, id uint64) ([]byte, error) {
	r, err := c.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	pkg, err := c.Package(ctx, r.GetOrder().GetPackageId())
	if err != nil {
		return nil, fmt.Errorf("order %d: its package: %w", id, err)
	}
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		return nil, nil
	}
	p, err := c.Params(ctx)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	seeds, err := order.NewSeedChain(p.MaxDisputeRounds)
	if err != nil {
		return nil, err
	}
	dir := ordersDir(g.home)
	st, err := order.LoadState(dir, id)
	if err != nil {
		return nil, err
	}
	st.Seeds = seeds
	if err := order.SaveState(dir, st); err != nil {
		return nil, err
	}
	fmt.Fprintf(g.stderr, "seed chain of %d round(s) saved in %s; reveal the seed of round 1 in a later block:\n  cell tx market reveal-dispute-seed %d %x\n",
		p.MaxDisputeRounds, order.StatePath(dir, id), id, []byte(seeds[1]))
	return seeds[0], nil
}

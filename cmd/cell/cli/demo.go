package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet/demo"
)

// demoResult is `cell demo --output json`.
type demoResult struct {
	Devnet devnetJSON    `json:"devnet"`
	Steps  []order.Step  `json:"steps"`
	Order  *order.Result `json:"order"`
}

func newDemoCmd(g *globals) *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo [--enzymes E1,E2] [--genome FILE] [--keep]",
		Short: "Order the restriction digest of phage λ on a fresh devnet, end to end, and print every on-chain step",
		Long: `demo starts a fresh devnet in a temporary directory (a validator and two
fulfillment nodes, with the example digest package registered), orders the
digest of examples/data/lambda.fa with EcoRI as a buyer would with cell order
run, and prints the fragment table, every on-chain step with its height, the
cost breakdown and the reputation entries. Then it stops the devnet and
removes its directory (--keep keeps it).

It needs the example's WebAssembly module: run it as make demo, or after make
examples, from the repository.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if g.output != outputJSON {
				o.Say = func(format string, args ...any) { fmt.Fprintf(g.stdout, format+"\n", args...) }
			}
			res, err := demo.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				d := res.Devnet
				v := devnetJSON{Home: d.Home, ChainID: d.ChainID, RPC: d.RPC, Buyer: d.Buyer.String(), Author: d.Author.String()}
				return g.json("demo", demoResult{Devnet: v, Steps: res.Steps, Order: res.Order})
			}
			printDemo(g, res)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Enzymes, "enzymes", "EcoRI", "comma-separated restriction enzymes")
	cmd.Flags().StringVar(&o.Genome, "genome", "", "FASTA file to digest (default examples/data/lambda.fa)")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the devnet's directory")
	return cmd
}

// printDemo prints the end of a demo for people: the digest, the
// on-chain steps, the cost and the reputation entries.
func printDemo(g *globals, d *demo.Result) {
	say := func(format string, args ...any) { fmt.Fprintf(g.stdout, format+"\n", args...) }
	res := d.Order
	say("\nthe digest (the package's stdout, verified against the output root %s):\n", short(res.OutputRoot))
	fmt.Fprint(g.stdout, res.Stdout)
	say("\non-chain steps of order %d:", res.OrderID)
	h := res.Heights
	for _, row := range []struct {
		name string
		h    int64
	}{{"created (max price + PO stake in escrow)", h.Created}, {"awarded to the lowest bid", h.Awarded},
		{"delivered (output root, event-log head, completion commitment)", h.Delivered},
		{"closed with the completion code", h.Closed}, {"rating revealed", h.Revealed}, {"ratings final, reputation logged", h.Final}} {
		if row.h > 0 {
			say("  height %-6d %s", row.h, row.name)
		}
	}
	if c := res.Cost; c != nil {
		say("\ncost: price %d ucell (provider %d, network fee %d, author royalty %d), transaction fees %d, PO stake %d returned",
			c.Price, c.Payment, c.NetworkFee, c.Royalty, c.TxFees, c.POStakeReturned)
	}
	if len(res.Reputation) > 0 {
		say("\nreputation log entries of the order:")
		for _, e := range res.Reputation {
			say("  cycle %d #%d  %-8s %s  skill %d  %s", e.Cycle, e.Index, e.Role, e.User, e.Skill, e.Amount)
		}
	}
	say("\ndevnet stopped; everything above happened on a real chain with real nodes in %.1f s.", d.Elapsed.Seconds())
}

func short(h string) string {
	h = strings.TrimPrefix(h, "0x")
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

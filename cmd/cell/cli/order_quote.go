package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
)

// newOrderQuoteCmd is `cell order quote PACKAGE [NAME=FILE]...`.
func newOrderQuoteCmd(g *globals, f *txFlags) *cobra.Command {
	var inputs []string
	var stake string
	cmd := &cobra.Command{
		Use:   "quote PACKAGE [NAME=FILE]... [--input NAME=FILE]...",
		Short: "Show who would serve an order of PACKAGE, at what price, and what it would cost you",
		Long: `quote shows, without sending anything, the active nodes that could serve an
order of PACKAGE (a package directory, a .cellpkg file or a registered package
id) with the given input files, cheapest first: each node's asking price for
the order's input size, from the price list it publishes on chain
(base + per started MiB of input, at least its minimum), and how the price
would be split at the close (network fee, the author's royalty, the
provider's payment).

The award goes to the lowest price; a tie goes to the higher reputation
proven in the bid, then to the lower bid hash. quote names the likely winner
and the cost of the order at its price: the price, the fees of your
transactions (create, close, rating reveal, and the package's registration
if it is not registered yet), and the PO stake, locked at creation and
returned at the close. Order with "cell order run … --max-price P" and a P of
at least the price.`,
		Example: `  cell order quote examples/digest genome=examples/data/lambda.fa
  cell order quote 3f2a…c9 -i genome=lambda.fa --output json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 {
				return &usageError{errors.New("PACKAGE: required: a package directory, a .cellpkg file or a package id")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args[1:] {
				if !strings.Contains(a, "=") {
					return &usageError{fmt.Errorf("input %q: want NAME=FILE", a)}
				}
			}
			in, err := pairs("--input", append(args[1:], inputs...))
			if err != nil {
				return err
			}
			req := order.QuoteRequest{Package: args[0], Inputs: in}
			if req.POStake, err = optionalAmount("--stake", stake); err != nil {
				return err
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			q, err := b.Quote(cmd.Context(), req)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("order-quote", q)
			}
			printQuote(g, q)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&inputs, "input", "i", nil, "input file as NAME=FILE (repeatable)")
	cmd.Flags().StringVar(&stake, "stake", "", "PO stake in ucell (default: the chain's min_po_stake)")
	return cmd
}

func printQuote(g *globals, q *order.Quote) {
	w := g.stdout
	fmt.Fprintf(w, "package %s %s (%s), royalty %d bps, inputs %d bytes\n", q.Name, q.Version, q.PackageID, q.RoyaltyBps, q.InputBytes)
	if !q.Registered {
		fmt.Fprintln(w, "not registered yet: ordering it publishes it first")
	}
	if len(q.Offers) == 0 {
		fmt.Fprintln(w, "no active node publishes a price for it: an order would expire")
		return
	}
	fmt.Fprintf(w, "%-12s  %-45s  %-16s  %s\n", "PRICE", "PROVIDER", "NODE", "NETWORK FEE / ROYALTY / PROVIDER GETS")
	for _, o := range q.Offers {
		fmt.Fprintf(w, "%-12s  %-45s  %-16s  %d / %d / %d\n", fmt.Sprintf("%d ucell", o.Price), o.Provider, o.NodeKey[:16], o.NetworkFee, o.Royalty, o.Payment)
	}
	fmt.Fprintf(w, "likely winner: %s\n", q.Winner)
	c := q.Cost
	fmt.Fprintf(w, "your cost: price %d + fees %d (%d transactions) = %d ucell; PO stake %d locked until the close; needs %d ucell now (--max-price %d)\n",
		c.Price, c.TxFees, c.Txs, c.Total, c.POStake, c.Upfront, c.Price)
}

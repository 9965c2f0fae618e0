package cli

import (
	"encoding/hex"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/spec"
)

// nodePriceJSON is one node's asking price in `cell query market prices`.
type nodePriceJSON struct {
	Provider          string `json:"provider"`
	NodeKey           string `json:"node_key"`
	Endpoint          string `json:"endpoint"`
	Capacity          uint32 `json:"capacity"`
	Price             uint64 `json:"price"`
	Base              uint64 `json:"base"`
	PerInputMiB       uint64 `json:"per_input_mib"`
	Minimum           uint64 `json:"minimum"`
	ActiveUntilHeight int64  `json:"active_until_height"`
}

// newMarketPricesCmd is `cell query market prices PACKAGE_ID`.
func newMarketPricesCmd(g *globals, f *nodeFlags) *cobra.Command {
	var inputBytes uint64
	cmd := &cobra.Command{
		Use:   "prices PACKAGE_ID [--input-bytes N]",
		Short: "List the nodes that could serve an order of a package, cheapest first, with their asking prices",
		Long: `prices lists the active nodes that publish a price list and can run the
package, each with the price it asks for an order whose input files total
--input-bytes bytes: its base (or its base for this package) plus its price
per started MiB of input, at least its minimum (registry.AskingPrice). Nodes
publish their price list with their announcement and bid exactly that price.
The award goes to the lowest price; see "cell order quote" for an order's
full cost.`,
		Example: `  cell query market prices 3f2a…c9
  cell query market prices 3f2a…c9 --input-bytes 48502 --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := spec.ParseID(args[0])
			if err != nil {
				return &usageError{fmt.Errorf("PACKAGE_ID: %w", err)}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			prices, err := order.Prices(cmd.Context(), c, id, inputBytes)
			if err != nil {
				return err
			}
			items := make([]nodePriceJSON, len(prices))
			for i, np := range prices {
				l := np.GetPrices()
				items[i] = nodePriceJSON{Provider: addrString(np.Operator), NodeKey: hex.EncodeToString(np.NodePubkey), Endpoint: np.Endpoint,
					Capacity: np.Capacity, Price: np.Price, Base: l.GetBase(), PerInputMiB: l.GetPerInputMib(), Minimum: l.GetMinimum(),
					ActiveUntilHeight: np.ActiveUntilHeight}
			}
			if g.output == outputJSON {
				return g.json("node-price-list", struct {
					PackageID  string          `json:"package_id"`
					InputBytes uint64          `json:"input_bytes"`
					Items      []nodePriceJSON `json:"items"`
				}{id.String(), inputBytes, items})
			}
			if len(items) == 0 {
				fmt.Fprintf(g.stdout, "no active node publishes a price for package %s\n", id)
				return nil
			}
			fmt.Fprintf(g.stdout, "%-12s  %-45s  %-16s  %s\n", "PRICE", "PROVIDER", "NODE", "PRICE LIST (base + per MiB, minimum)")
			for _, it := range items {
				fmt.Fprintf(g.stdout, "%-12s  %-45s  %-16s  %d + %d/MiB, min %d\n", fmt.Sprintf("%d ucell", it.Price), it.Provider,
					it.NodeKey[:16], it.Base, it.PerInputMiB, it.Minimum)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&inputBytes, "input-bytes", 0, "total size of the order's input files, in bytes")
	return cmd
}

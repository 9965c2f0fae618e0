package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/service"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/packer"
)

// newServiceStartCmd is `cell service start PACKAGE --blocks N --max-price P`.
func newServiceStartCmd(g *globals, f *txFlags) *cobra.Command {
	var o service.Order
	var wait time.Duration
	var params []string
	cmd := &cobra.Command{
		Use:   "start PACKAGE --blocks N --max-price P [--param KEY=VALUE]...",
		Short: "Order a registered service package for N blocks and wait until its instance runs",
		Long: `start orders PACKAGE (the id of a registered service package, 64 hex digits, or
its directory or .cellpkg file) for --blocks blocks at a price of at most
--max-price ucell for the whole duration, paid per block served. It waits (at
most --wait) until a node won the order and runs the instance, and prints the
order id and the node's address.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := spec.ParseID(args[0])
			if err != nil {
				p, lerr := packer.Load(args[0], spec.DefaultLimits())
				if lerr != nil {
					return &usageError{fmt.Errorf("PACKAGE %q: neither a package id (%v) nor a package (%v)", args[0], err, lerr)}
				}
				id = p.ID()
			}
			if o.Blocks == 0 || o.MaxPrice == 0 {
				return &usageError{fmt.Errorf("--blocks and --max-price are required")}
			}
			o.Package = id
			if o.Params, err = parseOrderParams(params); err != nil {
				return err
			}
			b, err := f.serviceBuyer(cmd)
			if err != nil {
				return err
			}
			oid, err := b.Start(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stderr, "service order %d posted; waiting for a node to run it\n", oid)
			ctx := cmd.Context()
			if wait > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, wait)
				defer cancel()
			}
			a, err := b.WaitAccess(ctx, oid, 500*time.Millisecond)
			if err != nil {
				return fmt.Errorf("service order %d: %w", oid, err)
			}
			out := serviceJSON{OrderID: oid, Package: id.String(), Node: a.Address, State: a.State, Blocks: o.Blocks, Height: a.EndHeight}
			if g.output == outputJSON {
				return g.json("service", out)
			}
			fmt.Fprintf(g.stdout, "order %d: running at %s, ports %v, until height %d\n", oid, a.Address, a.Ports, a.EndHeight)
			return nil
		},
	}
	cmd.Flags().Uint64Var(&o.Blocks, "blocks", 0, "the service's duration in blocks (required)")
	cmd.Flags().Uint64Var(&o.MaxPrice, "max-price", 0, "the most to pay for the whole duration, ucell (required)")
	cmd.Flags().Uint64Var(&o.POStake, "po-stake", 0, "the PO stake in ucell (default: the chain's min_po_stake)")
	cmd.Flags().Uint64Var(&o.BidWindow, "bid-window", 5, "blocks during which nodes bid")
	cmd.Flags().Uint64Var(&o.DeliveryWindow, "delivery-window", 20, "blocks after the end in which the node posts its usage receipt")
	cmd.Flags().Uint64Var(&o.ConfirmWindow, "confirm-window", 10, "blocks after the receipt before it is paid by itself")
	cmd.Flags().StringArrayVarP(&params, "param", "p", nil, "parameter as KEY=VALUE, given to the instance as an environment variable (repeatable)")
	cmd.Flags().DurationVar(&wait, "wait", 2*time.Minute, "how long to wait for the instance (0: no limit)")
	return cmd
}

package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// newOrderAttachCmd is `cell order attach ORDER_ID`.
func newOrderAttachCmd(g *globals, f *txFlags) *cobra.Command {
	var inputs []string
	var out, onFailure string
	var stars uint32
	var noWaitFinal bool
	cmd := &cobra.Command{
		Use:   "attach ORDER_ID",
		Short: "Resume an order of --from from whatever step is pending: inputs, delivery, download, close, reveal",
		Long: `attach follows an order of --from from where it is, with what cell order run
kept in HOME/orders/ORDER_ID.json (inputs, --out, --stars, --on-failure): an
open order is followed to its award; an awarded one gets its inputs uploaded,
unless the node holds them already, and is followed to its delivery; a
delivered one is downloaded, verified, written and closed (or, for a failed
package run, handled as --on-failure says); a closed one gets the kept rating
revealed; a disputed one is followed to its verdict. Flags given here override
what was kept. Use it after cell order run --detach, or after Ctrl-C.

The inputs must reach the node by the contract's input deadline, or the
provider reports them missing and the order fails with everybody refunded;
a delivered order must be closed or disputed before its confirm deadline, or
it closes by itself in the provider's favour. Exit codes are those of
cell order run.`,
		Example: `  cell order run examples/digest -i genome=lambda.fa -p ENZYMES=EcoRI --max-price 5000 --detach
  cell order attach 7`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			opt := order.AttachOptions{OutDir: out, NoWaitFinal: noWaitFinal}
			if len(inputs) > 0 {
				if opt.Inputs, err = pairs("--input", inputs); err != nil {
					return err
				}
			}
			if cmd.Flags().Changed("stars") {
				if stars > market.MaxStars {
					return &usageError{fmt.Errorf("--stars %d: want 0 to %d", stars, market.MaxStars)}
				}
				opt.Stars = &stars
			}
			if onFailure != "" {
				if opt.OnFailure, err = order.ParseOnFailure(onFailure); err != nil {
					return &usageError{fmt.Errorf("--on-failure: %w", err)}
				}
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			p := newProgress(g)
			opt.Progress, opt.Ask = p.step, p.ask
			res, err := b.Attach(cmd.Context(), id, opt)
			p.done()
			return p.result(res, err)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&inputs, "input", "i", nil, "the order's input file as NAME=FILE (repeatable; default: the files cell order run was given)")
	fl.StringVar(&out, "out", "", "directory that receives ORDER_ID/ with the results (default: cell order run's --out)")
	fl.Uint32Var(&stars, "stars", order.DefaultStars, "your rating of the provider, 0 to 5 (default: cell order run's)")
	fl.StringVar(&onFailure, "on-failure", "", "when the package failed: close, dispute or ask (default: cell order run's)")
	fl.BoolVar(&noWaitFinal, "no-wait-final", false, "return after revealing the rating")
	return cmd
}

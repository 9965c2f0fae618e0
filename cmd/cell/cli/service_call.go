package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/nodeapi"
)

// newServiceCallCmd is `cell service call ORDER --port P [--data FILE|-]`.
func newServiceCallCmd(g *globals, f *txFlags) *cobra.Command {
	var port int32
	var data string
	cmd := &cobra.Command{
		Use:   "call ORDER_ID --port P [--data FILE|-]",
		Short: "Call a slot of a running service of --from and print its answer",
		Long: `call asks the node that runs service ORDER_ID for a token (a request signed
by --from, the order's buyer), sends the request body (--data FILE, or - for
standard input; empty without --data, at most 1 MiB) to slot --port through
the node, and writes the answer to standard output as it is.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			var req []byte
			switch data {
			case "":
			case "-":
				req, err = io.ReadAll(io.LimitReader(cmd.InOrStdin(), nodeapi.MaxServiceRequest+1))
			default:
				req, err = os.ReadFile(data)
			}
			if err != nil {
				return fmt.Errorf("--data: %w", err)
			}
			b, err := f.serviceBuyer(cmd)
			if err != nil {
				return err
			}
			a, err := b.Access(cmd.Context(), id)
			if err != nil {
				return err
			}
			resp, err := b.Call(cmd.Context(), a, port, req)
			if err != nil {
				return err
			}
			_, err = g.stdout.Write(resp)
			return err
		},
	}
	cmd.Flags().Int32Var(&port, "port", 0, "the slot to call (required)")
	cmd.Flags().StringVar(&data, "data", "", "a file holding the request, or - for standard input")
	cmd.MarkFlagRequired("port")
	return cmd
}

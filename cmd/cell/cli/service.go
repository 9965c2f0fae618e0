package cli

import (
	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/service"
)

// newServiceCmd is `cell service`: the buyer's side of service orders.
func newServiceCmd(g *globals) *cobra.Command {
	f := &txFlags{nodeFlags: nodeFlags{g: g}, pass: passphrases{g: g}}
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Order long-running services from providers: start, call, stop, list",
		Long: `service runs service packages (compute packages that declare [[slot]]s) for a
number of blocks. "cell service start" orders one; the winning node starts its
instance at the award. "cell service call" asks that node for a token (signed
with --from, the buyer) and calls a slot through it. "cell service stop" ends
the service early: the provider is paid the price × served blocks / ordered
blocks, and the rest comes back. "cell service list" shows the buyer's
services.

The commands sign with --from: the keyring key "buyer" unless given. Amounts
are in ucell, durations in blocks.`,
	}
	f.register(cmd)
	if fl := cmd.PersistentFlags().Lookup("from"); fl != nil {
		fl.DefValue = buyerKey
		fl.Value.Set(buyerKey)
	}
	cmd.AddCommand(newServiceStartCmd(g, f), newServiceCallCmd(g, f), newServiceStopCmd(g, f), newServiceListCmd(g, f))
	return cmd
}

// serviceBuyer opens the --from key and the chain client as a service
// buyer.
func (f *txFlags) serviceBuyer(cmd *cobra.Command) (*service.Buyer, error) {
	b, err := f.buyer(cmd)
	if err != nil {
		return nil, err
	}
	return &service.Buyer{Client: b.Chain, Key: b.Key, ChainID: b.ChainID, Fee: b.Fee, HTTP: b.HTTP}, nil
}

// serviceJSON is a service order as the service commands print it.
type serviceJSON struct {
	OrderID uint64 `json:"order_id"`
	Package string `json:"package_id,omitempty"`
	Node    string `json:"node,omitempty"`
	State   string `json:"state,omitempty"`
	Blocks  uint64 `json:"service_blocks,omitempty"`
	Served  uint64 `json:"served_blocks"`
	Calls   uint64 `json:"calls"`
	Height  int64  `json:"height,omitempty"`
}

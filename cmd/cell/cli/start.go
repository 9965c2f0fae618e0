package cli

import (
	"fmt"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/spf13/cobra"
)

func newStartCmd(g *globals) *cobra.Command {
	var lf logFlags
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the node of --home (validator or full node) until interrupted",
		Long: `Start runs CometBFT and the ledger in this process. CometBFT's RPC listens on
the address of config.toml (127.0.0.1:26657 by default), so curl and the
standard tools work. Logs go to stderr, or with --log-file to a file rotated
at --log-max-mb, keeping --log-backups gzipped old files. Stop with Ctrl-C or
SIGTERM.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			logw, err := lf.open(g.stderr)
			if err != nil {
				return err
			}
			defer logw.Close()
			n, err := chain.Start(cmd.Context(), g.home, logw)
			if err != nil {
				return err
			}
			rpc, _ := chain.RPCAddress(g.home)
			fmt.Fprintf(g.stderr, "cell: node of %s running; RPC at %s\n", g.home, rpc)
			<-cmd.Context().Done()
			fmt.Fprintln(g.stderr, "cell: stopping")
			return n.Stop()
		},
	}
	lf.register(cmd)
	return cmd
}

package cli

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

// logEventJSON is one event of `cell order logs --output json`.
type logEventJSON struct {
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time_ms"`
	Kind string `json:"kind"`
	// Attrs are the event's attributes, as text when printable, else hex
	// prefixed "0x".
	Attrs map[string]string `json:"attrs,omitempty"`
	Hash  string            `json:"hash"`
}

// newOrderLogsCmd is `cell order logs ORDER_ID`.
func newOrderLogsCmd(g *globals, f *txFlags) *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs ORDER_ID",
		Short: "Show the provider node's signed event log of an order of --from",
		Long: `logs prints the event log the provider's node keeps of the job of an order
of --from: what it did (inputs-verified, package-fetched, run-started, exit,
outputs-hashed, delivery-tx, …), one event per line with its time (the node's
clock, ms) and attributes. Every event is checked: the log must be a hash
chain signed by the contract's node key, and once the order is delivered the
event-log head on chain must be one of its events. With --follow, logs waits
for the award and prints each new event until the job ends.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			info, err := b.Logs(cmd.Context(), id, follow, func(e eventlog.Event) {
				ev := logEventJSON{Seq: e.Seq, Time: e.Time, Kind: e.Kind, Hash: hex.EncodeToString(e.Hash[:])}
				for _, a := range e.Attrs {
					if ev.Attrs == nil {
						ev.Attrs = map[string]string{}
					}
					ev.Attrs[a.Key] = attrText(a.Value)
				}
				if g.output == outputJSON {
					jsonLine(g.stdout, "order-log-event", ev)
					return
				}
				var attrs []string
				for _, a := range e.Attrs {
					attrs = append(attrs, a.Key+"="+attrText(a.Value))
				}
				fmt.Fprintf(g.stdout, "%4d  %s  %-16s %s\n", e.Seq, time.UnixMilli(e.Time).UTC().Format("2006-01-02T15:04:05.000Z"), e.Kind, strings.Join(attrs, " "))
			})
			if info != nil {
				if g.output == outputJSON {
					jsonLine(g.stdout, "order-log", info)
				} else {
					fmt.Fprintf(g.stdout, "%d event(s) signed by node %s at %s", info.Events, info.NodeKey, info.Endpoint)
					if info.DeliveredSeq >= 0 {
						fmt.Fprintf(g.stdout, "; the head delivered on chain is event %d", info.DeliveredSeq)
					}
					fmt.Fprintln(g.stdout)
				}
			}
			if follow && cmd.Context().Err() != nil {
				return nil // Ctrl-C ends --follow
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "wait for the award, then print new events until the job ends")
	return cmd
}

// attrText is an attribute value for people: the text when it is
// printable UTF-8, else 0x and hex.
func attrText(v []byte) string {
	if utf8.Valid(v) && !strings.ContainsFunc(string(v), func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return string(v)
	}
	return "0x" + hex.EncodeToString(v)
}

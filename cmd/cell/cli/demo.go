package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet/demo"
)

// demoResult is `cell demo --output json`: the compute order (steps,
// order), the protocol order (protocol_steps, protocol) and the compute
// fragments next to the gel (rows).
type demoResult struct {
	Devnet        devnetJSON    `json:"devnet"`
	Enzyme        string        `json:"enzyme"`
	Steps         []order.Step  `json:"steps"`
	Order         *order.Result `json:"order"`
	ProtocolSteps []order.Step  `json:"protocol_steps"`
	Protocol      *order.Result `json:"protocol"`
	Rows          []demo.Row    `json:"rows"`
	GelImage      string        `json:"gel_image,omitempty"`
	Label         string        `json:"label,omitempty"`
}

func newDemoCmd(g *globals) *cobra.Command {
	var o demo.Options
	cmd := &cobra.Command{
		Use:   "demo [--enzyme EcoRI|BamHI|HindIII] [--genome FILE] [--keep]",
		Short: "Order a compute digest of phage λ and the same digest as a lab protocol on a fresh devnet, end to end",
		Long: `demo starts a fresh devnet in a temporary directory (a validator and two
fulfillment nodes, node 1 with a simulated lab as its bot, the example
packages registered) and, as a buyer would with cell order run, orders:

 1. the compute package examples/digest: the digest of examples/data/lambda.fa
    with the enzyme, run by a node in WebAssembly;
 2. the lab protocol examples/protocols/lambda-digest-gel with ENZYME set to
    the enzyme: λ DNA cut on the bot, heat-inactivated and run on a gel next
    to a 1 kb ladder; the buyer checks the bot's event log against the
    protocol (and replays the simulated run) before closing.

It prints the fragment table, each order's on-chain steps with their
heights, costs and reputation entries, then the gel's bands next to the
compute fragments (bp), the bot's instruction timeline and where the gel
image and the shipping label (its QR code carries the completion code)
were written. Then it stops the devnet and removes its directory (--keep
keeps it, with the results under out/).

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
				return g.json("demo", demoResult{Devnet: v, Enzyme: res.Enzyme, Steps: res.Steps, Order: res.Order,
					ProtocolSteps: res.ProtocolSteps, Protocol: res.Protocol, Rows: res.Rows, GelImage: res.GelImage, Label: res.Label})
			}
			printDemo(g, res)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Enzyme, "enzyme", demo.DefaultEnzyme, "restriction enzyme of both orders (the simulated lab stocks EcoRI, BamHI and HindIII)")
	cmd.Flags().StringVar(&o.Genome, "genome", "", "FASTA file to digest (default examples/data/lambda.fa)")
	cmd.Flags().BoolVar(&o.Keep, "keep", false, "keep the devnet's directory")
	return cmd
}

// printDemo prints the end of a demo for people: for each order its
// results, on-chain steps, cost and reputation entries, then the gel next
// to the compute fragments, the bot's timeline and where the gel image and
// the label are.
func printDemo(g *globals, d *demo.Result) {
	say := func(format string, args ...any) { fmt.Fprintf(g.stdout, format+"\n", args...) }
	res := d.Order
	say("\n1. the compute digest (the package's stdout, verified against the output root %s):\n", short(res.OutputRoot))
	fmt.Fprint(g.stdout, res.Stdout)
	printDemoOrder(g, res)
	p := d.Protocol
	say("\n2. the lab protocol %s with ENZYME=%s (outputs verified against the output root %s):\n", demo.ProtocolExample, d.Enzyme, short(p.OutputRoot))
	printProtocol(g.stdout, p.Protocol)
	printDemoOrder(g, p)
	say("\nλ cut with %s: the compute fragments next to the gel's sample lane (bp)", d.Enzyme)
	say("  %10s  %10s  %10s", "compute", "gel", "gel band")
	say("  %10s  %10s  %10s", "fragment", "species", "(ladder)")
	for _, r := range d.Rows {
		band := "-"
		if r.BandBP > 0 {
			band = fmt.Sprint(r.BandBP)
			if r.Merged > 1 {
				band += fmt.Sprintf(" (%d merged)", r.Merged)
			}
		}
		say("  %10s  %10s  %10s", bpOrDash(r.FragmentBP), bpOrDash(r.SpeciesBP), band)
	}
	if d.GelImage != "" {
		say("gel image: %s", d.GelImage)
	}
	if d.Label != "" {
		say("shipping label (QR code with the completion code): %s", d.Label)
	}
	if d.GelImage != "" || d.Label != "" {
		if !d.Kept {
			say("(removed with the demo's directory: run cell demo --keep to keep them)")
		}
	}
	say("\ndevnet stopped; everything above happened on a real chain with real nodes in %.1f s.", d.Elapsed.Seconds())
}

// printDemoOrder prints an order's on-chain steps, cost and reputation
// entries.
func printDemoOrder(g *globals, res *order.Result) {
	say := func(format string, args ...any) { fmt.Fprintf(g.stdout, format+"\n", args...) }
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
		say("cost: price %d ucell (provider %d, network fee %d, author royalty %d), transaction fees %d, PO stake %d returned",
			c.Price, c.Payment, c.NetworkFee, c.Royalty, c.TxFees, c.POStakeReturned)
	}
	if len(res.Reputation) > 0 {
		say("reputation log entries of the order:")
		for _, e := range res.Reputation {
			say("  cycle %d #%d  %-8s %s  skill %d  %s", e.Cycle, e.Index, e.Role, e.User, e.Skill, e.Amount)
		}
	}
}

func bpOrDash(bp int) string {
	if bp == 0 {
		return "-"
	}
	return fmt.Sprint(bp)
}

func short(h string) string {
	h = strings.TrimPrefix(h, "0x")
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

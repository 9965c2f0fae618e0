package cli

import (
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/devnet"
)

// demoResult is `cell demo --output json`.
type demoResult struct {
	Devnet devnetJSON    `json:"devnet"`
	Steps  []order.Step  `json:"steps"`
	Order  *order.Result `json:"order"`
}

func newDemoCmd(g *globals) *cobra.Command {
	var enzymes, genome string
	var keep bool
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
			dirs := devnet.DefaultPackageDirs()
			if len(dirs) == 0 {
				return errors.New("examples/digest/digest.wasm not found: run make demo (or make examples) in the repository")
			}
			if genome == "" {
				genome = filepath.Join(dirs[0], "..", "data", "lambda.fa")
			}
			if _, err := os.Stat(genome); err != nil {
				return fmt.Errorf("--genome: %w", err)
			}
			home, err := os.MkdirTemp("", "cell-demo-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(home)
			}
			logf, err := os.Create(filepath.Join(home, "devnet.log"))
			if err != nil {
				return err
			}
			defer logf.Close()
			log.SetOutput(logf) // the databases' standard-logger lines
			defer log.SetOutput(os.Stderr)
			text := g.output != outputJSON
			say := func(format string, args ...any) {
				if text {
					fmt.Fprintf(g.stdout, format+"\n", args...)
				}
			}
			say("starting a devnet in %s: one validator, two fulfillment nodes …", home)
			start := time.Now()
			d, err := devnet.Start(cmd.Context(), devnet.Options{Home: filepath.Join(home, "devnet"), Nodes: 2,
				RPCPort: -1, P2PPort: -1, NodePort: -1, MinerPort: -1, Packages: dirs, Log: logf})
			if err != nil {
				return err
			}
			stopped := false
			stop := func() error {
				if stopped {
					return nil
				}
				stopped = true
				return d.Stop()
			}
			defer stop()
			say("devnet %s up in %.1f s: chain RPC %s", d.ChainID, time.Since(start).Seconds(), d.RPC)
			for _, n := range d.Nodes {
				say("  %s  %s  operator %s", n.Name, n.Endpoint, n.Operator)
			}
			for _, p := range d.Packages {
				say("  package %s %s  %s", p.Name, p.Version, p.ID)
			}
			key, err := d.Key(devnet.KeyBuyer)
			if err != nil {
				return err
			}
			b, err := order.NewBuyer(cmd.Context(), d.Client, key)
			if err != nil {
				return err
			}
			say("\nthe buyer %s orders the %s digest of %s:", d.Buyer, enzymes, filepath.Base(genome))
			var steps []order.Step
			res, err := b.Run(cmd.Context(), order.Request{
				Package:  d.Packages[0].ID.String(),
				Inputs:   map[string]string{"genome": genome},
				Params:   map[string]string{"ENZYMES": enzymes},
				MaxPrice: 5000,
				OutDir:   filepath.Join(home, "out"),
				Progress: func(s order.Step) {
					steps = append(steps, s)
					if s.Kind != order.StepJob || s.JobState != "" {
						say("  %s", s)
					}
				},
			})
			if err != nil {
				return fmt.Errorf("the demo order did not complete: %w (devnet log: %s)", err, logf.Name())
			}
			if serr := stop(); serr != nil {
				return serr
			}
			if !text {
				v := devnetJSON{Home: d.Home, ChainID: d.ChainID, RPC: d.RPC, Buyer: d.Buyer.String(), Author: d.Author.String()}
				return g.json("demo", demoResult{Devnet: v, Steps: steps, Order: res})
			}
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
			say("\ndevnet stopped; everything above happened on a real chain with real nodes in %.1f s.", time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&enzymes, "enzymes", "EcoRI", "comma-separated restriction enzymes")
	cmd.Flags().StringVar(&genome, "genome", "", "FASTA file to digest (default examples/data/lambda.fa)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the devnet's directory")
	return cmd
}

func short(h string) string {
	h = strings.TrimPrefix(h, "0x")
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

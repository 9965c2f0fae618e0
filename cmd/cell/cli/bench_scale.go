package cli

import (
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain"
	"github.com/celltonomy/celltonomy/devnet/bench"
)

func newBenchScaleCmd(g *globals) *cobra.Command {
	var o bench.ScaleOptions
	var cpuprofile string
	cmd := &cobra.Command{
		Use:   "scale [--scale S]...",
		Short: "Block time against the size of the state: empty, transfer, award and deadline blocks at two sizes",
		Long: `Bench scale builds, for each --scale S, a ledger state of S × (1,000,000
accounts, 100,000 open orders with a bid each, 10,000 nodes, 100,000
delegations, a 1,000,000-entry reputation log) in an IAVL database on disk,
seeded deterministically through the modules' own handlers rather than
transactions, then drives the ledger's ABCI application as CometBFT would
(ProcessProposal, FinalizeBlock, Commit) and times --repeat blocks of each
kind: empty; --work signed transfers; --work awards (orders whose bid windows
end there); --work failures (awarded orders whose delivery deadlines pass).
It prints the median block time of each kind at each size, the store
operations the block sent to the IAVL tree (reads that missed the block's
branch, sets, deletes, iterators, iterator steps) and the time ratio of the
first size to the last. Equal operation counts at both sizes mean the block
hooks and handlers touch only what is due; the remaining ratio is the cost of
each operation in a larger tree (cache misses, deeper paths). The full state (--scale 1) needs a few GB of memory and several
minutes to seed.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking block times at scales %v (%d per block, %d blocks each)...\n", o.Scales, o.Work, o.Repeat)
			o.Progress = func(format string, args ...any) { fmt.Fprintf(g.stderr, "cell: "+format+"\n", args...) }
			if cpuprofile != "" {
				f, err := os.Create(cpuprofile)
				if err != nil {
					return err
				}
				defer f.Close()
				o.CPUProfile = f
			}
			res, err := bench.RunScale(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-scale", struct {
					bench.ScaleResult
					Ratios bench.ScaleRatios `json:"ratios"`
				}{res, res.Ratios()})
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprint(tw, "block (ms)\t")
			for _, s := range res.Sizes {
				fmt.Fprintf(tw, "scale %g\tstore ops\t", s.Scale)
			}
			fmt.Fprint(tw, "ratio\t\n")
			r := res.Ratios()
			rows := []struct {
				name  string
				ms    func(bench.ScaleSize) bench.ScaleBlock
				ratio float64
			}{
				{"empty", func(s bench.ScaleSize) bench.ScaleBlock { return s.Empty }, r.Empty},
				{fmt.Sprintf("%d transfers", res.Work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Transfers }, r.Transfers},
				{fmt.Sprintf("%d awards", res.Work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Awards }, r.Awards},
				{fmt.Sprintf("%d deadlines", res.Work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Deadlines }, r.Deadlines},
			}
			for _, row := range rows {
				fmt.Fprintf(tw, "%s\t", row.name)
				for _, s := range res.Sizes {
					b := row.ms(s)
					fmt.Fprintf(tw, "%.2f\t%s\t", b.Ms, opsCell(b.Ops))
				}
				fmt.Fprintf(tw, "%.2f\t\n", row.ratio)
			}
			tw.Flush()
			fmt.Fprintln(g.stdout, "store ops: reads (get+has) / sets / deletes / iterators / iterator steps the block sent to the IAVL tree")
			for _, s := range res.Sizes {
				fmt.Fprintf(g.stdout, "scale %g: %d accounts, %d open orders, %d nodes, %d delegations, %d log entries; seeded in %.0fs to height %d, compacted in %.0fs; ledger.db %.1f MB; resident memory %.0f MB (Go heap %.0f MB)\n",
					s.Scale, s.Accounts, s.Orders, s.Nodes, s.Delegations, s.LogEntries, s.SeedSeconds, s.Height, s.CompactSeconds, float64(s.DiskBytes)/1e6, float64(s.RSSBytes)/1e6, float64(s.HeapBytes)/1e6)
			}
			return nil
		},
	}
	cmd.Flags().Float64SliceVar(&o.Scales, "scale", []float64{1, 0.01}, "sizes of the state, as fractions of the full one (repeat the flag)")
	cmd.Flags().IntVar(&o.Repeat, "repeat", 3, "measured blocks of each kind per size (the median is printed)")
	cmd.Flags().IntVar(&o.Work, "work", bench.ScaleWork, "transfers, awards and deadlines per measured block")
	cmd.Flags().StringVar(&cpuprofile, "cpuprofile", "", "write the CPU profile of the first size's measured blocks to this file (go tool pprof)")
	cmd.Flags().IntVar(&o.State.CacheNodes, "iavl-cache", chain.DefaultCacheNodes, "IAVL nodes the consensus tree caches")
	cmd.Flags().IntVar(&o.State.LevelDBCacheMB, "leveldb-cache-mb", chain.DefaultLevelDBCacheMB, "block cache of the state's LevelDB database, in MB")
	return cmd
}

// opsCell is a block's store operations as reads/sets/deletes/iterators/steps.
func opsCell(o bench.StoreOps) string {
	return fmt.Sprintf("%d/%d/%d/%d/%d", o.Gets+o.Has, o.Sets, o.Deletes, o.Iterators, o.Steps)
}

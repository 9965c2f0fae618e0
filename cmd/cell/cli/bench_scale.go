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
	var cacheNodes, cacheMB []int
	var compression []string
	cmd := &cobra.Command{
		Use:   "scale [--scale S]... [--state DIR]",
		Short: "Block time against the size of the state: empty, transfer, award and deadline blocks at two sizes, interleaved",
		Long: `Bench scale builds, for each --scale S, a ledger state of S × (1,000,000
accounts, 100,000 open orders with a bid each, 10,000 nodes, 100,000
delegations, a 1,000,000-entry reputation log) in an IAVL database on disk,
seeded deterministically through the modules' own handlers rather than
transactions, and compacted. With --state DIR the seeded states are kept in
DIR (DIR/scale-S/base is a chain home whose data/ledger.db is the state) and
later runs with the same DIR open them instead of seeding again; every run
measures on a fresh copy, so no run sees an earlier run's blocks.

It then drives the ledger's ABCI application as CometBFT would
(ProcessProposal, FinalizeBlock, Commit) and times --repeat rounds of each
kind of block: empty; --work signed transfers; --work awards (orders whose
bid windows end there); --work failures (awarded orders whose delivery
deadlines pass). In each round every size runs its block, one after the
other, the order rotating from round to round, so that a busy machine slows
both sizes alike. It prints the median and the fastest block time of each
kind at each size, the store operations the block sent to the IAVL tree
(reads that missed the block's branch, sets, deletes, iterators, iterator
steps) and the ratios of the first size to the last. Equal operation counts
at both sizes mean the block hooks and handlers touch only what is due; the
remaining ratio is the cost of each operation in a larger tree (cache misses,
deeper paths).

--iavl-cache, --leveldb-cache-mb and --leveldb-compression take lists: the
first values configure the seeding and the first table; each further value
is measured in a table of its own, with the other settings at their first
values, on fresh copies of the same states. The full state (--scale 1)
needs a few GB of memory and 15 to 25 minutes to seed.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if o.State, o.Variants, err = bench.ScaleStates(cacheNodes, cacheMB, compression); err != nil {
				return &usageError{err}
			}
			fmt.Fprintf(g.stderr, "cell: benchmarking block times at scales %v (%d per block, %d rounds, %d storage configurations)...\n", o.Scales, o.Work, o.Repeat, 1+len(o.Variants))
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
				// The configurations measured before the error still print.
				for _, v := range res.Variants {
					printScaleVariant(g, res.Work, v)
				}
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-scale", res)
			}
			for _, v := range res.Variants {
				printScaleVariant(g, res.Work, v)
			}
			fmt.Fprintln(g.stdout, "ms: median over the rounds; min: the fastest round; cpu: median CPU time of the process during the block")
			fmt.Fprintln(g.stdout, "ratio: first size over last, of the medians (of the minimums); paired: median of each round's ratio; cpu: of the median CPU times")
			fmt.Fprintln(g.stdout, "store ops: reads (get+has) / sets / deletes / iterators / iterator steps the block sent to the IAVL tree")
			for _, s := range res.States {
				how := fmt.Sprintf("seeded in %.0fs to height %d, compacted in %.0fs", s.SeedSeconds, s.Height, s.CompactSeconds)
				if s.Reused {
					how = fmt.Sprintf("kept at height %d (seeded in %.0fs by an earlier run)", s.Height, s.SeedSeconds)
				}
				fmt.Fprintf(g.stdout, "scale %g: %d accounts, %d open orders, %d nodes, %d delegations, %d log entries; %s; ledger.db %.1f MB\n",
					s.Scale, s.Accounts, s.Orders, s.Nodes, s.Delegations, s.LogEntries, how, float64(s.DiskBytes)/1e6)
			}
			return nil
		},
	}
	cmd.Flags().Float64SliceVar(&o.Scales, "scale", []float64{1, 0.01}, "sizes of the state, as fractions of the full one (repeat the flag)")
	cmd.Flags().IntVar(&o.Repeat, "repeat", 9, "rounds: measured blocks of each kind per size (the median and the minimum are printed)")
	cmd.Flags().IntVar(&o.Work, "work", bench.ScaleWork, "transfers, awards and deadlines per measured block")
	cmd.Flags().StringVar(&o.Dir, "state", "", "keep the seeded states in this directory and reuse them in later runs (default: a temporary directory)")
	cmd.Flags().StringVar(&cpuprofile, "cpuprofile", "", "write the CPU profile of the first configuration's measured blocks to this file, labelled scale=S and block=KIND (go tool pprof -tagfocus scale=1)")
	cmd.Flags().IntSliceVar(&cacheNodes, "iavl-cache", []int{chain.DefaultCacheNodes}, "IAVL nodes the consensus tree caches (a list: each further value is measured too)")
	cmd.Flags().IntSliceVar(&cacheMB, "leveldb-cache-mb", []int{chain.DefaultLevelDBCacheMB}, "block cache of the state's LevelDB database, in MB (a list)")
	cmd.Flags().StringSliceVar(&compression, "leveldb-compression", []string{chain.DefaultLevelDBCompression}, "compression of the state's LevelDB files: snappy or none (a list)")
	return cmd
}

// printScaleVariant prints the table of one storage configuration.
func printScaleVariant(g *globals, work int, v bench.ScaleVariant) {
	st := v.State
	fmt.Fprintf(g.stdout, "iavl_cache_nodes %d, leveldb_cache_mb %d, leveldb_compression %s: resident memory %.0f MB (Go heap %.0f MB) with every size open\n",
		st.CacheNodes, st.LevelDBCacheMB, st.LevelDBCompression, float64(v.RSSBytes)/1e6, float64(v.HeapBytes)/1e6)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "block (ms)\t")
	for _, s := range v.Sizes {
		fmt.Fprintf(tw, "scale %g\tmin\tcpu\tstore ops\t", s.Scale)
	}
	fmt.Fprint(tw, "ratio\t(min)\tpaired\tcpu\t\n")
	r := v.Ratios
	rows := []struct {
		name  string
		block func(bench.ScaleSize) bench.ScaleBlock
		ratio bench.ScaleRatio
	}{
		{"empty", func(s bench.ScaleSize) bench.ScaleBlock { return s.Empty }, r.Empty},
		{fmt.Sprintf("%d transfers", work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Transfers }, r.Transfers},
		{fmt.Sprintf("%d awards", work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Awards }, r.Awards},
		{fmt.Sprintf("%d deadlines", work), func(s bench.ScaleSize) bench.ScaleBlock { return s.Deadlines }, r.Deadlines},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t", row.name)
		for _, s := range v.Sizes {
			b := row.block(s)
			fmt.Fprintf(tw, "%.2f\t%.2f\t%.2f\t%s\t", b.Ms, b.MinMs, b.CPUMs, opsCell(b.Ops))
		}
		x := row.ratio
		fmt.Fprintf(tw, "%.2f\t(%.2f)\t%.2f\t%.2f\t\n", x.Ms, x.MinMs, x.PairedMs, x.CPUMs)
	}
	tw.Flush()
	for _, s := range v.Sizes {
		fmt.Fprintf(g.stdout, "scale %g: %d keys, IAVL tree height %d; ", s.Scale, s.Keys, s.TreeHeight)
	}
	fmt.Fprintln(g.stdout)
}

// opsCell is a block's store operations as reads/sets/deletes/iterators/steps.
func opsCell(o bench.StoreOps) string {
	return fmt.Sprintf("%d/%d/%d/%d/%d", o.Gets+o.Has, o.Sets, o.Deletes, o.Iterators, o.Steps)
}

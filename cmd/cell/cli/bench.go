package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/devnet"
	"github.com/celltonomy/celltonomy/devnet/bench"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure the system on this machine"}
	cmd.AddCommand(newBenchLedgerCmd(g))
	cmd.AddCommand(newBenchMarketCmd(g))
	cmd.AddCommand(newBenchDueCmd(g))
	cmd.AddCommand(newBenchChallengeCmd(g))
	cmd.AddCommand(newBenchOrderCmd(g))
	cmd.AddCommand(newBenchScaleCmd(g))
	cmd.AddCommand(newBenchScaleHomeCmd(g))
	return cmd
}

func newBenchLedgerCmd(g *globals) *cobra.Command {
	var o bench.Options
	ledger := &cobra.Command{
		Use:   "ledger [--txs N]",
		Short: "Committed transfers per second of a single in-process validator, against CometBFT's kvstore",
		Long: `Bench ledger starts a single validator in this process with a short block
time, pre-signs --txs bank transfers from --accounts accounts, submits them
through the mempool and measures committed transactions per second. It then
runs CometBFT's own kvstore example application through the same harness and
reports both rates and their ratio.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking %d transactions from %d accounts (block time %v)...\n", o.Txs, o.Accounts, o.BlockTime)
			res, err := bench.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-tx", res)
			}
			fmt.Fprintf(g.stdout, "ledger   %8.0f tx/s  (%d txs in %.2fs, %d blocks, %d failed)\nkvstore  %8.0f tx/s  (%d txs in %.2fs)\nratio    %8.2f\n",
				res.TPS, res.Txs, res.Seconds, res.Blocks, res.Failed, res.BaselineTPS, res.Txs, res.BaselineSec, res.Ratio)
			return nil
		},
	}
	ledger.Flags().IntVar(&o.Txs, "txs", 5000, "transactions per application")
	ledger.Flags().IntVar(&o.Accounts, "accounts", 100, "sending accounts")
	ledger.Flags().DurationVar(&o.BlockTime, "block-time", 100*time.Millisecond, "CometBFT timeout_commit")
	return ledger
}

func newBenchMarketCmd(g *globals) *cobra.Command {
	var mo bench.MarketOptions
	mkt := &cobra.Command{
		Use:   "market [--orders N]",
		Short: "Completed market orders per second of a single in-process validator",
		Long: `Bench market starts a single validator in this process, registers a package
and one node per provider, then takes --orders purchase orders through the
whole market lifecycle in phases: the buyers create the orders, every
provider bids on every order, the bid deadline awards them, the winners
deliver, the buyers close and both sides reveal their ratings, which become
final at the end of the reveal window. It reports completed orders per
second and market transactions per second, from the first create_order
submission to the commit of the block in which the last ratings became
final, with the time of each phase. Creates and bids are signed before the
clock starts; delivers, closes and reveals are signed while the chain waits
for the bid deadline.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking %d orders with %d providers (block time %v)...\n", mo.Orders, mo.Providers, mo.BlockTime)
			res, err := bench.RunMarket(cmd.Context(), mo)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-market", res)
			}
			fmt.Fprintf(g.stdout, "market   %8.1f orders/s  %8.0f tx/s  (%d orders, %d txs in %.2fs, %d blocks, %d failed)\n",
				res.OrdersPerSec, res.TPS, res.Orders, res.Txs, res.Seconds, res.Blocks, res.Failed)
			fmt.Fprintf(g.stdout, "  %d providers, %d buyers, bid window %d blocks, reveal window %d blocks\n", res.Providers, res.Buyers, res.BidWindow, res.RevealWindow)
			for _, p := range res.Phases {
				fmt.Fprintf(g.stdout, "  %-8s %6.2fs  %6d txs  %3d blocks\n", p.Name, p.Seconds, p.Txs, p.Blocks)
			}
			fmt.Fprintf(g.stdout, "  (signing delivers, closes and reveals: %.2fs, during award)\n", res.SignSeconds)
			return nil
		},
	}
	mkt.Flags().IntVar(&mo.Orders, "orders", 500, "purchase orders")
	mkt.Flags().IntVar(&mo.Providers, "providers", 3, "providers, each bidding on every order")
	mkt.Flags().IntVar(&mo.Buyers, "buyers", 100, "buying accounts")
	mkt.Flags().DurationVar(&mo.BlockTime, "block-time", 100*time.Millisecond, "CometBFT timeout_commit")
	mkt.Flags().Uint64Var(&mo.BidWindow, "bid-window", 0, "bid window of every order, in blocks (0: 2 + one per 750 bids, at least 5)")
	mkt.Flags().Uint64Var(&mo.RevealWindow, "reveal-window", 0, "reveal_window_blocks param, in blocks (0: 2 + one per 750 reveals, at least 5)")
	return mkt
}

func newBenchDueCmd(g *globals) *cobra.Command {
	var do bench.DueOptions
	due := &cobra.Command{
		Use:   "due [--orders N]",
		Short: "Time of one block whose hook awards --orders orders, on the real IAVL-backed application",
		Long: `Bench due drives the ledger's ABCI application over an IAVL tree on disk,
without CometBFT: it registers a package and one node per provider, creates
--orders purchase orders and one bid on each through ordinary transactions,
all with bid windows that end at the same height, and reports the time of
the blocks (ProcessProposal, FinalizeBlock and Commit) whose begin-block hooks
award every order: one block when --max-due-per-block is at least --orders,
else the chain's max_due_per_block deadlines a block, the rest carried over
to the next blocks. It prints the longest block and the total. With
--providers 0 the orders get no bid and the hook expires them instead.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking one block with %d orders due...\n", do.Orders)
			if do.Providers == 0 {
				do.Providers = -1
			}
			res, err := bench.RunDue(cmd.Context(), do)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-due", res)
			}
			fmt.Fprintf(g.stdout, "due block %d: %d orders (%d awarded, %d expired) in %d blocks of at most %d deadlines, %.3fs in all; longest block %.3fs: process proposal %.3fs, finalize block %.3fs, commit %.3fs\n",
				res.Height, res.Orders, res.Awarded, res.Expired, res.Blocks, res.MaxDuePerBlock, res.TotalSeconds, res.Seconds, res.ProcessSeconds, res.FinalizeSeconds, res.CommitSeconds)
			return nil
		},
	}
	due.Flags().IntVar(&do.Orders, "orders", 6400, "orders due at the measured height")
	due.Flags().IntVar(&do.Providers, "providers", 4, "providers, each bidding on every providers-th order (0: no bids)")
	due.Flags().IntVar(&do.MaxDuePerBlock, "max-due-per-block", 0, "the chain's max_due_per_block (0: the default, 2000)")
	return due
}

func newBenchOrderCmd(g *globals) *cobra.Command {
	var oo devnet.BenchOptions
	ord := &cobra.Command{
		Use:   "order [--orders N]",
		Short: "Latency and throughput of whole orders on a devnet: create → bids → award → run → delivery → close",
		Long: `Bench order starts a fresh devnet (one validator, --nodes fulfillment nodes)
in a temporary directory and takes --orders orders of the digest of phage λ
(EcoRI) through the buyer's whole flow, as cell order run does: create, bids,
award, upload, WebAssembly run, delivery, download and verification of the
outputs, close and rating. --concurrency buyers order at once. It reports the
p50 and p95 latency from creation to delivery and to close, and from award to
delivery, in blocks and in seconds (block header times), and completed orders
per second. Needs the example's module: run after make examples.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(g.stderr, "cell: benchmarking %d orders on a devnet (block time %v)...\n", oo.Orders, oo.BlockTime)
			res, err := devnet.BenchOrders(cmd.Context(), oo)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-orders", res)
			}
			fmt.Fprintf(g.stdout, "orders     %d completed, %d failed, %.2f orders/s (%d nodes, %d buyers at once, block time %d ms, bid window %d blocks)\n",
				res.Completed, res.Failed, res.OrdersPerSec, res.Nodes, res.Concurrency, res.BlockTimeMs, res.BidWindow)
			row := func(name string, b, s devnet.Percentiles) {
				fmt.Fprintf(g.stdout, "%-26s p50 %5.1f blocks %6.2f s   p95 %5.1f blocks %6.2f s\n", name, b.P50, s.P50, b.P95, s.P95)
			}
			row("creation → delivery", res.DeliveryBlocks, res.DeliverySeconds)
			row("creation → close", res.CloseBlocks, res.CloseSeconds)
			row("award → delivery", res.AwardToDeliveryBlocks, res.AwardToDeliverySeconds)
			for _, e := range res.Errors {
				fmt.Fprintf(g.stdout, "error: %s\n", e)
			}
			if res.Failed > 0 {
				return &ExitError{Code: 1}
			}
			return nil
		},
	}
	ord.Flags().IntVar(&oo.Orders, "orders", 20, "orders")
	ord.Flags().IntVar(&oo.Nodes, "nodes", 2, "fulfillment nodes")
	ord.Flags().IntVar(&oo.Concurrency, "concurrency", 4, "buyers ordering at once")
	ord.Flags().DurationVar(&oo.BlockTime, "block-time", 250*time.Millisecond, "CometBFT timeout_commit")
	ord.Flags().Uint64Var(&oo.BidWindow, "bid-window", 2, "bid window of each order, in blocks")
	return ord
}

func newBenchChallengeCmd(g *globals) *cobra.Command {
	var o bench.ChallengeOptions
	var forgedAt uint64
	cmd := &cobra.Command{
		Use:   "challenge [--entries N] [--forged-at T]",
		Short: "Transactions, blocks and time for the ledger to defeat a wrong reputation root of N log entries",
		Long: `Bench challenge drives the ledger's ABCI application over an IAVL tree on disk,
without CometBFT. Its genesis grants --entries reputation entries, spread over
many users and nested skills, and two staked miners. Once cycle 0 is frozen,
both read its log back through the ledger's queries and replay it: miner A
honestly, miner B with update --forged-at written wrong (default: a
pseudo-random update, the same for the same log). Both submit their roots;
when the window closes, each answers every step of the challenge at the next
block, with signed transactions, until a root is accepted, which must be the
honest one. It reports N (the updates), the challenge transactions by kind,
the blocks from the window's close to the acceptance, the response windows
used against the target 2·⌈log₂ N⌉ + 6, the time of the replays and of the
challenge, and the longest block.`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("forged-at") {
				o.ForgedAt = &forgedAt
			}
			fmt.Fprintf(g.stderr, "cell: benchmarking a challenge over a cycle of %d log entries...\n", o.Entries)
			res, err := bench.RunChallenge(cmd.Context(), o)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json("bench-challenge", res)
			}
			var kinds []string
			for _, k := range []string{"confirm_justification", "prove_leaf_count", "challenge_search", "respond_to_challenge"} {
				if n := res.Txs[k]; n > 0 {
					s := fmt.Sprintf("%d %s", n, k)
					if r := res.Refused[k]; r > 0 {
						s += fmt.Sprintf(", %d refused", r)
					}
					kinds = append(kinds, s)
				}
			}
			within := "within"
			if !res.WithinTarget {
				within = "ABOVE"
			}
			fmt.Fprintf(g.stdout, "cycle 0: %d entries (%d users, %d skills), N = %d updates, %d leaves, ⌈log₂(N+1)⌉ = %d\n",
				res.Entries, res.Users, res.Skills, res.Updates, res.Leaves, res.SearchBound)
			fmt.Fprintf(g.stdout, "forged at update %d; the search found update %d in %d steps\n", res.ForgedAt, res.Disputed, res.SearchSteps)
			fmt.Fprintf(g.stdout, "challenge transactions: %d (%s)\n", res.TotalTxs, strings.Join(kinds, "; "))
			fmt.Fprintf(g.stdout, "blocks from the window's close (height %d) to acceptance (height %d): %d\n", res.CloseHeight, res.AcceptHeight, res.Blocks)
			fmt.Fprintf(g.stdout, "response windows: %d of %d blocks each, %s the target 2·⌈log₂ N⌉ + 6 = %d\n", res.ResponseWindows, res.WindowBlocks, within, res.TargetWindows)
			fmt.Fprintf(g.stdout, "accepted: the %s root %s\n", res.Accepted, res.AcceptedRoot)
			fmt.Fprintf(g.stdout, "time: genesis %.2fs, log read back %.2fs, honest replay %.2fs, forged replay %.2fs, challenge %.3fs (answers %.3fs), longest block %.2f ms (height %d)\n",
				res.GenesisSeconds, res.FetchSeconds, res.HonestReplaySeconds, res.ForgedReplaySeconds, res.ChallengeSeconds, res.AnswerSeconds, 1e3*res.MaxBlockSeconds, res.MaxBlockHeight)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Entries, "entries", 100_000, "reputation log entries of the cycle, granted at genesis")
	cmd.Flags().Uint64Var(&forgedAt, "forged-at", 0, "the update the forged replay gets wrong (default: a pseudo-random one)")
	return cmd
}

package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/chain/bench"
)

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

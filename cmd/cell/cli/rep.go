package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/reputation/replayfile"
)

// newRepCmd is `cell rep …`: the reputation library, offline.
func newRepCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "rep", Short: "Reputation: offline replay and proofs"}
	cmd.AddCommand(&cobra.Command{
		Use:   "replay FILE",
		Short: "Replay reputation update logs and print each cycle's root, nLeaves, JRH and leaves",
		Long: `Replay computes, without any network, the reputation state that the Colony
Network's reference reputation miner computes from the same skill tree and
update logs (shared/specs/reputation.md): for each cycle, the reputation
root, the number of leaves, the justification root hash (JRH) and every
leaf in UID order. Each cycle decays the previous cycle's state before its
log.

FILE is JSON ("-" reads stdin):

  {"colony": "0x<40 hex>",
   "skills": [{"id": 1, "parent": 0}, {"id": 2, "parent": 1}],
   "cycles": [{"log": [{"user": "0x<40 hex>", "amount": "-100", "skill": 2}]}]}

Skills are listed in creation order (parent 0 = none). Users are 20-byte hex
or cell1… addresses; amounts are decimal integers. An optional
"decay": {"numerator": N, "denominator": D} replaces the default
999679150010889 / 10^15 per cycle; "minerReward": true on an entry keeps a
zero amount or zero user.`,
		Example: `  cell rep replay reputation/replayfile/testdata/example1.json
  cell rep replay log.json --output json | jq '.cycles[-1].root'`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRepReplay(cmd, g, args[0])
		},
	})
	cmd.AddCommand(newRepShowCmd(g))
	return cmd
}

func runRepReplay(cmd *cobra.Command, g *globals, file string) error {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(cmd.InOrStdin())
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return err
	}
	in, err := replayfile.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	out, err := replayfile.Replay(in)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if g.output == outputJSON {
		return g.json("reputation-replay", out)
	}
	_, err = io.WriteString(g.stdout, out.Text())
	return err
}

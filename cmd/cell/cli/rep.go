package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/miner"
	"github.com/celltonomy/celltonomy/miner/proofapi"
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

// repShowLeaf is one line of `cell rep show`; its JSON is stable.
type repShowLeaf struct {
	Skill  uint64 `json:"skill"`
	Path   string `json:"path"`
	Amount string `json:"amount"`
	UID    uint64 `json:"uid"`
	Proof  string `json:"proof"`
}

// repShowJSON is the output of `cell rep show --output json`.
type repShowJSON struct {
	Address        string        `json:"address"`
	Cycle          uint64        `json:"cycle"`
	Root           string        `json:"root"`
	AcceptedHeight int64         `json:"accepted_height"`
	Miner          string        `json:"miner"`
	Leaves         []repShowLeaf `json:"leaves"`
}

// newRepShowCmd is `cell rep show`: a user's reputation from a miner,
// checked against the root the chain accepted.
func newRepShowCmd(g *globals) *cobra.Command {
	var skill, minerURL string
	nf := nodeFlags{g: g}
	cmd := &cobra.Command{
		Use:   "show ADDRESS [--skill S] [--miner URL]",
		Short: "Show an address's reputation from a miner, each leaf's proof checked against the accepted root",
		Long: `show asks a reputation miner (--miner) for the leaves of ADDRESS (cell1… or
0x hex) in the network colony, all of them or those of --skill (an id or a
path such as compute/genomics), with their Merkle proofs; reads the
accepted reputation root from the chain (--node); and checks every proof
against that root. It prints each skill's path and id, the reputation, the
leaf's UID and "proof ok", and fails if any proof does not verify: the
miner need not be trusted.`,
		Example: `  cell rep show cell1… --skill compute
  cell rep show 0x… --miner http://127.0.0.1:26690 --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			user, err := proofapi.ParseAddress(args[0])
			if err != nil {
				return &usageError{err}
			}
			c, err := nf.client()
			if err != nil {
				return err
			}
			var skillID uint64
			if skill != "" {
				if skillID, err = strconv.ParseUint(skill, 10, 64); err != nil {
					sk, qerr := c.Skill(ctx, skill)
					if qerr != nil {
						return fmt.Errorf("--skill %s: %w", skill, qerr)
					}
					skillID = sk.GetId()
				}
				if skillID == 0 {
					return &usageError{fmt.Errorf("--skill %s: skill ids start at 1", skill)}
				}
			}
			mc, err := proofapi.NewClient(minerURL)
			if err != nil {
				return &usageError{fmt.Errorf("--miner: %w", err)}
			}
			rep, err := c.ProvenReputation(ctx, mc, user, skillID)
			if err != nil {
				return err
			}
			acc, leaves := rep.Root, rep.Leaves
			if len(leaves) == 0 && skill != "" {
				return fmt.Errorf("%s has no reputation in skill %s (accepted root of cycle %d, miner %s)", user, skill, acc.Cycle, minerURL)
			}
			paths := map[uint64]string{}
			if skills, err := client.All(c.Skills(ctx)); err == nil {
				for _, s := range skills {
					paths[s.GetId()] = s.GetPath()
				}
			} else {
				fmt.Fprintf(g.stderr, "cell: skill paths: %v\n", err)
			}
			out := repShowJSON{Address: user.String(), Cycle: acc.Cycle, Root: acc.Info().Root, AcceptedHeight: acc.Height, Miner: minerURL, Leaves: []repShowLeaf{}}
			for _, l := range leaves {
				out.Leaves = append(out.Leaves, repShowLeaf{Skill: l.Skill, Path: paths[l.Skill], Amount: l.Reputation.String(), UID: l.UID, Proof: "ok"})
			}
			if g.output == outputJSON {
				return g.json("proven-reputation", out)
			}
			fmt.Fprintf(g.stdout, "reputation of %s in the network colony\naccepted root %s (cycle %d, height %d)\n", out.Address, out.Root, out.Cycle, out.AcceptedHeight)
			if len(out.Leaves) == 0 {
				fmt.Fprintln(g.stdout, "no reputation")
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SKILL\tID\tAMOUNT\tUID\tPROOF")
			for _, l := range out.Leaves {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%d\tproof %s\n", l.Path, l.Skill, l.Amount, l.UID, l.Proof)
			}
			return tw.Flush()
		},
	}
	nf.register(cmd)
	cmd.Flags().StringVar(&skill, "skill", "", "only this skill: an id or a path")
	cmd.Flags().StringVar(&minerURL, "miner", "http://"+miner.DefaultListen, "URL of a reputation miner's HTTP API (CELL_MINER or the profile's miner replace the default)")
	return cmd
}

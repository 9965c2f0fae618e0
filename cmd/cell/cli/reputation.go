package cli

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/app"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
)

// newReputationTxCmd is `cell tx reputation …`: the skill tree.
func newReputationTxCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "The skill tree"}
	cmd.AddCommand(&cobra.Command{
		Use:   "create-skill PARENT_PATH NAME",
		Short: "Create the skill PARENT_PATH/NAME under an existing skill, e.g. create-skill compute/genomics assembly",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateSkill{CreateSkill: &ledgerpb.MsgCreateSkill{ParentPath: args[0], Name: args[1]}}})
		},
	})
	return cmd
}

// newReputationQueryCmd is `cell query reputation …`: skills and the
// reputation update log.
func newReputationQueryCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "reputation", Short: "Skills and the reputation update log"}
	cmd.AddCommand(&cobra.Command{
		Use:   "skill PATH",
		Short: "Print a skill: id, parents and descendants",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			b, err := c.QueryApp(cmd.Context(), app.PathSkill, []byte(args[0]))
			if err != nil {
				return err
			}
			var sk ledgerpb.Skill
			if err := proto.Unmarshal(b, &sk); err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json(&sk)
			}
			fmt.Fprintf(g.stdout, "skill %d %s\nparents %v\n", sk.GetId(), args[0], sk.GetAncestors())
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "log [CYCLE [START]]",
		Short: "Print the reputation update log of a cycle (default: the open one), a page at a time",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			for _, a := range args {
				n, err := strconv.ParseUint(a, 10, 64)
				if err != nil {
					return &usageError{fmt.Errorf("%q: want a whole number", a)}
				}
				data = binary.BigEndian.AppendUint64(data, n)
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			b, err := c.QueryApp(cmd.Context(), app.PathReputationLog, data)
			if err != nil {
				return err
			}
			var res ledgerpb.ReputationLogResponse
			if err := proto.Unmarshal(b, &res); err != nil {
				return err
			}
			type entryJSON struct {
				User             string `json:"user"`
				Amount           string `json:"amount"`
				Skill            uint64 `json:"skill"`
				Colony           string `json:"colony"`
				NUpdates         uint64 `json:"n_updates"`
				NPreviousUpdates uint64 `json:"n_previous_updates"`
			}
			out := struct {
				Cycle   uint64      `json:"cycle"`
				Start   uint64      `json:"start"`
				Next    uint64      `json:"next,omitempty"`
				Entries []entryJSON `json:"entries"`
			}{Cycle: res.GetCycle(), Start: res.GetStart(), Next: res.GetNext(), Entries: []entryJSON{}}
			for _, r := range res.GetEntries() {
				e, err := reputation.EntryFromRecord(r)
				if err != nil {
					return err
				}
				out.Entries = append(out.Entries, entryJSON{e.User.String(), e.Amount.String(), e.Skill,
					hex.EncodeToString(e.Colony[:]), e.NUpdates, e.NPreviousUpdates})
			}
			if g.output == outputJSON {
				return g.json(out)
			}
			fmt.Fprintf(g.stdout, "cycle %d, entries from %d\n", out.Cycle, out.Start)
			for i, e := range out.Entries {
				fmt.Fprintf(g.stdout, "%6d  %s  %s in skill %d  (updates %d, before %d)\n",
					out.Start+uint64(i), e.User, e.Amount, e.Skill, e.NUpdates, e.NPreviousUpdates)
			}
			if out.Next != 0 {
				fmt.Fprintf(g.stderr, "cell: more entries: cell query reputation log %d %d\n", out.Cycle, out.Next)
			}
			return nil
		},
	})
	return cmd
}

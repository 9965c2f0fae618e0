package cli

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
)

// newQueryGovCmd is `cell query gov …`.
func newQueryGovCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "gov", Short: "Governance proposals, their votes and tallies, and the gov params"}
	cmd.AddCommand(newQueryGovProposalsCmd(g, f), newQueryGovProposalCmd(g, f), newQueryGovVotesCmd(g, f), newQueryGovTallyCmd(g, f), newQueryGovParamsCmd(g, f))
	return cmd
}

func newQueryGovProposalsCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "proposals",
		Short: "List the proposals by id with their status",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			prs, err := client.All(c.Proposals(cmd.Context()))
			if err != nil {
				return err
			}
			out := []proposalJSON{}
			for _, pr := range prs {
				out = append(out, toProposalJSON(pr))
			}
			if g.output == outputJSON {
				return g.json("proposal", out)
			}
			for _, p := range out {
				fmt.Fprintf(g.stdout, "%d  %-9s %s\n", p.ID, p.Status, p.Title)
			}
			return nil
		},
	}
}

func newQueryGovProposalCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "proposal PROPOSAL_ID",
		Short: "Print a proposal: its messages, status, heights, deposit and final tally",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			pr, err := c.Proposal(cmd.Context(), id)
			if err != nil {
				return err
			}
			p := toProposalJSON(pr)
			if g.output == outputJSON {
				return g.json("proposal", p)
			}
			fmt.Fprintf(g.stdout, "proposal %d: %s\nstatus %s\nproposer %s\nsubmitted at %d, deposits until %d, deposit %d ucell\n",
				p.ID, p.Title, p.Status, p.Proposer, p.SubmitHeight, p.DepositEndHeight, p.TotalDeposit)
			if p.VotingEndHeight > 0 {
				fmt.Fprintf(g.stdout, "voting from %d, tallied at %d\n", p.VotingStartHeight, p.VotingEndHeight)
			}
			if p.ExecutionHeight > 0 {
				fmt.Fprintf(g.stdout, "execution at %d\n", p.ExecutionHeight)
			}
			if p.NeedsReputation {
				fmt.Fprintln(g.stdout, "needs a majority of reputation holders too (two-chamber rule)")
			}
			if p.Failure != "" {
				fmt.Fprintf(g.stdout, "failed: %s\n", p.Failure)
			}
			for i, m := range p.Messages {
				fmt.Fprintf(g.stdout, "messages[%d] %s\n", i, m)
			}
			if p.Description != "" {
				fmt.Fprintf(g.stdout, "\n%s\n", p.Description)
			}
			return nil
		},
	}
}

func newQueryGovVotesCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "votes PROPOSAL_ID",
		Short: "List a proposal's votes by voter",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			vs, err := client.All(c.Votes(cmd.Context(), id))
			if err != nil {
				return err
			}
			type voteJSON struct {
				Voter      string `json:"voter"`
				Option     string `json:"option"`
				Reputation string `json:"reputation,omitempty"`
			}
			out := []voteJSON{}
			for _, v := range vs {
				r := ""
				if len(v.Reputation) > 0 {
					r = new(big.Int).SetBytes(v.Reputation).String()
				}
				out = append(out, voteJSON{address.Address(v.Voter).String(), gov.OptionName(v.Option), r})
			}
			if g.output == outputJSON {
				return g.json("vote", out)
			}
			for _, v := range out {
				rep := ""
				if v.Reputation != "" {
					rep = "  reputation " + v.Reputation
				}
				fmt.Fprintf(g.stdout, "%s  %s%s\n", v.Voter, v.Option, rep)
			}
			return nil
		},
	}
}

func newQueryGovTallyCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "tally PROPOSAL_ID",
		Short: "Print a proposal's tally: counted now while it votes, final after (stake in ucell, reputation)",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			t, err := c.Tally(cmd.Context(), id)
			if err != nil {
				return err
			}
			out := toTallyJSON(t)
			if g.output == outputJSON {
				return g.json("tally", out)
			}
			fmt.Fprintf(g.stdout, "yes %d  no %d  abstain %d  veto %d  of %d ucell bonded\nreputation yes %s  no %s\n",
				out.Yes, out.No, out.Abstain, out.Veto, out.TotalBonded, out.ReputationYes, out.ReputationNo)
			return nil
		},
	}
}

func newQueryGovParamsCmd(g *globals, f *nodeFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "params",
		Short: "Print the gov_* params: min deposit (ucell), periods and timelock (blocks), quorum and thresholds (bps)",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			p, err := c.Params(cmd.Context())
			if err != nil {
				return err
			}
			out := map[string]uint64{}
			var names []string
			p.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
				if n := string(fd.Name()); strings.HasPrefix(n, "gov_") {
					out[n] = v.Uint()
					names = append(names, n)
				}
				return true
			})
			if g.output == outputJSON {
				return g.json("gov-params", out)
			}
			for _, n := range names {
				fmt.Fprintf(g.stdout, "%-26s %d\n", n, out[n])
			}
			return nil
		},
	}
}

type tallyJSON struct {
	Yes           uint64 `json:"yes"`
	No            uint64 `json:"no"`
	Abstain       uint64 `json:"abstain"`
	Veto          uint64 `json:"veto"`
	TotalBonded   uint64 `json:"total_bonded"`
	ReputationYes string `json:"reputation_yes"`
	ReputationNo  string `json:"reputation_no"`
}

func toTallyJSON(t *ledgerpb.Tally) tallyJSON {
	return tallyJSON{t.GetYes(), t.GetNo(), t.GetAbstain(), t.GetVeto(), t.GetTotalBonded(),
		new(big.Int).SetBytes(t.GetReputationYes()).String(), new(big.Int).SetBytes(t.GetReputationNo()).String()}
}

type proposalJSON struct {
	ID                uint64            `json:"id"`
	Proposer          string            `json:"proposer"`
	Title             string            `json:"title"`
	Description       string            `json:"description"`
	Status            string            `json:"status"`
	Messages          []json.RawMessage `json:"messages"`
	SubmitHeight      int64             `json:"submit_height"`
	DepositEndHeight  int64             `json:"deposit_end_height"`
	VotingStartHeight int64             `json:"voting_start_height"`
	VotingEndHeight   int64             `json:"voting_end_height"`
	ExecutionHeight   int64             `json:"execution_height"`
	TotalDeposit      uint64            `json:"total_deposit"`
	NeedsReputation   bool              `json:"needs_reputation"`
	Failure           string            `json:"failure,omitempty"`
	Tally             *tallyJSON        `json:"tally,omitempty"`
}

func toProposalJSON(pr *ledgerpb.Proposal) proposalJSON {
	p := proposalJSON{ID: pr.Id, Proposer: address.Address(pr.Proposer).String(), Title: pr.Title, Description: pr.Description,
		Status: gov.StatusName(pr.Status), SubmitHeight: pr.SubmitHeight, DepositEndHeight: pr.DepositEndHeight,
		VotingStartHeight: pr.VotingStartHeight, VotingEndHeight: pr.VotingEndHeight, ExecutionHeight: pr.ExecutionHeight,
		TotalDeposit: pr.TotalDeposit, NeedsReputation: pr.NeedsReputation, Failure: pr.Failure, Messages: []json.RawMessage{}}
	for _, m := range pr.Messages {
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(m)
		if err != nil {
			b = []byte(`null`)
		}
		p.Messages = append(p.Messages, json.RawMessage(b))
	}
	if pr.Tally != nil {
		t := toTallyJSON(pr.Tally)
		p.Tally = &t
	}
	return p
}

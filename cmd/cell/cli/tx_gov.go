package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/gov"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/reputation"
	"github.com/celltonomy/celltonomy/ledger/tx"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// newTxGovCmd is `cell tx gov …`: proposals, deposits, votes.
func newTxGovCmd(f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "gov", Short: "Governance: submit, fund, vote on and cancel proposals"}
	cmd.AddCommand(&cobra.Command{
		Use:   "submit-proposal FILE.json",
		Short: "Submit the proposal of FILE.json (a MsgSubmitProposal in protojson: title, description, messages, deposit)",
		Long: `Submit the proposal of FILE.json, a MsgSubmitProposal in protojson, e.g.

  {"title": "Shorter bid windows", "description": "…", "deposit": "10000000",
   "messages": [{"param_change": {"name": "max_bid_window", "value": "7200"}},
                {"treasury_spend": {"recipient": "cell1…", "amount": "5000000"}},
                {"release_litigation": {"order_id": "12", "to_buyer_amount": "800", "to_provider_amount": "0"}},
                {"set_recovery_addresses": {"addresses": ["cell1…"]}},
                {"text": {}}]}

The deposit (ucell) moves from --from to the "gov" module account.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := readProposalFile(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_SubmitProposal{SubmitProposal: m}})
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "deposit PROPOSAL_ID AMOUNT",
		Short: "Add AMOUNT ucell to a proposal's deposit in its deposit period",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			amount, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deposit{Deposit: &ledgerpb.MsgDeposit{ProposalId: id, Amount: amount}}})
		},
	})
	cmd.AddCommand(newTxGovVoteCmd(f))
	cmd.AddCommand(&cobra.Command{
		Use:   "cancel PROPOSAL_ID",
		Short: "Cancel --from's proposal before its voting ends; its deposits are burned",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CancelProposal{CancelProposal: &ledgerpb.MsgCancelProposal{ProposalId: id}}})
		},
	})
	return cmd
}

func newTxGovVoteCmd(f *txFlags) *cobra.Command {
	var minerURL, proofFile, skill string
	vote := &cobra.Command{
		Use:   "vote PROPOSAL_ID yes|no|abstain|veto",
		Short: "Vote on a proposal in its voting period, weighted by --from's bonded stake; a later vote replaces it",
		Long: `Vote on a proposal in its voting period, weighted by --from's bonded stake
(a delegator's own vote overrides its validator's for its delegated stake);
a later vote replaces it. A proposal that raises the supply ceiling or the
inflation rate by more than 10 % also needs a majority of reputation: with
--proof-from MINER_URL --skill PATH (or --proof-file FILE) the vote carries
--from's reputation proof, checked against the accepted root (fetched
again, up to three times, when a newer root replaces it before the vote runs).`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := proposalIDArg(args[0])
			if err != nil {
				return err
			}
			o, err := voteOptionArg(args[1])
			if err != nil {
				return err
			}
			if minerURL != "" {
				f.rebuildOn = reputation.ErrInvalidProof
			}
			return f.sendBuilt(cmd, func(context.Context, *client.Client, string, address.Address) ([]*ledgerpb.Msg, error) {
				m := &ledgerpb.MsgVote{ProposalId: id, Option: o}
				if m.ReputationProof, err = govVoteProof(cmd, f, minerURL, proofFile, skill); err != nil {
					return nil, err
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_Vote{Vote: m}}}, nil
			})
		},
	}
	vote.Flags().StringVar(&minerURL, "proof-from", "", "URL of a reputation miner serving --from's proof in --skill (checked against the accepted root)")
	vote.Flags().StringVar(&skill, "skill", "", "the skill PATH of the reputation proof of --proof-from")
	vote.Flags().StringVar(&proofFile, "proof-file", "", "read --from's ReputationProof from a protojson FILE instead")
	return vote
}

// govVoteProof returns --from's reputation proof for a vote: none without
// --proof-from and --proof-file; read from proofFile; or fetched from the
// miner at minerURL in skill and checked against the accepted root.
func govVoteProof(cmd *cobra.Command, f *txFlags, minerURL, proofFile, skill string) (*ledgerpb.ReputationProof, error) {
	switch {
	case proofFile != "":
		return readProofFile(proofFile)
	case minerURL == "":
		return nil, nil
	case skill == "":
		return nil, &usageError{fmt.Errorf("--proof-from needs --skill PATH")}
	}
	ctx := cmd.Context()
	user, err := resolveAddress(f.g, f.from)
	if err != nil {
		return nil, err
	}
	c, err := f.client()
	if err != nil {
		return nil, err
	}
	sk, err := c.Skill(ctx, skill)
	if err != nil {
		return nil, fmt.Errorf("skill %q: %w", skill, err)
	}
	mc, err := proofapi.NewClient(minerURL)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--proof-from: %w", err)}
	}
	if proof, ok, err := c.ReputationProof(ctx, mc, user, sk.Id); ok || err != nil {
		return proof, err
	}
	return nil, fmt.Errorf("%s has no reputation in skill %s", user, skill)
}

// readProposalFile reads a proposal file: at most a transaction's size,
// then parseProposal.
func readProposalFile(path string) (*ledgerpb.MsgSubmitProposal, error) {
	b, err := readLimited(path, tx.MaxTxBytes)
	if err != nil {
		return nil, &usageError{err}
	}
	m, err := parseProposal(b)
	if err != nil {
		return nil, &usageError{fmt.Errorf("%s: %w", path, err)}
	}
	return m, nil
}

// parseProposal decodes a MsgSubmitProposal in protojson, refusing
// unknown fields, and checks its stateless rules
// (gov.ValidateSubmitProposal).
func parseProposal(b []byte) (*ledgerpb.MsgSubmitProposal, error) {
	m := &ledgerpb.MsgSubmitProposal{}
	if err := protojson.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("not a proposal (MsgSubmitProposal in JSON): %v", err)
	}
	if err := gov.ValidateSubmitProposal(m); err != nil {
		return nil, err
	}
	return m, nil
}

func proposalIDArg(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, &usageError{fmt.Errorf("PROPOSAL_ID %q: want a positive whole number", s)}
	}
	return id, nil
}

func voteOptionArg(s string) (ledgerpb.VoteOption, error) {
	for o := ledgerpb.VoteOption_VOTE_OPTION_YES; o <= ledgerpb.VoteOption_VOTE_OPTION_VETO; o++ {
		if gov.OptionName(o) == s {
			return o, nil
		}
	}
	return 0, &usageError{fmt.Errorf("vote %q: want yes, no, abstain or veto", s)}
}

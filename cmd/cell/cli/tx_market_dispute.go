package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/celltonomy/celltonomy/miner/proofapi"
)

// ordersDir is where the order commands keep each order's local state
// (client/order State), under the home.
func ordersDir(home string) string { return filepath.Join(home, "orders") }

// newTxMarketOpenDisputeCmd is `cell tx market open-dispute`.
func newTxMarketOpenDisputeCmd(f *txFlags) *cobra.Command {
	var commitment string
	cmd := &cobra.Command{
		Use:   "open-dispute ORDER_ID CLAIM OUTCOME STAKE",
		Short: "Dispute a delivery to --from before its confirm deadline, staking STAKE (ucell)",
		Long: `open-dispute disputes a delivered order of a compute or protocol package.
CLAIM is wrong-result, not-received, not-to-spec or too-slow; OUTCOME, what
--from gets if the dispute finds against the provider (drawn verifiers
re-executing a compute package or checking a protocol package's event log,
then for a protocol package what they cannot decide a vote of reputation
holders in its domain), is refund, redo, redo-by-another, store-credit or
litigation.

A dispute commits to the head of a seed chain, one seed per round (at most
max_dispute_rounds for a compute package; one for a protocol package, whose
verifiers check the event log and reveal a verdict, and whose domain vote
opens only if they cannot decide): open-dispute makes the chain, saves it
in HOME/orders/ORDER_ID.json as cell order does, and prints the seed of round
1 on stderr. Reveal it in a later block with reveal-dispute-seed, by the seed
deadline of dispute_opened, or the dispute is abandoned; or let cell order
dispute ORDER_ID --wait reveal every round's seed. --seed-commitment gives the
head of a chain of your own instead.`,
		Args: exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			claim, err := market.ParseClaim(args[1])
			if err != nil {
				return &usageError{err}
			}
			outcome, err := market.ParseOutcome(args[2])
			if err != nil {
				return &usageError{err}
			}
			stake, err := parseAmount(args[3])
			if err != nil {
				return err
			}
			var head []byte
			if commitment != "" {
				if head, err = hexArg("--seed-commitment", commitment, market.HashSize); err != nil {
					return err
				}
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, _ address.Address) ([]*ledgerpb.Msg, error) {
				m := &ledgerpb.MsgOpenDispute{OrderId: id, Claim: claim, Outcome: outcome, Stake: stake, SeedCommitment: head}
				if head == nil {
					if m.SeedCommitment, err = newDisputeSeeds(ctx, f.g, c, id); err != nil {
						return nil, err
					}
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_OpenDispute{OpenDispute: m}}}, nil
			})
		},
	}
	cmd.Flags().StringVar(&commitment, "seed-commitment", "", "the head of your own seed chain (32 bytes in hex) instead of a new one")
	return cmd
}

// newDisputeSeeds makes and saves the seed chain of a dispute of order
// id and returns its head: max_dispute_rounds seeds for a compute
// package, one for a protocol package (one round of verifiers, then
// perhaps a domain vote).
func newDisputeSeeds(ctx context.Context, g *globals, c *client.Client, id uint64) ([]byte, error) {
	r, err := c.Order(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("order %d: %w", id, err)
	}
	pkg, err := c.Package(ctx, r.GetOrder().GetPackageId())
	if err != nil {
		return nil, fmt.Errorf("order %d: its package: %w", id, err)
	}
	p, err := c.Params(ctx)
	if err != nil {
		return nil, fmt.Errorf("params: %w", err)
	}
	rounds := p.MaxDisputeRounds
	if pkg.Kind == ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		rounds = 1
	}
	seeds, err := order.NewSeedChain(rounds)
	if err != nil {
		return nil, err
	}
	dir := ordersDir(g.home)
	st, err := order.LoadState(dir, id)
	if err != nil {
		return nil, err
	}
	st.Seeds = seeds
	if err := order.SaveState(dir, st); err != nil {
		return nil, err
	}
	fmt.Fprintf(g.stderr, "seed chain of %d round(s) saved in %s; reveal the seed of round 1 in a later block:\n  cell tx market reveal-dispute-seed %d %x\n",
		rounds, order.StatePath(dir, id), id, []byte(seeds[1]))
	return seeds[0], nil
}

// newTxMarketDisputeCmds are the verifier and dispute commands of `cell tx
// market …`.
func newTxMarketDisputeCmds(f *txFlags) []*cobra.Command {
	return append([]*cobra.Command{newTxMarketRegisterVerifierCmd(f), newTxMarketUnregisterVerifierCmd(f), newTxMarketOpenDisputeCmd(f), newTxMarketRevealDisputeSeedCmd(f), newTxMarketVerifierCommitCmd(f), newTxMarketVerifierRevealCmd(f)}, newTxMarketDomainVoteCmds(f)...)
}

func newTxMarketRegisterVerifierCmd(f *txFlags) *cobra.Command {
	register := &cobra.Command{
		Use:   "register-verifier NODE_PUBKEY STAKE",
		Short: "Stake STAKE (ucell) on a wasm node of --from as a dispute verifier",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			stake, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RegisterVerifier{RegisterVerifier: &ledgerpb.MsgRegisterVerifier{NodeKey: key, Stake: stake}}})
		},
	}
	return register
}

func newTxMarketUnregisterVerifierCmd(f *txFlags) *cobra.Command {
	unregister := &cobra.Command{
		Use:   "unregister-verifier NODE_PUBKEY",
		Short: "Stop verifying with a node of --from; its stake returns",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_UnregisterVerifier{UnregisterVerifier: &ledgerpb.MsgUnregisterVerifier{NodeKey: key}}})
		},
	}
	return unregister
}

func newTxMarketVerifierCommitCmd(f *txFlags) *cobra.Command {
	commit := &cobra.Command{
		Use:   "verifier-commit ORDER_ID OUTPUT_ROOT|VERDICT SALT",
		Short: "Commit --from's re-executed output root, or verdict, of a disputed order (only the commitment reaches the chain)",
		Long: `verifier-commit commits --from's output root of a disputed order of a
compute package, or its verdict (conforms, violates or undecidable) on one of
a protocol package, in the dispute's current round: market.VerifierCommitment
(market.VerdictCommitment) binds the order, the round (read from the chain)
and --from, so nobody can copy it.`,
		Args: exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, root, verdict, salt, err := rootAndSaltArgs(args)
			if err != nil {
				return err
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, from address.Address) ([]*ledgerpb.Msg, error) {
				d, err := c.Dispute(ctx, id)
				if err != nil {
					return nil, fmt.Errorf("dispute of order %d: %w", id, err)
				}
				cm := market.VerifierCommitment(id, d.Round, from, root, salt)
				if verdict != ledgerpb.ProtocolVerdict_PROTOCOL_VERDICT_UNSPECIFIED {
					cm = market.VerdictCommitment(id, from, d.Round, verdict, salt)
				}
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: cm[:]}}}}, nil
			})
		},
	}
	return commit
}

func newTxMarketVerifierRevealCmd(f *txFlags) *cobra.Command {
	reveal := &cobra.Command{
		Use:   "verifier-reveal ORDER_ID OUTPUT_ROOT|VERDICT SALT",
		Short: "Reveal the output root (or verdict) and salt --from committed to",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, root, verdict, salt, err := rootAndSaltArgs(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: id, OutputRoot: root, Salt: salt, Verdict: verdict}}})
		},
	}
	return reveal
}

// rootAndSaltArgs parses ORDER_ID OUTPUT_ROOT|VERDICT SALT: an output
// root (32 bytes in hex) or a verdict name (market.ParseProtocolVerdict).
func rootAndSaltArgs(args []string) (uint64, []byte, ledgerpb.ProtocolVerdict, []byte, error) {
	id, err := orderIDArg(args[0])
	if err != nil {
		return 0, nil, 0, nil, err
	}
	var root []byte
	verdict, verr := market.ParseProtocolVerdict(args[1])
	if verr != nil {
		if root, err = hexArg("OUTPUT_ROOT", args[1], market.HashSize); err != nil {
			return 0, nil, 0, nil, fmt.Errorf("%w (or a verdict: conforms, violates or undecidable)", err)
		}
	}
	salt, err := hexArg("SALT", args[2], market.HashSize)
	if err != nil {
		return 0, nil, 0, nil, err
	}
	return id, root, verdict, salt, nil
}

// domainVotes names the votes of a protocol dispute on the command line.
var domainVotes = map[string]ledgerpb.DomainVoteChoice{
	"provider-won": ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_PROVIDER_WON,
	"buyer-won":    ledgerpb.DomainVoteChoice_DOMAIN_VOTE_CHOICE_BUYER_WON,
}

// domainVoteArgs parses ORDER_ID VOTE SALT.
func domainVoteArgs(args []string) (uint64, ledgerpb.DomainVoteChoice, []byte, error) {
	id, err := orderIDArg(args[0])
	if err != nil {
		return 0, 0, nil, err
	}
	vote, ok := domainVotes[args[1]]
	if !ok {
		return 0, 0, nil, &usageError{fmt.Errorf("VOTE %q: want provider-won or buyer-won", args[1])}
	}
	salt, err := hexArg("SALT", args[2], market.HashSize)
	if err != nil {
		return 0, 0, nil, err
	}
	return id, vote, salt, nil
}

// readProofFile reads a ReputationProof written as protojson (the
// ledger's field names: colony, skill, user, value, branch_mask,
// siblings; bytes in base64).
func readProofFile(path string) (*ledgerpb.ReputationProof, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := &ledgerpb.ReputationProof{}
	if err := protojson.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// domainVoteProof returns --from's proof of its reputation in the domain
// skill of the protocol dispute of order id: read from proofFile, or
// fetched from the miner at minerURL and checked against the accepted
// reputation root on chain, so the miner need not be trusted.
func domainVoteProof(cmd *cobra.Command, f *txFlags, id uint64, minerURL, proofFile string) (*ledgerpb.ReputationProof, error) {
	if proofFile != "" {
		return readProofFile(proofFile)
	}
	if minerURL == "" {
		return nil, &usageError{fmt.Errorf("a reputation proof is required: --proof-from MINER_URL or --proof-file FILE")}
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
	d, err := c.Dispute(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("dispute of order %d: %w", id, err)
	}
	if d.Kind != ledgerpb.PackageKind_PACKAGE_KIND_PROTOCOL {
		return nil, fmt.Errorf("order %d: not a dispute of a protocol package", id)
	}
	mc, err := proofapi.NewClient(minerURL)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--proof-from: %w", err)}
	}
	if proof, ok, err := c.ReputationProof(ctx, mc, user, d.DomainSkill); ok || err != nil {
		return proof, err
	}
	return nil, fmt.Errorf("%s has no reputation in skill %d, the domain of order %d", user, d.DomainSkill, id)
}

func mustMarshalProto(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// newTxMarketDomainVoteCmds are the domain vote commands of `cell tx market
// …`: the vote of reputation holders on a dispute of a protocol package.
func newTxMarketDomainVoteCmds(f *txFlags) []*cobra.Command {
	var minerURL, proofFile, stakeFlag string
	flags := func(cmd *cobra.Command) {
		cmd.Flags().StringVar(&minerURL, "proof-from", "", "URL of a reputation miner serving --from's proof (checked against the accepted root)")
		cmd.Flags().StringVar(&proofFile, "proof-file", "", "read --from's ReputationProof from a protojson FILE instead")
	}
	commit := &cobra.Command{
		Use:   "domain-vote-commit ORDER_ID VOTE SALT",
		Short: "Commit --from's vote on a dispute of a protocol package (only the commitment reaches the chain)",
		Long: `domain-vote-commit commits --from's vote on a disputed order of a protocol
package during its commit window. VOTE is provider-won or buyer-won; SALT is
32 bytes of hex, kept for domain-vote-reveal. --from proves a positive
reputation in the package's skill (the dispute's domain) against the accepted
reputation root: --proof-from fetches the proof from a miner, --proof-file
reads it. Neither the buyer nor the provider may vote. A vote stakes --stake
(default: the chain's min_domain_vote_stake).`,
		Args: exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, vote, salt, err := domainVoteArgs(args)
			if err != nil {
				return err
			}
			stake, err := optionalAmount("--stake", stakeFlag)
			if err != nil {
				return err
			}
			p, err := domainVoteProof(cmd, f, id, minerURL, proofFile)
			if err != nil {
				return err
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, from address.Address) ([]*ledgerpb.Msg, error) {
				if stake == 0 {
					ps, err := c.Params(ctx)
					if err != nil {
						return nil, fmt.Errorf("params: %w", err)
					}
					stake = ps.MinDomainVoteStake
				}
				cm := market.DomainVoteCommitment(id, from, vote, salt)
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_DomainVoteCommit{DomainVoteCommit: &ledgerpb.MsgDomainVoteCommit{OrderId: id,
					Commitment: cm[:], ReputationProof: p, Stake: stake}}}}, nil
			})
		},
	}
	flags(commit)
	commit.Flags().StringVar(&stakeFlag, "stake", "", "the vote's stake in ucell (default: the chain's min_domain_vote_stake)")
	reveal := &cobra.Command{
		Use:   "domain-vote-reveal ORDER_ID VOTE SALT",
		Short: "Reveal --from's vote on a dispute of a protocol package; its proven reputation is the vote's weight",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, vote, salt, err := domainVoteArgs(args)
			if err != nil {
				return err
			}
			p, err := domainVoteProof(cmd, f, id, minerURL, proofFile)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_DomainVoteReveal{DomainVoteReveal: &ledgerpb.MsgDomainVoteReveal{OrderId: id,
				Vote: vote, Salt: salt, ReputationProof: p}}})
		},
	}
	flags(reveal)
	return []*cobra.Command{commit, reveal}
}

// newTxMarketRevealDisputeSeedCmd is `cell tx market reveal-dispute-seed`.
func newTxMarketRevealDisputeSeedCmd(f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "reveal-dispute-seed ORDER_ID SEED_HEX",
		Short: "Reveal the draw seed of the current round of a dispute of a compute package; it draws the verifiers",
		Long: `reveal-dispute-seed reveals SEED_HEX (32 bytes), the seed of the dispute's
current round: its market.SeedHash must be the dispute's seed head (the
commitment of open-dispute, then the seed revealed last). It is accepted in a
block after the round started, up to the round's seed deadline; the verifiers
are drawn in the same transaction. Unrevealed, round 1 is abandoned (the
delivery stands, the dispute stake goes to the provider) and a later round
ends in a split. open-dispute saves the chain in HOME/orders/ORDER_ID.json;
cell order dispute ORDER_ID --wait reveals each round's seed from there.`,
		Args: exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			seed, err := hexArg("SEED_HEX", args[1], market.HashSize)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealDisputeSeed{RevealDisputeSeed: &ledgerpb.MsgRevealDisputeSeed{OrderId: id, Seed: seed}}})
		},
	}
}

package cli

import (
	"context"
	"encoding/hex"
	"fmt"
	"iter"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/client/repproof"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
)

// newMarketTxCmd is `cell tx market …`: purchase orders, bids, delivery,
// close and ratings (ledger/market has the rules).
func newMarketTxCmd(g *globals, f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "Purchase orders, bids, deliveries, closes and ratings"}

	var params []string
	var bidWindow, deliveryWindow, confirmWindow, minRep uint64
	var useCredit bool
	create := &cobra.Command{
		Use:   "create-order PACKAGE_ID INPUT_ROOT MAX_PRICE PO_STAKE",
		Short: "Post a purchase order of --from; MAX_PRICE + PO_STAKE (ucell) go to escrow",
		Args:  exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := hexArg("PACKAGE_ID", args[0], registry.PackageIDSize)
			if err != nil {
				return err
			}
			root, err := hexArg("INPUT_ROOT", args[1], market.HashSize)
			if err != nil {
				return err
			}
			maxPrice, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			po, err := parseAmount(args[3])
			if err != nil {
				return err
			}
			ps, err := parseOrderParams(params)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CreateOrder{CreateOrder: &ledgerpb.MsgCreateOrder{
				PackageId: id, InputRoot: root, Params: ps, MaxPrice: maxPrice, PoStake: po, BidWindow: bidWindow,
				DeliveryWindow: deliveryWindow, ConfirmWindow: confirmWindow, MinProviderReputation: minRep, Replication: 1,
				UseCredit: useCredit}}})
		},
	}
	create.Flags().StringSliceVar(&params, "param", nil, "a parameter KEY=VALUE for the package (repeatable)")
	create.Flags().Uint64Var(&bidWindow, "bid-window", 10, "blocks during which providers bid")
	create.Flags().Uint64Var(&deliveryWindow, "delivery-window", 100, "blocks after the award to deliver")
	create.Flags().Uint64Var(&confirmWindow, "confirm-window", 100, "blocks after delivery to close before the order closes by itself")
	create.Flags().Uint64Var(&minRep, "min-provider-reputation", 0, "smallest provider reputation (stored, not enforced yet)")
	create.Flags().BoolVar(&useCredit, "use-credit", false, "pay from --from's store credit first")

	cancel := &cobra.Command{
		Use:   "cancel-order ORDER_ID",
		Short: "Cancel an open order of --from; escrow and bid stakes return",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_CancelOrder{CancelOrder: &ledgerpb.MsgCancelOrder{OrderId: id}}})
		},
	}

	bid := &cobra.Command{
		Use:   "bid ORDER_ID NODE_PUBKEY PRICE STAKE",
		Short: "Bid PRICE (ucell) on an open order with a node of --from, staking STAKE (ucell)",
		Args:  exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			key, err := hexArg("NODE_PUBKEY", args[1], registry.NodeKeySize)
			if err != nil {
				return err
			}
			price, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			stake, err := parseAmount(args[3])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{OrderId: id, NodeKey: key, Price: price, Stake: stake}}})
		},
	}

	withdraw := &cobra.Command{
		Use:   "withdraw-bid ORDER_ID",
		Short: "Withdraw --from's bid on an open order; its stake returns",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_WithdrawBid{WithdrawBid: &ledgerpb.MsgWithdrawBid{OrderId: id}}})
		},
	}

	var result string
	var exitCode uint32
	deliver := &cobra.Command{
		Use:   "deliver ORDER_ID OUTPUT_ROOT EVENT_LOG_HEAD COMPLETION_CODE STARS SALT",
		Short: "Deliver an order awarded to --from",
		Long: `deliver posts the output root and event-log head (hex, 32 bytes) and the
commitments to the completion code (hex, 16 to 64 bytes; it reaches only the
buyer, inside the results) and to --from's rating of the buyer (STARS 0 to 5,
SALT hex of 32 bytes; reveal both later with reveal-rating). Only the
commitments reach the chain. --result says how the run ended: exited (with
--exit-code), or trap, fuel-limit, memory-limit, output-limit, stdout-limit,
stderr-limit — a package that hit its own limits is a delivery too, whose
output root commits to the result.`,
		Args: exactArgs(6),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			out, err := hexArg("OUTPUT_ROOT", args[1], market.HashSize)
			if err != nil {
				return err
			}
			head, err := hexArg("EVENT_LOG_HEAD", args[2], market.HashSize)
			if err != nil {
				return err
			}
			code, err := completionCodeArg(args[3])
			if err != nil {
				return err
			}
			stars, salt, err := ratingArgs(args[4], args[5])
			if err != nil {
				return err
			}
			res, err := market.ParseRunResult(result)
			if err != nil {
				return &usageError{fmt.Errorf("--%w", err)}
			}
			if res != ledgerpb.RunResult_RUN_RESULT_EXITED && exitCode != 0 {
				return &usageError{fmt.Errorf("--exit-code %d: only a run that exited has an exit code (--result %s)", exitCode, result)}
			}
			cc := market.CompletionCommitment(id, code)
			rc := market.RatingCommitment(id, uint8(stars), salt)
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: &ledgerpb.MsgDeliver{OrderId: id, OutputRoot: out,
				EventLogHead: head, CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:], Result: res, ExitCode: exitCode}}})
		},
	}
	deliver.Flags().StringVar(&result, "result", "exited", "how the run ended: exited, trap, fuel-limit, memory-limit, output-limit, stdout-limit or stderr-limit")
	deliver.Flags().Uint32Var(&exitCode, "exit-code", 0, "the package's exit code, for --result exited")

	closeCmd := &cobra.Command{
		Use:   "close ORDER_ID COMPLETION_CODE STARS SALT",
		Short: "Close a delivered order of --from with the completion code, committing to a rating",
		Args:  exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			code, err := completionCodeArg(args[1])
			if err != nil {
				return err
			}
			stars, salt, err := ratingArgs(args[2], args[3])
			if err != nil {
				return err
			}
			rc := market.RatingCommitment(id, uint8(stars), salt)
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Close{Close: &ledgerpb.MsgClose{OrderId: id, CompletionCode: code, BuyerRatingCommitment: rc[:]}}})
		},
	}

	reveal := &cobra.Command{
		Use:   "reveal-rating ORDER_ID STARS SALT",
		Short: "Reveal --from's rating of a closed order, as committed",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			stars, salt, err := ratingArgs(args[1], args[2])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{OrderId: id, Stars: stars, Salt: salt}}})
		},
	}

	var buyParams []string
	var buyDelivery, buyConfirm uint64
	var buyMax string
	buy := &cobra.Command{
		Use:   "buy-offering VENDOR PACKAGE_ID INPUT_ROOT PO_STAKE --max-price P",
		Short: "Buy VENDOR's offering of a package at its price, at most --max-price, without bids",
		Long: `buy-offering buys VENDOR's offering of a package (VENDOR a cell1… address
or a key name): price + PO_STAKE (ucell) go to escrow and the order is awarded
at once to the offering's node, with the vendor's stake as its bid stake.
--max-price is the most --from pays: the chain refuses the purchase if the
vendor raised the price above it meanwhile. The inputs go to the node as
after any award; cell order run --offering does all of it.`,
		Args: exactArgs(4),
		RunE: func(cmd *cobra.Command, args []string) error {
			if buyMax == "" {
				return &usageError{fmt.Errorf("--max-price: required: the most to pay, in ucell")}
			}
			maxPrice, err := parseAmount(buyMax)
			if err != nil {
				return err
			}
			vendor, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			id, err := hexArg("PACKAGE_ID", args[1], registry.PackageIDSize)
			if err != nil {
				return err
			}
			root, err := hexArg("INPUT_ROOT", args[2], market.HashSize)
			if err != nil {
				return err
			}
			po, err := parseAmount(args[3])
			if err != nil {
				return err
			}
			ps, err := parseOrderParams(buyParams)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_BuyOffering{BuyOffering: &ledgerpb.MsgBuyOffering{Vendor: vendor.Bytes(),
				PackageId: id, InputRoot: root, Params: ps, DeliveryWindow: buyDelivery, ConfirmWindow: buyConfirm, PoStake: po, MaxPrice: maxPrice}}})
		},
	}
	buy.Flags().StringVar(&buyMax, "max-price", "", "the most to pay, in ucell (required)")
	buy.Flags().StringSliceVar(&buyParams, "param", nil, "a parameter KEY=VALUE for the package (repeatable)")
	buy.Flags().Uint64Var(&buyDelivery, "delivery-window", 100, "blocks to deliver")
	buy.Flags().Uint64Var(&buyConfirm, "confirm-window", 100, "blocks after delivery to close before the order closes by itself")

	cmd.AddCommand(create, cancel, bid, withdraw, deliver, closeCmd, reveal, buy,
		newPostInputReceiptCmd(f), newReportMissingInputsCmd(f))
	cmd.AddCommand(newDisputeTxCmds(f)...)
	return cmd
}

// newDisputeTxCmds are the verifier and dispute commands of `cell tx
// market …`.
func newDisputeTxCmds(f *txFlags) []*cobra.Command {
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
	rootAndSalt := func(args []string) (uint64, []byte, []byte, error) {
		id, err := orderIDArg(args[0])
		if err != nil {
			return 0, nil, nil, err
		}
		root, err := hexArg("OUTPUT_ROOT", args[1], market.HashSize)
		if err != nil {
			return 0, nil, nil, err
		}
		salt, err := hexArg("SALT", args[2], market.HashSize)
		if err != nil {
			return 0, nil, nil, err
		}
		return id, root, salt, nil
	}
	commit := &cobra.Command{
		Use:   "verifier-commit ORDER_ID OUTPUT_ROOT SALT",
		Short: "Commit --from's re-executed output root of a disputed order (only the commitment reaches the chain)",
		Long: `verifier-commit commits --from's output root of a disputed order in the
dispute's current round: market.VerifierCommitment binds the order, the round
(read from the chain) and --from, so nobody can copy it.`,
		Args: exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, root, salt, err := rootAndSalt(args)
			if err != nil {
				return err
			}
			return f.sendBuilt(cmd, func(ctx context.Context, c *client.Client, _ string, from address.Address) ([]*ledgerpb.Msg, error) {
				d, err := c.Dispute(ctx, id)
				if err != nil {
					return nil, fmt.Errorf("dispute of order %d: %w", id, err)
				}
				cm := market.VerifierCommitment(id, d.Round, from, root, salt)
				return []*ledgerpb.Msg{{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: cm[:]}}}}, nil
			})
		},
	}
	reveal := &cobra.Command{
		Use:   "verifier-reveal ORDER_ID OUTPUT_ROOT SALT",
		Short: "Reveal the output root and salt --from committed to",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, root, salt, err := rootAndSalt(args)
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: &ledgerpb.MsgVerifierReveal{OrderId: id, OutputRoot: root, Salt: salt}}})
		},
	}
	release := &cobra.Command{
		Use:   "release-litigation ORDER_ID TO_BUYER TO_PROVIDER",
		Short: "Release the funds of an order under litigation (the governance authority only)",
		Args:  exactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			toBuyer, err := parseAmount(args[1])
			if err != nil {
				return err
			}
			toProvider, err := parseAmount(args[2])
			if err != nil {
				return err
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReleaseLitigation{ReleaseLitigation: &ledgerpb.MsgReleaseLitigation{OrderId: id,
				ToBuyerAmount: toBuyer, ToProviderAmount: toProvider}}})
		},
	}
	return append([]*cobra.Command{register, unregister, newOpenDisputeCmd(f), newRevealDisputeSeedCmd(f), commit, reveal, release}, newDomainVoteTxCmds(f)...)
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
	acc, ok, err := c.AcceptedRoot(ctx)
	if err != nil {
		return nil, fmt.Errorf("accepted root: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("no reputation root has been accepted on chain yet")
	}
	mc, err := repproof.NewClient(minerURL)
	if err != nil {
		return nil, &usageError{fmt.Errorf("--proof-from: %w", err)}
	}
	resp, err := mc.Reputation(ctx, user, d.DomainSkill)
	if err != nil {
		return nil, err
	}
	if _, err := repproof.VerifyReputation(resp, acc, user); err != nil {
		return nil, fmt.Errorf("the miner's answer does not check out against the accepted root of cycle %d: %w", acc.Cycle, err)
	}
	for _, l := range resp.Leaves {
		if l.Skill == d.DomainSkill {
			return l.Proto(user)
		}
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

// newDomainVoteTxCmds are the domain vote commands of `cell tx market
// …`: the vote of reputation holders on a dispute of a protocol package.
func newDomainVoteTxCmds(f *txFlags) []*cobra.Command {
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

// parseOrderParams turns KEY=VALUE flags into the sorted parameter list
// an order carries.
func parseOrderParams(kvs []string) ([]*ledgerpb.OrderParam, error) {
	var out []*ledgerpb.OrderParam
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &usageError{fmt.Errorf("--param %q: want KEY=VALUE", kv)}
		}
		out = append(out, &ledgerpb.OrderParam{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b *ledgerpb.OrderParam) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

func orderIDArg(s string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, &usageError{fmt.Errorf("ORDER_ID %q: want a positive whole number", s)}
	}
	return id, nil
}

func completionCodeArg(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < market.MinCompletionCodeBytes || len(b) > market.MaxCompletionCodeBytes {
		return nil, &usageError{fmt.Errorf("COMPLETION_CODE: want %d to %d bytes in hex", market.MinCompletionCodeBytes, market.MaxCompletionCodeBytes)}
	}
	return b, nil
}

func ratingArgs(starsArg, saltArg string) (uint32, []byte, error) {
	stars, err := strconv.ParseUint(starsArg, 10, 8)
	if err != nil || stars > market.MaxStars {
		return 0, nil, &usageError{fmt.Errorf("STARS %q: want 0 to %d", starsArg, market.MaxStars)}
	}
	salt, err := hexArg("SALT", saltArg, market.HashSize)
	if err != nil {
		return 0, nil, err
	}
	return uint32(stars), salt, nil
}

// newMarketQueryCmd is `cell query market …`.
func newMarketQueryCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "Orders, bids and contracts"}

	order := &cobra.Command{
		Use:   "order ORDER_ID",
		Short: "Show an order with its bids, contract, delivery and ratings",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			r, err := c.Order(cmd.Context(), id)
			if err != nil {
				return err
			}
			out := orderOf(r.Order)
			for _, b := range r.Bids {
				out.Bids = append(out.Bids, bidJSON{Provider: addrString(b.Provider), NodeKey: hex.EncodeToString(b.NodeKey),
					Price: b.Price, Stake: b.Stake, Height: b.Height})
			}
			if g.output == outputJSON {
				return g.json(out)
			}
			printOrder(g, out)
			for _, b := range out.Bids {
				fmt.Fprintf(g.stdout, "  bid  %s  node %s  %d ucell  stake %d  at %d\n", b.Provider, b.NodeKey, b.Price, b.Stake, b.Height)
			}
			return nil
		},
	}

	var buyer, provider, state string
	var start uint64
	var limit uint32
	orders := &cobra.Command{
		Use:   "orders",
		Short: "List orders by --buyer, --provider (its contracts) or --state, by id",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			filter := client.OrdersFilter{StartID: start}
			var err error
			if buyer != "" {
				if filter.Buyer, err = resolveAddress(g, buyer); err != nil {
					return err
				}
			}
			if provider != "" {
				if filter.Provider, err = resolveAddress(g, provider); err != nil {
					return err
				}
			}
			if state != "" {
				if filter.State, err = market.ParseState(state); err != nil {
					return &usageError{fmt.Errorf("--state: %w", err)}
				}
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			return listOrders(g, c.Orders(cmd.Context(), filter), limit)
		},
	}
	orders.Flags().StringVar(&buyer, "buyer", "", "the buyer's address or key name")
	orders.Flags().StringVar(&provider, "provider", "", "the provider's address or key name")
	orders.Flags().StringVar(&state, "state", "", "open, awarded, delivered, closed, disputed, resolved, expired, cancelled or failed")
	orders.Flags().Uint64Var(&start, "start", 0, "the first order id to list")
	orders.Flags().Uint32Var(&limit, "limit", 0, "the most orders to list (0: 100)")

	contracts := &cobra.Command{
		Use:   "open-contracts PROVIDER",
		Short: "List PROVIDER's awarded, delivered and disputed orders",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			return listOrders(g, c.OpenContracts(cmd.Context(), a), 0)
		},
	}
	verifier := &cobra.Command{
		Use:   "verifier NODE_PUBKEY",
		Short: "Show a dispute verifier: operator, stake and open disputes",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := hexArg("NODE_PUBKEY", args[0], registry.NodeKeySize)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			v, err := c.Verifier(cmd.Context(), key)
			if err != nil {
				return err
			}
			out := verifierJSON{NodeKey: hex.EncodeToString(v.NodeKey), Operator: addrString(v.Operator), Stake: v.Stake,
				Height: v.Height, OpenDisputes: v.OpenDisputes}
			if g.output == outputJSON {
				return g.json(out)
			}
			fmt.Fprintf(g.stdout, "verifier %s  operator %s  stake %d ucell  since %d  open disputes %d\n",
				out.NodeKey, out.Operator, out.Stake, out.Height, out.OpenDisputes)
			return nil
		},
	}
	credit := &cobra.Command{
		Use:   "credit ADDRESS",
		Short: "Show an account's store credit in ucell",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := resolveAddress(g, args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			credit, err := c.Credit(cmd.Context(), a)
			if err != nil {
				return err
			}
			if g.output == outputJSON {
				return g.json(struct {
					Address string `json:"address"`
					Credit  uint64 `json:"credit"`
				}{a.String(), credit})
			}
			fmt.Fprintf(g.stdout, "%d\n", credit)
			return nil
		},
	}
	cmd.AddCommand(order, orders, contracts, verifier, credit, newMarketPricesCmd(g, f))
	return cmd
}

type verifierJSON struct {
	NodeKey      string `json:"node_key"`
	Operator     string `json:"operator"`
	Stake        uint64 `json:"stake"`
	Height       int64  `json:"height"`
	OpenDisputes uint32 `json:"open_disputes"`
}

type disputeJSON struct {
	Claim          string   `json:"claim"`
	Outcome        string   `json:"outcome"`
	Stake          uint64   `json:"stake"`
	Round          uint32   `json:"round,omitempty"`
	SeedDeadline   int64    `json:"seed_deadline,omitempty"`
	CommitDeadline int64    `json:"commit_deadline"`
	RevealDeadline int64    `json:"reveal_deadline"`
	Verifiers      []string `json:"verifiers"`
	Verdict        string   `json:"verdict,omitempty"`
	MajorityRoot   string   `json:"majority_root,omitempty"`
	Frozen         uint64   `json:"frozen,omitempty"`
}

// listOrders prints the first limit orders of a list (0: query.MaxPage),
// and the id of the next one, if any, to list more from.
func listOrders(g *globals, orders iter.Seq2[*ledgerpb.Order, error], limit uint32) error {
	if limit == 0 || limit > query.MaxPage {
		limit = query.MaxPage
	}
	out := ordersJSON{Orders: []orderJSON{}}
	for o, err := range orders {
		if err != nil {
			return err
		}
		if len(out.Orders) == int(limit) {
			out.NextID = o.Id
			break
		}
		out.Orders = append(out.Orders, orderOf(o))
	}
	if g.output == outputJSON {
		return g.json(out)
	}
	for _, o := range out.Orders {
		printOrder(g, o)
	}
	if out.NextID != 0 {
		fmt.Fprintf(g.stdout, "more from --start %d\n", out.NextID)
	}
	return nil
}

type bidJSON struct {
	Provider string `json:"provider"`
	NodeKey  string `json:"node_key"`
	Price    uint64 `json:"price"`
	Stake    uint64 `json:"stake"`
	Height   int64  `json:"height"`
}

type orderJSON struct {
	ID               uint64 `json:"id"`
	Buyer            string `json:"buyer"`
	PackageID        string `json:"package_id"`
	InputRoot        string `json:"input_root"`
	State            string `json:"state"`
	MaxPrice         uint64 `json:"max_price"`
	POStake          uint64 `json:"po_stake"`
	Direct           bool   `json:"direct"`
	CreatedHeight    int64  `json:"created_height"`
	BidDeadline      int64  `json:"bid_deadline"`
	Provider         string `json:"provider,omitempty"`
	Price            uint64 `json:"price,omitempty"`
	BidStake         uint64 `json:"bid_stake,omitempty"`
	DeliveryDeadline int64  `json:"delivery_deadline,omitempty"`
	// InputReceiptHeight is where the provider's input receipt was
	// shown; MissingInputsDeadline ends the contest window of its report
	// of missing inputs.
	InputReceiptHeight    int64  `json:"input_receipt_height,omitempty"`
	MissingInputsDeadline int64  `json:"missing_inputs_deadline,omitempty"`
	FailReason            string `json:"fail_reason,omitempty"`
	OutputRoot            string `json:"output_root,omitempty"`
	// Result and ExitCode are how the delivered run ended.
	Result          string       `json:"result,omitempty"`
	ExitCode        uint32       `json:"exit_code,omitempty"`
	ConfirmDeadline int64        `json:"confirm_deadline,omitempty"`
	RevealDeadline  int64        `json:"reveal_deadline,omitempty"`
	RatingsFinal    bool         `json:"ratings_final,omitempty"`
	Dispute         *disputeJSON `json:"dispute,omitempty"`
	Bids            []bidJSON    `json:"bids,omitempty"`
}

type ordersJSON struct {
	Orders []orderJSON `json:"orders"`
	NextID uint64      `json:"next_id"`
}

func orderOf(o *ledgerpb.Order) orderJSON {
	j := orderJSON{ID: o.Id, Buyer: addrString(o.Buyer), PackageID: hex.EncodeToString(o.PackageId), InputRoot: hex.EncodeToString(o.InputRoot),
		State: market.StateName(o.State), MaxPrice: o.MaxPrice, POStake: o.PoStake, Direct: o.Direct,
		CreatedHeight: o.CreatedHeight, BidDeadline: o.BidDeadline}
	if c := o.Contract; c != nil {
		j.Provider, j.Price, j.BidStake, j.DeliveryDeadline = addrString(c.Provider), c.Price, c.BidStake, c.DeliveryDeadline
		j.InputReceiptHeight, j.MissingInputsDeadline = c.InputReceiptHeight, c.MissingInputsDeadline
	}
	j.FailReason = market.FailReasonName(o.FailReason)
	if d := o.Delivery; d != nil {
		j.OutputRoot, j.ConfirmDeadline, j.Result, j.ExitCode = hex.EncodeToString(d.OutputRoot), d.ConfirmDeadline, market.RunResultName(d.Result), d.ExitCode
	}
	if r := o.Ratings; r != nil {
		j.RevealDeadline, j.RatingsFinal = r.RevealDeadline, r.Final
	}
	if d := o.Dispute; d != nil {
		j.Dispute = &disputeJSON{Claim: market.ClaimName(d.Claim), Outcome: market.OutcomeName(d.Outcome),
			Stake: d.Stake, Round: d.Round, SeedDeadline: d.SeedDeadline, CommitDeadline: d.CommitDeadline, RevealDeadline: d.RevealDeadline,
			Verifiers: []string{}, Verdict: market.VerdictName(d.Verdict), MajorityRoot: hex.EncodeToString(d.MajorityRoot), Frozen: d.Frozen}
		for _, v := range d.Verifiers {
			j.Dispute.Verifiers = append(j.Dispute.Verifiers, hex.EncodeToString(v.NodeKey))
		}
	}
	return j
}

func printOrder(g *globals, o orderJSON) {
	fmt.Fprintf(g.stdout, "order %d  %s  buyer %s  package %s  max %d ucell  po stake %d  created %d",
		o.ID, o.State, o.Buyer, o.PackageID, o.MaxPrice, o.POStake, o.CreatedHeight)
	if o.Provider != "" {
		fmt.Fprintf(g.stdout, "  provider %s  price %d  bid stake %d  deliver by %d", o.Provider, o.Price, o.BidStake, o.DeliveryDeadline)
	}
	fmt.Fprintln(g.stdout)
}

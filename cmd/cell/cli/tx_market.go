package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/registry"
)

// newTxMarketCmd is `cell tx market …`: purchase orders, bids, delivery,
// close and ratings (ledger/market has the rules).
func newTxMarketCmd(g *globals, f *txFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "Purchase orders, bids, deliveries, closes and ratings"}
	cmd.AddCommand(newTxMarketCreateOrderCmd(g, f), newTxMarketCancelOrderCmd(g, f), newTxMarketBidCmd(g, f), newTxMarketWithdrawBidCmd(g, f), newTxMarketDeliverCmd(g, f), newTxMarketCloseCmd(g, f), newTxMarketRevealRatingCmd(g, f), newTxMarketBuyOfferingCmd(g, f),
		newTxMarketPostInputReceiptCmd(f), newTxMarketReportMissingInputsCmd(f))
	cmd.AddCommand(newTxMarketDisputeCmds(f)...)
	return cmd
}

func newTxMarketCreateOrderCmd(g *globals, f *txFlags) *cobra.Command {
	var params []string
	var bidWindow, deliveryWindow, confirmWindow, minRep, inputBytes uint64
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
				UseCredit: useCredit, InputBytes: inputBytes}}})
		},
	}
	create.Flags().StringSliceVar(&params, "param", nil, "a parameter KEY=VALUE for the package (repeatable)")
	create.Flags().Uint64Var(&bidWindow, "bid-window", 10, "blocks during which providers bid")
	create.Flags().Uint64Var(&inputBytes, "input-bytes", 0, "the total size of the input files in bytes, which nodes price by and check (0: not declared)")
	create.Flags().Uint64Var(&deliveryWindow, "delivery-window", 100, "blocks after the award to deliver")
	create.Flags().Uint64Var(&confirmWindow, "confirm-window", 100, "blocks after delivery to close before the order closes by itself")
	create.Flags().Uint64Var(&minRep, "min-provider-reputation", 0, "smallest provider reputation (stored, not enforced yet)")
	create.Flags().BoolVar(&useCredit, "use-credit", false, "pay from --from's store credit first")
	return create
}

func newTxMarketCancelOrderCmd(g *globals, f *txFlags) *cobra.Command {
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
	return cancel
}

func newTxMarketBidCmd(g *globals, f *txFlags) *cobra.Command {
	var botspec string
	bid := &cobra.Command{
		Use:   "bid ORDER_ID NODE_PUBKEY PRICE STAKE",
		Short: "Bid PRICE (ucell) on an open order with a node of --from, staking STAKE (ucell)",
		Long: `bid bids PRICE (ucell) on an open order with a node of --from, staking STAKE
(ucell). A bid on an order of a protocol package names, with --botspec, the
id of the BotSpec that runs it: one the node announced.`,
		Args: exactArgs(4),
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
			var spec []byte
			if botspec != "" {
				if spec, err = hexArg("--botspec", botspec, market.HashSize); err != nil {
					return err
				}
			}
			return f.send(cmd, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{OrderId: id, NodeKey: key, Price: price, Stake: stake, BotspecId: spec}}})
		},
	}
	bid.Flags().StringVar(&botspec, "botspec", "", "the BotSpec id (32 bytes in hex) of a bid on a protocol order")
	return bid
}

func newTxMarketWithdrawBidCmd(g *globals, f *txFlags) *cobra.Command {
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
	return withdraw
}

func newTxMarketDeliverCmd(g *globals, f *txFlags) *cobra.Command {
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
	return deliver
}

func newTxMarketCloseCmd(g *globals, f *txFlags) *cobra.Command {
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
	return closeCmd
}

func newTxMarketRevealRatingCmd(g *globals, f *txFlags) *cobra.Command {
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
	return reveal
}

func newTxMarketBuyOfferingCmd(g *globals, f *txFlags) *cobra.Command {
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
	return buy
}

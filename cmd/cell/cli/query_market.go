package cli

import (
	"encoding/hex"
	"fmt"
	"iter"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/ledger/registry"
	"github.com/spf13/cobra"
)

// newQueryMarketCmd is `cell query market …`.
func newQueryMarketCmd(g *globals, f *nodeFlags) *cobra.Command {
	cmd := &cobra.Command{Use: "market", Short: "Orders, bids and contracts"}
	cmd.AddCommand(newQueryMarketOrderCmd(g, f), newQueryMarketOrdersCmd(g, f), newQueryMarketOpenContractsCmd(g, f), newQueryMarketVerifierCmd(g, f), newQueryMarketCreditCmd(g, f), newMarketPricesCmd(g, f))
	return cmd
}

func newQueryMarketOrderCmd(g *globals, f *nodeFlags) *cobra.Command {
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
				return g.json("order", out)
			}
			printOrder(g, out)
			for _, b := range out.Bids {
				fmt.Fprintf(g.stdout, "  bid  %s  node %s  %d ucell  stake %d  at %d\n", b.Provider, b.NodeKey, b.Price, b.Stake, b.Height)
			}
			return nil
		},
	}
	return order
}

func newQueryMarketOrdersCmd(g *globals, f *nodeFlags) *cobra.Command {
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
	return orders
}

func newQueryMarketOpenContractsCmd(g *globals, f *nodeFlags) *cobra.Command {
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
	return contracts
}

func newQueryMarketVerifierCmd(g *globals, f *nodeFlags) *cobra.Command {
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
				return g.json("verifier", out)
			}
			fmt.Fprintf(g.stdout, "verifier %s  operator %s  stake %d ucell  since %d  open disputes %d\n",
				out.NodeKey, out.Operator, out.Stake, out.Height, out.OpenDisputes)
			return nil
		},
	}
	return verifier
}

func newQueryMarketCreditCmd(g *globals, f *nodeFlags) *cobra.Command {
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
				return g.json("credit", struct {
					Address string `json:"address"`
					Credit  uint64 `json:"credit"`
				}{a.String(), credit})
			}
			fmt.Fprintf(g.stdout, "%d\n", credit)
			return nil
		},
	}
	return credit
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
	page, next, err := client.Take(orders, int(limit))
	if err != nil {
		return err
	}
	out := ordersJSON{Items: []orderJSON{}}
	for _, o := range page {
		out.Items = append(out.Items, orderOf(o))
	}
	if next != nil {
		out.NextID = (*next).Id
	}
	if g.output == outputJSON {
		return g.json("order-list", out)
	}
	for _, o := range out.Items {
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

// ordersJSON is a page of orders: NextID is the id to list more from
// (--start), 0 after the last page.
type ordersJSON struct {
	Items  []orderJSON `json:"items"`
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

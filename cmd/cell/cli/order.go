package cli

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/celltonomy/celltonomy/client/keyring"
	"github.com/celltonomy/celltonomy/client/order"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
)

// buyerKey is the default --from of the order commands.
const buyerKey = "buyer"

// orderRunFlags are the flags of `cell order run`.
type orderRunFlags struct {
	inputs, params []string
	maxPrice       string
	stake          string
	disputeStake   string
	disputeOutcome string
	replicas       uint32
	minReputation  uint64
	out            string
	offering       string
	stars          uint32
	// starsSet says whether --stars was given; without it the rating
	// depends on how the run ended (order.Request.Stars).
	starsSet       bool
	bidWindow      uint64
	deliveryWindow uint64
	confirmWindow  uint64
	noWaitFinal    bool
	noClose        bool
	detach         bool
	onFailure      string
}

// newOrderCmd is `cell order …`: the buyer's side of ordering a package
// run (client/order).
func newOrderCmd(g *globals) *cobra.Command {
	f := &txFlags{nodeFlags: nodeFlags{g: g}, pass: passphrases{g: g}}
	cmd := &cobra.Command{
		Use:   "order",
		Short: "Order package runs from providers: run, show, list, close, dispute, cancel",
		Long: `order is the buyer's side of the market. "cell order run" posts a purchase
order for a package, follows it to the award, sends the inputs to the winning
node, downloads and verifies the results against the output root delivered on
chain, closes the order with the completion code and rates the provider; a
result that does not verify is disputed instead.

The order commands sign with --from: the keyring key "buyer" unless given,
or unless CELL_KEY or the profile's key names another (cell config).
Amounts are in ucell, windows in blocks.`,
	}
	f.register(cmd)
	if fl := cmd.PersistentFlags().Lookup("from"); fl != nil {
		fl.DefValue = buyerKey
		fl.Value.Set(buyerKey)
	}
	cmd.AddCommand(newOrderRunCmd(g, f), newOrderShowCmd(g, f), newOrderListCmd(g, f), newOrderCloseCmd(g, f),
		newOrderDisputeCmd(g, f), newOrderCancelCmd(g, f), newOrderAttachCmd(g, f), newOrderLogsCmd(g, f), newOrderGetCmd(g, f), newOrderQuoteCmd(g, f))
	return cmd
}

// buyer opens the --from key and the chain client.
func (f *txFlags) buyer(cmd *cobra.Command) (*order.Buyer, error) {
	priv, err := signingKey(cmd, f.g, f.from, &f.pass)
	if err != nil {
		// A newcomer running a devnet orders with the devnet's buyer key.
		if dev := filepath.Join(baseDir(), "devnet"); f.g.home != dev {
			if _, serr := os.Stat(filepath.Join(keyring.Dir(dev), f.from+".json")); serr == nil {
				return nil, fmt.Errorf("%w (the devnet's keys are in %s: run cell config use devnet, or add --home %s)", err, keyring.Dir(dev), dev)
			}
		}
		return nil, err
	}
	c, err := f.client()
	if err != nil {
		return nil, err
	}
	b, err := order.NewBuyer(cmd.Context(), c, priv)
	if err != nil {
		return nil, err
	}
	if cmd.Flags().Changed("fee") {
		b.Fee = f.fee
	}
	b.StateDir = ordersDir(f.g.home)
	b.OnRetry = func(what string, err error, wait time.Duration) {
		fmt.Fprintf(f.g.stderr, "the chain's RPC did not answer (%s: %v); retrying in %s\n", what, err, wait.Round(time.Millisecond))
	}
	return b, nil
}

// orderRunLong is the help text of `cell order run`.
const orderRunLong = `run orders one run of PACKAGE: a package directory (with cell.toml), a
.cellpkg file, or the id of a registered package (64 hex digits). A package
that is not registered is first published with --from as its author, its
blob stored on every active node.

With --offering VENDOR (a cell1… address or a key name), run buys VENDOR's
offering of the package instead of taking bids: the order is awarded at once
to the offering's node at its price, which must not exceed --max-price, and
the delivery window defaults to the offering's lead time.

Inputs and parameters are checked against the package before any funds move.
The node's signed receipt of the inputs is kept in HOME/orders/ORDER_ID.json
and posted on chain only if needed: to answer a report that the inputs never
arrived, or near the delivery deadline when nothing is delivered (a missed
delivery then pays you part of the provider's stake). The results are
verified against the output root delivered on chain and written to
OUT/ORDER_ID/ (OUT is --out, by default ~/.cell/results/CHAIN_ID): outputs/
(the files the run left under /outputs), stdout.txt, stderr.txt and
receipt.json. Results that do not verify are disputed (claim
wrong-result, outcome refund, stake --dispute-stake): the dispute's seed chain
is kept with the order, its seeds revealed round by round, and the inputs sent
to the verifiers each seed draws. A run that ended in a trap or a limit of the
package is shown with its stderr. An unreachable chain RPC is retried, with a
line on stderr.

A run whose package failed (it exited with a non-zero code, or ended in a trap
or a limit) is shown with its stderr and is not rated by itself: on a terminal
you are asked whether to close (pay, 3 stars unless --stars), dispute, or leave
it; --on-failure close|dispute|ask decides instead (ask without a terminal
leaves the order delivered: decide later with cell order close, cell order
dispute or cell order attach, before its confirm deadline).

A protocol package (a lab protocol run by a provider's bot) takes parameters
and no inputs; its protocol is filled and validated before any funds move. The
live display shows the bot's progress, instruction by instruction. The
delivery's datasets, signed event log and the BotSpec its bid named are held to
the conformance check (and, for a simulated bot, a replay); a violation is
disputed (claim not-to-spec) with the violation as its reason. The result shows
the instruction timeline, the gel bands, the OD600 reads, and where the event
log (eventlog.bin) and the shipping label (label.png) were written.

With --detach, run returns once the order is awarded and the winning node
holds the inputs; cell order attach ORDER_ID follows it later. Ctrl-C at any
step leaves the order going on on chain and its state kept in
HOME/orders/ORDER_ID.json; cell says what is due by which height, and
cell order attach ORDER_ID resumes it (uploads the inputs, downloads, closes,
reveals the rating).

On a terminal a live line shows each stage; otherwise each stage is one line.
With --output json each stage is one JSON object per line, then the result.

Exit codes: 0 the order ended well (or, with --detach, runs); 1 the order
expired, failed, ended in a dispute, or delivered a result that cannot be
verified here; 2 a usage error; the package's own exit code when its run
exited non-zero, and 125 when it ended in a trap or a limit; 130 interrupted
(Ctrl-C) with the order resumable by cell order attach.`

func newOrderRunCmd(g *globals, f *txFlags) *cobra.Command {
	var rf orderRunFlags
	cmd := &cobra.Command{
		Use:   "run PACKAGE --input NAME=FILE... [--param KEY=VALUE]... --max-price P",
		Short: "Order a run of PACKAGE and follow it to the results, the close and the final ratings",
		Long:  orderRunLong,
		Example: `  cell order run examples/digest --input genome=examples/data/lambda.fa --param ENZYMES=EcoRI --max-price 500000
  cell order run 3f2a…c9 -i genome=lambda.fa -p ENZYMES=EcoRI,BamHI --max-price 1000000 --out results --stars 4
  cell order run 3f2a…c9 -i genome=lambda.fa -p ENZYMES=EcoRI --offering cell1vendor… --max-price 600000
  cell order run examples/protocols/lambda-digest-gel --param ENZYME=HindIII --max-price 500000`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rf.starsSet = cmd.Flags().Changed("stars")
			req, err := rf.request(args[0])
			if err != nil {
				return err
			}
			if rf.offering != "" {
				vendor, err := resolveAddress(g, rf.offering)
				if err != nil {
					return &usageError{fmt.Errorf("--offering: %w", err)}
				}
				req.Offering = vendor.String()
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			if req.OutDir == "" {
				req.OutDir = resultsDir(b.ChainID)
			}
			p := newProgress(g)
			req.Progress, req.Ask = p.step, p.ask
			res, err := b.Run(cmd.Context(), req)
			p.done()
			if err := p.result(res, err); err != nil {
				return err
			}
			if req.Detach && res != nil && g.output != outputJSON {
				fmt.Fprintf(g.stdout, "detached: the node runs order %d; follow it with cell order logs %d --follow, collect it with cell order attach %d\n",
					res.OrderID, res.OrderID, res.OrderID)
			}
			return nil
		},
	}
	rf.register(cmd.Flags())
	return cmd
}

// register declares the flags of `cell order run`.
func (rf *orderRunFlags) register(fl *pflag.FlagSet) {
	fl.StringArrayVarP(&rf.inputs, "input", "i", nil, "input file as NAME=FILE (repeatable)")
	fl.StringArrayVarP(&rf.params, "param", "p", nil, "parameter as KEY=VALUE (repeatable)")
	fl.StringVar(&rf.maxPrice, "max-price", "", "the most to pay, in ucell (required)")
	fl.StringVar(&rf.stake, "stake", "", "PO stake in ucell (default: the chain's min_po_stake)")
	fl.StringVar(&rf.disputeOutcome, "dispute-outcome", "refund", "outcome asked for if the results do not verify: refund, redo, redo-by-another, store-credit or litigation")
	fl.StringVar(&rf.disputeStake, "dispute-stake", "", "stake of a dispute opened when the results do not verify (default: the chain's min_dispute_stake)")
	fl.Uint32Var(&rf.replicas, "replicas", 1, "replication factor")
	fl.Uint64Var(&rf.minReputation, "min-reputation", 0, "admit only providers proving at least this reputation in the package's skill")
	fl.StringVar(&rf.out, "out", "", outFlagUsage)
	fl.StringVar(&rf.offering, "offering", "", "buy this vendor's offering of the package (an address or a key name) instead of taking bids")
	fl.Uint32Var(&rf.stars, "stars", order.DefaultStars, "your rating of the provider, 0 to 5 (default 5, or 3 for a run that ended in a trap or a limit)")
	fl.Uint64Var(&rf.bidWindow, "bid-window", order.DefaultBidWindow, "blocks during which providers bid")
	fl.Uint64Var(&rf.deliveryWindow, "delivery-window", 0, fmt.Sprintf("blocks after the award to deliver (default %d, or the offering's lead time)", order.DefaultDeliveryWindow))
	fl.Uint64Var(&rf.confirmWindow, "confirm-window", order.DefaultConfirmWindow, "blocks after the delivery to close or dispute")
	fl.BoolVar(&rf.noWaitFinal, "no-wait-final", false, "return after revealing the rating, without waiting for the reveal window to end")
	fl.BoolVar(&rf.detach, "detach", false, "return once the order is awarded and the node holds the inputs; follow it later with `cell order attach ORDER_ID`")
	fl.StringVar(&rf.onFailure, "on-failure", string(order.OnFailureAsk), "when the package fails (non-zero exit, trap, limit): close (pay, rate 3 stars unless --stars), dispute, or ask (on a terminal; otherwise leave the order to decide later)")
	fl.BoolVar(&rf.noClose, "no-close", false, "stop once the outputs are verified and written, without closing: close with `cell order close`, or dispute with `cell order dispute`, before the confirm deadline")
}

// request turns the flags of `cell order run PACKAGE` into a request;
// errors are usage errors naming the flag.
func (rf *orderRunFlags) request(pkg string) (order.Request, error) {
	inputs, err := pairs("--input", rf.inputs)
	if err != nil {
		return order.Request{}, err
	}
	params, err := pairs("--param", rf.params)
	if err != nil {
		return order.Request{}, err
	}
	if rf.maxPrice == "" {
		return order.Request{}, &usageError{errors.New("--max-price: required: the most to pay, in ucell")}
	}
	req := order.Request{Package: pkg, Inputs: inputs, Params: params, Replication: rf.replicas, OutDir: rf.out,
		BidWindow: rf.bidWindow, DeliveryWindow: rf.deliveryWindow, ConfirmWindow: rf.confirmWindow, NoWaitFinal: rf.noWaitFinal, NoClose: rf.noClose,
		MinProviderReputation: rf.minReputation}
	if req.MaxPrice, err = optionalAmount("--max-price", rf.maxPrice); err != nil {
		return req, err
	}
	if req.MaxPrice == 0 {
		return req, &usageError{errors.New("--max-price: must be positive")}
	}
	if req.POStake, err = optionalAmount("--stake", rf.stake); err != nil {
		return req, err
	}
	if req.DisputeStake, err = optionalAmount("--dispute-stake", rf.disputeStake); err != nil {
		return req, err
	}
	if rf.disputeOutcome != "" {
		if req.DisputeOutcome, err = market.ParseOutcome(rf.disputeOutcome); err != nil {
			return req, &usageError{fmt.Errorf("--dispute-%w", err)}
		}
	}
	if rf.stars > market.MaxStars {
		return req, &usageError{fmt.Errorf("--stars %d: want 0 to %d", rf.stars, market.MaxStars)}
	}
	if rf.starsSet {
		stars := rf.stars
		req.Stars = &stars
	}
	if rf.replicas == 0 {
		return req, &usageError{errors.New("--replicas: must be at least 1")}
	}
	if req.OnFailure, err = order.ParseOnFailure(rf.onFailure); err != nil {
		return req, &usageError{fmt.Errorf("--on-failure: %w", errors.Unwrap(err))}
	}
	req.Detach = rf.detach
	return req, nil
}

func newOrderShowCmd(g *globals, f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show ORDER_ID",
		Short: "Show an order: bids, contract, delivery, dispute, and the provider node's job",
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
			d, err := order.Show(cmd.Context(), c, nil, id)
			if err != nil {
				return err
			}
			out := struct {
				orderJSON
				Endpoint string `json:"endpoint,omitempty"`
				Job      any    `json:"job,omitempty"`
				JobError string `json:"job_error,omitempty"`
			}{orderJSON: orderOf(d.Order), Endpoint: d.Endpoint, JobError: d.JobError}
			if d.Job != nil {
				out.Job = d.Job
			}
			for _, b := range d.Bids {
				out.Bids = append(out.Bids, bidJSON{Provider: addrString(b.Provider), NodeKey: hex.EncodeToString(b.NodeKey),
					Price: b.Price, Stake: b.Stake, Height: b.Height})
			}
			if g.output == outputJSON {
				return g.json("order", out)
			}
			printOrder(g, out.orderJSON)
			for _, b := range out.Bids {
				fmt.Fprintf(g.stdout, "  bid  %s  node %s  %d ucell  stake %d  at %d\n", b.Provider, b.NodeKey, b.Price, b.Stake, b.Height)
			}
			if out.InputReceiptHeight > 0 {
				fmt.Fprintf(g.stdout, "  input receipt shown at %d\n", out.InputReceiptHeight)
			}
			if out.MissingInputsDeadline > 0 {
				fmt.Fprintf(g.stdout, "  inputs reported missing; the report stands unless answered before %d\n", out.MissingInputsDeadline)
			}
			if out.OutputRoot != "" {
				fmt.Fprintf(g.stdout, "  delivered output root %s  run %s  confirm by %d\n", out.OutputRoot, out.Result, out.ConfirmDeadline)
			}
			if out.FailReason != "" {
				fmt.Fprintf(g.stdout, "  failed: %s\n", out.FailReason)
			}
			if r := d.Order.GetRatings(); r != nil {
				fmt.Fprintf(g.stdout, "  ratings  buyer %s  provider %s  final %v (reveal by %d)\n",
					revealed(r.BuyerRevealed, r.BuyerStars), revealed(r.ProviderRevealed, r.ProviderStars), r.Final, r.RevealDeadline)
			}
			if dp := out.Dispute; dp != nil {
				fmt.Fprintf(g.stdout, "  dispute  %s → %s  stake %d  round %d  verifiers %s  verdict %s\n", dp.Claim, dp.Outcome, dp.Stake,
					dp.Round, orDash(strings.Join(dp.Verifiers, ",")), orDash(dp.Verdict))
				if dp.SeedDeadline > 0 {
					fmt.Fprintf(g.stdout, "  the seed of round %d is due by %d\n", dp.Round, dp.SeedDeadline)
				}
			}
			switch {
			case d.Job != nil:
				fmt.Fprintf(g.stdout, "  node %s  job %s", d.Endpoint, d.Job.State)
				if d.Job.Error != "" {
					fmt.Fprintf(g.stdout, ": %s", d.Job.Error)
				}
				fmt.Fprintln(g.stdout)
			case d.JobError != "":
				fmt.Fprintf(g.stdout, "  node %s  job unknown: %s\n", orDash(d.Endpoint), d.JobError)
			}
			return nil
		},
	}
}

func revealed(ok bool, stars uint32) string {
	if !ok {
		return "not revealed"
	}
	return fmt.Sprintf("%d stars", stars)
}

func newOrderListCmd(g *globals, f *txFlags) *cobra.Command {
	var state string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the orders of --from (a key name or an address), optionally in one --state",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			var st ledgerpb.OrderState
			if state != "" {
				s, err := market.ParseState(state)
				if err != nil {
					return &usageError{fmt.Errorf("--state: %w", err)}
				}
				st = s
			}
			buyer, err := resolveAddress(g, f.from)
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			orders, err := order.List(cmd.Context(), c, buyer, st)
			if err != nil {
				return err
			}
			out := []orderJSON{}
			for _, o := range orders {
				out = append(out, orderOf(o))
			}
			if g.output == outputJSON {
				return g.json("order", out)
			}
			for _, o := range out {
				printOrder(g, o)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "open, awarded, delivered, closed, disputed, resolved, expired, cancelled or failed")
	return cmd
}

func newOrderCloseCmd(g *globals, f *txFlags) *cobra.Command {
	var stars uint32
	var out, disputeStake string
	var inputs []string
	var noWaitFinal bool
	cmd := &cobra.Command{
		Use:   "close ORDER_ID",
		Short: "Download and verify the results of a delivered order, close it and rate the provider",
		Long: `close fetches the results of a delivered order of --from from the provider's
node, verifies them against the output root delivered on chain, writes them
to OUT/ORDER_ID/, closes the order with the completion code and reveals
--stars. Results that do not verify are disputed instead; give the order's
inputs with --input so that the drawn verifiers can re-run it. A run that
ended in a trap or a limit of the package, which cannot always be verified
here, is closed as you asked (3 stars unless --stars says otherwise). An
order closed earlier whose rating was not revealed gets it revealed.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			if stars > market.MaxStars {
				return &usageError{fmt.Errorf("--stars %d: want 0 to %d", stars, market.MaxStars)}
			}
			opt := order.CloseOptions{OutDir: out, NoWaitFinal: noWaitFinal}
			if cmd.Flags().Changed("stars") {
				opt.Stars = &stars
			}
			if opt.DisputeStake, err = optionalAmount("--dispute-stake", disputeStake); err != nil {
				return err
			}
			if len(inputs) > 0 {
				if opt.Inputs, err = pairs("--input", inputs); err != nil {
					return err
				}
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			if opt.OutDir == "" {
				opt.OutDir = resultsDir(b.ChainID)
			}
			p := newProgress(g)
			opt.Progress = p.step
			res, err := b.Close(cmd.Context(), id, opt)
			p.done()
			return p.result(res, err)
		},
	}
	cmd.Flags().Uint32Var(&stars, "stars", order.DefaultStars, "your rating of the provider, 0 to 5 (default 5, or 3 for a run that ended in a trap or a limit)")
	cmd.Flags().StringVar(&out, "out", "", outFlagUsage)
	cmd.Flags().StringArrayVarP(&inputs, "input", "i", nil, "the order's input file as NAME=FILE, for verifiers should the results not verify (repeatable)")
	cmd.Flags().StringVar(&disputeStake, "dispute-stake", "", "stake of a dispute opened when the results do not verify (default: the chain's min_dispute_stake)")
	cmd.Flags().BoolVar(&noWaitFinal, "no-wait-final", false, "return after revealing the rating")
	return cmd
}

func newOrderDisputeCmd(g *globals, f *txFlags) *cobra.Command {
	var claim, outcome, stake string
	var inputs []string
	var wait bool
	cmd := &cobra.Command{
		Use:   "dispute ORDER_ID",
		Short: "Dispute a delivered order, or follow a disputed one; with --input the drawn verifiers get the inputs",
		Long: `dispute opens a dispute of a delivered order of --from. For a compute package
it makes a seed chain, keeps it in HOME/orders/ORDER_ID.json, and reveals the
first round's seed in the next block, which draws the verifiers; with --wait
it reveals the seed of every later round too and follows the dispute to its
verdict. On an order disputed already, dispute goes on from where it is: it
reveals the seed a round waits for (after an interruption, say) and sends
--input to the verifiers drawn.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			opt := order.DisputeOptions{Wait: wait}
			if opt.Claim, err = market.ParseClaim(claim); err != nil {
				return &usageError{fmt.Errorf("--%w", err)}
			}
			if opt.Outcome, err = market.ParseOutcome(outcome); err != nil {
				return &usageError{fmt.Errorf("--%w", err)}
			}
			if opt.Stake, err = optionalAmount("--stake", stake); err != nil {
				return err
			}
			if len(inputs) > 0 {
				if opt.Inputs, err = pairs("--input", inputs); err != nil {
					return err
				}
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			p := newProgress(g)
			opt.Progress = p.step
			res, err := b.Dispute(cmd.Context(), id, opt)
			p.done()
			return p.result(res, err)
		},
	}
	cmd.Flags().StringVar(&claim, "claim", "wrong-result", "wrong-result, not-received, not-to-spec or too-slow")
	cmd.Flags().StringVar(&outcome, "outcome", "refund", "what you get if you win: refund, redo, redo-by-another, store-credit or litigation")
	cmd.Flags().StringVar(&stake, "stake", "", "dispute stake in ucell (default: the chain's min_dispute_stake)")
	cmd.Flags().StringArrayVarP(&inputs, "input", "i", nil, "the order's input file as NAME=FILE, sent to the drawn verifiers (repeatable)")
	cmd.Flags().BoolVar(&wait, "wait", false, "follow the dispute to its verdict, revealing every round's seed")
	return cmd
}

func newOrderCancelCmd(g *globals, f *txFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "cancel ORDER_ID",
		Short: "Cancel an open order of --from; max price and PO stake return",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := orderIDArg(args[0])
			if err != nil {
				return err
			}
			b, err := f.buyer(cmd)
			if err != nil {
				return err
			}
			p := newProgress(g)
			res, err := b.Cancel(cmd.Context(), id, p.step)
			p.done()
			return p.result(res, err)
		},
	}
}

// optionalAmount parses an amount flag; empty is 0 (the default).
func optionalAmount(flag, s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	v, err := parseAmount(s)
	if err != nil {
		return 0, &usageError{fmt.Errorf("%s: %w", flag, errors.Unwrap(err))}
	}
	return v, nil
}

// progress renders the steps of an order: a live spinner line on a
// terminal, one line per step otherwise, one JSON object per step with
// --output json.
type progress struct {
	g   *globals
	out io.Writer
	bar *progressbar.ProgressBar
}

// lockedWriter serializes the spinner's writes and the step lines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(g *globals) *progress {
	p := &progress{g: g, out: g.stdout}
	if g.output != outputJSON && isTerminal(g.stdout) {
		lw := &lockedWriter{w: g.stdout}
		p.out = lw
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(lw), progressbar.OptionSpinnerType(14),
			progressbar.OptionSetDescription("checking the request"), progressbar.OptionSetElapsedTime(true),
			progressbar.OptionClearOnFinish(), progressbar.OptionSetRenderBlankState(true),
			progressbar.OptionSetSpinnerChangeInterval(120*time.Millisecond))
	}
	return p
}

// step shows one step.
func (p *progress) step(s order.Step) {
	switch {
	case p.g.output == outputJSON:
		jsonLine(p.out, "order-step", s)
	case p.bar != nil:
		// Clear the spinner's line, print the step, and let the spinner
		// describe what comes next.
		fmt.Fprintf(p.out, "\r\x1b[K✓ %s\n", s)
		if next := s.Waiting(); next != "" {
			p.bar.Describe(next)
		}
	default:
		fmt.Fprintf(p.out, "%s\n", s)
	}
}

// done removes the spinner.
func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Exit()
		fmt.Fprint(p.out, "\r\x1b[K")
	}
}

// orderResultJSON is the result line of --output json, after the steps;
// an error object follows it when the command fails (output.go).
type orderResultJSON struct {
	Step   string        `json:"step"`
	Result *order.Result `json:"result"`
	Error  string        `json:"error,omitempty"`
}

// Exit codes of the order commands besides 0, 1 and 2 (see `cell order
// run --help`): a run that ended in a trap or a limit, as `cell run`; an
// interruption that left the order resumable. A run that exited non-zero
// passes on the package's code.
const (
	exitNotExitedOrder = exitNotExited
	exitInterrupted    = 130
)

// result prints the end of an order command and returns its error: a
// request refused before any funds moved is a usage error; an
// interruption says how to resume and exits with exitInterrupted; a
// failed package run exits with its code (exitCodeOf).
func (p *progress) result(res *order.Result, err error) error {
	g := p.g
	var fe *order.FieldError
	if errors.As(err, &fe) && res == nil {
		return &usageError{err}
	}

	if g.output == outputJSON {
		v := orderResultJSON{Step: "result", Result: res}
		if err != nil {
			v.Error = err.Error()
		}
		if jerr := jsonLine(g.stdout, "order-result", v); jerr != nil {
			return jerr
		}
	} else if res != nil {
		printOrderResult(g.stdout, res)
	}
	return exitOf(g, res, err)
}

// exitOf returns the error an order command ends with: err, or, after
// printing err with what to do, an ExitError with the code of an
// interruption or of a failed package run.
func exitOf(g *globals, res *order.Result, err error) error {
	var ie *order.InterruptedError
	switch {
	case errors.As(err, &ie):
		fmt.Fprintf(g.stderr, "cell: %v\n", err)
		if ie.OrderID != 0 {
			fmt.Fprintf(g.stderr, "resume with: cell order attach %d\n", ie.OrderID)
		}
		return &ExitError{Code: exitInterrupted}
	case errors.Is(err, order.ErrPackageFailed) && res != nil:
		fmt.Fprintf(g.stderr, "cell: %v\n", err)
		if res.State == market.StateName(ledgerpb.OrderState_ORDER_STATE_DELIVERED) {
			fmt.Fprintf(g.stderr, "decide with: cell order close %d (accept and pay), or cell order dispute %d\n", res.OrderID, res.OrderID)
		}
		return &ExitError{Code: exitCodeOf(res)}
	}
	return err
}

// exitCodeOf is cell's exit code for a failed package run: the package's
// own code (at most 255) when it exited, exitNotExitedOrder otherwise.
func exitCodeOf(res *order.Result) int {
	if res.RunResult != "" && res.RunResult != "exited" {
		return exitNotExitedOrder
	}
	if res.ExitCode == 0 {
		return 1
	}
	return int(min(res.ExitCode, 255))
}

// ask asks the buyer, on a terminal, what to do with a failed run: close,
// dispute or leave it. Without a terminal (or with --output json) the
// order is left to the buyer.
func (p *progress) ask(res *order.Result) order.OnFailure {
	if p.g.output == outputJSON || !isTerminal(os.Stdin) || !isTerminal(p.g.stderr) {
		return order.OnFailureAsk
	}
	if p.bar != nil {
		p.bar.Clear()
	}
	fmt.Fprintf(p.g.stderr, "\norder %d: the package failed (%s); its outputs are in %s\n", res.OrderID, failureText(res), orDash(res.OutputDir))
	in := bufio.NewReader(os.Stdin)
	for {
		fmt.Fprint(p.g.stderr, "[c]lose and pay the provider, [d]ispute, or [l]eave it for later? ")
		line, err := in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "c", "close":
			return order.OnFailureClose
		case "d", "dispute":
			return order.OnFailureDispute
		case "l", "leave":
			return order.OnFailureAsk
		}
		if err != nil {
			return order.OnFailureAsk
		}
	}
}

// failureText says how a failed run ended.
func failureText(r *order.Result) string {
	if r.RunResult != "" && r.RunResult != "exited" {
		return r.RunResult
	}
	return fmt.Sprintf("exit code %d", r.ExitCode)
}

// printOrderResult is the text summary of an order: the service's
// stdout, where the results are, the cost, the reputation entries and
// the heights of the steps.
func printOrderResult(w io.Writer, r *order.Result) {
	fmt.Fprintf(w, "\norder %d: %s\n", r.OrderID, r.State)
	if r.Offering != "" {
		fmt.Fprintf(w, "bought the offering of %s\n", r.Offering)
	}
	if r.RunResult != "" && r.RunResult != "exited" {
		verified := "verified"
		if !r.Verified {
			verified = "not verified"
		}
		fmt.Fprintf(w, "the run did not exit: %s (%s)\n", r.RunResult, verified)
		if r.Stderr != "" {
			fmt.Fprintf(w, "--- stderr\n%s", r.Stderr)
			if !strings.HasSuffix(r.Stderr, "\n") {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "---")
		}
	} else if r.Protocol == nil && (r.OutputDir != "" || r.Stdout != "") {
		fmt.Fprintf(w, "exit code %d\n", r.ExitCode)
		if r.Stdout != "" {
			fmt.Fprintf(w, "--- stdout\n%s", r.Stdout)
			if !strings.HasSuffix(r.Stdout, "\n") {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "---")
		}
		if r.ExitCode != 0 && r.Stderr != "" {
			fmt.Fprintf(w, "--- stderr\n%s", r.Stderr)
			if !strings.HasSuffix(r.Stderr, "\n") {
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "---")
		}
	}
	if r.OutputDir != "" {
		fmt.Fprintf(w, "results in %s (%d file(s) under outputs/, stdout.txt, stderr.txt, receipt.json)\n", r.OutputDir, len(r.Files))
	}
	printProtocol(w, r.Protocol)
	if c := r.Cost; c != nil {
		fmt.Fprintf(w, "cost: price %d ucell (max %d) = provider %d + network fee %d + author royalty %d; PO stake %d returned; %d tx fee(s) %d; total %d ucell",
			c.Price, c.MaxPrice, c.Payment, c.NetworkFee, c.Royalty, c.POStakeReturned, c.Txs, c.TxFees, c.Total)
		if c.AuthorRefund > 0 {
			fmt.Fprintf(w, " (royalty %d back to you as the author)", c.AuthorRefund)
		}
		fmt.Fprintln(w)
	}
	if r.Refund > 0 {
		fmt.Fprintf(w, "refunded %d ucell", r.Refund)
		if r.Slashed > 0 {
			fmt.Fprintf(w, "; the provider's bid stake slashed by %d ucell", r.Slashed)
		}
		if r.FailReason != "" {
			fmt.Fprintf(w, " (%s)", r.FailReason)
		}
		fmt.Fprintln(w)
	}
	if d := r.Dispute; d != nil {
		fmt.Fprintf(w, "dispute: %s → %s, stake %d ucell, %d round(s), verifiers %s, verdict %s, %d ucell returned\n",
			d.Claim, d.Outcome, d.Stake, d.Round, orDash(strings.Join(d.Verifiers, ",")), orDash(d.Verdict), d.Refund)
	}
	for _, reason := range r.Reasons {
		fmt.Fprintf(w, "  %s\n", reason)
	}
	for _, e := range r.Reputation {
		fmt.Fprintf(w, "reputation: %s %s %s in skill %d (log cycle %d entry %d)\n", e.Role, e.User, e.Amount, e.Skill, e.Cycle, e.Index)
	}
	var hs []string
	for _, h := range []struct {
		name string
		v    int64
	}{{"published", r.Heights.Published}, {"created", r.Heights.Created}, {"awarded", r.Heights.Awarded},
		{"missing inputs reported", r.Heights.MissingInputs}, {"input receipt posted", r.Heights.ReceiptPosted}, {"delivered", r.Heights.Delivered},
		{"closed", r.Heights.Closed}, {"revealed", r.Heights.Revealed}, {"final", r.Heights.Final}, {"expired", r.Heights.Expired},
		{"failed", r.Heights.Failed}, {"cancelled", r.Heights.Cancelled}, {"dispute opened", r.Heights.DisputeOpened},
		{"dispute decided", r.Heights.DisputeDecided}} {
		if h.v > 0 {
			hs = append(hs, fmt.Sprintf("%s %d", h.name, h.v))
		}
	}
	if len(hs) > 0 {
		fmt.Fprintf(w, "heights: %s\n", strings.Join(hs, ", "))
	}
}

package node

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/ledger/query"
	"github.com/celltonomy/celltonomy/node/bid"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/runtime/outputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// Reasons the node gives for not bidding, besides node/bid's.
const (
	reasonOwnOrder = "own-order"
	reasonExcluded = "excluded"
	reasonDirect   = "direct"
	reasonChain    = "chain-error"
)

// orderLagRetries and orderLagWait bound how long a decision waits for
// the state to show an order whose creation the node saw in a block.
const (
	orderLagRetries = 20
	orderLagWait    = 100 * time.Millisecond
)

// considerBid decides, in the background, whether to bid on a new order,
// records the decision for GET /v1/orders/{id}/decision, and bids. A
// decision never waits for a fetch: when the order's package is not known
// yet, the package is fetched in the background (node/fetch.go) and the
// order decided again when the fetch ends, meanwhile other orders are
// decided.
func (n *Node) considerBid(ctx context.Context, id uint64, height int64) {
	n.considerBidFrom(ctx, id, height, n.now(), true)
}

// considerBidFrom is considerBid for an order seen at since; mayFetch is
// false when the order waited for a fetch already.
func (n *Node) considerBidFrom(ctx context.Context, id uint64, height int64, since time.Time, mayFetch bool) {
	n.tasks.goBackground(func() {
		select {
		case n.bids <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-n.bids }()
		d, proof, wait := n.decide(ctx, id, height, since, mayFetch)
		if wait {
			return
		}
		if d.Bid {
			var spec []byte
			if d.BotSpecID != "" {
				if sid, err := protocol.ParseBotSpecID(d.BotSpecID); err == nil {
					spec = sid[:]
				}
			}
			res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Bid{Bid: &ledgerpb.MsgBid{
				OrderId: id, NodeKey: n.nodePub, Price: d.Price, Stake: d.Stake, ReputationProof: proof, BotspecId: spec,
			}}})
			if err != nil {
				d = nodeapi.Decision{OrderID: id, Reason: reasonChain, Detail: "bid refused: " + err.Error(), Height: height}
				n.log.Warn("bid refused", "order", id, "err", err)
			} else {
				n.log.Info("bid", "order", id, "price", d.Price, "stake", d.Stake, "tx", txHash(res))
				n.metrics.bids.Inc()
			}
		}
		if !d.Bid {
			n.log.Info("no bid", "order", id, "reason", d.Reason, "detail", d.Detail)
			n.metrics.noBids.WithLabelValues(d.Reason).Inc()
		}
		n.metrics.decisionSeconds.Observe(n.now().Sub(since).Seconds())
		n.decisions.put(d)
	})
}

// decide applies the bid rules to order id and returns the decision and,
// for a bid, the reputation proof to carry (nil when there is none). It
// returns wait when it started a fetch of the order's package instead:
// the order is decided again when the fetch ends.
func (n *Node) decide(ctx context.Context, id uint64, height int64, since time.Time, mayFetch bool) (d nodeapi.Decision, proof *ledgerpb.ReputationProof, wait bool) {
	no := func(reason, format string, args ...any) nodeapi.Decision {
		return nodeapi.Decision{OrderID: id, Reason: reason, Detail: fmt.Sprintf(format, args...), Height: height}
	}
	r, err := n.order(ctx, id)
	// The order was created in a block the node has seen, but the state
	// a query reads may not hold that block yet: ask again for a while.
	for i := 0; errors.Is(err, query.ErrNotFound) && i < orderLagRetries; i++ {
		select {
		case <-ctx.Done():
			return no(reasonChain, "%v", err), nil, false
		case <-time.After(orderLagWait):
		}
		r, err = n.order(ctx, id)
	}
	if err != nil {
		return no(reasonChain, "%v", err), nil, false
	}
	o := r.GetOrder()
	switch {
	case o.GetState() != ledgerpb.OrderState_ORDER_STATE_OPEN:
		return no(reasonChain, "order is %s", market.StateName(o.GetState())), nil, false
	case o.GetDirect():
		return no(reasonDirect, "a direct purchase of an offering takes no bids"), nil, false
	case string(o.GetBuyer()) == string(n.opAddr[:]):
		return no(reasonOwnOrder, "the operator is the buyer"), nil, false
	}
	for _, x := range o.GetExcludedProviders() {
		if string(x) == string(n.opAddr[:]) {
			return no(reasonExcluded, "the order excludes this provider"), nil, false
		}
	}
	pid, err := spec.IDFromBytes(o.GetPackageId())
	if err != nil {
		return no(reasonChain, "order %d: %v", id, err), nil, false
	}
	rec, err := n.registeredPackage(ctx, pid[:])
	if err != nil {
		return no(reasonChain, "%v", err), nil, false
	}
	meta, known := n.fetch.lookup(pid)
	if !known {
		then := func() { n.considerBidFrom(ctx, id, n.currentHeight(), since, false) }
		if mayFetch && n.fetch.request(ctx, rec, then) {
			n.log.Info("fetching the package before deciding", "order", id, "package", pid)
			return nodeapi.Decision{}, nil, true
		}
		meta.err = errors.New("the package's fetch did not end (too many fetches waiting, or its metadata was evicted)")
	}
	var resourcesErr string
	if meta.err == nil && !isProtocol(rec) {
		// The package's declared limits decide its outcomes; a host that
		// cannot give them could not deliver (runtime/wasm: ceilings).
		if err := n.exec.CheckLimits(meta.limits); err != nil {
			resourcesErr = err.Error()
		}
	}
	balance, err := n.balance(ctx)
	if err != nil {
		return no(reasonChain, "%v", err), nil, false
	}
	rep, proof, err := n.ownReputation(ctx, rec.GetSkill())
	if err != nil {
		n.log.Warn("own reputation unavailable", "order", id, "skill", rec.GetSkill(), "err", err)
	}
	if rep == nil && o.GetMinProviderReputation() > 0 {
		rep = new(big.Int) // no proven reputation counts as none
	}
	var paramsErr, coverErr string
	if err := checkOrderParams(rec, o.GetParams()); err != nil {
		paramsErr = err.Error()
	}
	var chosen *bot.Bot
	if isProtocol(rec) && paramsErr == "" && meta.err == nil && len(n.bots) > 0 {
		var err error
		chosen, paramsErr, coverErr, err = n.coverProtocol(ctx, rec, orderParams(o))
		if err != nil {
			meta.err = err
		}
	}
	dec := bid.Decide(bid.Input{
		Order: bid.Order{MaxPrice: o.GetMaxPrice(), PackageID: pid, Kind: rec.GetKind(), MinProviderReputation: o.GetMinProviderReputation(),
			InputBytes: o.GetInputBytes(), InputSizeKnown: o.GetInputBytes() > 0,
			RoyaltyBps: min(rec.GetRoyaltyBps(), n.params.GetMaxRoyaltyBps()), ParamsError: paramsErr, ResourcesError: resourcesErr,
			CoverError: coverErr},
		BidStakeRatioBps: n.params.GetBidStakeRatioBps(),
		MinBidStake:      n.params.GetMinBidStake(),
		MinPrice:         n.params.GetMinPrice(),
		NetworkFeeBps:    n.params.GetNetworkFeeBps(),
		TxFee:            cmp.Or(n.opts.Fee, n.params.GetMinFee()),
		Node: bid.Node{Architectures: n.architectures(), Capacity: n.cfg.Capacity, OpenJobs: n.openJobs(height),
			Fetchable: meta.err == nil, FreeBalance: balance, Reputation: rep},
		Pricing: n.cfg.Pricing,
	})
	if dec.NoBid != nil {
		d := no(string(dec.NoBid.Reason), "%s", dec.NoBid.Detail)
		if dec.NoBid.Reason == bid.ReasonNotFetchable && meta.err != nil {
			d.Detail += ": " + meta.err.Error()
		}
		return d, nil, false
	}
	d = nodeapi.Decision{OrderID: id, Bid: true, Price: dec.Bid.Price, Stake: dec.Bid.Stake, Height: height}
	if chosen != nil {
		d.BotSpecID = chosen.ID.String()
	}
	return d, proof, false
}

// orderParams returns an order's parameters by key.
func orderParams(o *ledgerpb.Order) map[string]string {
	params := map[string]string{}
	for _, p := range o.GetParams() {
		params[p.GetKey()] = p.GetValue()
	}
	return params
}

// checkOrderParams checks an order's parameters against what the
// package's envelope declares, as runtime/batch does before a run: every
// parameter is declared, and every required one without a default is
// given. A node does not bid on an order its run would refuse (market
// hardening: "a node checks parameters against the package before it
// bids").
func checkOrderParams(rec *ledgerpb.Package, ps []*ledgerpb.OrderParam) error {
	env := &specpb.Envelope{}
	if err := proto.Unmarshal(rec.GetEnvelope(), env); err != nil {
		return fmt.Errorf("package %x: envelope: %w", rec.GetPackageId(), err)
	}
	given := map[string]bool{}
	for _, p := range ps {
		given[p.GetKey()] = true
	}
	var declared []string
	for _, d := range env.GetParameters() {
		declared = append(declared, d.GetName())
		if d.GetRequired() && d.Default == nil && !given[d.GetName()] {
			return fmt.Errorf("parameter %s: required by the package and not given", d.GetName())
		}
	}
	for _, p := range ps {
		if !slices.Contains(declared, p.GetKey()) {
			return fmt.Errorf("parameter %q: not declared by the package (declared: %s)", p.GetKey(), strings.Join(declared, ", "))
		}
	}
	return nil
}

// openJobs counts the provider jobs not yet delivered or finished that
// hold capacity at height: a job awaiting its inputs holds it only for
// the first input_wait_blocks after its award (node.toml), so that orders
// whose buyer never uploads cannot fill the node (market hardening: jobs
// awaiting inputs filled every node's capacity). Such a job still takes
// the inputs until its input deadline, then reports them missing.
// Each service the node hosts and has not stopped holds capacity too.
func (n *Node) openJobs(height int64) int {
	k := 0
	for _, j := range n.jobs.pending() {
		if j.Role != nodeapi.RoleProvider || j.State == nodeapi.StateDelivered || j.State == nodeapi.StateFailed {
			continue
		}
		if j.State == nodeapi.StateAwaitingInputs && height >= j.AwardHeight+int64(n.cfg.InputWaitBlocks) {
			continue
		}
		k++
	}
	return k + n.services.running()
}

// reportMissingInputs reports on chain, once, the inputs of each provider
// job that is still waiting for them at its input deadline, and ends the
// job: the buyer had input_window_blocks to upload (market:
// ReportMissingInputs). The report stands unless the buyer shows an input
// receipt of this node, which the node never signed for these inputs.
func (n *Node) reportMissingInputs(ctx context.Context, height int64) {
	for _, j := range n.jobs.pending() {
		if j.Role != nodeapi.RoleProvider || j.State != nodeapi.StateAwaitingInputs || j.MissingReported ||
			j.InputDeadline == 0 || height+1 < j.InputDeadline || height+1 > j.Deadline {
			continue
		}
		id := j.OrderID
		n.async(ctx, "report-missing-"+strconv.FormatUint(id, 10), func(ctx context.Context) error {
			// Mark first, so that a late upload is refused from now on.
			if _, err := n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
				if j.State != nodeapi.StateAwaitingInputs || j.MissingReported {
					return errNoChange
				}
				j.MissingReported = true
				return nil
			}); err != nil {
				if errors.Is(err, errNoChange) {
					return nil
				}
				return err
			}
			res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReportMissingInputs{
				ReportMissingInputs: &ledgerpb.MsgReportMissingInputs{OrderId: id}}})
			if err != nil {
				n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error { j.MissingReported = false; return nil })
				return fmt.Errorf("report missing inputs: %w", err)
			}
			n.log.Info("reported missing inputs", "order", id, "tx", txHash(res))
			n.metrics.missingInputs.Inc()
			_, err = n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
				j.State, j.Error, j.TxHash = nodeapi.StateFailed, "the buyer's inputs never arrived: reported missing on chain", txHash(res)
				return nil
			})
			return err
		})
	}
}

// reportInputsFalsely is FaultFalseMissingInputs: it reports on chain,
// once, the inputs of each provider job that holds them (committed,
// receipt signed) as missing, from the contract's input deadline on. The
// job goes on: deliver waits until the buyer's receipt voided the report.
func (n *Node) reportInputsFalsely(ctx context.Context, height int64) {
	for _, j := range n.jobs.pending() {
		if j.Role != nodeapi.RoleProvider || len(j.Inputs) == 0 || j.MissingReported ||
			(j.State != nodeapi.StateRunning && j.State != nodeapi.StateExecuted) ||
			j.InputDeadline == 0 || height+1 < j.InputDeadline || height+1 > j.Deadline {
			continue
		}
		id := j.OrderID
		n.async(ctx, "report-missing-"+strconv.FormatUint(id, 10), func(ctx context.Context) error {
			res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_ReportMissingInputs{
				ReportMissingInputs: &ledgerpb.MsgReportMissingInputs{OrderId: id}}})
			if errors.Is(err, market.ErrReceiptExists) || errors.Is(err, market.ErrAlreadyReported) {
				// Too late for the lie: the buyer showed the receipt first.
				_, err = n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error { j.MissingReported = true; return nil })
				return err
			}
			if err != nil {
				return fmt.Errorf("report missing inputs (fault %s): %w", FaultFalseMissingInputs, err)
			}
			n.log.Warn("fault false-missing-inputs: reported the inputs it holds missing", "order", id, "tx", txHash(res))
			_, err = n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error { j.MissingReported = true; return nil })
			return err
		})
	}
}

func (n *Node) balance(ctx context.Context) (uint64, error) {
	b, err := n.query.Balance(ctx, n.opAddr)
	if err != nil {
		return 0, fmt.Errorf("balance: %w", err)
	}
	return b, nil
}

// blobSum returns the blob hash a location names in its last path segment
// (a registered location is a full blob URL, …/v1/blobs/<sha256>).
func blobSum(loc string) ([32]byte, error) {
	u, err := url.Parse(loc)
	if err != nil {
		return [32]byte{}, fmt.Errorf("location %q: %w", loc, err)
	}
	s, err := blobstore.ParseSum(path.Base(u.Path))
	if err != nil {
		return [32]byte{}, fmt.Errorf("location %q: does not end in the blob's SHA-256: %w", loc, err)
	}
	return s, nil
}

// onAward records the provider job of an order awarded to this node (by a
// bid, or a purchase of one of its offerings).
func (n *Node) onAward(ctx context.Context, e market.EventOrderAwarded) {
	id, deadline := e.OrderID, e.DeliveryDeadline
	r, err := n.order(ctx, id)
	// The award is in a block the node has seen, but a query may fail
	// for a moment (a loaded RPC) or read a state without the contract
	// yet: ask again for a while rather than lose the job, which no later
	// event would create.
	for i := 0; (err != nil || r.GetOrder().GetContract() == nil) && i < orderLagRetries; i++ {
		select {
		case <-ctx.Done():
			return
		case <-time.After(orderLagWait):
		}
		r, err = n.order(ctx, id)
	}
	if err != nil {
		n.log.Error("award: cannot read the order", "order", id, "err", err)
		return
	}
	if market.IsServiceOrder(r.GetOrder()) {
		o := r.GetOrder()
		n.async(ctx, "service-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.startService(ctx, o) })
		return
	}
	if err := n.recordAward(r.GetOrder(), deadline); err != nil {
		n.log.Error("award: cannot record the job", "order", id, "err", err)
	}
}

// recordAward records the provider's job of an order awarded to this
// node, with its delivery deadline (a height). A job recorded already is
// kept as it is.
func (n *Node) recordAward(o *ledgerpb.Order, deadline int64) error {
	id := o.GetId()
	stars := uint32(5)
	if n.opts.Stars != nil {
		stars = *n.opts.Stars
	}
	j, err := newJob(o, nodeapi.RoleProvider, deadline)
	if err != nil {
		return err
	}
	j.CompletionCode, j.Stars, j.RatingSalt = newSecret(), stars, newSecret()
	j.AwardHeight, j.InputDeadline = o.GetContract().GetAwardHeight(), o.GetContract().GetInputDeadline()
	if sid := o.GetContract().GetBotspecId(); len(sid) == len(j.BotSpec) {
		j.BotSpec = Hash(sid) // the BotSpec the winning bid named: the bot that runs it
	}
	if err := n.jobs.create(j); err != nil {
		if errors.Is(err, errExists) {
			return nil
		}
		return err
	}
	n.metrics.jobs.WithLabelValues(nodeapi.RoleProvider).Inc()
	n.log.Info("awarded", "order", id, "delivery_deadline", deadline)
	return nil
}

// newJob returns the job of an order the chain gave this node, in role,
// awaiting its inputs. The order's package id and input root are decoded
// here, once; an order whose bytes are not 32 long is refused.
func newJob(o *ledgerpb.Order, role string, deadline int64) (Job, error) {
	pid, err := spec.IDFromBytes(o.GetPackageId())
	if err != nil {
		return Job{}, fmt.Errorf("order %d: %w", o.GetId(), err)
	}
	root, err := hashOf("input root", o.GetInputRoot())
	if err != nil {
		return Job{}, fmt.Errorf("order %d: %w", o.GetId(), err)
	}
	params := orderParams(o)
	return Job{
		OrderID: o.GetId(), Role: role, State: nodeapi.StateAwaitingInputs, PackageID: pid, InputRoot: root,
		Params: params, Deadline: deadline, Uploaded: map[string]InputFile{},
	}, nil
}

// onDrawn records the verifier job of a dispute round that drew this
// node.
func (n *Node) onDrawn(ctx context.Context, e market.EventDisputeDrawn) {
	id := e.OrderID
	if n.opts.Fault == FaultSilentVerifier {
		n.log.Warn("drawn as verifier: staying silent (fault injected)", "order", id)
		return
	}
	commit, reveal, round := e.CommitDeadline, e.RevealDeadline, e.Round
	r, err := n.order(ctx, id)
	if err != nil {
		n.log.Error("drawn: cannot read the order", "order", id, "err", err)
		return
	}
	j, err := newJob(r.GetOrder(), nodeapi.RoleVerifier, commit)
	if err != nil {
		n.log.Error("drawn: cannot record the job", "order", id, "err", err)
		return
	}
	j.RevealFrom, j.RevealDeadline, j.Salt, j.Round = commit, reveal, newSecret(), round
	// A verifier of a protocol order checks the provider's delivered log
	// and datasets: it needs no inputs, and starts at once.
	protocolOrder := n.protocolOrder(ctx, r.GetOrder())
	if protocolOrder {
		j.State = nodeapi.StateRunning
	}
	if err := n.jobs.create(j); err != nil && !errors.Is(err, errExists) {
		n.log.Error("drawn: cannot record the job", "order", id, "err", err)
		return
	}
	n.metrics.jobs.WithLabelValues(nodeapi.RoleVerifier).Inc()
	n.log.Info("drawn as verifier", "order", id, "commit_deadline", commit, "reveal_deadline", reveal)
	if protocolOrder {
		n.enqueue(id, nodeapi.RoleVerifier)
		return
	}
	n.async(ctx, "provider-inputs-"+strconv.FormatUint(id, 10), func(ctx context.Context) error {
		return n.fetchProviderInputs(ctx, r.GetOrder())
	})
}

// fetchProviderInputs gives a verifier job the order's inputs from the
// provider's node, which serves them to the verifiers the chain drew, or
// else from the other drawn verifiers that committed them: the buyer is
// expected to send them, but a buyer who opens a dispute and sends
// nothing must not leave the verifiers unable to commit (and so
// slashed). The inputs are checked against the order's input root and
// each file, streamed to disk, against its hash and size (at most
// max_input_bytes), exactly as a buyer's upload is; whichever of the
// buyer and the nodes commits the inputs first wins, and both must match
// the root. It retries until the commit deadline.
func (n *Node) fetchProviderInputs(ctx context.Context, o *ledgerpb.Order) error {
	id := o.GetId()
	for attempt := 0; ; attempt++ {
		j, ok := n.jobs.get(id, nodeapi.RoleVerifier)
		if !ok || j.State != nodeapi.StateAwaitingInputs {
			return nil // the buyer's inputs came first
		}
		if h := n.currentHeight(); h >= j.Deadline {
			return fmt.Errorf("order %d: no inputs before the commit deadline %d", id, j.Deadline)
		}
		var errs []error
		for _, key := range inputSources(o, n.nodePub) {
			ep, err := n.nodeEndpoint(ctx, key)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			err = n.tryProviderInputs(ctx, ep, o)
			if err == nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("%s: %w", ep, err))
		}
		if attempt%10 == 0 {
			n.log.Info("waiting for the order's inputs", "order", id, "err", errors.Join(errs...))
		}
		if !sleep(ctx, time.Second) {
			return nil
		}
	}
}

// inputSources returns the node keys that may serve an order's inputs to
// a drawn verifier: the provider's, then the other drawn verifiers'.
func inputSources(o *ledgerpb.Order, self []byte) [][]byte {
	keys := [][]byte{o.GetContract().GetNodeKey()}
	for _, v := range o.GetDispute().GetVerifiers() {
		if !bytes.Equal(v.GetNodeKey(), self) && !bytes.Equal(v.GetNodeKey(), keys[0]) {
			keys = append(keys, v.GetNodeKey())
		}
	}
	return keys
}

// tryProviderInputs takes order o's inputs from the node at endpoint ep:
// their list, checked against the order's input root, then each file not
// held yet.
func (n *Node) tryProviderInputs(ctx context.Context, ep string, o *ledgerpb.Order) error {
	id := o.GetId()
	lctx, cancel := context.WithTimeout(ctx, n.transferTimeout(nodeapi.MaxInputsBody))
	wire, err := n.blobs.Inputs(lctx, ep, id)
	cancel()
	if err != nil {
		return err
	}
	list, err := inputFilesOf(wire)
	if err != nil {
		return fmt.Errorf("provider's input list: %w", err)
	}
	var ins []inputroot.Input
	var total uint64
	for _, f := range list {
		if f.Size > uint64(n.cfg.MaxInputBytes) {
			return fmt.Errorf("input %q: %d bytes, over this node's max_input_bytes %d", f.Name, f.Size, n.cfg.MaxInputBytes)
		}
		total += f.Size
		ins = append(ins, inputroot.Input{Name: f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	if total > uint64(n.cfg.MaxOrderInputBytes) {
		return fmt.Errorf("inputs: %d bytes, over this node's max_order_input_bytes %d", total, n.cfg.MaxOrderInputBytes)
	}
	root, err := inputroot.Compute(ins)
	if err != nil {
		return fmt.Errorf("provider's inputs: %w", err)
	}
	if !bytes.Equal(root[:], o.GetInputRoot()) {
		return fmt.Errorf("provider's inputs have root %x, not the order's %x", root, o.GetInputRoot())
	}
	uploaded := map[string]InputFile{}
	for _, f := range list {
		if !n.files.Has(f.SHA256) {
			if err := n.fetchInput(ctx, ep, id, f); err != nil {
				return err
			}
		}
		uploaded[f.Name] = f
	}
	_, err = n.jobs.update(id, nodeapi.RoleVerifier, func(j *Job) error {
		if j.State != nodeapi.StateAwaitingInputs {
			return errNoChange
		}
		if j.Uploaded == nil {
			j.Uploaded = map[string]InputFile{}
		}
		for k, v := range uploaded {
			j.Uploaded[k] = v
		}
		j.Inputs, j.State = list, nodeapi.StateRunning
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	n.log.Info("verifier inputs from another node", "order", id, "from", ep, "files", len(list))
	n.enqueue(id, nodeapi.RoleVerifier)
	return nil
}

// fetchInput streams one committed input from another node into the
// files store, within its transfer deadline, checked against its hash
// and size.
func (n *Node) fetchInput(ctx context.Context, ep string, id uint64, f InputFile) error {
	ctx, cancel := context.WithTimeout(ctx, n.transferTimeout(int64(f.Size)))
	defer cancel()
	body, err := n.blobs.Input(ctx, ep, id, f.Name)
	if err != nil {
		return err
	}
	defer body.Close()
	sum := [32]byte(f.SHA256)
	_, size, err := n.files.PutLimit(body, &sum, int64(f.Size))
	if err != nil {
		return fmt.Errorf("input %q: %w", f.Name, err)
	}
	if uint64(size) != f.Size {
		return fmt.Errorf("input %q: %d bytes, the list says %d", f.Name, size, f.Size)
	}
	return nil
}

// onRedo restarts the provider job of an order that a dispute sent back
// to this node for a new delivery (outcome redo): the committed inputs
// stay, the run starts afresh, and the new delivery deadline is the
// contract's.
func (n *Node) onRedo(ctx context.Context, id uint64) {
	r, err := n.order(ctx, id)
	if err != nil {
		n.log.Error("redo: cannot read the order", "order", id, "err", err)
		return
	}
	c := r.GetOrder().GetContract()
	if string(c.GetNodeKey()) != string(n.nodePub) {
		n.markDone(id, nodeapi.RoleProvider)
		return
	}
	j, err := n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
		// A protocol job (it ran on a bot) has no inputs to wait for.
		if len(j.Inputs) == 0 && j.BotSpec.IsZero() {
			j.State = nodeapi.StateAwaitingInputs
		} else {
			j.State = nodeapi.StateRunning
		}
		j.Deadline, j.Runs, j.Done, j.Error, j.TxHash = c.GetDeliveryDeadline(), 0, false, "", Hash{}
		j.Instruction, j.Label = 0, ""
		j.OutputRoot, j.DeliveredRoot, j.ExitCode, j.Files = Hash{}, Hash{}, nil, nil
		j.CompletionCode, j.RatingSalt = newSecret(), newSecret()
		return nil
	})
	if err != nil {
		n.log.Error("redo: cannot reset the job", "order", id, "err", err)
		return
	}
	n.log.Info("redo", "order", id, "delivery_deadline", j.Deadline)
	if j.State == nodeapi.StateRunning {
		n.enqueue(id, nodeapi.RoleProvider)
	}
}

// onClosed reveals the provider's rating of the buyer.
func (n *Node) onClosed(ctx context.Context, id uint64) {
	j, ok := n.jobs.get(id, nodeapi.RoleProvider)
	if !ok || j.RatingRevealed || j.RatingSalt.IsZero() {
		return
	}
	n.async(ctx, "reveal-rating-"+strconv.FormatUint(id, 10), func(ctx context.Context) error {
		if _, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{
			OrderId: id, Stars: j.Stars, Salt: j.RatingSalt[:],
		}}}); err != nil {
			return err
		}
		_, err := n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error { j.RatingRevealed = true; return nil })
		return err
	})
}

// revealDue retries what a job still owes the chain at height: a
// provider's delivery, a verifier's commit before its commit deadline, a
// verifier's reveal inside its reveal window.
func (n *Node) revealDue(ctx context.Context, height int64) {
	for _, j := range n.jobs.pending() {
		id := j.OrderID
		switch {
		case j.Role == nodeapi.RoleProvider && j.State == nodeapi.StateExecuted && n.opts.Fault != FaultNoDelivery && height <= j.Deadline:
			n.async(ctx, "deliver-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.deliver(ctx, id) })
		case j.Role == nodeapi.RoleVerifier && j.State == nodeapi.StateExecuted && height < j.Deadline:
			n.async(ctx, "commit-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.commit(ctx, id) })
		case j.Role == nodeapi.RoleVerifier && j.State == nodeapi.StateCommitted && height+1 >= j.RevealFrom && height < j.RevealDeadline:
			n.async(ctx, "reveal-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.reveal(ctx, id) })
		}
	}
}

// resume re-queues the runs interrupted by a crash or a stop.
func (n *Node) resume(ctx context.Context) {
	for _, j := range n.jobs.pending() {
		if j.State != nodeapi.StateRunning {
			continue
		}
		n.log.Info("resuming job", "order", j.OrderID, "role", j.Role, "runs", j.Runs)
		n.enqueue(j.OrderID, j.Role)
	}
}

func (n *Node) enqueue(id uint64, role string) {
	q := n.queue
	if role == nodeapi.RoleVerifier {
		q = n.vqueue
	}
	select {
	case q <- id:
	default:
		n.log.Error("job queue full", "order", id, "role", role)
	}
}

func (n *Node) worker(ctx context.Context, q chan uint64) {
	role := nodeapi.RoleProvider
	if q == n.vqueue {
		role = nodeapi.RoleVerifier
	}
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-q:
			if err := n.run(ctx, id, role); err != nil && ctx.Err() == nil {
				n.log.Error("job failed", "order", id, "role", role, "err", err)
				n.jobs.update(id, role, func(j *Job) error {
					j.State, j.Error = nodeapi.StateFailed, err.Error()
					return nil
				})
				n.metrics.failed.WithLabelValues(role).Inc()
			}
		}
	}
}

func (n *Node) logPath(id uint64, role string) string {
	return filepath.Join(n.cfg.DataDir, "jobs", jobKey(id, role)+".log")
}

func logID(id uint64, role string) []byte {
	return []byte("order/" + strconv.FormatUint(id, 10) + "/" + role)
}

// Bounds of a run's wall time. The fuel the package declares decides how
// a run ends (runtime/wasm); the wall time only protects the host, so it
// is sized from the fuel with a wide margin, and a slow host does not
// fail a run that every other host completes (market hardening: "timeouts
// that slash honest verifiers").
const (
	// WallPerFuel is the real time allowed per loop iteration of fuel:
	// about 20× what the example digest takes per iteration here (10⁹
	// iterations in about 10 s).
	WallPerFuel = 200 * time.Nanosecond
	// MinRunWallTime and MaxRunWallTime bound a run's wall time.
	MinRunWallTime = time.Minute
	MaxRunWallTime = 24 * time.Hour
)

// RunWallTime returns the wall time a run of fuel loop iterations may
// take on this node: fuel × WallPerFuel, within [MinRunWallTime,
// MaxRunWallTime].
func RunWallTime(fuel int64) time.Duration {
	if fuel <= 0 || fuel > int64(MaxRunWallTime/WallPerFuel) {
		return MaxRunWallTime
	}
	return max(time.Duration(fuel)*WallPerFuel, MinRunWallTime)
}

// nowMillis is the time of an event-log entry: Unix milliseconds of the
// node's clock (Options.Clock).
func (n *Node) nowMillis() int64 { return n.opts.Clock().UnixMilli() }

// run executes a job whose inputs are committed: it verifies the inputs,
// fetches the package, runs it, stores and hashes the outputs, records
// every step in the job's event log, and then delivers (provider) or
// commits (verifier).
func (n *Node) run(ctx context.Context, id uint64, role string) error {
	j, err := n.jobs.update(id, role, func(j *Job) error {
		if j.State != nodeapi.StateRunning {
			return errNoChange
		}
		j.Runs++
		return nil
	})
	if errors.Is(err, errNoChange) {
		return nil
	}
	if err != nil {
		return err
	}
	if j.Runs > maxRuns {
		return fmt.Errorf("the run was started %d times without finishing", j.Runs-1)
	}
	// A protocol package runs on a bot (node/protocolrun.go); a verifier
	// of its dispute checks the provider's log instead of running it.
	if rec, err := n.registeredPackage(ctx, j.PackageID[:]); err == nil && isProtocol(rec) {
		if role == nodeapi.RoleVerifier {
			return n.verifyProtocol(ctx, j)
		}
		return n.runProtocol(ctx, j)
	}
	w, err := eventlog.OpenFile(n.logPath(id, role), n.opts.NodeKey, logID(id, role))
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	defer w.Close()
	ev := func(kind string, attrs ...eventlog.Attr) error {
		_, err := w.Append(kind, n.nowMillis(), attrs...)
		return err
	}
	attr := func(k, v string) eventlog.Attr { return eventlog.Attr{Key: k, Value: []byte(v)} }

	// Inputs: each blob is rehashed before the run.
	inputs := map[string]string{}
	for _, in := range j.Inputs {
		if err := n.files.Verify(in.SHA256); err != nil {
			return fmt.Errorf("input %s: %w", in.Name, err)
		}
		if inputs[in.Name], err = n.files.Path(in.SHA256); err != nil {
			return fmt.Errorf("input %s: %w", in.Name, err)
		}
	}
	if err := ev("inputs-verified", attr("input_root", j.InputRoot.String()), attr("count", strconv.Itoa(len(j.Inputs)))); err != nil {
		return err
	}
	rec, err := n.registeredPackage(ctx, j.PackageID[:])
	if err != nil {
		return err
	}
	// A verifier also asks the provider's node, which ran the package.
	var provider []byte
	if role == nodeapi.RoleVerifier {
		if r, err := n.order(ctx, id); err == nil {
			provider = r.GetOrder().GetContract().GetNodeKey()
		}
	}
	pkg, err := n.ensurePackage(ctx, rec, provider)
	if err != nil {
		return err
	}
	if err := ev("package-fetched", attr("package_id", j.PackageID.String())); err != nil {
		return err
	}
	outDir := filepath.Join(n.cfg.DataDir, "jobs", jobKey(id, role)+".out")
	if err := os.RemoveAll(outDir); err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o700); err != nil {
		return err
	}
	defer os.RemoveAll(outDir)
	req := batch.Request{Inputs: inputs, Params: j.Params, OutputDir: outDir, Seed: batch.OrderSeed(id, pkg.ID(), j.InputRoot)}
	if _, err := batch.NewJob(pkg, req); err != nil {
		return err
	}
	if err := ev("run-started", attr("run", strconv.Itoa(j.Runs))); err != nil {
		return err
	}
	n.metrics.running.Inc()
	start := n.now()
	res, err := batch.Run(ctx, n.exec, pkg, req, RunWallTime(batch.Limits(pkg).Fuel))
	n.metrics.running.Dec()
	if err != nil {
		// Only the host failed (wall time, I/O, a stop): nothing the chain
		// could check. A deterministic end of the run is an outcome below.
		ev("run-error", attr("error", err.Error()))
		return fmt.Errorf("run: %w", err)
	}
	took := n.now().Sub(start)
	ms := took.Milliseconds()
	n.metrics.runSeconds.Observe(took.Seconds())
	if res.Outcome != outputroot.OutcomeExited {
		// A trap or a declared limit ends every honest run of this package
		// on these inputs the same way: a deliverable outcome, which
		// verifiers re-run and agree on.
		if err := ev("outcome", attr("outcome", res.Outcome.String()), attr("error", res.Err().Error()), attr("wall_ms", strconv.FormatInt(ms, 10))); err != nil {
			return err
		}
	} else if err := ev("exit", attr("exit_code", strconv.FormatUint(uint64(res.ExitCode), 10)), attr("wall_ms", strconv.FormatInt(ms, 10))); err != nil {
		return err
	}
	var files []OutputFile
	for _, f := range res.Outputs {
		fh, err := os.Open(filepath.Join(outDir, filepath.FromSlash(f.Path)))
		if err != nil {
			return err
		}
		_, err = n.files.PutExpect(fh, f.SHA256)
		fh.Close()
		if err != nil {
			return fmt.Errorf("output %s: %w", f.Path, err)
		}
		files = append(files, OutputFile{Path: f.Path, Size: f.Size, SHA256: f.SHA256})
	}
	root := res.OutputRoot // batch.Run checked that it recomputes
	delivered := root
	if role == nodeapi.RoleProvider && n.opts.Fault == FaultWrongOutput {
		delivered[0] ^= 0xff
	}
	if err := ev("outputs-hashed", attr("output_root", hex.EncodeToString(root[:])), attr("files", strconv.Itoa(len(files)))); err != nil {
		return err
	}
	exit := res.ExitCode
	if _, err := n.jobs.update(id, role, func(j *Job) error {
		j.State = nodeapi.StateExecuted
		j.OutputRoot, j.DeliveredRoot = root, delivered
		j.ExitCode, j.Stdout, j.Stderr, j.Files, j.RunMillis = &exit, res.Stdout, res.Stderr, files, ms
		j.Result = res.Outcome.String()
		return nil
	}); err != nil {
		return err
	}
	n.log.Info("executed", "order", id, "role", role, "result", res.Outcome.String(), "exit", exit, "root", Hash(root), "ms", ms)
	w.Close()
	n.afterRun(ctx, id, role)
	return nil
}

// afterRun starts what an executed job owes the chain: a verifier's
// commit, or a provider's delivery (unless a fault holds it back).
func (n *Node) afterRun(ctx context.Context, id uint64, role string) {
	switch {
	case role == nodeapi.RoleVerifier:
		n.async(ctx, "commit-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.commit(ctx, id) })
	case n.opts.Fault == FaultNoDelivery:
		n.log.Warn("fault no-delivery: not delivering", "order", id)
	case n.opts.Fault == FaultFalseMissingInputs:
		n.log.Warn("fault false-missing-inputs: delivering once the buyer's receipt voids a false report", "order", id)
	default:
		// The same name as the block loop's retry: one delivery attempt
		// at a time, so that the job's log records one delivery.
		n.async(ctx, "deliver-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.deliver(ctx, id) })
	}
}

// deliver posts the provider's delivery, once: it does nothing when the
// chain no longer holds the order AWARDED.
func (n *Node) deliver(ctx context.Context, id uint64) error {
	j, ok := n.jobs.get(id, nodeapi.RoleProvider)
	if !ok || j.State != nodeapi.StateExecuted {
		return nil
	}
	r, err := n.order(ctx, id)
	if err != nil {
		return err
	}
	if s := r.GetOrder().GetState(); s != ledgerpb.OrderState_ORDER_STATE_AWARDED || string(r.GetOrder().GetContract().GetNodeKey()) != string(n.nodePub) {
		n.log.Info("not delivering: the order moved on", "order", id, "state", market.StateName(s))
		n.markState(id, nodeapi.RoleProvider, nodeapi.StateExecuted, nodeapi.StateDelivered)
		return nil
	}
	if n.opts.Fault == FaultFalseMissingInputs && r.GetOrder().GetContract().GetInputReceiptHeight() == 0 {
		return nil // the block loop calls again once the receipt is shown
	}
	w, err := eventlog.OpenFile(n.logPath(id, nodeapi.RoleProvider), n.opts.NodeKey, logID(id, nodeapi.RoleProvider))
	if err != nil {
		return fmt.Errorf("event log: %w", err)
	}
	defer w.Close()
	head := w.Head()
	cc := market.CompletionCommitment(id, j.CompletionCode[:])
	rc := market.RatingCommitment(id, uint8(j.Stars), j.RatingSalt[:])
	result, err := market.ParseRunResult(cmp.Or(j.Result, "exited"))
	if err != nil {
		return fmt.Errorf("job result: %w", err)
	}
	var exit uint32
	if j.ExitCode != nil && result == ledgerpb.RunResult_RUN_RESULT_EXITED {
		exit = *j.ExitCode
	}
	res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: &ledgerpb.MsgDeliver{
		OrderId: id, OutputRoot: j.DeliveredRoot[:], EventLogHead: head[:], CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:],
		Result: result, ExitCode: exit,
	}}})
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	txh := txHash(res)
	// A protocol job's log is the bot run's alone (runtime/botlog): the
	// delivered head is its last event, and nothing follows it.
	if j.BotSpec.IsZero() {
		if _, err := w.Append("delivery-tx", n.nowMillis(), eventlog.Attr{Key: "tx", Value: []byte(txh.String())}); err != nil {
			n.log.Warn("delivered, but the event log did not take the delivery", "order", id, "err", err)
		}
	}
	n.metrics.deliveries.Inc()
	n.log.Info("delivered", "order", id, "tx", txh)
	_, err = n.jobs.update(id, nodeapi.RoleProvider, func(j *Job) error {
		j.State, j.TxHash = nodeapi.StateDelivered, txh
		return nil
	})
	return err
}

// commit posts a verifier's commitment to its output root.
func (n *Node) commit(ctx context.Context, id uint64) error {
	j, ok := n.jobs.get(id, nodeapi.RoleVerifier)
	if !ok || j.State != nodeapi.StateExecuted {
		return nil
	}
	c := market.VerifierCommitment(id, j.Round, n.opAddr, j.OutputRoot[:], j.Salt[:])
	if j.Verdict != 0 { // a protocol dispute's verifier commits to its verdict
		c = market.VerdictCommitment(id, n.opAddr, j.Round, ledgerpb.ProtocolVerdict(j.Verdict), j.Salt[:])
	}
	res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierCommit{VerifierCommit: &ledgerpb.MsgVerifierCommit{OrderId: id, Commitment: c[:]}}})
	if err != nil {
		return fmt.Errorf("verifier commit: %w", err)
	}
	n.log.Info("verifier committed", "order", id)
	_, err = n.jobs.update(id, nodeapi.RoleVerifier, func(j *Job) error {
		j.State, j.TxHash = nodeapi.StateCommitted, txHash(res)
		return nil
	})
	return err
}

// reveal posts a verifier's output root and salt.
func (n *Node) reveal(ctx context.Context, id uint64) error {
	j, ok := n.jobs.get(id, nodeapi.RoleVerifier)
	if !ok || j.State != nodeapi.StateCommitted {
		return nil
	}
	// The reveal window opens at the commit deadline: the block loop
	// calls again at its block.
	if n.currentHeight()+1 < j.RevealFrom {
		return nil
	}
	m := &ledgerpb.MsgVerifierReveal{OrderId: id, OutputRoot: j.OutputRoot[:], Salt: j.Salt[:]}
	if j.Verdict != 0 {
		m.OutputRoot, m.Verdict = nil, ledgerpb.ProtocolVerdict(j.Verdict)
	}
	res, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_VerifierReveal{VerifierReveal: m}})
	if err != nil {
		return fmt.Errorf("verifier reveal: %w", err)
	}
	n.log.Info("verifier revealed", "order", id)
	_, err = n.jobs.update(id, nodeapi.RoleVerifier, func(j *Job) error {
		j.State, j.TxHash = nodeapi.StateRevealed, txHash(res)
		return nil
	})
	return err
}

// buyerOf returns the buyer of an order.
func (n *Node) buyerOf(ctx context.Context, id uint64) (address.Address, *ledgerpb.Order, error) {
	r, err := n.order(ctx, id)
	if err != nil {
		return address.Address{}, nil, err
	}
	var a address.Address
	copy(a[:], r.GetOrder().GetBuyer())
	return a, r.GetOrder(), nil
}

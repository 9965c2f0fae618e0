package node

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/celltonomy/celltonomy/client"
	"github.com/celltonomy/celltonomy/internal/atomicfile"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node/gateway"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/runtime/batch"
	"github.com/celltonomy/celltonomy/runtime/wasm"
	"github.com/celltonomy/celltonomy/spec"
)

// Hosting of service orders (ledger/market: "Service orders"). On the
// award of a service order to this node, the node fetches the package
// and starts its instance (runtime/wasm.Executor.StartService); the buyer
// gets an address and a token (RouteServiceToken, signed as an input
// upload is) and calls the slots through the node (RouteServiceCall).
// The node stops the instance at the service's end, at the buyer's
// MsgStopService, or when the node itself stops, and delivers the usage
// receipt (nodeapi.UsageReceipt) with the blocks served up to that
// height: it bills exactly what it served.

// Limits of hosting.
const (
	// maxServiceTokens bounds the tokens a node keeps per instance; a new
	// one drops the oldest.
	maxServiceTokens = 16
	// serviceCallTimeout bounds one call through the node, queueing
	// included (the instance's own wall-time limit bounds the call).
	serviceCallTimeout = 15 * time.Second
	// serviceStopTimeout bounds the stop and delivery of the instances
	// when the node shuts down.
	serviceStopTimeout = 20 * time.Second
)

// serviceRecord is what the node keeps on disk of a hosted service
// (services/<order>.json), so that a restart delivers what a crash left
// undelivered.
type serviceRecord struct {
	OrderID       uint64          `json:"order_id"`
	Buyer         address.Address `json:"buyer"`
	AwardHeight   int64           `json:"award_height"`
	ServiceBlocks uint64          `json:"service_blocks"`
	// StopHeight is the height the node stopped the instance at; 0 while
	// it runs.
	StopHeight int64                `json:"stop_height"`
	Usage      nodeapi.UsageReceipt `json:"usage"`
	Delivered  bool                 `json:"delivered"`
	// CompletionCode, Stars and RatingSalt make the delivery's
	// commitments.
	CompletionCode Secret `json:"completion_code"`
	Stars          uint32 `json:"stars"`
	RatingSalt     Secret `json:"rating_salt"`
	// RatingRevealed is set once the node revealed its rating of the
	// buyer, after the close; the node then forgets the service.
	RatingRevealed bool `json:"rating_revealed"`
}

// end returns the height at which the service ends by itself.
func (r *serviceRecord) end() int64 { return r.AwardHeight + int64(r.ServiceBlocks) }

// hosted is a service the node hosts.
type hosted struct {
	mu     sync.Mutex
	rec    serviceRecord
	ports  []int32
	inst   *wasm.Instance // nil once stopped
	tokens [][32]byte     // SHA-256 of the tokens issued, oldest first
	// buyerStop is the height of the buyer's MsgStopService, once seen;
	// the block loop stops the instance there.
	buyerStop int64
	// starting is set while the package is fetched and the instance
	// started.
	starting bool
	// pkg is the service's package id; netTokens the token issued to
	// each asking order by the NET directory (peerdir.go).
	pkg       spec.ID
	netTokens map[uint64]string
}

// buyerStopped notes the buyer's stop of a hosted service at height; the
// block loop (serviceBlock) stops it.
func (n *Node) buyerStopped(id uint64, height int64) {
	if h := n.services.get(id); h != nil {
		h.mu.Lock()
		h.buyerStop = height
		h.mu.Unlock()
	}
}

// serviceHost holds the hosted services by order id.
type serviceHost struct {
	mu sync.Mutex
	m  map[uint64]*hosted
}

func (s *serviceHost) get(id uint64) *hosted {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[id]
}

// running counts the services not yet stopped: each holds an instance
// (or is starting one), and so takes a slot of the node's capacity.
func (s *serviceHost) running() int {
	k := 0
	for _, h := range s.all() {
		h.mu.Lock()
		if h.rec.StopHeight == 0 {
			k++
		}
		h.mu.Unlock()
	}
	return k
}

func (s *serviceHost) all() []*hosted {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*hosted, 0, len(s.m))
	for _, h := range s.m {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b *hosted) int { return int(a.rec.OrderID) - int(b.rec.OrderID) })
	return out
}

func (n *Node) servicesDir() string { return filepath.Join(n.cfg.DataDir, "services") }

func (n *Node) saveService(r *serviceRecord) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(n.servicesDir(), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(n.servicesDir(), strconv.FormatUint(r.OrderID, 10)+".json"), b, 0o600)
}

// startService starts the instance of a service order awarded to this
// node and records it. An order hosted already is left as it is.
func (n *Node) startService(ctx context.Context, o *ledgerpb.Order) error {
	id := o.GetId()
	n.services.mu.Lock()
	if _, ok := n.services.m[id]; ok {
		n.services.mu.Unlock()
		return nil
	}
	h := &hosted{starting: true}
	n.services.m[id] = h
	h.mu.Lock()
	n.services.mu.Unlock()
	stars := uint32(5)
	if n.opts.Stars != nil {
		stars = *n.opts.Stars
	}
	h.rec = serviceRecord{OrderID: id, Buyer: address.Address(o.GetBuyer()), AwardHeight: o.GetContract().GetAwardHeight(),
		ServiceBlocks: o.GetServiceBlocks(), CompletionCode: newSecret(), Stars: stars, RatingSalt: newSecret()}
	h.rec.Usage = nodeapi.UsageReceipt{OrderID: id, AwardHeight: h.rec.AwardHeight}
	err := n.saveService(&h.rec)
	h.mu.Unlock()
	if err != nil {
		return err
	}
	inst, ports, err := n.launch(ctx, o)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.starting = false
	h.pkg, _ = spec.IDFromBytes(o.GetPackageId())
	if err != nil {
		// Not started: the node delivers a receipt of what it served
		// (nothing) rather than let the contract fail.
		if h.rec.StopHeight == 0 {
			h.rec.StopHeight = min(max(n.currentHeight(), h.rec.AwardHeight), h.rec.end())
			h.rec.Usage.StopHeight, h.rec.Usage.ServedBlocks = h.rec.StopHeight, 0
			n.saveService(&h.rec)
		}
		return fmt.Errorf("service %d: start: %w", id, err)
	}
	if h.rec.StopHeight != 0 { // stopped while it started (a shutdown)
		inst.Stop(ctx)
		return nil
	}
	h.inst, h.ports = inst, ports
	n.log.Info("service started", "order", id, "ports", ports, "end", h.rec.end())
	return nil
}

// launch fetches the package of o and starts its instance.
func (n *Node) launch(ctx context.Context, o *ledgerpb.Order) (*wasm.Instance, []int32, error) {
	rec, err := n.registeredPackage(ctx, o.GetPackageId())
	if err != nil {
		return nil, nil, err
	}
	pkg, err := n.ensurePackage(ctx, rec, nil)
	if err != nil {
		return nil, nil, err
	}
	j, err := gateway.JobFor(pkg)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range orderParams(o) {
		j.Env = append(j.Env, k+"="+v)
	}
	slices.Sort(j.Env)
	j.Seed = batch.OrderSeed(o.GetId(), pkg.ID(), Hash{})
	j.MaxRequest, j.MaxResponse = nodeapi.MaxServiceRequest, nodeapi.MaxServiceResponse
	// The order's price is the tree's budget: children started through
	// the gateway here share the root's memory and are billed from it
	// (childPricer: peer.per_call per call; their start is part of the
	// order the node was paid for); those the node cannot run go to
	// peers (peer.delegate), billed at their quotes (peerdelegate.go). A
	// parent cannot spend more work on children than its buyer paid for.
	gcfg := gateway.Config{Fetcher: n.ServiceFetcher(), Runner: n.localRunner(), Pricer: childPricer{n},
		Budget: o.GetContract().GetPrice(),
		Memory: j.Limits.Memory, Seed: j.Seed, ChainRPC: n.cfg.ChainRPC, Directory: serviceDirectory{n: n, asker: o.GetId()}}
	if n.cfg.Peer.Delegate {
		gcfg.Delegator = n.Delegator()
	}
	tree, err := gateway.NewTree(gcfg)
	if err != nil {
		return nil, nil, err
	}
	j.Pool, j.Gateway = tree.Pool(), tree.Root(pkg.ID(), pkg.Spec())
	inst, err := n.exec.StartService(context.WithoutCancel(ctx), j)
	if err != nil {
		return nil, nil, err
	}
	return inst, pkg.Spec().SlotPorts(), nil
}

// stopService stops the instance of order id at height (its served
// blocks end there, at most at the service's end) and delivers its usage
// receipt. A service stopped already is only delivered if it was not.
func (n *Node) stopService(ctx context.Context, id uint64, height int64) error {
	h := n.services.get(id)
	if h == nil {
		return nil
	}
	h.mu.Lock()
	if h.rec.StopHeight == 0 {
		h.rec.StopHeight = min(max(height, h.rec.AwardHeight), h.rec.end())
		if h.inst != nil {
			u := h.inst.Stop(ctx)
			h.inst = nil
			h.rec.Usage.Calls, h.rec.Usage.BytesIn, h.rec.Usage.BytesOut = uint64(u.Calls), uint64(u.BytesIn), uint64(u.BytesOut)
			h.rec.Usage.WallMs = uint64(u.WallMs)
		}
		h.rec.Usage.StopHeight = h.rec.StopHeight
		h.rec.Usage.ServedBlocks = uint64(h.rec.StopHeight - h.rec.AwardHeight)
		h.tokens = nil
		if err := n.saveService(&h.rec); err != nil {
			h.mu.Unlock()
			return err
		}
		n.log.Info("service stopped", "order", id, "height", h.rec.StopHeight, "served_blocks", h.rec.Usage.ServedBlocks, "calls", h.rec.Usage.Calls)
	}
	h.mu.Unlock()
	return n.deliverService(ctx, h)
}

// deliverService posts the usage receipt of a stopped service, once.
func (n *Node) deliverService(ctx context.Context, h *hosted) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rec.Delivered || h.rec.StopHeight == 0 {
		return nil
	}
	u := h.rec.Usage
	root := u.Root()
	cc := market.CompletionCommitment(u.OrderID, h.rec.CompletionCode[:])
	rc := market.RatingCommitment(u.OrderID, uint8(h.rec.Stars), h.rec.RatingSalt[:])
	_, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_Deliver{Deliver: &ledgerpb.MsgDeliver{
		OrderId: u.OrderID, OutputRoot: root[:], EventLogHead: root[:], CompletionCommitment: cc[:], ProviderRatingCommitment: rc[:],
		Result: ledgerpb.RunResult_RUN_RESULT_EXITED, ServedBlocks: u.ServedBlocks, Calls: u.Calls, BytesIn: u.BytesIn, BytesOut: u.BytesOut,
	}}})
	if err != nil {
		// The order may have moved on (failed, delivered by an earlier
		// attempt): the chain's state decides whether to try again.
		if r, qerr := n.order(ctx, u.OrderID); qerr == nil && r.GetOrder().GetState() != ledgerpb.OrderState_ORDER_STATE_AWARDED {
			h.rec.Delivered = true
			n.saveService(&h.rec)
			return nil
		}
		return fmt.Errorf("service %d: deliver: %w", u.OrderID, err)
	}
	h.rec.Delivered = true
	n.metrics.deliveries.Inc()
	n.log.Info("service delivered", "order", u.OrderID, "served_blocks", u.ServedBlocks, "calls", u.Calls)
	return n.saveService(&h.rec)
}

// serviceBlock stops the services that end at height, and delivers those
// stopped but not delivered (a delivery that failed, a start that
// failed).
func (n *Node) serviceBlock(ctx context.Context, height int64) {
	for _, h := range n.services.all() {
		h.mu.Lock()
		id, end, stopped, delivered, buyerStop, starting := h.rec.OrderID, h.rec.end(), h.rec.StopHeight != 0, h.rec.Delivered, h.buyerStop, h.starting
		h.mu.Unlock()
		switch {
		case delivered, starting && !stopped:
		case !stopped && buyerStop != 0:
			n.async(ctx, "service-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.stopService(ctx, id, buyerStop) })
		case !stopped && height >= end:
			n.async(ctx, "service-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.stopService(ctx, id, end) })
		case stopped:
			n.async(ctx, "service-"+strconv.FormatUint(id, 10), func(ctx context.Context) error { return n.deliverService(ctx, h) })
		}
	}
}

// stopServices stops every running instance at the current height and
// delivers its receipt: the node is shutting down.
func (n *Node) stopServices(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, serviceStopTimeout)
	defer cancel()
	height := n.currentHeight()
	for _, h := range n.services.all() {
		h.mu.Lock()
		id, delivered := h.rec.OrderID, h.rec.Delivered
		h.mu.Unlock()
		if delivered {
			continue
		}
		if n.sender == nil {
			// Never connected: stop the instance; the receipt waits for
			// the next start.
			h.mu.Lock()
			if h.inst != nil {
				h.inst.Stop(ctx)
				h.inst = nil
			}
			h.mu.Unlock()
			continue
		}
		if err := n.stopService(ctx, id, height); err != nil {
			n.log.Warn("service: stop at shutdown", "order", id, "err", err)
		}
	}
}

// resumeServices loads the services a previous run left undelivered: an
// instance that ran when the node stopped without stopping it (a crash)
// stopped at the last height the node handled; the block loop delivers
// them.
func (n *Node) resumeServices(lastHandled int64) error {
	entries, err := os.ReadDir(n.servicesDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(n.servicesDir(), e.Name()))
		if err != nil {
			return err
		}
		var r serviceRecord
		if err := json.Unmarshal(b, &r); err != nil {
			return fmt.Errorf("service record %s: %w", e.Name(), err)
		}
		if r.Delivered {
			continue
		}
		if r.StopHeight == 0 {
			r.StopHeight = min(max(lastHandled, r.AwardHeight), r.end())
			r.Usage.StopHeight = r.StopHeight
			r.Usage.ServedBlocks = uint64(r.StopHeight - r.AwardHeight)
			if err := n.saveService(&r); err != nil {
				return err
			}
		}
		n.services.mu.Lock()
		n.services.m[r.OrderID] = &hosted{rec: r}
		n.services.mu.Unlock()
	}
	return nil
}

// serviceClosed reveals the node's rating of the buyer of a closed
// service order, then forgets the service (its record stays on disk).
func (n *Node) serviceClosed(ctx context.Context, id uint64) {
	h := n.services.get(id)
	if h == nil {
		return
	}
	n.async(ctx, "reveal-rating-"+strconv.FormatUint(id, 10), func(ctx context.Context) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.rec.RatingRevealed {
			return nil
		}
		if _, err := n.sender.Send(ctx, client.WaitCheck, &ledgerpb.Msg{Sum: &ledgerpb.Msg_RevealRating{RevealRating: &ledgerpb.MsgRevealRating{
			OrderId: id, Stars: h.rec.Stars, Salt: h.rec.RatingSalt[:],
		}}}); err != nil {
			return err
		}
		h.rec.RatingRevealed, h.rec.Delivered = true, true
		if err := n.saveService(&h.rec); err != nil {
			return err
		}
		n.services.mu.Lock()
		delete(n.services.m, id)
		n.services.mu.Unlock()
		return nil
	})
}

// Services returns the usage of the services the node hosts, by order.
func (n *Node) Services() []nodeapi.UsageReceipt {
	var out []nodeapi.UsageReceipt
	for _, h := range n.services.all() {
		h.mu.Lock()
		u := h.rec.Usage
		if h.inst != nil {
			cur := h.inst.Usage()
			u.Calls, u.BytesIn, u.BytesOut, u.WallMs = uint64(cur.Calls), uint64(cur.BytesIn), uint64(cur.BytesOut), uint64(cur.WallMs)
		}
		h.mu.Unlock()
		out = append(out, u)
	}
	return out
}

// serviceToken answers RouteServiceToken: a request signed by the
// order's buyer gets a new token of its running instance.
func (n *Node) serviceToken(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	sig, ok := n.signature(w, r)
	if !ok {
		return
	}
	if sig.Body.Length != 0 {
		n.refuse(w, http.StatusBadRequest, "a token request has an empty body")
		return
	}
	h := n.services.get(id)
	if h == nil {
		n.refuse(w, http.StatusNotFound, "order %d: no service instance here", id)
		return
	}
	signer, _ := address.FromPubKey(sig.PublicKey)
	h.mu.Lock()
	buyer := h.rec.Buyer
	h.mu.Unlock()
	if signer != buyer {
		n.refuse(w, http.StatusForbidden, "signer %s is not the buyer of order %d", signer, id)
		return
	}
	if !n.useNonce(w, sig) {
		return
	}
	var tok [nodeapi.TokenSize]byte
	rand.Read(tok[:])
	h.mu.Lock()
	defer h.mu.Unlock()
	a := nodeapi.ServiceAccess{OrderID: id, Ports: h.ports, State: nodeapi.ServiceRunning, AwardHeight: h.rec.AwardHeight,
		EndHeight: h.rec.end(), StopHeight: h.rec.StopHeight, Usage: h.rec.Usage}
	if h.starting {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, nodeapi.ErrorBody{Error: fmt.Sprintf("order %d: the service is starting", id)})
		return
	}
	if h.inst == nil {
		a.State = nodeapi.ServiceStopped
		writeJSON(w, http.StatusGone, nodeapi.ErrorBody{Error: fmt.Sprintf("order %d: the service stopped at height %d", id, h.rec.StopHeight)})
		return
	}
	h.addToken(tok[:])
	cur := h.inst.Usage()
	a.Usage.Calls, a.Usage.BytesIn, a.Usage.BytesOut = uint64(cur.Calls), uint64(cur.BytesIn), uint64(cur.BytesOut)
	a.Token = hex.EncodeToString(tok[:])
	a.Address = strings.TrimSuffix(n.cfg.Endpoint, "/") + nodeapi.ServicePath(id)
	writeJSON(w, http.StatusOK, a)
}

// addToken keeps the hash of a new token, dropping the oldest beyond
// maxServiceTokens. h.mu is held.
func (h *hosted) addToken(tok []byte) {
	if len(h.tokens) == maxServiceTokens {
		h.tokens = h.tokens[1:]
	}
	h.tokens = append(h.tokens, sha256.Sum256(tok))
}

// tokenValid reports whether presented is one of h's tokens, comparing
// in constant time against every one. h.mu is held.
func (h *hosted) tokenValid(presented []byte) bool {
	sum := sha256.Sum256(presented)
	ok := 0
	for _, t := range h.tokens {
		ok |= subtle.ConstantTimeCompare(sum[:], t[:])
	}
	return ok == 1
}

// serviceCall answers RouteServiceCall: a call with a valid token goes to
// the instance's slot.
func (n *Node) serviceCall(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	port, err := strconv.ParseInt(r.PathValue(nodeapi.PathPort), 10, 32)
	if err != nil {
		httpError(w, http.StatusBadRequest, "port %q: want a decimal number", r.PathValue(nodeapi.PathPort))
		return
	}
	tokHex, found := strings.CutPrefix(r.Header.Get(nodeapi.ServiceTokenHeader), "Bearer ")
	tok, err := hex.DecodeString(tokHex)
	if !found || err != nil || len(tok) != nodeapi.TokenSize {
		n.refuse(w, http.StatusUnauthorized, "header %s: want Bearer and the %d-byte token in hex", nodeapi.ServiceTokenHeader, nodeapi.TokenSize)
		return
	}
	h := n.services.get(id)
	if h == nil {
		n.refuse(w, http.StatusNotFound, "order %d: no service instance here", id)
		return
	}
	h.mu.Lock()
	valid, inst, ports := h.tokenValid(tok), h.inst, h.ports
	h.mu.Unlock()
	switch {
	case !valid:
		n.refuse(w, http.StatusUnauthorized, "order %d: not a token of this service", id)
		return
	case inst == nil:
		n.refuse(w, http.StatusGone, "order %d: the service stopped", id)
		return
	case !slices.Contains(ports, int32(port)):
		n.refuse(w, http.StatusBadRequest, "port %d: the service serves %v", port, ports)
		return
	case r.ContentLength > nodeapi.MaxServiceRequest:
		n.refuse(w, http.StatusRequestEntityTooLarge, "request of %d bytes: at most %d", r.ContentLength, nodeapi.MaxServiceRequest)
		return
	}
	req, err := io.ReadAll(http.MaxBytesReader(w, r.Body, nodeapi.MaxServiceRequest))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			n.refuse(w, http.StatusRequestEntityTooLarge, "request over %d bytes", nodeapi.MaxServiceRequest)
			return
		}
		httpError(w, http.StatusBadRequest, "request body: %v", err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), serviceCallTimeout)
	defer cancel()
	resp, err := inst.Call(ctx, int32(port), req)
	var se *wasm.ServiceError
	switch {
	case err == nil:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(resp)))
		w.WriteHeader(http.StatusOK)
		w.Write(resp)
	case errors.As(err, &se):
		httpError(w, http.StatusUnprocessableEntity, "%s", se.Message)
	case errors.Is(err, wasm.ErrUndeclaredPort):
		httpError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, wasm.ErrRequestTooLarge):
		httpError(w, http.StatusRequestEntityTooLarge, "%v", err)
	case errors.Is(err, wasm.ErrResponseTooLarge):
		httpError(w, http.StatusBadGateway, "%v", err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, wasm.ErrTimeLimit):
		httpError(w, http.StatusGatewayTimeout, "%v", err)
	case errors.Is(err, wasm.ErrInstanceStopped):
		httpError(w, http.StatusGone, "%v", err)
	default:
		httpError(w, http.StatusBadGateway, "%v", err)
	}
}

// childPricer prices the children a hosted service starts on this node
// (gateway.Pricer): no start price (the node was paid for the order
// whose tree they belong to) and peer.per_call ucell per call, so that a
// parent's calls to its children are bounded by its order's price.
type childPricer struct{ n *Node }

func (c childPricer) Price(context.Context, *spec.Package) (gateway.Price, error) {
	return gateway.Price{PerCall: c.n.cfg.Peer.PerCall}, nil
}

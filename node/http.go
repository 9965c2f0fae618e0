package node

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/node/bot"
	"github.com/celltonomy/celltonomy/nodeapi"
	"github.com/celltonomy/celltonomy/protocol"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// httpTimeouts are the HTTP server's time limits.
type httpTimeouts struct {
	// header bounds the reading of a request's headers: a client that
	// sends them a byte at a time (slowloris) is cut.
	header time.Duration
	// read bounds the reading of a whole request; an upload extends its
	// own by transferTimeout of its declared size, once authorized.
	read time.Duration
	// write bounds the writing of a response; a download of a file, and
	// an upload's answer, extend their own by transferTimeout.
	write time.Duration
	// idle bounds a kept-alive connection between requests.
	idle time.Duration
	// transfer is the time any transfer gets before its size counts
	// (transferTimeout).
	transfer time.Duration
}

var defaultTimeouts = httpTimeouts{header: 10 * time.Second, read: 30 * time.Second, write: 60 * time.Second, idle: 120 * time.Second,
	transfer: transferBase}

// maxHeaderBytes bounds a request's headers.
const maxHeaderBytes = 64 << 10

// server returns the node's HTTP server (see httpTimeouts); Run serves it
// on the listener, at most max_connections connections at once.
func (n *Node) server() *http.Server {
	return &http.Server{
		Handler:           n.handler(),
		ReadHeaderTimeout: n.timeouts.header,
		ReadTimeout:       n.timeouts.read,
		WriteTimeout:      n.timeouts.write,
		IdleTimeout:       n.timeouts.idle,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}

// handler is the node's HTTP API (nodeapi documents it).
func (n *Node) handler() http.Handler {
	mux := http.NewServeMux()
	packages := blobstore.Handler(n.packages)
	mux.HandleFunc(nodeapi.RouteGetBlob, func(w http.ResponseWriter, r *http.Request) {
		// Only the package store is public, never an order's files.
		if sum, err := blobstore.ParseSum(r.PathValue(nodeapi.PathSum)); err == nil {
			if size, _, err := n.packages.Stat(sum); err == nil {
				n.extendDeadlines(w, size)
			}
		}
		packages.ServeHTTP(w, r)
	})
	mux.HandleFunc(nodeapi.RoutePutBlob, n.putBlob)
	mux.HandleFunc(nodeapi.RoutePutInput, n.putInput)
	mux.HandleFunc(nodeapi.RouteCommitInputs, n.commitInputs)
	mux.HandleFunc(nodeapi.RouteJob, n.getJob)
	mux.HandleFunc(nodeapi.RouteOutputs, n.getOutputs)
	mux.HandleFunc(nodeapi.RouteOutputFile, n.getOutputFile)
	mux.HandleFunc(nodeapi.RouteDecision, n.getDecision)
	mux.HandleFunc(nodeapi.RouteLog, n.getLog)
	mux.HandleFunc(nodeapi.RouteInputs, n.getInputs)
	mux.HandleFunc(nodeapi.RouteInput, n.getInput)
	mux.HandleFunc(nodeapi.RouteBotSpec, n.getBotSpec)
	mux.HandleFunc(nodeapi.RouteServiceToken, n.serviceToken)
	mux.HandleFunc(nodeapi.RouteServiceCall, n.serviceCall)
	mux.HandleFunc(nodeapi.RouteHealth, func(w http.ResponseWriter, r *http.Request) {
		if !n.Healthy() {
			httpError(w, http.StatusServiceUnavailable, "not following the chain yet")
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle(nodeapi.RouteMetrics, promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(nodeapi.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

// refuse answers a request refused before its body was read, and counts
// it.
func (n *Node) refuse(w http.ResponseWriter, status int, format string, args ...any) {
	n.metrics.refusals.WithLabelValues(strconv.Itoa(status)).Inc()
	httpError(w, status, format, args...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func orderID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue(nodeapi.PathOrderID), 10, 64)
	if err != nil {
		httpError(w, http.StatusBadRequest, "order id %q: want a decimal number", r.PathValue(nodeapi.PathOrderID))
		return 0, false
	}
	return id, true
}

// signature verifies the signature headers of r, without reading its
// body, and refuses a Content-Length other than the declared length.
func (n *Node) signature(w http.ResponseWriter, r *http.Request) (*nodeapi.Signature, bool) {
	sig, err := nodeapi.Verify(r, n.opts.Clock())
	if err != nil {
		n.refuse(w, http.StatusUnauthorized, "%v", err)
		return nil, false
	}
	if r.ContentLength >= 0 && r.ContentLength != sig.Body.Length {
		n.refuse(w, http.StatusBadRequest, "Content-Length %d differs from %s %d", r.ContentLength, nodeapi.BodyLengthHeader, sig.Body.Length)
		return nil, false
	}
	return sig, true
}

// useNonce records the nonce of a signature whose signer has a right to
// the request: a repeated one is refused (401), and so is any while the
// replay cache is full (503).
func (n *Node) useNonce(w http.ResponseWriter, sig *nodeapi.Signature) bool {
	err := n.replays.Use(sig, n.opts.Clock())
	switch {
	case errors.Is(err, nodeapi.ErrReplayCacheFull):
		w.Header().Set("Retry-After", "10")
		n.refuse(w, http.StatusServiceUnavailable, "%v", err)
		return false
	case err != nil:
		n.refuse(w, http.StatusUnauthorized, "%v", err)
		return false
	}
	return true
}

// authorize checks, before any body is read, that the request is signed
// by the order's buyer with a fresh nonce, and returns the order and the
// signature.
func (n *Node) authorize(w http.ResponseWriter, r *http.Request, id uint64) (*ledgerpb.Order, *nodeapi.Signature, bool) {
	sig, ok := n.signature(w, r)
	if !ok {
		return nil, nil, false
	}
	buyer, o, err := n.buyerOf(r.Context(), id)
	if err != nil {
		n.refuse(w, http.StatusNotFound, "%v", err)
		return nil, nil, false
	}
	signer, _ := address.FromPubKey(sig.PublicKey)
	if signer != buyer {
		n.refuse(w, http.StatusForbidden, "signer %s is not the buyer of order %d", signer, id)
		return nil, nil, false
	}
	if !n.useNonce(w, sig) {
		return nil, nil, false
	}
	return o, sig, true
}

// activeJob finds the job of order id that accepts inputs: the provider's,
// else the verifier's.
// activeOrAwarded returns the job of order o as activeJob does. When the
// node holds none but o, as the chain shows it, is awarded to this node —
// its award block not handled yet, say while the node's follower catches
// up — it records the provider's job from o first (recordAward), so that
// a buyer who arrives before the node has seen its award is served.
func (n *Node) activeOrAwarded(o *ledgerpb.Order) (Job, bool) {
	if j, ok := n.activeJob(o.GetId()); ok {
		return j, true
	}
	c := o.GetContract()
	if o.GetState() != ledgerpb.OrderState_ORDER_STATE_AWARDED || c == nil || !bytes.Equal(c.GetNodeKey(), n.nodePub) {
		return Job{}, false
	}
	if err := n.recordAward(o, c.GetDeliveryDeadline()); err != nil {
		n.log.Error("award seen by a buyer's request: cannot record the job", "order", o.GetId(), "err", err)
		return Job{}, false
	}
	return n.activeJob(o.GetId())
}

func (n *Node) activeJob(id uint64) (Job, bool) {
	if j, ok := n.jobs.get(id, nodeapi.RoleProvider); ok && !j.Done {
		return j, true
	}
	if j, ok := n.jobs.get(id, nodeapi.RoleVerifier); ok && !j.Done {
		return j, true
	}
	return Job{}, false
}

// uploadSlot takes one of max_concurrent_uploads slots, or answers 503.
func (n *Node) uploadSlot(w http.ResponseWriter) (release func(), ok bool) {
	select {
	case n.uploads <- struct{}{}:
		return func() { <-n.uploads }, true
	default:
		w.Header().Set("Retry-After", "5")
		n.refuse(w, http.StatusServiceUnavailable, "%d uploads in progress: try again later", cap(n.uploads))
		return nil, false
	}
}

// extendDeadlines gives the request transferTimeout(size) more to read
// its body and write its answer, past the server's read and write
// timeouts.
func (n *Node) extendDeadlines(w http.ResponseWriter, size int64) {
	rc := http.NewResponseController(w)
	d := n.now().Add(n.transferTimeout(size))
	rc.SetReadDeadline(d)
	rc.SetWriteDeadline(d.Add(n.timeouts.write))
}

// guardBody counts what is read of body and cuts the request (its read
// deadline) when the body arrives slower than
// min_transfer_bytes_per_second on average, past the transfer base: a
// client that drips its body does not hold an upload slot for the whole
// transfer deadline. The caller calls stop when done.
func (n *Node) guardBody(w http.ResponseWriter, body io.Reader) (guarded io.Reader, stop func()) {
	var got atomic.Int64
	rc := http.NewResponseController(w)
	stop = blobstore.WatchRate(&got, n.cfg.MinTransferBytesPerSecond, n.timeouts.transfer, func() { rc.SetReadDeadline(longAgo) })
	return blobstore.CountReader(body, &got), stop
}

// longAgo is a deadline in the past: setting it cuts a connection at
// once, whatever the node's clock says.
var longAgo = time.Unix(1, 0)

// putError answers a body refused by the blob store.
func (n *Node) putError(ctx context.Context, w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, blobstore.ErrHashMismatch):
		httpError(w, http.StatusBadRequest, "%s: %v: %v", what, nodeapi.ErrBodyMismatch, err)
	case errors.Is(err, blobstore.ErrTooLarge):
		httpError(w, http.StatusBadRequest, "%s: %v: longer than declared", what, nodeapi.ErrBodyMismatch)
	case errors.Is(err, blobstore.ErrQuota):
		n.async(ctx, "gc", func(ctx context.Context) error { return n.collect(ctx, n.currentHeight()) })
		httpError(w, http.StatusInsufficientStorage, "%s: %v", what, err)
	default:
		httpError(w, http.StatusBadRequest, "%s: body: %v", what, err)
	}
}

// declaredInputs returns the input names the package of an order
// declares (its registry record's envelope).
func (n *Node) declaredInputs(ctx context.Context, o *ledgerpb.Order) ([]string, error) {
	rec, err := n.registeredPackage(ctx, o.GetPackageId())
	if err != nil {
		return nil, err
	}
	env := &specpb.Envelope{}
	if err := proto.Unmarshal(rec.GetEnvelope(), env); err != nil {
		return nil, fmt.Errorf("package %x: envelope: %w", o.GetPackageId(), err)
	}
	var declared []string
	for _, p := range env.GetInputs() {
		declared = append(declared, p.GetName())
	}
	return declared, nil
}

// reserveUpload records an upload of size bytes for input name of an
// order, if the order's inputs stay within max_order_input_bytes
// (counting the other inputs uploaded and being uploaded) and the same
// input is not being uploaded; it answers 413 or 409 otherwise.
func (n *Node) reserveUpload(w http.ResponseWriter, j Job, name string, size int64) (release func(), ok bool) {
	n.uploadingMu.Lock()
	defer n.uploadingMu.Unlock()
	inflight := n.uploading[j.OrderID]
	if _, busy := inflight[name]; busy {
		n.refuse(w, http.StatusConflict, "order %d: input %s is being uploaded", j.OrderID, name)
		return nil, false
	}
	total := size
	for k, f := range j.Uploaded {
		if k != name {
			total += int64(f.Size)
		}
	}
	for k, s := range inflight {
		if k != name {
			total += s
		}
	}
	if total > n.cfg.MaxOrderInputBytes {
		n.refuse(w, http.StatusRequestEntityTooLarge, "order %d: its inputs would take %d bytes, over this node's max_order_input_bytes %d", j.OrderID, total, n.cfg.MaxOrderInputBytes)
		return nil, false
	}
	if inflight == nil {
		inflight = map[string]int64{}
		n.uploading[j.OrderID] = inflight
	}
	inflight[name] = size
	return func() {
		n.uploadingMu.Lock()
		delete(inflight, name)
		if len(inflight) == 0 {
			delete(n.uploading, j.OrderID)
		}
		n.uploadingMu.Unlock()
	}, true
}

// putInput receives one input file. Everything is checked before the
// body is read: the buyer's signature and nonce, the job, the name (a
// declared input of the package), the declared size (max_input_bytes,
// max_order_input_bytes) and a free upload slot. The body then streams
// to disk, hashed on the way, within its transfer deadline, and is kept
// only when its hash and length are the declared ones.
func (n *Node) putInput(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	name := r.PathValue(nodeapi.PathInputName)
	if err := inputroot.CheckName(name); err != nil {
		n.refuse(w, http.StatusBadRequest, "input name: %v", err)
		return
	}
	o, sig, ok := n.authorize(w, r, id)
	if !ok {
		return
	}
	j, ok := n.activeOrAwarded(o)
	if !ok {
		n.refuse(w, http.StatusNotFound, "order %d: this node holds no job for it (not awarded here, or not drawn as verifier)", id)
		return
	}
	if j.MissingReported {
		n.refuse(w, http.StatusConflict, "order %d: its inputs were reported missing on chain at the input deadline", id)
		return
	}
	f := InputFile{Name: name, Size: uint64(sig.Body.Length), SHA256: Hash(sig.Body.SHA256)}
	// The same file again is harmless (the verifier may have had it from
	// the provider already), and needs no body: the signature binds it.
	if up, ok := j.Uploaded[name]; ok && up == f {
		writeJSON(w, http.StatusOK, f.wire())
		return
	}
	if j.State != nodeapi.StateAwaitingInputs {
		n.refuse(w, http.StatusConflict, "order %d: inputs already committed (job is %s)", id, j.State)
		return
	}
	declared, err := n.declaredInputs(r.Context(), o)
	if err != nil {
		n.refuse(w, http.StatusBadGateway, "%v", err)
		return
	}
	if !slices.Contains(declared, name) {
		n.refuse(w, http.StatusBadRequest, "input %q: not declared by the package (declared: %s)", name, strings.Join(declared, ", "))
		return
	}
	if sig.Body.Length > n.cfg.MaxInputBytes {
		n.refuse(w, http.StatusRequestEntityTooLarge, "input %s: %d bytes, over this node's max_input_bytes %d", name, sig.Body.Length, n.cfg.MaxInputBytes)
		return
	}
	unreserve, ok := n.reserveUpload(w, j, name, sig.Body.Length)
	if !ok {
		return
	}
	defer unreserve()
	release, ok := n.uploadSlot(w)
	if !ok {
		return
	}
	defer release()
	n.extendDeadlines(w, sig.Body.Length)
	start := n.now()
	body, stop := n.guardBody(w, r.Body)
	_, size, err := n.files.PutLimit(body, &sig.Body.SHA256, sig.Body.Length)
	stop()
	if err != nil {
		n.putError(r.Context(), w, "input "+name, err)
		return
	}
	if size != sig.Body.Length {
		httpError(w, http.StatusBadRequest, "input %s: %v: %d bytes received, %d declared", name, nodeapi.ErrBodyMismatch, size, sig.Body.Length)
		return
	}
	var replaced InputFile
	if _, err := n.jobs.update(id, j.Role, func(j *Job) error {
		if j.State != nodeapi.StateAwaitingInputs || j.MissingReported {
			return errNoChange
		}
		if j.Uploaded == nil {
			j.Uploaded = map[string]InputFile{}
		}
		replaced = j.Uploaded[name]
		j.Uploaded[name] = f
		return nil
	}); err != nil {
		if errors.Is(err, errNoChange) {
			httpError(w, http.StatusConflict, "order %d: inputs committed or reported missing meanwhile", id)
			return
		}
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	if !replaced.SHA256.IsZero() && replaced.SHA256 != f.SHA256 {
		n.dropFile(replaced.SHA256, start)
	}
	n.metrics.uploads.Inc()
	writeJSON(w, http.StatusCreated, f.wire())
}

// dropFile removes a file that an upload replaced, unless another job
// references it or it was used since t.
func (n *Node) dropFile(sum Hash, t time.Time) {
	for _, j := range n.jobs.all() {
		if slices.Contains(j.blobSums(), [32]byte(sum)) {
			return
		}
	}
	n.files.DeleteUnusedSince(sum, t)
}

func (n *Node) commitInputs(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	o, sig, ok := n.authorize(w, r, id)
	if !ok {
		return
	}
	body, err := nodeapi.ReadBody(r.Body, sig, nodeapi.MaxInputsBody)
	if errors.Is(err, nodeapi.ErrBodyTooLarge) {
		httpError(w, http.StatusRequestEntityTooLarge, "inputs: %v", err)
		return
	}
	if err != nil {
		httpError(w, http.StatusBadRequest, "inputs: %v", err)
		return
	}
	inputs, root, err := parseInputs(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	j, ok := n.activeOrAwarded(o)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: this node holds no job for it (not awarded here, or not drawn as verifier)", id)
		return
	}
	if j.State != nodeapi.StateAwaitingInputs {
		writeJSON(w, http.StatusOK, n.status(j))
		return
	}
	if j.MissingReported {
		httpError(w, http.StatusConflict, "order %d: its inputs were reported missing on chain at the input deadline", id)
		return
	}
	if !bytes.Equal(root[:], o.GetInputRoot()) {
		httpError(w, http.StatusBadRequest, "inputs: their input root %x does not match the order's input root %x", root, o.GetInputRoot())
		return
	}
	if declared := o.GetInputBytes(); declared > 0 {
		// The node priced the order by its declared size: the inputs must
		// total exactly that.
		var total uint64
		for _, f := range inputs {
			total += uint64(f.Size)
		}
		if total != declared {
			httpError(w, http.StatusBadRequest, "inputs: they total %d bytes; the order declares input_bytes %d", total, declared)
			return
		}
	}
	if err := n.checkDeclaredInputs(r.Context(), o, inputs); err != nil {
		httpError(w, http.StatusBadRequest, "inputs: %v", err)
		return
	}
	var missing []string
	for _, f := range inputs {
		if up, ok := j.Uploaded[f.Name]; !ok || up != f {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		httpError(w, http.StatusBadRequest, "inputs %s: not uploaded with that content; PUT /v1/orders/%d/inputs/NAME first", strings.Join(missing, ", "), id)
		return
	}
	// The provider's receipt: the node holds these inputs and will run
	// them. The buyer shows it on chain only if the node then reports the
	// inputs missing or does not deliver (market: PostInputReceipt).
	var receipt string
	if j.Role == nodeapi.RoleProvider {
		receipt = hex.EncodeToString(market.SignInputReceipt(n.opts.NodeKey, n.chainID, id, o.GetInputRoot()))
	}
	j, err = n.jobs.update(id, j.Role, func(j *Job) error {
		if j.State != nodeapi.StateAwaitingInputs || j.MissingReported {
			return errNoChange
		}
		j.Inputs, j.State, j.InputReceipt = inputs, nodeapi.StateRunning, receipt
		return nil
	})
	if err != nil && !errors.Is(err, errNoChange) {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	if err == nil {
		n.enqueue(id, j.Role)
	}
	writeJSON(w, http.StatusOK, n.status(j))
}

// checkDeclaredInputs checks the names of an input list against the
// inputs the order's package declares, so that the node never signs a
// receipt for inputs its run would refuse.
func (n *Node) checkDeclaredInputs(ctx context.Context, o *ledgerpb.Order, ins []InputFile) error {
	declared, err := n.declaredInputs(ctx, o)
	if err != nil {
		return err
	}
	for _, f := range ins {
		if !slices.Contains(declared, f.Name) {
			return fmt.Errorf("input %q: not declared by the package (declared: %s)", f.Name, strings.Join(declared, ", "))
		}
	}
	if len(ins) != len(declared) {
		return fmt.Errorf("%d inputs given, the package declares %d (%s)", len(ins), len(declared), strings.Join(declared, ", "))
	}
	return nil
}

// parseInputs decodes the body of POST /v1/orders/{id}/inputs and returns
// its inputs with their input root. Errors name the field: unknown
// fields, a hash that is not 64 hex digits, a bad or repeated name.
func parseInputs(body []byte) ([]InputFile, [32]byte, error) {
	var req nodeapi.InputsRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return nil, [32]byte{}, fmt.Errorf("inputs: %w", err)
	}
	inputs, err := inputFilesOf(req.Inputs)
	if err != nil {
		return nil, [32]byte{}, err
	}
	var ins []inputroot.Input
	for _, f := range inputs {
		ins = append(ins, inputroot.Input{Name: f.Name, Size: f.Size, SHA256: f.SHA256})
	}
	root, err := inputroot.Compute(ins)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("inputs: %w", err)
	}
	return inputs, root, nil
}

func (n *Node) status(j Job) nodeapi.JobStatus {
	st := j.status()
	if j.State == nodeapi.StateAwaitingInputs {
		for _, f := range j.Inputs {
			if _, ok := j.Uploaded[f.Name]; !ok {
				st.MissingInputs = append(st.MissingInputs, f.Name)
			}
		}
	}
	if w, err := readLog(n.logPath(j.OrderID, j.Role)); err == nil && len(w) > 0 {
		st.EventLogHead = logHead(w)
	}
	return st
}

func (n *Node) getJob(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	j, ok := n.jobs.get(id, nodeapi.RoleProvider)
	if !ok {
		if j, ok = n.jobs.get(id, nodeapi.RoleVerifier); !ok {
			httpError(w, http.StatusNotFound, "order %d: no job here", id)
			return
		}
	}
	writeJSON(w, http.StatusOK, n.status(j))
}

func (n *Node) getDecision(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	d, ok := n.decisions.get(id)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: this node has not decided on it", id)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// authorizeReader checks, before anything is read, that a request for an
// order's results is signed, with a fresh nonce, by the order's buyer, or
// by the node key of a verifier drawn in the dispute of a protocol order
// (it checks the provider's log and datasets; it never gets the
// completion code). It reports whether the signer is the buyer.
func (n *Node) authorizeReader(w http.ResponseWriter, r *http.Request, id uint64) (buyer, ok bool) {
	sig, ok := n.signature(w, r)
	if !ok {
		return false, false
	}
	b, o, err := n.buyerOf(r.Context(), id)
	if err != nil {
		n.refuse(w, http.StatusNotFound, "%v", err)
		return false, false
	}
	signer, _ := address.FromPubKey(sig.PublicKey)
	buyer = signer == b
	if !buyer {
		drawn := slices.ContainsFunc(o.GetDispute().GetVerifiers(), func(v *ledgerpb.DrawnVerifier) bool {
			return bytes.Equal(v.GetNodeKey(), sig.PublicKey)
		})
		if !drawn || !n.protocolOrder(r.Context(), o) {
			n.refuse(w, http.StatusForbidden, "signer %s is not the buyer of order %d", signer, id)
			return false, false
		}
	}
	if !n.useNonce(w, sig) {
		return false, false
	}
	return buyer, true
}

// protocolOrder reports whether an order's package is a protocol package.
func (n *Node) protocolOrder(ctx context.Context, o *ledgerpb.Order) bool {
	rec, err := n.registeredPackage(ctx, o.GetPackageId())
	return err == nil && isProtocol(rec)
}

// providerOutputs returns the executed provider job of an order, after
// checking the signature of its buyer or, for a protocol order, of a
// drawn verifier; buyer reports which.
func (n *Node) providerOutputs(w http.ResponseWriter, r *http.Request) (j Job, buyer, ok bool) {
	id, ok := orderID(w, r)
	if !ok {
		return Job{}, false, false
	}
	if buyer, ok = n.authorizeReader(w, r, id); !ok {
		return Job{}, false, false
	}
	j, ok = n.jobs.get(id, nodeapi.RoleProvider)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: not awarded to this node", id)
		return Job{}, false, false
	}
	if j.State != nodeapi.StateExecuted && j.State != nodeapi.StateDelivered {
		httpError(w, http.StatusConflict, "order %d: outputs not ready (job is %s)", id, j.State)
		return Job{}, false, false
	}
	return j, buyer, true
}

func (n *Node) getOutputs(w http.ResponseWriter, r *http.Request) {
	j, buyer, ok := n.providerOutputs(w, r)
	if !ok {
		return
	}
	logBytes, _ := readLog(n.logPath(j.OrderID, j.Role))
	out := nodeapi.Outputs{
		OrderID: j.OrderID, OutputRoot: j.DeliveredRoot.String(), Stdout: j.Stdout, Stderr: j.Stderr,
		Files: wireOutputs(j.Files), EventLog: logBytes, Result: cmp.Or(j.Result, "exited"),
	}
	if j.ExitCode != nil {
		out.ExitCode = *j.ExitCode
	}
	if buyer {
		out.CompletionCode = hex.EncodeToString(j.CompletionCode[:])
		if j.Label != "" {
			png, err := bot.LabelPNG(j.OrderID, j.Label, j.CompletionCode)
			if err != nil {
				httpError(w, http.StatusInternalServerError, "order %d: shipping label: %v", j.OrderID, err)
				return
			}
			out.Label = &nodeapi.ShippingLabel{ID: j.Label, PNG: png}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// getLog answers the buyer of an order with the event log of this node's
// provider job as stored (runtime/eventlog), events appended so far
// included; empty before the first.
func (n *Node) getLog(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	if _, ok := n.authorizeReader(w, r, id); !ok {
		return
	}
	j, ok := n.jobs.get(id, nodeapi.RoleProvider)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: not awarded to this node", id)
		return
	}
	b, err := readLog(n.logPath(j.OrderID, j.Role))
	if err != nil {
		httpError(w, http.StatusInternalServerError, "order %d: event log: %v", id, err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (n *Node) getOutputFile(w http.ResponseWriter, r *http.Request) {
	j, _, ok := n.providerOutputs(w, r)
	if !ok {
		return
	}
	want, err := ParseHash(r.PathValue(nodeapi.PathSum))
	if err != nil {
		httpError(w, http.StatusBadRequest, "output file: %v", err)
		return
	}
	if !slices.ContainsFunc(j.Files, func(f OutputFile) bool { return f.SHA256 == want }) {
		httpError(w, http.StatusNotFound, "order %d: no output file with SHA-256 %s", j.OrderID, want)
		return
	}
	n.serveFile(w, want)
}

// serveFile answers with the stored file whose SHA-256 is sum, an
// order's input or output file the caller has authorized.
func (n *Node) serveFile(w http.ResponseWriter, sum Hash) {
	f, size, err := n.files.Open(sum)
	if errors.Is(err, blobstore.ErrNotFound) {
		httpError(w, http.StatusNotFound, "file %s: no longer held (removed after its retention)", sum)
		return
	}
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	defer f.Close()
	n.extendDeadlines(w, size)
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	io.Copy(w, f)
}

// putBlob accepts a .cellpkg whose registry record lists a location at
// this node's endpoint for exactly this blob, uploaded by the package's
// author. Everything is checked before the body is read: the package id
// (Cell-Package-Id), its registry record, the author's signature and
// nonce, the location, the declared hash (the blob hash in the path) and
// size (at most the record's size, see PackageBlobMargin, and
// max_package_bytes), a free upload slot. The body then streams to disk,
// hashed on the way, and is decoded and checked against the package id
// and the registry's envelope.
func (n *Node) putBlob(w http.ResponseWriter, r *http.Request) {
	sum, err := blobstore.ParseSum(r.PathValue(nodeapi.PathSum))
	if err != nil {
		n.refuse(w, http.StatusBadRequest, "blob hash: %v", err)
		return
	}
	id, err := spec.ParseID(r.Header.Get(nodeapi.PackageIDHeader))
	if err != nil {
		n.refuse(w, http.StatusBadRequest, "header %s: %v", nodeapi.PackageIDHeader, err)
		return
	}
	sig, ok := n.signature(w, r)
	if !ok {
		return
	}
	rec, err := n.registeredPackage(r.Context(), id[:])
	if err != nil {
		n.refuse(w, http.StatusForbidden, "package %s: not registered; register it before uploading", id)
		return
	}
	if signer, _ := address.FromPubKey(sig.PublicKey); !bytes.Equal(signer[:], rec.GetAuthor()) {
		n.refuse(w, http.StatusForbidden, "signer %s is not the author of package %s", signer, id)
		return
	}
	listed := false
	for _, loc := range rec.GetBlobLocations() {
		if s, err := blobSum(loc); err == nil && s == sum && strings.HasPrefix(loc, strings.TrimSuffix(n.cfg.Endpoint, "/")+"/") {
			listed = true
		}
	}
	if !listed {
		n.refuse(w, http.StatusForbidden, "package %s: its registry record does not list %s%s", id, strings.TrimSuffix(n.cfg.Endpoint, "/"), nodeapi.BlobPath(sum))
		return
	}
	if sig.Body.SHA256 != sum {
		n.refuse(w, http.StatusBadRequest, "header %s: must be the blob hash %x", nodeapi.BodySHA256Header, sum)
		return
	}
	maxSize := n.packageMaxSize(rec)
	if sig.Body.Length > maxSize {
		n.refuse(w, http.StatusRequestEntityTooLarge, "package %s: %d bytes, over %d (its registry record's size, or max_package_bytes)", id, sig.Body.Length, maxSize)
		return
	}
	if !n.useNonce(w, sig) {
		return
	}
	answer := map[string]string{"sha256": hex.EncodeToString(sum[:]), "package_id": id.String()}
	if n.packages.Has(sum) {
		writeJSON(w, http.StatusOK, answer)
		return
	}
	release, ok := n.uploadSlot(w)
	if !ok {
		return
	}
	defer release()
	n.extendDeadlines(w, sig.Body.Length)
	body, stop := n.guardBody(w, r.Body)
	_, _, err = n.packages.PutLimit(body, &sum, sig.Body.Length)
	stop()
	if err != nil {
		n.putError(r.Context(), w, "blob", err)
		return
	}
	want := blobstore.PackageWant{ID: id, Envelope: rec.GetEnvelope(), Limits: spec.DefaultLimits()}
	if _, err := blobstore.FetchPackage(r.Context(), nil, nil, sum, n.packages, want, blobstore.FetchOptions{MaxSize: maxSize}); err != nil {
		// The package store holds packages only.
		n.packages.Delete(sum)
		httpError(w, http.StatusBadRequest, "blob: not the registered package: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, answer)
}

func readLog(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// logHead returns the head (hex) of a stored event log, or "" when it does
// not parse.
func logHead(b []byte) string {
	l, err := eventlog.Read(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	h := l.Head()
	return hex.EncodeToString(h[:])
}

// drawnVerifier checks that the request is signed by the node key of a
// verifier drawn in the order's dispute, with a fresh nonce, and returns
// the job whose committed inputs it asks for: this node's provider job,
// or its own verifier job once its inputs are committed (so that drawn
// verifiers can get the inputs from each other).
func (n *Node) drawnVerifier(w http.ResponseWriter, r *http.Request) (Job, bool) {
	id, ok := orderID(w, r)
	if !ok {
		return Job{}, false
	}
	sig, ok := n.signature(w, r)
	if !ok {
		return Job{}, false
	}
	o, err := n.order(r.Context(), id)
	if err != nil {
		n.refuse(w, http.StatusNotFound, "%v", err)
		return Job{}, false
	}
	drawn := false
	for _, v := range o.GetOrder().GetDispute().GetVerifiers() {
		if bytes.Equal(v.GetNodeKey(), sig.PublicKey) {
			drawn = true
		}
	}
	if !drawn {
		n.refuse(w, http.StatusForbidden, "node key %x is not a verifier drawn for order %d", []byte(sig.PublicKey), id)
		return Job{}, false
	}
	if !n.useNonce(w, sig) {
		return Job{}, false
	}
	if j, ok := n.jobs.get(id, nodeapi.RoleProvider); ok && len(j.Inputs) > 0 {
		return j, true
	}
	if j, ok := n.jobs.get(id, nodeapi.RoleVerifier); ok && len(j.Inputs) > 0 && j.State != nodeapi.StateAwaitingInputs {
		return j, true
	}
	httpError(w, http.StatusNotFound, "order %d: this node holds no committed inputs for it", id)
	return Job{}, false
}

func (n *Node) getInputs(w http.ResponseWriter, r *http.Request) {
	if j, ok := n.drawnVerifier(w, r); ok {
		writeJSON(w, http.StatusOK, nodeapi.InputsRequest{Inputs: wireInputs(j.Inputs)})
	}
}

func (n *Node) getInput(w http.ResponseWriter, r *http.Request) {
	j, ok := n.drawnVerifier(w, r)
	if !ok {
		return
	}
	name := r.PathValue(nodeapi.PathInputName)
	i := slices.IndexFunc(j.Inputs, func(f InputFile) bool { return f.Name == name })
	if i < 0 {
		httpError(w, http.StatusNotFound, "order %d: no input %q", j.OrderID, name)
		return
	}
	n.serveFile(w, j.Inputs[i].SHA256)
}

// getBotSpec serves the BotSpec of one of the node's bots by its id, in
// its canonical form (the bytes the id hashes), so that a buyer or a
// verifier can check a protocol run against the bot the bid named.
func (n *Node) getBotSpec(w http.ResponseWriter, r *http.Request) {
	id, err := protocol.ParseBotSpecID(r.PathValue(nodeapi.PathBotSpecID))
	if err != nil {
		httpError(w, http.StatusBadRequest, "botspec id: %v", err)
		return
	}
	b, ok := n.botByID(id)
	if !ok {
		httpError(w, http.StatusNotFound, "BotSpec %s: no bot of this node", id)
		return
	}
	data, err := b.Spec.Canonical()
	if err != nil {
		httpError(w, http.StatusInternalServerError, "BotSpec %s: %v", id, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(data)
}

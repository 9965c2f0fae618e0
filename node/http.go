package node

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
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

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/protobuf/proto"

	"github.com/celltonomy/celltonomy/client/gateway"
	"github.com/celltonomy/celltonomy/ledger/address"
	"github.com/celltonomy/celltonomy/ledger/ledgerpb"
	"github.com/celltonomy/celltonomy/ledger/market"
	"github.com/celltonomy/celltonomy/node/blobstore"
	"github.com/celltonomy/celltonomy/runtime/eventlog"
	"github.com/celltonomy/celltonomy/runtime/inputroot"
	"github.com/celltonomy/celltonomy/spec"
	"github.com/celltonomy/celltonomy/spec/specpb"
)

// maxInputsBody bounds the JSON body of POST /v1/orders/{id}/inputs.
const maxInputsBody = 1 << 20

// handler is the node's HTTP API (client/gateway documents it).
func (n *Node) handler() http.Handler {
	mux := http.NewServeMux()
	blobs := blobstore.Handler(n.blobs)
	mux.Handle("GET /v1/blobs/", blobs)
	mux.Handle("HEAD /v1/blobs/", blobs)
	mux.HandleFunc("PUT /v1/blobs/{sum}", n.putBlob)
	mux.HandleFunc("PUT /v1/orders/{id}/inputs/{name}", n.putInput)
	mux.HandleFunc("POST /v1/orders/{id}/inputs", n.commitInputs)
	mux.HandleFunc("GET /v1/orders/{id}/job", n.getJob)
	mux.HandleFunc("GET /v1/orders/{id}/outputs", n.getOutputs)
	mux.HandleFunc("GET /v1/orders/{id}/outputs/{sum}", n.getOutputFile)
	mux.HandleFunc("GET /v1/orders/{id}/decision", n.getDecision)
	mux.HandleFunc("GET /v1/orders/{id}/inputs", n.getInputs)
	mux.HandleFunc("GET /v1/orders/{id}/inputs/{name}", n.getInput)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !n.Healthy() {
			httpError(w, http.StatusServiceUnavailable, "not following the chain yet")
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.metrics.reg, promhttp.HandlerOpts{}))
	return mux
}

func httpError(w http.ResponseWriter, status int, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(gateway.ErrorBody{Error: fmt.Sprintf(format, args...)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func orderID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		httpError(w, http.StatusBadRequest, "order id %q: want a decimal number", r.PathValue("id"))
		return 0, false
	}
	return id, true
}

// authorize checks that the request is signed by the order's buyer.
func (n *Node) authorize(w http.ResponseWriter, r *http.Request, id uint64, body []byte) (*ledgerpb.Order, bool) {
	pub, err := gateway.Verify(r, body)
	if err != nil {
		httpError(w, http.StatusUnauthorized, "%v", err)
		return nil, false
	}
	buyer, o, err := n.buyerOf(r.Context(), id)
	if err != nil {
		httpError(w, http.StatusNotFound, "%v", err)
		return nil, false
	}
	signer, _ := address.FromPubKey(pub)
	if signer != buyer {
		httpError(w, http.StatusForbidden, "signer %s is not the buyer of order %d", signer, id)
		return nil, false
	}
	return o, true
}

// activeJob finds the job of order id that accepts inputs: the provider's,
// else the verifier's.
func (n *Node) activeJob(id uint64) (Job, bool) {
	if j, ok := n.jobs.get(id, gateway.RoleProvider); ok && !j.Done {
		return j, true
	}
	if j, ok := n.jobs.get(id, gateway.RoleVerifier); ok && !j.Done {
		return j, true
	}
	return Job{}, false
}

func (n *Node) putInput(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	if err := inputroot.CheckName(name); err != nil {
		httpError(w, http.StatusBadRequest, "input name: %v", err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n.blobs.MaxSize()))
	if err != nil {
		httpError(w, http.StatusRequestEntityTooLarge, "input %s: %v", name, err)
		return
	}
	if _, ok := n.authorize(w, r, id, body); !ok {
		return
	}
	j, ok := n.activeJob(id)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: this node holds no job for it (not awarded here, or not drawn as verifier)", id)
		return
	}
	if j.MissingReported {
		httpError(w, http.StatusConflict, "order %d: its inputs were reported missing on chain at the input deadline", id)
		return
	}
	if j.State != gateway.StateAwaitingInputs {
		// Uploading a committed input again is harmless (the verifier may
		// have had it from the provider already); anything else is late.
		sum := sha256.Sum256(body)
		for _, f := range j.Inputs {
			if f.Name == name && f.SHA256 == hex.EncodeToString(sum[:]) && f.Size == uint64(len(body)) {
				writeJSON(w, http.StatusOK, f)
				return
			}
		}
		httpError(w, http.StatusConflict, "order %d: inputs already committed (job is %s)", id, j.State)
		return
	}
	sum, size, err := n.blobs.Put(bytes.NewReader(body))
	if err != nil {
		httpError(w, http.StatusInternalServerError, "input %s: %v", name, err)
		return
	}
	f := gateway.InputFile{Name: name, Size: uint64(size), SHA256: hex.EncodeToString(sum[:])}
	if _, err := n.jobs.update(id, j.Role, func(j *Job) error {
		if j.Uploaded == nil {
			j.Uploaded = map[string]gateway.InputFile{}
		}
		j.Uploaded[name] = f
		return nil
	}); err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	n.metrics.uploads.Inc()
	writeJSON(w, http.StatusCreated, f)
}

func (n *Node) commitInputs(w http.ResponseWriter, r *http.Request) {
	id, ok := orderID(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInputsBody))
	if err != nil {
		httpError(w, http.StatusRequestEntityTooLarge, "inputs: %v", err)
		return
	}
	o, ok := n.authorize(w, r, id, body)
	if !ok {
		return
	}
	req, root, err := parseInputs(body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	j, ok := n.activeJob(id)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: this node holds no job for it (not awarded here, or not drawn as verifier)", id)
		return
	}
	if j.State != gateway.StateAwaitingInputs {
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
	if err := n.checkDeclaredInputs(r.Context(), o, req.Inputs); err != nil {
		httpError(w, http.StatusBadRequest, "inputs: %v", err)
		return
	}
	var missing []string
	for _, f := range req.Inputs {
		up, ok := j.Uploaded[f.Name]
		if !ok || up.SHA256 != f.SHA256 || up.Size != f.Size {
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
	if j.Role == gateway.RoleProvider {
		receipt = hex.EncodeToString(market.SignInputReceipt(n.opts.NodeKey, n.chainID, id, o.GetInputRoot()))
	}
	j, err = n.jobs.update(id, j.Role, func(j *Job) error {
		if j.State != gateway.StateAwaitingInputs || j.MissingReported {
			return errNoChange
		}
		j.Inputs, j.State, j.InputReceipt = req.Inputs, gateway.StateRunning, receipt
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
func (n *Node) checkDeclaredInputs(ctx context.Context, o *ledgerpb.Order, ins []gateway.InputFile) error {
	rec, err := n.registeredPackage(ctx, o.GetPackageId())
	if err != nil {
		return err
	}
	env := &specpb.Envelope{}
	if err := proto.Unmarshal(rec.GetEnvelope(), env); err != nil {
		return fmt.Errorf("package %x: envelope: %w", o.GetPackageId(), err)
	}
	var declared []string
	for _, p := range env.GetInputs() {
		declared = append(declared, p.GetName())
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
// it with its input root. Errors name the field: unknown fields, a hash
// that is not 64 hex digits, a bad or repeated name.
func parseInputs(body []byte) (gateway.InputsRequest, [32]byte, error) {
	var req gateway.InputsRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, [32]byte{}, fmt.Errorf("inputs: %w", err)
	}
	var ins []inputroot.Input
	for i, f := range req.Inputs {
		sum, err := blobstore.ParseSum(f.SHA256)
		if err != nil {
			return req, [32]byte{}, fmt.Errorf("inputs[%d].sha256: %w", i, err)
		}
		ins = append(ins, inputroot.Input{Name: f.Name, Size: f.Size, SHA256: sum})
	}
	root, err := inputroot.Compute(ins)
	if err != nil {
		return req, [32]byte{}, fmt.Errorf("inputs: %w", err)
	}
	return req, root, nil
}

func (n *Node) status(j Job) gateway.JobStatus {
	st := j.status()
	if j.State == gateway.StateAwaitingInputs {
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
	j, ok := n.jobs.get(id, gateway.RoleProvider)
	if !ok {
		if j, ok = n.jobs.get(id, gateway.RoleVerifier); !ok {
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
	n.mu.Lock()
	d, ok := n.decisions[id]
	n.mu.Unlock()
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: this node has not decided on it", id)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// providerOutputs returns the executed provider job of an order, after
// checking the buyer's signature.
func (n *Node) providerOutputs(w http.ResponseWriter, r *http.Request) (Job, bool) {
	id, ok := orderID(w, r)
	if !ok {
		return Job{}, false
	}
	if _, ok := n.authorize(w, r, id, nil); !ok {
		return Job{}, false
	}
	j, ok := n.jobs.get(id, gateway.RoleProvider)
	if !ok {
		httpError(w, http.StatusNotFound, "order %d: not awarded to this node", id)
		return Job{}, false
	}
	if j.State != gateway.StateExecuted && j.State != gateway.StateDelivered {
		httpError(w, http.StatusConflict, "order %d: outputs not ready (job is %s)", id, j.State)
		return Job{}, false
	}
	return j, true
}

func (n *Node) getOutputs(w http.ResponseWriter, r *http.Request) {
	j, ok := n.providerOutputs(w, r)
	if !ok {
		return
	}
	logBytes, _ := readLog(n.logPath(j.OrderID, j.Role))
	out := gateway.Outputs{
		OrderID: j.OrderID, OutputRoot: j.DeliveredRoot, Stdout: j.Stdout, Stderr: j.Stderr,
		Files: j.Files, CompletionCode: j.CompletionCode, EventLog: logBytes, Result: cmp.Or(j.Result, "exited"),
	}
	if j.ExitCode != nil {
		out.ExitCode = *j.ExitCode
	}
	writeJSON(w, http.StatusOK, out)
}

func (n *Node) getOutputFile(w http.ResponseWriter, r *http.Request) {
	j, ok := n.providerOutputs(w, r)
	if !ok {
		return
	}
	want := r.PathValue("sum")
	if !slices.ContainsFunc(j.Files, func(f gateway.OutputFile) bool { return f.SHA256 == want }) {
		httpError(w, http.StatusNotFound, "order %d: no output file with SHA-256 %s", j.OrderID, want)
		return
	}
	n.serveBlob(w, want)
}

// serveBlob answers with the stored blob whose SHA-256 is sumHex, an
// order's input or output file the caller has authorized.
func (n *Node) serveBlob(w http.ResponseWriter, sumHex string) {
	sum, err := blobstore.ParseSum(sumHex)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	f, size, err := n.blobs.Open(sum)
	if err != nil {
		httpError(w, http.StatusInternalServerError, "%v", err)
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	io.Copy(w, f)
}

// putBlob accepts a .cellpkg whose registry record lists a location at
// this node's endpoint for exactly this blob.
func (n *Node) putBlob(w http.ResponseWriter, r *http.Request) {
	sum, err := blobstore.ParseSum(r.PathValue("sum"))
	if err != nil {
		httpError(w, http.StatusBadRequest, "blob hash: %v", err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, n.blobs.MaxSize()))
	if err != nil {
		httpError(w, http.StatusRequestEntityTooLarge, "blob: %v", err)
		return
	}
	p, err := spec.DecodePackage(body, spec.DefaultLimits())
	if err != nil {
		httpError(w, http.StatusBadRequest, "blob: not a valid .cellpkg: %v", err)
		return
	}
	id := p.ID()
	rec, err := n.registeredPackage(r.Context(), id[:])
	if err != nil {
		httpError(w, http.StatusForbidden, "package %s: not registered; register it before uploading", id)
		return
	}
	listed := false
	for _, loc := range rec.GetBlobLocations() {
		if s, err := blobSum(loc); err == nil && s == sum && strings.HasPrefix(loc, strings.TrimSuffix(n.cfg.Endpoint, "/")+"/") {
			listed = true
		}
	}
	if !listed {
		httpError(w, http.StatusForbidden, "package %s: its registry record does not list %s/v1/blobs/%x", id, n.cfg.Endpoint, sum)
		return
	}
	if _, err := n.blobs.PutExpect(bytes.NewReader(body), sum); err != nil {
		httpError(w, http.StatusBadRequest, "blob: %v", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"sha256": hex.EncodeToString(sum[:]), "package_id": id.String()})
}

func readLog(path string) ([]byte, error) {
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

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
// verifier drawn in the order's dispute, and returns the provider job
// whose inputs it asks for.
func (n *Node) drawnVerifier(w http.ResponseWriter, r *http.Request) (Job, bool) {
	id, ok := orderID(w, r)
	if !ok {
		return Job{}, false
	}
	pub, err := gateway.Verify(r, nil)
	if err != nil {
		httpError(w, http.StatusUnauthorized, "%v", err)
		return Job{}, false
	}
	o, err := n.order(r.Context(), id)
	if err != nil {
		httpError(w, http.StatusNotFound, "%v", err)
		return Job{}, false
	}
	drawn := false
	for _, v := range o.GetOrder().GetDispute().GetVerifiers() {
		if bytes.Equal(v.GetNodeKey(), pub) {
			drawn = true
		}
	}
	if !drawn {
		httpError(w, http.StatusForbidden, "node key %x is not a verifier drawn for order %d", []byte(pub), id)
		return Job{}, false
	}
	j, ok := n.jobs.get(id, gateway.RoleProvider)
	if !ok || len(j.Inputs) == 0 {
		httpError(w, http.StatusNotFound, "order %d: this node holds no committed inputs for it", id)
		return Job{}, false
	}
	return j, true
}

func (n *Node) getInputs(w http.ResponseWriter, r *http.Request) {
	if j, ok := n.drawnVerifier(w, r); ok {
		writeJSON(w, http.StatusOK, gateway.InputsRequest{Inputs: j.Inputs})
	}
}

func (n *Node) getInput(w http.ResponseWriter, r *http.Request) {
	j, ok := n.drawnVerifier(w, r)
	if !ok {
		return
	}
	name := r.PathValue("name")
	i := slices.IndexFunc(j.Inputs, func(f gateway.InputFile) bool { return f.Name == name })
	if i < 0 {
		httpError(w, http.StatusNotFound, "order %d: no input %q", j.OrderID, name)
		return
	}
	n.serveBlob(w, j.Inputs[i].SHA256)
}

// Package gateway is the HTTP protocol between a buyer and a fulfillment
// node: the wire types, the buyer's request signature, and a client.
//
// A node serves, under its registered endpoint:
//
//	GET  /v1/blobs/{sha256}                  a blob (a .cellpkg) by content hash; public
//	PUT  /v1/blobs/{sha256}                  upload a .cellpkg that the registry lists at this node
//	PUT  /v1/orders/{id}/inputs/{name}       one input file of an order; signed by the order's buyer
//	POST /v1/orders/{id}/inputs              the input list (InputsRequest); the node checks it
//	                                         against the order's input root and starts the job
//	GET  /v1/orders/{id}/job                 the job's progress (JobStatus); public, no secrets
//	GET  /v1/orders/{id}/outputs             the results (Outputs), with the completion code; signed
//	GET  /v1/orders/{id}/outputs/{sha256}    one output file by content hash; signed
//	GET  /v1/orders/{id}/decision            the node's bid decision on an order (Decision); public
//	GET  /v1/orders/{id}/inputs              the provider's committed input list (InputsRequest);
//	                                         signed by a verifier drawn in the order's dispute
//	GET  /v1/orders/{id}/inputs/{name}       one committed input file; signed by a drawn verifier
//	GET  /healthz                            200 "ok" when the node follows the chain
//	GET  /metrics                            Prometheus metrics
//
// # The buyer's signature
//
// Requests that carry or return an order's private data are signed by the
// order's buyer, with the account key whose address is the order's buyer.
// The header is
//
//	Cell-Signature: <public key, 64 hex digits>:<ed25519 signature, 128 hex digits>
//
// over the bytes of
//
//	"celltonomy/gateway/v1" ‖ 0x0A ‖ METHOD ‖ 0x0A ‖ PATH ‖ 0x0A ‖ hex(SHA-256(body))
//
// where PATH is the request's URL path (no query) and the body is empty for
// GET. A signature binds the method, the order (in the path) and the body,
// so it cannot be moved to another order or another upload. It carries no
// nonce: repeating a signed request repeats an idempotent operation (an
// upload of the same bytes, a download), which is harmless; the transport
// (https in production) keeps the responses private.
//
// A verifier drawn in a dispute signs its requests for the provider's
// inputs the same way, with its node key: the provider serves them to the
// node keys the chain drew, so that a verifier can re-execute even when
// the buyer does not send it the inputs. The verifier checks what it gets
// against the order's input root, as a provider checks a buyer's upload.
//
// Errors are JSON ErrorBody objects with an HTTP status: 400 for a bad
// request (the message names the field and the rule), 401 for a missing or
// bad signature, 403 when the signer is not the order's buyer, 404 for an
// unknown order, job or file, 409 when the request conflicts with the
// job's state (inputs already committed, outputs not ready), 413 for a
// body over the node's limit.
package gateway

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Domain separates gateway signatures from every other signature of the
// system.
const Domain = "celltonomy/gateway/v1"

// SignatureHeader is the header that carries the buyer's signature.
const SignatureHeader = "Cell-Signature"

// Job states, in JobStatus.State. A provider's job goes
// awaiting-inputs → running → executed → delivered; a verifier's job
// goes awaiting-inputs → running → executed → committed → revealed. A job
// that cannot go on is failed, with the reason in JobStatus.Error.
const (
	StateAwaitingInputs = "awaiting-inputs"
	StateRunning        = "running"
	StateExecuted       = "executed"
	StateDelivered      = "delivered"
	StateCommitted      = "committed"
	StateRevealed       = "revealed"
	StateFailed         = "failed"
)

// Job roles, in JobStatus.Role.
const (
	RoleProvider = "provider"
	RoleVerifier = "verifier"
)

// InputFile names one input file of an order: its name (the package's
// input port, mounted at /inputs/NAME), size in bytes and SHA-256 (64 hex
// digits), as they enter the input root (runtime/inputroot).
type InputFile struct {
	Name   string `json:"name"`
	Size   uint64 `json:"size"`
	SHA256 string `json:"sha256"`
}

// InputsRequest is the body of POST /v1/orders/{id}/inputs: every input of
// the order. Its input root must equal the order's.
type InputsRequest struct {
	Inputs []InputFile `json:"inputs"`
}

// JobStatus is a node's job for an order, as GET /v1/orders/{id}/job
// returns it. It holds nothing private: no completion code, no outputs.
type JobStatus struct {
	OrderID uint64 `json:"order_id"`
	// Role is RoleProvider or RoleVerifier.
	Role string `json:"role"`
	// State is one of the State* constants.
	State string `json:"state"`
	// Error says why the job failed, when State is StateFailed.
	Error string `json:"error,omitempty"`
	// MissingInputs lists the declared input names not yet uploaded.
	MissingInputs []string `json:"missing_inputs,omitempty"`
	// OutputRoot (hex) and ExitCode are set once executed.
	OutputRoot string  `json:"output_root,omitempty"`
	ExitCode   *uint32 `json:"exit_code,omitempty"`
	// RunMillis is the run's wall time in milliseconds, once executed.
	RunMillis int64 `json:"run_ms,omitempty"`
	// DeliveryTx is the hash (hex) of the delivery transaction, once sent.
	DeliveryTx string `json:"delivery_tx,omitempty"`
	// EventLogHead (hex) is the head of the job's event log.
	EventLogHead string `json:"event_log_head,omitempty"`
	// InputReceipt is the provider node's input receipt (hex, 64 bytes):
	// its ed25519 signature of market.InputReceiptBytes(chain id, order
	// id, input root), set once the node holds the inputs and accepted to
	// run them. The buyer keeps it and shows it on chain
	// (MsgPostInputReceipt) to answer a report of missing inputs, or to be
	// compensated when the node then does not deliver.
	InputReceipt string `json:"input_receipt,omitempty"`
	// Result is how the run ended, once executed: "exited" (ExitCode is
	// the package's exit code), "trap", "fuel-limit", "memory-limit",
	// "output-limit", "stdout-limit" or "stderr-limit"
	// (market.RunResultName).
	Result string `json:"result,omitempty"`
}

// OutputFile is one file the run left under /outputs: its path relative to
// /outputs, size in bytes and SHA-256 (hex), as it enters the output root
// (runtime/outputroot).
type OutputFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Outputs is the result of a provider's job, as GET
// /v1/orders/{id}/outputs returns it to the buyer: everything the output
// root commits to, the completion code (hex) that proves receipt when the
// buyer closes the order, and the job's signed event log
// (runtime/eventlog's binary form).
type Outputs struct {
	OrderID uint64 `json:"order_id"`
	// OutputRoot is the root the node delivered on chain (hex).
	OutputRoot string `json:"output_root"`
	// Result is how the run ended (JobStatus.Result); the output root
	// commits to it: runtime/outputroot computes the root of a run that
	// did not exit from the result, stdout and stderr alone.
	Result         string       `json:"result"`
	ExitCode       uint32       `json:"exit_code"`
	Stdout         []byte       `json:"stdout"`
	Stderr         []byte       `json:"stderr"`
	Files          []OutputFile `json:"files"`
	CompletionCode string       `json:"completion_code"`
	EventLog       []byte       `json:"event_log"`
}

// Decision is a node's bid decision on an order, as GET
// /v1/orders/{id}/decision returns it: whether it bid, at what price and
// stake (ucell), or the reason it did not (node/bid's reasons, e.g.
// "below-floor") with a detail for people.
type Decision struct {
	OrderID uint64 `json:"order_id"`
	Bid     bool   `json:"bid"`
	Price   uint64 `json:"price,omitempty"`
	Stake   uint64 `json:"stake,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
	// Height is the block at which the node decided.
	Height int64 `json:"height"`
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

// SignedMessage returns the bytes a buyer signs for a request (see the
// package documentation).
func SignedMessage(method, path string, body []byte) []byte {
	sum := sha256.Sum256(body)
	var b bytes.Buffer
	b.WriteString(Domain)
	b.WriteByte('\n')
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return b.Bytes()
}

// Sign sets the signature header of r, whose body is body, with priv.
func Sign(r *http.Request, priv ed25519.PrivateKey, body []byte) {
	sig := ed25519.Sign(priv, SignedMessage(r.Method, r.URL.Path, body))
	pub := priv.Public().(ed25519.PublicKey)
	r.Header.Set(SignatureHeader, hex.EncodeToString(pub)+":"+hex.EncodeToString(sig))
}

// ErrUnsigned is matched by Verify's error for a request without a
// signature header, and ErrBadSignature for one whose header is malformed
// or whose signature does not verify.
var (
	ErrUnsigned     = errors.New("request not signed")
	ErrBadSignature = errors.New("bad request signature")
)

// Verify checks the signature header of r, whose body is body, and returns
// the signer's public key. Errors match ErrUnsigned or ErrBadSignature and
// name what is wrong.
func Verify(r *http.Request, body []byte) (ed25519.PublicKey, error) {
	h := r.Header.Get(SignatureHeader)
	if h == "" {
		return nil, fmt.Errorf("%w: header %s missing", ErrUnsigned, SignatureHeader)
	}
	pubHex, sigHex, ok := strings.Cut(h, ":")
	if !ok {
		return nil, fmt.Errorf("%w: header %s: want PUBKEY:SIGNATURE", ErrBadSignature, SignatureHeader)
	}
	pub, err := hex.DecodeString(pubHex)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: header %s: public key must be %d hex bytes", ErrBadSignature, SignatureHeader, ed25519.PublicKeySize)
	}
	sig, err := hex.DecodeString(sigHex)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: header %s: signature must be %d hex bytes", ErrBadSignature, SignatureHeader, ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, SignedMessage(r.Method, r.URL.Path, body), sig) {
		return nil, fmt.Errorf("%w: does not verify for %s %s", ErrBadSignature, r.Method, r.URL.Path)
	}
	return ed25519.PublicKey(pub), nil
}

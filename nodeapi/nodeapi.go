// Package nodeapi is the wire protocol of a fulfillment node's HTTP API,
// which buyers, verifiers and peer nodes call: the routes (Route*
// constants, the paths of OrderPath and BlobPath), the wire types, the
// limits, the request signature, and a small typed client (Client).
// The node (package node) serves it with these same constants and types;
// nothing else spells a path or a header of it.
//
// A node serves, under its registered endpoint:
//
//	GET  /v1/blobs/{sha256}                  a package (.cellpkg) by content hash; public. Only
//	                                         packages are served here, never an order's files
//	PUT  /v1/blobs/{sha256}                  upload a .cellpkg whose registry record lists this node
//	                                         at that hash; signed by the package's author, with the
//	                                         Cell-Package-Id header
//	PUT  /v1/orders/{id}/inputs/{name}       one input file of an order; signed by the order's buyer;
//	                                         name must be an input the package declares
//	POST /v1/orders/{id}/inputs              the input list (InputsRequest); signed by the buyer; the
//	                                         node checks it against the order's input root and starts
//	                                         the job
//	GET  /v1/orders/{id}/job                 the job's progress (JobStatus); public, no secrets
//	GET  /v1/orders/{id}/outputs             the results (Outputs), with the completion code (and a
//	                                         protocol's shipping label); signed by the buyer, or, for
//	                                         a protocol order, by a drawn verifier's node key (then
//	                                         without the completion code and the label)
//	GET  /v1/orders/{id}/outputs/{sha256}    one output file by content hash; signed by the buyer
//	                                         (or, for a protocol order, a drawn verifier)
//	GET  /v1/orders/{id}/log                 the provider job's signed event log as stored
//	                                         (runtime/eventlog), so far; signed by the buyer (or,
//	                                         for a protocol order, a drawn verifier)
//	GET  /v1/orders/{id}/decision            the node's bid decision on an order (Decision); public
//	GET  /v1/orders/{id}/inputs              the committed input list (InputsRequest); signed by the
//	                                         node key of a verifier drawn in the order's dispute
//	GET  /v1/orders/{id}/inputs/{name}       one committed input file; signed by a drawn verifier
//	GET  /v1/botspecs/{id}                   the BotSpec (canonical JSON) of one of the node's bots, by
//	                                         its id (protocol.BotSpecID); public
//	POST /v1/services/{id}/token             a token of the running instance of service order id
//	                                         (ServiceAccess); signed by the order's buyer, empty body
//	POST /v1/services/{id}/slots/{port}      a call of the instance's slot port; authorised by a
//	                                         token (Authorization: Bearer HEX); the body is the
//	                                         request, the answer the slot's
//	GET  /healthz                            200 "ok" when the node follows the chain
//	GET  /metrics                            Prometheus metrics
//
// # Services
//
// A service order's instance is reached only through its node: the buyer
// asks for a token (RouteServiceToken, signed like an input upload),
// which the node keeps as a SHA-256 (at most 16 per instance, the oldest
// dropped) and compares in constant time on each call
// (RouteServiceCall). A call's request and answer are at most
// MaxServiceRequest and MaxServiceResponse bytes; a call waits at most
// 15 s. Statuses: 401 a missing or unknown token, 400 an undeclared port,
// 413 a request too large, 410 the instance stopped, 422 the service's
// own error (its message), 504 out of time, 503 (with Retry-After) a
// token asked while the instance starts. When the service ends the node
// delivers a UsageReceipt; its Root is the delivery's output root.
//
// An order's inputs and outputs are private: a node serves them only
// through the signed order endpoints, outputs to the order's buyer and
// inputs to the verifiers the chain drew for its dispute. The provider
// serves the inputs it committed, and so does a drawn verifier that
// committed them, so that verifiers can get them from each other.
//
// # The request signature
//
// Requests that carry or return an order's private data are signed: by
// the order's buyer with the account key whose address is the order's
// buyer, by a drawn verifier with its node key, by a package's author for
// PUT /v1/blobs. A signed request carries five headers:
//
//	Cell-Signature:   <ed25519 public key, 64 hex digits>:<signature, 128 hex digits>
//	Cell-Body-Sha256: <SHA-256 of the body, 64 lowercase hex digits>
//	Cell-Body-Length: <length of the body in bytes, decimal>
//	Cell-Nonce:       <32 lowercase hex digits, random, never reused>
//	Cell-Expires:     <Unix time in seconds, decimal, after which the signature is void>
//
// and the signature is over the bytes (SignedMessage)
//
//	"celltonomy/gateway/v2" ‖ 0x0A ‖ METHOD ‖ 0x0A ‖ PATH ‖ 0x0A ‖
//	BODY-SHA256 ‖ 0x0A ‖ BODY-LENGTH ‖ 0x0A ‖ NONCE ‖ 0x0A ‖ EXPIRES
//
// where PATH is the request's URL path (no query), and BODY-SHA256,
// BODY-LENGTH, NONCE and EXPIRES are the header values as above (a GET
// declares the empty body: length 0, the SHA-256 of no bytes). Numbers
// are written without sign or leading zeros.
//
// The body is declared, not read, by the signature: a node checks the
// signature, the expiry, the nonce and the signer's right to the order
// before it reads a byte of the body, so a stranger cannot make it read
// (or store) anything. It then reads at most BODY-LENGTH bytes, hashing
// them as they stream to disk, and refuses the body when its length or
// hash differ from the declaration (400). A Content-Length that differs
// from Cell-Body-Length is refused before the body is read.
//
// A signature binds the method, the order (in the path), the body, the
// nonce and the expiry. A node refuses a signature whose expiry is past
// by more than MaxClockSkew, or further ahead than MaxLifetime +
// MaxClockSkew (401), and remembers every nonce it accepted until the
// nonce's signature expires: a repeated request is refused (401), so a
// captured request cannot be replayed. The expiry is checked when the
// headers arrive; an upload whose body takes longer is not cut by it
// (the node's transfer deadline bounds it instead).
//
// # Limits
//
// A node refuses, before reading the body, an input whose name the
// package does not declare (400), an input over its max_input_bytes or an
// order whose inputs would exceed its max_order_input_bytes (413), and an
// upload beyond its max_concurrent_uploads (503, with Retry-After). A body
// must arrive at min_transfer_bytes_per_second or better (node/config):
// the node cuts slower ones.
//
// Errors are JSON ErrorBody objects with an HTTP status: 400 for a bad
// request (the message names the field and the rule), 401 for a missing,
// bad, expired or replayed signature, 403 when the signer has no right to
// the order or the package, 404 for an unknown order, job or file, 409
// when the request conflicts with the job's state (inputs already
// committed, outputs not ready, the same input being uploaded), 413 for a
// body over the node's limits, 503 when the node is at its upload limit,
// 507 when its disk quota is full.
package nodeapi

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

// MaxInputsBody bounds, in bytes, an input list in JSON: the body of POST
// /v1/orders/{id}/inputs and the answer of GET /v1/orders/{id}/inputs.
const MaxInputsBody = 1 << 20

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
	// Instruction and Instructions are a protocol run's progress: the
	// bot has done Instruction of the protocol's Instructions
	// instructions. Both are 0 for a compute job, and before a protocol
	// run starts.
	Instruction  int `json:"instruction,omitempty"`
	Instructions int `json:"instructions,omitempty"`
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
//
// For a protocol order the files are the run's datasets (e.g. gel.png,
// gel.json), the result "exited" with exit code 0 and no stdout or
// stderr, and the event log is the bot run's (runtime/botlog). When the
// protocol ships containers, Label is the shipping label: it carries the
// completion code, so it is not among the files and not under the output
// root (whoever holds the label can close the order), and it is given to
// the buyer only, never to a drawn verifier, which gets Outputs without
// CompletionCode and Label.
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
	// Label is the shipping label of a protocol run that ships
	// containers; nil otherwise.
	Label *ShippingLabel `json:"label,omitempty"`
}

// ShippingLabel is the label that travels with the containers a protocol
// ships to the buyer (fabrication.md "Shipment and the completion code").
type ShippingLabel struct {
	// ID is the label id, as the event log's ship.pack event records it.
	ID string `json:"id"`
	// PNG is the label's image: a QR code whose text is
	// "celltonomy-label/1 ORDER LABEL COMPLETION" (node/bot.LabelText:
	// the order id in decimal, the label id, the completion code in 64
	// hex digits).
	PNG []byte `json:"png"`
}

// Decision is a node's bid decision on an order, as GET
// /v1/orders/{id}/decision returns it: whether it bid, at what price and
// stake (ucell), or the reason it did not (node/bid's reasons, e.g.
// "above-max-price", or "not-covered" when none of the node's BotSpecs
// covers a protocol order, the detail naming each BotSpec's first unmet
// requirement) with a detail for people.
type Decision struct {
	OrderID uint64 `json:"order_id"`
	Bid     bool   `json:"bid"`
	Price   uint64 `json:"price,omitempty"`
	Stake   uint64 `json:"stake,omitempty"`
	// BotSpecID (64 hex digits) is, for a bid on a protocol order, the id
	// of the BotSpec of the bot that would run it (the bid names it).
	BotSpecID string `json:"botspec_id,omitempty"`
	Reason    string `json:"reason,omitempty"`
	Detail    string `json:"detail,omitempty"`
	// Height is the block at which the node decided.
	Height int64 `json:"height"`
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

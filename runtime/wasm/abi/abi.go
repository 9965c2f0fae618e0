// Package abi is the contract between a service module (a WASI reactor) and
// the node that hosts it: the names of the functions the module exports and
// imports, and the table of gateway error codes. Both sides import it: the
// host (package runtime/wasm, node/gateway) and the guest SDK (sdk/service),
// so a code means the same thing on both sides. It has no dependencies and
// compiles for GOOS=wasip1.
//
// The module exports
//
//	cell_alloc(size i32) -> i32
//	    a buffer of size bytes the host writes a request into
//	cell_handle(port i32, ptr i32, len i32) -> i64
//	    serves the request at [ptr, ptr+len) on slot port: r >= 0 is the
//	    response at ptr r>>32, length r&0xffffffff; r < 0 is an error whose
//	    message is at ptr (-r)>>32, length (-r)&0xffffffff
//
// and may import, from module "cell" (the gateway host API):
//
//	child_start(id_ptr, id_len i32) -> i64        a handle >= 0, or a code < 0
//	child_call(handle i64, port, req_ptr, req_len i32) -> i64
//	                                              response length, or a code
//	child_result(buf_ptr, buf_len i32) -> i32     copies the pending result, or
//	                                              its first buf_len bytes
//	                                              (bytes copied, or a code)
//	child_stop(handle i64) -> i32                 0, or a code
//	net_peers(name_ptr, name_len i32) -> i64      length of the result (the
//	                                              addresses joined by "\n"),
//	                                              or a code
//
// A result (of child_call or net_peers) is pending until child_result
// copies it or the next gateway call replaces it. When a gateway function
// returns a code, the pending result is the error's message (at most 4 KiB,
// e.g. "start child 3f2a…: cycle of service ids: it is already on the
// chain …"), so the module can report why; the SDK reads it into its
// errors.
package abi

import "errors"

// Names of the functions a service module exports.
const (
	// ExportAlloc is cell_alloc.
	ExportAlloc = "cell_alloc"
	// ExportHandle is cell_handle.
	ExportHandle = "cell_handle"
	// ExportInitialize is the reactor's initialisation function (WASI
	// reactors, Go's -buildmode=c-shared), called once before any request.
	// It is optional.
	ExportInitialize = "_initialize"
)

// HostModule is the name of the module of the gateway host API.
const HostModule = "cell"

// Names of the gateway host functions, in module HostModule.
const (
	FuncChildStart  = "child_start"
	FuncChildCall   = "child_call"
	FuncChildResult = "child_result"
	FuncChildStop   = "child_stop"
	FuncNetPeers    = "net_peers"
)

// Gateway error codes: the negative values a host function of module
// "cell" returns. Codes are appended, never renumbered.
const (
	// CodeNoGateway: the instance has no gateway (a node that hosts no
	// child services, or a local test run).
	CodeNoGateway int32 = -1
	// CodeDepthExceeded: starting the child would exceed the depth bound of
	// the tree of services.
	CodeDepthExceeded int32 = -2
	// CodeCycle: the child's service id is already on the chain of its
	// ancestors.
	CodeCycle int32 = -3
	// CodeBudgetExhausted: the parent's budget does not cover the child's
	// price.
	CodeBudgetExhausted int32 = -4
	// CodeNetworkNotDeclared: the network is not among the spec's network
	// entries, or is not one the node can resolve.
	CodeNetworkNotDeclared int32 = -5
	// CodeUnknownService: no package with that service id can be found.
	CodeUnknownService int32 = -6
	// CodePeerFailed: the peer the child was delegated to failed.
	CodePeerFailed int32 = -7
	// CodeChildFailed: the child refused or failed the call (a trap, a
	// limit, an error response, a stopped child).
	CodeChildFailed int32 = -8
	// CodeBadRequest: an invalid argument: an unknown handle, a range
	// outside the module's memory, an id or name too long.
	CodeBadRequest int32 = -9
	// CodeMemoryLimit: the child's memory does not fit in what is left of
	// the parent's memory limit.
	CodeMemoryLimit int32 = -10
	// CodeNoResult: child_result found no pending result, or the buffer is
	// smaller than it.
	CodeNoResult int32 = -11
	// CodeTooLarge: the request or the response is over its size limit.
	CodeTooLarge int32 = -12
	// CodeInternal: the node failed for a reason of its own.
	CodeInternal int32 = -13
)

// Errors matching the codes (errors.Is). A gateway returns errors wrapping
// them; the host turns them into codes with [Code], and the guest SDK turns
// codes back into them with [Err].
var (
	ErrNoGateway          = errors.New("no gateway")
	ErrDepthExceeded      = errors.New("depth of child services exceeded")
	ErrCycle              = errors.New("cycle of service ids")
	ErrBudgetExhausted    = errors.New("budget exhausted")
	ErrNetworkNotDeclared = errors.New("network not declared")
	ErrUnknownService     = errors.New("unknown service")
	ErrPeerFailed         = errors.New("peer failed")
	ErrChildFailed        = errors.New("child service failed")
	ErrBadRequest         = errors.New("bad gateway request")
	ErrMemoryLimit        = errors.New("memory limit of the parent exceeded")
	ErrNoResult           = errors.New("no pending result")
	ErrTooLarge           = errors.New("message too large")
	ErrInternal           = errors.New("gateway internal error")
)

var table = []struct {
	code int32
	err  error
}{
	{CodeNoGateway, ErrNoGateway},
	{CodeDepthExceeded, ErrDepthExceeded},
	{CodeCycle, ErrCycle},
	{CodeBudgetExhausted, ErrBudgetExhausted},
	{CodeNetworkNotDeclared, ErrNetworkNotDeclared},
	{CodeUnknownService, ErrUnknownService},
	{CodePeerFailed, ErrPeerFailed},
	{CodeChildFailed, ErrChildFailed},
	{CodeBadRequest, ErrBadRequest},
	{CodeMemoryLimit, ErrMemoryLimit},
	{CodeNoResult, ErrNoResult},
	{CodeTooLarge, ErrTooLarge},
	{CodeInternal, ErrInternal},
}

// Code returns the code of the first error of the table that err matches
// (errors.Is), in table order, or CodeInternal for nil or any other error.
func Code(err error) int32 {
	if err != nil {
		for _, e := range table {
			if errors.Is(err, e.err) {
				return e.code
			}
		}
	}
	return CodeInternal
}

// Err returns the error of a code: one of the ErrX above, or ErrInternal
// for a code that is not in the table.
func Err(code int32) error {
	for _, e := range table {
		if e.code == code {
			return e.err
		}
	}
	return ErrInternal
}

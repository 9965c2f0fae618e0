// Package service is the Go SDK for service authors: a service package is
// a Go program built as a WASI reactor,
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false -ldflags=-buildid= -o svc.wasm .
//
// that registers a handler per slot in an init function and calls its
// children and networks through the node's gateway:
//
//	func init() {
//		service.Handle(1, func(req []byte) ([]byte, error) {
//			return append([]byte("echo: "), req...), nil
//		})
//	}
//
//	func main() {} // never called in a reactor, required by package main
//
// Package-level variables keep their values across calls: the node
// instantiates the module once and calls it, one request at a time, for
// the life of the instance. The SDK implements the exports of the service
// ABI (cell_alloc, cell_handle, see package runtime/wasm/abi) and wraps the
// gateway host functions (StartChild, Child.Call, Child.Stop, NetPeers).
// Their errors match (errors.Is) the abi errors: abi.ErrCycle,
// abi.ErrDepthExceeded, abi.ErrBudgetExhausted, abi.ErrNetworkNotDeclared,
// and so on.
//
// Outside WebAssembly (tests of a handler on the host) the package
// compiles too: Handle registers, Serve calls the handler, and every
// gateway call fails with abi.ErrNoGateway.
package service

import (
	"fmt"

	"github.com/celltonomy/celltonomy/runtime/wasm/abi"
)

// Handler serves one request of a slot: req is the request body, which
// the handler may keep; the returned bytes are the response. A non-nil
// error is sent to the caller as an error response with err.Error() as its
// message (the caller sees a *wasm.ServiceError); so is a panic, recovered.
type Handler func(req []byte) ([]byte, error)

var handlers = map[int32]Handler{}

// Handle registers h for the slot port, replacing any handler of that
// port. Call it from an init function: a reactor's main is never called.
func Handle(port int32, h Handler) { handlers[port] = h }

// Serve calls the handler of port with req, as cell_handle does: it
// returns the handler's response, or an error for a port without a handler
// or a handler that failed or panicked.
func Serve(port int32, req []byte) (resp []byte, err error) {
	h, ok := handlers[port]
	if !ok {
		return nil, fmt.Errorf("no handler for port %d", port)
	}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return h(req)
}

// Child is a child service started through the gateway.
type Child struct{ handle int64 }

// StartChild asks the node to start the service whose service id (32
// bytes) is id, as a child of this instance. Errors: abi.ErrCycle,
// abi.ErrDepthExceeded, abi.ErrBudgetExhausted, abi.ErrUnknownService,
// abi.ErrMemoryLimit, abi.ErrPeerFailed, abi.ErrNoGateway, ...
func StartChild(id []byte) (*Child, error) {
	h := childStart(id)
	if h < 0 {
		return nil, codeErr(h, fmt.Sprintf("start child %x", id))
	}
	return &Child{handle: h}, nil
}

// Call sends req to the child's slot port and returns its response.
// Errors: abi.ErrChildFailed (the child trapped, hit a limit or answered
// with an error), abi.ErrBudgetExhausted, abi.ErrTooLarge, ...
func (c *Child) Call(port int32, req []byte) ([]byte, error) {
	n := childCall(c.handle, port, req)
	if n < 0 {
		return nil, codeErr(n, fmt.Sprintf("call child port %d", port))
	}
	return result(n)
}

// Stop stops the child. A child not stopped is stopped with its parent.
func (c *Child) Stop() error {
	if r := childStop(c.handle); r < 0 {
		return codeErr(int64(r), "stop child")
	}
	return nil
}

// NetPeers returns the addresses of the peers of a network the service's
// spec declares (e.g. "celltonomy:devnet": the chain's RPC URL). Errors:
// abi.ErrNetworkNotDeclared for any other network, abi.ErrNoGateway, ...
func NetPeers(network string) ([]string, error) {
	n := netPeers(network)
	if n < 0 {
		return nil, codeErr(n, fmt.Sprintf("peers of network %q", network))
	}
	b, err := result(n)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return append(out, string(b[start:])), nil
}

// result copies the pending result of n bytes.
func result(n int64) ([]byte, error) {
	buf := make([]byte, n)
	if r := childResult(buf); r < 0 {
		return nil, fmt.Errorf("read result: %w", abi.Err(r))
	}
	return buf, nil
}

// codeErr returns the error of a gateway code: a *GatewayError with the
// gateway's message when it left one (the message says what failed), or
// else the abi error with what.
func codeErr(code int64, what string) error {
	buf := make([]byte, 4096)
	n := childResult(buf)
	if n <= 0 {
		return fmt.Errorf("%s: %w", what, abi.Err(int32(code)))
	}
	return &GatewayError{Code: int32(code), Message: string(buf[:n])}
}

// GatewayError is an error of the gateway: its code and the node's
// message. It matches (errors.Is) the abi error of its code.
type GatewayError struct {
	// Code is the abi code, e.g. abi.CodeCycle.
	Code int32
	// Message is the node's explanation.
	Message string
}

// Error implements error: the node's message.
func (e *GatewayError) Error() string { return e.Message }

// Is reports whether target is the abi error of e's code.
func (e *GatewayError) Is(target error) bool { return target == abi.Err(e.Code) }

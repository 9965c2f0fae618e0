// Command svc is a test service for runtime/wasm and node/gateway, built as
// a WASI reactor (go build -buildmode=c-shared, internal/wasmbuild does).
// Each slot does one thing, from well-behaved to hostile:
//
//	1  echo: the request
//	2  counter: the number of calls of this slot so far, kept across calls
//	3  child: starts the child whose hex service id is in the package file
//	   /child (or else in $CHILD), calls its
//	   port 1 with the request and returns "child: " + its response
//	4  chain: starts $CHILD (if set), calls its port 4 and returns its answer
//	   plus one; without $CHILD returns "0". A chain of services 100 deep, or
//	   a service whose $CHILD is itself, are hostile
//	5  net: the peers of the network named by the request, one a line
//	6  grow: allocates and keeps the number of MiB in the request
//	7  spin: loops forever
//	8  fail: an error response with the request as its message
//	9  panic: panics
//	10 big: a response of the number of bytes in the request
//	11 spend: starts $CHILD and calls its port 1 until a call fails; returns
//	   the number of calls that succeeded and the error
//	12 clock: the wall clock and 8 random bytes, to check the sandbox
//	13 exit: exits the process with code 3
//	14 relay: the request is "<hex service id> <port> <body>": starts that
//	   child, calls its port with body, stops it and returns its response
package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/celltonomy/celltonomy/sdk/service"
)

var (
	counter int
	kept    [][]byte
)

// childID is the hex service id in the package file /child, or else in
// $CHILD; "" for none.
func childID() string {
	if b, err := os.ReadFile("/child"); err == nil {
		return strings.TrimSpace(string(b))
	}
	return os.Getenv("CHILD")
}

func child() (*service.Child, error) {
	id, err := hex.DecodeString(childID())
	if err != nil {
		return nil, fmt.Errorf("child id: %w", err)
	}
	return service.StartChild(id)
}

func number(req []byte) (int, error) { return strconv.Atoi(strings.TrimSpace(string(req))) }

func init() {
	service.Handle(1, func(req []byte) ([]byte, error) { return req, nil })
	service.Handle(2, func([]byte) ([]byte, error) {
		counter++
		return []byte(strconv.Itoa(counter)), nil
	})
	service.Handle(3, func(req []byte) ([]byte, error) {
		c, err := child()
		if err != nil {
			return nil, err
		}
		defer c.Stop()
		resp, err := c.Call(1, req)
		if err != nil {
			return nil, err
		}
		return append([]byte("child: "), resp...), nil
	})
	service.Handle(4, func(req []byte) ([]byte, error) {
		if childID() == "" {
			return []byte("0"), nil
		}
		c, err := child()
		if err != nil {
			return nil, err
		}
		defer c.Stop()
		resp, err := c.Call(4, req)
		if err != nil {
			return nil, err
		}
		n, err := number(resp)
		if err != nil {
			return nil, err
		}
		return []byte(strconv.Itoa(n + 1)), nil
	})
	service.Handle(5, func(req []byte) ([]byte, error) {
		peers, err := service.NetPeers(string(req))
		if err != nil {
			return nil, err
		}
		return []byte(strings.Join(peers, "\n")), nil
	})
	service.Handle(6, func(req []byte) ([]byte, error) {
		n, err := number(req)
		if err != nil {
			return nil, err
		}
		b := make([]byte, n<<20)
		for i := range b {
			b[i] = byte(i)
		}
		kept = append(kept, b)
		return []byte("ok"), nil
	})
	service.Handle(7, func([]byte) ([]byte, error) {
		for i := 0; ; i++ {
			counter += i & 1
		}
	})
	service.Handle(8, func(req []byte) ([]byte, error) { return nil, errors.New(string(req)) })
	service.Handle(9, func([]byte) ([]byte, error) { panic("on purpose") })
	service.Handle(10, func(req []byte) ([]byte, error) {
		n, err := number(req)
		if err != nil {
			return nil, err
		}
		return make([]byte, n), nil
	})
	service.Handle(11, func(req []byte) ([]byte, error) {
		c, err := child()
		if err != nil {
			return nil, err
		}
		defer c.Stop()
		calls := 0
		for {
			if _, err := c.Call(1, req); err != nil {
				return []byte(fmt.Sprintf("%d calls, then: %v", calls, err)), nil
			}
			calls++
		}
	})
	service.Handle(12, func([]byte) ([]byte, error) {
		var b [8]byte
		rand.Read(b[:])
		return []byte(time.Now().UTC().Format(time.RFC3339Nano) + " " + hex.EncodeToString(b[:])), nil
	})
	service.Handle(14, func(req []byte) ([]byte, error) {
		f := strings.SplitN(string(req), " ", 3)
		if len(f) != 3 {
			return nil, errors.New("relay: want \"<id> <port> <body>\"")
		}
		id, err := hex.DecodeString(f[0])
		if err != nil {
			return nil, fmt.Errorf("relay id: %w", err)
		}
		port, err := strconv.Atoi(f[1])
		if err != nil {
			return nil, fmt.Errorf("relay port: %w", err)
		}
		c, err := service.StartChild(id)
		if err != nil {
			return nil, err
		}
		defer c.Stop()
		return c.Call(int32(port), []byte(f[2]))
	})
	service.Handle(13, func([]byte) ([]byte, error) {
		os.Exit(3)
		return nil, nil
	})
}

func main() {}

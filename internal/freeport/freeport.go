// Package freeport hands tests the TCP ports of 127.0.0.1 they listen on.
//
// A server that takes a listener gets one that is already bound (Listen):
// nothing can race for its port. A server that binds by itself (a
// CometBFT node, a `cell` process) gets a port number (Port, Ports,
// Base): the port was free when asked and this process never hands it
// out twice, so that two tests of one package running in parallel never
// pick the same port; another process may still bind it meanwhile, which
// the kernel makes rare by not reusing a released ephemeral port at once.
//
// Take serves programs (a benchmark's throwaway chain); the other
// functions serve tests, failing the test they are given when no port is
// found.
package freeport

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// T is the part of T the test helpers use.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

var (
	mu sync.Mutex
	// given holds every port handed out by this process.
	given = map[int]bool{}
)

// maxTries bounds the attempts to find a port not handed out before.
const maxTries = 1000

// fresh returns a listener on a free port of 127.0.0.1 that this process
// has not handed out, and marks the port handed out; mu must be held.
func fresh() (net.Listener, error) {
	for range maxTries {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("freeport: %w", err)
		}
		if p := l.Addr().(*net.TCPAddr).Port; !given[p] {
			given[p] = true
			return l, nil
		}
		l.Close()
	}
	return nil, ErrExhausted
}

// Listen returns a listener on a free port of 127.0.0.1, closed when the
// test ends; its port is never handed out again by this process.
func Listen(t T) net.Listener {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	l, err := fresh()
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// Port returns a port of 127.0.0.1 that was free when asked and that this
// process has not handed out before.
func Port(t T) int {
	t.Helper()
	return Ports(t, 1)[0]
}

// Ports returns n distinct ports as Port does.
func Ports(t T, n int) []int {
	t.Helper()
	ports, err := Take(n)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return ports
}

// ErrExhausted: no port was found that this process had not handed out
// before.
var ErrExhausted = errors.New("freeport: no port left that was not handed out before")

// Take returns n distinct ports of 127.0.0.1 that were free when asked
// and that this process has not handed out before. Errors: ErrExhausted,
// or the error of listening.
func Take(n int) ([]int, error) {
	mu.Lock()
	defer mu.Unlock()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := fresh()
		if err != nil {
			return nil, err
		}
		ls = append(ls, l) // held until all are picked, so none repeats
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Base returns a port base such that base+stride·i and base+stride·i+1,
// for i < n, were all free and none was handed out before: the layout of
// `cell testnet init --base-port` (node i's P2P and RPC ports) with
// stride 10. All 2n ports count as handed out.
func Base(t T, n, stride int) int {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	for range maxTries {
		l, err := fresh()
		if err != nil {
			t.Fatalf("%v", err)
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		delete(given, base) // free checks it again with the others
		if base+stride*(n-1)+1 > 65535 {
			continue
		}
		var want []int
		for i := range n {
			want = append(want, base+stride*i, base+stride*i+1)
		}
		if free(want) {
			for _, p := range want {
				given[p] = true
			}
			return base
		}
	}
	t.Fatalf("freeport: no %d free ports %d apart", 2*n, stride)
	return 0
}

// free reports whether every port of ports is free now and was not handed
// out before.
func free(ports []int) bool {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for _, p := range ports {
		if given[p] {
			return false
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			return false
		}
		ls = append(ls, l)
	}
	return true
}

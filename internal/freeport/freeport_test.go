package freeport

import (
	"fmt"
	"net"
	"testing"
)

// TestNeverTwice: ports handed out, by any function, are distinct and
// were free.
func TestNeverTwice(t *testing.T) {
	seen := map[int]bool{}
	add := func(p int) {
		t.Helper()
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
	}
	for range 50 {
		add(Port(t))
	}
	for _, p := range Ports(t, 20) {
		add(p)
	}
	for range 10 {
		add(Listen(t).Addr().(*net.TCPAddr).Port)
	}
	base := Base(t, 3, 10)
	for i := range 3 {
		for _, p := range []int{base + 10*i, base + 10*i + 1} {
			add(p)
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				t.Fatalf("port %d of Base is not free: %v", p, err)
			}
			l.Close()
		}
	}
}

// TestListenHeld: the listener of Listen is bound, so its port is not
// free for anyone else.
func TestListenHeld(t *testing.T) {
	l := Listen(t)
	if _, err := net.Listen("tcp", l.Addr().String()); err == nil {
		t.Fatal("the port of a held listener could be bound again")
	}
}

package eventlog_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"

	"github.com/celltonomy/celltonomy/runtime/eventlog"
)

func Example() {
	// The node's key; a real node loads it from its home.
	nodeKey := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	nodePub := nodeKey.Public().(ed25519.PublicKey)

	// The node logs each step of a compute job, timed by block height.
	w := eventlog.New(nodeKey, []byte("order-42/node-a"))
	w.Append("inputs_verified", 120, eventlog.Attr{Key: "input_root", Value: []byte{0xaa}})
	w.Append("package_fetched", 120, eventlog.Attr{Key: "package", Value: []byte{0xbb}})
	w.Append("run_started", 121)
	w.Append("exit", 123, eventlog.Attr{Key: "code", Value: []byte{0}})
	head := w.Head() // posted with the delivery

	var stored bytes.Buffer
	w.WriteTo(&stored)

	// A verifier reads the stored log and checks it against the node's key
	// and the delivered head.
	l, err := eventlog.Read(&stored)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := eventlog.Verify(l, nodePub); err != nil {
		fmt.Println(err)
		return
	}
	if err := eventlog.VerifyHead(l, head); err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range l.Events {
		fmt.Println(e.Seq, e.Time, e.Kind)
	}
	// Output:
	// 0 120 inputs_verified
	// 1 120 package_fetched
	// 2 121 run_started
	// 3 123 exit
}

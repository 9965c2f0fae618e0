// Command prog is the package of the order tests (client/order/ordertest):
// it reads the input "data", prints "processed N bytes" and writes
// /outputs/result.txt, the input in upper case. With the parameter
// MODE=trap it prints the same, writes why to stderr and then traps: it
// loads a byte beyond the module's linear memory, which ends the run with
// the outcome "trap" on every node.
package main

import (
	"bytes"
	"fmt"
	"os"
	"unsafe"
)

// trapMessage is what a trapping run writes to stderr (ordertest.TrapStderr).
const trapMessage = "MODE=trap: loading a byte beyond linear memory\n"

// sink keeps the trapping load from being optimized away.
var sink byte

func main() {
	in, err := os.ReadFile("/inputs/data")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	fmt.Printf("processed %d bytes\n", len(in))
	if os.Getenv("MODE") == "trap" {
		os.Stderr.WriteString(trapMessage)
		// 3 GiB: past the memory the package may grow to.
		sink = *(*byte)(unsafe.Add(unsafe.Pointer(nil), 3<<30))
	}
	if err := os.WriteFile("/outputs/result.txt", bytes.ToUpper(in), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// Command upper is the package the node's engine tests run: it writes
// /outputs/out.txt, "hello NAME: " and its input text in upper case, and
// prints "done".
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	in, err := os.ReadFile("/inputs/text")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := "hello " + os.Getenv("NAME") + ": " + strings.ToUpper(string(in))
	if err := os.WriteFile("/outputs/out.txt", []byte(out), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println("done")
}

// Command slow is a test package that takes a while: it hashes its input,
// then hashes the hash ROUNDS times, and writes the result to
// /outputs/digest.txt and stdout.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
)

func main() {
	rounds, err := strconv.Atoi(os.Getenv("ROUNDS"))
	if err != nil || rounds < 0 {
		fmt.Fprintln(os.Stderr, "ROUNDS: want a whole number")
		os.Exit(2)
	}
	data, err := os.ReadFile("/inputs/data")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	h := sha256.Sum256(data)
	for range rounds {
		h = sha256.Sum256(h[:])
	}
	out := hex.EncodeToString(h[:])
	if err := os.WriteFile("/outputs/digest.txt", []byte(out+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	fmt.Println(out)
}

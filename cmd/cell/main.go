// Command cell is the Celltonomy command line: build, inspect and run
// packages (and, as the project grows, run nodes and talk to the chain).
// See `cell --help`; the commands live in package cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/celltonomy/celltonomy/cmd/cell/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

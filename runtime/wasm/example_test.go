package wasm_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"testing/fstest"

	"github.com/celltonomy/celltonomy/runtime/wasm"
)

// This example runs a tiny WASI module that prints a greeting, and shows
// the parts of its result that every honest node agrees on.
func Example() {
	ctx := context.Background()

	// One long-lived Executor; WithCacheDir would keep compiled modules on disk.
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close(ctx)

	out, err := os.MkdirTemp("", "outputs-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)

	res, err := e.Run(ctx, wasm.Job{
		Root:      fstest.MapFS{"bin/hello.wasm": {Data: helloModule()}},
		Entry:     "bin/hello.wasm",
		OutputDir: out, // empty, mounted at /outputs
		Limits:    wasm.Limits{Stdout: 1 << 10},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("outcome: %v, exit code: %d\n", res.Outcome, res.ExitCode)
	fmt.Printf("stdout: %q\n", res.Stdout)
	fmt.Printf("output root: %x\n", res.OutputRoot)
	// Output:
	// outcome: exited, exit code: 0
	// stdout: "hello, world\n"
	// output root: a531565cdd68077b80e8080a07b2ebb7b1be4b353faa17e9107e18398eb66873
}

// This example runs a module that loops forever with a fuel of 1000 loop
// iterations. The run ends at the 1001st, on every machine: that is an
// outcome with an output root, not an error.
func Example_fuelLimit() {
	ctx := context.Background()
	e, err := wasm.NewExecutor(ctx, wasm.NewConfig())
	if err != nil {
		log.Fatal(err)
	}
	defer e.Close(ctx)

	out, err := os.MkdirTemp("", "outputs-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)

	res, err := e.Run(ctx, wasm.Job{
		Root:      fstest.MapFS{"spin.wasm": {Data: spinModule()}},
		Entry:     "spin.wasm",
		OutputDir: out,
		Limits:    wasm.Limits{Fuel: 1000},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("outcome: %v (%v)\n", res.Outcome, res.Err())
	fmt.Printf("fuel used: %d\n", res.Usage.Fuel)
	fmt.Printf("output root: %x\n", res.OutputRoot)
	// Output:
	// outcome: fuel-limit (fuel limit exceeded: limit 1000 loop iterations)
	// fuel used: 1000
	// output root: 36313a7f16143be0958b3ff5ae71319b5f203525cae8bdf2e510dc43e1d40935
}

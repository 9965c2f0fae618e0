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
	fmt.Printf("exit code: %d\n", res.ExitCode)
	fmt.Printf("stdout: %q\n", res.Stdout)
	fmt.Printf("output root: %x\n", res.OutputRoot)
	// Output:
	// exit code: 0
	// stdout: "hello, world\n"
	// output root: a531565cdd68077b80e8080a07b2ebb7b1be4b353faa17e9107e18398eb66873
}

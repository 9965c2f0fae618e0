package main

// The package's module is built for the sandbox with `go generate`; the
// result, digest.wasm, is a build product and is never committed.

//go:generate env GOOS=wasip1 GOARCH=wasm go build -trimpath -o digest.wasm .

package main

// The package's module is built for the sandbox with `go generate` (make
// examples), reproducibly as examples/digest's (see its gen.go), as a WASI
// reactor (-buildmode=c-shared, the service ABI of runtime/wasm); the
// genome of the package filesystem is a copy of examples/data/lambda.fa.
// Both are build products and never committed.

//go:generate env GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -buildmode=c-shared -trimpath -buildvcs=false -ldflags=-buildid= -o seq-index.wasm .
//go:generate cp -L ../data/lambda.fa lambda.fa

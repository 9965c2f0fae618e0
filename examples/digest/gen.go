package main

// The package's module is built for the sandbox with `go generate`; the
// result, digest.wasm, is a build product and is never committed.
//
// The build is reproducible: -trimpath drops the paths of the machine,
// -buildvcs=false the git revision and "modified" flag that Go would
// stamp into the binary, and an empty -buildid the build id that changes
// with the toolchain's cache; so every build of one commit by one Go
// version gives the same bytes, hence the same package id, whatever the
// HOME, the cache or the state of the worktree (TestReproducibleBuild).

//go:generate env GOOS=wasip1 GOARCH=wasm CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags=-buildid= -o digest.wasm .

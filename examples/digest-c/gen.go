package digestc

// The package's module is built from src/ by clang for wasm32-wasi against
// Debian's wasi-libc; digest.wasm is a build product and is never
// committed, like examples/digest/digest.wasm. The first directive
// regenerates src/enzymes.h from bio/restriction's table (checked in, so
// the C sources build without Go); the second compiles.
//
// The flags are wasmbuild.CFlags (TestBuildFlags checks it): no debug
// information, so no path, time or host name enters the module, and one
// source and one clang version give the same bytes on any machine
// (TestReproducibleBuild).

//go:generate go run gentable.go
//go:generate clang --target=wasm32-wasi -O2 -Wl,--strip-debug -o digest.wasm src/digest.c

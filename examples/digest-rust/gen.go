package digestrust

// The package's module is built from src/ by Debian's rustc for wasm32-wasi
// (the standard library of libstd-rust-dev-wasm32, no other crate);
// digest.wasm is a build product and is never committed, like
// examples/digest/digest.wasm. The first directive regenerates
// src/enzymes.rs from bio/restriction's table (checked in, so the Rust
// sources build without Go); the second compiles.
//
// The flags are wasmbuild.RustFlags (TestBuildFlags checks it): no debug
// information and a relative crate root, so the module holds no path of the
// build machine and one source and one rustc version give the same bytes
// anywhere (TestReproducibleBuild). It is /usr/bin/rustc, not a rustup
// toolchain, whose wasm32-wasi library is installed.

//go:generate go run gentable.go
//go:generate /usr/bin/rustc --target wasm32-wasi --edition 2021 -C opt-level=2 -C strip=debuginfo -C codegen-units=1 -C link-arg=-zstack-size=65536 -o digest.wasm src/main.rs

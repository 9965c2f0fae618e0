// Package specpb holds the Go code generated from the protobuf schema in
// spec/proto: the CEL-AUT service specification (package celaut) and the
// Celltonomy package envelope (package celltonomy.pkg.v1).
//
// Do not edit the .pb.go files; change the .proto files and run
// `go generate ./spec`. Code that reads specs should go through package
// spec, which keeps the raw bytes and validates them.
package specpb

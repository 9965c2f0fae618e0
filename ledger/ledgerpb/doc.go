// Package ledgerpb holds the Go code generated from the protobuf schema of
// the ledger in ledger/proto (package celltonomy.ledger.v1): transactions,
// messages, state records, params, genesis and query replies.
//
// Do not edit the .pb.go files; change the .proto files and run
// `go generate ./ledger`.
package ledgerpb

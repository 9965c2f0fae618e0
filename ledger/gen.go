package ledger

// Regenerate the Go code of the protobuf schema in proto/ with
//
//	go generate ./ledger
//
// It needs protoc (Debian's protobuf-compiler); protoc-gen-go is the
// version pinned in go.mod, run through `go tool`.
//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) -I proto --go_out=ledgerpb --go_opt=module=github.com/celltonomy/celltonomy/ledger/ledgerpb celltonomy/ledger/v1/auth.proto celltonomy/ledger/v1/bank.proto celltonomy/ledger/v1/genesis.proto celltonomy/ledger/v1/gov.proto celltonomy/ledger/v1/market.proto celltonomy/ledger/v1/page.proto celltonomy/ledger/v1/params.proto celltonomy/ledger/v1/query.proto celltonomy/ledger/v1/registry.proto celltonomy/ledger/v1/reputation.proto celltonomy/ledger/v1/staking.proto celltonomy/ledger/v1/tx.proto"
